//! Parallel compression: the input is cut into jobs of whole blocks, a pool
//! of worker threads owned by one [`Encoder`](super::Encoder) compresses the
//! jobs concurrently, and the caller writes their output in input order.
//!
//! Job boundaries fall on block boundaries that the serial encoder would
//! also produce (a job holds [`JOB_BYTES`], a multiple of every block size,
//! or ends early at a flush), so independent blocks come out byte-identical
//! to the serial encoder. For linked blocks each job carries the 64 KiB of
//! input before it as its history.
//!
//! The content checksum is hashed by the workers, in input order: a worker
//! that has compressed a job hashes its input if every earlier job is
//! hashed (and then any later jobs that were waiting for it), or leaves it
//! waiting; a job is reported done only once hashed. So the caller's thread
//! only gathers input into jobs and writes their output.
//!
//! Memory: at most `2 × workers` jobs are in flight; when the window is full
//! the caller waits for the oldest one. Buffers are recycled, so an encoder
//! never owns more than `2 × workers + 1` input buffers and `2 × workers`
//! output buffers (see [`Parallel::memory_bound`]).

use super::seek_table::Stretches;
use super::write_block;
use crate::error::{Error, Result};
use crate::lz4::{BlockCompressor, WINDOW_SIZE};
use crate::xxh32::{Xxh32Parts, Xxh32State};
use std::cell::OnceCell;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

/// Input bytes per job (as in lz4 1.10's tool): 4 MiB, a whole number of
/// blocks for every block size.
pub const JOB_BYTES: usize = 4 << 20;

/// The block layout every job of a frame shares.
#[derive(Clone, Copy, Debug)]
pub(super) struct Format {
    pub block_size: usize,
    pub linked: bool,
    /// Block checksums.
    pub checksum: bool,
}

impl Format {
    pub fn of(prefs: &super::Preferences) -> Format {
        Format {
            block_size: prefs.block_size.bytes(),
            linked: prefs.block_linked,
            checksum: prefs.block_checksum,
        }
    }

    /// Output room for a job of `len` input bytes (every block stored raw).
    pub fn job_bound(&self, len: usize) -> usize {
        let overhead = 4 + if self.checksum { 4 } else { 0 };
        len + len.div_ceil(self.block_size) * overhead
    }
}

struct Task {
    /// History (`..prefix`, linked blocks only) then the job's input.
    input: Vec<u8>,
    prefix: usize,
    /// Recycled output buffer with capacity for the job's bound.
    out: Vec<u8>,
    /// Position in the frame, for the hash chain.
    seq: u64,
    /// Linked blocks: a restart point of the seek table starts the job,
    /// so it is compressed from a clean state, without its history.
    fresh: bool,
    /// Report each block's (input, output) lengths, for the seek table.
    record: bool,
    reply: Sender<Done>,
}

/// The content checksum of the frame being written, fed in input order.
struct HashChain {
    state: Xxh32State,
    /// The next job (by `Task::seq`) whose input is hashed.
    next: u64,
    /// Compressed jobs waiting for an earlier one to be hashed.
    waiting: BTreeMap<u64, Waiting>,
    /// The frame is being dropped: report jobs without hashing them (a job
    /// lost to a crashed worker must not hold the later ones forever).
    abandoned: bool,
}

struct Waiting {
    done: Done,
    prefix: usize,
    reply: Sender<Done>,
}

impl HashChain {
    fn new() -> HashChain {
        HashChain {
            state: Xxh32State::new(0),
            next: 0,
            waiting: BTreeMap::new(),
            abandoned: false,
        }
    }
}

/// A lock whose holder may have panicked: that worker's job never reports
/// back (the caller sees [`Error::Internal`]); the others carry on.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Done {
    input: Vec<u8>,
    out: Vec<u8>,
    len: usize,
    /// (input, output) length of each block, when asked for.
    blocks: Vec<(u32, u32)>,
}

struct Pool {
    queue: Option<Sender<Task>>,
    threads: Vec<JoinHandle<()>>,
    cancel: Arc<AtomicBool>,
}

