//! An honest client and authenticator answering extension requests, for tests of the
//! extension checks: what [`SoftCredential::answer_extensions`] puts into the knobs.

use serde_json::{json, Map, Value};

use super::{Knobs, SoftCredential};
use crate::encoding::b64;

/// The minimum PIN length the software authenticator reports.
pub const SOFT_MIN_PIN_LENGTH: u8 = 6;

impl SoftCredential {
    /// Fills `knobs` with the outputs an honest client and authenticator give for the
    /// `extensions` member of the options JSON (the value sent to the browser): `credProps`
    /// (`rk: true`), `credProtect` (the requested level), `prf` (enabled at registration;
    /// 32-byte results derived from the salts and this credential), `largeBlob` (supported;
    /// a read returns the last written blob's stand-in, a write succeeds), `appid` and
    /// `appidExclude` (`false`: not a U2F credential), `minPinLength`
    /// ([`SOFT_MIN_PIN_LENGTH`]).
    pub fn answer_extensions(&self, extensions: &Value, registration: bool, knobs: &mut Knobs) {
        let mut client = Map::new();
        let mut authenticator: Vec<(ciborium::Value, ciborium::Value)> = Vec::new();
        let text = |s: &str| ciborium::Value::Text(s.to_owned());
        if registration && extensions["credProps"] == json!(true) {
            client.insert("credProps".into(), json!({ "rk": true }));
        }
        if let Some(level) = extensions["credentialProtectionPolicy"].as_str().and_then(level_of) {
            authenticator.push((text("credProtect"), ciborium::Value::Integer(level.into())));
        }
        if extensions["minPinLength"] == json!(true) {
            authenticator.push((text("minPinLength"), ciborium::Value::Integer(SOFT_MIN_PIN_LENGTH.into())));
        }
        if let Some(prf) = extensions.get("prf") {
            let id = b64::encode(self.id());
            let salts = prf["evalByCredential"].get(&id).or_else(|| prf.get("eval"));
            let mut out = Map::new();
            if registration {
                out.insert("enabled".into(), json!(true));
                authenticator.push((text("hmac-secret"), ciborium::Value::Bool(true)));
            } else {
                authenticator.push((text("hmac-secret"), ciborium::Value::Bytes(vec![0x5a; 32])));
            }
            if let Some(salts) = salts {
                let mut results = Map::new();
                for which in ["first", "second"] {
                    if let Some(salt) = salts[which].as_str() {
                        results.insert(which.into(), json!(b64::encode(&self.prf(salt))));
                    }
                }
                out.insert("results".into(), Value::Object(results));
            }
            client.insert("prf".into(), Value::Object(out));
        }
        if let Some(blob) = extensions.get("largeBlob") {
            let out = if registration {
                json!({ "supported": true })
            } else if blob.get("write").is_some() {
                json!({ "written": true })
            } else {
                json!({ "blob": b64::encode(b"a stored blob") })
            };
            client.insert("largeBlob".into(), out);
        }
        for name in ["appid", "appidExclude"] {
            if extensions.get(name).is_some() {
                client.insert(name.into(), json!(false));
            }
        }
        knobs.client_extension_results = Value::Object(client);
        knobs.authenticator_extensions = (!authenticator.is_empty()).then(|| {
            let mut bytes = Vec::new();
            // Serializing an in-memory CBOR value into a Vec cannot fail.
            let _ = ciborium::into_writer(&ciborium::Value::Map(authenticator), &mut bytes);
            bytes
        });
    }

    /// The software PRF: SHA-256 over the credential ID and the salt's text.
    fn prf(&self, salt: &str) -> [u8; 32] {
        crate::crypto::sha256(&[self.id(), b"|", salt.as_bytes()].concat())
    }
}

fn level_of(policy: &str) -> Option<u8> {
    match policy {
        "userVerificationOptional" => Some(1),
        "userVerificationOptionalWithCredentialIDList" => Some(2),
        "userVerificationRequired" => Some(3),
        _ => None,
    }
}
