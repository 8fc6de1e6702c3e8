//! Streaming XXH32 whose whole state is plain data.
//!
//! The frame content checksum has to survive a marshalled decoder, and the
//! streaming hashers of hash crates keep their state private, so the decoder
//! and encoder carry this one instead. It is on the hot path of every frame
//! with a content checksum: the bulk of each update runs 16-byte stripes
//! straight from the caller's slice with the four lanes held in registers
//! and the memory ahead requested early, and only a partial stripe at
//! either end goes through the 16-byte buffer.

const P1: u32 = 2654435761;
const P2: u32 = 2246822519;
const P3: u32 = 3266489917;
const P4: u32 = 668265263;
const P5: u32 = 374761393;

/// Bytes consumed by one round of the four lanes.
const STRIPE: usize = 16;

/// A running XXH32 over everything passed to [`Xxh32State::update`] so far.
///
/// Bytes of `buffer` past `buffered_len` are leftovers of earlier stripes
/// and mean nothing; equality and [`Xxh32State::to_parts`] ignore them so
/// that equal hash progress always compares and marshals identically.
#[derive(Clone, Debug)]
pub struct Xxh32State {
    seed: u32,
    lanes: [u32; 4],
    total_len: u64,
    buffer: [u8; STRIPE],
    buffered_len: u8,
}

/// The complete state of an [`Xxh32State`], for marshalling.
///
/// `lanes` are the four accumulators after every whole stripe so far,
/// `total_len` counts all bytes hashed, and the first `buffered_len`
/// (always `total_len % 16`) bytes of `buffer` are the unfinished stripe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Xxh32Parts {
    pub seed: u32,
    pub lanes: [u32; 4],
    pub total_len: u64,
    pub buffer: [u8; 16],
    pub buffered_len: u8,
}

#[inline(always)]
fn round(acc: u32, input: u32) -> u32 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(13)
        .wrapping_mul(P1)
}

#[inline(always)]
fn initial_lanes(seed: u32) -> [u32; 4] {
    [
        seed.wrapping_add(P1).wrapping_add(P2),
        seed.wrapping_add(P2),
        seed,
        seed.wrapping_sub(P1),
    ]
}

#[inline(always)]
fn word(stripe: &[u8; STRIPE], at: usize) -> u32 {
    u32::from_le_bytes([stripe[at], stripe[at + 1], stripe[at + 2], stripe[at + 3]])
}

/// One round of all four lanes over one stripe.
#[inline(always)]
fn stripe(v: [u32; 4], s: &[u8; STRIPE]) -> [u32; 4] {
    [
        round(v[0], word(s, 0)),
        round(v[1], word(s, 4)),
        round(v[2], word(s, 8)),
        round(v[3], word(s, 12)),
    ]
}

/// A cache line: the unit of the prefetch hints below.
const LINE: usize = 64;

/// How far ahead of the stripe being hashed the next cache line is
/// requested. The round chain leaves the CPU too few loads in flight to
/// stream from memory on its own: without the hint a 4 MiB block that has
/// left L2 hashes at a quarter of the in-cache speed; 2 to 4 KiB ahead
/// measured best.
const PREFETCH_AHEAD: usize = 4096;

/// Runs every whole stripe of `data` through the lanes and ignores a
/// trailing partial stripe. The lanes live in locals for the whole loop so
/// that nothing is stored back to memory between stripes.
#[inline(always)]
fn stripes(lanes: [u32; 4], data: &[u8]) -> [u32; 4] {
    let mut v = lanes;
    let mut lines = data.chunks_exact(LINE);
    for (i, line) in lines.by_ref().enumerate() {
        crate::lz4::prefetch(data, i * LINE + PREFETCH_AHEAD);
        for s in line.chunks_exact(STRIPE) {
            v = stripe(v, s.try_into().expect("chunks_exact yields whole stripes"));
        }
    }
    for s in lines.remainder().chunks_exact(STRIPE) {
        v = stripe(v, s.try_into().expect("chunks_exact yields whole stripes"));
    }
    v
}