impl Pool {
    fn start(
        workers: usize,
        format: Format,
        hash: Option<Arc<Mutex<HashChain>>>,
        mut make: impl FnMut() -> Option<BlockCompressor>,
    ) -> Result<Pool> {
        let (tx, rx) = mpsc::channel::<Task>();
        let rx = Arc::new(Mutex::new(rx));
        let mut pool = Pool {
            queue: Some(tx),
            threads: Vec::with_capacity(workers),
            cancel: Arc::new(AtomicBool::new(false)),
        };
        for i in 0..workers {
            // Dropping `pool` on an error joins the threads already started.
            let compressor = make().ok_or(Error::OutOfMemory)?;
            let rx = Arc::clone(&rx);
            let cancel = Arc::clone(&pool.cancel);
            let hash = hash.clone();
            let handle = std::thread::Builder::new()
                .name(format!("lz4framed-enc-{i}"))
                .spawn(move || work(&rx, compressor, format, hash.as_deref(), &cancel))
                .map_err(|_| Error::ThreadSpawn)?;
            pool.threads.push(handle);
        }
        Ok(pool)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Queued jobs are skipped, running ones finish; then every worker
        // sees the closed queue and returns.
        self.cancel.store(true, Ordering::Relaxed);
        self.queue = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn work(
    queue: &Mutex<Receiver<Task>>,
    mut compressor: BlockCompressor,
    format: Format,
    hash: Option<&Mutex<HashChain>>,
    cancel: &AtomicBool,
) {
    loop {
        let task = match queue.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(task) = task else { return };
        if cancel.load(Ordering::Relaxed) {
            continue;
        }
        let Task {
            input,
            prefix,
            mut out,
            seq,
            fresh,
            record,
            reply,
        } = task;
        let bound = format.job_bound(input.len() - prefix);
        if out.len() < bound {
            // Capacity was reserved by the caller: this does not allocate.
            out.resize(bound, 0);
        }
        let checksum = format.checksum;
        let mut blocks = Vec::new();
        let finish = |o: &mut [u8], piece: &[u8], n: usize| {
            let len = write_block(o, piece, n, checksum);
            if record {
                blocks.push((piece.len() as u32, len as u32));
            }
            len
        };
        let bs = format.block_size;
        let len = if fresh {
            compressor.compress_after_prefix(&input[prefix..], 0, bs, &mut out, finish)
        } else if format.linked {
            compressor.compress_after_prefix(&input, prefix, bs, &mut out, finish)
        } else {
            compressor.compress_run(&input[prefix..], bs, &mut out, finish)
        };
        let done = Done {
            input,
            out,
            len,
            blocks,
        };
        let Some(chain) = hash else {
            // The encoder may be gone (dropped mid-frame): nothing to report.
            let _ = reply.send(done);
            continue;
        };
        let mut chain = lock(chain);
        if chain.abandoned {
            let _ = reply.send(done);
            continue;
        }
        chain.waiting.insert(
            seq,
            Waiting {
                done,
                prefix,
                reply,
            },
        );
        let HashChain {
            state,
            next,
            waiting,
            ..
        } = &mut *chain;
        while let Some(w) = waiting.remove(next) {
            state.update(&w.done.input[w.prefix..]);
            *next += 1;
            let _ = w.reply.send(w.done);
        }
    }
}

struct InFlight {
    reply: Receiver<Done>,
    bound: usize,
    /// Capacity of the job's input and output buffers.
    bytes: usize,
    /// The reply, once [`Parallel::settle`] waited for it (a clone or a
    /// marshal needs the output without taking it from the queue).
    settled: OnceCell<Done>,
}

impl InFlight {
    /// The job's result: settled already, or waited for now. `None` if
    /// the worker died (a bug).
    fn wait(self) -> Option<Done> {
        match self.settled.into_inner() {
            Some(done) => Some(done),
            None => self.reply.recv().ok(),
        }
    }
}

/// What a parallel encoder holds between calls, once every job in flight
/// is done: the state a clone or a marshalled blob continues from.
pub(super) struct Snapshot<'a> {
    /// The input before the job being filled that it starts from (linked
    /// blocks: up to 64 KiB; the dictionary at the frame start).
    pub history: &'a [u8],
    /// The job being filled.
    pub held: &'a [u8],
    /// Output of finished jobs not yet written to the caller, in order.
    pub owed: Vec<u8>,
    /// The content checksum of all input before `held`.
    pub hash: Option<Xxh32Parts>,
    /// With a seek table: the (input, output) lengths of the blocks of
    /// `owed`, in order, for the encoder's table once they are written.
    pub owed_blocks: Vec<(u32, u32)>,
    /// Linked frames with a seek table: input of the current stretch as
    /// the jobs handed out so far were cut (see `Parallel::plan`).
    pub plan_len: u64,
}

/// The parallel half of an encoder: jobs being filled, in flight, and the
/// pool that compresses them.
pub struct Parallel {
    workers: usize,
    format: Format,
    level: i32,
    favor_dec_speed: bool,
    /// The last 64 KiB of the encoder's dictionary.
    dictionary: Box<[u8]>,
    pool: Option<Pool>,
    /// The content checksum (when the frame has one), hashed by the workers.
    hash: Option<Arc<Mutex<HashChain>>>,
    /// `Task::seq` of the next job handed out.
    next_seq: u64,
    /// The job being filled: history (`..prefix`) then input.
    acc: Vec<u8>,
    prefix: usize,
    in_flight: VecDeque<InFlight>,
    /// Sum of the output bounds of the jobs in flight.
    pending: usize,
    free_inputs: Vec<Vec<u8>>,
    free_outputs: Vec<Vec<u8>>,
    /// Output owed to the caller before anything else: that of jobs a
    /// clone or unmarshalled encoder inherited done.
    owed: Vec<u8>,
    /// The (input, output) lengths of the blocks of `owed`, with a seek table.
    owed_blocks: Vec<(u32, u32)>,
    /// Linked frames with a seek table: where restart points fall, as
    /// input is cut into jobs (a job ends at one).
    plan: Option<Stretches>,
    /// With a seek table: the blocks written, for the encoder's table.
    record: bool,
    delivered: Vec<(u32, u32)>,
}

impl Parallel {
    pub fn new(workers: u32, prefs: &super::Preferences, dictionary: &[u8]) -> Parallel {
        Parallel {
            workers: workers as usize,
            format: Format::of(prefs),
            level: prefs.level,
            favor_dec_speed: prefs.favor_dec_speed,
            dictionary: dictionary[dictionary.len().saturating_sub(WINDOW_SIZE)..].into(),
            pool: None,
            hash: prefs
                .content_checksum
                .then(|| Arc::new(Mutex::new(HashChain::new()))),
            next_seq: 0,
            acc: Vec::new(),
            prefix: 0,
            in_flight: VecDeque::new(),
            pending: 0,
            free_inputs: Vec::new(),
            free_outputs: Vec::new(),
            owed: Vec::new(),
            owed_blocks: Vec::new(),
            plan: prefs.stretches().filter(|_| prefs.block_linked),
            record: prefs.seek_table > 0,
            delivered: Vec::new(),
        }
    }

