//! Calendar arithmetic the rules need (the year a site's copyright is judged against), from a
//! time the caller passes in.

/// The UTC calendar year of an instant given in epoch milliseconds (proleptic Gregorian).
pub fn year_from_epoch_ms(ms: i64) -> i32 {
    // Howard Hinnant's `civil_from_days`.
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use super::year_from_epoch_ms;

    #[test]
    fn years_turn_at_midnight_utc_on_new_years_day() {
        assert_eq!(year_from_epoch_ms(0), 1970);
        assert_eq!(year_from_epoch_ms(-1), 1969);
        // 2024-02-29T12:00Z, a leap day.
        assert_eq!(year_from_epoch_ms(1_709_208_000_000), 2024);
        // 2025-12-31T23:59:59.999Z and the next millisecond.
        assert_eq!(year_from_epoch_ms(1_767_225_599_999), 2025);
        assert_eq!(year_from_epoch_ms(1_767_225_600_000), 2026);
        // 2000-03-01, after a century leap day.
        assert_eq!(year_from_epoch_ms(951_868_800_000), 2000);
    }
}
