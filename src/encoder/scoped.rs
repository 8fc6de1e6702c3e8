//! One-shot parallel compression ([`compress_into`](super::compress_into)
//! with workers): threads scoped to the call borrow the caller's input, so
//! nothing is copied into job buffers and nothing is copied back out.
//!
//! Each job (the same 4 MiB jobs as the streaming encoder, so independent
//! blocks stay byte-identical to `workers: 0`) is compressed straight into
//! the output buffer, at the offset it would start at if every earlier
//! block were stored raw; those regions are disjoint and together are the
//! frame bound the caller already checked. A finished job is then moved
//! down to where the frame really continues, in input order, by whichever
//! worker finished it (incompressible input, whose jobs fill their whole
//! region, moves nothing). The content checksum is hashed in input order
//! by whichever worker is free between jobs. The caller's thread only
//! starts and joins the workers.

use super::parallel::{Format, JOB_BYTES};
use super::{Preferences, write_block};
use crate::error::{Error, Result};
use crate::lz4::{BlockCompressor, WINDOW_SIZE};
use crate::xxh32::Xxh32State;
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The frame body (blocks, no header or end mark) and content checksum.
pub(super) struct Body {
    pub len: usize,
    pub checksum: Option<u32>,
    /// With a seek table: (input, output) length of every block, in order.
    pub blocks: Vec<(u32, u32)>,
}

/// Output room [`compress_body`] needs for `src_len` bytes.
pub(super) fn body_bound(src_len: usize, prefs: &Preferences) -> usize {
    let format = Format::of(prefs);
    jobs(src_len, job_len(prefs))
        .map(|r| format.job_bound(r.len()))
        .sum()
}

/// Input per job: 4 MiB, or in a linked frame with a seek table one
/// stretch (at most 4 MiB), so that every job but the first starts at a
/// restart point and is compressed from a clean state.
fn job_len(prefs: &Preferences) -> usize {
    match prefs.stretches() {
        Some(s) if prefs.block_linked => s.limit() as usize,
        _ => JOB_BYTES,
    }
}

fn jobs(src_len: usize, len: usize) -> impl Iterator<Item = Range<usize>> {
    (0..src_len)
        .step_by(len)
        .map(move |s| s..(s + len).min(src_len))
}

/// Compresses `src` as the blocks of one frame into `dst` (at least
/// [`body_bound`] bytes) on up to `prefs.workers` scoped threads.
pub(super) fn compress_body(
    src: &[u8],
    dst: &mut [u8],
    prefs: &Preferences,
    dictionary: &[u8],
) -> Result<Body> {
    let format = Format::of(prefs);
    let ranges: Vec<Range<usize>> = jobs(src.len(), job_len(prefs)).collect();
    let mut regions = Vec::with_capacity(ranges.len());
    let mut rest = dst;
    for r in &ranges {
        let (region, tail) = rest.split_at_mut(format.job_bound(r.len()));
        regions.push(Mutex::new(Some(region)));
        rest = tail;
    }
    let threads = (prefs.workers as usize).min(ranges.len());
    let mut compressors = Vec::with_capacity(threads.max(1));
    for _ in 0..threads.max(1) {
        let c = BlockCompressor::new(
            prefs.level,
            format.linked,
            dictionary,
            prefs.favor_dec_speed,
        )
        .ok_or(Error::OutOfMemory)?;
        compressors.push(c);
    }
    let table = prefs.seek_table > 0;
    let shared = Shared {
        src,
        format,
        fresh_restarts: table && format.linked,
        fresh_start: table && format.linked && dictionary.is_empty(),
        blocks: table.then(|| (0..ranges.len()).map(|_| Mutex::new(Vec::new())).collect()),
        ranges: &ranges,
        regions,
        next_job: AtomicUsize::new(0),
        cancel: AtomicBool::new(false),
        hash: prefs.content_checksum.then(|| {
            Mutex::new(HashStage {
                state: Xxh32State::new(0),
                next: 0,
            })
        }),
        placement: Mutex::new(Placement {
            ready: (0..ranges.len()).map(|_| None).collect(),
            next: 0,
            free: VecDeque::new(),
            len: 0,
            busy: false,
        }),
    };
    if threads <= 1 {
        // One job (or one worker): another thread would only add its
        // start-up to the same serial work.
        if let Some(c) = compressors.pop() {
            shared.work(c);
        }
    } else {
        run_scoped(&shared, compressors)?;
    }
    shared.result()
}

