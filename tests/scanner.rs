//! The plain-JSON scanners of both responses and of `clientDataJSON` against serde_json.
//!
//! The scanners are a fast path: whatever one reads, serde_json must read the same, and
//! everything else falls through to serde_json. The tests mutate honest inputs byte by byte
//! and structurally, and require that the two never disagree, that the plain forms browsers
//! send are read by the scanner, and that the forms it declines still parse, through
//! serde_json, to the same response.

use passkey_verifier::hazmat::client_data::ClientData;
use passkey_verifier::testkit::fast_paths::{self, Scanned};
use passkey_verifier::testkit::{KeyKind, Knobs, SoftCredential};
use passkey_verifier::{AuthenticationResponse, ErrorKind, Input, RegistrationResponse};
use rand_core::UnwrapErr;

const REPLACEMENTS: &[u8] = b"\"\\,{}[]: n0A=-_+/\x00\x1f\x7f\xff";
const INSERTIONS: &[u8] = b" \\\",}";

fn assertions() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (kind, user_handle) in [(KeyKind::Es256, true), (KeyKind::EdDsa, false), (KeyKind::Rs256, true)] {
        let mut soft = SoftCredential::new(kind, b"user-0001", &mut UnwrapErr(getrandom::SysRng));
        let mut knobs = Knobs::new("example.com", "https://example.com");
        knobs.return_user_handle = user_handle;
        seeds.push(soft.assert(b"challenge-bytes-0001", &knobs).into_bytes());
    }
    let compact: serde_json::Value = serde_json::from_slice(&seeds[0]).unwrap();
    seeds.push(serde_json::to_vec_pretty(&compact).unwrap());
    let mut extra = compact;
    extra["response"]["userHandle"] = serde_json::Value::Null;
    extra["authenticatorAttachment"] = serde_json::Value::Null;
    extra["clientExtensionResults"] = serde_json::json!({"credProps": {"rk": true}, "largeBlob": {"written": false}});
    extra["unknown"] = serde_json::json!([1, -2.5e3, "x", {"y": null}, true]);
    extra["response"]["attestationObject"] = "o2NmbXRkbm9uZQ".into();
    seeds.push(serde_json::to_vec(&extra).unwrap());
    seeds
}

fn registrations() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for kind in [KeyKind::Es256, KeyKind::EdDsa, KeyKind::Rs256] {
        let mut soft = SoftCredential::new(kind, b"user-0001", &mut UnwrapErr(getrandom::SysRng));
        seeds.push(
            soft.register(b"challenge-bytes-0001", &Knobs::new("example.com", "https://example.com")).into_bytes(),
        );
    }
    let compact: serde_json::Value = serde_json::from_slice(&seeds[0]).unwrap();
    seeds.push(serde_json::to_vec_pretty(&compact).unwrap());
    // What Level 3 browsers add, and the optional members in their other forms.
    let mut extra = compact.clone();
    extra["response"]["transports"] = serde_json::Value::Null;
    extra["response"]["publicKey"] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE".into();
    extra["response"]["publicKeyAlgorithm"] = (-7).into();
    extra["response"]["authenticatorData"] = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2M".into();
    extra["authenticatorAttachment"] = serde_json::Value::Null;
    extra["clientExtensionResults"] = serde_json::json!({"credProps": {"rk": true}});
    extra["unknown"] = serde_json::json!([1, -2.5e3, "x", {"y": null}, true]);
    seeds.push(serde_json::to_vec(&extra).unwrap());
    let mut no_transports = compact;
    no_transports["response"]["transports"] = serde_json::json!([]);
    no_transports.as_object_mut().unwrap().remove("clientExtensionResults");
    seeds.push(serde_json::to_vec(&no_transports).unwrap());
    seeds
}

fn client_data() -> Vec<Vec<u8>> {
    let chrome = br#"{"type":"webauthn.get","challenge":"Y2hhbGxlbmdl","origin":"https://example.com","crossOrigin":false,"other_keys_can_be_added_here":"do not compare clientDataJSON against a template. See https://goo.gl/yabPex"}"#;
    let embedded = br#"{"type":"webauthn.create","challenge":"Y2hhbGxlbmdl","origin":"https://a.example","crossOrigin":true,"topOrigin":"https://top.example"}"#;
    let sparse = b"\xef\xbb\xbf { \"origin\" : \"https://example.com\" , \"challenge\":\"AQID\",\"type\":\"webauthn.get\",\"crossOrigin\":null,\"topOrigin\":null,\"n\":[1,{\"m\":\"\xc3\xa9\"}]}";
    vec![chrome.to_vec(), embedded.to_vec(), sparse.to_vec()]
}

