//! Calendar dates of the metadata BLOB (`"YYYY-MM-DD"`, ISO 8601 full-date), without a date
//! crate.

use crate::challenge::UnixTime;

const SECS_PER_DAY: u64 = 86_400;

/// The number of days of `month` (1..=12) in `year`.
const fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date with `year >= 1970`
/// (H. Hinnant's `days_from_civil`, restricted to unsigned arithmetic).
const fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `"YYYY-MM-DD"` into 00:00:00 UTC of that day. Exactly ten characters, four-digit
/// year from 1970, a month and a day that exist; anything else is `None`.
pub(crate) fn parse_date(text: &str) -> Option<UnixTime> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: core::ops::Range<usize>| -> Option<u64> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u64, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0')))
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if year < 1970 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(UnixTime::from_secs(days_from_civil(year, month, day) * SECS_PER_DAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        for (text, secs) in [
            ("1970-01-01", 0),
            ("1970-03-01", 59 * SECS_PER_DAY),
            ("2000-02-29", 951_782_400),
            ("2000-03-01", 951_868_800),
            ("2024-02-29", 1_709_164_800),
            ("2024-12-31", 1_735_603_200),
            ("2100-03-01", 4_107_542_400),
            ("9999-12-31", 253_402_214_400),
        ] {
            assert_eq!(parse_date(text), Some(UnixTime::from_secs(secs)), "{text}");
        }
    }

    #[test]
    fn refuses_invalid_dates() {
        for text in [
            "",
            "2024-1-01",
            "2024-01-1",
            "2024/01/01",
            "2023-02-29",
            "2100-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-01-00",
            "1969-12-31",
            "+024-01-01",
            "2024-01-01T00:00:00Z",
            "２０２４-01-01",
            "2024-0١-01",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }
}