fn run_scoped(shared: &Shared<'_>, compressors: Vec<BlockCompressor>) -> Result<()> {
    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(compressors.len());
        let mut outcome = Ok(());
        for (i, c) in compressors.into_iter().enumerate() {
            let spawned = std::thread::Builder::new()
                .name(format!("lz4framed-enc-{i}"))
                .spawn_scoped(scope, move || shared.work(c))
                .map_err(|_| Error::ThreadSpawn);
            match spawned {
                Ok(h) => handles.push(h),
                Err(e) => {
                    // The workers already running stop at their next job.
                    shared.cancel.store(true, Ordering::Relaxed);
                    outcome = Err(e);
                    break;
                }
            }
        }
        for h in handles {
            // A worker that panicked (a bug) left the frame unfinished.
            if h.join().is_err() && outcome.is_ok() {
                outcome = Err(Error::Internal);
            }
        }
        outcome
    })
}

/// (input, output) length of each block of a job, for the seek table.
type BlockLens = Vec<(u32, u32)>;

struct HashStage {
    state: Xxh32State,
    /// The next job whose input is hashed.
    next: usize,
}

struct Placement<'a> {
    /// Finished jobs waiting for their turn: region and length used.
    ready: Vec<Option<(&'a mut [u8], usize)>>,
    /// The next job to move into place.
    next: usize,
    /// The output after the frame so far up to the next job's region,
    /// in address order (the unused tails of regions already placed).
    free: VecDeque<&'a mut [u8]>,
    /// Frame body bytes placed so far.
    len: usize,
    /// A worker is moving jobs (outside the lock).
    busy: bool,
}

struct Shared<'a> {
    src: &'a [u8],
    format: Format,
    /// Linked frames with a seek table: every job but the first starts at
    /// a restart point, compressed from a clean state; the first one too
    /// when there is no dictionary (as the serial encoder does).
    fresh_restarts: bool,
    fresh_start: bool,
    /// With a seek table: each job's (input, output) block lengths.
    blocks: Option<Vec<Mutex<BlockLens>>>,
    ranges: &'a [Range<usize>],
    regions: Vec<Mutex<Option<&'a mut [u8]>>>,
    next_job: AtomicUsize,
    cancel: AtomicBool,
    hash: Option<Mutex<HashStage>>,
    placement: Mutex<Placement<'a>>,
}

/// A lock whose holder may have panicked: the frame is then reported as
/// failed (the panic surfaces at the join), and the others just finish.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<'a> Shared<'a> {
    fn work(&self, mut compressor: BlockCompressor) {
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return;
            }
            self.hash_one_if_free();
            let k = self.next_job.fetch_add(1, Ordering::Relaxed);
            if k >= self.ranges.len() {
                break;
            }
            let Some(region) = lock(&self.regions[k]).take() else {
                return;
            };
            let len = self.compress_job(&mut compressor, k, region);
            self.finish(k, region, len);
        }
        self.hash_rest();
    }

    fn compress_job(&self, c: &mut BlockCompressor, k: usize, region: &mut [u8]) -> usize {
        let Range { start, end } = self.ranges[k].clone();
        let checksum = self.format.checksum;
        let mut blocks = Vec::new();
        let record = self.blocks.is_some();
        let finish = |o: &mut [u8], piece: &[u8], n: usize| {
            let len = write_block(o, piece, n, checksum);
            if record {
                blocks.push((piece.len() as u32, len as u32));
            }
            len
        };
        let fresh = if k > 0 {
            self.fresh_restarts
        } else {
            self.fresh_start
        };
        let len = self.compress_range(c, k, start..end, region, fresh, finish);
        if let Some(all) = &self.blocks {
            *lock(&all[k]) = blocks;
        }
        len
    }

    fn compress_range(
        &self,
        c: &mut BlockCompressor,
        k: usize,
        Range { start, end }: Range<usize>,
        region: &mut [u8],
        fresh: bool,
        finish: impl FnMut(&mut [u8], &[u8], usize) -> usize,
    ) -> usize {
        let bs = self.format.block_size;
        if fresh {
            c.compress_after_prefix(&self.src[start..end], 0, bs, region, finish)
        } else if self.format.linked && k > 0 {
            // Linked jobs start from the 64 KiB of input before them.
            let from = start.saturating_sub(WINDOW_SIZE);
            c.compress_after_prefix(&self.src[from..end], start - from, bs, region, finish)
        } else {
            // The first linked job starts from the dictionary, as the
            // serial encoder does; independent blocks each start from it.
            c.start_frame();
            c.compress_run(&self.src[start..end], bs, region, finish)
        }
    }

    /// Hashes the next job's input if no one else is hashing and that job
    /// has been handed out (so hashing never runs far ahead of the rest).
    fn hash_one_if_free(&self) {
        let Some(hash) = &self.hash else { return };
        let Ok(mut h) = hash.try_lock() else { return };
        let started = self.next_job.load(Ordering::Relaxed).min(self.ranges.len());
        if h.next < started {
            let k = h.next;
            h.state.update(&self.src[self.ranges[k].clone()]);
            h.next += 1;
        }
    }

    fn hash_rest(&self) {
        let Some(hash) = &self.hash else { return };
        loop {
            let mut h = lock(hash);
            if h.next >= self.ranges.len() || self.cancel.load(Ordering::Relaxed) {
                return;
            }
            let k = h.next;
            h.state.update(&self.src[self.ranges[k].clone()]);
            h.next += 1;
        }
    }

    /// Hands in job `k`'s output and, unless another worker is already at
    /// it, moves every finished job that is next in order into place.
    fn finish(&self, k: usize, region: &'a mut [u8], len: usize) {
        let mut p = lock(&self.placement);
        p.ready[k] = Some((region, len));
        if p.busy {
            return;
        }
        p.busy = true;
        loop {
            let next = p.next;
            let Some((region, len)) = p.ready.get_mut(next).and_then(Option::take) else {
                p.busy = false;
                return;
            };
            let mut free = std::mem::take(&mut p.free);
            drop(p);
            place(&mut free, region, len);
            p = lock(&self.placement);
            p.free = free;
            p.next += 1;
            p.len += len;
        }
    }

    fn result(self) -> Result<Body> {
        let p = self
            .placement
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if p.next != self.ranges.len() {
            return Err(Error::Internal);
        }
        let checksum = match self.hash {
            None => None,
            Some(h) => {
                let h = h.into_inner().unwrap_or_else(PoisonError::into_inner);
                if h.next != self.ranges.len() {
                    return Err(Error::Internal);
                }
                Some(h.state.digest())
            }
        };
        let blocks = self.blocks.map_or_else(Vec::new, |all| {
            all.into_iter()
                .flat_map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
                .collect()
        });
        Ok(Body {
            len: p.len,
            checksum,
            blocks,
        })
    }
}

