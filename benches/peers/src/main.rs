//! passkey-verifier side by side with webauthn-rs, on the same JSON bytes, in one interleaved
//! run.
//!
//! Two operations, each timed from the JSON bytes a browser's `PublicKeyCredential.toJSON()`
//! produces to a verified result:
//!
//! 1. an ES256 assertion (plus, as a third column, the bare P-256 signature verification it
//!    contains: the floor);
//! 2. a registration with an ES256 key and `none` attestation.
//!
//! webauthn-rs issues every challenge; passkey-verifier's software authenticator answers it; each
//! library then checks that one byte string against its own ceremony state for that challenge.
//!
//! Harness: per operation and contestant, an iteration count is calibrated so one batch takes
//! about 20 ms; then R rounds (31; `PEERS_ROUNDS` overrides) each time one batch of every
//! contestant, in an order rotated every round. Reported: the median per-iteration time of each,
//! and the median of the per-round ratios. `--quick` or `PEERS_QUICK=1`: 3 rounds of tiny
//! batches, a smoke test.
//!
//! Run: `cargo run --release --manifest-path benches/peers/Cargo.toml`

use std::hint::black_box;
use std::time::{Duration, Instant};

use p256::ecdsa::signature::Verifier as _;
use passkey_verifier::hazmat::cose::{CoseKey, KeyParams};
use passkey_verifier::testkit::{authentication_json, KeyKind, Knobs, SoftCredential};
use passkey_verifier::{
    verify_authentication, verify_registration, AuthenticationResponse, AuthenticationState, Challenge, CoseAlgorithm,
    RegistrationResponse, RegistrationState, RelyingParty, StoredCredential, UnixTime, UserVerification,
};
use sha2::Digest as _;
use webauthn_rs::prelude::{
    Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid,
    Webauthn, WebauthnBuilder,
};

const RP_ID: &str = "example.com";
const ORIGIN: &str = "https://example.com";

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

// ---------------------------------------------------------------------------------------------
// Fixtures: one authenticator, one user, two relying parties configured alike.
// ---------------------------------------------------------------------------------------------

struct Peers {
    webauthn: Webauthn,
    rp: RelyingParty,
    /// When the passkey-verifier states were made; every verification is "now" (the states
    /// expire an hour later, and the crate never reads a clock).
    now: UnixTime,
    user_id: Uuid,
}

impl Peers {
    fn new() -> Self {
        let origin = Url::parse(ORIGIN).expect("origin URL");
        let webauthn = WebauthnBuilder::new(RP_ID, &origin)
            .expect("webauthn-rs builder")
            .rp_name("Bench")
            .build()
            .expect("webauthn-rs");
        let rp = RelyingParty::builder(RP_ID).name("Bench").origin(ORIGIN).build().expect("relying party");
        Self { webauthn, rp, now: UnixTime::now(), user_id: Uuid::new_v4() }
    }

    fn knobs() -> Knobs {
        // UP and UV set (passkeys require UV in webauthn-rs), no BE/BS, counter incremented.
        Knobs::new(RP_ID, ORIGIN)
    }
}

/// A registration: one response, the state of each library for its challenge.
struct Registration {
    json: Vec<u8>,
    pv_state: RegistrationState,
    wr_state: PasskeyRegistration,
}

impl Registration {
    fn new(peers: &Peers, soft: &mut SoftCredential) -> Self {
        let (ccr, wr_state) = peers
            .webauthn
            .start_passkey_registration(peers.user_id, "bench@example.com", "Bench", None)
            .expect("webauthn-rs start registration");
        let challenge = ccr.public_key.challenge.clone();
        let json = soft.register(&challenge, &Peers::knobs()).into_bytes();
        let pv_state = RegistrationState::new(
            Challenge::from_bytes(challenge).expect("challenge"),
            peers.user_id.as_bytes().to_vec(),
            // What start_passkey_registration asks for: UV required, ES256, ES384, RS256.
            UserVerification::Required,
            vec![CoseAlgorithm::Es256, CoseAlgorithm::Es384, CoseAlgorithm::Rs256],
            peers.now.plus_secs(3600),
        ).expect("state");
        Self { json, pv_state, wr_state }
    }

    fn pv(&self, peers: &Peers, json: &[u8]) -> passkey_verifier::VerifiedRegistration {
        let response = RegistrationResponse::from_json(json).expect("passkey-verifier: registration JSON");
        verify_registration(&peers.rp, self.pv_state.clone(), response, peers.now).expect("passkey-verifier: registration")
    }

    fn wr(&self, peers: &Peers, json: &[u8]) -> Passkey {
        let response: RegisterPublicKeyCredential =
            serde_json::from_slice(json).expect("webauthn-rs: registration JSON");
        peers.webauthn.finish_passkey_registration(&response, &self.wr_state).expect("webauthn-rs: registration")
    }
}

