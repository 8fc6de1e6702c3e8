//! Decoding ahead with workers: the frame layer's fast lane for frames of
//! independent blocks.
//!
//! When the decoder stands before a block header of such a frame and has
//! workers, a scout reads ahead in the input: block headers only, copying
//! each whole block (header, data, checksum) into a run of blocks, a
//! [`Segment`], which a worker decodes ([`super::workers`]). Segments are
//! applied in input order, by the decoder's own state: a decoded block is
//! counted, hashed and delivered exactly as the block sink would have done;
//! a block the worker could not decode, or any byte that is not a whole
//! block (an end mark, a bad header, a block cut off by the end of input),
//! goes through the sequential stages instead ([`Decoder::run`]). Every
//! verdict therefore comes from the sequential code, and the decoder's own
//! state is at every moment the state of a decoder without workers that
//! has consumed exactly the bytes before the segments: clone and marshal
//! need nothing else, and the bytes taken ahead ([`Ahead::held_len`]) are
//! all a clone must carry besides.
//!
//! Memory: at most `2 × workers` segments are in flight and one is being
//! gathered; each holds the compressed bytes of its blocks and, once
//! decoded, a buffer of `blocks × max block` bytes.

use super::workers::{Decoded, HashChain, Job, JobFormat, Pool, Span};
use super::{BlockHeader, Decoder, Position, Stage, Status};
use crate::error::Result;
use crate::frame::{FrameKind, UNCOMPRESSED_BIT, le32};
use std::collections::VecDeque;
use std::sync::Arc;

/// Small blocks are gathered into segments of at least this much output,
/// so that handing a segment to a worker costs little next to decoding it.
const SEGMENT_OUTPUT: usize = 1 << 20;

/// Buffers of each kind kept for reuse: in a steady stream one segment
/// retires as the next one starts, so two are enough never to allocate.
const SPARES: usize = 2;

/// A run of whole blocks taken from the input, handed to a worker, and
/// applied block by block.
struct Segment {
    /// The stream's bytes: block headers, data, checksums; after the last
    /// span possibly a tail that is not a whole block.
    bytes: Arc<Vec<u8>>,
    spans: Vec<Span>,
    /// Bytes of `bytes` the decoder's state has taken in.
    processed: usize,
    /// Spans applied so far.
    applied: usize,
    /// In flight; not carried by a clone (which decodes itself what is
    /// not finished).
    job: Option<Arc<Job>>,
    decoded: Option<Arc<Decoded>>,
}

impl Clone for Segment {
    fn clone(&self) -> Self {
        Segment {
            bytes: Arc::clone(&self.bytes),
            spans: self.spans.clone(),
            processed: self.processed,
            applied: self.applied,
            job: None,
            decoded: self
                .decoded
                .clone()
                .or_else(|| self.job.as_ref().and_then(|j| j.peek())),
        }
    }
}

/// The segment being gathered from the input.
#[derive(Clone, Default)]
struct Gather {
    bytes: Vec<u8>,
    spans: Vec<Span>,
    /// Spans whose bytes are all here (the last span may still be arriving).
    complete: usize,
    /// Bytes of the last span still to come.
    need: usize,
    /// Bytes of a block header at the end of `bytes`, split across calls.
    header: usize,
}

impl Gather {
    /// Where the complete spans end: what can be sealed now.
    fn complete_end(&self) -> usize {
        match self.complete {
            0 => 0,
            n => self.spans[n - 1].end,
        }
    }
}

/// Input taken ahead of the decoder's state, in order: sealed segments,
/// then the one being gathered.
#[derive(Default)]
pub(super) struct Ahead {
    sealed: VecDeque<Segment>,
    gather: Option<Gather>,
    /// The scout met bytes that are not a block: nothing more is taken
    /// until everything ahead is applied.
    stopped: bool,
    /// The frame being scouted.
    format: Option<JobFormat>,
    block_checksum: bool,
    /// Where the workers hash this run's jobs, in order (content checksum
    /// verified); without one, the decoder hashes what it applies.
    chain: Option<Arc<HashChain>>,
    next_seq: u64,
    /// The rest of an applied block that did not fit the caller's output,
    /// delivered from the worker's buffer rather than copied into the
    /// decoder's own (a marshal copies it there: [`Decoder::settled`]).
    head: Option<HeadBlock>,
}

#[derive(Clone)]
struct HeadBlock {
    output: Arc<Vec<u8>>,
    /// What is still to deliver.
    rest: std::ops::Range<usize>,
}

