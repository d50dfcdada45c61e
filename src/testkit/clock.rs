//! A clock a test sets by hand, for [`Ceremonies::with_clock`](crate::Ceremonies::with_clock).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::ceremony::TimeProvider;
use crate::challenge::UnixTime;

/// A clock that reads what the test last set; clones share the time, so a test keeps one
/// handle and gives another to the ceremonies.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock reading `now`.
    #[must_use]
    pub fn new(now: UnixTime) -> Self {
        Self(Arc::new(AtomicU64::new(now.as_secs())))
    }

    /// Sets the time every clone reads.
    pub fn set(&self, now: UnixTime) {
        self.0.store(now.as_secs(), Ordering::SeqCst);
    }
}

impl TimeProvider for ManualClock {
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.0.load(Ordering::SeqCst))
    }
}
