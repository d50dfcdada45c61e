//! Short numeric codes: the 8-digit one-time code a person types (or the OS autofills), and
//! the 6-digit pairing code shown on both devices of an onboarding.
//!
//! Digits are drawn uniformly (rejection sampling: no modulo bias). Guessing is bounded by
//! the attempts the caller allows (see the crate documentation for the arithmetic).

use rand_core::CryptoRng;

use crate::RecoveryError;

macro_rules! digits {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name([u8; $len]);

        impl $name {
            /// The number of digits.
            pub const LEN: usize = $len;

            /// Draws a fresh code, each digit uniform.
            pub fn random(rng: &mut impl CryptoRng) -> Self {
                let mut out = [b'0'; $len];
                for d in &mut out {
                    *d = b'0' + uniform_digit(rng);
                }
                Self(out)
            }

            /// Parses a typed code: exactly the digits, spaces and `-` ignored.
            ///
            /// # Errors
            ///
            /// [`RecoveryError::MalformedToken`] for anything else.
            pub fn parse(text: &str) -> Result<Self, RecoveryError> {
                let mut out = [b'0'; $len];
                let mut n = 0usize;
                for c in text.bytes() {
                    match c {
                        b' ' | b'-' => continue,
                        b'0'..=b'9' => {
                            *out.get_mut(n).ok_or(RecoveryError::MalformedToken)? = c;
                            n += 1;
                        }
                        _ => return Err(RecoveryError::MalformedToken),
                    }
                }
                if n == $len { Ok(Self(out)) } else { Err(RecoveryError::MalformedToken) }
            }

            /// The digits as text. Treat the result as a secret: never log it.
            #[must_use]
            pub fn as_str(&self) -> &str {
                core::str::from_utf8(&self.0).unwrap_or_default()
            }

            /// The ASCII digits.
            #[must_use]
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

digits!(
    /// An 8-digit one-time code (10^8 values), delivered where a deep link may not be
    /// (channels without confirmed end-to-end encryption).
    OneTimeCode,
    8
);

digits!(
    /// A 6-digit pairing code, shown on the new device and typed on the approving one; the
    /// approving assertion's challenge commits to it ([`onboarding_challenge`](crate::onboarding_challenge)).
    PairingCode,
    6
);

impl OneTimeCode {
    /// The origin-bound one-time-code line that iOS and Android autofill
    /// (`@rp.example #12345678`, the WICG origin-bound one-time codes format), the last line
    /// of a message.
    #[must_use]
    pub fn origin_bound_line(&self, rp_id: &str) -> String {
        format!("@{rp_id} #{}", self.as_str())
    }
}

/// A uniform digit: bytes at or above 250 are redrawn (250 is the largest multiple of 10 that
/// fits a byte).
fn uniform_digit(rng: &mut impl CryptoRng) -> u8 {
    loop {
        let mut b = [0u8; 1];
        rng.fill_bytes(&mut b);
        if b[0] < 250 {
            return b[0] % 10;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_uniform_digits() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let mut counts = [0u32; 10];
        for _ in 0..2000 {
            let code = OneTimeCode::random(&mut rng);
            assert_eq!(code.as_str().len(), 8);
            for d in code.as_bytes() {
                counts[usize::from(d - b'0')] += 1;
            }
        }
        // 16,000 digits: each digit near 1,600 (a biased generator would be far off).
        assert!(counts.iter().all(|&c| (1300..1900).contains(&c)), "{counts:?}");
    }

    #[test]
    fn codes_parse_strictly_and_print_origin_bound() {
        let code = OneTimeCode::parse("1234-5678").unwrap();
        assert_eq!(code.origin_bound_line("rp.example"), "@rp.example #12345678");
        for bad in ["", "1234567", "123456789", "1234567a", "１２３４５６７８"] {
            assert!(OneTimeCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(format!("{code:?}"), "OneTimeCode(<redacted>)");
        assert!(PairingCode::parse("123 456").is_ok());
    }
}