/// Every single-byte deletion, replacement and insertion of `seed`.
fn mutations(seed: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..=seed.len()).flat_map(move |i| {
        let delete = (i < seed.len()).then(|| [&seed[..i], &seed[i + 1..]].concat());
        let replace = REPLACEMENTS
            .iter()
            .filter(move |_| i < seed.len())
            .map(move |&b| [&seed[..i], &[b], &seed[i + 1..]].concat());
        let insert = INSERTIONS.iter().map(move |&b| [&seed[..i], &[b], &seed[i..]].concat());
        delete.into_iter().chain(replace).chain(insert)
    })
}

#[test]
fn the_assertion_scanner_reads_what_browsers_send() {
    for seed in assertions() {
        assert_eq!(fast_paths::assertion(&seed), Scanned::Agrees, "{}", String::from_utf8_lossy(&seed));
    }
}

/// How many one-byte changes of `seeds` the fast path `scan` reads, of how many; panics at the
/// first change on which it disagrees with serde_json.
fn read_of_every_one_byte_change(seeds: &[Vec<u8>], scan: fn(&[u8]) -> Scanned) -> (usize, usize) {
    let (mut read, mut total) = (0, 0);
    for seed in seeds {
        for variant in mutations(seed) {
            total += 1;
            match scan(&variant) {
                Scanned::Agrees => read += 1,
                Scanned::Declined => {}
                Scanned::Disagrees => panic!("disagreement on {}", String::from_utf8_lossy(&variant)),
            }
        }
    }
    (read, total)
}

#[test]
fn the_assertion_scanner_never_disagrees_with_serde_json_on_any_one_byte_change() {
    let (read, total) = read_of_every_one_byte_change(&assertions(), fast_paths::assertion);
    // Most changes break the JSON or the base64; the rest (whitespace, an altered character of
    // a base64 field) the scanner reads.
    assert!(read > 0 && read < total, "{read} of {total}");
}

#[test]
fn the_registration_scanner_reads_what_browsers_send() {
    for seed in registrations() {
        assert_eq!(fast_paths::registration(&seed), Scanned::Agrees, "{}", String::from_utf8_lossy(&seed));
    }
}

#[test]
fn the_registration_scanner_never_disagrees_with_serde_json_on_any_one_byte_change() {
    let (read, total) = read_of_every_one_byte_change(&registrations(), fast_paths::registration);
    assert!(read > 0 && read < total, "{read} of {total}");
}

