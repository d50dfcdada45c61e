//! The Signal API values the ceremony layer produces: the unknown-credential signal of a
//! failed sign-in, the accepted list after registration and deletion (with the ownership
//! check), and the current user details after a rename.

use getrandom::SysRng;
use passkey_verifier::hazmat::b64;
use passkey_verifier::testkit::store_conformance::block_on;
use passkey_verifier::testkit::{KeyKind, Knobs, ManualClock, SoftCredential};
use passkey_verifier::{
    Category, Ceremonies, CredentialStore, CurrentUserDetails, ErrorKind, MemoryStore, RegistrationChoices,
    RegistrationDetails, RelyingParty, SignInChoices, SignInTarget, UnixTime, UnknownCredential, User,
};
use rand_core::UnwrapErr;

const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);

fn ceremonies() -> Ceremonies<MemoryStore, MemoryStore> {
    let rp = RelyingParty::builder("example.com").origin("https://example.com").build().unwrap();
    Ceremonies::new(rp, MemoryStore::new(), MemoryStore::new(), UnwrapErr(SysRng)).with_clock(ManualClock::new(NOW))
}

fn user(handle: &[u8]) -> User {
    User { id: handle.to_vec(), name: "alice@example.com".into(), display_name: "Alice".into() }
}

fn challenge_of(options: &impl serde::Serialize) -> Vec<u8> {
    let v = serde_json::to_value(options).unwrap();
    b64::decode(v["challenge"].as_str().unwrap()).unwrap()
}

fn knobs() -> Knobs {
    Knobs::new("example.com", "https://example.com")
}

fn register(c: &Ceremonies<MemoryStore, MemoryStore>, handle: &[u8]) -> SoftCredential {
    let (id, options) = block_on(c.start_registration(&user(handle), &RegistrationChoices::default())).unwrap();
    let mut cred = SoftCredential::new(KeyKind::Es256, handle, &mut UnwrapErr(SysRng));
    let json = cred.register(&challenge_of(&options), &knobs());
    block_on(c.finish_registration(&id, json.as_bytes(), &RegistrationDetails::default())).unwrap();
    cred
}

fn sign_in(
    c: &Ceremonies<MemoryStore, MemoryStore>,
    cred: &mut SoftCredential,
) -> Result<passkey_verifier::SignIn, passkey_verifier::CeremonyError> {
    let (id, options) =
        block_on(c.start_authentication(SignInTarget::Discoverable, &SignInChoices::default())).unwrap();
    let json = cred.assert(&challenge_of(&options), &knobs());
    block_on(c.finish_authentication(&id, json.as_bytes()))
}

#[test]
fn a_sign_in_with_an_unknown_credential_returns_the_unknown_credential_signal() {
    let c = ceremonies();
    let mut stranger = SoftCredential::new(KeyKind::Es256, b"alice", &mut UnwrapErr(SysRng));
    let err = sign_in(&c, &mut stranger).unwrap_err();
    assert_eq!(err.category(), Category::Credential);
    assert_eq!(err.kind(), Some(ErrorKind::CredentialNotFound));
    let signal = err.unknown_credential().expect("the unknown-credential signal");
    assert_eq!(signal.credential_id(), stranger.id());
    assert_eq!(
        signal.to_json(),
        format!(r#"{{"rpId":"example.com","credentialId":"{}"}}"#, b64::encode(stranger.id()))
    );
    assert_eq!(signal, &UnknownCredential::new(c.relying_party(), stranger.id()));
    // Neither the error's text nor its Debug shows the credential ID.
    let encoded = b64::encode(stranger.id());
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(&encoded), "{text}");
    }
    // Other failures carry no such signal.
    let mut known = register(&c, b"alice");
    assert!(sign_in(&c, &mut known).is_ok());
    let mut wrong = knobs();
    wrong.origin = "https://evil.example".into();
    let (id, options) =
        block_on(c.start_authentication(SignInTarget::Discoverable, &SignInChoices::default())).unwrap();
    let json = known.assert(&challenge_of(&options), &wrong);
    let err = block_on(c.finish_authentication(&id, json.as_bytes())).unwrap_err();
    assert_eq!(err.category(), Category::Origin);
    assert!(err.unknown_credential().is_none());
}