/// A clone takes over the segments, not the hash chain: the jobs it
/// dispatches for the rest of this run are hashed as it applies them.
impl Clone for Ahead {
    fn clone(&self) -> Self {
        Ahead {
            sealed: self.sealed.clone(),
            gather: self.gather.clone(),
            stopped: self.stopped,
            format: self.format.clone(),
            block_checksum: self.block_checksum,
            chain: None,
            next_seq: 0,
            head: self.head.clone(),
        }
    }
}

/// Jobs left waiting in the chain refer to it: let them go.
impl Drop for Ahead {
    fn drop(&mut self) {
        if let Some(chain) = self.chain.take() {
            chain.abandon();
        }
    }
}

impl Ahead {
    pub(super) fn is_empty(&self) -> bool {
        self.sealed.is_empty()
            && self.head.is_none()
            && self.gather.as_ref().is_none_or(|g| g.bytes.is_empty())
    }

    /// Output of an applied block is waiting for room.
    pub(super) fn output_waiting(&self) -> bool {
        self.head.is_some()
    }

    /// Input bytes taken and not yet in the decoder's state: how far the
    /// decoder's `input_consumed` runs ahead of its state.
    pub(super) fn held_len(&self) -> usize {
        let sealed: usize = self
            .sealed
            .iter()
            .map(|s| s.bytes.len() - s.processed)
            .sum();
        sealed + self.gather.as_ref().map_or(0, |g| g.bytes.len())
    }

    /// Bytes of buffers held: gathered input and decoded output.
    pub(super) fn memory(&self) -> usize {
        let sealed: usize = self
            .sealed
            .iter()
            .map(|s| s.bytes.capacity() + s.decoded.as_ref().map_or(0, |d| d.output.capacity()))
            .sum();
        sealed
            + self.gather.as_ref().map_or(0, |g| g.bytes.capacity())
            + self.head.as_ref().map_or(0, |h| h.output.capacity())
    }

    /// Forgets the jobs (keeping results already finished): the pool that
    /// runs them is about to go.
    pub(super) fn detach_jobs(&mut self) {
        if let Some(chain) = self.chain.take() {
            chain.abandon();
        }
        for s in &mut self.sealed {
            if let Some(job) = s.job.take() {
                s.decoded = s.decoded.take().or_else(|| job.peek());
            }
        }
    }

    /// Every slot is in flight (`2 × workers` segments).
    fn full(&self, workers: usize) -> bool {
        self.sealed.len() >= 2 * workers.max(1)
    }

    /// No new block can be taken from the input now: the scout stopped, or
    /// every slot is in flight and a whole block waits to be sealed.
    fn blocked(&self, workers: usize) -> bool {
        self.stopped || (self.full(workers) && self.gather.as_ref().is_some_and(|g| g.complete > 0))
    }

    /// The most output the complete spans of `g` can decode to.
    fn output_of(&self, g: &Gather) -> usize {
        g.complete * self.format.as_ref().map_or(0, |f| f.max_block)
    }

    /// Bytes the scout needs next; 0 when it cannot take any now.
    pub(super) fn hint(&self, workers: usize) -> usize {
        // Stopped: what comes next is for the stages, once everything
        // ahead is applied; a call may fill its output before it gets there.
        if self.head.is_some() || self.blocked(workers) {
            return 0;
        }
        match &self.gather {
            Some(g) if g.need > 0 => g.need,
            Some(g) => 4 - g.header,
            None => 4,
        }
    }
}

/// Buffers kept for reuse between segments (not carried by a clone).
#[derive(Default)]
pub(super) struct Spares {
    inputs: Vec<Vec<u8>>,
    outputs: Vec<Vec<u8>>,
    /// Output buffers the hashing thread may still read.
    hashing: Vec<Arc<Vec<u8>>>,
}

impl Clone for Spares {
    fn clone(&self) -> Self {
        Spares::default()
    }
}

impl Spares {
    /// An empty buffer for gathered input.
    fn take_input(&mut self) -> Vec<u8> {
        let mut v = self.inputs.pop().unwrap_or_default();
        v.clear();
        v
    }

    fn memory(&self) -> usize {
        self.inputs.iter().map(Vec::capacity).sum::<usize>()
            + self.outputs.iter().map(Vec::capacity).sum::<usize>()
            + self.hashing.iter().map(|b| b.capacity()).sum::<usize>()
    }

