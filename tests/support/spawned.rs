//! Starting the safecalc binary as a user would, for the tests that run it
//! (`#[path = "support/spawned.rs"] mod spawned;`, or from a support
//! module).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Spawns `command` (the safecalc binary with its flags; stdin, stdout and
/// stderr are set here), reads the `safecalc listening on ADDR` line it
/// prints first, and returns the child with ADDR. The rest of stdout is
/// dropped: the tests talk to the server, not to its terminal.
pub fn listening(command: &mut Command) -> (Child, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn safecalc");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("read stdout");
    let addr = first
        .trim()
        .strip_prefix("safecalc listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    (child, addr)
}