/// A sign-in with the credential registered above, and the stored credential of each library.
struct Assertion {
    json: Vec<u8>,
    pv_state: AuthenticationState,
    pv_credential: StoredCredential,
    wr_state: PasskeyAuthentication,
    /// For the bare verification: the SEC1 point, the DER signature, and the signed data.
    point: Vec<u8>,
    signature: Vec<u8>,
    authenticator_data: Vec<u8>,
    client_data_json: Vec<u8>,
    /// The same sign-in with a valid signature over other bytes: both libraries must refuse it.
    forged_json: Vec<u8>,
}

impl Assertion {
    fn new(peers: &Peers, soft: &mut SoftCredential, registration: &Registration) -> Self {
        let pv_credential = registration.pv(peers, &registration.json).to_stored_credential();
        let passkey = registration.wr(peers, &registration.json);

        let (rcr, wr_state) =
            peers.webauthn.start_passkey_authentication(&[passkey]).expect("webauthn-rs start authentication");
        let challenge = rcr.public_key.challenge.clone();
        let json = soft.assert(&challenge, &Peers::knobs()).into_bytes();
        let pv_state = AuthenticationState::new(
            Challenge::from_bytes(challenge).expect("challenge"),
            // The user is known before the ceremony, as in webauthn-rs's passkey flow.
            Some(peers.user_id.as_bytes().to_vec()),
            UserVerification::Required,
            vec![pv_credential.id.clone()],
            peers.now.plus_secs(3600),
        ).expect("state");

        let parsed = AuthenticationResponse::from_json(&json).expect("assertion JSON");
        let KeyParams::Ec2 { x, y, .. } = *CoseKey::parse(&pv_credential.public_key).expect("COSE key").params() else {
            panic!("ES256 key is not EC2")
        };
        let point = [&[0x04][..], x, y].concat();
        let forged_signature = soft.sign(b"some other message");
        let forged_json = authentication_json(
            parsed.raw_id(),
            parsed.client_data_json(),
            parsed.authenticator_data(),
            &forged_signature,
            parsed.user_handle(),
        )
        .into_bytes();
        Self {
            point,
            signature: parsed.signature().to_vec(),
            authenticator_data: parsed.authenticator_data().to_vec(),
            client_data_json: parsed.client_data_json().to_vec(),
            json,
            pv_state,
            pv_credential,
            wr_state,
            forged_json,
        }
    }

    fn pv_result(
        &self,
        peers: &Peers,
        json: &[u8],
    ) -> passkey_verifier::Result<passkey_verifier::VerifiedAuthentication> {
        let response = AuthenticationResponse::from_json(json)?;
        verify_authentication(&peers.rp, self.pv_state.clone(), response, &self.pv_credential, peers.now)
    }

    fn wr_result(
        &self,
        peers: &Peers,
        json: &[u8],
    ) -> Result<webauthn_rs::prelude::AuthenticationResult, webauthn_rs::prelude::WebauthnError> {
        let response: PublicKeyCredential = serde_json::from_slice(json).expect("webauthn-rs: assertion JSON");
        peers.webauthn.finish_passkey_authentication(&response, &self.wr_state)
    }

    fn pv(&self, peers: &Peers, json: &[u8]) -> passkey_verifier::VerifiedAuthentication {
        self.pv_result(peers, json).expect("passkey-verifier: assertion")
    }

    fn wr(&self, peers: &Peers, json: &[u8]) -> webauthn_rs::prelude::AuthenticationResult {
        self.wr_result(peers, json).expect("webauthn-rs: assertion")
    }

    /// The floor: key and signature decoding, the message, one P-256 verification.
    fn bare(&self, point: &[u8], signature: &[u8], authenticator_data: &[u8], client_data_json: &[u8]) -> bool {
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).expect("P-256 key");
        let sig = p256::ecdsa::Signature::from_der(signature).expect("DER signature");
        let mut message = Vec::with_capacity(authenticator_data.len() + 32);
        message.extend_from_slice(authenticator_data);
        message.extend_from_slice(&sha2::Sha256::digest(client_data_json));
        key.verify(&message, &sig).is_ok()
    }
}

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

struct Config {
    rounds: usize,
    /// The time one calibrated batch should take.
    batch: Duration,
    quick: bool,
}

impl Config {
    fn from_env() -> Self {
        let quick = std::env::args().any(|a| a == "--quick")
            || std::env::var("PEERS_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        let rounds = if quick {
            3
        } else {
            std::env::var("PEERS_ROUNDS").ok().and_then(|v| v.parse().ok()).filter(|&r| r > 0).unwrap_or(31)
        };
        let batch = if quick { Duration::from_micros(500) } else { Duration::from_millis(20) };
        Self { rounds, batch, quick }
    }
}

