//! Runs ceremony vector files (the format of `shared/vectors/FORMAT.md`) and prints one JSON
//! line per case, without looking at the expected verdict:
//!
//! ```text
//! cargo run --release --example conformance -- ../shared/vectors/*.json
//! ```
//!
//! Also a debugging tool: put your own failing response in a file of that format and the
//! `error` field names the check that refused it.

use std::process::ExitCode;

use passkey_verifier::testkit::vectors::{run_case, VectorFile};

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: conformance FILE...");
        return ExitCode::from(2);
    }
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        };
        let file: VectorFile = match serde_json::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{path}: not a vector file: {e}");
                return ExitCode::from(2);
            }
        };
        for case in &file.cases {
            let outcome = run_case(case);
            println!("{}", serde_json::to_string(&outcome).unwrap_or_default());
        }
    }
    ExitCode::SUCCESS
}
