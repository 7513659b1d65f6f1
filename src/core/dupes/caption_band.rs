//! Caption bars and overlay text across the top or bottom of a copy: the rows of an aligned pair
//! where most pixels break the photometric fit, found so the pixel check can measure the rest.
//!
//! A copy with a bar of text ("Holiday 2024", a title strip, meme text) keeps the picture above
//! or below it untouched, but the bar ruins every whole-frame measure: the correlation of fine
//! detail around its edge, and the share of agreeing blocks. Trimming the worst pixels alone
//! does not remove a bar as tall as a quarter of the frame. Only full-width bands that start at
//! the overlap's top or bottom edge and together cover at most [`MAX_BAND_SHARE`] of it are cut,
//! so two different photos never match on what is left of a middle strip.

/// Most of the overlap's height the bands may take together.
const MAX_BAND_SHARE: f32 = 0.32;
/// A row is part of a band when at least this share of its pixels misfit.
const ROW_MISFIT: f32 = 0.5;
/// Share of misfit rows a band needs (text leaves some rows of a bar fitting by chance).
const BAND_MISFIT: f32 = 0.75;
/// A pixel misfits when its residual exceeds this many times the median residual...
const MISFIT_TIMES_MEDIAN: f32 = 4.0;
/// ...and at least this many gray levels.
const MISFIT_FLOOR: f32 = 12.0;

/// The rows `(first, last)` (inclusive, in the reference frame of `side` x `side` pixels) to
/// keep of an overlap whose pixels have the absolute `residuals` `(index, residual)` of a
/// robust photometric fit; `None` when no caption band is found at its top or bottom.
pub(super) fn kept_rows(residuals: &[(usize, f32)], side: usize) -> Option<(usize, usize)> {
    if residuals.is_empty() || side == 0 {
        return None;
    }
    let mut sorted: Vec<f32> = residuals.iter().map(|r| r.1).collect();
    sorted.sort_by(f32::total_cmp);
    let median = sorted[sorted.len() / 2];
    let limit = (MISFIT_TIMES_MEDIAN * median).max(MISFIT_FLOOR);
    let mut count = vec![0u32; side];
    let mut misfit = vec![0u32; side];
    for &(i, r) in residuals {
        let y = (i / side).min(side - 1);
        count[y] += 1;
        if r > limit {
            misfit[y] += 1;
        }
    }
    let first = count.iter().position(|&c| c > 0)?;
    let last = count.iter().rposition(|&c| c > 0)?;
    let rows = last - first + 1;
    let max_band = (rows as f32 * MAX_BAND_SHARE) as usize;
    let bad: Vec<bool> = (first..=last)
        .map(|y| count[y] > 0 && misfit[y] as f32 >= ROW_MISFIT * count[y] as f32)
        .collect();
    // The tallest band from an edge whose innermost row misfits and whose rows mostly do.
    let band = |order: &mut dyn Iterator<Item = bool>| -> usize {
        let (mut best, mut bad_rows) = (0usize, 0usize);
        for (k, row_bad) in order.take(max_band).enumerate() {
            bad_rows += usize::from(row_bad);
            if row_bad && bad_rows as f32 >= BAND_MISFIT * (k + 1) as f32 {
                best = k + 1;
            }
        }
        best
    };
    let top = band(&mut bad.iter().copied());
    let bottom = band(&mut bad.iter().rev().copied());
    if top + bottom == 0 || top + bottom > max_band {
        return None;
    }
    Some((first + top, last - bottom))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn residuals(side: usize, bad_rows: &[usize]) -> Vec<(usize, f32)> {
        (0..side * side)
            .map(|i| {
                (
                    i,
                    if bad_rows.contains(&(i / side)) {
                        80.0
                    } else {
                        2.0
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_bottom_bar_and_a_top_title_are_cut_a_middle_strip_is_not() {
        assert_eq!(
            kept_rows(&residuals(32, &[26, 27, 28, 29, 30, 31]), 32),
            Some((0, 25))
        );
        assert_eq!(
            kept_rows(&residuals(32, &[0, 1, 2, 30, 31]), 32),
            Some((3, 29))
        );
        assert_eq!(kept_rows(&residuals(32, &[12, 13, 14, 15]), 32), None);
        assert_eq!(kept_rows(&residuals(32, &[]), 32), None);
        let half: Vec<usize> = (16..32).collect();
        assert_eq!(
            kept_rows(&residuals(32, &half), 32),
            None,
            "too tall to be a caption"
        );
    }
}
