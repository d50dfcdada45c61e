//! Fixtures shared by the benchmarks: ceremonies produced by the software authenticator,
//! built once, outside every timed loop.

#![allow(dead_code, clippy::expect_used)]

use passkey_verifier::hazmat::cose::{CoseKey, KeyParams};
use passkey_verifier::hazmat::crypto;
use passkey_verifier::testkit::pki::TestCa;
use passkey_verifier::testkit::{KeyKind, Knobs, SoftAttestation, SoftCredential};
use passkey_verifier::{
    start_authentication, start_registration, verify_authentication, verify_registration, AuthenticationOptions,
    AuthenticationResponse, AuthenticationState, CredentialDescriptor, Policy, RegistrationOptions,
    RegistrationResponse, RegistrationState, RelyingParty, StoredCredential, UnixTime, User,
};
use rand_core::UnwrapErr;

pub const RP_ID: &str = "example.com";
pub const ORIGIN: &str = "https://example.com";
pub const USER_HANDLE: &[u8] = b"bench-user-handle-0001";
/// The ceremonies start at NOW; their state expires 300 s later, far after every run.
pub const NOW: UnixTime = UnixTime::from_secs(1_750_000_000);
pub const VALIDITY: (u64, u64) = (1_700_000_000, 1_800_000_000);
pub const PACKED_SUBJECT: &str = "C=US,O=Bench,OU=Authenticator Attestation,CN=Bench Key";

/// The operating system's RNG, as the crate's `rand_core` traits want it.
pub fn rng() -> UnwrapErr<getrandom::SysRng> {
    UnwrapErr(getrandom::SysRng)
}

pub fn relying_party() -> RelyingParty {
    RelyingParty::builder(RP_ID).name("Bench").origin(ORIGIN).build().expect("relying party")
}

pub fn user() -> User {
    User { id: USER_HANDLE.to_vec(), name: "bench@example.com".into(), display_name: "Bench".into() }
}

/// A registration response and the state it answers.
pub struct RegistrationFixture {
    pub rp: RelyingParty,
    pub state: RegistrationState,
    pub json: Vec<u8>,
}

impl RegistrationFixture {
    pub fn new(soft: &mut SoftCredential, attestation: SoftAttestation) -> Self {
        let rp = relying_party();
        let (_, state) =
            start_registration(&rp, &user(), &RegistrationOptions::default(), &mut rng(), NOW).expect("start");
        let mut knobs = Knobs::new(RP_ID, ORIGIN);
        knobs.attestation = attestation;
        let json = soft.register(state.challenge().as_bytes(), &knobs).into_bytes();
        Self { rp, state, json }
    }

    /// What the registration benchmarks time: parse the JSON bytes, verify the response.
    pub fn run(&self) -> passkey_verifier::VerifiedRegistration {
        let response = RegistrationResponse::from_json(&self.json).expect("registration JSON");
        verify_registration(&self.rp, self.state.clone(), response, NOW).expect("registration verifies")
    }

    /// The same fixture at a relying party that trusts `root` and requires trust.
    pub fn trusting(mut self, root: &TestCa) -> Self {
        let mut policy = Policy::default();
        policy.require_trusted_attestation = true;
        self.rp = RelyingParty::builder(RP_ID)
            .origin(ORIGIN)
            .attestation_root(root.cert_der())
            .policy(policy)
            .build()
            .expect("relying party");
        self
    }
}

/// An assertion response, the state and stored credential it verifies against, and the
/// pieces a bare signature verification needs.
pub struct AssertionFixture {
    pub rp: RelyingParty,
    pub state: AuthenticationState,
    pub credential: StoredCredential,
    pub json: Vec<u8>,
    /// `authenticatorData || SHA-256(clientDataJSON)`: what the signature covers.
    pub message: Vec<u8>,
    pub client_data_json: Vec<u8>,
    pub authenticator_data: Vec<u8>,
    pub signature: Vec<u8>,
    /// States cloned before a timed batch ([`AssertionFixture::stock`]): a verification consumes
    /// its state, and cloning it is the benchmark's work, not the crate's.
    states: std::cell::RefCell<Vec<AuthenticationState>>,
}

impl AssertionFixture {
    pub fn new(kind: KeyKind) -> Self {
        let mut soft = SoftCredential::new(kind, USER_HANDLE, &mut rng());
        let credential = RegistrationFixture::new(&mut soft, SoftAttestation::None).run().to_stored_credential();

        let rp = relying_party();
        let mut options = AuthenticationOptions::default();
        options.user_handle = Some(USER_HANDLE.to_vec());
        options.allow_credentials =
            vec![CredentialDescriptor { id: credential.id.clone(), transports: vec!["internal".into()] }];
        let (_, state) = start_authentication(&rp, &options, &mut rng(), NOW).expect("start authentication");
        let json = soft.assert(state.challenge().as_bytes(), &Knobs::new(RP_ID, ORIGIN)).into_bytes();

        let parsed = AuthenticationResponse::from_json(&json).expect("assertion JSON");
        let mut message = parsed.authenticator_data().to_vec();
        message.extend_from_slice(&crypto::sha256(parsed.client_data_json()));
        let fixture = Self {
            client_data_json: parsed.client_data_json().to_vec(),
            authenticator_data: parsed.authenticator_data().to_vec(),
            signature: parsed.signature().to_vec(),
            rp,
            state,
            credential,
            json,
            message,
            states: std::cell::RefCell::default(),
        };
        fixture.run();
        fixture
    }

    /// What the assertion benchmarks time: parse the JSON bytes, verify the assertion (with a
    /// stocked state when there is one, else a clone made here).
    pub fn run(&self) -> passkey_verifier::VerifiedAuthentication {
        let state = self.states.borrow_mut().pop().unwrap_or_else(|| self.state.clone());
        let response = AuthenticationResponse::from_json(&self.json).expect("assertion JSON");
        verify_authentication(&self.rp, state, response, &self.credential, NOW).expect("assertion verifies")
    }

    /// Clones `n` states for the next `n` runs, outside the timed loop.
    pub fn stock(&self, n: u32) {
        let mut states = self.states.borrow_mut();
        states.clear();
        states.extend((0..n).map(|_| self.state.clone()));
    }

    pub fn cose_key(&self) -> CoseKey<'_> {
        CoseKey::parse(&self.credential.public_key).expect("stored COSE key")
    }

    /// The uncompressed SEC1 point of an EC2 credential key.
    pub fn sec1_point(&self) -> Vec<u8> {
        let KeyParams::Ec2 { x, y, .. } = *self.cose_key().params() else { panic!("not an EC2 key") };
        [&[0x04][..], x, y].concat()
    }

    /// The 32 bytes of an Ed25519 credential key.
    pub fn ed25519_key(&self) -> [u8; 32] {
        let KeyParams::Ed25519 { x } = *self.cose_key().params() else { panic!("not an OKP key") };
        *x
    }

    /// The big-endian modulus and exponent of an RSA credential key.
    pub fn rsa_components(&self) -> (Vec<u8>, Vec<u8>) {
        let KeyParams::Rsa { n, e } = *self.cose_key().params() else { panic!("not an RSA key") };
        (n.to_vec(), e.to_vec())
    }
}
