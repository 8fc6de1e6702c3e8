//! The decoder's worker threads: they decode runs of independent blocks
//! that [`super::ahead`] gathered, each into an output buffer of its own.
//!
//! A worker only decodes; it decides nothing. Its result is a cache of
//! what the decoder would compute itself: the decoder applies it in input
//! order, and for a block the worker could not decode (or whose checksum
//! it found wrong) the decoder decodes the block itself, so that every
//! verdict and every error comes from one place, the sequential code.
//!
//! The threads belong to one [`Pool`], owned by one decoder, started when
//! the first job arrives and joined when the pool is dropped.

use super::signal::{Signalled, lock};
use crate::error::{Error, Result};
use crate::frame::{self, le32};
use crate::lz4;
use crate::xxh32::Xxh32State;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Where one block lies in a job's bytes (which are the stream's bytes,
/// block headers included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    /// The 4-byte block header.
    pub header_at: usize,
    /// The stored data: `data_at..data_at + len`.
    pub data_at: usize,
    pub len: usize,
    pub raw: bool,
    /// After the data and its checksum.
    pub end: usize,
}

/// What every block of a job shares.
#[derive(Clone)]
pub(super) struct JobFormat {
    pub max_block: usize,
    /// Verify each block's checksum (the frame has them and verification
    /// is on).
    pub check_blocks: bool,
    /// The dictionary of independent blocks, if any.
    pub dict: Option<Arc<[u8]>>,
}

/// A finished job: the blocks decoded into one buffer, in order.
#[derive(Debug)]
pub(super) struct Decoded {
    pub output: Arc<Vec<u8>>,
    /// The job's input, kept when a block was stored raw: such a block is
    /// its own output, delivered from there rather than copied twice.
    pub input: Option<Arc<Vec<u8>>>,
    /// Each block's output; shorter than the job's spans when a block could
    /// not be decoded (that block and the rest are left to the decoder).
    pub blocks: Vec<Piece>,
    /// The content hash after each of `blocks`, when the job was hashed in
    /// its [`HashChain`]; empty otherwise (the decoder then hashes).
    pub hashes: Vec<Xxh32State>,
}

/// Where one block's output lies: in [`Decoded::output`], or (a raw block)
/// in [`Decoded::input`].
#[derive(Clone, Debug)]
pub(super) struct Piece {
    pub range: Range<usize>,
    pub in_input: bool,
}

impl Decoded {
    /// The buffer holding block `i`'s output, and where in it.
    pub(super) fn source(&self, i: usize) -> Option<(&Arc<Vec<u8>>, Range<usize>)> {
        let piece = self.blocks.get(i)?;
        let buffer = if piece.in_input {
            self.input.as_ref()?
        } else {
            &self.output
        };
        Some((buffer, piece.range.clone()))
    }
}

/// The content checksum of one run of jobs, computed by the workers in
/// job order: whichever worker finishes a job leaves it here, and the one
/// that finds the next job in line hashes it (and those after it that are
/// waiting), so no thread ever waits for another to hash and no extra
/// thread is needed. A job whose decoding failed breaks the chain: the
/// hash after it depends on what the decoder's own stages make of that
/// block, so it and every later job are published unhashed.
pub(super) struct HashChain {
    inner: Mutex<Chain>,
}

struct Chain {
    /// The sequence number of the next job to hash.
    next: u64,
    state: Xxh32State,
    waiting: BTreeMap<u64, (Arc<Job>, Decoded)>,
    busy: bool,
    broken: bool,
}

