//! Related origin requests (WebAuthn L3 §5.11): origins of the RP ID's own site, declared
//! related origins in real ceremonies with the software authenticator, and the refusals.

use getrandom::SysRng;
use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
use passkey_verifier::{
    start_authentication, start_registration, verify_authentication, verify_registration, AuthenticationOptions,
    AuthenticationResponse, Category, ErrorKind, RegistrationOptions, RegistrationResponse, RelyingParty,
    StoredCredential, UnixTime, User, WellKnownWebAuthn,
};
use rand_core::UnwrapErr;

const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);

fn user() -> User {
    User { id: b"user-0001".to_vec(), name: "alice".into(), display_name: "Alice".into() }
}

fn rp() -> RelyingParty {
    RelyingParty::builder("example.com")
        .origin("https://example.com")
        .origin("https://login.example.com")
        .related_origin("https://example.co.uk")
        .related_origin("https://shop.example.de:8443")
        .build()
        .unwrap()
}

/// Registers from `origin`, then signs in from `sign_in_origin`.
fn ceremonies(rp: &RelyingParty, origin: &str, sign_in_origin: &str) -> passkey_verifier::Result<StoredCredential> {
    let (_, state) = start_registration(rp, &user(), &RegistrationOptions::default(), &mut UnwrapErr(SysRng), NOW)?;
    let mut cred = SoftCredential::new(KeyKind::Es256, &user().id, &mut UnwrapErr(SysRng));
    // The RP ID stays `example.com` whatever the origin: that is what related origins are for.
    let json = cred.register(state.challenge().as_bytes(), &Knobs::new("example.com", origin));
    let stored =
        verify_registration(rp, state, RegistrationResponse::from_json_str(&json)?, NOW)?.to_stored_credential();
    let (_, state) = start_authentication(rp, &AuthenticationOptions::default(), &mut UnwrapErr(SysRng), NOW)?;
    let json = cred.assert(state.challenge().as_bytes(), &Knobs::new("example.com", sign_in_origin));
    verify_authentication(rp, state, AuthenticationResponse::from_json_str(&json)?, &stored, NOW.plus_secs(1))?;
    Ok(stored)
}

#[test]
fn the_rp_id_a_subdomain_and_related_origins_complete_ceremonies() {
    let rp = rp();
    ceremonies(&rp, "https://example.com", "https://example.com").unwrap();
    ceremonies(&rp, "https://login.example.com", "https://login.example.com").unwrap();
    ceremonies(&rp, "https://example.co.uk", "https://example.co.uk").unwrap();
    // A passkey registered on one related origin signs in on another, and on the RP ID's site.
    ceremonies(&rp, "https://example.co.uk", "https://shop.example.de:8443").unwrap();
    ceremonies(&rp, "https://shop.example.de:8443", "https://example.com").unwrap();
}

#[test]
fn an_undeclared_origin_fails_verification_with_the_origin_category() {
    let rp = rp();
    for undeclared in
        ["https://example.de", "https://example.fr", "https://www.example.co.uk", "https://shop.example.de"]
    {
        let err = ceremonies(&rp, undeclared, "https://example.com").unwrap_err();
        assert_eq!(
            (err.kind(), err.category()),
            (ErrorKind::Origin, Category::Origin),
            "registration from {undeclared}"
        );
        let err = ceremonies(&rp, "https://example.com", undeclared).unwrap_err();
        assert_eq!((err.kind(), err.category()), (ErrorKind::Origin, Category::Origin), "sign-in from {undeclared}");
    }
}

#[test]
fn an_unrelated_web_origin_is_refused_at_build() {
    for unrelated in
        ["https://example.co.uk", "https://evil.example", "https://notexample.com", "http://localhost:8080"]
    {
        let err =
            RelyingParty::builder("example.com").origin("https://example.com").origin(unrelated).build().unwrap_err();
        assert_eq!((err.kind(), err.category()), (ErrorKind::Config, Category::Config), "{unrelated}");
    }
}

#[test]
fn more_than_five_labels_are_refused_at_build() {
    let related = ["https://one.com", "https://two.co.uk", "https://three.de", "https://four.fr", "https://five.it"];
    let builder = || RelyingParty::builder("example.com").origin("https://example.com").related_origins(related);
    // The same labels under other suffixes add nothing.
    builder().related_origins(["https://one.de", "https://www.two.com"]).build().unwrap();
    let err = builder().related_origin("https://six.com").build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("more than 5 registrable origin labels"), "{err}");
}

#[test]
fn the_well_known_document_lists_the_related_origins_exactly() {
    let document = rp().well_known_webauthn();
    assert_eq!(document.to_json(), r#"{"origins":["https://example.co.uk","https://shop.example.de:8443"]}"#);
    assert_eq!(document.url(), "https://example.com/.well-known/webauthn");
    assert_eq!(
        (WellKnownWebAuthn::PATH, WellKnownWebAuthn::CONTENT_TYPE),
        ("/.well-known/webauthn", "application/json")
    );
    // The configuration is normalised to the browser's serialisation before it is published.
    let rp = RelyingParty::builder("example.com").related_origin("HTTPS://Example.CO.UK:443").build().unwrap();
    assert_eq!(rp.well_known_webauthn().origins(), ["https://example.co.uk"]);
    let value: serde_json::Value = serde_json::to_value(rp.well_known_webauthn()).unwrap();
    assert_eq!(value, serde_json::json!({ "origins": ["https://example.co.uk"] }));
}
