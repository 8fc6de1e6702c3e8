/// SplitMix64: a small deterministic generator for test data, chunkings
/// and choices. The same seed gives the same sequence on every platform,
/// and must keep doing so: the committed fuzz inputs choose their chunkings
/// through it, and `fuzz/examples/make_seeds.rs` regenerates the committed
/// seeds byte for byte only while it does.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with a number.
    pub fn new(seed: u64) -> Rng {
        Rng::from_bytes(&seed.to_le_bytes())
    }

    /// A generator seeded with bytes (a name, a fuzz input's configuration).
    pub fn from_bytes(seed: &[u8]) -> Rng {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for &b in seed {
            s = (s ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
        }
        Rng(s)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform-ish in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True once in `one_in` times on average.
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    /// A piece size in `1..=max`: mostly small, sometimes large, so that
    /// pieces land both inside and across block boundaries.
    pub fn piece(&mut self, max: usize) -> usize {
        let max = max.max(1);
        match self.below(4) {
            0 => self.range(1, 16.min(max)),
            1 => self.range(1, 4096.min(max)),
            _ => self.range(1, max),
        }
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// `len` incompressible bytes, the same for the same seed.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    Rng::new(seed).fill(&mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_helpers_stay_in_bounds() {
        let mut r = Rng::new(7);
        for n in [1usize, 2, 3, 1000] {
            for _ in 0..100 {
                assert!(r.below(n) < n);
                let p = r.piece(n);
                assert!((1..=n).contains(&p));
                assert!((n..=2 * n).contains(&r.range(n, 2 * n)));
            }
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.piece(0), 1);
        let a = random_bytes(13, 5);
        assert_eq!(a.len(), 13);
        assert_eq!(a, random_bytes(13, 5));
        assert_ne!(a, random_bytes(13, 6));
    }
}
