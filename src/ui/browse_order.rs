//! Browse's order: the library sorted and grouped — a timeline by the day each photo was taken
//! (under year and month headings), by folder, or one run — computed once per listing, filter or
//! choice, so re-sorting 100,000 photos never happens per frame.

use super::format;
use super::results_grid::Section;
use crate::core::catalog::PhotoInfo;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// How Browse groups the library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Grouping {
    /// By the day taken, under year and month headings; photos without a capture date by their
    /// file's date, in sections that say so.
    #[default]
    Timeline,
    /// One section per folder, by path.
    Folder,
    /// No headings: the whole library in one run.
    None,
}

/// What Browse sorts by (within a day or folder when grouped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SortKey {
    /// When taken (the file's date when no capture date is known).
    #[default]
    Date,
    /// File name, ignoring case.
    Name,
    /// File size.
    Size,
    /// Pixels (width × height).
    Resolution,
}

impl SortKey {
    /// Every key, in menu order, with its label.
    pub const ALL: [(SortKey, &'static str); 4] = [
        (SortKey::Date, "Date"),
        (SortKey::Name, "Name"),
        (SortKey::Size, "Size"),
        (SortKey::Resolution, "Resolution"),
    ];
}

/// Grouping and sort, kept in the settings across restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct BrowseOrder {
    /// Headings.
    pub grouping: Grouping,
    /// Sort key.
    pub sort: SortKey,
    /// Largest, newest or last-in-the-alphabet first.
    pub descending: bool,
    /// Show each burst as one tile (a stack) with its count.
    pub stack_bursts: bool,
}

impl Default for BrowseOrder {
    fn default() -> Self {
        Self {
            grouping: Grouping::Timeline,
            sort: SortKey::Date,
            descending: true,
            stack_bursts: true,
        }
    }
}

/// What the order looks at in one photo (computed once per listing).
#[derive(Debug, Clone)]
pub struct PhotoKeys {
    folder: String,
    /// Local wall-clock time as milliseconds "since 1970" (the camera's clock when taken, the
    /// file's UTC date otherwise): days split where the photographer's did.
    local_ms: i64,
    /// No capture date: `local_ms` is the file's modification time.
    from_file: bool,
    name: String,
}

const DAY_MS: i64 = 86_400_000;

impl PhotoKeys {
    /// The keys of `p`.
    pub fn of(p: &PhotoInfo) -> Self {
        let (local_ms, from_file) = match p.dated() {
            Some((t, _)) => (
                t.unix_ms + i64::from(t.offset_minutes.unwrap_or(0)) * 60_000,
                false,
            ),
            None => (p.mtime_ns.div_euclid(1_000_000), true),
        };
        Self {
            folder: p
                .path
                .parent()
                .map_or_else(String::new, |d| d.display().to_string()),
            local_ms,
            from_file,
            name: p
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().to_lowercase()),
        }
    }

    fn day(&self) -> i64 {
        self.local_ms.div_euclid(DAY_MS)
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn month_name(m: u32) -> &'static str {
    MONTHS[(m.clamp(1, 12) - 1) as usize]
}

/// "Thursday 4 July 2019" for a day count since 1970-01-01.
pub fn day_title(day: i64) -> String {
    let (y, m, d) = format::civil_from_days(day);
    // 1970-01-01 was a Thursday.
    let weekday = WEEKDAYS[(day + 4).rem_euclid(7) as usize];
    format!("{weekday} {d} {} {y}", month_name(m))
}

fn count_text(n: usize) -> String {
    if n == 1 {
        "1 photo".into()
    } else {
        format!("{n} photos")
    }
}

