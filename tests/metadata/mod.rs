//! FIDO MDS3 metadata BLOBs built with the test PKI: a FIDO-like root signs a BLOB signing
//! certificate, whose key signs the JWS (ES256, raw r ‖ s).

// Test fixtures: a panic is how they report a broken fixture.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use base64::Engine as _;
use getrandom::SysRng;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::SigningKey;
use passkey_verifier::hazmat::b64;
use passkey_verifier::hazmat::cert::TrustAnchor;
use passkey_verifier::metadata::{certificate_key_identifier, AuthenticatorStatus, MetadataBlob};
use passkey_verifier::testkit::pki::{p256_key, Period, TestCa};
use passkey_verifier::{AttestationError, CertificateError};
use passkey_verifier::{Category, UnixTime};
use rand_core::UnwrapErr;
use serde_json::{json, Value};
use sha1::Digest as _;

const NOW: UnixTime = UnixTime::from_secs(1_750_000_000); // 2025-06-15
const VALID: Period = (1_700_000_000, 1_800_000_000);
const YUBI: &str = "ee882879-721c-4913-9775-3dfcce97072a";
const REVOKED: &str = "11111111-2222-3333-4444-555555555555";

fn aaguid(text: &str) -> [u8; 16] {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let bytes: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
    bytes.try_into().unwrap()
}

fn std_b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// The FIDO-like PKI: a root the host trusts and a BLOB signer certified by it.
struct Mds {
    root: TestCa,
    signer: SigningKey,
    signer_cert: Vec<u8>,
}

impl Mds {
    fn new() -> Self {
        let root = TestCa::root("FIDO Test Root", VALID);
        let signer = p256_key(&mut UnwrapErr(SysRng));
        let signer_cert =
            root.leaf("C=US,O=FIDO Test,CN=Metadata BLOB Signer", signer.verifying_key(), VALID, vec![], false);
        Self { root, signer, signer_cert }
    }

    fn anchor(&self) -> TrustAnchor {
        TrustAnchor::from_der(self.root.cert_der()).unwrap()
    }

    fn header(&self) -> Value {
        json!({"alg": "ES256", "typ": "JWT", "x5c": [std_b64(&self.signer_cert)]})
    }

    fn blob(&self, payload: &Value) -> String {
        sign(&self.header(), payload, &self.signer)
    }
}

/// A compact JWS over `header` and `payload`, ES256 with `key`.
fn sign(header: &Value, payload: &Value, key: &SigningKey) -> String {
    let input = format!(
        "{}.{}",
        b64::encode(&serde_json::to_vec(header).unwrap()),
        b64::encode(&serde_json::to_vec(payload).unwrap())
    );
    let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64::encode(&signature.to_bytes()))
}

/// A U2F-style attestation certificate and an authenticator vendor root.
struct Vendor {
    root: TestCa,
    attestation_cert: Vec<u8>,
    attestation_key: SigningKey,
}

fn vendor() -> Vendor {
    let root = TestCa::root("Vendor Attestation Root", VALID);
    let attestation_key = p256_key(&mut UnwrapErr(SysRng));
    let attestation_cert = root.leaf(
        "C=US,O=Vendor,OU=Authenticator Attestation,CN=U2F",
        attestation_key.verifying_key(),
        VALID,
        vec![],
        false,
    );
    Vendor { root, attestation_cert, attestation_key }
}

