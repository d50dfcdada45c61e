//! A registration and two sign-ins, end to end, with the software authenticator standing in
//! for a phone. Run it with:
//!
//! ```text
//! cargo run --example quickstart
//! ```

use getrandom::SysRng;
use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
use passkey_verifier::{
    start_authentication, start_registration, verify_authentication, verify_registration, AuthenticationOptions,
    AuthenticationResponse, CredentialDescriptor, RegistrationOptions, RegistrationResponse, RelyingParty, UnixTime,
    User, UserVerification,
};
use rand_core::UnwrapErr;

fn main() -> Result<(), passkey_verifier::Error> {
    // The relying party: its RP ID and the exact origins it serves.
    let rp = RelyingParty::builder("example.com").name("Example").origin("https://example.com").build()?;
    let mut now = UnixTime::from_secs(1_750_000_000);

    // 1. Registration: issue options (JSON for the browser) and keep the state server-side.
    let user = User { id: b"user-7f3a9c".to_vec(), name: "alice@example.com".into(), display_name: "Alice".into() };
    let mut options = RegistrationOptions::default();
    options.user_verification = UserVerification::Required;
    let (creation_options, reg_state) = start_registration(&rp, &user, &options, &mut UnwrapErr(SysRng), now)?;
    println!("creation options sent to the browser: {} bytes of JSON", creation_options.to_json().len());

    // The phone creates a passkey and answers (here: the software authenticator).
    let mut phone = SoftCredential::new(KeyKind::Es256, &user.id, &mut UnwrapErr(SysRng));
    let knobs = Knobs::new("example.com", "https://example.com");
    let response_json = phone.register(reg_state.challenge().as_bytes(), &knobs);

    let registration = verify_registration(&rp, reg_state, RegistrationResponse::from_json_str(&response_json)?, now)?;
    println!(
        "registered: alg {:?}, attestation {} ({}), user verified {}, backup eligible {}, sign count {}",
        registration.alg(),
        registration.attestation().format().as_str(),
        registration.attestation().kind().as_str(),
        registration.flags().user_verified(),
        registration.flags().backup_eligible(),
        registration.sign_count(),
    );
    let mut stored = registration.to_stored_credential();

    // 2. Two sign-ins: each gets a fresh single-use challenge; the counter must move forward.
    for attempt in 1..=2 {
        now = now.plus_secs(60);
        let mut options = AuthenticationOptions::default();
        options.user_handle = Some(user.id.clone());
        options.user_verification = UserVerification::Required;
        options.allow_credentials = vec![CredentialDescriptor { id: stored.id.clone(), transports: vec![] }];
        let (_request_options, auth_state) = start_authentication(&rp, &options, &mut UnwrapErr(SysRng), now)?;

        let assertion = phone.assert(auth_state.challenge().as_bytes(), &knobs);
        let verified =
            verify_authentication(&rp, auth_state, AuthenticationResponse::from_json_str(&assertion)?, &stored, now)?;
        println!(
            "sign-in {attempt}: signature valid, user verified {}, counter {:?} (now {})",
            verified.user_verified(),
            verified.counter(),
            verified.sign_count(),
        );
        stored.sign_count = verified.sign_count();
    }

    // 3. A cloned authenticator replaying an old counter is refused.
    now = now.plus_secs(60);
    let (_, auth_state) = start_authentication(&rp, &AuthenticationOptions::default(), &mut UnwrapErr(SysRng), now)?;
    let mut clone = knobs.clone();
    clone.sign_count = Some(stored.sign_count);
    let replay = phone.assert(auth_state.challenge().as_bytes(), &clone);
    match verify_authentication(&rp, auth_state, AuthenticationResponse::from_json_str(&replay)?, &stored, now) {
        Ok(_) => println!("unexpected: a cloned counter was accepted"),
        Err(e) => println!("cloned authenticator refused: {e} (category {})", e.category()),
    }
    Ok(())
}
