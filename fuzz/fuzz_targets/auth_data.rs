#![no_main]
//! Authenticator data parsing and every getter.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::auth_data::AuthenticatorData;

fuzz_target!(|data: &[u8]| {
    if let Ok(ad) = AuthenticatorData::parse(data) {
        let f = ad.flags();
        let _ = (f.bits(), f.user_present(), f.user_verified(), f.backup_eligible(), f.backup_state());
        let _ = (ad.raw(), ad.rp_id_hash(), ad.sign_count(), ad.extensions());
        if let Some(acd) = ad.attested_credential_data() {
            let _ = (acd.aaguid(), acd.credential_id(), acd.public_key());
        }
    }
});