    /// Keeps an output buffer nobody reads any more (or soon: the hashing
    /// thread may still hold it) for a later job.
    fn give_output(&mut self, output: Arc<Vec<u8>>) {
        match Arc::try_unwrap(output) {
            Ok(output) if self.outputs.len() < SPARES => self.outputs.push(output),
            Ok(_) => {}
            Err(shared) if self.hashing.len() < SPARES => self.hashing.push(shared),
            Err(_) => {}
        }
    }

    /// An output buffer for a job: a spare one, or one the hashing thread
    /// has finished with, or a new one.
    fn take_output(&mut self) -> Vec<u8> {
        if let Some(v) = self.outputs.pop() {
            return v;
        }
        if let Some(i) = self.hashing.iter().position(|b| Arc::strong_count(b) == 1) {
            if let Ok(v) = Arc::try_unwrap(self.hashing.swap_remove(i)) {
                return v;
            }
        }
        Vec::new()
    }
}

/// The decoder's worker pool: not carried by a clone, which starts its own.
#[derive(Default)]
pub(super) struct PoolSlot(pub(super) Option<Pool>);

impl Clone for PoolSlot {
    fn clone(&self) -> Self {
        PoolSlot(None)
    }
}

/// How applying what is ahead stopped.
enum Drained {
    /// Nothing sealed is left.
    Empty,
    /// The first segment not applied is still being decoded.
    Waiting,
    OutputFull,
    /// The sequential stages stopped the call (a frame end, with
    /// `stop_at_frame_end`).
    Stopped(Status),
}

/// How taking input stopped.
enum Took {
    /// All of it was taken.
    All,
    /// Nothing more can be taken now.
    Blocked,
}

impl Decoder {
    /// The decoder stands before a block header of a frame of independent
    /// blocks, with workers: the scout can take over.
    pub(super) fn scoutable(&self) -> bool {
        self.options.workers > 0
            && self.stage == Stage::BlockHeader
            && self.field.is_empty()
            && self
                .frame
                .is_some_and(|f| f.kind == FrameKind::Lz4 && !f.block_linked)
    }

    /// The scout can take over at `input[at..]`: the decoder is
    /// [`Decoder::scoutable`] and the input goes on with a block (or with
    /// too few bytes to tell; the scout then gathers them).
    pub(super) fn scout_can_start(&self, input: &[u8], at: usize) -> bool {
        let rest = &input[at.min(input.len())..];
        !rest.is_empty()
            && self.scoutable()
            && (rest.len() < 4 || is_block(le32(rest), self.info().max_block_bytes()))
    }

    /// [`Decoder::decompress`] with workers, or with input taken ahead.
    ///
    /// With `flush`, a call without input waits for the blocks in flight:
    /// a caller with nothing more to give collects all their output.
    pub(super) fn run_ahead(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        pos: &mut Position,
        end_of_input: bool,
        flush: bool,
    ) -> Result<Status> {
        let mut wait = false;
        loop {
            match self.drain(output, pos, wait)? {
                Drained::OutputFull => {
                    // Keep the workers busy while the caller drains.
                    if !self.ahead.is_empty() {
                        self.scout(input, pos)?;
                    }
                    return Ok(Status::OutputFull);
                }
                Drained::Stopped(status) => return Ok(status),
                Drained::Waiting | Drained::Empty => {}
            }
            wait = false;
            if self.ahead.is_empty() {
                self.ahead = Ahead::default();
                if !self.scout_can_start(input, pos.input) {
                    match self.run_stages(input, output, pos, end_of_input)? {
                        Some(status) => return Ok(status),
                        // A frame of independent blocks starts: scout it.
                        None => continue,
                    }
                }
            }
            match self.scout(input, pos)? {
                Took::Blocked => wait = true,
                Took::All if end_of_input => {
                    // Nothing follows: apply everything, the cut-off end
                    // included, so that the stages give their verdict.
                    self.seal(true)?;
                    self.ahead.stopped = true;
                    wait = true;
                }
                Took::All => {
                    if !self.ahead.full(self.options.workers as usize) {
                        self.seal(false)?;
                    }
                    if flush && input.is_empty() && !self.ahead.sealed.is_empty() {
                        wait = true;
                        continue;
                    }
                    return Ok(match self.drain(output, pos, false)? {
                        Drained::OutputFull => Status::OutputFull,
                        Drained::Stopped(status) => status,
                        Drained::Waiting if pos.output == output.len() => Status::OutputFull,
                        Drained::Waiting | Drained::Empty => Status::NeedInput,
                    });
                }
            }
        }
    }

