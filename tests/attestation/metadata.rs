//! FIDO metadata at registration: refused statuses, metadata roots as trust anchors, and the
//! U2F lookup by attestation certificate key identifier.

use std::sync::Arc;

use base64::Engine as _;
use getrandom::SysRng;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::SigningKey;
use passkey_verifier::hazmat::b64;
use passkey_verifier::hazmat::cert::TrustAnchor;
use passkey_verifier::metadata::{certificate_key_identifier, MetadataBlob};
use passkey_verifier::testkit::pki::{p256_key, TestCa};
use passkey_verifier::testkit::{KeyKind, SoftAttestation};
use passkey_verifier::AttestationError;
use passkey_verifier::{AttestationFormat, AttestationType, Policy, RelyingParty};
use rand_core::UnwrapErr;
use serde_json::{json, Value};

use super::{
    aaguid_extension, assert_attestation, assert_outcome, knobs, outcome, policy, register, register_with, rp_with,
    trust_required, Pki, AAGUID, NOW, PACKED_SUBJECT, VALID,
};

fn std_b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `aaguid` as a metadata UUID string.
fn uuid(aaguid: &[u8; 16]) -> String {
    let h = hex(aaguid);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// A verified BLOB holding `entries`, signed (ES256) by a signer certified by a FIDO-like
/// root, as `tests/metadata` builds them.
fn blob(entries: Vec<Value>) -> Arc<MetadataBlob> {
    let root = TestCa::root("FIDO Test Root", VALID);
    let signer: SigningKey = p256_key(&mut UnwrapErr(SysRng));
    let cert = root.leaf("C=US,O=FIDO Test,CN=Metadata BLOB Signer", signer.verifying_key(), VALID, vec![], false);
    let header = json!({"alg": "ES256", "typ": "JWT", "x5c": [std_b64(&cert)]});
    let payload = json!({"no": 1, "nextUpdate": "2025-07-01", "entries": entries});
    let input = format!(
        "{}.{}",
        b64::encode(&serde_json::to_vec(&header).unwrap()),
        b64::encode(&serde_json::to_vec(&payload).unwrap())
    );
    let signature: p256::ecdsa::Signature = signer.sign(input.as_bytes());
    let jws = format!("{input}.{}", b64::encode(&signature.to_bytes()));
    let anchor = TrustAnchor::from_der(root.cert_der()).unwrap();
    Arc::new(MetadataBlob::verify(jws.as_bytes(), &anchor, NOW).expect("metadata BLOB"))
}

/// An entry for the software authenticator's AAGUID with `status`, listing `roots`.
fn aaguid_entry(status: &str, roots: &[&TestCa]) -> Value {
    let roots: Vec<String> = roots.iter().map(|r| std_b64(r.cert_der())).collect();
    json!({
        "aaguid": uuid(&AAGUID),
        "metadataStatement": {"aaguid": uuid(&AAGUID), "attestationTypes": ["basic_full"], "attestationRootCertificates": roots},
        "statusReports": [{"status": "FIDO_CERTIFIED", "effectiveDate": "2024-01-01"}, {"status": status}]
    })
}

fn rp_with_metadata(blob: Arc<MetadataBlob>, policy: Policy) -> RelyingParty {
    rp_with(|b| b.metadata(blob).policy(policy))
}

#[test]
fn metadata_revoked_authenticator_is_refused() {
    let pki = Pki::new();
    let certified = rp_with_metadata(blob(vec![aaguid_entry("FIDO_CERTIFIED_L1", &[])]), Policy::default());
    assert!(register(&certified, KeyKind::Es256, pki.packed()).is_ok());
    let revoked = rp_with_metadata(blob(vec![aaguid_entry("REVOKED", &[])]), Policy::default());
    assert_attestation(register(&revoked, KeyKind::Es256, pki.packed()), AttestationError::MetadataRefused);
}

#[test]
fn metadata_roots_anchor_when_enabled() {
    let pki = Pki::new();
    let md = blob(vec![aaguid_entry("FIDO_CERTIFIED_L1", &[&pki.root])]);
    let attested = pki.packed_with(PACKED_SUBJECT, aaguid_extension(AAGUID));
    // Without metadata_roots_as_anchors, no root is configured: untrusted.
    assert_attestation(
        register(&rp_with_metadata(md.clone(), trust_required()), KeyKind::Es256, attested.clone()),
        AttestationError::NotTrusted,
    );
    let anchors = policy(|p| {
        p.require_trusted_attestation = true;
        p.metadata_roots_as_anchors = true;
    });
    let result = register(&rp_with_metadata(md, anchors), KeyKind::Es256, attested);
    assert_outcome(result, AttestationFormat::Packed, AttestationType::Basic, true);
}

/// A certificate that does not name the AAGUID cannot borrow the roots of the entry the
/// authenticator merely claims: the AAGUID is unattested, and the lookup goes by the
/// certificate's key identifier (which finds nothing here).
#[test]
fn a_claimed_aaguid_earns_no_metadata_roots() {
    let pki = Pki::new();
    let md = blob(vec![aaguid_entry("FIDO_CERTIFIED_L1", &[&pki.root])]);
    let anchors = policy(|p| {
        p.require_trusted_attestation = true;
        p.metadata_roots_as_anchors = true;
    });
    assert_attestation(
        register(&rp_with_metadata(md.clone(), anchors), KeyKind::Es256, pki.packed()),
        AttestationError::NotTrusted,
    );
    let untrusted = register(&rp_with_metadata(md, Policy::default()), KeyKind::Es256, pki.packed());
    assert!(!outcome(untrusted).aaguid_attested());
    let attested = register(
        &rp_with(|b| b.policy(Policy::default())),
        KeyKind::Es256,
        pki.packed_with(PACKED_SUBJECT, aaguid_extension(AAGUID)),
    );
    assert!(outcome(attested).aaguid_attested());
}

/// fido-u2f signs no AAGUID: an authenticator of a revoked model claiming another model's
/// (certified) AAGUID is still refused, through its certificate's key identifier.
#[test]
fn fido_u2f_cannot_escape_revocation_by_claiming_an_aaguid() {
    let pki = Pki::new();
    let key = p256_key(&mut UnwrapErr(SysRng));
    let cert =
        pki.root.leaf("C=US,O=Example,OU=Authenticator Attestation,CN=U2F", key.verifying_key(), VALID, vec![], false);
    let key_id = hex(&certificate_key_identifier(&cert).unwrap());
    let md = blob(vec![
        json!({
            "attestationCertificateKeyIdentifiers": [key_id],
            "metadataStatement": {"description": "Revoked U2F Key"},
            "statusReports": [{"status": "REVOKED"}]
        }),
        aaguid_entry("FIDO_CERTIFIED_L1", &[]),
    ]);
    let mut k = knobs(SoftAttestation::FidoU2f { key, cert });
    k.aaguid = AAGUID; // the certified model's AAGUID, claimed
    assert_attestation(
        register_with(&rp_with_metadata(md, Policy::default()), KeyKind::Es256, &k),
        AttestationError::MetadataRefused,
    );
}

#[test]
fn metadata_u2f_lookup_by_key_identifier() {
    let pki = Pki::new();
    let key = p256_key(&mut UnwrapErr(SysRng));
    let cert =
        pki.root.leaf("C=US,O=Example,OU=Authenticator Attestation,CN=U2F", key.verifying_key(), VALID, vec![], false);
    let key_id = hex(&certificate_key_identifier(&cert).unwrap());
    let md = |status: &str| {
        blob(vec![json!({
            "attestationCertificateKeyIdentifiers": [key_id],
            "metadataStatement": {"description": "Test U2F Key"},
            "statusReports": [{"status": status}]
        })])
    };
    let mut k = knobs(SoftAttestation::FidoU2f { key, cert });
    k.aaguid = [0; 16];
    let certified = rp_with_metadata(md("FIDO_CERTIFIED"), Policy::default());
    assert_eq!(outcome(register_with(&certified, KeyKind::Es256, &k)).format(), AttestationFormat::FidoU2f);
    let revoked = rp_with_metadata(md("REVOKED"), Policy::default());
    assert_attestation(register_with(&revoked, KeyKind::Es256, &k), AttestationError::MetadataRefused);
}
