//! The date in a photo's file name, for photos that carry no EXIF capture time.
//!
//! Messengers and phones strip or never write EXIF but put the date in the name: WhatsApp
//! (`IMG-20190704-WA0001.jpg`), Android cameras (`IMG_20190704_153012.jpg`), Pixel
//! (`PXL_20210704_153012345.jpg`), Samsung (`20190704_153012.jpg`), screenshots on Android
//! (`Screenshot_20190704-153012.png`), macOS (`Screenshot 2019-07-04 at 15.30.12.png`) and GNOME
//! (`Screenshot from 2019-07-04 15-30-12.png`), Telegram (`photo_2021-07-04_15-30-12.jpg`),
//! Signal (`signal-2021-07-04-153012.jpg`). Such a date is the camera's (or the sender's) local
//! wall-clock time, without a time zone.
//!
//! A run of digits counts only when it is a whole date: a year 1990–2099, a month and a valid day,
//! either as eight digits standing alone or with one separator (`-`, `_`, `.`) between the parts,
//! so camera counters (`DSC_0201`, `P1020304`) are never read as dates.

use super::CaptureTime;

/// The capture time written in `file_name` (with or without extension), if it holds one: the
/// date, and the time of day when it follows the date; midnight otherwise.
pub fn capture_time_in_name(file_name: &str) -> Option<CaptureTime> {
    let b = file_name.as_bytes();
    (0..b.len())
        .filter(|&i| i == 0 || !b[i - 1].is_ascii_digit())
        .find_map(|i| date_at(b, i))
}

/// A date (and time) starting at byte `i` of `b`.
fn date_at(b: &[u8], i: usize) -> Option<CaptureTime> {
    let year = digits(b, i, 4)?;
    if !(1990..=2099).contains(&year) {
        return None;
    }
    let mut at = i + 4;
    let sep = b
        .get(at)
        .copied()
        .filter(|c| matches!(c, b'-' | b'_' | b'.'));
    if sep.is_some() {
        at += 1;
    }
    let month = digits(b, at, 2)?;
    at += 2;
    if let Some(s) = sep {
        if b.get(at) != Some(&s) {
            return None;
        }
        at += 1;
    }
    let day = digits(b, at, 2)?;
    at += 2;
    if b.get(at).is_some_and(u8::is_ascii_digit) {
        // Nine or more digits: a number, not a date.
        return None;
    }
    // A real day of the calendar (no 30 February).
    crate::core::filter::Date::new(i32::try_from(year).ok()?, month, day)?;
    let (hour, minute, second) = time_at(b, at).unwrap_or((0, 0, 0));
    CaptureTime::parse_iso(&format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}"
    ))
}

/// A time of day right after a date ending at `at`: one or two separators (or " at "), then
/// `HHMMSS` or `HH?MM?SS` with one separator of `-_.:` between the parts. Digits may follow
/// (Pixel's milliseconds).
fn time_at(b: &[u8], mut at: usize) -> Option<(u32, u32, u32)> {
    let rest = b.get(at..)?;
    if rest.starts_with(b" at ") {
        at += 4;
    } else {
        let seps = rest
            .iter()
            .take(2)
            .take_while(|c| matches!(c, b'-' | b'_' | b' ' | b'T' | b'.'))
            .count();
        if seps == 0 {
            return None;
        }
        at += seps;
    }
    let hour = digits(b, at, 2)?;
    at += 2;
    let sep = b
        .get(at)
        .copied()
        .filter(|c| matches!(c, b'-' | b'_' | b'.' | b':'));
    if sep.is_some() {
        at += 1;
    }
    let minute = digits(b, at, 2)?;
    at += 2;
    if let Some(s) = sep {
        if b.get(at) != Some(&s) {
            return None;
        }
        at += 1;
    }
    let second = digits(b, at, 2)?;
    (hour < 24 && minute < 60 && second < 60).then_some((hour, minute, second))
}

/// The number written by exactly `n` ASCII digits at `at`.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    s.iter()
        .all(u8::is_ascii_digit)
        .then(|| s.iter().fold(0, |v, d| v * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::capture_time_in_name;

    fn local(name: &str) -> Option<String> {
        capture_time_in_name(name).map(|t| t.local)
    }

    #[test]
    fn phones_and_messengers_names_give_their_date_and_time() {
        for (name, want) in [
            ("IMG-20190704-WA0001.jpg", "2019-07-04T00:00:00"),
            ("VID-20190704-WA0012.mp4", "2019-07-04T00:00:00"),
            ("IMG_20190704_153012.jpg", "2019-07-04T15:30:12"),
            ("IMG_20190704_153012_HDR.jpg", "2019-07-04T15:30:12"),
            ("PXL_20210704_153012345.jpg", "2021-07-04T15:30:12"),
            ("PXL_20210704_153012345.PORTRAIT.jpg", "2021-07-04T15:30:12"),
            ("20190704_153012.jpg", "2019-07-04T15:30:12"),
            ("Screenshot_20190704-153012.png", "2019-07-04T15:30:12"),
            ("Screenshot_2019-07-04-15-30-12.png", "2019-07-04T15:30:12"),
            (
                "Screenshot 2019-07-04 at 15.30.12.png",
                "2019-07-04T15:30:12",
            ),
            (
                "Screenshot from 2019-07-04 15-30-12.png",
                "2019-07-04T15:30:12",
            ),
            ("photo_2021-07-04_15-30-12.jpg", "2021-07-04T15:30:12"),
            ("signal-2021-07-04-153012.jpg", "2021-07-04T15:30:12"),
            ("2019-07-04 holiday.jpg", "2019-07-04T00:00:00"),
            ("IMG_20200229_080000.jpg", "2020-02-29T08:00:00"),
        ] {
            assert_eq!(local(name).as_deref(), Some(want), "{name}");
        }
        let t = capture_time_in_name("IMG_20190704_153012.jpg").expect("dated");
        assert_eq!(t.offset_minutes, None, "a name has no time zone");
    }

    #[test]
    fn camera_counters_and_other_numbers_are_not_dates() {
        for name in [
            "DSC_0201.JPG",
            "P1020304.JPG",
            "IMG_2019.JPG",
            "DSCF2019.RAF",
            "IMG_20191304_101010.jpg", // month 13
            "IMG_20190230_101010.jpg", // 30 February
            "IMG_20190229_101010.jpg", // not a leap year
            "123201907041.jpg",        // a longer number
            "scan-18990704.png",       // before 1990
            "2019-0704.jpg",           // mixed separators
            "holiday.jpg",
            "",
        ] {
            assert_eq!(local(name), None, "{name}");
        }
    }

    #[test]
    fn a_time_that_is_not_one_leaves_midnight() {
        assert_eq!(
            local("IMG_20190704_999999.jpg").as_deref(),
            Some("2019-07-04T00:00:00")
        );
        assert_eq!(
            local("IMG-20190704-WA0001.jpg").as_deref(),
            Some("2019-07-04T00:00:00"),
            "WA0001 is a counter, not a time"
        );
    }
}