    /// The stages over the caller's input, as without workers (the end of
    /// a legacy frame included), until the scout can take over (`None`).
    fn run_stages(
        &mut self,
        input: &[u8],
        output: &mut [u8],
        pos: &mut Position,
        end_of_input: bool,
    ) -> Result<Option<Status>> {
        let r = self.run_until(input, output, pos, true)?;
        if end_of_input
            && pos.input == input.len()
            && r == Some(Status::FrameBoundary)
            && !self.at_frame_boundary()
        {
            return self.run_until(input, output, pos, true);
        }
        Ok(r)
    }

    /// Applies finished segments in order; with `wait`, waits for the first
    /// one not finished.
    fn drain(&mut self, output: &mut [u8], pos: &mut Position, mut wait: bool) -> Result<Drained> {
        loop {
            if self.stage == Stage::Deliver && self.deliver(output, pos).is_break() {
                return Ok(Drained::OutputFull);
            }
            if let Some(head) = self.ahead.head.as_mut() {
                let n = head.rest.len().min(output.len() - pos.output);
                let from = head.rest.start;
                output[pos.output..pos.output + n].copy_from_slice(&head.output[from..from + n]);
                pos.output += n;
                pos.outside_window_from = pos.output;
                head.rest.start += n;
                if !head.rest.is_empty() {
                    return Ok(Drained::OutputFull);
                }
                let done = self.ahead.head.take().expect("a head block");
                self.spare.give_output(done.output);
            }
            let Some(seg) = self.ahead.sealed.front_mut() else {
                return Ok(Drained::Empty);
            };
            if seg.applied < seg.spans.len() {
                if pos.output == output.len() {
                    return Ok(Drained::OutputFull);
                }
                if let Some(job) = seg.job.take() {
                    match job.take(wait) {
                        Some(d) => seg.decoded = Some(d),
                        None => {
                            seg.job = Some(job);
                            return Ok(Drained::Waiting);
                        }
                    }
                    wait = false;
                }
                self.apply_span(output, pos)?;
                continue;
            }
            let (processed, len) = (seg.processed, seg.bytes.len());
            if processed < len {
                match self.run_segment(output, pos, len)? {
                    Status::OutputFull => return Ok(Drained::OutputFull),
                    Status::FrameBoundary if self.options.stop_at_frame_end => {
                        return Ok(Drained::Stopped(Status::FrameBoundary));
                    }
                    _ => continue,
                }
            }
            let done = self.ahead.sealed.pop_front().expect("front exists");
            self.recycle(done);
        }
    }

    /// Applies the next span of the first segment: its decoded block when
    /// the worker decoded it and the sequential code would accept it as it
    /// is, else through the sequential stages.
    fn apply_span(&mut self, output: &mut [u8], pos: &mut Position) -> Result<()> {
        let seg = self.ahead.sealed.front().expect("a segment to apply");
        let span = seg.spans[seg.applied];
        let ready = seg.processed == span.header_at
            && self.stage == Stage::BlockHeader
            && self.field.is_empty();
        let decoded = seg.decoded.as_ref().filter(|_| ready).and_then(|d| {
            let hash = d.hashes.get(seg.applied).cloned();
            let (buffer, range) = d.source(seg.applied)?;
            Some((Arc::clone(buffer), range, hash))
        });
        let info = self.info();
        let fits = |n: usize, len: u64| info.content_size.is_none_or(|size| len + n as u64 <= size);
        let Some((buffer, range, hashed)) =
            decoded.filter(|(_, r, _)| fits(r.len(), self.frame_output.len))
        else {
            self.run_segment(output, pos, span.end)?;
            return Ok(());
        };
        let hash = self.hashes_content();
        match hashed {
            Some(state) if hash => {
                self.frame_output.grow(range.len(), info.content_size)?;
                self.frame_output.set_hash(state);
            }
            _ => self
                .frame_output
                .count_shared(&buffer, range.clone(), info.content_size, hash)?,
        }
        self.block = BlockHeader {
            len: span.len,
            raw: span.raw,
        };
        let seg = self.ahead.sealed.front_mut().expect("a segment to apply");
        seg.processed = span.end;
        seg.applied += 1;
        let block = &buffer[range.clone()];
        let n = block.len().min(output.len() - pos.output);
        output[pos.output..pos.output + n].copy_from_slice(&block[..n]);
        pos.output += n;
        pos.outside_window_from = pos.output;
        if n < block.len() {
            // What does not fit waits for room in the worker's buffer.
            self.ahead.head = Some(HeadBlock {
                rest: range.start + n..range.end,
                output: buffer,
            });
        }
        Ok(())
    }

