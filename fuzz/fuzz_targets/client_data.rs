#![no_main]
//! `clientDataJSON` parsing and every getter.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::client_data::ClientData;

fuzz_target!(|data: &[u8]| {
    if let Ok(cd) = ClientData::parse(data) {
        let _ = (cd.raw(), cd.ty(), cd.challenge(), cd.origin(), cd.cross_origin(), cd.top_origin());
        let _ = format!("{cd:?}");
    }
});