fn payload(vendor: &Vendor, next_update: &str) -> Value {
    let key_id = certificate_key_identifier(&vendor.attestation_cert).unwrap();
    let key_id_hex: String = key_id.iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "legalHeader": "Retrieval and use of this BLOB indicates acceptance of the terms.",
        "no": 7,
        "nextUpdate": next_update,
        "entries": [
            {
                "aaguid": YUBI,
                "metadataStatement": {
                    "aaguid": YUBI,
                    "description": "Test Security Key",
                    "icon": "data:image/png;base64,iVBORw0KGgo=",
                    "attestationTypes": ["basic_full"],
                    "attestationRootCertificates": [std_b64(vendor.root.cert_der()), "bm90IGEgY2VydA=="],
                    "schema": 3
                },
                "statusReports": [{"status": "FIDO_CERTIFIED_L1", "effectiveDate": "2024-01-01"}],
                "timeOfLastStatusChange": "2024-01-01"
            },
            {
                "attestationCertificateKeyIdentifiers": [key_id_hex],
                "metadataStatement": {"description": "Test U2F Key", "attestationTypes": ["basic_full"]},
                "statusReports": [{"status": "FIDO_CERTIFIED"}]
            },
            {
                "aaguid": REVOKED,
                "metadataStatement": {"description": "Revoked Key"},
                "statusReports": [
                    {"status": "FIDO_CERTIFIED", "effectiveDate": "2020-01-01"},
                    {"status": "REVOKED", "effectiveDate": "2023-01-01"},
                    {"status": "UPDATE_AVAILABLE", "effectiveDate": "2024-01-01"}
                ]
            }
        ]
    })
}

fn assert_attestation(result: Result<MetadataBlob, passkey_verifier::Error>) -> AttestationError {
    let err = result.unwrap_err();
    assert_eq!(err.category(), Category::Attestation, "{err}");
    err.attestation_reason().expect("an attestation failure")
}

const BAD_SIGNATURE: AttestationError = AttestationError::MetadataBlob;

#[test]
fn metadata_valid_blob_verifies_and_lookups_work() {
    let mds = Mds::new();
    let vendor = vendor();
    let blob = mds.blob(&payload(&vendor, "2025-07-01"));
    let md = MetadataBlob::verify(blob.as_bytes(), &mds.anchor(), NOW).unwrap();
    assert_eq!(md.serial(), 7);
    assert_eq!(md.entries().len(), 3);
    assert!(md.legal_header().unwrap().starts_with("Retrieval"));

    let entry = md.by_aaguid(&aaguid(YUBI)).unwrap();
    assert_eq!(entry.aaguid(), Some(&aaguid(YUBI)));
    assert_eq!(entry.description(), Some("Test Security Key"));
    assert_eq!(entry.icon(), Some("data:image/png;base64,iVBORw0KGgo="));
    assert_eq!(entry.attestation_types(), ["basic_full"]);
    assert_eq!(entry.statement().unwrap()["schema"], 3);
    assert_eq!(entry.status_reports()[0].status, AuthenticatorStatus::FidoCertifiedL1);
    assert_eq!(entry.status_reports()[0].effective_date.as_deref(), Some("2024-01-01"));
    assert!(!entry.is_refused());
    // The vendor root parsed into a usable anchor, the garbage one counted.
    assert_eq!(entry.attestation_roots().len(), 1);
    assert_eq!(entry.attestation_roots()[0].der(), vendor.root.cert_der());
    assert_eq!(entry.unusable_root_count(), 1);
    let debug = format!("{entry:?}");
    assert!(debug.contains(YUBI) && !debug.contains(&std_b64(vendor.root.cert_der())));
    assert!(md.by_aaguid(&[0x42; 16]).is_none());

    // Key identifier: SHA-1 of the subjectPublicKey bits (the uncompressed point).
    let key_id = certificate_key_identifier(&vendor.attestation_cert).unwrap();
    let point = vendor.attestation_key.verifying_key().to_sec1_point(false);
    assert_eq!(key_id, <[u8; 20]>::from(sha1::Sha1::digest(point.as_bytes())));
    let u2f = md.by_certificate_key_identifier(&key_id).unwrap();
    assert_eq!(u2f.description(), Some("Test U2F Key"));
    assert!(u2f.aaguid().is_none());
    assert!(md.by_certificate_key_identifier(&[0; 20]).is_none());
}

#[test]
fn metadata_x5c_may_include_the_root() {
    let mds = Mds::new();
    let header = json!({"alg": "ES256", "x5c": [std_b64(&mds.signer_cert), std_b64(mds.root.cert_der())]});
    let blob = sign(&header, &payload(&vendor(), "2025-07-01"), &mds.signer);
    assert!(MetadataBlob::verify(blob.as_bytes(), &mds.anchor(), NOW).is_ok());
}

