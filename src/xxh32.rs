//! TEMPORARY stand-in until the optimised marshallable implementation lands.
const P1: u32 = 2654435761;
const P2: u32 = 2246822519;
const P3: u32 = 3266489917;
const P4: u32 = 668265263;
const P5: u32 = 374761393;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Xxh32State {
    seed: u32,
    lanes: [u32; 4],
    total_len: u64,
    buffer: [u8; 16],
    buffered_len: u8,
}

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

impl Xxh32State {
    pub fn new(seed: u32) -> Self {
        Xxh32State {
            seed,
            lanes: [
                seed.wrapping_add(P1).wrapping_add(P2),
                seed.wrapping_add(P2),
                seed,
                seed.wrapping_sub(P1),
            ],
            total_len: 0,
            buffer: [0; 16],
            buffered_len: 0,
        }
    }

    fn stripe(l: &mut [u32; 4], s: &[u8]) {
        for i in 0..4 {
            l[i] = round(
                l[i],
                u32::from_le_bytes(s[i * 4..i * 4 + 4].try_into().unwrap()),
            );
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.total_len += data.len() as u64;
        if self.buffered_len > 0 {
            let b = self.buffered_len as usize;
            let take = (16 - b).min(data.len());
            self.buffer[b..b + take].copy_from_slice(&data[..take]);
            self.buffered_len += take as u8;
            data = &data[take..];
            if self.buffered_len < 16 {
                return;
            }
            let buf = self.buffer;
            Self::stripe(&mut self.lanes, &buf);
            self.buffered_len = 0;
        }
        let mut l = self.lanes;
        let chunks = data.chunks_exact(16);
        let rest = chunks.remainder();
        for s in chunks {
            Self::stripe(&mut l, s);
        }
        self.lanes = l;
        self.buffer[..rest.len()].copy_from_slice(rest);
        self.buffered_len = rest.len() as u8;
    }

    pub fn digest(&self) -> u32 {
        let l = self.lanes;
        let mut h = if self.total_len >= 16 {
            l[0].rotate_left(1)
                .wrapping_add(l[1].rotate_left(7))
                .wrapping_add(l[2].rotate_left(12))
                .wrapping_add(l[3].rotate_left(18))
        } else {
            self.seed.wrapping_add(P5)
        };
        h = h.wrapping_add(self.total_len as u32);
        let tail = &self.buffer[..self.buffered_len as usize];
        let mut words = tail.chunks_exact(4);
        for w in &mut words {
            h = h
                .wrapping_add(u32::from_le_bytes(w.try_into().unwrap()).wrapping_mul(P3))
                .rotate_left(17)
                .wrapping_mul(P4);
        }
        for &b in words.remainder() {
            h = h
                .wrapping_add((b as u32).wrapping_mul(P5))
                .rotate_left(11)
                .wrapping_mul(P1);
        }
        h ^= h >> 15;
        h = h.wrapping_mul(P2);
        h ^= h >> 13;
        h = h.wrapping_mul(P3);
        h ^ (h >> 16)
    }

    pub fn to_parts(&self) -> Xxh32Parts {
        Xxh32Parts {
            seed: self.seed,
            lanes: self.lanes,
            total_len: self.total_len,
            buffer: self.buffer,
            buffered_len: self.buffered_len,
        }
    }

    pub fn from_parts(p: &Xxh32Parts) -> Option<Self> {
        if p.buffered_len > 15 {
            return None;
        }
        let mut buffer = [0u8; 16];
        buffer[..p.buffered_len as usize].copy_from_slice(&p.buffer[..p.buffered_len as usize]);
        Some(Xxh32State {
            seed: p.seed,
            lanes: p.lanes,
            total_len: p.total_len,
            buffer,
            buffered_len: p.buffered_len,
        })
    }
}