struct Contestant<'a> {
    name: &'static str,
    run: Box<dyn FnMut() + 'a>,
}

impl<'a> Contestant<'a> {
    fn new(name: &'static str, run: impl FnMut() + 'a) -> Self {
        Self { name, run: Box::new(run) }
    }

    fn batch(&mut self, n: u64) -> Duration {
        let start = Instant::now();
        for _ in 0..n {
            (self.run)();
        }
        start.elapsed()
    }

    /// The iteration count for one batch of about `target`.
    fn calibrate(&mut self, target: Duration) -> u64 {
        self.batch(3); // warm caches and allocator
        let mut n = 1u64;
        loop {
            let t = self.batch(n);
            if t >= target / 8 || n >= 1 << 30 {
                let per = t.as_secs_f64() / n as f64;
                return ((target.as_secs_f64() / per).round() as u64).max(1);
            }
            n *= 2;
        }
    }
}

struct Measured {
    name: &'static str,
    n: u64,
    /// Per-iteration seconds, one per round.
    per_iter: Vec<f64>,
}

/// Times every contestant once per round, the order rotated each round; returns the
/// per-iteration times by contestant.
fn interleave(config: &Config, contestants: &mut [Contestant<'_>]) -> Vec<Measured> {
    let ns: Vec<u64> = contestants.iter_mut().map(|c| c.calibrate(config.batch)).collect();
    let mut per_iter = vec![Vec::with_capacity(config.rounds); contestants.len()];
    let k = contestants.len();
    for round in 0..config.rounds {
        for slot in 0..k {
            let i = (slot + round) % k;
            let t = contestants[i].batch(ns[i]);
            per_iter[i].push(t.as_secs_f64() / ns[i] as f64);
        }
    }
    if std::env::var("PEERS_VERBOSE").is_ok_and(|v| !v.is_empty() && v != "0") {
        for (c, times) in contestants.iter().zip(&per_iter) {
            let line: Vec<String> = times.iter().map(|t| format!("{:.1}", t * 1e6)).collect();
            eprintln!("{:>16} µs/iter by round: {}", c.name, line.join(" "));
        }
    }
    contestants.iter().zip(ns).zip(per_iter).map(|((c, n), per_iter)| Measured { name: c.name, n, per_iter }).collect()
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Median, minimum and maximum of the per-round ratios a/b.
fn ratio(a: &Measured, b: &Measured) -> (f64, f64, f64) {
    let r: Vec<f64> = a.per_iter.iter().zip(&b.per_iter).map(|(x, y)| x / y).collect();
    (median(&r), r.iter().copied().fold(f64::INFINITY, f64::min), r.iter().copied().fold(0.0, f64::max))
}

fn us(seconds: f64) -> String {
    format!("{:.2}", seconds * 1e6)
}

fn fmt_ratio((m, lo, hi): (f64, f64, f64)) -> String {
    format!("{m:.3} ({lo:.3}–{hi:.3})")
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn nproc() -> String {
    std::process::Command::new("nproc")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or("?".to_owned(), |n| n.to_string()))
}

/// Busy CPU ticks of the whole machine and of this process (USER_HZ), from /proc.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat.lines().next()?.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal ...
    let busy = fields.iter().take(8).sum::<u64>() - fields.get(3)? - fields.get(4)?;
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_comm = own.rsplit_once(')')?.1;
    let f: Vec<&str> = after_comm.split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15 (1-based, in proc(5)).
    let mine = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some((busy, mine))
}

fn main() {
    let config = Config::from_env();
    let start_ticks = cpu_ticks();
    let start = Instant::now();
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for meaningful numbers");
    }

    let peers = Peers::new();
    let mut soft = SoftCredential::new(KeyKind::Es256, peers.user_id.as_bytes(), &mut rng());
    let registration = Registration::new(&peers, &mut soft);
    let assertion = Assertion::new(&peers, &mut soft, &registration);

    // Both accept the same bytes, and agree on what they stored.
    let pv_reg = registration.pv(&peers, &registration.json);
    let wr_reg = registration.wr(&peers, &registration.json);
    assert_eq!(pv_reg.credential_id(), wr_reg.cred_id().as_slice(), "credential IDs differ");
    assert_eq!(pv_reg.sign_count(), 1);
    let pv_auth = assertion.pv(&peers, &assertion.json);
    let wr_auth = assertion.wr(&peers, &assertion.json);
    assert_eq!(pv_auth.sign_count(), 2);
    assert_eq!(wr_auth.counter(), 2);
    assert!(pv_auth.user_verified() && wr_auth.user_verified());
    // Both run the signature check: a valid signature over other bytes fails in each.
    assert!(
        assertion.pv_result(&peers, &assertion.forged_json).is_err(),
        "passkey-verifier accepted a forged signature"
    );
    assert!(assertion.wr_result(&peers, &assertion.forged_json).is_err(), "webauthn-rs accepted a forged signature");
    assert!(
        assertion.bare(
            &assertion.point,
            &assertion.signature,
            &assertion.authenticator_data,
            &assertion.client_data_json
        ),
        "bare ES256 verifies"
    );
    // And repeat: neither state nor stored credential changes between iterations.
    assertion.pv(&peers, &assertion.json);
    assertion.wr(&peers, &assertion.json);

    let es256 = {
        let json = assertion.json.as_slice();
        let a = &assertion;
        let p = &peers;
        let mut contestants = [
            Contestant::new("passkey-verifier", move || {
                black_box(a.pv(p, black_box(json)));
            }),
            Contestant::new("webauthn-rs", move || {
                black_box(a.wr(p, black_box(json)));
            }),
            Contestant::new("bare p256", move || {
                assert!(black_box(a.bare(
                    black_box(&a.point),
                    black_box(&a.signature),
                    black_box(&a.authenticator_data),
                    black_box(&a.client_data_json),
                )));
            }),
        ];
        interleave(&config, &mut contestants)
    };

    let none_reg = {
        let json = registration.json.as_slice();
        let r = &registration;
        let p = &peers;
        let mut contestants = [
            Contestant::new("passkey-verifier", move || {
                black_box(r.pv(p, black_box(json)));
            }),
            Contestant::new("webauthn-rs", move || {
                black_box(r.wr(p, black_box(json)));
            }),
        ];
        interleave(&config, &mut contestants)
    };

    let elapsed = start.elapsed().as_secs_f64();
    let background = start_ticks.zip(cpu_ticks()).filter(|_| elapsed >= 1.0).map(|((b0, m0), (b1, m1))| {
        // USER_HZ is 100 on Linux.
        (b1.saturating_sub(b0).saturating_sub(m1.saturating_sub(m0))) as f64 / 100.0 / elapsed
    });

    println!("# passkey-verifier vs webauthn-rs (same JSON bytes, interleaved)\n");
    if config.quick {
        println!("**Quick run (smoke test): 3 rounds of tiny batches; the numbers mean little.**\n");
    }
    println!(
        "Median per-iteration time over {} rounds (batches of ~{} ms, order rotated each round); \
         ratio = median of per-round ratios (min–max in parentheses), < 1 means passkey-verifier is faster.\n",
        config.rounds,
        config.batch.as_secs_f64() * 1e3
    );
    println!("| operation | passkey-verifier (µs) | webauthn-rs (µs) | bare p256 (µs) | passkey-verifier / webauthn-rs | passkey-verifier / bare p256 |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| ES256 assertion from JSON | {} | {} | {} | {} | {} |",
        us(median(&es256[0].per_iter)),
        us(median(&es256[1].per_iter)),
        us(median(&es256[2].per_iter)),
        fmt_ratio(ratio(&es256[0], &es256[1])),
        fmt_ratio(ratio(&es256[0], &es256[2])),
    );
    println!(
        "| 'none' registration (ES256) from JSON | {} | {} | – | {} | – |",
        us(median(&none_reg[0].per_iter)),
        us(median(&none_reg[1].per_iter)),
        fmt_ratio(ratio(&none_reg[0], &none_reg[1])),
    );
    println!();
    let ns = |m: &[Measured]| m.iter().map(|c| format!("{} n={}", c.name, c.n)).collect::<Vec<_>>().join(", ");
    println!("- iterations per batch: ES256 assertion: {}; registration: {}", ns(&es256), ns(&none_reg));
    println!("- JSON sizes: assertion {} bytes, registration {} bytes", assertion.json.len(), registration.json.len());
    println!("- machine: {} CPUs (nproc), {}", nproc(), cpu_model());
    if let Some(cores) = background {
        println!("- other processes' CPU use during the {elapsed:.1} s run: {cores:.2} cores on average");
    }
    println!("- compiler: {}", env!("PEERS_RUSTC_VERSION"));
    println!(
        "- crates: passkey-verifier {} (path ../.. at {}, RustCrypto backend), webauthn-rs {} (webauthn-rs-core {}, crypto-glue {}), p256 {}, serde_json {}",
        env!("PEERS_V_PASSKEY_VERIFIER"),
        env!("PEERS_PV_TREE"),
        env!("PEERS_V_WEBAUTHN_RS"),
        env!("PEERS_V_WEBAUTHN_RS_CORE"),
        env!("PEERS_V_CRYPTO_GLUE"),
        env!("PEERS_V_P256"),
        env!("PEERS_V_SERDE_JSON"),
    );
}
