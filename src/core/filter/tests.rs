use super::*;
use crate::core::metadata::{CaptureTime, Gps};

/// A landscape JPEG at `path`, modified on 2021-03-10 (UTC), without EXIF.
fn photo(path: &str) -> PhotoInfo {
    PhotoInfo {
        id: 1,
        path: path.into(),
        bytes: 1000,
        width: 4000,
        height: 3000,
        format: "jpeg".into(),
        // 2021-03-10T12:00:00Z
        mtime_ns: 1_615_377_600 * 1_000_000_000,
        ..Default::default()
    }
}

fn taken(local: &str) -> Option<CaptureTime> {
    CaptureTime::parse_iso(local)
}

fn day(s: &str) -> Date {
    Date::parse_day(s).unwrap_or_else(|| panic!("{s} is a day"))
}

fn filter(f: impl FnOnce(&mut PhotoFilter)) -> PhotoFilter {
    let mut out = PhotoFilter::default();
    f(&mut out);
    out
}

#[test]
fn parses_days_months_and_years() {
    let span = |s: &str| parse_date(s).map(|d| (d.first.to_string(), d.last.to_string()));
    let both = |a: &str, b: &str| Ok((a.to_string(), b.to_string()));
    assert_eq!(span("2019-07-04"), both("2019-07-04", "2019-07-04"));
    assert_eq!(span(" 2019-7-4 "), both("2019-07-04", "2019-07-04"));
    assert_eq!(span("2019-02"), both("2019-02-01", "2019-02-28"));
    assert_eq!(
        span("2020-02"),
        both("2020-02-01", "2020-02-29"),
        "leap year"
    );
    assert_eq!(span("2019"), both("2019-01-01", "2019-12-31"));
    for bad in [
        "",
        "19",
        "2019-13",
        "2019-00",
        "2019-02-30",
        "2019-1-1-1",
        "2019/01/01",
        "yesterday",
        "+2019",
        "2019-",
        "2019-07-04T10:00",
        "20190",
    ] {
        let e = parse_date(bad).expect_err(bad);
        let msg = e.to_string();
        assert!(msg.contains("YYYY-MM-DD") && !msg.contains('\n'), "{msg}");
    }
}

#[test]
fn dates_serialize_as_text_and_order_by_day() {
    let f = filter(|f| {
        f.after = Some(day("2019-01-01"));
        f.formats = vec![FormatClass::Heic, FormatClass::Raw];
        f.orientation = Some(Orientation::Portrait);
    });
    let json = serde_json::to_string(&f).expect("json");
    assert!(
        json.contains("\"2019-01-01\"") && json.contains("\"heic\""),
        "{json}"
    );
    let back: PhotoFilter = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, f);
    let old: PhotoFilter = serde_json::from_str("{}").expect("defaults");
    assert!(old.is_empty());
    assert!(day("2019-12-31") < day("2020-01-01"));
    assert!(day("2019-02-01") > day("2019-01-31"));
    assert_eq!(Date::from_unix_ns(0).to_string(), "1970-01-01");
    assert_eq!(Date::from_unix_ns(-1).to_string(), "1969-12-31");
    assert_eq!(
        Date::from_unix_ns(951_782_400 * 1_000_000_000).to_string(),
        "2000-02-29"
    );
}

#[test]
fn empty_filter_matches_everything() {
    let f = PhotoFilter::default();
    assert!(f.is_empty());
    assert!(f.matches(&photo("/p/a.jpg")));
    assert!(f.matches(&PhotoInfo::default()));
    assert_eq!(f.describe(), "no filter");
    let blank = filter(|f| {
        f.camera = Some("  ".into());
        f.name = Some(String::new());
    });
    assert!(blank.is_empty(), "blank texts are no criterion");
    assert!(blank.matches(&photo("/p/a.jpg")));
}

