//! Formatting helpers for sizes, dates and durations shown in the window.

use std::time::Duration;

/// "1.2 MB", "340 KB", "12 B".
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

pub use crate::core::filter::civil_from_days;

/// "2024-05-17 14:03" (UTC) from nanoseconds since the epoch.
pub fn date_time(mtime_ns: i64) -> String {
    let secs = mtime_ns.div_euclid(1_000_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        sod / 3600,
        (sod % 3600) / 60
    )
}

/// When a photo was taken, as its camera recorded it ("taken 2019-07-04 18:22 +02:00"), else its
/// file date, saying so ("file date 2024-05-17 14:03"): a copied photo's file date is the copy's.
pub fn photo_date(info: &crate::core::catalog::PhotoInfo) -> String {
    match &info.taken {
        Some(t) => {
            let local: String = t
                .local
                .chars()
                .take(16)
                .collect::<String>()
                .replace('T', " ");
            match t.offset_text() {
                Some(o) => format!("taken {local} {o}"),
                None => format!("taken {local}"),
            }
        }
        None => format!("file date {}", date_time(info.mtime_ns)),
    }
}

/// "2024-05" (UTC) from nanoseconds since the epoch: the browse view's date groups.
pub fn year_month(mtime_ns: i64) -> String {
    let (y, m, _) = civil_from_days(mtime_ns.div_euclid(1_000_000_000).div_euclid(86_400));
    format!("{y:04}-{m:02}")
}

/// "1 h 05 min", "3 min 20 s", "12 s".
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(1_234_567), "1.2 MB");
        assert_eq!(date_time(0), "1970-01-01 00:00");
        // 2024-02-29 12:34:00 UTC
        assert_eq!(date_time(1_709_210_040 * 1_000_000_000), "2024-02-29 12:34");
        assert_eq!(year_month(1_709_210_040 * 1_000_000_000), "2024-02");
        assert_eq!(duration(Duration::from_secs(3725)), "1 h 02 min");
    }
}
