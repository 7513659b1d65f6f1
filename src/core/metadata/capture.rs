//! The capture metadata of one photo, as the catalog stores it and JSON shows it.

/// When a photo was taken, as its camera recorded it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaptureTime {
    /// Local wall-clock time, ISO 8601 without offset: "2019-07-04T18:22:31" or with
    /// sub-seconds "2019-07-04T18:22:31.250".
    pub local: String,
    /// Offset from UTC in minutes, when the camera recorded it (OffsetTimeOriginal).
    pub offset_minutes: Option<i32>,
    /// Milliseconds since the Unix epoch: true UTC when the offset is known, else the local
    /// time read as if it were UTC (good for ordering and grouping by day).
    pub unix_ms: i64,
}

impl CaptureTime {
    /// ISO 8601, with the offset when known: "2019-07-04T18:22:31+02:00".
    pub fn iso(&self) -> String {
        match (self.offset_minutes, self.offset_text()) {
            (Some(0), _) => format!("{}Z", self.local),
            (_, Some(o)) => format!("{}{o}", self.local),
            _ => self.local.clone(),
        }
    }

    /// The offset from UTC as "+02:00" / "-05:30", when the camera recorded one.
    pub fn offset_text(&self) -> Option<String> {
        self.offset_minutes.map(|m| {
            let sign = if m < 0 { '-' } else { '+' };
            let a = m.unsigned_abs();
            format!("{sign}{:02}:{:02}", a / 60, a % 60)
        })
    }

    /// Parse an ISO 8601 date-time as containers write it: "2019-07-04T18:22:31+0200",
    /// "2019-07-04T16:22:31.000000Z", "2019-07-04 18:22:31". `None` when it is not one.
    pub fn parse_iso(s: &str) -> Option<Self> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = &s[19..];
        let mut millis = None;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits: String = frac.chars().take_while(char::is_ascii_digit).collect();
            rest = &frac[digits.len()..];
            let ms: String = digits.chars().chain("000".chars()).take(3).collect();
            millis = ms.parse().ok();
        }
        let offset = match rest {
            "" => None,
            "Z" | "z" => Some(0),
            o if o.starts_with('+') || o.starts_with('-') => {
                let sign = if o.starts_with('-') { -1 } else { 1 };
                let digits: String = o[1..].chars().filter(char::is_ascii_digit).collect();
                if digits.len() != 4 {
                    return None;
                }
                let h: i32 = digits[..2].parse().ok()?;
                let m: i32 = digits[2..].parse().ok()?;
                Some(sign * (h * 60 + m))
            }
            _ => return None,
        };
        Self::from_parts(
            i32::try_from(year).ok()?,
            month,
            day,
            hour,
            minute,
            second,
            millis,
            offset,
        )
    }

    /// Build from calendar fields; `None` for impossible dates.
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        millis: Option<u32>,
        offset_minutes: Option<i32>,
    ) -> Option<Self> {
        if !(1800..=2200).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        if offset_minutes.is_some_and(|m| m.abs() > 18 * 60) {
            return None;
        }
        let mut local = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
        if let Some(ms) = millis {
            local.push_str(&format!(".{:03}", ms.min(999)));
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second)
            - i64::from(offset_minutes.unwrap_or(0)) * 60;
        Some(Self {
            local,
            offset_minutes,
            unix_ms: secs * 1000 + i64::from(millis.unwrap_or(0).min(999)),
        })
    }
}

/// Where a photo was taken (WGS 84 degrees, north and east positive).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gps {
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
}

/// What a photo's EXIF says about how it was taken. Empty when the file has none.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaptureInfo {
    /// Capture time.
    pub taken: Option<CaptureTime>,
    /// Camera maker ("Apple", "NIKON CORPORATION").
    pub make: Option<String>,
    /// Camera model ("iPhone 12 Pro", "NIKON D750").
    pub model: Option<String>,
    /// Lens model.
    pub lens: Option<String>,
    /// Location.
    pub gps: Option<Gps>,
}

impl CaptureInfo {
    /// Whether the file carries camera EXIF (a capture time or a camera): messaging apps and
    /// many editors strip it, so a copy without it is not the camera original.
    pub fn has_camera_data(&self) -> bool {
        self.taken.is_some() || self.make.is_some() || self.model.is_some()
    }

    /// The camera in one string, without repeating the maker when the model already names it:
    /// "Apple iPhone 12", "Canon EOS 5D" (not "Canon Canon EOS 5D").
    pub fn camera(&self) -> Option<String> {
        camera_name(self.make.as_deref(), self.model.as_deref())
    }

    /// Fields missing here taken from `other` (the first stream of a file wins field by field).
    pub fn or(self, other: CaptureInfo) -> CaptureInfo {
        CaptureInfo {
            taken: self.taken.or(other.taken),
            make: self.make.or(other.make),
            model: self.model.or(other.model),
            lens: self.lens.or(other.lens),
            gps: self.gps.or(other.gps),
        }
    }
}

/// "Make Model" without repeating the maker (see [`CaptureInfo::camera`]).
pub fn camera_name(make: Option<&str>, model: Option<&str>) -> Option<String> {
    match (make, model) {
        (None, None) => None,
        (Some(m), None) | (None, Some(m)) => Some(m.to_string()),
        (Some(make), Some(model)) => {
            // "NIKON CORPORATION" + "NIKON D750": the model's first word is the maker's.
            let first = make.split_whitespace().next().unwrap_or(make);
            if model
                .to_ascii_lowercase()
                .starts_with(&first.to_ascii_lowercase())
            {
                Some(model.to_string())
            } else {
                Some(format!("{make} {model}"))
            }
        }
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
