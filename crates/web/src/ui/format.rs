//! How values read on a page: times in UTC, money, ratings, signal badges and their families.

use domain::Signal;

/// Epoch ms as `2025-01-31 14:05 UTC`.
pub fn time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

/// A `datetime-local` value (`2025-01-31T14:05`) as epoch ms, read as UTC.
pub fn parse_datetime_local(s: &str) -> Option<i64> {
    let (date, clock) = s.trim().split_once('T')?;
    let mut d = date.split('-').map(str::parse::<i64>);
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut c = clock.split(':').map(str::parse::<i64>);
    let (hh, mm) = (c.next()?.ok()?, c.next()?.ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || !(0..24).contains(&hh) {
        return None;
    }
    if !(0..60).contains(&mm) || !(1970..=9999).contains(&y) {
        return None;
    }
    let days = days_from_civil(y, m, day);
    Some(((days * 86_400) + hh * 3600 + mm * 60) * 1000)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Dollars with four decimals under a dollar, two above.
pub fn money(usd: f64) -> String {
    if usd.abs() < 1.0 {
        format!("${usd:.4}")
    } else {
        format!("${usd:.2}")
    }
}

/// `3.6 (48)`, or an em dash.
pub fn rating(rating: Option<f64>, reviews: Option<u32>) -> String {
    match (rating, reviews) {
        (Some(r), Some(n)) => format!("{r:.1} ({n})"),
        (Some(r), None) => format!("{r:.1}"),
        _ => "—".to_owned(),
    }
}

/// An optional text, or an em dash.
pub fn or_dash(s: Option<&str>) -> String {
    s.filter(|s| !s.trim().is_empty())
        .map_or_else(|| "—".to_owned(), str::to_owned)
}

/// A signal badge: its name and the family that colours it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// `LOW_GOOGLE_RATING`.
    pub name: String,
    /// `presence`, `mobile`, `conversion`, `trust` or `seo`.
    pub family: &'static str,
}

/// The badge of a stored signal name.
pub fn badge(name: &str) -> Badge {
    Badge {
        name: name.to_owned(),
        family: Signal::parse(name).map_or("other", family),
    }
}

/// The badges of a lead's signals.
pub fn badges(names: &[String]) -> Vec<Badge> {
    names.iter().map(|n| badge(n)).collect()
}

/// The family a signal is coloured by: what kind of work fixes it.
pub fn family(s: Signal) -> &'static str {
    match s {
        Signal::MissingWebsite | Signal::WeakWebPresence | Signal::NeedsWebAudit => "presence",
        Signal::LowGoogleRating => "reputation",
        Signal::WebsiteNotMobileFriendly | Signal::NoClickToCall => "mobile",
        Signal::NoCallToAction | Signal::NoBooking | Signal::NoContactEmail => "conversion",
        Signal::NoHttps | Signal::SlowWebsite | Signal::HeavyPage => "technical",
        Signal::MissingMetaDescription | Signal::StaleCopyright | Signal::NoLocalBusinessSchema => {
            "seo"
        }
    }
}

/// Every signal name, for filter and criteria pickers.
pub fn signal_names() -> Vec<&'static str> {
    Signal::ALL.iter().map(|s| s.as_str()).collect()
}

/// Progress 0–100 as a whole percentage.
pub fn percent(progress: f64) -> u32 {
    if progress.is_finite() {
        // Clamped to 0–100 first, so the cast cannot truncate.
        progress.clamp(0.0, 100.0).round() as u32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_utc_and_datetime_local_round_trips() {
        assert_eq!(time(0), "1970-01-01 00:00 UTC");
        assert_eq!(time(1_738_332_300_000), "2025-01-31 14:05 UTC");
        assert_eq!(
            parse_datetime_local("2025-01-31T14:05"),
            Some(1_738_332_300_000)
        );
        assert_eq!(parse_datetime_local("2025-13-01T00:00"), None);
        assert_eq!(parse_datetime_local("yesterday"), None);
    }

    #[test]
    fn every_signal_has_a_family() {
        for s in Signal::ALL {
            assert_ne!(badge(s.as_str()).family, "other");
        }
        assert_eq!(badge("NOT_A_SIGNAL").family, "other");
        assert_eq!(percent(49.6), 50);
        assert_eq!(percent(f64::NAN), 0);
    }
}
