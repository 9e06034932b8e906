//! 100 MiB without a newline: one error line, bounded memory, and the
//! connection works afterwards.
//!
//! This test has a file (so a process) of its own, so that the memory it
//! measures is not disturbed by other tests running at the same time.

mod server_support;

use server_support::{PATIENCE, TestServer};
use tokio::io::AsyncWriteExt;

/// This process's resident memory in bytes, from Linux's
/// `/proc/self/status`. Without it the test cannot check what it exists
/// for, so it fails and says why instead of passing unchecked.
fn resident_bytes() -> u64 {
    const STATUS: &str = "/proc/self/status";
    let status = std::fs::read_to_string(STATUS).unwrap_or_else(|e| {
        panic!("cannot measure memory: {STATUS} is unreadable ({e}); this test needs Linux's /proc")
    });
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .unwrap_or_else(|| panic!("cannot measure memory: no VmRSS line in {STATUS}"));
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|kib| kib.parse().ok())
        .unwrap_or_else(|| {
            panic!("cannot measure memory: {line:?} in {STATUS} is not `VmRSS: N kB`")
        });
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_mib_without_newline_costs_no_memory() {
    const TOTAL: usize = 100 * 1024 * 1024;
    let server = TestServer::start().await;
    let mut client = server.client().await;
    assert_eq!(client.ask("1").await, "1");
    let before = resident_bytes();

    let mut writer = client.writer;
    let write = tokio::spawn(async move {
        let chunk = vec![b'7'; 64 * 1024];
        for _ in 0..TOTAL / chunk.len() {
            writer.write_all(&chunk).await.expect("write");
        }
        writer.write_all(b"\n2\n").await.expect("write");
        writer
    });
    // The error comes as soon as the limit is crossed, long before the end.
    assert_eq!(
        server_support::read_line(&mut client.reader).await,
        "error: line too long (max 4096 bytes)"
    );
    assert_eq!(server_support::read_line(&mut client.reader).await, "2");
    client.writer = tokio::time::timeout(PATIENCE, write)
        .await
        .expect("written in time")
        .expect("writer task");
    let after = resident_bytes();

    // The connection goes on.
    assert_eq!(client.ask("3").await, "3");
    let growth = after.saturating_sub(before);
    eprintln!("resident memory: {before} -> {after} bytes (+{growth})");
    assert!(growth < 16 * 1024 * 1024, "memory grew by {growth} bytes");
    server.stop().await;
}
