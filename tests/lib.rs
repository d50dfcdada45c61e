//! The crate's integration tests: one binary, a module per concern.

mod attestation;
mod ceremony;
mod metadata;
mod negative;
mod store;
mod vectors;
