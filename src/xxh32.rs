//! TEMPORARY stand-in until the marshallable implementation lands.
#[derive(Clone)]
pub struct Xxh32State(xxhash_rust::xxh32::Xxh32);
impl std::fmt::Debug for Xxh32State { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("Xxh32State") } }
impl Xxh32State {
    pub fn new(seed: u32) -> Self { Xxh32State(xxhash_rust::xxh32::Xxh32::new(seed)) }
    pub fn update(&mut self, d: &[u8]) { self.0.update(d) }
    pub fn digest(&self) -> u32 { self.0.digest() }
}
