//! The crate's integration tests: one binary, a module per concern.

// Tests and their fixtures: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod attestation;
mod ceremony;
mod extensions;
mod metadata;
mod negative;
mod origins;
mod scanner;
mod signals;
mod store;
mod vectors;
