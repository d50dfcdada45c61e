//! Honest ceremonies with the software authenticator: every key kind and attestation the
//! engine supports verifies, and the outcome reports what was verified.

use getrandom::SysRng;
use passkey_verifier::testkit::{KeyKind, Knobs, SoftAttestation, SoftCredential};
use passkey_verifier::BackupEligibility;
use passkey_verifier::{
    start_authentication, start_registration, verify_authentication, verify_registration, AttestationFormat,
    AttestationType, AuthenticationOptions, AuthenticationResponse, CoseAlgorithm, CounterOutcome, Flags,
    RegistrationOptions, RegistrationResponse, RelyingParty, StoredCredential, UnixTime, User, UserVerification,
};
use rand_core::UnwrapErr;

const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);

fn rp() -> RelyingParty {
    RelyingParty::builder("example.com").name("Example").origin("https://example.com").build().unwrap()
}

fn user() -> User {
    User { id: b"user-0001".to_vec(), name: "alice".into(), display_name: "Alice".into() }
}

fn register(
    kind: KeyKind,
    attestation: SoftAttestation,
) -> (SoftCredential, StoredCredential, passkey_verifier::VerifiedRegistration) {
    let rp = rp();
    let (_, state) =
        start_registration(&rp, &user(), &RegistrationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    let mut cred = SoftCredential::new(kind, &user().id, &mut UnwrapErr(SysRng));
    let mut knobs = Knobs::new("example.com", "https://example.com");
    knobs.attestation = attestation;
    let json = cred.register(state.challenge().as_bytes(), &knobs);
    let verified = verify_registration(&rp, state, RegistrationResponse::from_json_str(&json).unwrap(), NOW).unwrap();
    let stored = verified.to_stored_credential();
    (cred, stored, verified)
}

fn sign_in(
    cred: &mut SoftCredential,
    stored: &StoredCredential,
    knobs: &Knobs,
) -> passkey_verifier::Result<passkey_verifier::VerifiedAuthentication> {
    let rp = rp();
    let mut options = AuthenticationOptions::default();
    options.user_handle = Some(user().id);
    let (_, state) = start_authentication(&rp, &options, &mut UnwrapErr(SysRng), NOW).unwrap();
    let json = cred.assert(state.challenge().as_bytes(), knobs);
    verify_authentication(&rp, state, AuthenticationResponse::from_json_str(&json).unwrap(), stored, NOW.plus_secs(1))
}

#[test]
fn every_key_kind_registers_and_signs_in() {
    let kinds = [
        (KeyKind::Es256, CoseAlgorithm::Es256),
        (KeyKind::Es384, CoseAlgorithm::Es384),
        (KeyKind::EdDsa, CoseAlgorithm::EdDsa),
        (KeyKind::Rs256, CoseAlgorithm::Rs256),
        (KeyKind::Ps256, CoseAlgorithm::Ps256),
    ];
    for (kind, alg) in kinds {
        let (mut cred, stored, reg) = register(kind, SoftAttestation::PackedSelf);
        assert_eq!(reg.alg(), alg);
        assert_eq!(reg.attestation().format(), AttestationFormat::Packed);
        assert_eq!(reg.attestation().kind(), AttestationType::SelfAttestation);
        assert!(!reg.attestation().trusted(), "self attestation never establishes trust");
        assert_eq!(reg.credential_id(), cred.id());
        assert_eq!(reg.public_key(), cred.cose_public_key());
        let knobs = Knobs::new("example.com", "https://example.com");
        let auth = sign_in(&mut cred, &stored, &knobs).unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(auth.counter(), CounterOutcome::Increased);
        assert_eq!(auth.sign_count(), 2);
        assert_eq!(auth.credential_id(), cred.id());
    }
}

#[test]
fn registration_reports_what_was_verified() {
    let (_, stored, reg) = register(KeyKind::Es256, SoftAttestation::None);
    assert_eq!(reg.attestation().format(), AttestationFormat::None);
    assert_eq!(reg.attestation().kind(), AttestationType::None);
    assert_eq!(reg.aaguid(), *b"passkey-verifier");
    assert_eq!(reg.aaguid_string(), "70617373-6b65-792d-7665-726966696572");
    assert_eq!(reg.sign_count(), 1);
    assert!(reg.flags().user_present() && reg.flags().user_verified());
    assert_eq!(reg.transports().collect::<Vec<_>>(), ["internal", "hybrid"]);
    assert_eq!(reg.client_extension_results(), Some("{}"));
    assert_eq!(reg.authenticator_attachment(), Some("platform"));
    assert_eq!(reg.user_handle(), b"user-0001");
    assert_eq!(stored.backup_eligible, BackupEligibility::NotEligible);
    assert!(stored.uv_initialized);
}

#[test]
fn synced_passkey_flags_are_reported_and_both_zero_counters_pass() {
    let (mut cred, stored, reg) = {
        let rp = rp();
        let (_, state) =
            start_registration(&rp, &user(), &RegistrationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
        let mut cred = SoftCredential::new(KeyKind::Es256, &user().id, &mut UnwrapErr(SysRng));
        let mut knobs = Knobs::new("example.com", "https://example.com");
        knobs.flags |= Flags::BE | Flags::BS;
        knobs.sign_count = Some(0);
        let json = cred.register(state.challenge().as_bytes(), &knobs);
        let reg = verify_registration(&rp, state, RegistrationResponse::from_json_str(&json).unwrap(), NOW).unwrap();
        let stored = reg.to_stored_credential();
        (cred, stored, reg)
    };
    assert!(reg.flags().backup_eligible() && reg.flags().backup_state());
    let mut knobs = Knobs::new("example.com", "https://example.com");
    knobs.flags |= Flags::BE;
    knobs.sign_count = Some(0);
    let auth = sign_in(&mut cred, &stored, &knobs).unwrap();
    assert_eq!(auth.counter(), CounterOutcome::BothZero);
    assert_eq!(auth.sign_count(), 0);
    assert!(auth.flags().backup_eligible() && !auth.flags().backup_state());
}

#[test]
fn discoverable_sign_in_identifies_the_owner_from_the_user_handle() {
    let (mut cred, stored, _) = register(KeyKind::EdDsa, SoftAttestation::None);
    let rp = rp();
    let (options, state) =
        start_authentication(&rp, &AuthenticationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    let options = serde_json::to_value(&options).unwrap();
    assert_eq!(options["allowCredentials"], serde_json::json!([]));
    let json = cred.assert(state.challenge().as_bytes(), &Knobs::new("example.com", "https://example.com"));
    let auth =
        verify_authentication(&rp, state, AuthenticationResponse::from_json_str(&json).unwrap(), &stored, NOW).unwrap();
    assert_eq!(auth.user_handle(), b"user-0001");
}

#[test]
fn cross_origin_iframe_passes_only_for_configured_top_origins() {
    let rp = RelyingParty::builder("example.com")
        .origin("https://example.com")
        .top_origin("https://shop.example.net")
        .build()
        .unwrap();
    let (_, state) =
        start_registration(&rp, &user(), &RegistrationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, &user().id, &mut UnwrapErr(SysRng));
    let mut knobs = Knobs::new("example.com", "https://example.com");
    knobs.cross_origin = Some(true);
    knobs.top_origin = Some("https://shop.example.net".into());
    let json = cred.register(state.challenge().as_bytes(), &knobs);
    verify_registration(&rp, state, RegistrationResponse::from_json_str(&json).unwrap(), NOW).unwrap();
}

#[test]
fn android_app_origins_are_accepted_when_configured() {
    let apk = "android:apk-key-hash:lZWtQzj6OyPKhzGFQKb1WvODt48gqqTZp0_pUuHLxTk";
    let rp = RelyingParty::builder("example.com").origin("https://example.com").origin(apk).build().unwrap();
    let (_, state) =
        start_registration(&rp, &user(), &RegistrationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, &user().id, &mut UnwrapErr(SysRng));
    let json = cred.register(state.challenge().as_bytes(), &Knobs::new("example.com", apk));
    verify_registration(&rp, state, RegistrationResponse::from_json_str(&json).unwrap(), NOW).unwrap();
}

#[test]
fn creation_options_are_level3_json() {
    let rp = rp();
    let mut options = RegistrationOptions::default();
    options.user_verification = UserVerification::Required;
    options.exclude_credentials =
        vec![passkey_verifier::CredentialDescriptor { id: vec![1, 2, 3], transports: vec!["usb".into()] }];
    let (json, state) = start_registration(&rp, &user(), &options, &mut UnwrapErr(SysRng), NOW).unwrap();
    let v = serde_json::to_value(&json).unwrap();
    assert_eq!(v["rp"], serde_json::json!({"id": "example.com", "name": "Example"}));
    assert_eq!(v["user"]["id"], "dXNlci0wMDAx");
    assert_eq!(v["user"]["displayName"], "Alice");
    assert_eq!(v["challenge"], state.challenge().to_base64url());
    assert_eq!(state.challenge().as_bytes().len(), 32);
    assert_eq!(v["pubKeyCredParams"][0], serde_json::json!({"type": "public-key", "alg": -7}));
    assert!(v["pubKeyCredParams"].as_array().unwrap().iter().all(|p| p["alg"] != -65535), "RS1 offered by default");
    assert_eq!(v["timeout"], 300_000);
    assert_eq!(
        v["excludeCredentials"],
        serde_json::json!([{"type": "public-key", "id": "AQID", "transports": ["usb"]}])
    );
    assert_eq!(v["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(v["authenticatorSelection"]["residentKey"], "preferred");
    assert_eq!(v["attestation"], "none");
    assert_eq!(state.expires_at(), NOW.plus_secs(300));

    let (req, _) = start_authentication(&rp, &AuthenticationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(v["rpId"], "example.com");
    assert_eq!(v["userVerification"], "preferred");
    assert_eq!(v["timeout"], 300_000);
}

#[test]
fn issued_challenges_are_fresh() {
    let rp = rp();
    let (_, a) = start_authentication(&rp, &AuthenticationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    let (_, b) = start_authentication(&rp, &AuthenticationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    assert_ne!(a.challenge(), b.challenge());
    assert!(!format!("{a:?}").contains(&a.challenge().to_base64url()));
}

/// The update a sign-in hands back is what a store persists: the new count, UV, the time of
/// use, and BS with whether it changed since the stored value.
#[test]
fn sign_in_update_reports_a_backup_state_change() {
    let (mut cred, mut stored, _) = register(KeyKind::Es256, SoftAttestation::None);
    assert!(!stored.backup_state);
    let mut knobs = Knobs::new("example.com", "https://example.com");

    let same = sign_in(&mut cred, &stored, &knobs).unwrap().update();
    assert_eq!((same.expected_sign_count, same.new_sign_count), (stored.sign_count, stored.sign_count + 1));
    assert!(!same.backup_state && !same.backup_state_changed && same.user_verified);
    assert_eq!(same.used_at, NOW.plus_secs(1));
    stored.sign_count = same.new_sign_count;

    // BE may never change, and BS needs BE: treat the credential as registered backup
    // eligible, then sign in backed up.
    stored.backup_eligible = BackupEligibility::Eligible;
    knobs.flags |= Flags::BE | Flags::BS;
    let backed_up = sign_in(&mut cred, &stored, &knobs).unwrap().update();
    assert!(backed_up.backup_state && backed_up.backup_state_changed);
    stored.backup_state = backed_up.backup_state;
    stored.sign_count = backed_up.new_sign_count;

    let again = sign_in(&mut cred, &stored, &knobs).unwrap().update();
    assert!(again.backup_state && !again.backup_state_changed);
}

/// A handler's `Json<RegistrationResponse>` / `Json<AuthenticationResponse>`: serde builds the
/// same response as `from_json`, from borrowed bytes or from a parsed `Value`, and refuses
/// what `from_json` refuses.
#[test]
fn responses_deserialize_with_serde_as_from_json_parses() {
    let rp = rp();
    let (_, state) =
        start_registration(&rp, &user(), &RegistrationOptions::default(), &mut UnwrapErr(SysRng), NOW).unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, &user().id, &mut UnwrapErr(SysRng));
    let knobs = Knobs::new("example.com", "https://example.com");
    let json = cred.register(state.challenge().as_bytes(), &knobs);

    let parsed = RegistrationResponse::from_json_str(&json).unwrap();
    let from_slice: RegistrationResponse = serde_json::from_str(&json).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let from_value: RegistrationResponse = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(from_slice, parsed);
    assert_eq!(from_value, parsed);
    assert!(verify_registration(&rp, state, from_value, NOW).is_ok());

    let mut wrong_type = value.clone();
    wrong_type["type"] = "password".into();
    assert!(serde_json::from_value::<RegistrationResponse>(wrong_type).is_err());
    let mut bad_base64 = value;
    bad_base64["rawId"] = "not base64!".into();
    assert!(serde_json::from_value::<RegistrationResponse>(bad_base64).is_err());

    let assertion = cred.assert(b"0123456789abcdef0123456789abcdef", &knobs);
    let parsed = AuthenticationResponse::from_json_str(&assertion).unwrap();
    let value: serde_json::Value = serde_json::from_str(&assertion).unwrap();
    assert_eq!(serde_json::from_value::<AuthenticationResponse>(value).unwrap(), parsed);
    assert_eq!(serde_json::from_str::<AuthenticationResponse>(&assertion).unwrap(), parsed);
}
