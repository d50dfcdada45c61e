#!/usr/bin/env bash
# Prepares target/crypto-glue, which Cargo.toml patches in: crypto-glue 0.2.2 as crates.io
# serves it, with two edits made here (nothing of it is kept in the repository):
#  - its rsa dependency "0.10.0-rc.18" with feature "sha2" becomes "0.10.0" (the release has
#    sha2 built in and no such feature, and one graph holds only one rsa 0.10, the one
#    passkey-verifier uses);
#  - #![allow(deprecated)] in src/lib.rs, whose #![deny(warnings)] would turn the deprecated
#    RsaPublicKey/RsaPrivateKey aliases of rsa 0.10.0 into errors.
# Drop it, and the [patch] in Cargo.toml, once a crypto-glue release builds against rsa 0.10.0.
set -euo pipefail
cd "$(dirname "$0")"
dest=target/crypto-glue
if [ -f "$dest/Cargo.toml" ]; then exit 0; fi

fetch=$(mktemp -d)
trap 'rm -rf "$fetch"' EXIT
mkdir -p "$fetch/src"
: > "$fetch/src/lib.rs"
cat > "$fetch/Cargo.toml" <<'TOML'
[package]
name = "fetch-crypto-glue"
version = "0.0.0"
edition = "2021"

[workspace]

[dependencies]
crypto-glue = "=0.2.2"
TOML
cargo fetch --quiet --manifest-path "$fetch/Cargo.toml"
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/crypto-glue-0.2.2 | head -n 1)

mkdir -p target
cp -r "$src" "$dest.tmp"
python3 - "$dest.tmp" <<'PY'
import sys, pathlib
root = pathlib.Path(sys.argv[1])
manifest = root / "Cargo.toml"
text = manifest.read_text()
old = '[dependencies.rsa]\nversion = "0.10.0-rc.18"\nfeatures = ["sha2"]\n'
assert old in text, "crypto-glue's rsa dependency is not the one this script edits"
manifest.write_text(text.replace(old, '[dependencies.rsa]\nversion = "0.10.0"\n'))
lib = root / "src" / "lib.rs"
code = lib.read_text()
assert code.startswith("#![deny(warnings)]\n")
lib.write_text(code.replace("#![deny(warnings)]\n", "#![deny(warnings)]\n#![allow(deprecated)]\n", 1))
PY
mv "$dest.tmp" "$dest"
