//! The conformance runner on cases made with the software authenticator: files without
//! `expect`, and the format's optional `mediation`, `extensions` and
//! `policy.unsolicited_extensions`, with the outputs it reports.

use getrandom::SysRng;
use passkey_verifier::hazmat::b64;
use passkey_verifier::testkit::vectors::{compare, run_case, Agreement, VectorFile};
use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
use passkey_verifier::Flags;
use rand_core::UnwrapErr;
use serde_json::{json, Value};

const CHALLENGE: [u8; 32] = [7; 32];

fn file(cases: Vec<Value>) -> VectorFile {
    serde_json::from_value(json!({ "source": "testkit", "license": "MIT", "cases": cases })).unwrap()
}

fn registration_case(name: &str, extra: Value, knobs: &Knobs) -> Value {
    let mut cred = SoftCredential::new(KeyKind::Es256, b"owner", &mut UnwrapErr(SysRng));
    let response: Value = serde_json::from_str(&cred.register(&CHALLENGE, knobs)).unwrap();
    let mut case = json!({
        "name": name, "ceremony": "registration", "rp_id": "example.com",
        "origins": ["https://example.com"], "challenge": b64::encode(&CHALLENGE),
        "user_verification": "preferred", "response": response,
    });
    case.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    case
}

fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

#[test]
fn a_capture_without_expect_is_run_and_reported() {
    let vectors = file(vec![registration_case("mine", json!({}), &knobs())]);
    let case = &vectors.cases[0];
    let outcome = run_case(case);
    assert!(outcome.ok, "{:?}", outcome.detail);
    assert_eq!((outcome.user_present, outcome.fmt), (Some(true), Some("none")));
    assert_eq!(compare(case, &outcome), Agreement::NoVerdict);
}

#[test]
fn conditional_mediation_lets_a_registration_without_up_pass() {
    let mut no_up = knobs();
    no_up.flags = Flags::UV;
    let vectors = file(vec![
        registration_case(
            "conditional",
            json!({ "mediation": "conditional", "expect": { "ok": true, "user_present": false } }),
            &no_up,
        ),
        registration_case("modal", json!({ "expect": { "ok": false, "error": "user_presence" } }), &no_up),
    ]);
    for case in &vectors.cases {
        let outcome = run_case(case);
        assert_eq!(compare(case, &outcome), Agreement::Agrees, "{}: {outcome:?}", case.name);
    }
    assert_eq!(run_case(&vectors.cases[0]).mediation, Some("conditional"));
}

#[test]
fn extensions_are_checked_and_reported() {
    let mut answered = knobs();
    answered.client_extension_results = json!({ "credProps": { "rk": true } });
    let mut contradicting = knobs();
    contradicting.client_extension_results = json!({ "credProps": { "rk": 1 } });
    let vectors = file(vec![
        registration_case(
            "cred-props",
            json!({ "extensions": { "credProps": true }, "expect": { "ok": true, "discoverable": true } }),
            &answered,
        ),
        registration_case(
            "cred-props-wrong-shape",
            json!({ "extensions": { "credProps": true }, "expect": { "ok": false, "error": "extension" } }),
            &contradicting,
        ),
        registration_case("unsolicited-ignored", json!({ "expect": { "ok": true } }), &contradicting),
        registration_case(
            "unsolicited-rejected",
            json!({ "policy": { "unsolicited_extensions": "reject" }, "expect": { "ok": false, "error": "extension" } }),
            &answered,
        ),
    ]);
    for case in &vectors.cases {
        let outcome = run_case(case);
        assert_eq!(compare(case, &outcome), Agreement::Agrees, "{}: {outcome:?}", case.name);
    }
    let reported = run_case(&vectors.cases[0]);
    assert_eq!(reported.extensions, Some(json!({ "credProps": { "rk": true } })));
    // A verdict the outcome contradicts is caught.
    let mut wrong = vectors.cases[0].clone();
    wrong.expect = Some(json!({ "ok": true, "discoverable": false }));
    assert!(matches!(compare(&wrong, &run_case(&wrong)), Agreement::Disagrees(_)));
}
