//! The HTTP contract, as a browser and as an attacker use it: every refusal with its status
//! and stable code, sessions and account binding, and replays.

// Tests and their fixtures: a panic is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod binding;
mod errors;
mod flows;
mod recovery;
mod sql;
mod support;
