//! Which of two copies of one picture, framed alike, has something drawn over it: a caption, a
//! meme's lines of text, a title bar, a logo. The copy with the drawing carries more bytes than
//! its clean source, so without this the keep rule's "larger file" would keep it.
//!
//! On the two signatures at the same frame (no alignment: the copies must show the picture
//! alike, which the callers check from their proportions), the second is fitted to the first by
//! gray level on its best-fitting pixels; the pixels that misfit are where the two differ. A
//! drawing adds edges where the picture had fewer: text over a picture, a bar's sharp edges and
//! its letters over a picture's smoother rows. The side whose misfit pixels hold clearly more
//! fine detail is the one drawn over. (Whether those pixels look like a flat bar was tried and
//! misleads: a bright sky under a white caption looks more like a bar than the caption does.)

use super::added_band::picture_aspect;
use super::graph::{Edge, PhotoEntry};
use super::pixel_measure::linear_fit;
use rayon::prelude::*;
use std::collections::HashMap;

/// Side of a signature.
const SIDE: usize = crate::core::signature::SIGNATURE_SIDE as usize;
/// Share of pixels the gray-level fit is made on (the rest may be the drawing).
const FIT_KEEP: f32 = 0.8;
/// A pixel misfits when its residual exceeds this many times the median residual...
const MISFIT_TIMES: f32 = 3.0;
/// ...and at least this many gray levels.
const MISFIT_LEVELS: f32 = 16.0;
/// Share of the pixels that must misfit for a drawing (fewer: re-compression, rounding)...
const MIN_MISFIT: f32 = 0.015;
/// ...and the most that may (more: the copies differ all over: another edit).
const MAX_MISFIT: f32 = 0.45;
/// The least gain (and the inverse the most) of a gray-level fit taken as plausible.
const MIN_GAIN: f32 = 0.5;
/// Most of the rows the misfit pixels may touch.
const MAX_ROWS: f32 = 0.6;
/// How many times more fine detail the drawn-over side's misfit pixels must hold.
const DETAIL_RATIO: f32 = 1.5;

/// Which of two signatures has something drawn over the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawnOver {
    /// The first.
    A,
    /// The second.
    B,
}

/// Which of the signatures `a` and `b` of two copies framed alike has a drawing over the
/// picture the other lacks; `None` when they do not differ locally or it cannot be told.
pub fn drawn_over(a: &[u8], b: &[u8]) -> Option<DrawnOver> {
    let n = SIDE * SIDE;
    if a.len() != n || b.len() != n {
        return None;
    }
    let fa: Vec<f32> = a.iter().map(|&v| f32::from(v)).collect();
    let fb: Vec<f32> = b.iter().map(|&v| f32::from(v)).collect();
    // b ≈ gain · a + bias: first the level shift alone (the median difference, blind to a
    // drawing over a fifth of the frame), then refitted on the best-fitting pixels when that
    // gives a plausible gain (a flat design's best pixels are one tone and give none).
    let mut diffs: Vec<f32> = (0..n).map(|i| fb[i] - fa[i]).collect();
    let (mut gain, mut bias) = (
        1.0f32,
        *diffs.select_nth_unstable_by(n / 2, f32::total_cmp).1,
    );
    let mut residuals: Vec<(usize, f32)> = Vec::with_capacity(n);
    residuals.extend((0..n).map(|i| (i, (fb[i] - (gain * fa[i] + bias)).abs())));
    let keep = (n as f32 * FIT_KEEP) as usize;
    residuals.select_nth_unstable_by(keep, |x, y| x.1.total_cmp(&y.1));
    let kept: Vec<usize> = residuals[..keep].iter().map(|r| r.0).collect();
    let (g, b0) = linear_fit(&fa, &fb, &kept);
    if (MIN_GAIN..=1.0 / MIN_GAIN).contains(&g) {
        (gain, bias) = (g, b0);
    }
    residuals.clear();
    residuals.extend((0..n).map(|i| (i, (fb[i] - (gain * fa[i] + bias)).abs())));
    diffs.clear();
    diffs.extend(residuals.iter().map(|r| r.1));
    let median = *diffs.select_nth_unstable_by(n / 2, f32::total_cmp).1;
    let limit = (MISFIT_TIMES * median).max(MISFIT_LEVELS * gain.max(1.0));
    let misfit: Vec<usize> = residuals
        .iter()
        .filter(|r| r.1 > limit)
        .map(|r| r.0)
        .collect();
    let share = misfit.len() as f32 / n as f32;
    if !(MIN_MISFIT..=MAX_MISFIT).contains(&share) {
        return None;
    }
    // A drawing takes some rows (lines of text, a logo); differences in every row are a shift
    // or a resampling of fine texture, not a drawing.
    let mut rows = [false; SIDE];
    for &i in &misfit {
        rows[i / SIDE] = true;
    }
    if rows.iter().filter(|&&r| r).count() as f32 > MAX_ROWS * SIDE as f32 {
        return None;
    }
    // The side with more fine detail there (b's in a's gray levels).
    let (da, db) = (detail(&fa, &misfit), detail(&fb, &misfit) / gain);
    if db > DETAIL_RATIO * da {
        Some(DrawnOver::B)
    } else if da > DETAIL_RATIO * db {
        Some(DrawnOver::A)
    } else {
        None
    }
}

