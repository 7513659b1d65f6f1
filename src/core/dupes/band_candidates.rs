//! Candidates the descriptor does not propose: copies with a caption bar across the top or
//! bottom (painted on the picture, or added outside it). The descriptor sees a bar as part of
//! the picture, and a white title bar over a dark photo moves its vector far from the photo's
//! (cosine 0.3–0.5 on real photos), so the k nearest of neither name the other.
//!
//! A photo whose signature holds a bar — full-width rows at the top or bottom that are mostly one
//! colour with text on them, in a colour that does not continue into the picture — is compared,
//! on a coarse 8x8 key of its signature, with every other photo: once on the rows outside the
//! bar only (a bar painted over the picture), once with the picture's rows stretched to the full
//! height (a bar added outside it, the canvas extended). The best few are pixel-checked like any
//! candidate. Few photos hold a bar, and a key is 64 numbers, so this costs little beside the
//! index search.

use super::added_band::{self, BAR_TOLERANCE, PictureRows};
use super::graph::{Edge, PhotoEntry};
use super::pair_cache::{PairCache, PairKey};
use super::pixel_check::{self, PixelMatch};
use super::symmetry::{self, Symmetry};
use crate::core::neighbours::dot;
use rayon::prelude::*;

/// Side of a signature.
const SIDE: usize = 32;
/// Side of a key (blocks of `SIDE / KEY` pixels).
const KEY: usize = 8;
const BLOCK: usize = SIDE / KEY;
/// Signature rows a bar needs (thinner is a resize's rounding or a picture's edge).
const MIN_BAR_ROWS: usize = 2;
/// Most signature rows one bar may take (a third of the height, as in `caption_band`).
const MAX_BAR_ROWS: usize = 10;
/// Share of a bar's outer row (at the photo's edge) that must be the bar's colour, and of its
/// row next to the picture unless every row has [`ROW_FILL`]: text sits inside a bar, its edges
/// are plain fill (most photos are ruled out at the outer row).
const OUTER_ROW_FILL: f32 = 0.5;
/// Share of every row of a bar that must be the bar's colour, text rows included (a picture's
/// rows next to a bar rarely are).
const ROW_FILL: f32 = 0.25;
/// Correlation of keys from which a photo is a candidate.
const MIN_KEY_CORRELATION: f32 = 0.85;
/// Candidates kept per photo and comparison.
const PER_PHOTO: usize = 3;
/// Pixel score from which a candidate becomes an edge (as low as any use of an edge needs).
const KEEP_FROM: f32 = 0.55;

/// Rows of a bar at the top and the bottom of a signature (0 when none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bars {
    /// Signature rows of the bar at the top, without the row the resize blended with the picture.
    pub top: usize,
    /// The same at the bottom.
    pub bottom: usize,
}

impl Bars {
    /// Signature rows of both bars with the rows the resize blended with the picture.
    pub fn with_blended(&self) -> usize {
        blended(self.top) + blended(self.bottom)
    }
}

/// Rows of a bar of `rows` rows with the row the resize blended with the picture.
fn blended(rows: usize) -> usize {
    if rows > 0 { rows + 1 } else { 0 }
}

/// The bars of a signature, if it has any.
pub(super) fn bars(sig: &[u8]) -> Option<Bars> {
    if sig.len() != SIDE * SIDE {
        return None;
    }
    let found = Bars {
        top: bar_rows(sig, false),
        bottom: bar_rows(sig, true),
    };
    (found.top + found.bottom > 0).then_some(found)
}

