//! The library as C and C++ users meet it, in one test binary: the
//! generated header and the programs of this directory (`api`), the
//! programs of `c_examples/` (`examples`), what the libraries export and
//! whether they link beside a system liblz4 (`symbols`), and the CMake
//! build, install and consumer projects (`cmake_build`).
//!
//! One binary rather than one per file: each test binary links the whole
//! crate and its dev-dependencies, and these share their C-building
//! support. `cargo test --test c api::` runs one part.
//!
//! Linux only for now: ELF tools (readelf, nm), SONAMEs and the native
//! libraries a Rust staticlib needs there.
#![cfg(target_os = "linux")]

#[path = "../c_support/mod.rs"]
mod c_support;
#[path = "../common/mod.rs"]
mod common;

mod api;
mod cmake_build;
mod examples;
mod symbols;
