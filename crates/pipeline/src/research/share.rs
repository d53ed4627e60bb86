//! Counts out of totals, kept whole so prose can cite "9 of 20 (45%)", and the small numeric
//! helpers the statistics share. Nothing here divides by zero or yields NaN.

use serde::{Deserialize, Serialize};

/// A count out of a total with the percentage it makes, rounded to one decimal (`0` when the
/// total is `0`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// How many have it.
    pub count: u64,
    /// Out of how many.
    pub of: u64,
    /// `count / of` as a percentage, one decimal.
    pub percent: f64,
}

impl Share {
    /// `count` out of `of`. A count above the total is clamped to it.
    pub fn new(count: u64, of: u64) -> Self {
        let count = count.min(of);
        let percent = if of == 0 {
            0.0
        } else {
            // Tenths of a percent, rounded half up, in integers: exact for any count.
            let tenths = (u128::from(count) * 1_000 + u128::from(of) / 2) / u128::from(of);
            // At most 1 000, so the conversion is exact.
            f64::from(u32::try_from(tenths).unwrap_or(1_000)) / 10.0
        };
        Self { count, of, percent }
    }

    /// The percentage as a whole number, as prose writes it (the one-decimal value rounded).
    pub fn whole_percent(&self) -> u64 {
        // `percent` is within 0..=100, so the cast keeps the value.
        self.percent.round().clamp(0.0, 100.0) as u64
    }

    /// Whether there is anything to report.
    pub fn is_known(&self) -> bool {
        self.of > 0
    }
}

/// A bucket of a distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// What falls in it (`"3.5–4"`).
    pub label: String,
    /// How many, out of everything counted.
    #[serde(flatten)]
    pub share: Share,
}

/// A named count (a city, a signal, a check).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Named {
    /// The name.
    pub name: String,
    /// How many, out of everything counted.
    #[serde(flatten)]
    pub share: Share,
}

/// `value` rounded to `places` decimals.
pub(crate) fn round_to(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// The mean, two decimals; `None` for no values.
pub(crate) fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let sum: f64 = values.iter().sum();
    let n = f64::from(u32::try_from(values.len()).unwrap_or(u32::MAX));
    let m = sum / n;
    m.is_finite().then(|| round_to(m, 2))
}

/// The median, two decimals (the mean of the middle two for an even count); `None` for no
/// values.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let m = if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    };
    Some(round_to(m, 2))
}

/// A count as `u64`.
pub(crate) fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_keep_their_counts_and_never_divide_by_zero() {
        assert_eq!(
            Share::new(9, 20),
            Share {
                count: 9,
                of: 20,
                percent: 45.0
            }
        );
        assert_eq!(Share::new(1, 3).percent, 33.3);
        assert_eq!(Share::new(2, 3).percent, 66.7);
        assert_eq!(Share::new(2, 3).whole_percent(), 67);
        assert_eq!(Share::new(0, 0).percent, 0.0);
        assert_eq!(Share::new(5, 0), Share::new(0, 0));
        assert_eq!(Share::new(u64::MAX, u64::MAX).percent, 100.0);
        assert!(!Share::new(0, 0).is_known());
    }

    #[test]
    fn means_and_medians_of_nothing_are_none() {
        assert_eq!(mean(&[]), None);
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(mean(&[4.0, 4.5, 3.1]), Some(3.87));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 5.0]), Some(3.5));
    }
}