impl Xxh32State {
    pub fn new(seed: u32) -> Self {
        Xxh32State {
            seed,
            lanes: initial_lanes(seed),
            total_len: 0,
            buffer: [0; STRIPE],
            buffered_len: 0,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        // Wrapping keeps `buffered_len == total_len % 16` true even past
        // 2^64 bytes; the digest only uses the low 32 bits anyway.
        self.total_len = self.total_len.wrapping_add(data.len() as u64);
        let mut input = data;
        let held = usize::from(self.buffered_len);
        if held > 0 {
            let take = (STRIPE - held).min(input.len());
            let (head, rest) = input.split_at(take);
            self.buffer[held..held + take].copy_from_slice(head);
            input = rest;
            if held + take < STRIPE {
                self.buffered_len = (held + take) as u8;
                return;
            }
            self.lanes = stripe(self.lanes, &self.buffer);
        }
        let whole = input.len() - input.len() % STRIPE;
        let (bulk, tail) = input.split_at(whole);
        if !bulk.is_empty() {
            self.lanes = stripes(self.lanes, bulk);
        }
        self.buffer[..tail.len()].copy_from_slice(tail);
        self.buffered_len = tail.len() as u8;
    }

    /// The XXH32 of all bytes so far; the state stays usable for more.
    pub fn digest(&self) -> u32 {
        let [v1, v2, v3, v4] = self.lanes;
        let mut h = if self.total_len >= STRIPE as u64 {
            v1.rotate_left(1)
                .wrapping_add(v2.rotate_left(7))
                .wrapping_add(v3.rotate_left(12))
                .wrapping_add(v4.rotate_left(18))
        } else {
            self.seed.wrapping_add(P5)
        };
        // XXH32 mixes in the length modulo 2^32 by definition.
        h = h.wrapping_add(self.total_len as u32);
        let tail = &self.buffer[..usize::from(self.buffered_len)];
        let mut words = tail.chunks_exact(4);
        for w in &mut words {
            let w = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            h = h
                .wrapping_add(w.wrapping_mul(P3))
                .rotate_left(17)
                .wrapping_mul(P4);
        }
        for &b in words.remainder() {
            h = h
                .wrapping_add(u32::from(b).wrapping_mul(P5))
                .rotate_left(11)
                .wrapping_mul(P1);
        }
        h ^= h >> 15;
        h = h.wrapping_mul(P2);
        h ^= h >> 13;
        h = h.wrapping_mul(P3);
        h ^ (h >> 16)
    }

    /// The state as plain data; bytes of `buffer` past `buffered_len` are
    /// zero, so equal progress always yields equal parts.
    pub fn to_parts(&self) -> Xxh32Parts {
        let held = usize::from(self.buffered_len);
        let mut buffer = [0u8; STRIPE];
        buffer[..held].copy_from_slice(&self.buffer[..held]);
        Xxh32Parts {
            seed: self.seed,
            lanes: self.lanes,
            total_len: self.total_len,
            buffer,
            buffered_len: self.buffered_len,
        }
    }

    /// Rebuilds a state from [`Xxh32State::to_parts`] output, or `None`
    /// when the parts cannot come from any real hashing progress: the
    /// buffered length must be `total_len % 16`, and before the first whole
    /// stripe the lanes must still be the seed's initial ones (otherwise a
    /// corrupted blob would silently change every later digest).
    pub fn from_parts(p: &Xxh32Parts) -> Option<Self> {
        if u64::from(p.buffered_len) != p.total_len % STRIPE as u64 {
            return None;
        }
        if p.total_len < STRIPE as u64 && p.lanes != initial_lanes(p.seed) {
            return None;
        }
        let held = usize::from(p.buffered_len);
        let mut buffer = [0u8; STRIPE];
        buffer[..held].copy_from_slice(&p.buffer[..held]);
        Some(Xxh32State {
            seed: p.seed,
            lanes: p.lanes,
            total_len: p.total_len,
            buffer,
            buffered_len: p.buffered_len,
        })
    }
}

impl PartialEq for Xxh32State {
    fn eq(&self, other: &Self) -> bool {
        self.to_parts() == other.to_parts()
    }
}

impl Eq for Xxh32State {}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh32::{Xxh32, xxh32};

    const SEEDS: [u32; 5] = [0, 1, 0x9e37_79b1, 0x7fff_ffff, u32::MAX];

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    fn hash_whole(data: &[u8], seed: u32) -> u32 {
        let mut s = Xxh32State::new(seed);
        s.update(data);
        s.digest()
    }

    #[test]
    fn known_values() {
        // Reference values published with XXH32, independent of any crate.
        assert_eq!(hash_whole(b"", 0), 0x02cc_5d05);
        assert_eq!(hash_whole(b"a", 0), 0x550d_7456);
        assert_eq!(hash_whole(b"abc", 0), 0x32d1_53ff);
    }

    #[test]
    fn every_length_matches_reference() {
        let data = Rng(0x1234_5678_9abc_def1).bytes(300);
        for seed in SEEDS {
            for len in 0..=300 {
                let d = &data[..len];
                let want = xxh32(d, seed);
                assert_eq!(hash_whole(d, seed), want, "len {len} seed {seed:#x}");
                let mut theirs = Xxh32::new(seed);
                theirs.update(d);
                assert_eq!(theirs.digest(), want, "len {len} seed {seed:#x}");
            }
        }
    }

