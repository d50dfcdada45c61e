//! What the ceremony layer owns instead of taking as arguments: a clock and a random source,
//! both injectable (a test passes a manual clock and a seeded generator; a server, the system
//! clock and the operating system's generator).

use core::convert::Infallible;
use std::sync::{Mutex, PoisonError};

use rand_core::{CryptoRng, TryCryptoRng, TryRng};

use crate::challenge::UnixTime;

/// Where [`Ceremonies`](super::Ceremonies) reads the time: issuing and expiring state, and
/// the `now` of every verification.
pub trait TimeProvider: Send + Sync {
    /// The current time.
    fn now(&self) -> UnixTime;
}

/// The system clock ([`UnixTime::now`]); the default of [`Ceremonies`](super::Ceremonies).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl TimeProvider for SystemClock {
    fn now(&self) -> UnixTime {
        UnixTime::now()
    }
}

impl<T: TimeProvider + ?Sized> TimeProvider for std::sync::Arc<T> {
    fn now(&self) -> UnixTime {
        (**self).now()
    }
}

/// A cryptographic random source shared by concurrent ceremonies: any `rand_core`
/// [`CryptoRng`] that is `Send`, behind a lock held only while bytes are drawn.
pub(super) struct SharedRng(Mutex<Box<FillBytes>>);

/// Fills a buffer with random bytes (the owned generator, type-erased).
type FillBytes = dyn FnMut(&mut [u8]) + Send;

impl SharedRng {
    pub(super) fn new(mut rng: impl CryptoRng + Send + 'static) -> Self {
        Self(Mutex::new(Box::new(move |dst: &mut [u8]| rng.fill_bytes(dst))))
    }

    /// A generator view for one call of the pure functions.
    pub(super) const fn draw(&self) -> Draw<'_> {
        Draw(self)
    }

    fn fill(&self, dst: &mut [u8]) {
        // A panic elsewhere cannot make the generator unsafe to use: keep drawing.
        let mut rng = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        rng(dst);
    }
}

/// The shared source as a `rand_core` generator (each request locks it briefly).
pub(super) struct Draw<'a>(&'a SharedRng);

impl TryRng for Draw<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for Draw<'_> {}
