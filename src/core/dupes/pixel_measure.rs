//! The measures of the pixel check at one alignment ([`measure`]): correlation over the overlap,
//! the same on the best-fitting pixels under a photometric fit, fine detail and local block
//! agreement, with and without a caption band at the top or bottom.

use super::caption_band;
use super::pixel_check::PixelMatch;
use super::pixel_math::{Plane, SIDE, Transform, blocks, correlation, warp};

const N: usize = SIDE * SIDE;
/// Share of pixels kept by the trimmed measures (the rest may be a local edit).
const TRIM_KEEP: f32 = 0.8;

/// 3x3 high-pass restricted to `mask`: value minus the mean of its masked neighbours.
fn high_pass(values: &[f32; N], mask: &[bool; N]) -> [f32; N] {
    let mut out = [0f32; N];
    for y in 0..SIDE {
        for x in 0..SIDE {
            let i = y * SIDE + x;
            if !mask[i] {
                continue;
            }
            let (mut sum, mut n) = (0f32, 0f32);
            for yy in y.saturating_sub(1)..=(y + 1).min(SIDE - 1) {
                for xx in x.saturating_sub(1)..=(x + 1).min(SIDE - 1) {
                    let j = yy * SIDE + xx;
                    if mask[j] {
                        sum += values[j];
                        n += 1.0;
                    }
                }
            }
            out[i] = values[i] - sum / n;
        }
    }
    out
}

/// Least-squares `b ≈ gain * a + bias` over the pixels `idx`.
pub(super) fn linear_fit(a: &[f32], b: &[f32], idx: &[usize]) -> (f32, f32) {
    let n = idx.len().max(1) as f32;
    let (ma, mb) = idx
        .iter()
        .fold((0f32, 0f32), |(x, y), &i| (x + a[i], y + b[i]));
    let (ma, mb) = (ma / n, mb / n);
    let (cov, var) = idx.iter().fold((0f32, 0f32), |(c, v), &i| {
        let da = a[i] - ma;
        (c + da * (b[i] - mb), v + da * da)
    });
    let gain = if var > 1e-3 { cov / var } else { 0.0 };
    (gain, mb - gain * ma)
}

/// All measures at transform `t`: over the whole overlap, and without a caption band at its top
/// or bottom when one is found (see [`caption_band`]), whichever scores better.
pub(super) fn measure(
    a: &Plane,
    b: &Plane,
    t: Transform,
    buf: &mut Vec<(usize, f32)>,
) -> PixelMatch {
    warp(a, b, t, buf);
    let coverage = t.scale * t.scale;
    let (whole, residuals) = measure_on(a, buf, coverage);
    let Some((top, bottom)) = caption_band::kept_rows(&residuals, SIDE) else {
        return whole;
    };
    buf.retain(|&(i, _)| (top..=bottom).contains(&(i / SIDE)));
    let (rest, _) = measure_on(a, buf, coverage);
    if rest.score() > whole.score() {
        rest
    } else {
        whole
    }
}

/// The measures over the pixels `buf` of `a`'s frame (with `b`'s warped values), and each
/// pixel's absolute residual under the robust photometric fit.
fn measure_on(a: &Plane, buf: &[(usize, f32)], coverage: f32) -> (PixelMatch, Vec<(usize, f32)>) {
    let ncc = correlation(buf.iter().map(|&(i, v)| (a.px[i], v)));
    let mut warped = [0f32; N];
    let mut mask = [false; N];
    for &(i, v) in buf.iter() {
        warped[i] = v;
        mask[i] = true;
    }
    // Photometric fit b ≈ gain * a + bias, then keep the best-fitting share of pixels and fit
    // again on those (a caption bar must not bend the fit).
    let all: Vec<usize> = buf.iter().map(|&(i, _)| i).collect();
    let (gain, bias) = linear_fit(&a.px, &warped, &all);
    let mut residuals: Vec<(f32, usize)> = all
        .iter()
        .map(|&i| ((warped[i] - (bias + gain * a.px[i])).abs(), i))
        .collect();
    residuals.sort_by(|x, y| x.0.total_cmp(&y.0));
    let keep = ((buf.len() as f32 * TRIM_KEEP) as usize).max(1);
    let mut kept = [false; N];
    let mut kept_list = Vec::with_capacity(keep);
    for &(_, i) in residuals.iter().take(keep) {
        kept[i] = true;
        kept_list.push(i);
    }
    let robust_fit = linear_fit(&a.px, &warped, &kept_list);
    let (_, agreement) = blocks(a, buf, Some(robust_fit));
    let trimmed = correlation((0..N).filter(|&i| kept[i]).map(|i| (a.px[i], warped[i])));
    let mut a_vals = [0f32; N];
    a_vals.copy_from_slice(&a.px);
    let hp_a = high_pass(&a_vals, &mask);
    let hp_b = high_pass(&warped, &mask);
    let detail = correlation((0..N).filter(|&i| kept[i]).map(|i| (hp_a[i], hp_b[i])));
    let (gain, bias) = robust_fit;
    let misfit = all
        .iter()
        .map(|&i| (i, (warped[i] - (bias + gain * a.px[i])).abs()))
        .collect();
    let m = PixelMatch {
        ncc,
        trimmed,
        detail,
        coverage,
        agreement,
    };
    (m, misfit)
}
