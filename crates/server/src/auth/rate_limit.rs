//! Throttling of sign-in attempts, per account and per client address.
//!
//! Per account stops guessing one person's password from many machines; per address
//! stops one machine from spraying guesses over many accounts.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::{Error, Result};

/// `burst` attempts at once, then one more every `replenish_every`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub burst: NonZeroU32,
    pub replenish_every: Duration,
}

impl RateLimit {
    /// `per_minute` attempts a minute on average, with bursts of up to `burst`.
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        Self {
            burst: NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN),
            replenish_every: Duration::from_secs(60) / per_minute.max(1),
        }
    }

    fn quota(self) -> Quota {
        Quota::with_period(self.replenish_every)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(self.burst)
    }
}

/// Past this many remembered keys, forget those whose limit has fully replenished, so a
/// flood of distinct emails cannot grow the maps without bound.
const PRUNE_ABOVE_KEYS: usize = 10_000;

pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginLimiter {
    pub fn new(per_account: RateLimit, per_address: RateLimit) -> Self {
        Self {
            per_account: RateLimiter::keyed(per_account.quota()),
            per_address: RateLimiter::keyed(per_address.quota()),
        }
    }

    /// Counts one attempt; `Err(RateLimited)` when either limit is exhausted.
    pub fn check(&self, email: &str, address: Option<IpAddr>) -> Result<()> {
        if let Some(address) = address {
            check_one(&self.per_address, &address)?;
        }
        check_one(&self.per_account, &email.to_owned())
    }
}

fn check_one<K: Clone + Hash + Eq>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<()> {
    if limiter.len() > PRUNE_ABOVE_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        Error::RateLimited {
            // Round up: retrying after a truncated wait would be refused again.
            retry_after_secs: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
        }
    })
}
