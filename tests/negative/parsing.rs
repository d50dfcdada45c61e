//! Malformed bytes inside otherwise honest ceremonies: authenticator data, the attestation
//! object and base64url fields.

use passkey_verifier::testkit::authenticator_data;
use passkey_verifier::{Category, ErrorKind, Flags, Input};

use super::{assert_fails, edit_json, none_object, Auth, Reg, RP_ID};

const AUTH_DATA: ErrorKind = ErrorKind::Malformed(Input::AuthenticatorData);
const ATTESTATION_OBJECT: ErrorKind = ErrorKind::Malformed(Input::AttestationObject);

/// Peak virtual memory of this process in KiB (Linux `VmPeak`), where the platform reports it.
fn peak_virtual_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmPeak:"))?;
    line.trim().strip_suffix("kB")?.trim().parse().ok()
}

#[test]
fn registration_at_flag_without_attested_data() {
    let reg = Reg::new();
    let auth_data = authenticator_data(RP_ID, Flags::UP | Flags::UV | Flags::AT, 0, None, None);
    assert_fails(reg.verify_with_auth_data(&auth_data), AUTH_DATA, Category::Malformed);
}

#[test]
fn registration_bs_without_be() {
    let result = Reg::new().verify_defect(|k| k.flags |= Flags::BS);
    assert_fails(result, AUTH_DATA, Category::Malformed);
}

#[test]
fn registration_trailing_byte_after_auth_data() {
    let reg = Reg::new();
    let auth_data = [reg.auth_data(), vec![0]].concat();
    assert_fails(reg.verify_with_auth_data(&auth_data), AUTH_DATA, Category::Malformed);
}

#[test]
fn registration_trailing_bytes_after_attestation_object() {
    let result = Reg::new().verify_tampered(|p| p.attestation_object.extend_from_slice(&[0xa0, 0x00]));
    assert_fails(result, ATTESTATION_OBJECT, Category::Malformed);
}

#[test]
fn registration_cbor_length_of_4_gib_fails_fast() {
    let reg = Reg::new();
    let auth_data = reg.auth_data();
    let honest = none_object(&auth_data);
    // The honest object ends with the key "authData", the byte string header, the bytes.
    let key = b"\x68authData";
    let key_end = honest.windows(key.len()).position(|w| w == key).expect("authData key") + key.len();
    let attestation_object = |header: &[u8]| [&honest[..key_end], header, &auth_data].concat();
    assert_eq!(
        attestation_object(&[0x58, u8::try_from(auth_data.len()).expect("short authData")]),
        honest,
        "a one-byte length header"
    );

    let before = peak_virtual_kib();
    // authData declared as 2^32 - 1 bytes; the same with a 64-bit length of 2^63.
    for header in [&[0x5a, 0xff, 0xff, 0xff, 0xff][..], &[0x5b, 0x80, 0, 0, 0, 0, 0, 0, 0]] {
        let result = reg.verify_tampered(|p| p.attestation_object = attestation_object(header));
        assert_fails(result, ATTESTATION_OBJECT, Category::Malformed);
    }
    if let (Some(before), Some(after)) = (before, peak_virtual_kib()) {
        assert!(after - before < 1 << 20, "nothing near the declared length was allocated");
    }
}

#[test]
fn registration_credential_id_of_1024_bytes() {
    let reg = Reg::new();
    let id = vec![0x1d; 1024];
    let auth_data = reg.auth_data_for(&id, &reg.cred.cose_public_key());
    let result = reg.verify_tampered(|p| {
        p.raw_id = id.clone();
        p.attestation_object = none_object(&auth_data);
    });
    assert_fails(result, ErrorKind::CredentialId, Category::Credential);
}

#[test]
fn authentication_auth_data_truncated_to_36_bytes() {
    let result = Auth::new().verify_tampered(|p, cred| {
        p.auth_data.truncate(36);
        p.sign_with(cred);
    });
    assert_fails(result, AUTH_DATA, Category::Malformed);
}

#[test]
fn authentication_trailing_byte_after_auth_data() {
    let result = Auth::new().verify_tampered(|p, cred| {
        p.auth_data.push(0);
        p.sign_with(cred);
    });
    assert_fails(result, AUTH_DATA, Category::Malformed);
}

#[test]
fn authentication_bad_base64url_signature() {
    let mut auth = Auth::new();
    let json = auth.honest_json();
    auth.verify(&json).expect("the honest assertion must verify");
    let bad = edit_json(&json, |v| v["response"]["signature"] = "MEUC*iEA".into());
    assert_fails(auth.verify(&bad), ErrorKind::Malformed(Input::Base64), Category::Malformed);
}

/// `id` must be exactly the unpadded base64url of `rawId`: padded, standard-alphabet or
/// non-canonical forms of the same bytes are refused (a browser derives both from one value).
#[test]
fn id_in_any_other_form_than_unpadded_base64url_of_raw_id() {
    let mut auth = Auth::new();
    let json = auth.honest_json();
    auth.verify(&json).expect("the honest assertion must verify");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let id = value["id"].as_str().unwrap().to_owned();
    let raw_id = passkey_verifier::hazmat::b64::decode(&id).unwrap();
    let standard = passkey_verifier::hazmat::b64::encode(&raw_id).replace('-', "+").replace('_', "/");
    let mut variants = vec![format!("{id}{}", "=".repeat((4 - id.len() % 4) % 4)), standard, format!("{id}A")];
    variants.retain(|v| v != &id);
    assert!(!variants.is_empty());
    for variant in variants {
        let bad = edit_json(&json, |v| v["id"] = variant.clone().into());
        assert_fails(auth.verify(&bad), ErrorKind::CredentialId, Category::Credential);
    }
}
