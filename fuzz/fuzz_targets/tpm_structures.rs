#![no_main]
//! TPM `TPMS_ATTEST` (certInfo) and `TPMT_PUBLIC` (pubArea) parsing.

use libfuzzer_sys::fuzz_target;
use passkey_verifier::hazmat::attestation as hazmat;

fuzz_target!(|data: &[u8]| {
    let _ = hazmat::parse_tpm_cert_info(data);
    let _ = hazmat::parse_tpm_pub_area(data);
});
