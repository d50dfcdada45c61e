//! Typed access to the members of an attestation statement map (`attStmt`).

use crate::encoding::cbor::{Seq, Value};
use crate::error::AttestationError;
use crate::error::{Error, Result};

use crate::cert::MAX_CHAIN_LEN;

/// The members of `attStmt`, text-keyed, each present at most once.
pub(crate) struct AttStmt<'a> {
    entries: Vec<(&'a str, Value<'a>)>,
}

impl<'a> AttStmt<'a> {
    /// Reads the map; a non-text key, a duplicate key or a key outside `allowed` is refused
    /// (§8: the statement must conform to its format's syntax).
    pub fn parse(map: Seq<'a>, allowed: &[&str]) -> Result<Self> {
        let mut entries: Vec<(&'a str, Value<'a>)> = Vec::with_capacity(map.len().min(8));
        for entry in map.entries() {
            let (key, value) = entry
                .map_err(|_| Error::attestation(AttestationError::MalformedStatement, "attStmt is not valid CBOR"))?;
            let key = key
                .as_text()
                .ok_or_else(|| Error::attestation(AttestationError::MalformedStatement, "attStmt key is not text"))?;
            if !allowed.contains(&key) {
                return Err(Error::attestation(
                    AttestationError::MalformedStatement,
                    "attStmt has an unexpected member",
                ));
            }
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(Error::attestation(AttestationError::MalformedStatement, "duplicate attStmt member"));
            }
            entries.push((key, value));
        }
        Ok(Self { entries })
    }

    fn get(&self, key: &str) -> Option<Value<'a>> {
        self.entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// A required integer member.
    pub fn int(&self, key: &'static str) -> Result<i64> {
        self.get(key).and_then(|v| v.as_i64()).ok_or_else(|| {
            Error::attestation(AttestationError::MalformedStatement, "attStmt integer member missing or mistyped")
        })
    }

    /// A required byte-string member.
    pub fn bytes(&self, key: &'static str) -> Result<&'a [u8]> {
        self.get(key).and_then(|v| v.as_bytes()).ok_or_else(|| {
            Error::attestation(AttestationError::MalformedStatement, "attStmt byte-string member missing or mistyped")
        })
    }

    /// A required text member.
    pub fn text(&self, key: &'static str) -> Result<&'a str> {
        self.get(key).and_then(|v| v.as_text()).ok_or_else(|| {
            Error::attestation(AttestationError::MalformedStatement, "attStmt text member missing or mistyped")
        })
    }

    /// The `x5c` member, when present: 1 to 8 DER certificates, leaf first.
    pub fn x5c(&self) -> Result<Option<Vec<&'a [u8]>>> {
        let Some(value) = self.get("x5c") else {
            return Ok(None);
        };
        let Value::Array(items) = value else {
            return Err(Error::attestation(AttestationError::MalformedStatement, "x5c is not an array"));
        };
        if items.is_empty() || items.len() > MAX_CHAIN_LEN {
            return Err(Error::attestation(AttestationError::MalformedStatement, "x5c must hold 1 to 8 certificates"));
        }
        items
            .items()
            .map(|item| {
                item.ok().and_then(|v| v.as_bytes()).ok_or_else(|| {
                    Error::attestation(AttestationError::MalformedStatement, "x5c item is not a byte string")
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}