    /// This decoder as a decoder without workers holds it: an applied block
    /// still being delivered is moved into the decoder's buffer, as its
    /// pending output (what a marshal describes). `None` when there is
    /// nothing to move.
    pub(super) fn settled(&self) -> Result<Option<Decoder>> {
        let Some(head) = &self.ahead.head else {
            return Ok(None);
        };
        let mut d = self.clone();
        d.ahead.head = None;
        d.buf.put_raw(&head.output[head.rest.clone()])?;
        d.stage = Stage::Deliver;
        Ok(Some(d))
    }

    /// Runs the sequential stages over the first segment's bytes up to `until`.
    fn run_segment(
        &mut self,
        output: &mut [u8],
        pos: &mut Position,
        until: usize,
    ) -> Result<Status> {
        let seg = self.ahead.sealed.front().expect("a segment to run");
        let bytes = Arc::clone(&seg.bytes);
        let from = seg.processed;
        let mut p = Position {
            input: 0,
            output: pos.output,
            outside_window_from: pos.outside_window_from,
        };
        let r = self.run_until(&bytes[from..until], output, &mut p, false);
        pos.output = p.output;
        pos.outside_window_from = p.outside_window_from;
        let seg = self.ahead.sealed.front_mut().expect("a segment to run");
        seg.processed += p.input;
        while seg.applied < seg.spans.len() && seg.spans[seg.applied].end <= seg.processed {
            seg.applied += 1;
        }
        Ok(r?.unwrap_or(Status::NeedInput))
    }

    /// Takes whole blocks from the input into the segment being gathered,
    /// sealing and handing out segments as they fill.
    fn scout(&mut self, input: &[u8], pos: &mut Position) -> Result<Took> {
        if self.ahead.format.is_none() {
            let info = self.info();
            self.ahead.block_checksum = info.block_checksum;
            self.ahead.format = Some(JobFormat {
                max_block: info.max_block_bytes(),
                check_blocks: info.block_checksum && self.options.verify_checksums,
                dict: self.dictionary.as_ref().map(|d| Arc::clone(&d.bytes)),
            });
            if self.hashes_content() {
                let state = self.frame_output.hash_now();
                self.ahead.chain = Some(Arc::new(HashChain::new(state)));
                self.ahead.next_seq = 0;
            }
        }
        if self.options.workers == 0 {
            // Input taken ahead by workers since removed: the stages read
            // what was gathered, and the input after it.
            self.stop_scout()?;
            return Ok(Took::Blocked);
        }
        let max_block = self.ahead.format.as_ref().map_or(0, |f| f.max_block);
        let checksum_len = if self.ahead.block_checksum { 4 } else { 0 };
        let workers = self.options.workers as usize;
        loop {
            if self.ahead.stopped {
                return Ok(Took::Blocked);
            }
            if self.ahead.gather.is_none() {
                self.ahead.gather = Some(Gather {
                    bytes: self.spare.take_input(),
                    ..Gather::default()
                });
            }
            let avail = input.len() - pos.input;
            let g = self.ahead.gather.as_mut().expect("a gather");
            if g.need > 0 {
                // The rest of the block being gathered.
                let take = g.need.min(avail);
                g.bytes
                    .extend_from_slice(&input[pos.input..pos.input + take]);
                pos.input += take;
                g.need -= take;
                if g.need > 0 {
                    return Ok(Took::All);
                }
                g.complete += 1;
                continue;
            }
            let value = if g.header == 0 {
                // Between blocks: hand out a full segment, or stop taking
                // blocks while every slot is in flight.
                if self.ahead.blocked(workers) {
                    return Ok(Took::Blocked);
                }
                if self
                    .ahead
                    .output_of(self.ahead.gather.as_ref().expect("a gather"))
                    >= SEGMENT_OUTPUT
                {
                    self.seal(false)?;
                    continue;
                }
                if avail == 0 {
                    return Ok(Took::All);
                }
                if avail < 4 {
                    None
                } else {
                    let value = le32(&input[pos.input..]);
                    let g = self.ahead.gather.as_mut().expect("a gather");
                    g.bytes.extend_from_slice(&input[pos.input..pos.input + 4]);
                    pos.input += 4;
                    if !is_block(value, max_block) {
                        // Taken (the hint asked for it), but for the
                        // stages: they read it from the tail, after what
                        // is ahead.
                        self.stop_scout()?;
                        return Ok(Took::Blocked);
                    }
                    Some(value)
                }
            } else {
                None
            };
            let value = match value {
                Some(value) => value,
                None => {
                    // A block header split across calls.
                    let g = self.ahead.gather.as_mut().expect("a gather");
                    let take = (4 - g.header).min(avail);
                    g.bytes
                        .extend_from_slice(&input[pos.input..pos.input + take]);
                    pos.input += take;
                    g.header += take;
                    if g.header < 4 {
                        return Ok(Took::All);
                    }
                    g.header = 0;
                    let value = le32(&g.bytes[g.bytes.len() - 4..]);
                    if !is_block(value, max_block) {
                        // Taken already: the stages read it from the tail.
                        self.stop_scout()?;
                        return Ok(Took::Blocked);
                    }
                    value
                }
            };
            let g = self.ahead.gather.as_mut().expect("a gather");
            let len = (value & !UNCOMPRESSED_BIT) as usize;
            let data_at = g.bytes.len();
            g.spans.push(Span {
                header_at: data_at - 4,
                data_at,
                len,
                raw: value & UNCOMPRESSED_BIT != 0,
                end: data_at + len + checksum_len,
            });
            g.need = len + checksum_len;
            if g.need == 0 {
                g.complete += 1;
            }
        }
    }

