//! `clientExtensionResults`: the client's JSON outputs, split by extension without copying
//! (each known member kept as raw JSON, parsed only when it was requested).

use std::borrow::Cow;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::{Error, ExtensionError, Result};

/// The members of `clientExtensionResults`, each as its raw JSON.
#[derive(Default)]
pub(super) struct ClientOutputs<'a> {
    pub cred_props: Option<&'a RawValue>,
    pub prf: Option<&'a RawValue>,
    pub large_blob: Option<&'a RawValue>,
    pub appid: Option<&'a RawValue>,
    pub appid_exclude: Option<&'a RawValue>,
    /// Names of members the crate does not know (allocates only when there are some).
    pub unknown: Vec<Cow<'a, str>>,
}

/// The most members `clientExtensionResults` may have.
const MAX_MEMBERS: usize = 64;

impl<'a> ClientOutputs<'a> {
    /// Splits the object. A member may appear once.
    pub fn parse(json: &'a str) -> Result<Self> {
        let mut de = serde_json::Deserializer::from_str(json);
        let outputs = de.deserialize_map(OutputsVisitor).map_err(|_| invalid("clientExtensionResults"))?;
        de.end().map_err(|_| invalid("clientExtensionResults"))?;
        Ok(outputs)
    }
}

fn invalid(what: &'static str) -> Error {
    Error::extension(ExtensionError::InvalidOutput, what)
}

struct OutputsVisitor;

impl<'de> Visitor<'de> for OutputsVisitor {
    type Value = ClientOutputs<'de>;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("an object of extension outputs")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> core::result::Result<Self::Value, A::Error> {
        let mut out = ClientOutputs::default();
        let mut members = 0;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            members += 1;
            if members > MAX_MEMBERS {
                return Err(serde::de::Error::custom("too many members"));
            }
            let slot = match &*key {
                "credProps" => &mut out.cred_props,
                "prf" => &mut out.prf,
                "largeBlob" => &mut out.large_blob,
                "appid" => &mut out.appid,
                "appidExclude" => &mut out.appid_exclude,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    if out.unknown.contains(&key) {
                        return Err(serde::de::Error::custom("duplicate member"));
                    }
                    out.unknown.push(key);
                    continue;
                }
            };
            if slot.replace(map.next_value::<&'de RawValue>()?).is_some() {
                return Err(serde::de::Error::custom("duplicate member"));
            }
        }
        Ok(out)
    }
}

/// Parses one member's raw JSON as `T`, refusing a wrong shape as an invalid output of
/// `extension`.
pub(super) fn member<'a, T: serde::Deserialize<'a>>(raw: &'a RawValue, extension: &'static str) -> Result<T> {
    serde_json::from_str(raw.get()).map_err(|_| invalid(extension))
}

/// A member name, borrowed from the input unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> core::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> core::result::Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}
