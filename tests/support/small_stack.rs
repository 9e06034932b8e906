//! Shared by the tests that prove deep input cannot overflow the stack.

/// Runs `f` on a thread with a 2 MiB stack: tokio's default for its workers
/// and the smallest stack safecalc promises to be safe on. Panics (failing
/// the test) if `f` panics; a stack overflow would abort the test binary.
pub fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic and no stack overflow")
}
