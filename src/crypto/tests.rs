//! Both backends against each other and against the attacker's inputs.

use super::*;
use crate::cose::KeyParams;
use crate::testkit::{KeyKind, SoftCredential};

/// Both backends must agree on every algorithm: valid signatures pass, tampered ones fail.
#[test]
fn backends_agree() {
    for kind in [KeyKind::Es256, KeyKind::Es384, KeyKind::EdDsa, KeyKind::Rs256, KeyKind::Ps256] {
        let cred = SoftCredential::new(kind, b"u", &mut rand_core::UnwrapErr(getrandom::SysRng));
        let cose = cred.cose_public_key();
        let key = CoseKey::parse(&cose).unwrap();
        let message = b"authenticator data and client data hash";
        let good = cred.sign(message);
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(verify(&key, &[&message[..10], &message[10..]], &good, false).is_ok(), "{kind:?}");
        assert_eq!(verify(&key, &[message], &bad, false).unwrap_err().kind(), ErrorKind::Signature);
        let rc = rustcrypto::Key::from_cose(&key).unwrap();
        assert!(rc.verify(message, &good).is_ok());
        assert!(rc.verify(message, &bad).is_err());
        #[cfg(feature = "ring")]
        {
            assert!(ring_backend::verify(&key, message, &good).is_some_and(|r| r.is_ok()), "{kind:?} by ring");
            assert!(ring_backend::verify(&key, message, &bad).is_some_and(|r| r.is_err()), "{kind:?} by ring");
        }
    }
}

/// An OKP Ed25519 COSE key with public key `x`.
fn ed25519_cose(x: &[u8; 32]) -> Vec<u8> {
    [&[0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20][..], x].concat()
}

/// The attacker's classic: the identity as the key and as `R`, `S = 0`. The cofactorless
/// equation `[S]B = R + [k]A` holds for every message, so a backend without the
/// small-order rule (ring alone) would accept it; neither backend may.
#[test]
fn small_order_key_and_r_are_refused_by_both_backends() {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let cose = ed25519_cose(&identity);
    let key = CoseKey::parse(&cose).unwrap();
    assert_eq!(validate_key(&key).unwrap_err().kind(), ErrorKind::UnsupportedKey);
    let forged = [&identity[..], &[0u8; 32]].concat();
    for message in [&b"any message"[..], b"another"] {
        assert_eq!(verify(&key, &[message], &forged, false).unwrap_err().kind(), ErrorKind::UnsupportedKey);
        #[cfg(feature = "ring")]
        assert!(ring_backend::verify(&key, message, &forged)
            .is_some_and(|r| r.is_err_and(|e| e.kind() == ErrorKind::UnsupportedKey)));
    }
    // With an honest key, a small-order R (the identity) with S = 0 is refused too.
    let cred = SoftCredential::new(KeyKind::EdDsa, b"u", &mut rand_core::UnwrapErr(getrandom::SysRng));
    let honest = cred.cose_public_key();
    let honest = CoseKey::parse(&honest).unwrap();
    assert_eq!(verify(&honest, &[b"m"], &forged, false).unwrap_err().kind(), ErrorKind::Signature);
}

/// The encoding rules plus the plain equation decide exactly as `verify_strict`, on honest
/// signatures and on an attacker's variants of them: `R` replaced by each small-order
/// point, `S` pushed past the group order, bits flipped anywhere.
#[test]
fn ed25519_rules_agree_with_verify_strict() {
    use curve25519_dalek::constants::EIGHT_TORSION;
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    for _ in 0..4 {
        let cred = SoftCredential::new(KeyKind::EdDsa, b"u", &mut rand_core::UnwrapErr(getrandom::SysRng));
        let cose = cred.cose_public_key();
        let key = CoseKey::parse(&cose).unwrap();
        let KeyParams::Ed25519 { x } = *key.params() else { panic!("OKP key") };
        let strict = ed25519_dalek::VerifyingKey::from_bytes(x).unwrap();
        let message = b"authenticator data and client data hash";
        let good = cred.sign(message);
        let mut variants = vec![good.clone()];
        for point in EIGHT_TORSION {
            let mut v = good.clone();
            v[..32].copy_from_slice(&point.compress().to_bytes());
            variants.push(v);
        }
        // S + L: the same scalar, not canonical.
        let mut s_plus_l = good.clone();
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(s_plus_l[32 + i]) + u16::from(L[i]) + carry;
            s_plus_l[32 + i] = sum.to_le_bytes()[0];
            carry = sum >> 8;
        }
        variants.push(s_plus_l);
        for byte in [0, 31, 32, 63] {
            let mut v = good.clone();
            v[byte] ^= 0x01;
            variants.push(v);
        }
        for (i, signature) in variants.iter().enumerate() {
            let expected = ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| strict.verify_strict(message, &sig).is_ok());
            assert_eq!(verify(&key, &[message], signature, false).is_ok(), expected, "variant {i}");
            #[cfg(feature = "ring")]
            assert_eq!(ring_backend::verify(&key, message, signature).is_some_and(|r| r.is_ok()), expected);
        }
        assert!(verify(&key, &[message], &good, false).is_ok());
    }
}

/// A non-canonical key encoding (`y = p + 1`, the identity again) is refused as a key.
#[test]
fn non_canonical_ed25519_keys_are_refused() {
    let mut p_plus_1 = [0xff; 32];
    p_plus_1[0] = 0xee;
    p_plus_1[31] = 0x7f;
    let cose = ed25519_cose(&p_plus_1);
    let key = CoseKey::parse(&cose).unwrap();
    assert_eq!(validate_key(&key).unwrap_err().kind(), ErrorKind::UnsupportedKey);
    let forged = [&[1u8][..], &[0u8; 63]].concat();
    assert_eq!(verify(&key, &[b"m"], &forged, false).unwrap_err().kind(), ErrorKind::UnsupportedKey);
}

#[test]
fn messages_of_every_size_are_joined_whole() {
    let cred = SoftCredential::new(KeyKind::Es256, b"u", &mut rand_core::UnwrapErr(getrandom::SysRng));
    let cose = cred.cose_public_key();
    let key = CoseKey::parse(&cose).unwrap();
    // The small and the large stack buffer, their edges, and the heap.
    for len in [69, 128, 129, 600, STACK_MESSAGE, STACK_MESSAGE + 100] {
        let message: Vec<u8> = (0..len).map(|i| (i % 251).to_le_bytes()[0]).collect();
        let sig = cred.sign(&message);
        let (head, tail) = message.split_at(len / 3);
        assert!(verify(&key, &[head, tail], &sig, false).is_ok(), "{len}");
        let shifted = [&head[1..], &[head[0]], tail].concat();
        assert!(verify(&key, &[&shifted], &sig, false).is_err(), "{len}");
    }
}

#[test]
fn ct_eq_is_equality_for_every_length_and_differing_bit() {
    for len in 0..40usize {
        let a: Vec<u8> = (0..len).map(|i| (i * 31 + 5).to_le_bytes()[0]).collect();
        assert!(ct_eq(&a, &a.clone()), "{len}");
        assert!(!ct_eq(&a, &[a.as_slice(), &[0]].concat()), "lengths differ: {len}");
        for i in 0..len {
            for bit in [0x01, 0x80] {
                let mut b = a.clone();
                b[i] ^= bit;
                assert!(!ct_eq(&a, &b), "{len} {i} {bit:#x}");
            }
        }
    }
}
