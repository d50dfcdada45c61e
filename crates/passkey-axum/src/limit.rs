//! A fixed-window rate limit on the start endpoints, per client address: enough to keep one
//! client from filling the ceremony store. Per process; behind several instances each
//! enforces its own share.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

/// The most client addresses tracked at once; past it the oldest windows are dropped.
const MAX_CLIENTS: usize = 100_000;

#[derive(Debug)]
pub(crate) struct StartLimiter {
    per_window: u32,
    window_secs: u64,
    windows: Mutex<HashMap<Option<IpAddr>, (u64, u32)>>,
}

impl StartLimiter {
    pub fn new(per_window: u32, window_secs: u64) -> Self {
        Self { per_window, window_secs: window_secs.max(1), windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one start by `client` at `now`; `Err(retry_after_secs)` when over the limit.
    pub fn check(&self, client: Option<IpAddr>, now: u64) -> Result<(), u64> {
        let window = now / self.window_secs;
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= MAX_CLIENTS {
            windows.retain(|_, (w, _)| *w == window);
        }
        let entry = windows.entry(client).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= self.per_window {
            return Err((window + 1) * self.window_secs - now);
        }
        entry.1 += 1;
        Ok(())
    }
}
