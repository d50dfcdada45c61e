//! `passkey`: the operator's tool.
//!
//! ```text
//! passkey explain FILE [CASE]     every §7.1 / §7.2 check in order, with its outcome
//! passkey conformance FILE...     one JSON line per case (the vector runner)
//! ```
//!
//! `FILE` is a ceremony file in the format of the shared vectors (`FORMAT.md`): the response
//! the browser sent, the RP ID and origins, the issued challenge and, for a sign-in, the stored
//! credential; `expect` is optional. A file may also hold a single case object.

mod steps;

use std::process::ExitCode;

use passkey_verifier::testkit::vectors::{compare, run_case, Agreement, Case, VectorFile};
use steps::{verdicts, Verdict, AUTHENTICATION, REGISTRATION};

fn usage() -> ExitCode {
    eprintln!("usage: passkey explain FILE [CASE] | passkey conformance FILE...");
    ExitCode::from(2)
}

/// The cases of `path`: a vector file, or one case.
fn load(path: &str) -> Result<Vec<Case>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    if let Ok(file) = serde_json::from_str::<VectorFile>(&text) {
        return Ok(file.cases);
    }
    serde_json::from_str::<Case>(&text).map(|c| vec![c]).map_err(|e| format!("{path}: not a ceremony file: {e}"))
}

/// The explanation of one case, as lines.
fn explain(case: &Case) -> Vec<String> {
    let outcome = run_case(case);
    let steps = if case.ceremony == "authentication" { AUTHENTICATION } else { REGISTRATION };
    let mut lines = vec![format!("case {} ({}, RP ID {})", case.name, case.ceremony, case.rp_id)];
    for (step, verdict) in steps.iter().zip(verdicts(steps, outcome.kind)) {
        let (mark, detail) = match verdict {
            Verdict::Passed => ("ok  ", String::new()),
            Verdict::Failed => ("FAIL", format!(": {}", outcome.detail.as_deref().unwrap_or("failed"))),
            Verdict::NotReached => ("--  ", " (not reached)".to_owned()),
        };
        lines.push(format!("  {mark}  {:<10} {}{detail}", step.spec, step.what));
    }
    if outcome.ok {
        let summary = serde_json::to_value(&outcome).unwrap_or_default();
        lines.push(format!("verdict: verified {summary}"));
    } else {
        lines.push(format!("verdict: refused ({})", outcome.error.unwrap_or("unknown")));
    }
    match compare(case, &outcome) {
        Agreement::Agrees => lines.push("expected: agrees".into()),
        Agreement::CategoryDiffers { expected } => lines.push(format!("expected: failure as {expected}")),
        Agreement::Disagrees(why) => lines.push(format!("expected: DISAGREES, {why}")),
        Agreement::NoVerdict => {}
    }
    lines
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [command, file, name @ ..] if command == "explain" && name.len() <= 1 => {
            let cases = match load(file) {
                Ok(cases) => cases,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            };
            let chosen: Vec<&Case> = cases.iter().filter(|c| name.first().is_none_or(|n| &c.name == n)).collect();
            if chosen.is_empty() {
                eprintln!("no such case");
                return ExitCode::from(2);
            }
            for case in chosen {
                println!("{}", explain(case).join("\n"));
            }
            ExitCode::SUCCESS
        }
        [command, files @ ..] if command == "conformance" && !files.is_empty() => {
            for path in files {
                match load(path) {
                    Ok(cases) => {
                        for case in &cases {
                            println!("{}", serde_json::to_string(&run_case(case)).unwrap_or_default());
                        }
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        return ExitCode::from(2);
                    }
                }
            }
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use passkey_verifier::{ErrorKind, Input};

    #[test]
    fn every_failure_kind_is_owned_by_exactly_one_step_of_its_ceremony() {
        let kinds = [
            ErrorKind::Config,
            ErrorKind::Malformed(Input::CredentialJson),
            ErrorKind::CeremonyExpired,
            ErrorKind::Malformed(Input::ClientData),
            ErrorKind::ClientDataType,
            ErrorKind::Challenge,
            ErrorKind::Origin,
            ErrorKind::TopOrigin,
            ErrorKind::RpIdHash,
            ErrorKind::UserPresence,
            ErrorKind::UserVerification,
            ErrorKind::Signature,
        ];
        for steps in [REGISTRATION, AUTHENTICATION] {
            for kind in kinds {
                let owners = steps.iter().filter(|s| (s.owns)(kind)).count();
                let expected = usize::from(!(kind == ErrorKind::Signature && steps.len() == REGISTRATION.len()));
                assert_eq!(owners, expected, "{kind:?}");
            }
        }
    }

    #[test]
    fn the_failed_step_splits_passed_from_not_reached() {
        let v = verdicts(REGISTRATION, Some(ErrorKind::Origin));
        let failed = v.iter().position(|x| *x == Verdict::Failed).unwrap();
        assert_eq!(REGISTRATION[failed].spec, "9");
        assert!(v[..failed].iter().all(|x| *x == Verdict::Passed));
        assert!(v[failed + 1..].iter().all(|x| *x == Verdict::NotReached));
        assert!(verdicts(AUTHENTICATION, None).iter().all(|x| *x == Verdict::Passed));
    }
}
