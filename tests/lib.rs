//! The crate's integration tests: one binary, a module per concern.

mod ceremony;
mod negative;
mod store;
mod vectors;
