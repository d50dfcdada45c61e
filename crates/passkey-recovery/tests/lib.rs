//! The recovery crate's integration tests: one binary, a module per concern.

// Tests and their fixtures: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod recovery;
mod stepup;
