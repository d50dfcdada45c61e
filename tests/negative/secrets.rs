//! Errors are safe to log: neither `Display` nor `Debug` carries the challenge, the origin the
//! client sent, or the credential ID.

use passkey_verifier::hazmat::b64;
use passkey_verifier::{Category, Error, ErrorKind};

use super::{assert_fails, Auth, Reg};

const EVIL_ORIGIN: &str = "https://evilexample.com";

#[track_caller]
fn assert_redacted(err: &Error, secrets: &[String]) {
    for text in [format!("{err}"), format!("{err:?}")] {
        for secret in secrets {
            assert!(!text.contains(secret.as_str()), "{text:?} reveals {secret:?}");
        }
    }
}

#[test]
fn registration_errors_reveal_no_challenge_origin_or_credential_id() {
    let mut reg = Reg::new();
    let issued = reg.state.challenge().to_base64url();
    let err = assert_fails(reg.verify_defect(|k| k.origin = EVIL_ORIGIN.into()), ErrorKind::Origin, Category::Origin);
    assert_redacted(&err, &[issued.clone(), EVIL_ORIGIN.into(), b64::encode(reg.cred.id())]);

    let err = assert_fails(reg.verify_server_defect(Reg::reissue), ErrorKind::Challenge, Category::Challenge);
    let reissued = reg.state.challenge().to_base64url();
    assert_redacted(&err, &[issued, reissued, b64::encode(reg.cred.id())]);
}

#[test]
fn authentication_errors_reveal_no_challenge_origin_or_credential_id() {
    let mut auth = Auth::new();
    let secrets =
        |auth: &Auth| vec![auth.state.challenge().to_base64url(), EVIL_ORIGIN.to_owned(), b64::encode(auth.cred.id())];
    let err = assert_fails(auth.verify_defect(|k| k.origin = EVIL_ORIGIN.into()), ErrorKind::Origin, Category::Origin);
    assert_redacted(&err, &secrets(&auth));

    let err = assert_fails(
        auth.verify_tampered(|p, _| *p.signature.last_mut().expect("signature") ^= 1),
        ErrorKind::Signature,
        Category::Signature,
    );
    assert_redacted(&err, &secrets(&auth));

    let err = assert_fails(
        auth.verify_server_defect(|auth| auth.stored.id = vec![0xee; 16]),
        ErrorKind::CredentialId,
        Category::Credential,
    );
    assert_redacted(&err, &[secrets(&auth), vec![b64::encode(&[0xee; 16])]].concat());
}

/// The forms a secret would take in `Debug` output: base64url (what the JSON carries), hex,
/// Rust's slice notation and, when it is text, the text.
fn leak_forms(secret: &[u8]) -> Vec<String> {
    let mut forms = vec![b64::encode(secret), secret.iter().map(|b| format!("{b:02x}")).collect()];
    if secret.len() >= 4 {
        forms.push(format!("{:?}", &secret[..4]).trim_end_matches(']').to_owned());
    }
    if let Ok(text) = std::str::from_utf8(secret) {
        forms.push(text.to_owned());
    }
    forms
}

#[track_caller]
fn assert_debug_redacted(what: &str, debug: &str, secrets: &[&[u8]]) {
    for secret in secrets {
        for form in leak_forms(secret) {
            assert!(!debug.contains(&form), "Debug of {what} reveals a secret ({form:?}): {debug}");
        }
    }
}

