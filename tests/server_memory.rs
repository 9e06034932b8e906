//! 100 MiB without a newline: one error line, bounded memory, and the
//! connection works afterwards.
//!
//! This test has a file (so a process) of its own, so that the memory it
//! measures is not disturbed by other tests running at the same time.

mod server_support;

use server_support::{PATIENCE, TestServer};
use tokio::io::AsyncWriteExt;

/// This process's resident memory in bytes (Linux), if known.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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
    if let (Some(before), Some(after)) = (before, after) {
        let growth = after.saturating_sub(before);
        eprintln!("resident memory: {before} -> {after} bytes (+{growth})");
        assert!(growth < 16 * 1024 * 1024, "memory grew by {growth} bytes");
    }
    server.stop().await;
}