/// Sort `order` (indices into `photos`, already filtered) for `o` and cut it into sections.
/// `photos_in(i)` is how many photos the tile of photo `i` stands for (a stack's count), for the
/// year and month headings' counts.
pub fn arrange(
    photos: &[PhotoInfo],
    keys: &[PhotoKeys],
    mut order: Vec<usize>,
    o: BrowseOrder,
    photos_in: impl Fn(usize) -> usize,
) -> (Vec<usize>, Vec<Section>) {
    let by_key = |a: usize, b: usize| -> Ordering {
        let (ka, kb) = (&keys[a], &keys[b]);
        let (pa, pb) = (&photos[a], &photos[b]);
        let primary = match o.sort {
            SortKey::Date => ka.local_ms.cmp(&kb.local_ms),
            SortKey::Name => ka.name.cmp(&kb.name),
            SortKey::Size => pa.bytes.cmp(&pb.bytes),
            SortKey::Resolution => (u64::from(pa.width) * u64::from(pa.height))
                .cmp(&(u64::from(pb.width) * u64::from(pb.height))),
        };
        // Ties: by name then path, always ascending, so the order is stable across listings.
        let primary = if o.descending {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| ka.name.cmp(&kb.name))
            .then_with(|| pa.path.cmp(&pb.path))
    };
    match o.grouping {
        Grouping::Timeline => {
            // Days follow the sort direction when sorting by date; newest first otherwise.
            let newest_first = o.sort != SortKey::Date || o.descending;
            order.sort_by(|&a, &b| {
                let (ka, kb) = (&keys[a], &keys[b]);
                let days = ka.day().cmp(&kb.day());
                let days = if newest_first { days.reverse() } else { days };
                days.then(ka.from_file.cmp(&kb.from_file))
                    .then_with(|| by_key(a, b))
            });
        }
        Grouping::Folder => order.sort_by(|&a, &b| {
            keys[a]
                .folder
                .cmp(&keys[b].folder)
                .then_with(|| by_key(a, b))
        }),
        Grouping::None => order.sort_by(|&a, &b| by_key(a, b)),
    }
    let sections = match o.grouping {
        Grouping::Timeline => timeline_sections(keys, &order, photos_in),
        Grouping::Folder => runs(&order, |i| keys[i].folder.clone()),
        Grouping::None => vec![Section {
            title: String::new(),
            start: 0,
            end: order.len(),
            level: Section::GROUP,
        }],
    };
    (order, sections)
}

/// One section per run of equal `title_of`.
fn runs(order: &[usize], title_of: impl Fn(usize) -> String) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        let title = title_of(i);
        match sections.last_mut() {
            Some(s) if s.title == title => s.end = pos + 1,
            _ => sections.push(Section {
                title,
                start: pos,
                end: pos + 1,
                level: Section::GROUP,
            }),
        }
    }
    sections
}

/// Year and month headings (holding no tiles, with their photo counts) above day sections.
fn timeline_sections(
    keys: &[PhotoKeys],
    order: &[usize],
    photos_in: impl Fn(usize) -> usize,
) -> Vec<Section> {
    // Photos before each position, counting what stacks hold.
    let mut before = Vec::with_capacity(order.len() + 1);
    before.push(0usize);
    for &i in order {
        before.push(before.last().copied().unwrap_or(0) + photos_in(i));
    }
    let mut sections: Vec<Section> = Vec::new();
    // (index of the heading section, the first and one-past-last position it covers)
    let mut year_at: Option<usize> = None;
    let mut month_at: Option<usize> = None;
    let mut last: Option<(i64, u32, i64, bool)> = None;
    let close = |sections: &mut Vec<Section>, at: Option<usize>, end: usize| {
        if let Some(h) = at {
            let n = before[end] - before[sections[h].start];
            sections[h].title = format!("{}  ·  {}", sections[h].title, count_text(n));
            sections[h].end = sections[h].start; // a heading holds no tiles
        }
    };
    for (pos, &i) in order.iter().enumerate() {
        let k = &keys[i];
        let day = k.day();
        let (y, m, _) = format::civil_from_days(day);
        let new_year = last.is_none_or(|(ly, _, _, _)| ly != y);
        let new_month = new_year || last.is_some_and(|(_, lm, _, _)| lm != m);
        let new_day =
            new_month || last.is_some_and(|(_, _, ld, lf)| ld != day || lf != k.from_file);
        if new_year {
            close(&mut sections, month_at.take(), pos);
            close(&mut sections, year_at.take(), pos);
            year_at = Some(sections.len());
            sections.push(Section {
                title: y.to_string(),
                start: pos,
                end: pos,
                level: Section::YEAR,
            });
        }
        if new_month {
            close(&mut sections, month_at.take(), pos);
            month_at = Some(sections.len());
            sections.push(Section {
                title: format!("{} {y}", month_name(m)),
                start: pos,
                end: pos,
                level: Section::MONTH,
            });
        }
        if new_day {
            let mut title = day_title(day);
            if k.from_file {
                title.push_str("  ·  by file date (no capture date)");
            }
            sections.push(Section {
                title,
                start: pos,
                end: pos + 1,
                level: Section::GROUP,
            });
        } else if let Some(s) = sections.last_mut() {
            s.end = pos + 1;
        }
        last = Some((y, m, day, k.from_file));
    }
    close(&mut sections, month_at, order.len());
    close(&mut sections, year_at, order.len());
    sections
}
