//! Shared by the ceremony targets: a relying party and challenge that mirror the input, so a
//! mutated capture gets past the challenge/origin/rpIdHash checks to the deep steps.

use passkey_verifier::hazmat::b64;
use passkey_verifier::hazmat::client_data::ClientData;
use passkey_verifier::{Challenge, Policy, RelyingParty};

/// Every RP ID in the shared vectors (plus example.com); the one whose SHA-256 is the
/// authenticator data's rpIdHash is used.
const RP_IDS: &[&str] = &[
    "localhost",
    "example.com",
    "example.org",
    "dev.dontneeda.pw",
    "dev2.dontneeda.pw",
    "webauthn.io",
    "webauthntest.azurewebsites.net",
    "duo.test",
    "pwl.ngrok.io",
    "6cc3c9e7967a.ngrok.io",
    "gramthanos.github.io",
    "webauthn.firstyear.id.au",
    "try-webauthn.appspot.com",
    "authress.io",
    "netpassport.io",
    "portal.fxon.com",
    "simplewebauthn.dev",
];

fn rp_id_for(hash: Option<&[u8; 32]>) -> &'static str {
    hash.and_then(|h| RP_IDS.iter().copied().find(|id| &passkey_verifier::hazmat::crypto::sha256(id.as_bytes()) == h))
        .unwrap_or("localhost")
}

/// The default policy, or (when `relaxed`) every opt-in switched on.
pub fn policy(relaxed: bool) -> Policy {
    let mut p = Policy::default();
    if relaxed {
        p.dangerous.allow_sha1 = true;
        p.dangerous.allow_test_tpm_vendors = true;
        p.counter = passkey_verifier::CounterPolicy::Report;
        p.sticky_user_verification = true;
    }
    p
}

/// The challenge the client data claims, when it decodes to an acceptable challenge.
pub fn challenge(cd: &ClientData<'_>) -> Option<Challenge> {
    Challenge::from_bytes(b64::decode(cd.challenge()).ok()?).ok()
}

/// A relying party that accepts the client data's origin (and top origin) and whose RP ID
/// matches `rp_id_hash` when it is one of the vectors' RP IDs.
pub fn rp(cd: &ClientData<'_>, rp_id_hash: Option<&[u8; 32]>, relaxed: bool) -> Option<RelyingParty> {
    let rp_id = rp_id_for(rp_id_hash);
    // A web origin outside the RP ID must be declared related; app origins are plain entries.
    let own = passkey_verifier::Origin::parse(cd.origin())
        .is_ok_and(|o| !matches!(o, passkey_verifier::Origin::Web { .. }) || o.is_within_rp_id(rp_id));
    let b = RelyingParty::builder(rp_id).policy(policy(relaxed));
    let mut b = if own { b.origin(cd.origin()) } else { b.related_origin(cd.origin()) };
    if let Some(top) = cd.top_origin() {
        b = b.top_origin(top);
    } else if cd.cross_origin() == Some(true) {
        b = b.top_origin("https://top.example");
    }
    b.build().ok()
}