    #[test]
    fn one_byte_and_empty_updates_match_reference() {
        let data = Rng(42).bytes(300);
        for seed in SEEDS {
            let mut s = Xxh32State::new(seed);
            for len in 0..=300 {
                assert_eq!(s.digest(), xxh32(&data[..len], seed), "len {len}");
                if len == 300 {
                    break;
                }
                s.update(&[]);
                s.update(&data[len..len + 1]);
                s.update(&[]);
            }
        }
    }

    #[test]
    fn random_splits_match_reference() {
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        let data = rng.bytes(20_000);
        for round in 0..300 {
            let seed = SEEDS[round % SEEDS.len()];
            let len = rng.below(data.len() + 1);
            let mut s = Xxh32State::new(seed);
            let mut at = 0;
            while at < len {
                let step = match rng.below(4) {
                    0 => 0,
                    1 => 1,
                    2 => rng.below(40),
                    _ => rng.below(3000),
                }
                .min(len - at);
                s.update(&data[at..at + step]);
                at += step;
                if rng.below(8) == 0 {
                    assert_eq!(s.digest(), xxh32(&data[..at], seed), "prefix {at}");
                }
            }
            assert_eq!(s.digest(), xxh32(&data[..len], seed), "len {len}");
        }
    }

    #[test]
    fn parts_round_trip_continues_to_same_digest() {
        let mut rng = Rng(7);
        let data = rng.bytes(700);
        for seed in SEEDS {
            let want = xxh32(&data, seed);
            for cut in 0..=data.len() {
                let mut s = Xxh32State::new(seed);
                // Reach the cut through uneven updates so the buffer holds
                // leftovers of earlier stripes.
                let mut at = 0;
                while at < cut {
                    let step = (1 + rng.below(37)).min(cut - at);
                    s.update(&data[at..at + step]);
                    at += step;
                }
                let parts = s.to_parts();
                assert_eq!(parts.total_len, cut as u64);
                assert_eq!(usize::from(parts.buffered_len), cut % 16);
                assert!(
                    parts.buffer[usize::from(parts.buffered_len)..]
                        .iter()
                        .all(|&b| b == 0)
                );
                let mut restored = Xxh32State::from_parts(&parts).expect("valid parts");
                assert_eq!(restored, s);
                assert_eq!(restored.digest(), xxh32(&data[..cut], seed));
                restored.update(&data[cut..]);
                assert_eq!(restored.digest(), want, "cut {cut} seed {seed:#x}");
            }
        }
    }

    #[test]
    fn parts_do_not_depend_on_update_pattern() {
        let data = Rng(99).bytes(1000);
        for len in [0, 5, 16, 17, 31, 250, 1000] {
            let mut whole = Xxh32State::new(3);
            whole.update(&data[..len]);
            // Byte-wise feeding leaves earlier stripes' bytes in the buffer.
            let mut bytewise = Xxh32State::new(3);
            for b in &data[..len] {
                bytewise.update(std::slice::from_ref(b));
            }
            assert_eq!(whole.to_parts(), bytewise.to_parts(), "len {len}");
            assert_eq!(whole, bytewise);
        }
    }

    #[test]
    fn garbage_past_buffered_bytes_is_ignored() {
        let data = Rng(5).bytes(45);
        let mut s = Xxh32State::new(0);
        s.update(&data);
        let mut parts = s.to_parts();
        parts.buffer[13..].fill(0xa5);
        let mut restored = Xxh32State::from_parts(&parts).unwrap();
        assert_eq!(restored, s);
        restored.update(&data);
        s.update(&data);
        assert_eq!(restored.digest(), s.digest());
    }

    #[test]
    fn impossible_parts_are_rejected() {
        let mut s = Xxh32State::new(9);
        s.update(&[1; 40]);
        let good = s.to_parts();
        assert!(Xxh32State::from_parts(&good).is_some());

        let bad_len = Xxh32Parts {
            buffered_len: 16,
            total_len: 48,
            ..good
        };
        assert!(Xxh32State::from_parts(&bad_len).is_none());
        let mismatched = Xxh32Parts {
            buffered_len: 7,
            ..good
        };
        assert!(Xxh32State::from_parts(&mismatched).is_none());

        let mut short = Xxh32State::new(9);
        short.update(&[1; 10]);
        let short = short.to_parts();
        assert!(Xxh32State::from_parts(&short).is_some());
        let tampered = Xxh32Parts {
            lanes: [1, 2, 3, 4],
            ..short
        };
        assert!(Xxh32State::from_parts(&tampered).is_none());
    }

    #[test]
    fn long_stream_matches_reference() {
        let data = Rng(0x5eed).bytes(1 << 20);
        let mut s = Xxh32State::new(0);
        let mut theirs = Xxh32::new(0);
        for piece in data.chunks(65536 - 3) {
            s.update(piece);
            theirs.update(piece);
        }
        assert_eq!(s.digest(), xxh32(&data, 0));
        assert_eq!(s.digest(), theirs.digest());
    }
}
