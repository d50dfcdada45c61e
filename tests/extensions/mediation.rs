//! Conditional mediation bound server-side: conditional create may pass without UP only when
//! its state says so; conditional get is username-less and reported as such.

use super::{knobs, user, NOW};
use getrandom::SysRng;
use passkey_verifier::testkit::{KeyKind, SoftCredential};
use passkey_verifier::{
    start_authentication, start_registration, verify_authentication, verify_registration, AuthenticationOptions,
    AuthenticationResponse, Category, ErrorKind, Flags, Mediation, RegistrationOptions, RegistrationResponse,
    RelyingParty,
};
use rand_core::UnwrapErr;

fn rp() -> RelyingParty {
    RelyingParty::builder("example.com").origin("https://example.com").build().unwrap()
}

#[test]
fn conditional_create_passes_without_up_only_when_its_state_says_so() {
    let rp = rp();
    for mediation in [Mediation::Conditional, Mediation::Modal] {
        let mut options = RegistrationOptions::default();
        options.mediation = mediation;
        let (json, state) = start_registration(&rp, &user(), &options, &mut UnwrapErr(SysRng), NOW).unwrap();
        assert_eq!(json.mediation(), (mediation == Mediation::Conditional).then_some("conditional"));
        assert!(!json.to_json().contains("mediation"), "not a member of the options dictionary");
        let mut cred = SoftCredential::new(KeyKind::Es256, &user().id, &mut UnwrapErr(SysRng));
        let mut k = knobs();
        k.flags = Flags::UV; // the browser created it on its own: no user gesture
        let posted = cred.register(state.challenge().as_bytes(), &k);
        let result = verify_registration(&rp, state, RegistrationResponse::from_json_str(&posted).unwrap(), NOW);
        match mediation {
            Mediation::Conditional => {
                let verified = result.unwrap();
                assert_eq!(verified.mediation(), Mediation::Conditional);
                assert!(!verified.user_present());
            }
            Mediation::Modal => assert_eq!(result.unwrap_err().category(), Category::UserPresence),
        }
    }
}

#[test]
fn conditional_get_is_username_less_and_reported() {
    let rp = rp();
    let mut with_user = AuthenticationOptions::default();
    with_user.mediation = Mediation::Conditional;
    with_user.user_handle = Some(user().id);
    let err = start_authentication(&rp, &with_user, &mut UnwrapErr(SysRng), NOW).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);

    let mut cred = SoftCredential::new(KeyKind::Es256, &user().id, &mut UnwrapErr(SysRng));
    let stored = passkey_verifier::StoredCredential::new(cred.id().to_vec(), cred.cose_public_key(), 0, user().id);
    let mut autofill = AuthenticationOptions::default();
    autofill.mediation = Mediation::Conditional;
    let (json, state) = start_authentication(&rp, &autofill, &mut UnwrapErr(SysRng), NOW).unwrap();
    assert_eq!(json.mediation(), Some("conditional"));
    let value: serde_json::Value = serde_json::from_str(&json.to_json()).unwrap();
    assert_eq!(value["allowCredentials"], serde_json::json!([]));
    let state_again = state.clone();
    let posted = cred.assert(state.challenge().as_bytes(), &knobs());
    let verified =
        verify_authentication(&rp, state, AuthenticationResponse::from_json_str(&posted).unwrap(), &stored, NOW)
            .unwrap();
    assert_eq!(verified.mediation(), Mediation::Conditional);
    assert!(verified.user_present());

    // Autofill still needs a user gesture: UP is required for every sign-in.
    let mut k = knobs();
    k.flags = Flags::UV;
    let posted = cred.assert(state_again.challenge().as_bytes(), &k);
    let err =
        verify_authentication(&rp, state_again, AuthenticationResponse::from_json_str(&posted).unwrap(), &stored, NOW)
            .unwrap_err();
    assert_eq!(err.category(), Category::UserPresence);
}