#[test]
fn date_bounds_are_inclusive_and_use_the_capture_day() {
    let mut p = photo("/p/a.jpg");
    // Late in the evening of the 4th local time: 2019-07-05 in UTC, but the person's day is the 4th.
    p.taken = taken("2019-07-04T23:30:00+02:00");
    let on = |a: &str, b: &str| filter(|f| (f.after, f.before) = (Some(day(a)), Some(day(b))));
    assert!(on("2019-07-04", "2019-07-04").matches(&p));
    assert!(!on("2019-07-05", "2019-07-31").matches(&p));
    assert!(!on("2019-07-01", "2019-07-03").matches(&p));
    assert!(filter(|f| f.after = Some(day("2019-07-04"))).matches(&p));
    assert!(!filter(|f| f.after = Some(day("2019-07-05"))).matches(&p));
    assert!(filter(|f| f.before = Some(day("2019-07-04"))).matches(&p));
    assert!(!filter(|f| f.before = Some(day("2019-07-03"))).matches(&p));
    // A whole month and year, as parse_date expands them.
    let month = parse_date("2019-07").expect("month");
    assert!(on(&month.first.to_string(), &month.last.to_string()).matches(&p));
}

#[test]
fn photos_without_a_capture_date_use_the_file_day() {
    let p = photo("/p/a.jpg"); // file modified 2021-03-10
    assert!(filter(|f| f.after = Some(day("2021-03-10"))).matches(&p));
    assert!(!filter(|f| f.after = Some(day("2021-03-11"))).matches(&p));
    assert!(filter(|f| f.before = Some(day("2021-03-10"))).matches(&p));
    assert!(!filter(|f| f.before = Some(day("2021-03-09"))).matches(&p));
    // A capture date wins over the file date.
    let mut old = p.clone();
    old.taken = taken("2005-01-02T10:00:00");
    assert!(!filter(|f| f.after = Some(day("2021-01-01"))).matches(&old));
    assert!(filter(|f| f.before = Some(day("2005-01-02"))).matches(&old));
}

#[test]
fn a_whatsapp_copy_without_exif_is_dated_by_its_file_name() {
    // Received on 2019-07-04, copied to the computer on 2021-03-10.
    let p = photo("/p/WhatsApp Images/IMG-20190704-WA0001.jpg");
    assert!(
        filter(|f| (f.after, f.before) = (Some(day("2019-07-04")), Some(day("2019-07-04"))))
            .matches(&p)
    );
    assert!(!filter(|f| f.after = Some(day("2021-03-10"))).matches(&p));
    // EXIF still wins over the name.
    let mut q = p.clone();
    q.taken = taken("2019-06-30T10:00:00");
    assert!(!filter(|f| f.after = Some(day("2019-07-01"))).matches(&q));
}

#[test]
fn camera_and_lens_are_case_insensitive_substrings() {
    let mut p = photo("/p/a.jpg");
    p.camera = Some("FUJIFILM X100V".into());
    p.lens = Some("XF23mmF2 R WR".into());
    assert!(filter(|f| f.camera = Some("x100v".into())).matches(&p));
    assert!(filter(|f| f.camera = Some(" Fuji ".into())).matches(&p));
    assert!(!filter(|f| f.camera = Some("X-T4".into())).matches(&p));
    assert!(filter(|f| f.lens = Some("23mm".into())).matches(&p));
    assert!(!filter(|f| f.lens = Some("56mm".into())).matches(&p));
    let unknown = photo("/p/b.jpg");
    assert!(
        !filter(|f| f.camera = Some("x".into())).matches(&unknown),
        "no camera: no match"
    );
    assert!(!filter(|f| f.lens = Some("x".into())).matches(&unknown));
    // Non-ASCII text.
    p.camera = Some("Ärger Kamera".into());
    assert!(filter(|f| f.camera = Some("ärger".into())).matches(&p));
    assert!(filter(|f| f.camera = Some("ÄRGER".into())).matches(&p));
}

