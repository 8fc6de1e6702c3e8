//! A value under a mutex, with a condition variable that says it changed:
//! the one shape of every hand-over between a decoder and its threads (the
//! workers' queue and results, the checksum thread's queue).
//!
//! Every update of such a value is a few plain assignments that leave it
//! consistent, so a lock poisoned by a panicking thread is taken as it is:
//! the decoder then reports the panic's consequence (a missing result) in
//! its own way rather than panicking in turn.

use std::sync::{Condvar, Mutex, MutexGuard};

pub(super) struct Signalled<T> {
    value: Mutex<T>,
    changed: Condvar,
}

impl<T> Signalled<T> {
    pub(super) fn new(value: T) -> Signalled<T> {
        Signalled {
            value: Mutex::new(value),
            changed: Condvar::new(),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, T> {
        lock(&self.value)
    }

    /// Waits, releasing the lock meanwhile, until `ready` holds.
    pub(super) fn wait_until<'a>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut ready: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        while !ready(&mut guard) {
            guard = self.changed.wait(guard).unwrap_or_else(|p| p.into_inner());
        }
        guard
    }

    /// Wakes every waiter (after a change made under the lock).
    pub(super) fn notify_all(&self) {
        self.changed.notify_all();
    }

    pub(super) fn notify_one(&self) {
        self.changed.notify_one();
    }
}

/// A plain mutex taken the same way.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