/// A quick look before [`drawn_over`]: whether, past their mean difference in gray level, the
/// signatures differ by much in a share of pixels a drawing could take (not nowhere: a clean
/// copy; not most: another picture, or another framing), in some rows only. `false` for
/// signatures of another size (which [`drawn_over`] cannot tell apart either).
///
/// Grouping asks this of every keeper and each copy of the same picture size, so it is written
/// to run without branches or overflow checks per pixel (row by row, in `u32` and `i32`).
fn differs_locally(a: &[u8], b: &[u8]) -> bool {
    let n = SIDE * SIDE;
    if a.len() != n || b.len() != n {
        return false;
    }
    let sum = |v: &[u8]| v.iter().fold(0u32, |s, &x| s.wrapping_add(u32::from(x)));
    // At most 1024 * 255 each, so neither the difference nor the division can overflow.
    let shift = (sum(b) as i32 - sum(a) as i32) / n as i32;
    // A pixel is far when its difference leaves [shift - limit, shift + limit].
    let limit = 2 * MISFIT_LEVELS as i32;
    let (lo, hi) = (shift - limit, shift + limit);
    let (mut far, mut rows) = (0u32, 0u32);
    for (ra, rb) in a.chunks_exact(SIDE).zip(b.chunks_exact(SIDE)) {
        let in_row: u32 = ra
            .iter()
            .zip(rb)
            .map(|(&x, &y)| {
                let d = i32::from(y) - i32::from(x);
                u32::from(d < lo || d > hi)
            })
            .fold(0u32, u32::wrapping_add);
        far += in_row;
        rows += u32::from(in_row > 0);
    }
    let share = far as f32 / n as f32;
    (0.5 * MIN_MISFIT..=1.5 * MAX_MISFIT).contains(&share) && rows as f32 <= MAX_ROWS * SIDE as f32
}

/// Sum over `idx` of each pixel's distance from the mean of its 3x3 neighbourhood.
fn detail(v: &[f32], idx: &[usize]) -> f32 {
    idx.iter()
        .map(|&i| {
            let (x, y) = (i % SIDE, i / SIDE);
            let (mut sum, mut count) = (0f32, 0f32);
            for yy in y.saturating_sub(1)..=(y + 1).min(SIDE - 1) {
                for xx in x.saturating_sub(1)..=(x + 1).min(SIDE - 1) {
                    sum += v[yy * SIDE + xx];
                    count += 1.0;
                }
            }
            (v[i] - sum / count).abs()
        })
        .sum()
}

/// Pixel score from which a pair's signatures are kept for the keeper (under the near tier's
/// lowest useful threshold).
const CHECK_FROM: f32 = 0.8;
/// Most a pair's picture proportions may differ for their signatures to frame it alike.
const SAME_ASPECT: f32 = 0.01;

/// The signatures a keeper may need to look at: of each class with a near edge to a picture of
/// the same proportions (only copies framed alike can show a drawing over one of them). Kept
/// with the graph, so grouping at any threshold can ask [`class_drawn_over`] without the
/// catalog; most photos of a library have no such edge. They are taken out of `signatures`.
pub(super) fn signatures_to_keep(
    edges: &[Edge],
    classes: &[Vec<u32>],
    photos: &[PhotoEntry],
    signatures: &mut HashMap<i64, Vec<u8>>,
) -> HashMap<u32, Vec<u8>> {
    let info = |c: u32| &photos[classes[c as usize][0] as usize].info;
    let mut wanted: Vec<u32> = edges
        .par_iter()
        .filter_map(|e| {
            let m = e.pixel?;
            if m.score() < CHECK_FROM || !e.symmetry.is_identity() {
                return None;
            }
            let (ra, rb) = (picture_aspect(info(e.a))?, picture_aspect(info(e.b))?);
            ((ra - rb).abs() <= SAME_ASPECT * ra.max(rb)).then_some([e.a, e.b])
        })
        .flatten_iter()
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
        .into_iter()
        .filter_map(|c| Some((c, signatures.remove(&info(c).id)?)))
        .collect()
}