    /// The scout met something that is not a block: seal all it gathered.
    fn stop_scout(&mut self) -> Result<()> {
        self.seal(true)?;
        self.ahead.stopped = true;
        Ok(())
    }

    /// Seals the complete spans of the gathered segment and hands them to a
    /// worker; with `all`, also what follows them (a block cut off, a
    /// partial header), as a tail for the stages.
    fn seal(&mut self, all: bool) -> Result<()> {
        let Some(mut g) = self.ahead.gather.take() else {
            return Ok(());
        };
        let cut = if all { g.bytes.len() } else { g.complete_end() };
        if cut == 0 {
            self.ahead.gather = Some(g);
            return Ok(());
        }
        let mut rest = Gather {
            bytes: self.spare.take_input(),
            ..Gather::default()
        };
        rest.bytes.extend_from_slice(&g.bytes[cut..]);
        let mut tail_spans = g.spans.split_off(g.complete);
        if !all {
            for s in &mut tail_spans {
                s.header_at -= cut;
                s.data_at -= cut;
                s.end -= cut;
            }
            rest.spans = tail_spans;
            rest.need = g.need;
            rest.header = g.header;
        }
        g.bytes.truncate(cut);
        let bytes = Arc::new(g.bytes);
        let job = if g.spans.is_empty() {
            None
        } else {
            let format = self.ahead.format.clone().expect("a scouted frame");
            let buffer = self.spare.take_output();
            let chain = self.ahead.chain.as_ref().map(|c| {
                self.ahead.next_seq += 1;
                (Arc::clone(c), self.ahead.next_seq - 1)
            });
            let job = Arc::new(Job::new(
                Arc::clone(&bytes),
                g.spans.clone(),
                format,
                buffer,
                chain,
            ));
            let workers = self.options.workers as usize;
            let pool = self.pool.0.get_or_insert_with(|| Pool::new(workers));
            pool.submit(Arc::clone(&job))?;
            Some(job)
        };
        self.ahead.sealed.push_back(Segment {
            bytes,
            spans: g.spans,
            processed: 0,
            applied: 0,
            job,
            decoded: None,
        });
        if !rest.bytes.is_empty() || !rest.spans.is_empty() {
            self.ahead.gather = Some(rest);
        } else {
            self.spare.inputs.push(rest.bytes);
        }
        Ok(())
    }

    /// Keeps an applied segment's buffers for later segments.
    fn recycle(&mut self, seg: Segment) {
        // The decoded part first: it may hold the input too (raw blocks).
        let output = seg
            .decoded
            .and_then(|d| Arc::try_unwrap(d).ok())
            .map(|d| d.output);
        if let Some(output) = output {
            self.spare.give_output(output);
        }
        if let Ok(bytes) = Arc::try_unwrap(seg.bytes) {
            if self.spare.inputs.len() < SPARES {
                self.spare.inputs.push(bytes);
            }
        }
    }

    /// Bytes of the spare buffers.
    pub(super) fn spare_memory(&self) -> usize {
        self.spare.memory()
    }
}

/// A block header the scout may take: not the end mark, not too large.
fn is_block(value: u32, max_block: usize) -> bool {
    value != 0 && (value & !UNCOMPRESSED_BIT) as usize <= max_block
}