#[test]
fn metadata_bad_signature_is_refused() {
    let mds = Mds::new();
    let blob = mds.blob(&payload(&vendor(), "2025-07-01"));
    let (input, sig) = blob.rsplit_once('.').unwrap();
    let mut sig = b64::decode(sig).unwrap();
    sig[10] ^= 1;
    let tampered = format!("{input}.{}", b64::encode(&sig));
    let context = assert_attestation(MetadataBlob::verify(tampered.as_bytes(), &mds.anchor(), NOW));
    assert_eq!(context, BAD_SIGNATURE);

    // Signed by another key than the certified one.
    let other = p256_key(&mut UnwrapErr(SysRng));
    let forged = sign(&mds.header(), &payload(&vendor(), "2025-07-01"), &other);
    let context = assert_attestation(MetadataBlob::verify(forged.as_bytes(), &mds.anchor(), NOW));
    assert_eq!(context, BAD_SIGNATURE);

    // The payload changed after signing.
    let (header, rest) = blob.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let mut changed = payload(&vendor(), "2025-07-01");
    changed["no"] = json!(8);
    let swapped = format!("{header}.{}.{sig}", b64::encode(&serde_json::to_vec(&changed).unwrap()));
    let context = assert_attestation(MetadataBlob::verify(swapped.as_bytes(), &mds.anchor(), NOW));
    assert_eq!(context, BAD_SIGNATURE);

    // A signature of the wrong length for ES256.
    let short = format!("{input}.{}", b64::encode(&[1; 63]));
    assert_attestation(MetadataBlob::verify(short.as_bytes(), &mds.anchor(), NOW));
}

#[test]
fn metadata_chain_to_another_root_is_refused() {
    let mds = Mds::new();
    let attacker = TestCa::root("FIDO Test Root", VALID);
    let key = p256_key(&mut UnwrapErr(SysRng));
    let cert = attacker.leaf("C=US,O=FIDO Test,CN=Metadata BLOB Signer", key.verifying_key(), VALID, vec![], false);
    let header = json!({"alg": "ES256", "x5c": [std_b64(&cert), std_b64(attacker.cert_der())]});
    let blob = sign(&header, &payload(&vendor(), "2025-07-01"), &key);
    let context = assert_attestation(MetadataBlob::verify(blob.as_bytes(), &mds.anchor(), NOW));
    assert_eq!(context, AttestationError::NotTrusted);
    // The same BLOB verifies against the root that did sign it.
    let anchor = TrustAnchor::from_der(attacker.cert_der()).unwrap();
    assert!(MetadataBlob::verify(blob.as_bytes(), &anchor, NOW).is_ok());
}

#[test]
fn metadata_expired_signer_is_refused() {
    let mds = Mds::new();
    let blob = mds.blob(&payload(&vendor(), "2025-07-01"));
    let later = UnixTime::from_secs(VALID.1 + 1);
    let context = assert_attestation(MetadataBlob::verify(blob.as_bytes(), &mds.anchor(), later));
    assert_eq!(context, AttestationError::Certificate(CertificateError::Expired));
}

#[test]
fn metadata_alg_none_and_unsupported_headers_are_refused() {
    let mds = Mds::new();
    let body = payload(&vendor(), "2025-07-01");
    let x5c = json!([std_b64(&mds.signer_cert)]);
    let unsigned = format!(
        "{}.{}.",
        b64::encode(&serde_json::to_vec(&json!({"alg": "none", "x5c": x5c})).unwrap()),
        b64::encode(&serde_json::to_vec(&body).unwrap())
    );
    assert!(MetadataBlob::verify(unsigned.as_bytes(), &mds.anchor(), NOW).is_err());
    for header in [
        json!({"alg": "none", "x5c": x5c}),
        json!({"alg": "HS256", "x5c": x5c}),
        json!({"alg": "RS256", "x5c": x5c}),
        json!({"alg": "ES256"}),
        json!({"alg": "ES256", "x5u": "https://mds3.fidoalliance.org/cert"}),
        json!({"alg": "ES256", "x5c": []}),
        json!({"alg": "ES256", "x5c": x5c, "crit": ["exp"]}),
    ] {
        let blob = sign(&header, &body, &mds.signer);
        assert_attestation(MetadataBlob::verify(blob.as_bytes(), &mds.anchor(), NOW));
    }
}

