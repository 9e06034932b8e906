//! `safecalc cert`: a self-signed certificate and its key, to try the TLS
//! listener without a certificate authority.
//!
//! The pair is made by rcgen (an ECDSA P-256 key), for `localhost`,
//! `127.0.0.1` and `::1` unless other names are given, and written as
//! `cert.pem` and `key.pem`; the key file is readable by its owner only.
//! Existing files are not overwritten unless asked. A client trusts the
//! certificate by being given the file (`safecalc connect --tls --ca
//! cert.pem`, `openssl s_client -CAfile cert.pem`) or by checking its
//! SHA-256 fingerprint, which is printed in the form `openssl x509
//! -fingerprint -sha256` uses.

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use thiserror::Error;

/// The names a certificate is made for when none are given.
pub const DEFAULT_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The file names written in the output folder.
pub const CERT_FILE: &str = "cert.pem";
/// See [`CERT_FILE`].
pub const KEY_FILE: &str = "key.pem";

/// Why no certificate was written.
#[derive(Debug, Error)]
pub enum CertificateError {
    /// rcgen refused the names (not DNS names or IP addresses) or failed.
    #[error("cannot make a certificate for {names:?}: {source}")]
    Generate {
        names: Vec<String>,
        #[source]
        source: rcgen::Error,
    },
    /// A file to write exists already.
    #[error("{} exists already (use --force to replace it)", .0.display())]
    Exists(PathBuf),
    /// Writing failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// A self-signed certificate and its key, in PEM.
#[derive(Debug, Clone)]
pub struct SelfSigned {
    pub cert_pem: String,
    pub key_pem: String,
    /// SHA-256 of the certificate's DER, as `AB:CD:...`.
    pub fingerprint: String,
}

/// Makes a self-signed certificate for `names` (DNS names or IP addresses;
/// [`DEFAULT_NAMES`] if empty).
pub fn self_signed(names: &[String]) -> Result<SelfSigned, CertificateError> {
    let names: Vec<String> = if names.is_empty() {
        DEFAULT_NAMES.iter().map(|n| n.to_string()).collect()
    } else {
        names.to_vec()
    };
    let made = rcgen::generate_simple_self_signed(names.clone())
        .map_err(|source| CertificateError::Generate { names, source })?;
    Ok(SelfSigned {
        cert_pem: made.cert.pem(),
        key_pem: made.signing_key.serialize_pem(),
        fingerprint: fingerprint(made.cert.der()),
    })
}

/// The SHA-256 fingerprint of a DER certificate, as `AB:CD:...`.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut text = String::with_capacity(95);
    for (i, byte) in digest.as_ref().iter().enumerate() {
        if i > 0 {
            text.push(':');
        }
        let _ = write!(text, "{byte:02X}");
    }
    text
}

/// Writes `pair` as `cert.pem` and `key.pem` in `dir` (made if missing),
/// the key readable by its owner only; returns the two paths.
pub fn write(
    pair: &SelfSigned,
    dir: &Path,
    force: bool,
) -> Result<(PathBuf, PathBuf), CertificateError> {
    let cert = dir.join(CERT_FILE);
    let key = dir.join(KEY_FILE);
    if !force {
        for path in [&cert, &key] {
            if path.exists() {
                return Err(CertificateError::Exists(path.clone()));
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|source| CertificateError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    write_file(&key, &pair.key_pem, true)?;
    write_file(&cert, &pair.cert_pem, false)?;
    Ok((cert, key))
}

fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), CertificateError> {
    let error = |source| CertificateError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(error)?;
    // A key file that existed (with --force) keeps its old mode: narrow it.
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(error)?;
    }
    file.write_all(text.as_bytes()).map_err(error)?;
    file.sync_all().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_pem_and_its_fingerprint_is_sha256() {
        let pair = self_signed(&[]).unwrap();
        assert!(pair.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(pair.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(pair.fingerprint.len(), 32 * 3 - 1);
        // SHA-256 of nothing, as everyone prints it.
        assert!(fingerprint(b"").starts_with("E3:B0:C4:42:98:FC:1C:14"));
    }

    #[test]
    fn names_that_are_not_names_are_refused() {
        let error = self_signed(&["naïve.example".to_string()]).unwrap_err();
        assert!(error.to_string().contains("naïve.example"), "{error}");
    }
}