/// Rows of the bar at one edge of `sig`: the most rows that look like a bar whose last row
/// (next to the picture) is mostly the bar's colour.
fn bar_rows(sig: &[u8], from_bottom: bool) -> usize {
    let row = |i: usize| {
        let y = if from_bottom { SIDE - 1 - i } else { i };
        &sig[y * SIDE..(y + 1) * SIDE]
    };
    let fill = |y: usize, level: i32| {
        row(y)
            .iter()
            .filter(|&&v| (i32::from(v) - level).abs() <= BAR_TOLERANCE)
            .count() as f32
            / SIDE as f32
    };
    let outer_fill = OUTER_ROW_FILL * SIDE as f32;
    if (coarse_most_within_tolerance(row(0)) as f32) < outer_fill
        || (most_within_tolerance(row(0)) as f32) < outer_fill
    {
        return 0;
    }
    // The most rows that look like a bar whose row next to the picture is mostly fill (text
    // with space under it); failing that, the most whose every row has some fill (a line of
    // dense text reaching the bar's edge).
    let bands: Vec<(usize, i32)> = (MIN_BAR_ROWS..=MAX_BAR_ROWS)
        .rev()
        .filter_map(|h| {
            let band: Vec<u8> = (0..h).flat_map(|i| row(i).iter().copied()).collect();
            let (level, _) = added_band::fill_and_ink(&band)?;
            // The row after `h` is blended by resizing; the one after it is picture.
            added_band::bar_like(&band, row(h + 1)).then_some((h, level))
        })
        .collect();
    bands
        .iter()
        .find(|&&(h, level)| fill(h - 1, level) >= OUTER_ROW_FILL)
        .or_else(|| {
            bands
                .iter()
                .find(|&&(h, level)| (0..h).all(|y| fill(y, level) >= ROW_FILL))
        })
        .map_or(0, |b| b.0)
}

/// At least [`most_within_tolerance`] of `row`, without sorting: every run of levels
/// `2 * BAR_TOLERANCE` wide lies within two neighbouring bins of that width, so the most pixels
/// of two neighbouring bins bound it. Every signature's outer rows are looked at, and most
/// photos are ruled out here.
fn coarse_most_within_tolerance(row: &[u8]) -> usize {
    const WIDTH: usize = 2 * BAR_TOLERANCE as usize;
    let mut bins = [0usize; 256 / WIDTH + 1];
    for &v in row {
        bins[usize::from(v) / WIDTH] += 1;
    }
    bins.windows(2).map(|w| w[0] + w[1]).max().unwrap_or(0)
}

