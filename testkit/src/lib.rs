//! What lz4framed's tests, benchmarks, fuzz targets and examples share:
//! one deterministic random generator, the rule for tests that need an
//! external tool, hand-made skippable and legacy frames, the declarations of
//! liblz4's own frame and block functions the comparisons call, and the
//! benchmarks' settings and timing.
//!
//! A development-only crate: the library never depends on it (it is a
//! dev-dependency of the root crate and a dependency of `fuzz/`), and it
//! does not depend on the library, so both can use it without a cycle.

pub mod bench;
mod frames;
pub mod liblz4;
mod rng;
mod tools;

pub use frames::{legacy_frame, skippable};
pub use rng::{Rng, random_bytes};
pub use tools::{installed, require, require_tool};
