#!/usr/bin/env python3
"""Write seed corpora for the fuzz targets from the shared ceremony vectors.

Usage: python3 fuzz/seed.py [VECTORS_DIR] (default: ../../shared/vectors from this file,
i.e. /work/shared/vectors). Seeds go to fuzz/corpus/<target>/, named by content hash.
"""
import base64
import binascii
import glob
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "vectors")
CORPUS = os.path.join(HERE, "corpus")
counts = {}


def b64(text):
    """Lenient decode: base64url or standard alphabet, padded or not. None if hopeless."""
    if not isinstance(text, str):
        return None
    t = "".join(text.split()).replace("-", "+").replace("_", "/").rstrip("=")
    t += "=" * (-len(t) % 4)
    try:
        return base64.b64decode(t, validate=True)
    except (binascii.Error, ValueError):
        return None


def seed(target, data):
    if data is None or len(data) == 0:
        return
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1


def main():
    for path in sorted(glob.glob(os.path.join(VECTORS, "*.json"))):
        with open(path) as f:
            cases = json.load(f).get("cases", [])
        for case in cases:
            resp = case.get("response") or {}
            inner = resp.get("response") or {}
            whole = json.dumps(resp, separators=(",", ":")).encode()
            seed("credential_json", whole)
            seed("fast_paths", whole)
            if case.get("ceremony") == "registration":
                seed("registration", whole)
            else:
                seed("authentication", whole)
            seed("client_data", b64(inner.get("clientDataJSON")))
            seed("fast_paths", b64(inner.get("clientDataJSON")))
            for field in ("authenticatorData", "signature", "userHandle"):
                if isinstance(inner.get(field), str):
                    seed("fast_paths", inner[field].encode())
            ad = b64(inner.get("authenticatorData"))
            seed("auth_data", ad)
            seed("cbor", ad)
            ao = b64(inner.get("attestationObject"))
            seed("attestation_object", ao)
            seed("cbor", ao)
            key = b64((case.get("credential") or {}).get("public_key"))
            seed("cose_key", key)
            seed("cbor", key)
            # Registration: the credential public key and authenticator data inside the
            # attestation object are seeds too (cut out with a tiny CBOR walk).
            if ao:
                auth_data = find_auth_data(ao)
                seed("auth_data", auth_data)
                seed("cose_key", credential_key(auth_data))
    for target, n in sorted(counts.items()):
        print(f"{target}: {n} seeds")


def cbor_item(b, i):
    """Returns (value, next index) for the CBOR item at b[i]; containers as lists/dicts."""
    ib = b[i]
    major, info = ib >> 5, ib & 31
    i += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        n = 1 << (info - 24)
        arg = int.from_bytes(b[i:i + n], "big")
        i += n
    else:
        raise ValueError("unsupported")
    if major in (0, 1):
        return arg, i
    if major in (2, 3):
        return bytes(b[i:i + arg]), i + arg
    if major == 4:
        out = []
        for _ in range(arg):
            v, i = cbor_item(b, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(arg):
            k, i = cbor_item(b, i)
            v, i = cbor_item(b, i)
            out[k if not isinstance(k, (list, dict)) else repr(k)] = v
        return out, i
    if major == 6:
        return cbor_item(b, i)
    return None, i + (0 if info < 24 else 1 << (info - 24))


def find_auth_data(ao):
    try:
        m, _ = cbor_item(ao, 0)
        return m.get(b"authData")
    except Exception:
        return None


def credential_key(ad):
    try:
        if not ad or len(ad) < 55 or not ad[32] & 0x40:
            return None
        n = int.from_bytes(ad[53:55], "big")
        start = 55 + n
        _, end = cbor_item(ad, start)
        return ad[start:end]
    except Exception:
        return None


if __name__ == "__main__":
    main()