/// Moves the first `len` bytes of `region` to the start of `free` (the
/// space between the frame so far and `region`, in address order), then
/// leaves in `free` the space after them up to the end of `region`.
fn place<'a>(free: &mut VecDeque<&'a mut [u8]>, region: &'a mut [u8], len: usize) {
    let mut from = 0;
    while from < len {
        let Some(slot) = free.pop_front() else { break };
        let n = slot.len().min(len - from);
        let (used, unused) = slot.split_at_mut(n);
        used.copy_from_slice(&region[from..from + n]);
        if !unused.is_empty() {
            free.push_front(unused);
        }
        from += n;
    }
    // What did not fit before the region moves down within it.
    if from > 0 {
        region.copy_within(from..len, 0);
    }
    let (_, unused) = region.split_at_mut(len - from);
    if !unused.is_empty() {
        free.push_back(unused);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `place` over regions of a buffer, as the workers use it: the
    /// result is every job's bytes back to back from the start.
    #[test]
    fn place_packs_jobs_in_order() {
        let layouts: [&[(usize, usize)]; 5] = [
            &[(10, 3), (10, 10), (5, 0), (8, 8), (20, 1)],
            &[(4, 4), (4, 4), (4, 4)],
            &[(30, 1), (2, 2), (2, 2), (50, 49)],
            &[(6, 0), (6, 0), (6, 6)],
            &[(1, 1)],
        ];
        for layout in layouts {
            let total: usize = layout.iter().map(|l| l.0).sum();
            let mut buf = vec![0xeeu8; total];
            let mut want = Vec::new();
            let mut regions = Vec::new();
            let mut rest = &mut buf[..];
            for (i, &(size, len)) in layout.iter().enumerate() {
                let (r, t) = rest.split_at_mut(size);
                for (j, b) in r[..len].iter_mut().enumerate() {
                    *b = (i * 37 + j) as u8;
                }
                want.extend_from_slice(&r[..len]);
                regions.push((r, len));
                rest = t;
            }
            let mut free = VecDeque::new();
            let (mut sizes, mut lens) = (0, 0);
            for (r, len) in regions {
                sizes += r.len();
                lens += len;
                place(&mut free, r, len);
                // The free space is exactly what follows the jobs so far.
                let room: usize = free.iter().map(|s| s.len()).sum();
                assert_eq!(room, sizes - lens, "{layout:?}");
                assert!(free.iter().all(|s| !s.is_empty()));
            }
            assert_eq!(&buf[..want.len()], &want[..], "{layout:?}");
        }
    }
}