/// Whether class `a` has something drawn over the picture that class `b` (framed alike) lacks,
/// from their signatures in `sigs` (see [`signatures_to_keep`]); `false` when either is missing.
pub(super) fn class_drawn_over(sigs: &HashMap<u32, Vec<u8>>, a: u32, b: u32) -> bool {
    let (Some(sa), Some(sb)) = (sigs.get(&a), sigs.get(&b)) else {
        return false;
    };
    differs_locally(sa, sb) && drawn_over(sa, sb) == Some(DrawnOver::A)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth picture: gradients and a soft blob.
    fn picture() -> Vec<u8> {
        (0..SIDE * SIDE)
            .map(|i| {
                let (x, y) = ((i % SIDE) as f32, (i / SIDE) as f32);
                let blob = 60.0 * (-((x - 20.0).powi(2) + (y - 12.0).powi(2)) / 60.0).exp();
                (40.0 + 3.0 * x + 2.0 * y + blob).min(255.0) as u8
            })
            .collect()
    }

    /// `sig` with white letters on a dark rim over rows 2..6 (a meme's top line).
    fn with_text(sig: &[u8]) -> Vec<u8> {
        let mut out = sig.to_vec();
        for y in 2..6 {
            for x in 4..28 {
                if x % 3 != 2 {
                    out[y * SIDE + x] = if (y + x) % 2 == 0 { 250 } else { 15 };
                }
            }
        }
        out
    }

    #[test]
    fn the_copy_with_text_over_the_picture_is_the_one_drawn_over() {
        let (clean, drawn) = (picture(), with_text(&picture()));
        assert_eq!(drawn_over(&clean, &drawn), Some(DrawnOver::B));
        assert_eq!(drawn_over(&drawn, &clean), Some(DrawnOver::A));
        // Brighter as a whole (an exposure edit), the drawing still shows.
        let brighter: Vec<u8> = drawn.iter().map(|&v| v.saturating_add(20)).collect();
        assert_eq!(drawn_over(&clean, &brighter), Some(DrawnOver::B));
    }

    /// [`differs_locally`] as first written: per pixel, in plain `i32`.
    fn differs_locally_per_pixel(a: &[u8], b: &[u8]) -> bool {
        let n = a.len().min(b.len());
        let shift = (b.iter().map(|&v| i32::from(v)).sum::<i32>()
            - a.iter().map(|&v| i32::from(v)).sum::<i32>())
            / n as i32;
        let mut rows = [false; SIDE];
        let mut far = 0usize;
        for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
            if (i32::from(y) - i32::from(x) - shift).abs() > 2 * MISFIT_LEVELS as i32 {
                far += 1;
                rows[(i / SIDE).min(SIDE - 1)] = true;
            }
        }
        let share = far as f32 / n as f32;
        (0.5 * MIN_MISFIT..=1.5 * MAX_MISFIT).contains(&share)
            && rows.iter().filter(|&&r| r).count() as f32 <= MAX_ROWS * SIDE as f32
    }

    #[test]
    fn the_quick_look_answers_as_the_per_pixel_count_did() {
        let clean = picture();
        let mut seen = [0usize; 2];
        for seed in 0..200usize {
            // Text over a few rows, brighter or darker, or a shifted copy, or another picture.
            let mut other = match seed % 4 {
                0 => with_text(&clean),
                1 => clean.iter().map(|&v| v.saturating_add(40)).collect(),
                2 => clean[seed % 7..]
                    .iter()
                    .chain(&clean[..seed % 7])
                    .copied()
                    .collect(),
                _ => (0..SIDE * SIDE)
                    .map(|i| ((i * (seed + 3)) % 251) as u8)
                    .collect(),
            };
            for i in (seed % 13..SIDE * SIDE).step_by(17 + seed % 29) {
                other[i] = other[i].wrapping_add((seed * 37) as u8);
            }
            let quick = differs_locally(&clean, &other);
            assert_eq!(
                quick,
                differs_locally_per_pixel(&clean, &other),
                "seed {seed}"
            );
            seen[usize::from(quick)] += 1;
        }
        // Both answers were met.
        assert!(seen[0] > 0 && seen[1] > 0, "{seen:?}");
    }

    #[test]
    fn copies_that_differ_nowhere_or_everywhere_have_nothing_drawn_over() {
        let clean = picture();
        let recompressed: Vec<u8> = clean
            .iter()
            .enumerate()
            .map(|(i, &v)| v.saturating_add((i % 3) as u8))
            .collect();
        assert_eq!(drawn_over(&clean, &recompressed), None);
        let other: Vec<u8> = (0..SIDE * SIDE).map(|i| ((i * 37) % 251) as u8).collect();
        assert_eq!(drawn_over(&clean, &other), None);
    }
}
