//! The crate's integration tests: one binary, a module per concern.

mod support;
mod vectors;