/// `response.transports` of `json` replaced by `transports` (raw JSON).
fn with_transports(json: &[u8], transports: &str) -> Vec<u8> {
    let value: serde_json::Value = serde_json::from_slice(json).unwrap();
    let old = serde_json::to_string(&value["response"]["transports"]).unwrap();
    edit(json, &format!(r#""transports":{old}"#), &format!(r#""transports":{transports}"#))
}

#[test]
fn registration_transports_outside_the_plain_form_are_serde_json_s() {
    let seed = &registrations()[0];
    let honest = RegistrationResponse::from_json(seed).unwrap();
    assert_eq!(honest.transports().collect::<Vec<_>>(), ["internal", "hybrid"]);
    let escaped = with_transports(seed, r#"["inter\u006eal","hybrid"]"#);
    assert_eq!(fast_paths::registration(&escaped), Scanned::Declined);
    assert_eq!(RegistrationResponse::from_json(&escaped).unwrap(), honest);
    let sixteen = format!("[{}]", vec![r#""usb""#; 16].join(","));
    let read = with_transports(seed, &sixteen);
    assert_eq!(fast_paths::registration(&read), Scanned::Agrees);
    assert_eq!(RegistrationResponse::from_json(&read).unwrap().transports().count(), 16);
    let long = format!(r#"["{}"]"#, "u".repeat(65));
    let seventeen = format!("[{}]", vec![r#""usb""#; 17].join(","));
    for refused in [seventeen.as_str(), &long, r#"["usb",7]"#, r#"["usb",]"#, r#""usb""#] {
        let json = with_transports(seed, refused);
        assert_eq!(fast_paths::registration(&json), Scanned::Declined, "{refused}");
        let err = RegistrationResponse::from_json(&json).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed(Input::CredentialJson), "{refused}");
    }
    let duplicate = edit(seed, r#""transports":"#, r#""transports":[],"transports":"#);
    assert_eq!(fast_paths::registration(&duplicate), Scanned::Declined);
    assert!(RegistrationResponse::from_json(&duplicate).is_err(), "serde_json refuses duplicate members");
}

#[test]
fn the_client_data_scanner_reads_plain_forms_and_never_disagrees() {
    let seeds = client_data();
    for seed in &seeds {
        assert_eq!(fast_paths::client_data(seed), Scanned::Agrees, "{}", String::from_utf8_lossy(seed));
    }
    let (read, total) = read_of_every_one_byte_change(&seeds, fast_paths::client_data);
    assert!(read > 0 && read < total, "{read} of {total}");
}

/// Replaces the first occurrence of `from` in `json`.
fn edit(json: &[u8], from: &str, to: &str) -> Vec<u8> {
    String::from_utf8(json.to_vec()).unwrap().replacen(from, to, 1).into_bytes()
}

#[test]
fn declined_forms_still_parse_through_serde_json_to_the_same_response() {
    let seed = &assertions()[0];
    let honest = AuthenticationResponse::from_json(seed).unwrap();
    let value: serde_json::Value = serde_json::from_slice(seed).unwrap();
    let signature = value["response"]["signature"].as_str().unwrap();
    let (first, rest) = signature.split_at(1);
    let escaped = [
        edit(seed, &format!(r#""{signature}""#), &format!(r#""\u{:04x}{rest}""#, u32::from(first.as_bytes()[0]))),
        edit(seed, r#""type":"public-key""#, r#""type":"public\u002dkey""#),
        edit(seed, r#""rawId""#, r#""raw\u0049d""#),
    ];
    for json in &escaped {
        assert_eq!(fast_paths::assertion(json), Scanned::Declined, "{}", String::from_utf8_lossy(json));
        assert_eq!(AuthenticationResponse::from_json(json).unwrap(), honest, "{}", String::from_utf8_lossy(json));
    }
    // A raw control character: serde_json lets it through in the strings it reads as bytes.
    let control = edit(seed, r#""authenticatorAttachment":"platform""#, "\"authenticatorAttachment\":\"plat\tform\"");
    assert_eq!(fast_paths::assertion(&control), Scanned::Declined);
    assert_eq!(AuthenticationResponse::from_json(&control).unwrap().authenticator_attachment(), Some("plat\tform"));
}

#[test]
fn refusals_are_serde_json_s() {
    let seed = &assertions()[0];
    let duplicate = edit(seed, r#""type":"public-key""#, r#""type":"public-key","type":"public-key""#);
    let trailing_comma =
        edit(seed, r#""authenticatorAttachment":"platform""#, r#""authenticatorAttachment":"platform","#);
    let number = edit(seed, r#""type":"public-key""#, r#""type":7"#);
    let trailing_data = [seed.as_slice(), b"{}"].concat();
    for json in [duplicate, trailing_comma, number, trailing_data] {
        assert_eq!(fast_paths::assertion(&json), Scanned::Declined, "{}", String::from_utf8_lossy(&json));
        let err = AuthenticationResponse::from_json(&json).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed(Input::CredentialJson), "{}", String::from_utf8_lossy(&json));
    }
    let wrong_type = edit(seed, "public-key", "password");
    assert_eq!(fast_paths::assertion(&wrong_type), Scanned::Declined);
    assert_eq!(AuthenticationResponse::from_json(&wrong_type).unwrap_err().context(), "type is not public-key");
}

#[test]
fn client_data_with_escapes_reads_the_same_through_serde_json() {
    let plain = br#"{"type":"webauthn.get","challenge":"AQID","origin":"https://example.com"}"#;
    let escaped = br#"{"type":"webauthn.get","challenge":"AQID","origin":"https:\/\/example.com"}"#;
    assert_eq!(fast_paths::client_data(escaped), Scanned::Declined);
    let (a, b) = (ClientData::parse(plain).unwrap(), ClientData::parse(escaped).unwrap());
    assert_eq!((a.ty(), a.challenge(), a.origin()), (b.ty(), b.challenge(), b.origin()));
    let duplicate = br#"{"type":"webauthn.get","challenge":"AQID","origin":"o","origin":"p"}"#;
    assert_eq!(fast_paths::client_data(duplicate), Scanned::Declined);
    assert!(ClientData::parse(duplicate).is_err(), "serde_json refuses duplicate members");
}
