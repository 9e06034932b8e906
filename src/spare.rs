//! One spare buffer of each kind per thread: the read and reply buffers of
//! a connection, a line's buffer, a parse tree's nodes, a frame's action
//! list. A buffer is taken from its thread's slot when work needs one and
//! given back, empty, when the work is done, instead of being allocated
//! and freed each time, or kept by each connection or session.
//!
//! Why per thread rather than per connection: a server thread serves
//! thousands of connections, and the one buffer of a kind that every
//! request on the thread goes through stays in the CPU's cache, where one
//! per connection has left it by the time that connection's next request
//! comes. Measured with 1,000 clients, buffers kept per connection cost
//! more time than allocating each anew, and buffers per thread less than
//! either (BENCHMARKS.md, "What limits the server figures"). An idle
//! connection then also holds none of them.
//!
//! A slot is a `thread_local!` `Cell` next to the code that uses it; each
//! kind bounds what it gives back, so that a slot never keeps a long
//! line's worth of memory. After a thread's locals are gone (the thread is
//! ending), taking finds nothing and giving frees the buffer.

use std::cell::Cell;
use std::thread::LocalKey;

/// The thread's spare from `slot` (the empty value if there is none).
#[inline]
pub(crate) fn take<T: Default>(slot: &'static LocalKey<Cell<T>>) -> T {
    slot.try_with(Cell::take).unwrap_or_default()
}

/// The thread's spare from `slot` if `fits` accepts it; otherwise it stays
/// in the slot for work it fits.
#[inline]
pub(crate) fn take_if<T: Default>(
    slot: &'static LocalKey<Cell<T>>,
    fits: impl FnOnce(&T) -> bool,
) -> Option<T> {
    slot.try_with(|cell| {
        let spare = cell.take();
        if fits(&spare) {
            Some(spare)
        } else {
            cell.set(spare);
            None
        }
    })
    .ok()
    .flatten()
}

/// Makes `buffer` the thread's spare in `slot`; the one there before, if
/// any, is freed.
#[inline]
pub(crate) fn give<T>(slot: &'static LocalKey<Cell<T>>, buffer: T) {
    let _ = slot.try_with(|cell| cell.set(buffer));
}

/// [`give`] for a buffer that is a `Vec`: emptied, and kept only if it has
/// room for at most `max` elements (a larger one is freed; so is one with
/// no room at all, which would only push out a better spare).
#[inline]
pub(crate) fn give_vec<E>(slot: &'static LocalKey<Cell<Vec<E>>>, mut buffer: Vec<E>, max: usize) {
    if buffer.capacity() == 0 || buffer.capacity() > max {
        return;
    }
    buffer.clear();
    give(slot, buffer);
}
