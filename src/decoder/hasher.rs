//! The content checksum on a thread of its own.
//!
//! XXH32 cannot be split and combined, so a frame's content checksum is one
//! serial pass over its output in order. A decoder with workers hands that
//! pass to one thread, fed block by block, so that it no longer adds to the
//! time of the thread that decodes (or copies out) the blocks. The hash of
//! the frame so far is only needed at the content checksum, at a marshal and
//! at a clone; those wait for the thread to catch up ([`Hasher::state`]).
//!
//! The thread is owned by the [`Hasher`], started at the first block it is
//! given, and joined when the hasher is dropped. What waits for it is
//! bounded ([`QUEUE_BYTES`]): the decoder waits when it runs that far ahead.

use super::signal::Signalled;
use crate::error::{Error, Result};
use crate::xxh32::Xxh32State;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Bytes handed to the thread and not yet hashed, at most (one more block
/// may go beyond it, so that any block can be handed over).
pub(super) const QUEUE_BYTES: usize = 8 << 20;

/// Copied bytes are handed over in batches of this much: small blocks
/// (64 KiB linked frames) would otherwise cost a handover each.
const BATCH: usize = 1 << 20;

/// Bytes to hash: a copy (of output already handed to the caller), or a
/// range of a worker's output buffer, shared rather than copied.
enum Bytes {
    Owned(Vec<u8>),
    Shared(Arc<Vec<u8>>, Range<usize>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Owned(v) => v,
            Bytes::Shared(v, r) => &v[r.clone()],
        }
    }
}

struct Work {
    /// Start from this state (a new frame, or the first work after a
    /// restore) instead of going on from the previous work.
    base: Option<Xxh32State>,
    bytes: Bytes,
}

#[derive(Default)]
struct Queue {
    work: VecDeque<Work>,
    queued_bytes: usize,
    /// Works hashed so far, and the state after the last of them.
    done: u64,
    state: Option<Xxh32State>,
    /// Copy buffers given back by the thread, for reuse.
    spare: Vec<Vec<u8>>,
    closed: bool,
}

type Shared = Signalled<Queue>;

/// The hashing thread and the decoder's side of its queue.
pub(super) struct Hasher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// Works sent so far.
    sent: u64,
    /// The current run (since the last restart) has bytes, sent or pending.
    in_run: bool,
    /// The state the current run starts from, until its first work is sent
    /// (that work carries it).
    run_base: Option<Xxh32State>,
    /// Copied bytes not yet handed over.
    pending: Vec<u8>,
}

impl Hasher {
    pub(super) fn new() -> Hasher {
        Hasher {
            shared: Arc::new(Signalled::new(Queue::default())),
            thread: None,
            sent: 0,
            in_run: false,
            run_base: None,
            pending: Vec::new(),
        }
    }

    /// The next block starts from the state given with it (what was
    /// counted before is settled or belongs to a finished frame).
    pub(super) fn restart(&mut self) {
        self.in_run = false;
        self.run_base = None;
        self.pending.clear();
    }

    fn join_run(&mut self, current: &Xxh32State) {
        if !self.in_run {
            self.run_base = Some(current.clone());
            self.in_run = true;
        }
    }

    /// True while the thread runs.
    pub(super) fn running(&self) -> bool {
        self.thread.is_some()
    }

    /// Hashes a copy of `bytes`, going on from `current` if the thread has
    /// no state of this frame yet.
    pub(super) fn update(&mut self, current: &Xxh32State, bytes: &[u8]) -> Result<()> {
        self.join_run(current);
        if self.pending.capacity() == 0 {
            self.pending = self.spare_buffer();
            self.pending.clear();
        }
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        self.send(Bytes::Owned(batch))
    }

    /// Hashes `buffer[range]` without copying it.
    pub(super) fn update_shared(
        &mut self,
        current: &Xxh32State,
        buffer: &Arc<Vec<u8>>,
        range: Range<usize>,
    ) -> Result<()> {
        self.join_run(current);
        self.flush()?;
        self.send(Bytes::Shared(Arc::clone(buffer), range))
    }