    /// Waits for every job in flight (keeping their results in place), so
    /// that [`Parallel::snapshot`] sees all output and a complete hash.
    /// [`Error::Internal`] if a worker died (a bug).
    pub fn settle(&self) -> Result<()> {
        for job in &self.in_flight {
            if job.settled.get().is_none() {
                let done = job.reply.recv().map_err(|_| Error::Internal)?;
                let _ = job.settled.set(done);
            }
        }
        Ok(())
    }

    /// The state to continue from: settles first.
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        self.settle()?;
        let mut owed = Vec::new();
        let settled_len: usize = self
            .in_flight
            .iter()
            .filter_map(|j| j.settled.get())
            .map(|d| d.len)
            .sum();
        owed.try_reserve_exact(self.owed.len() + settled_len)
            .map_err(|_| Error::OutOfMemory)?;
        owed.extend_from_slice(&self.owed);
        for done in self.in_flight.iter().filter_map(|j| j.settled.get()) {
            owed.extend_from_slice(&done.out[..done.len]);
        }
        // Blocks delivered are handed to the encoder's table by the call
        // that delivered them: none are left between calls.
        if !self.delivered.is_empty() {
            return Err(Error::Internal);
        }
        let mut owed_blocks = Vec::new();
        if self.record {
            let settled = self.in_flight.iter().filter_map(|j| j.settled.get());
            let count = self.owed_blocks.len() + settled.map(|d| d.blocks.len()).sum::<usize>();
            owed_blocks
                .try_reserve_exact(count)
                .map_err(|_| Error::OutOfMemory)?;
            owed_blocks.extend_from_slice(&self.owed_blocks);
            for done in self.in_flight.iter().filter_map(|j| j.settled.get()) {
                owed_blocks.extend_from_slice(&done.blocks);
            }
        }
        let hash = match &self.hash {
            None => None,
            Some(h) => {
                let chain = lock(h);
                // Every job handed out reported done, so it was hashed.
                if chain.next != self.next_seq {
                    return Err(Error::Internal);
                }
                Some(chain.state.to_parts())
            }
        };
        Ok(Snapshot {
            history: &self.acc[..self.prefix],
            held: &self.acc[self.prefix..],
            owed,
            hash,
            owed_blocks,
            plan_len: self.plan.map_or(0, |p| p.len()),
        })
    }