impl HashChain {
    /// A chain whose first job (sequence number 0) goes on from `state`.
    pub(super) fn new(state: Xxh32State) -> HashChain {
        HashChain {
            inner: Mutex::new(Chain {
                next: 0,
                state,
                waiting: BTreeMap::new(),
                busy: false,
                broken: false,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Chain> {
        lock(&self.inner)
    }

    /// Nobody waits for this chain's jobs any more: drop those waiting
    /// (they hold the chain) and publish later ones unhashed.
    pub(super) fn abandon(&self) {
        let mut c = self.lock();
        c.broken = true;
        c.waiting.clear();
    }

    /// Leaves a decoded job; hashes and publishes every job now in line.
    fn deposit(&self, job: &Arc<Job>, mut decoded: Decoded) {
        let mut c = self.lock();
        if c.broken {
            drop(c);
            job.publish(decoded);
            return;
        }
        c.waiting.insert(job.seq, (Arc::clone(job), decoded));
        if c.busy {
            return;
        }
        c.busy = true;
        loop {
            let next = c.next;
            let Some((job, d)) = c.waiting.remove(&next) else {
                c.busy = false;
                return;
            };
            decoded = d;
            let mut state = c.state.clone();
            let broken = c.broken;
            drop(c);
            if !broken {
                for i in 0..decoded.blocks.len() {
                    if let Some((buffer, range)) = decoded.source(i) {
                        state.update(&buffer[range]);
                    }
                    decoded.hashes.push(state.clone());
                }
            }
            let breaks = decoded.blocks.len() < job.spans.len();
            job.publish(decoded);
            c = self.lock();
            c.next += 1;
            c.state = state;
            c.broken |= broken || breaks;
        }
    }
}

/// One job: handed to the pool, finished by a worker.
pub(super) struct Job {
    /// Place in its hash chain.
    seq: u64,
    chain: Option<Arc<HashChain>>,
    /// Released by the worker before it publishes the result, so that the
    /// decoder gets the only reference back for reuse.
    input: Mutex<Option<Arc<Vec<u8>>>>,
    spans: Vec<Span>,
    format: JobFormat,
    /// A recycled buffer to decode into (taken by the worker).
    buffer: Mutex<Option<Vec<u8>>>,
    /// Set by whoever runs the job: a worker, or the decoder itself when it
    /// needs the job before any worker took it (on a loaded machine the
    /// decoder then never waits for a worker that is not running).
    claimed: AtomicBool,
    result: Signalled<Option<Arc<Decoded>>>,
}

impl Job {
    /// A job; with a `chain`, the `seq`-th of it, hashed in order there.
    pub(super) fn new(
        input: Arc<Vec<u8>>,
        spans: Vec<Span>,
        format: JobFormat,
        buffer: Vec<u8>,
        chain: Option<(Arc<HashChain>, u64)>,
    ) -> Job {
        let (chain, seq) = match chain {
            Some((c, seq)) => (Some(c), seq),
            None => (None, 0),
        };
        Job {
            seq,
            chain,
            input: Mutex::new(Some(input)),
            spans,
            format,
            buffer: Mutex::new(Some(buffer)),
            claimed: AtomicBool::new(false),
            result: Signalled::new(None),
        }
    }

    /// The result if the job is finished (shared with the job).
    pub(super) fn peek(&self) -> Option<Arc<Decoded>> {
        self.result.lock().clone()
    }

    /// True for the one caller that gets to run the job.
    fn claim(&self) -> bool {
        !self.claimed.swap(true, Ordering::AcqRel)
    }

    /// Takes the result: with `wait`, running the job here if no worker
    /// has started it, or waiting for the worker that has; without, only if
    /// finished.
    pub(super) fn take(self: &Arc<Self>, wait: bool) -> Option<Arc<Decoded>> {
        if wait && self.claim() {
            self.run();
        }
        let r = self.result.lock();
        let mut r = self.result.wait_until(r, |r| !wait || r.is_some());
        r.take()
    }

    fn publish(&self, decoded: Decoded) {
        *self.result.lock() = Some(Arc::new(decoded));
        self.result.notify_all();
    }

    fn run(self: &Arc<Self>) {
        let Some(input) = lock(&self.input).take() else {
            return;
        };
        let mut out = lock(&self.buffer).take().unwrap_or_default();
        let need = self.spans.len() * self.format.max_block;
        if out.len() < need {
            out.resize(need, 0);
        }
        let mut blocks = Vec::with_capacity(self.spans.len());
        let mut at = 0;
        for span in &self.spans {
            match decode_block(&input, span, &self.format, &mut out[at..], at) {
                Some(piece) => {
                    if !piece.in_input {
                        at = piece.range.end;
                    }
                    blocks.push(piece);
                }
                None => break,
            }
        }
        let raw = blocks.iter().any(|p| p.in_input);
        let decoded = Decoded {
            output: Arc::new(out),
            input: raw.then_some(input),
            blocks,
            hashes: Vec::new(),
        };
        match &self.chain {
            Some(chain) => chain.deposit(self, decoded),
            None => self.publish(decoded),
        }
    }
}

/// Decodes one block into `out` (which starts at `out_at` of the job's
/// output), or, stored raw, leaves it where it is in the input; `None`
/// when the block is corrupt or its checksum is wrong: the decoder then
/// finds out which, itself.
fn decode_block(
    input: &[u8],
    span: &Span,
    format: &JobFormat,
    out: &mut [u8],
    out_at: usize,
) -> Option<Piece> {
    let data = &input[span.data_at..span.data_at + span.len];
    if format.check_blocks && frame::xxh32(data) != le32(&input[span.data_at + span.len..]) {
        return None;
    }
    if span.raw {
        return Some(Piece {
            range: span.data_at..span.data_at + span.len,
            in_input: true,
        });
    }
    let dict = format.dict.as_deref().unwrap_or(&[]);
    let n = lz4::decompress(data, &mut out[..format.max_block], dict)?;
    Some(Piece {
        range: out_at..out_at + n,
        in_input: false,
    })
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Arc<Job>>,
    closed: bool,
}

type Shared = Signalled<Queue>;

/// The worker threads of one decoder.
pub(super) struct Pool {
    workers: usize,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    pub(super) fn new(workers: usize) -> Pool {
        Pool {
            workers,
            shared: Arc::new(Signalled::new(Queue::default())),
            threads: Vec::new(),
        }
    }

    pub(super) fn threads(&self) -> usize {
        self.threads.len()
    }

    /// Queues a job, starting the threads with the first one.
    pub(super) fn submit(&mut self, job: Arc<Job>) -> Result<()> {
        while self.threads.len() < self.workers {
            let shared = Arc::clone(&self.shared);
            let handle = std::thread::Builder::new()
                .name(format!("lz4framed-dec-{}", self.threads.len()))
                .spawn(move || work(&shared))
                .map_err(|_| Error::ThreadSpawn)?;
            self.threads.push(handle);
        }
        self.shared.lock().jobs.push_back(job);
        self.shared.notify_one();
        Ok(())
    }
}

/// Queued jobs are dropped (a decoder waiting for one is gone too); running
/// ones finish; then every thread sees the closed queue and returns.
impl Drop for Pool {
    fn drop(&mut self) {
        {
            let mut q = self.shared.lock();
            q.closed = true;
            q.jobs.clear();
        }
        self.shared.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn work(shared: &Shared) {
    loop {
        let job = {
            let mut q = shared.wait_until(shared.lock(), |q| q.closed || !q.jobs.is_empty());
            match q.jobs.pop_front() {
                Some(job) if !q.closed => job,
                _ => return,
            }
        };
        if job.claim() {
            job.run();
        }
    }
}