    fn spare_buffer(&self) -> Vec<u8> {
        self.shared.lock().spare.pop().unwrap_or_default()
    }

    fn send(&mut self, bytes: Bytes) -> Result<()> {
        self.start()?;
        let len = bytes.as_slice().len();
        let mut q = self.shared.wait_until(self.shared.lock(), |q| {
            q.queued_bytes == 0 || q.queued_bytes + len <= QUEUE_BYTES
        });
        let base = self.run_base.take();
        q.work.push_back(Work { base, bytes });
        q.queued_bytes += len;
        drop(q);
        self.shared.notify_all();
        self.sent += 1;
        Ok(())
    }

    fn start(&mut self) -> Result<()> {
        if self.thread.is_some() {
            return Ok(());
        }
        let shared = Arc::clone(&self.shared);
        let handle = std::thread::Builder::new()
            .name("lz4framed-hash".into())
            .spawn(move || hash_loop(&shared))
            .map_err(|_| Error::ThreadSpawn)?;
        self.thread = Some(handle);
        Ok(())
    }

    /// The hash after everything sent so far, once the thread got there;
    /// `None` when nothing was sent since the last restart (the caller's
    /// own state is then current).
    pub(super) fn state(&self) -> Option<Xxh32State> {
        if !self.in_run {
            return None;
        }
        let mut state = match &self.run_base {
            // Nothing of this run was sent yet.
            Some(base) => base.clone(),
            None => {
                let sent = self.sent;
                let q = self
                    .shared
                    .wait_until(self.shared.lock(), |q| q.done >= sent);
                q.state.clone()?
            }
        };
        state.update(&self.pending);
        Some(state)
    }

    /// Bytes the queue holds now (copies and shared ranges), and the batch
    /// being gathered.
    pub(super) fn queued_bytes(&self) -> usize {
        self.shared.lock().queued_bytes + self.pending.capacity()
    }
}

/// Waiting work is dropped; the thread finishes what it hashes and returns.
impl Drop for Hasher {
    fn drop(&mut self) {
        {
            let mut q = self.shared.lock();
            q.closed = true;
            q.work.clear();
        }
        self.shared.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn hash_loop(shared: &Shared) {
    let mut state: Option<Xxh32State> = None;
    loop {
        let work = {
            let mut q = shared.wait_until(shared.lock(), |q| q.closed || !q.work.is_empty());
            match q.work.pop_front() {
                Some(w) if !q.closed => w,
                _ => return,
            }
        };
        if let Some(base) = work.base {
            state = Some(base);
        }
        let bytes = work.bytes.as_slice();
        let len = bytes.len();
        if let Some(s) = state.as_mut() {
            s.update(bytes);
        }
        let mut q = shared.lock();
        q.state = state.clone();
        q.done += 1;
        q.queued_bytes -= len;
        if let Bytes::Owned(v) = work.bytes {
            if q.spare.len() < 4 {
                q.spare.push(v);
            }
        }
        drop(q);
        shared.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_the_hash_a_caller_would_compute_across_restarts() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        let mut h = Hasher::new();
        assert!(h.state().is_none());
        let start = Xxh32State::new(0);
        h.update(&start, &data[..1000]).unwrap();
        let shared = Arc::new(data.clone());
        h.update_shared(&start, &shared, 1000..200_000).unwrap();
        h.update(&start, &data[200_000..]).unwrap();
        let mut want = Xxh32State::new(0);
        want.update(&data);
        assert_eq!(h.state().unwrap().digest(), want.digest());
        assert!(h.running());
        // A restart goes on from the state given with the next block.
        let mut mid = Xxh32State::new(0);
        mid.update(&data[..5]);
        h.restart();
        assert!(h.state().is_none());
        h.update(&mid, &data[5..]).unwrap();
        assert_eq!(h.state().unwrap().digest(), want.digest());
        // Small copies are batched: the state counts them before they go.
        h.restart();
        let mut part = Xxh32State::new(0);
        part.update(&data[..100]);
        for piece in data[100..].chunks(777) {
            h.update(&part, piece).unwrap();
            part.update(piece);
        }
        assert_eq!(h.state().unwrap().digest(), want.digest());
    }
}
