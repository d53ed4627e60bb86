//! Retry delays: exponential backoff with equal jitter, as a pure function.

use std::time::Duration;

/// How long a failed job waits before its next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Ceiling of the first retry's delay; each further retry doubles it.
    pub base: Duration,
    /// Cap on the delay.
    pub max: Duration,
}

impl Default for BackoffPolicy {
    /// 1 s, doubling, capped at 5 min.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(300),
        }
    }
}

impl BackoffPolicy {
    /// The un-jittered delay after failed attempt `attempt` (1-based): `base × 2^(attempt-1)`,
    /// capped at `max`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(63);
        let factor = 1u64 << doublings;
        let base = u64::try_from(self.base.as_millis()).unwrap_or(u64::MAX);
        let max = u64::try_from(self.max.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(base.saturating_mul(factor).min(max))
    }
}

/// The delay after failed attempt `attempt` (1-based) with "equal jitter": half the
/// [ceiling](BackoffPolicy::ceiling) is fixed and the other half scaled by `unit` (a sample in
/// `[0, 1]`; values outside are clamped). Keeping half fixed means a retry never comes
/// immediately, while the random half spreads retries of jobs that failed together.
pub fn backoff_delay(attempt: u32, policy: &BackoffPolicy, unit: f64) -> Duration {
    let ceiling = policy.ceiling(attempt);
    let half = ceiling / 2;
    let unit = if unit.is_nan() {
        0.0
    } else {
        unit.clamp(0.0, 1.0)
    };
    half + (ceiling - half).mul_f64(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn the_ceiling_doubles_from_the_base_and_stops_at_the_cap() {
        let policy = BackoffPolicy::default();
        let schedule: Vec<_> = (1..=11).map(|a| policy.ceiling(a)).collect();
        assert_eq!(
            schedule,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map(secs)
        );
        assert_eq!(
            policy.ceiling(0),
            secs(1),
            "attempt 0 is treated as the first"
        );
        assert_eq!(policy.ceiling(u32::MAX), secs(300), "no overflow");
    }

    #[test]
    fn equal_jitter_keeps_at_least_half_the_ceiling() {
        let policy = BackoffPolicy {
            base: Duration::from_millis(100),
            max: secs(10),
        };
        assert_eq!(backoff_delay(3, &policy, 0.0), Duration::from_millis(200));
        assert_eq!(backoff_delay(3, &policy, 0.5), Duration::from_millis(300));
        assert_eq!(backoff_delay(3, &policy, 1.0), Duration::from_millis(400));
        assert_eq!(backoff_delay(20, &policy, 1.0), secs(10));
        assert_eq!(backoff_delay(20, &policy, 0.0), secs(5));
    }

    #[test]
    fn out_of_range_jitter_samples_are_clamped() {
        let policy = BackoffPolicy::default();
        assert_eq!(backoff_delay(1, &policy, -3.0), Duration::from_millis(500));
        assert_eq!(backoff_delay(1, &policy, 7.0), secs(1));
        assert_eq!(
            backoff_delay(1, &policy, f64::NAN),
            Duration::from_millis(500)
        );
    }
}