#[test]
fn registration_and_deletion_yield_the_accepted_list() {
    let c = ceremonies();
    let first = register(&c, b"alice");
    let signal = block_on(c.all_accepted_credentials(b"alice")).unwrap();
    assert_eq!(
        signal.to_json(),
        format!(
            r#"{{"rpId":"example.com","userId":"{}","allAcceptedCredentialIds":["{}"]}}"#,
            b64::encode(b"alice"),
            b64::encode(first.id())
        )
    );
    let mut second = register(&c, b"alice");
    let _bob = register(&c, b"bob");
    let signal = block_on(c.all_accepted_credentials(b"alice")).unwrap();
    assert_eq!(signal.credential_ids(), [first.id().to_vec(), second.id().to_vec()]);

    let signal = block_on(c.delete_credential(b"alice", first.id())).unwrap();
    assert_eq!(signal.user_id(), b"alice");
    assert_eq!(
        signal.to_json(),
        format!(
            r#"{{"rpId":"example.com","userId":"YWxpY2U","allAcceptedCredentialIds":["{}"]}}"#,
            b64::encode(second.id())
        )
    );
    assert!(block_on(c.credentials().get(first.id())).unwrap().is_none());
    // Deleting it again, or deleting an ID nobody has, fails.
    let err = block_on(c.delete_credential(b"alice", first.id())).unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::CredentialNotFound));
    // The remaining credential still signs in; the last one can go too.
    assert!(sign_in(&c, &mut second).is_ok());
    let signal = block_on(c.delete_credential(b"alice", second.id())).unwrap();
    assert_eq!(signal.to_json(), r#"{"rpId":"example.com","userId":"YWxpY2U","allAcceptedCredentialIds":[]}"#);
    // A deleted credential is unknown at the next sign-in: the page gets the signal for it.
    let err = sign_in(&c, &mut second).unwrap_err();
    assert_eq!(err.unknown_credential().map(UnknownCredential::credential_id), Some(second.id()));
}

#[test]
fn another_users_credential_cannot_be_deleted() {
    let c = ceremonies();
    let _alice = register(&c, b"alice");
    let mut bob = register(&c, b"bob");
    let err = block_on(c.delete_credential(b"alice", bob.id())).unwrap_err();
    // The same failure as an unknown ID: nothing is revealed about Bob's account.
    assert_eq!((err.kind(), err.category()), (Some(ErrorKind::CredentialNotFound), Category::Credential));
    assert!(err.unknown_credential().is_none());
    assert!(block_on(c.credentials().get(bob.id())).unwrap().is_some());
    assert_eq!(block_on(c.all_accepted_credentials(b"bob")).unwrap().credential_ids(), [bob.id().to_vec()]);
    assert!(sign_in(&c, &mut bob).is_ok());
}

#[test]
fn a_rename_yields_the_current_user_details() {
    let c = ceremonies();
    let mut renamed = user(b"alice");
    renamed.name = "alice@example.org".into();
    renamed.display_name = "Alice Liddell".into();
    let signal = c.current_user_details(&renamed);
    assert_eq!(
        signal.to_json(),
        r#"{"rpId":"example.com","userId":"YWxpY2U","name":"alice@example.org","displayName":"Alice Liddell"}"#
    );
    assert_eq!(signal, CurrentUserDetails::new(c.relying_party(), &renamed));
    let debug = format!("{signal:?}");
    assert!(!debug.contains("alice") && !debug.contains("Liddell") && !debug.contains("YWxpY2U"), "{debug}");
}
