//! Calendar days for the date filters, and the dates a person types ("2019", "2019-07",
//! "2019-07-04").

use super::*;

/// A calendar day (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// The day `year-month-day`; `None` when there is no such day (or the year is not 1–9999).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month))
        .then_some(Self { year, month, day })
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u32 {
        self.day
    }

    /// The UTC day of a time in nanoseconds since the Unix epoch (a file's modification time).
    pub fn from_unix_ns(ns: i64) -> Self {
        let days = ns.div_euclid(1_000_000_000).div_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let year = year.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        Self { year, month, day }
    }

    /// The day a photo was taken (its camera's local date, else the date in its file name),
    /// else the UTC day its file was last modified.
    pub fn of_photo(p: &PhotoInfo) -> Self {
        p.dated()
            .and_then(|(t, _)| t.local.get(..10).and_then(Self::parse_day))
            .unwrap_or_else(|| Self::from_unix_ns(p.mtime_ns))
    }

    /// Exactly "YYYY-MM-DD".
    pub(super) fn parse_day(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        Self::new(
            s.get(..4)?.parse().ok()?,
            s.get(5..7)?.parse().ok()?,
            s.get(8..10)?.parse().ok()?,
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_day(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a YYYY-MM-DD date")))
    }
}

/// The days a typed date stands for: one day, a whole month or a whole year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpan {
    /// The first day (what `after` takes).
    pub first: Date,
    /// The last day (what `before` takes).
    pub last: Date,
}

/// A date that could not be read; says which forms are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// What was typed.
    pub input: String,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a date: use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2019, 2019-07 or 2019-07-04)",
            self.input
        )
    }
}

impl std::error::Error for DateError {}

/// Read "2019-07-04", "2019-07" or "2019" (surrounding blanks ignored; one-digit months and days
/// allowed). A month or a year stands for all its days: `after` takes [`DateSpan::first`],
/// `before` [`DateSpan::last`].
pub fn parse_date(s: &str) -> Result<DateSpan, DateError> {
    let err = || DateError {
        input: s.trim().to_string(),
    };
    let t = s.trim();
    let parts: Vec<&str> = t.split('-').collect();
    let num = |p: &str, max_len: usize| -> Option<u32> {
        if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let year = parts
        .first()
        .filter(|y| y.len() == 4)
        .and_then(|y| num(y, 4))
        .and_then(|y| i32::try_from(y).ok())
        .ok_or_else(err)?;
    let span = match parts.as_slice() {
        [_] => Date::new(year, 1, 1).zip(Date::new(year, 12, 31)),
        [_, m] => {
            let m = num(m, 2).ok_or_else(err)?;
            Date::new(year, m, 1).zip(
                (1..=12)
                    .contains(&m)
                    .then(|| Date::new(year, m, days_in_month(year, m)))
                    .flatten(),
            )
        }
        [_, m, d] => {
            let day = num(m, 2)
                .zip(num(d, 2))
                .and_then(|(m, d)| Date::new(year, m, d))
                .ok_or_else(err)?;
            Some((day, day))
        }
        _ => None,
    };
    span.map(|(first, last)| DateSpan { first, last })
        .ok_or_else(err)
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// (year, month, day) of a day count since 1970-01-01 (proleptic Gregorian calendar; Howard
/// Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
