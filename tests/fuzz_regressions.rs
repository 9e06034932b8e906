//! Replays the fuzzers' inputs on the stable toolchain.
//!
//! Every file under `fuzz/corpus/<target>/` (the seed corpora) and
//! `fuzz/regressions/<target>/` (inputs that once made a target fail, kept
//! after the fix) goes through the same body the fuzzer runs,
//! [`safecalc::fuzzing`]. A body panics when a property is violated; this
//! test catches each panic so that one run reports every failing file.
//!
//! A folder that is missing or empty is a failure, not an empty list: every
//! target must have its seed corpus, and every regression folder listed in
//! [`REGRESSIONS`] must hold its inputs, so that losing one (a move, a
//! `.gitignore`, a bad merge) cannot pass unnoticed.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use safecalc::fuzzing;

/// The folders replayed, relative to the crate root.
const ROOTS: &[&str] = &["fuzz/corpus", "fuzz/regressions"];

/// The regression inputs that must be there, by target: each is named for
/// what it found (see fuzz/README.md's findings). Add a file here when you
/// add it to `fuzz/regressions/`.
const REGRESSIONS: &[(&str, &[&str])] = &[
    (
        "eval",
        &[
            "timeout-248-lines-of-4000-digit-results",
            "empty-list-repeated-a-billion-times",
        ],
    ),
    ("parse", &["hex-literal-of-more-than-4300-digits"]),
    ("roundtrip", &["variable-named-and"]),
];

/// The files of `root/<target>/`, for every folder that names a target.
/// A folder that names no target is an error (a typo would otherwise
/// silently skip its inputs), and so is a root that cannot be read.
fn inputs(root: &Path) -> Vec<(String, PathBuf)> {
    let folders =
        fs::read_dir(root).unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()));
    let mut inputs = Vec::new();
    for folder in folders {
        let folder = folder.expect("readable folder entry").path();
        if !folder.is_dir() {
            continue;
        }
        let name = folder
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 folder name")
            .to_string();
        assert!(
            fuzzing::target(&name).is_some(),
            "{} names no fuzz target (known: {:?})",
            folder.display(),
            fuzzing::TARGETS.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
        for file in fs::read_dir(&folder).expect("readable corpus folder") {
            let path = file.expect("readable file entry").path();
            if path.is_file() {
                inputs.push((name.clone(), path));
            }
        }
    }
    inputs.sort();
    inputs
}

#[test]
fn corpus_and_regressions_pass_their_targets() {
    let crate_root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let all: Vec<_> = ROOTS
        .iter()
        .flat_map(|root| inputs(&crate_root.join(root)))
        .collect();
    // Every target has a seed corpus, and every known regression is there.
    for (target, _) in fuzzing::TARGETS {
        let seeds = all
            .iter()
            .filter(|(t, path)| t == target && path.starts_with(crate_root.join(ROOTS[0])))
            .count();
        assert!(seeds > 0, "no seed inputs in fuzz/corpus/{target}/");
    }
    for (target, files) in REGRESSIONS {
        for file in *files {
            let path = crate_root.join(ROOTS[1]).join(target).join(file);
            assert!(
                all.contains(&(target.to_string(), path.clone())),
                "the regression input {} is missing",
                path.display()
            );
        }
    }

    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    for (target, path) in &all {
        let body = fuzzing::target(target).expect("checked in inputs()");
        let data = fs::read(path).expect("readable input");
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| body(&data))) {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            failures.push(format!("{target} {}: {message}", path.display()));
        }
    }
    panic::set_hook(hook);

    assert!(
        failures.is_empty(),
        "{} of {} fuzz inputs fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
    println!("{} fuzz inputs replayed", all.len());
}