    /// A parallel encoder inside a frame that continues from `snap` (see
    /// [`Parallel::snapshot`]); its threads start at its first job. The
    /// caller has checked the lengths against the format.
    pub fn restore(
        workers: u32,
        prefs: &super::Preferences,
        dictionary: &[u8],
        snap: &Snapshot<'_>,
        hash: Option<Xxh32State>,
    ) -> Result<Parallel> {
        let mut p = Parallel::new(workers, prefs, dictionary);
        if let (Some(h), Some(state)) = (&p.hash, hash) {
            lock(h).state = state;
        }
        if !snap.history.is_empty() || !snap.held.is_empty() {
            p.ensure_acc()?;
            p.acc.extend_from_slice(snap.history);
            p.acc.extend_from_slice(snap.held);
        }
        p.prefix = snap.history.len();
        p.owed
            .try_reserve_exact(snap.owed.len())
            .map_err(|_| Error::OutOfMemory)?;
        p.owed.extend_from_slice(&snap.owed);
        if p.record {
            p.owed_blocks
                .try_reserve_exact(snap.owed_blocks.len())
                .map_err(|_| Error::OutOfMemory)?;
            p.owed_blocks.extend_from_slice(&snap.owed_blocks);
        }
        if let Some(plan) = &mut p.plan {
            if !plan.set_len(snap.plan_len) {
                return Err(Error::EncoderStateCorrupt);
            }
        }
        Ok(p)
    }

    /// Writes the owed output (see [`Parallel::owed`]) to `dst`.
    fn write_owed(&mut self, dst: &mut [u8]) -> usize {
        let n = self.owed.len();
        dst[..n].copy_from_slice(&self.owed);
        self.owed = Vec::new();
        self.delivered.append(&mut self.owed_blocks);
        n
    }

    /// The last 64 KiB of the encoder's dictionary (empty for none).
    pub fn dictionary(&self) -> &[u8] {
        &self.dictionary
    }

