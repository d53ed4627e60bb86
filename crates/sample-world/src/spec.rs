//! The small text syntax shared by latency profiles and fault plans: durations (`0`, `300ms`,
//! `1.5s`, `2m`), rates (`0.05` or `5%`), and the error that names what is wrong with a spec.

use std::fmt;
use std::time::Duration;

/// What is wrong with a latency or fault spec, in words fit for a command-line error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(String);

impl SpecError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// The same error, prefixed with where it happened (`openai: …`).
    pub(crate) fn context(self, at: &str) -> Self {
        Self(format!("{at}: {}", self.0))
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

const UNITS: &[(&str, f64)] = &[
    ("ns", 1.0),
    ("us", 1e3),
    ("µs", 1e3),
    ("ms", 1e6),
    ("s", 1e9),
    ("m", 60e9),
];

/// `0`, or a non-negative number with a unit: `ns`, `us`, `ms`, `s`, `m` (`300ms`, `1.5s`).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, SpecError> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let not_a_duration = || {
        SpecError::new(format!(
            "\"{text}\" is not a duration (like 0, 300ms or 2s)"
        ))
    };
    let value: f64 = number.parse().map_err(|_| not_a_duration())?;
    let &(_, scale) = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .ok_or_else(not_a_duration)?;
    let nanos = (value * scale).round();
    if !nanos.is_finite() || nanos > u64::MAX as f64 {
        return Err(SpecError::new(format!("\"{text}\" is too long a duration")));
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// The shortest exact spelling [`parse_duration`] reads back: `0`, `2s`, `1500ms`, `250us`.
pub(crate) fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    match nanos {
        0 => "0".to_owned(),
        n if n % 1_000_000_000 == 0 => format!("{}s", n / 1_000_000_000),
        n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}us", n / 1_000),
        n => format!("{n}ns"),
    }
}

/// A probability: `0.05` or `5%`, in 0..=1.
pub(crate) fn parse_rate(text: &str) -> Result<f64, SpecError> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (text, 1.0),
    };
    let value = number
        .trim()
        .parse::<f64>()
        .map(|v| v / scale)
        .map_err(|_| SpecError::new(format!("\"{text}\" is not a rate (like 0.05 or 5%)")))?;
    check_rate(value).map_err(|_| SpecError::new(format!("rate {text} out of 0..=1")))
}

/// `value` if it is a probability.
pub(crate) fn check_rate(value: f64) -> Result<f64, SpecError> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(SpecError::new(format!("rate {value} out of 0..=1")))
    }
}

/// A number without float noise: at most six decimals, trailing zeros dropped.
pub(crate) fn format_number(value: f64) -> String {
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn durations_read_back_as_written() {
        for (text, ms) in [("0", 0), ("300ms", 300), ("2s", 2000), ("1.5s", 1500)] {
            let d = parse_duration(text).unwrap();
            assert_eq!(d, Duration::from_millis(ms));
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d);
        }
        assert_eq!(format_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("250us").unwrap(), Duration::from_micros(250));
    }

    #[test]
    fn bad_durations_and_rates_are_named() {
        for text in ["", "ms", "3", "3h", "-1s", "1e999s"] {
            let error = parse_duration(text).unwrap_err().to_string();
            assert!(error.contains(text), "{text}: {error}");
        }
        assert_eq!(parse_rate("5%").unwrap(), 0.05);
        assert_eq!(parse_rate("0.25").unwrap(), 0.25);
        assert_eq!(
            parse_rate("1.5").unwrap_err().to_string(),
            "rate 1.5 out of 0..=1"
        );
        assert!(
            parse_rate("often")
                .unwrap_err()
                .to_string()
                .contains("often")
        );
        assert!(parse_rate("NaN").is_err());
    }

    #[test]
    fn numbers_print_without_float_noise() {
        assert_eq!(format_number(0.075 * 100.0), "7.5");
        assert_eq!(format_number(0.05), "0.05");
        assert_eq!(format_number(1.0), "1");
        assert_eq!(format_number(0.0), "0");
    }
}