/// Walks every type that holds a challenge, a user handle, a credential ID or a key, through
/// a real registration and sign-in, and checks that its `Debug` reveals none of them.
#[test]
fn debug_of_every_secret_holding_type_is_redacted() {
    use passkey_verifier::hazmat::auth_data::AuthenticatorData;
    use passkey_verifier::hazmat::client_data::ClientData;
    use passkey_verifier::hazmat::cose::CoseKey;
    use passkey_verifier::store::CeremonyState;
    use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
    use passkey_verifier::{
        start_authentication, start_registration, verify_authentication, verify_registration, AuthenticationOptions,
        AuthenticationResponse, Ceremonies, CredentialDescriptor, CredentialRecord, MemoryStore, RegistrationOptions,
        RegistrationResponse, RelyingParty, SignInChoices, SignInTarget, StateId, UnixTime, User,
    };
    use rand_core::UnwrapErr;

    let now = UnixTime::from_secs(1_750_000_000);
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    let handle: &[u8] = b"SECRET-USER-HANDLE-7734";
    let user = User { id: handle.to_vec(), name: "alice".into(), display_name: "Alice".into() };
    let mut cred = SoftCredential::new(KeyKind::Es256, handle, &mut UnwrapErr(getrandom::SysRng));
    let knobs = Knobs::new("example.com", "https://example.com");
    let descriptor = CredentialDescriptor { id: cred.id().to_vec(), transports: vec!["internal".into()] };

    let mut reg_options = RegistrationOptions::default();
    reg_options.exclude_credentials = vec![descriptor.clone()];
    let (creation, reg_state) =
        start_registration(&rp, &user, &reg_options, &mut UnwrapErr(getrandom::SysRng), now).unwrap();
    let reg_challenge = reg_state.challenge().as_bytes().to_vec();
    let json = cred.register(&reg_challenge, &knobs);
    let reg_response = RegistrationResponse::from_json_str(&json).unwrap();
    let registered = verify_registration(&rp, reg_state.clone(), reg_response.clone(), now).unwrap();
    let stored = registered.to_stored_credential();
    let key = CoseKey::parse(&stored.public_key).unwrap();
    let record = CredentialRecord::new(stored.clone(), registered.alg(), registered.aaguid(), "none", now);

    let mut auth_options = AuthenticationOptions::default();
    auth_options.user_handle = Some(handle.to_vec());
    auth_options.allow_credentials = vec![descriptor.clone()];
    let (request, auth_state) =
        start_authentication(&rp, &auth_options, &mut UnwrapErr(getrandom::SysRng), now).unwrap();
    let auth_challenge = auth_state.challenge().as_bytes().to_vec();
    let assertion = cred.assert(&auth_challenge, &knobs);
    let auth_response = AuthenticationResponse::from_json_str(&assertion).unwrap();
    let client_data = auth_response.client_data_json().to_vec();
    let auth_data_bytes = auth_response.authenticator_data().to_vec();
    let auth_data = AuthenticatorData::parse(&auth_data_bytes).unwrap();
    let attestation_object =
        passkey_verifier::hazmat::attestation_object::AttestationObject::parse(reg_response.attestation_object())
            .unwrap();
    let reg_auth_data = *attestation_object.auth_data();
    let signed_in = verify_authentication(&rp, auth_state.clone(), auth_response.clone(), &stored, now).unwrap();

    let ceremonies = Ceremonies::new(rp.clone(), MemoryStore::new(), MemoryStore::new(), UnwrapErr(getrandom::SysRng))
        .with_clock(ManualClock::new(now));
    use passkey_verifier::testkit::store_conformance::block_on;
    let (reg_id, options) =
        block_on(ceremonies.start_registration(&user, &passkey_verifier::RegistrationChoices::default())).unwrap();
    let challenge_of = |options: &serde_json::Value| b64::decode(options["challenge"].as_str().unwrap()).unwrap();
    let mut device = SoftCredential::new(KeyKind::Es256, handle, &mut UnwrapErr(getrandom::SysRng));
    let json = device.register(&challenge_of(&serde_json::to_value(&options).unwrap()), &knobs);
    let details = passkey_verifier::RegistrationDetails::default();
    block_on(ceremonies.finish_registration(&reg_id, json.as_bytes(), &details)).unwrap();
    let (sign_in_id, options) =
        block_on(ceremonies.start_authentication(SignInTarget::User(handle), &SignInChoices::default())).unwrap();
    let json = device.assert(&challenge_of(&serde_json::to_value(&options).unwrap()), &knobs);
    let sign_in = block_on(ceremonies.finish_authentication(&sign_in_id, json.as_bytes())).unwrap();
    let state_id = StateId::random(&mut UnwrapErr(getrandom::SysRng));
    let (ceremony_id, _) =
        block_on(ceremonies.start_authentication(SignInTarget::Discoverable, &SignInChoices::default())).unwrap();

    let secrets: Vec<&[u8]> = vec![
        handle,
        cred.id(),
        device.id(),
        &reg_challenge,
        &auth_challenge,
        &stored.public_key,
        state_id.as_str().as_bytes(),
        ceremony_id.as_str().as_bytes(),
    ];
    let debugs: Vec<(&str, String)> = vec![
        ("User", format!("{user:?}")),
        ("CredentialDescriptor", format!("{descriptor:?}")),
        ("RegistrationOptions", format!("{reg_options:?}")),
        ("AuthenticationOptions", format!("{auth_options:?}")),
        ("CreationOptionsJson", format!("{creation:?}")),
        ("RequestOptionsJson", format!("{request:?}")),
        ("RegistrationState", format!("{reg_state:?}")),
        ("AuthenticationState", format!("{auth_state:?}")),
        ("Challenge", format!("{:?}", auth_state.challenge())),
        ("CeremonyState", format!("{:?}", CeremonyState::Authentication(auth_state.clone()))),
        ("StateId", format!("{state_id:?}")),
        ("RegistrationResponse", format!("{reg_response:?}")),
        ("AuthenticationResponse", format!("{auth_response:?}")),
        ("VerifiedRegistration", format!("{registered:?}")),
        ("VerifiedAuthentication", format!("{signed_in:?}")),
        ("CredentialUpdate", format!("{:?}", signed_in.update())),
        ("StoredCredential", format!("{stored:?}")),
        ("CredentialRecord", format!("{record:?}")),
        ("CoseKey", format!("{key:?}")),
        ("KeyParams", format!("{:?}", key.params())),
        ("AuthenticatorData (sign-in)", format!("{auth_data:?}")),
        ("AuthenticatorData (registration)", format!("{reg_auth_data:?}")),
        ("AttestedCredentialData", format!("{:?}", reg_auth_data.attested_credential_data())),
        ("ClientData", format!("{:?}", ClientData::parse(&client_data).unwrap())),
        ("SignIn", format!("{sign_in:?}")),
        ("Ceremonies", format!("{ceremonies:?}")),
    ];
    for (what, debug) in &debugs {
        assert_debug_redacted(what, debug, &secrets);
    }
    // The check itself can fail: an unredacted view of the same data is caught.
    let leaky = format!("{:?}", cred.id());
    assert!(leak_forms(cred.id()).iter().any(|form| leaky.contains(form.as_str())));
}
