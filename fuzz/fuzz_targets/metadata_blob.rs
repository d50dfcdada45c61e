#![no_main]
//! FIDO metadata BLOB (compact JWS) parsing and verification against a fixed root.

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use passkey_verifier::attestation::TrustAnchor;
use passkey_verifier::metadata::MetadataBlob;
use passkey_verifier::testkit::pki::TestCa;
use passkey_verifier::UnixTime;

fn root() -> &'static TrustAnchor {
    static ROOT: OnceLock<TrustAnchor> = OnceLock::new();
    ROOT.get_or_init(|| {
        let ca = TestCa::root("Fuzz Metadata Root", (1_700_000_000, 1_800_000_000));
        TrustAnchor::from_der(ca.cert_der()).expect("test root")
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = MetadataBlob::verify(data, root(), UnixTime::from_secs(1_750_000_000));
});
