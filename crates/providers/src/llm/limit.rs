//! Per-provider rate limiting: at most `max_concurrent` calls in flight, and request starts
//! at least `min_delay` apart (`OPENAI_MAX_CONCURRENT`, `OPENAI_MIN_DELAY_MS`).
//!
//! Starts pass one at a time through a gate (a fair async mutex) that remembers when the
//! last call actually started; the caller at the gate sleeps until `min_delay` after that.
//! Spacing is measured from real start instants, not from planned slots, because timers fire
//! late but never early: a late wake-up of one caller cannot squeeze the next one closer.
//! A 429 that names a wait pushes every later start out ([`RateLimiter::back_off`]), so
//! callers queued behind it do not run into the same limit.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How hard a provider may be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls in flight at once (at least 1).
    pub max_concurrent: usize,
    /// Minimum time between two request starts.
    pub min_delay: Duration,
}

impl Default for RateLimit {
    /// Four in flight, 250 ms apart: comfortably inside OpenAI's lowest paid tier.
    fn default() -> Self {
        Self {
            max_concurrent: 4,
            min_delay: Duration::from_millis(250),
        }
    }
}

impl RateLimit {
    /// No spacing and effectively no concurrency cap, for local servers and tests.
    pub fn unlimited() -> Self {
        Self {
            max_concurrent: Semaphore::MAX_PERMITS,
            min_delay: Duration::ZERO,
        }
    }
}

/// A provider's limiter; share one `Arc` between every client of the same account.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    permits: Arc<Semaphore>,
    /// When the last call started; held while the next one waits for its turn.
    gate: tokio::sync::Mutex<Option<Instant>>,
    /// No start before this (set by [`RateLimiter::back_off`], which cannot await).
    not_before: Mutex<Option<Instant>>,
}

/// Permission to make one call; dropping it frees the concurrency slot.
#[derive(Debug)]
pub struct RatePermit {
    _permit: Option<OwnedSemaphorePermit>,
    /// How long the caller waited for its slot.
    pub waited: Duration,
    /// When the limiter let the call start.
    pub started_at: Instant,
}

impl RateLimiter {
    /// A limiter enforcing `limit`.
    pub fn new(limit: RateLimit) -> Self {
        let max = limit.max_concurrent.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            limit: RateLimit {
                max_concurrent: max,
                ..limit
            },
            permits: Arc::new(Semaphore::new(max)),
            gate: tokio::sync::Mutex::new(None),
            not_before: Mutex::new(None),
        }
    }

    /// A shareable limiter enforcing `limit`.
    pub fn shared(limit: RateLimit) -> Arc<Self> {
        Arc::new(Self::new(limit))
    }

    /// The limit enforced.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Calls holding a permit right now.
    pub fn in_flight(&self) -> usize {
        self.limit
            .max_concurrent
            .saturating_sub(self.permits.available_permits())
    }

    /// Waits for a concurrency slot, then for this call's start slot.
    pub async fn acquire(&self) -> RatePermit {
        let asked = Instant::now();
        // `Err` only if the semaphore were closed, which it never is: fail open then.
        let permit = Arc::clone(&self.permits).acquire_owned().await.ok();
        let mut last_start = self.gate.lock().await;
        loop {
            // Re-read each time: a 429 elsewhere may move `not_before` while this one sleeps.
            let not_before = *self.not_before.lock().unwrap_or_else(|e| e.into_inner());
            let earliest = last_start
                .map(|at| at + self.limit.min_delay)
                .max(not_before);
            match earliest {
                Some(at) if at > Instant::now() => tokio::time::sleep_until(at).await,
                _ => break,
            }
        }
        let started_at = Instant::now();
        *last_start = Some(started_at);
        drop(last_start);
        RatePermit {
            _permit: permit,
            waited: started_at - asked,
            started_at,
        }
    }

    /// Delays every start not yet reserved until `wait` from now (a 429 said so).
    pub fn back_off(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut not_before = self.not_before.lock().unwrap_or_else(|e| e.into_inner());
        if not_before.is_none_or(|at| at < until) {
            *not_before = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn starts_are_spaced_by_the_minimum_delay_on_a_virtual_clock() {
        let limiter = RateLimiter::new(RateLimit {
            max_concurrent: 10,
            min_delay: Duration::from_millis(100),
        });
        let t0 = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..4 {
            let permit = limiter.acquire().await;
            starts.push(permit.started_at - t0);
        }
        assert_eq!(
            starts,
            [0, 100, 200, 300].map(Duration::from_millis).to_vec()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_back_off_delays_the_next_start() {
        let limiter = RateLimiter::new(RateLimit {
            max_concurrent: 1,
            min_delay: Duration::ZERO,
        });
        let t0 = Instant::now();
        drop(limiter.acquire().await);
        limiter.back_off(Duration::from_secs(2));
        let permit = limiter.acquire().await;
        assert_eq!(Instant::now() - t0, Duration::from_secs(2));
        assert_eq!(permit.waited, Duration::from_secs(2));
    }

    #[test]
    fn zero_concurrency_is_raised_to_one() {
        let limiter = RateLimiter::new(RateLimit {
            max_concurrent: 0,
            min_delay: Duration::ZERO,
        });
        assert_eq!(limiter.limit().max_concurrent, 1);
    }
}