    /// The (input, output) lengths of the blocks written since the last call.
    pub fn take_delivered(&mut self) -> std::vec::Drain<'_, (u32, u32)> {
        self.delivered.drain(..)
    }

    /// Input bytes the job being filled takes: 4 MiB, or up to the next
    /// restart point of a linked frame's seek table.
    fn job_room(&self) -> usize {
        self.plan.map_or(JOB_BYTES, |p| {
            usize::try_from(p.room()).map_or(JOB_BYTES, |r| r.min(JOB_BYTES))
        })
    }

    /// Jobs in flight at most; the caller waits when this many are.
    fn window(&self) -> usize {
        2 * self.workers
    }

    fn history_room(&self) -> usize {
        if self.format.linked { WINDOW_SIZE } else { 0 }
    }

    /// Drops whatever an unfinished frame left and sets up the first job of
    /// a new frame (its history is the dictionary, for linked blocks).
    pub fn start_frame(&mut self) -> Result<()> {
        if let Some(h) = &self.hash {
            let mut chain = lock(h);
            chain.abandoned = true;
            for (_, w) in std::mem::take(&mut chain.waiting) {
                let _ = w.reply.send(w.done);
            }
        }
        while let Some(job) = self.in_flight.pop_front() {
            if let Some(done) = job.wait() {
                self.recycle(done);
            }
        }
        self.owed = Vec::new();
        self.owed_blocks.clear();
        self.pending = 0;
        self.next_seq = 0;
        self.delivered.clear();
        if let Some(p) = &mut self.plan {
            p.frame_start();
        }
        if let Some(h) = &self.hash {
            *lock(h) = HashChain::new();
        }
        self.acc.clear();
        self.prefix = 0;
        if self.format.linked && !self.dictionary.is_empty() {
            self.ensure_acc()?;
            self.acc.extend_from_slice(&self.dictionary);
            self.prefix = self.acc.len();
        }
        Ok(())
    }

    /// The content checksum of all input so far; call only when every job
    /// has been written ([`Parallel::flush`]), i.e. hashed.
    pub fn content_checksum(&self) -> Result<Option<u32>> {
        let Some(h) = &self.hash else { return Ok(None) };
        let chain = lock(h);
        if chain.next != self.next_seq || self.held() > 0 {
            return Err(Error::Internal);
        }
        Ok(Some(chain.state.digest()))
    }

    /// Input bytes of the job being filled.
    pub fn held(&self) -> usize {
        self.acc.len() - self.prefix
    }

    /// Output bound of everything in flight, and of the output owed.
    pub fn pending_bound(&self) -> usize {
        self.pending + self.owed.len()
    }

    pub fn threads(&self) -> usize {
        self.pool.as_ref().map_or(0, |p| p.threads.len())
    }

    /// Bytes of job buffers this encoder owns now.
    pub fn memory_usage(&self) -> usize {
        self.acc.capacity()
            + self.owed.capacity()
            + self.free_inputs.iter().map(Vec::capacity).sum::<usize>()
            + self.free_outputs.iter().map(Vec::capacity).sum::<usize>()
            + self.in_flight.iter().map(|j| j.bytes).sum::<usize>()
    }

    fn out_room(&self) -> usize {
        self.format.job_bound(JOB_BYTES)
    }

    /// What [`Parallel::memory_usage`] never exceeds.
    pub fn memory_bound(&self) -> usize {
        let w = self.window();
        (w + 1) * (self.history_room() + JOB_BYTES) + w * self.out_room()
    }

    fn ensure_acc(&mut self) -> Result<()> {
        if self.acc.capacity() == 0 {
            if let Some(buf) = self.free_inputs.pop() {
                self.acc = buf;
                self.acc.clear();
            } else {
                self.acc
                    .try_reserve_exact(self.history_room() + JOB_BYTES)
                    .map_err(|_| Error::OutOfMemory)?;
            }
        }
        Ok(())
    }

    fn recycle(&mut self, done: Done) {
        // At most one spare of each beyond the window: bounded memory.
        let w = self.window();
        if self.free_inputs.len() + self.in_flight.len() < w {
            self.free_inputs.push(done.input);
        }
        if self.free_outputs.len() + self.in_flight.len() < w {
            self.free_outputs.push(done.out);
        }
    }

    /// Adds `src` to the jobs and writes to `dst` the output of jobs that
    /// are done (waiting for the oldest one whenever the window is full).
    /// With `flush`, the last job is submitted even if short and every job
    /// is waited for.
    pub fn push(&mut self, src: &[u8], flush: bool, dst: &mut [u8]) -> Result<usize> {
        let mut written = self.write_owed(dst);
        let mut rest = src;
        while !rest.is_empty() {
            self.ensure_acc()?;
            let room = self.job_room();
            let take = (room - self.held()).min(rest.len());
            let (piece, tail) = rest.split_at(take);
            self.acc.extend_from_slice(piece);
            rest = tail;
            if self.held() == room {
                written += self.submit(&mut dst[written..])?;
            }
        }
        if flush {
            written += self.flush(&mut dst[written..])?;
        } else {
            written += self.collect_ready(&mut dst[written..])?;
        }
        Ok(written)
    }

    /// Submits the job being filled (if it holds input) and writes the
    /// output of every job, in order.
    pub fn flush(&mut self, dst: &mut [u8]) -> Result<usize> {
        let mut written = self.write_owed(dst);
        if self.held() > 0 {
            written += self.submit(dst)?;
        }
        while !self.in_flight.is_empty() {
            written += self.write_oldest(&mut dst[written..])?;
        }
        Ok(written)
    }

    fn submit(&mut self, dst: &mut [u8]) -> Result<usize> {
        let mut written = 0;
        while self.in_flight.len() >= self.window() {
            written += self.write_oldest(&mut dst[written..])?;
        }
        if self.pool.is_none() {
            let (level, linked, favor) = (self.level, self.format.linked, self.favor_dec_speed);
            // Linked jobs bring their own history; independent blocks are
            // each compressed against the dictionary.
            let dictionary: &[u8] = if linked { &[] } else { &self.dictionary };
            let hash = self.hash.clone();
            self.pool = Some(Pool::start(self.workers, self.format, hash, || {
                BlockCompressor::new(level, linked, dictionary, favor)
            })?);
        }
        let bound = self.format.job_bound(self.held());
        let held = self.held() as u64;
        let fresh = self.plan.as_mut().is_some_and(|p| {
            let restart = p.at_restart();
            p.add_blocks(held);
            restart
        });
        let mut out = self.free_outputs.pop().unwrap_or_default();
        if out.capacity() < bound {
            out.try_reserve_exact(bound - out.len())
                .map_err(|_| Error::OutOfMemory)?;
        }
        // The next job starts with the last 64 KiB of input as history.
        let mut next = match self.free_inputs.pop() {
            Some(buf) => buf,
            None => {
                let mut buf = Vec::new();
                buf.try_reserve_exact(self.history_room() + JOB_BYTES)
                    .map_err(|_| Error::OutOfMemory)?;
                buf
            }
        };
        next.clear();
        let mut next_prefix = 0;
        if self.format.linked {
            next.extend_from_slice(&self.acc[self.acc.len().saturating_sub(WINDOW_SIZE)..]);
            next_prefix = next.len();
        }
        let input = std::mem::replace(&mut self.acc, next);
        let bytes = input.capacity() + out.capacity();
        let prefix = std::mem::replace(&mut self.prefix, next_prefix);
        let (reply, receiver) = mpsc::channel();
        let queue = self.pool.as_ref().and_then(|p| p.queue.as_ref());
        let sent = queue.is_some_and(|q| {
            q.send(Task {
                input,
                prefix,
                out,
                seq: self.next_seq,
                fresh,
                record: self.record,
                reply,
            })
            .is_ok()
        });
        if !sent {
            return Err(Error::Internal);
        }
        self.next_seq += 1;
        self.in_flight.push_back(InFlight {
            reply: receiver,
            bound,
            bytes,
            settled: OnceCell::new(),
        });
        self.pending += bound;
        Ok(written)
    }

    fn write_oldest(&mut self, dst: &mut [u8]) -> Result<usize> {
        let Some(job) = self.in_flight.pop_front() else {
            return Ok(0);
        };
        let bound = job.bound;
        // A worker that died (a bug) dropped its reply sender.
        let done = job.wait().ok_or(Error::Internal)?;
        Ok(self.deliver(bound, done, dst))
    }

    fn deliver(&mut self, bound: usize, done: Done, dst: &mut [u8]) -> usize {
        self.pending -= bound;
        let n = done.len;
        dst[..n].copy_from_slice(&done.out[..n]);
        self.delivered.extend_from_slice(&done.blocks);
        self.recycle(done);
        n
    }

    /// Writes the output of the oldest jobs that are already done.
    fn collect_ready(&mut self, dst: &mut [u8]) -> Result<usize> {
        let mut written = 0;
        while let Some(job) = self.in_flight.front() {
            if job.settled.get().is_some() {
                written += self.write_oldest(&mut dst[written..])?;
                continue;
            }
            match job.reply.try_recv() {
                Ok(done) => {
                    let bound = job.bound;
                    self.in_flight.pop_front();
                    written += self.deliver(bound, done, &mut dst[written..]);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Err(Error::Internal),
            }
        }
        Ok(written)
    }
}