#[test]
fn metadata_revoked_entry_is_refused_and_certified_is_not() {
    let mds = Mds::new();
    let blob = mds.blob(&payload(&vendor(), "2025-07-01"));
    let md = MetadataBlob::verify(blob.as_bytes(), &mds.anchor(), NOW).unwrap();
    let revoked = md.by_aaguid(&aaguid(REVOKED)).unwrap();
    assert!(revoked.is_refused(), "a later UPDATE_AVAILABLE does not clear REVOKED");
    assert_eq!(revoked.status_reports()[1].status, AuthenticatorStatus::Revoked);
    assert!(!md.by_aaguid(&aaguid(YUBI)).unwrap().is_refused());
}

#[test]
fn metadata_stale_blob_is_detected() {
    let mds = Mds::new();
    let fresh =
        MetadataBlob::verify(mds.blob(&payload(&vendor(), "2025-07-01")).as_bytes(), &mds.anchor(), NOW).unwrap();
    assert_eq!(fresh.next_update(), UnixTime::from_secs(1_751_328_000));
    assert!(!fresh.is_stale(NOW));
    assert!(fresh.is_stale(UnixTime::from_secs(1_751_328_001)));
    let stale =
        MetadataBlob::verify(mds.blob(&payload(&vendor(), "2025-06-01")).as_bytes(), &mds.anchor(), NOW).unwrap();
    assert!(stale.is_stale(NOW));
}

#[test]
fn metadata_malformed_jws_fails_without_panicking() {
    let mds = Mds::new();
    let anchor = mds.anchor();
    let blob = mds.blob(&payload(&vendor(), "2025-07-01"));
    let (header, rest) = blob.split_once('.').unwrap();
    let (body, sig) = rest.split_once('.').unwrap();
    let not_json = b64::encode(b"{not json");
    let cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"..".to_vec(),
        format!("{header}.{body}").into_bytes(),
        format!("{header}.{body}.{sig}.{sig}").into_bytes(),
        format!("{header}!.{body}.{sig}").into_bytes(),
        format!("{header}.{body}.{sig}=").into_bytes(),
        format!("{header}.{body}.+{sig}").into_bytes(),
        format!("{header}.{body}.").into_bytes(),
        format!("{not_json}.{body}.{sig}").into_bytes(),
        format!("{header}.{body}.{}", "A".repeat(5000)).into_bytes(),
        [&[0xff, 0xfe][..], blob.as_bytes()].concat(),
        blob.as_bytes()[..blob.len() / 2].to_vec(),
    ];
    for case in cases {
        let err = MetadataBlob::verify(&case, &anchor, NOW).unwrap_err();
        assert_eq!(err.category(), Category::Malformed, "{err}");
    }
    // A validly signed payload that is not the expected JSON is malformed, not a panic.
    for body in [json!({"no": 1}), json!({"no": 1, "nextUpdate": "tomorrow", "entries": []}), json!("x")] {
        let err = MetadataBlob::verify(mds.blob(&body).as_bytes(), &anchor, NOW).unwrap_err();
        assert_eq!(err.category(), Category::Malformed, "{err}");
    }
    // Bad base64 inside x5c.
    let header = json!({"alg": "ES256", "x5c": ["not base64!"]});
    let err = MetadataBlob::verify(sign(&header, &json!({}), &mds.signer).as_bytes(), &anchor, NOW).unwrap_err();
    assert_eq!(err.category(), Category::Malformed);
}