#[test]
fn folder_matches_a_folder_name_a_path_or_an_absolute_prefix() {
    let p = photo("/photos/2019 Holidays/beach/a.jpg");
    let in_folder = |t: &str| filter(|f| f.folder = Some(t.into())).matches(&p);
    assert!(in_folder("holidays"));
    assert!(in_folder("Beach"));
    assert!(!in_folder("a.jpg"), "the file name is not a folder");
    assert!(!in_folder("work"));
    assert!(
        in_folder("holidays/beach"),
        "with a slash: part of the path"
    );
    assert!(!in_folder("beach/holidays"));
    assert!(in_folder("/photos"), "absolute: a prefix");
    assert!(in_folder("/photos/2019 Holidays/"));
    assert!(!in_folder("/photos/2019"), "a prefix of whole folders");
    assert!(!in_folder("/other"));
}

#[test]
fn formats_are_grouped_into_classes() {
    let with = |path: &str, format: &str| PhotoInfo {
        format: format.into(),
        ..photo(path)
    };
    let cases = [
        ("/p/a.jpg", "jpeg", FormatClass::Jpeg),
        ("/p/a.heic", "heic", FormatClass::Heic),
        ("/p/a.avif", "avif", FormatClass::Avif),
        ("/p/a.jxl", "jxl", FormatClass::Jxl),
        ("/p/a.png", "png", FormatClass::Png),
        ("/p/a.nef", "nef", FormatClass::Raw),
        ("/p/a.dng", "dng", FormatClass::Raw),
        ("/p/a.mp4", "mp4", FormatClass::Video),
        ("/p/a.MOV", "mov", FormatClass::Video),
        ("/p/a.webp", "webp", FormatClass::Other),
        ("/p/a.tif", "tiff", FormatClass::Other),
    ];
    for (path, format, class) in cases {
        let p = with(path, format);
        assert_eq!(FormatClass::of(&p), class, "{path}");
        assert!(filter(|f| f.formats = vec![class]).matches(&p));
    }
    let heic_or_raw = filter(|f| f.formats = vec![FormatClass::Heic, FormatClass::Raw]);
    assert!(heic_or_raw.matches(&with("/p/a.heic", "heic")));
    assert!(heic_or_raw.matches(&with("/p/a.nef", "nef")));
    assert!(!heic_or_raw.matches(&with("/p/a.jpg", "jpeg")));
    assert_eq!("HEIF".parse::<FormatClass>(), Ok(FormatClass::Heic));
    assert_eq!("jpg".parse::<FormatClass>(), Ok(FormatClass::Jpeg));
    assert_eq!("nef".parse::<FormatClass>(), Ok(FormatClass::Raw));
    assert_eq!(" Raw ".parse::<FormatClass>(), Ok(FormatClass::Raw));
    assert_eq!("mov".parse::<FormatClass>(), Ok(FormatClass::Video));
    let e = "gifx".parse::<FormatClass>().expect_err("unknown");
    assert!(e.contains("heic") && e.contains("raw"), "{e}");
}

#[test]
fn orientation_comes_from_the_upright_size() {
    let sized = |w, h| PhotoInfo {
        width: w,
        height: h,
        ..photo("/p/a.jpg")
    };
    let is = |o, p: &PhotoInfo| filter(|f| f.orientation = Some(o)).matches(p);
    assert!(is(Orientation::Landscape, &sized(4000, 3000)));
    assert!(is(Orientation::Portrait, &sized(3000, 4000)));
    assert!(is(Orientation::Square, &sized(1000, 1000)));
    assert!(!is(Orientation::Portrait, &sized(4000, 3000)));
    assert!(!is(Orientation::Square, &sized(0, 0)), "unknown size");
    assert!(!is(Orientation::Landscape, &sized(0, 0)));
    assert_eq!("Portrait".parse(), Ok(Orientation::Portrait));
    assert!("tall".parse::<Orientation>().is_err());
}

#[test]
fn has_gps_both_ways() {
    let mut p = photo("/p/a.jpg");
    let gps = |v| filter(|f| f.has_gps = Some(v));
    assert!(gps(false).matches(&p));
    assert!(!gps(true).matches(&p));
    p.gps = Some(Gps {
        lat: 48.0,
        lon: -2.0,
    });
    assert!(gps(true).matches(&p));
    assert!(!gps(false).matches(&p));
}

