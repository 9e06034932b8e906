//! A flood of concurrent logins with wrong passwords, with the real
//! (OWASP) hashing cost: every attempt gets an answer (`wrong name or
//! password`, `server busy, try again`, or a throttle's refusal), the
//! server's memory stays bounded (at most one 19 MiB hash per core runs at
//! a time, and the queue behind them is short), and a client doing
//! something else is served meanwhile and after.
//!
//! The server is the `safecalc` binary, spawned with `--ephemeral`, so
//! that the memory measured (its `/proc/PID/status`) is the server's as
//! shipped: one event loop, and a blocking pool of the cores it leaves.
//! No timed assertions: every wait is bounded by `PATIENCE`, which only
//! catches a hang.

mod server_support;
#[path = "support/spawned.rs"]
mod spawned;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;

use server_support::Client;

/// Concurrent attempts.
const ATTEMPTS: usize = 300;

fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_wrong_logins_stays_bounded_and_others_are_served() {
    let (mut child, addr) =
        spawned::listening(Command::new(env!("CARGO_BIN_EXE_safecalc")).args([
            "--listen",
            "127.0.0.1:0",
            "--ephemeral",
        ]));
    let pid = child.id();
    let addr: SocketAddr = addr.parse().expect("a socket address");
    let mut owner = Client::connect(addr).await;
    assert_eq!(
        owner.ask("/register victim rightpass1").await,
        "-- logged in as victim"
    );
    let mut bystander = Client::connect(addr).await;
    assert_eq!(bystander.ask("1+1").await, "2");
    let before = resident_bytes(pid);

    let mut tasks = Vec::new();
    for i in 0..ATTEMPTS {
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(addr).await;
            client.send(&format!("/login victim wrong{i:05}")).await;
            loop {
                let line = client.line().await;
                if !line.starts_with("-- too many failed logins") {
                    return line;
                }
            }
        }));
    }
    // Served while the flood runs.
    for i in 0..20 {
        assert_eq!(bystander.ask(&format!("{i}*2")).await, (i * 2).to_string());
    }
    let mut outcomes = BTreeMap::new();
    let mut peak = before;
    for task in tasks {
        let line = task.await.expect("attempt task");
        let kind = if line.starts_with("error: too many failed logins; try again in ") {
            "throttled".to_string()
        } else {
            line
        };
        *outcomes.entry(kind).or_insert(0) += 1;
        peak = peak.max(resident_bytes(pid));
    }
    eprintln!("outcomes: {outcomes:?}");
    for kind in outcomes.keys() {
        assert!(
            [
                "error: wrong name or password",
                "error: server busy, try again",
                "throttled"
            ]
            .contains(&kind.as_str()),
            "unexpected answer {kind:?}"
        );
    }
    assert_eq!(outcomes.values().sum::<usize>(), ATTEMPTS);
    assert!(outcomes.contains_key("error: wrong name or password"));
    if let (Some(before), Some(peak)) = (before, peak) {
        let growth = peak.saturating_sub(before);
        eprintln!("resident memory: {before} -> {peak} bytes (+{growth})");
        // At most a kept 19 MiB buffer per core, plus 300 connections.
        assert!(growth < 64 * 1024 * 1024, "memory grew by {growth} bytes");
    }
    assert_eq!(bystander.ask("6*7").await, "42");
    let _ = child.kill();
    let _ = child.wait();
}
