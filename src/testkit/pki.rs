//! Test certificates: roots, intermediates and leaves signed with RustCrypto keys.