#[test]
fn name_is_a_case_insensitive_substring_of_the_file_name() {
    let p = photo("/p/Holidays/IMG_0042.JPG");
    let named = |t: &str| filter(|f| f.name = Some(t.into())).matches(&p);
    assert!(named("img_00"));
    assert!(named(".jpg"));
    assert!(!named("holidays"), "folders are not the name");
    assert!(!named("0043"));
}

#[test]
fn criteria_combine_with_and() {
    let mut x100 = photo("/photos/Holidays/DSCF0001.jpg");
    x100.camera = Some("FUJIFILM X100V".into());
    x100.taken = taken("2019-08-01T10:00:00");
    let mut x100_work = x100.clone();
    x100_work.path = "/photos/Work/DSCF0002.jpg".into();
    let mut x100_old = x100.clone();
    x100_old.taken = taken("2018-08-01T10:00:00");
    let mut phone = x100.clone();
    phone.camera = Some("Apple iPhone 12".into());
    let f = filter(|f| {
        f.after = Some(day("2019-01-01"));
        f.camera = Some("X100V".into());
        f.folder = Some("Holidays".into());
    });
    assert!(f.matches(&x100));
    assert!(!f.matches(&x100_work));
    assert!(!f.matches(&x100_old));
    assert!(!f.matches(&phone));
    let m = f.matcher();
    let all = [&x100, &x100_work, &x100_old, &phone];
    assert_eq!(all.iter().filter(|p| m.matches(p)).count(), 1);
    // Adding a criterion never lets more through.
    let mut narrower = f.clone();
    narrower.orientation = Some(Orientation::Portrait);
    assert!(!narrower.matches(&x100));
    narrower.orientation = Some(Orientation::Landscape);
    narrower.has_gps = Some(false);
    narrower.formats = vec![FormatClass::Jpeg];
    narrower.name = Some("dscf".into());
    assert!(narrower.matches(&x100));
}

#[test]
fn describes_in_one_line() {
    let f = filter(|f| {
        let year = parse_date("2019").expect("year");
        (f.after, f.before) = (Some(year.first), Some(year.last));
        f.camera = Some("X100V".into());
        f.folder = Some("Holidays".into());
    });
    assert_eq!(
        f.describe(),
        "taken 2019-01-01…2019-12-31 · camera X100V · in Holidays"
    );
    let g = filter(|f| {
        f.after = Some(day("2019-07-04"));
        f.lens = Some("23mm".into());
        f.formats = vec![FormatClass::Heic, FormatClass::Raw];
        f.orientation = Some(Orientation::Portrait);
        f.has_gps = Some(true);
        f.name = Some("img".into());
    });
    assert_eq!(
        g.describe(),
        "taken from 2019-07-04 · lens 23mm · HEIC or RAW · portrait · with location · name contains \"img\""
    );
    let h = filter(|f| {
        f.before = Some(day("2019-07-04"));
        f.has_gps = Some(false);
    });
    assert_eq!(h.describe(), "taken until 2019-07-04 · without location");
    let one_day =
        filter(|f| (f.after, f.before) = (Some(day("2019-07-04")), Some(day("2019-07-04"))));
    assert_eq!(one_day.describe(), "taken 2019-07-04");
}

#[test]
fn filtered_queries_rank_more_candidates() {
    let none = PhotoFilter::default();
    assert_eq!(none.query_candidates(20, 1_000_000), 20);
    let f = filter(|f| f.camera = Some("x".into()));
    assert_eq!(f.query_candidates(20, 500), 500, "a small library whole");
    assert_eq!(f.query_candidates(20, 5), 20, "never fewer than k");
    assert_eq!(f.query_candidates(20, 1_000_000), FILTERED_QUERY_CANDIDATES);
    assert_eq!(f.query_candidates(5_000, 1_000_000), 50_000);
    assert_eq!(f.query_candidates(usize::MAX, 10), usize::MAX);
}