/// The most pixels of `row` within [`BAR_TOLERANCE`] of one level (as
/// [`added_band::modal_level`] counts them, cheaper for a row).
fn most_within_tolerance(row: &[u8]) -> usize {
    if row.len() != SIDE {
        return added_band::modal_level(row).1 as usize;
    }
    // On the stack: every signature's outer rows come here.
    let mut v = [0u8; SIDE];
    v.copy_from_slice(row);
    v.sort_unstable();
    let (mut best, mut lo) = (0, 0);
    for hi in 0..v.len() {
        while i32::from(v[hi]) - i32::from(v[lo]) > 2 * BAR_TOLERANCE {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

/// Key rows compared when a bar is painted over the picture: the middle half of the height,
/// clear of any bar of up to [`MAX_MASKED_ROWS`] signature rows (with its blended row).
const MIDDLE: std::ops::Range<usize> = 2..6;
/// Signature rows a bar (with its blended row) may take for the middle rows to be clear of it.
const MAX_MASKED_ROWS: usize = 8;

/// Coarse renditions of every class's signature, zero-mean and unit-length, side by side: the
/// whole 8x8 key, and its middle rows alone (all zero for a flat or missing signature).
struct Keys {
    whole: Vec<f32>,
    middle: Vec<f32>,
}

const WHOLE: usize = KEY * KEY;
const MIDDLE_LEN: usize = (MIDDLE.end - MIDDLE.start) * KEY;

impl Keys {
    fn of(sigs: &[Option<&[u8]>]) -> Self {
        let parts: Vec<([f32; WHOLE], [f32; MIDDLE_LEN])> = sigs
            .par_iter()
            .map(|s| match s {
                Some(s) => {
                    let cells = cells(s);
                    let mut middle = [0f32; MIDDLE_LEN];
                    middle.copy_from_slice(&cells[MIDDLE.start * KEY..MIDDLE.end * KEY]);
                    (normalised(cells), normalised(middle))
                }
                None => ([0f32; WHOLE], [0f32; MIDDLE_LEN]),
            })
            .collect();
        Self {
            whole: parts.iter().flat_map(|p| p.0).collect(),
            middle: parts.iter().flat_map(|p| p.1).collect(),
        }
    }
}

/// Block means of a signature, row-major.
fn cells(sig: &[u8]) -> [f32; WHOLE] {
    let mut sums = [0u32; WHOLE];
    for (y, row) in sig.chunks_exact(SIDE).enumerate() {
        let cells = &mut sums[y / BLOCK * KEY..(y / BLOCK + 1) * KEY];
        for (cell, block) in cells.iter_mut().zip(row.chunks_exact(BLOCK)) {
            *cell += block.iter().map(|&v| u32::from(v)).sum::<u32>();
        }
    }
    sums.map(|v| v as f32)
}

/// `v` with its mean taken away, scaled to unit length (all zero when it is flat): the dot
/// product of two such is their correlation.
fn normalised<const N: usize>(mut v: [f32; N]) -> [f32; N] {
    let mean = v.iter().sum::<f32>() / N as f32;
    v.iter_mut().for_each(|x| *x -= mean);
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    // Block sums of 16 pixels: under about one gray level of spread is flat.
    let scale = if norm > 16.0 * (N as f32).sqrt() {
        1.0 / norm
    } else {
        0.0
    };
    v.iter_mut().for_each(|x| *x *= scale);
    v
}

/// Everything the search reads of the graph under construction.
pub(super) struct Context<'a> {
    /// Exact-copy classes (indices into `photos`).
    pub classes: &'a [Vec<u32>],
    /// All photos.
    pub photos: &'a [PhotoEntry],
    /// Signature of each class (its first photo's).
    pub sigs: &'a [Option<&'a [u8]>],
    /// Descriptor vector of each class.
    pub vectors: &'a [Option<Vec<f32>>],
    /// Norm of each class's colour block when it is colourful ([`symmetry::colour_norm`]).
    pub colour: &'a [Option<f32>],
    /// Semantic vector of each class.
    pub semantic: &'a [Option<Vec<f32>>],
    /// The caption bars of each class's signature ([`bars`]).
    pub bars: &'a [Option<Bars>],
}

/// A pixel check to record in the cache: its key, with the result when it was made now (`None`
/// when the cache answered).
pub(super) type Checked = (PairKey, Option<PixelMatch>);

/// Most key comparisons (photos holding a bar x photos) one build makes: about 5 s on 2 cores.
const MAX_KEY_COMPARISONS: u64 = 400_000_000;

/// Pixel-checked edges between photos holding a caption bar and the photos their keys match,
/// for pairs not among `edges` already (sorted by pair); with the checks to record in the cache.
pub(super) fn edges(edges: &[Edge], cx: &Context, cache: &PairCache) -> (Vec<Edge>, Vec<Checked>) {
    let rep = |c: usize| &cx.photos[cx.classes[c][0] as usize];
    let sigs = cx.sigs;
    let holders: Vec<(usize, Bars)> = cx
        .bars
        .iter()
        .enumerate()
        .filter_map(|(c, b)| b.map(|b| (c, b)))
        .collect();
    if holders.is_empty() {
        return (Vec::new(), Vec::new());
    }
    // Every holder's key is compared with every photo's: bounded, so a very large library
    // with many bar-like photos (flat designs, screenshots) is not held up for hours; past the
    // bound only the descriptor's candidates are checked (an index over the keys would lift it).
    let comparisons = holders.len() as u64 * cx.classes.len() as u64;
    if comparisons > MAX_KEY_COMPARISONS {
        crate::core::timeline::mark(format_args!(
            "dupes: caption-bar search skipped ({} photos with a bar x {} photos is over the bound)",
            holders.len(),
            cx.classes.len()
        ));
        return (Vec::new(), Vec::new());
    }
    let keys = Keys::of(sigs);
    let mut pairs: Vec<(u32, u32)> = holders
        .par_iter()
        .flat_map_iter(|&(c, b)| {
            let found = sigs[c].map_or_else(Vec::new, |s| matches(c, s, b, &keys));
            found
                .into_iter()
                .map(move |o| ((c as u32).min(o), (c as u32).max(o)))
        })
        // `edges` are sorted by pair.
        .filter(|&(a, b)| edges.binary_search_by_key(&(a, b), |e| (e.a, e.b)).is_err())
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    crate::core::timeline::mark(format_args!(
        "dupes: {} photos hold a caption bar, {} new candidate pairs",
        holders.len(),
        pairs.len()
    ));
    pairs
        .into_par_iter()
        .filter_map(|(a, b)| {
            let (sa, sb) = (sigs[a as usize]?, sigs[b as usize]?);
            let key = match (rep(a as usize).hash, rep(b as usize).hash) {
                (Some(ha), Some(hb)) => Some(PairKey::new(&ha, &hb, Symmetry::IDENTITY)),
                _ => None,
            };
            let (m, store) = match key.and_then(|k| cache.get(&k).map(|m| (k, m))) {
                Some((k, m)) => (m, Some((k, None))),
                None => {
                    let m = pixel_check::match_signatures(sa, sb)?;
                    (m, key.map(|k| (k, Some(m))))
                }
            };
            let pair = |v| both(v, a, b);
            let edge = Edge {
                a,
                b,
                similarity: pair(cx.vectors).map_or(0.0, |(x, y)| dot(x, y).clamp(-1.0, 1.0)),
                semantic: pair(cx.semantic).map(|(x, y)| dot(x, y)),
                pixel: Some(m),
                symmetry: Symmetry::IDENTITY,
                colour: pair(cx.vectors).and_then(|(x, y)| {
                    let norm = |c: u32| cx.colour[c as usize];
                    symmetry::colour_agreement_of(x, norm(a), y, norm(b))
                }),
            };
            // A pair that is no use to any tier is not kept (its check is, in the cache).
            Some(((m.score() >= KEEP_FROM).then_some(edge), store))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .fold((Vec::new(), Vec::new()), |(mut es, mut ks), (e, k)| {
            es.extend(e);
            ks.extend(k);
            (es, ks)
        })
}

/// The classes whose keys match the picture of class `c` (signature `sig`, with `bars`): its
/// middle rows against every class's (a bar painted over the picture), and its picture's rows
/// stretched to the full height against every class's whole key (a bar added outside it).
fn matches(c: usize, sig: &[u8], bars: Bars, keys: &Keys) -> Vec<u32> {
    let own_middle = &keys.middle[c * MIDDLE_LEN..(c + 1) * MIDDLE_LEN];
    let middle = (blended(bars.top).max(blended(bars.bottom)) <= MAX_MASKED_ROWS
        && own_middle.iter().any(|&x| x != 0.0))
    .then_some(own_middle);
    let half = |rows: usize| if rows > 0 { rows as f32 + 0.5 } else { 0.0 };
    let n = SIDE as f32;
    let stretched = added_band::picture_signature(
        sig,
        PictureRows {
            top: half(bars.top) / n,
            bottom: 1.0 - half(bars.bottom) / n,
        },
    )
    .map(|s| normalised(cells(&s)));
    let mut best_middle: Vec<(f32, u32)> = Vec::new();
    let mut best_stretched: Vec<(f32, u32)> = Vec::new();
    let push = |list: &mut Vec<(f32, u32)>, score: f32, o: usize| {
        if score >= MIN_KEY_CORRELATION && o != c {
            list.push((score, o as u32));
            if list.len() > 4 * PER_PHOTO {
                keep_best(list);
            }
        }
    };
    if let Some(q) = middle {
        for (o, k) in keys.middle.chunks_exact(MIDDLE_LEN).enumerate() {
            push(&mut best_middle, dot(q, k), o);
        }
    }
    if let Some(q) = &stretched {
        for (o, k) in keys.whole.chunks_exact(WHOLE).enumerate() {
            push(&mut best_stretched, dot(q, k), o);
        }
    }
    keep_best(&mut best_middle);
    keep_best(&mut best_stretched);
    best_middle
        .into_iter()
        .chain(best_stretched)
        .map(|x| x.1)
        .collect()
}

/// Keep the [`PER_PHOTO`] best of `list`.
fn keep_best(list: &mut Vec<(f32, u32)>) {
    list.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    list.truncate(PER_PHOTO);
}

/// The vectors of classes `a` and `b` in `v`, when both have one.
fn both(v: &[Option<Vec<f32>>], a: u32, b: u32) -> Option<(&[f32], &[f32])> {
    match (&v[a as usize], &v[b as usize]) {
        (Some(x), Some(y)) => Some((x, y)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured signature (a picture) with `rows` rows of a bar at the top: fill `fill`, a
    /// line of "text" of `ink` in its middle row over the left half.
    fn with_bar(rows: usize, fill: u8, ink: u8, text: bool) -> Vec<u8> {
        (0..SIDE * SIDE)
            .map(|i| {
                let (y, x) = (i / SIDE, i % SIDE);
                if y < rows {
                    let letter = text && y == rows / 2 && (2..16).contains(&x) && x % 3 != 0;
                    return if letter { ink } else { fill };
                }
                let (fx, fy) = (x as f32 / 32.0, y as f32 / 32.0);
                (120.0 + 60.0 * (fx * 7.0 + fy * 3.0).sin() + 40.0 * (fy * 11.0).cos()) as u8
            })
            .collect()
    }

    #[test]
    fn a_bar_with_text_is_found_a_plain_band_or_a_picture_is_not() {
        let bars = |s: &[u8]| super::bars(s).map(|b| (b.top, b.bottom));
        assert_eq!(bars(&with_bar(5, 250, 20, true)), Some((5, 0)));
        assert_eq!(bars(&with_bar(4, 18, 230, true)), Some((4, 0)));
        // A flat sky with nothing on it, and no band at all: not bars.
        assert_eq!(bars(&with_bar(5, 250, 20, false)), None);
        assert_eq!(bars(&with_bar(0, 0, 0, false)), None);
    }

    #[test]
    fn the_cheap_row_fill_counts_as_the_modal_level_does() {
        for seed in 0..50u32 {
            let row: Vec<u8> = (0..SIDE as u32)
                .map(|x| ((x * 37 + seed * 101) % 23 + (seed % 7) * 30) as u8)
                .collect();
            assert_eq!(
                most_within_tolerance(&row),
                added_band::modal_level(&row).1 as usize,
                "{row:?}"
            );
            // The quick bound never rules out a row the exact count keeps.
            assert!(coarse_most_within_tolerance(&row) >= most_within_tolerance(&row));
        }
    }

    #[test]
    fn keys_of_the_same_picture_correlate_and_flat_ones_are_zero() {
        let a = with_bar(0, 0, 0, false);
        let flat = vec![90u8; SIDE * SIDE];
        let keys = Keys::of(&[Some(&a), Some(&a), Some(&flat), None]);
        let whole = |c: usize| &keys.whole[c * WHOLE..(c + 1) * WHOLE];
        assert!((dot(whole(0), whole(1)) - 1.0).abs() < 1e-4);
        assert!(whole(2).iter().chain(whole(3)).all(|&x| x == 0.0));
    }
}
