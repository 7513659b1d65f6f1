//! The difference highlight of the compare view: the other photo mapped onto the kept one's
//! frame — through the alignment the duplicate check finds, so a crop or a slight tilt lines up
//! — with where they differ painted over a dimmed copy of the kept photo.

use super::frame_alignment::Alignment;
use super::pixel_check::align_signatures;
use crate::core::image_io;
use crate::core::signature::{gray_square, signature_of};
use image::RgbImage;
use std::path::Path;

/// Longest side of the images the difference is computed on.
pub const DIFF_SIDE_PX: u32 = 768;
/// Differences up to this (of 255) are re-compression noise and stay dark.
const DIFF_NOISE: f32 = 10.0;
/// How much a difference is amplified to be visible.
const DIFF_GAIN: f32 = 4.0;
/// Pixel-match score from which the photos are mapped through their alignment; below it (two
/// merely similar shots) they are compared frame to frame.
const ALIGN_FROM: f32 = 0.8;
/// Side of the grayscale renditions the alignment is refined on (the signatures' 32 px are
/// ~24 px of a 768 px photo; this brings the overlay to about one pixel).
const REFINE_SIDE: u32 = 256;
/// What the aligned copy of `b` shows where `b` does not show `a`.
const NOT_IN_B: [u8; 3] = [16, 22, 58];

/// Decode an upright photo with its longer side at most [`DIFF_SIDE_PX`].
fn load_small(path: &Path) -> Result<RgbImage, String> {
    let decoded = crate::core::video::decode_file(path, DIFF_SIDE_PX)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(image_io::fit_within(&decoded.image, DIFF_SIDE_PX))
}

/// What the compare view shows of two photos beyond the photos themselves.
#[derive(Debug, Clone)]
pub struct DiffImages {
    /// The difference highlight in `a`'s frame (see [`diff_and_aligned`]).
    pub diff: RgbImage,
    /// `b` mapped onto `a`'s frame (dark blue where `b` does not show `a`), for flicking A/B
    /// with the two lined up.
    pub aligned_b: RgbImage,
}

/// The difference highlight and the aligned copy of `b` for two files.
pub fn diff_files(a: &Path, b: &Path) -> Result<DiffImages, String> {
    let (a, b) = (load_small(a)?, load_small(b)?);
    let (diff, aligned_b) = diff_and_aligned(&a, &b);
    Ok(DiffImages { diff, aligned_b })
}

/// `a` in dim grey with |a − b| (largest channel, amplified) painted over it from red to
/// yellow, so identical areas stay dark; and `b` in `a`'s frame. `b` is mapped onto `a`'s frame
/// through their alignment when one is a crop or tilt of the other; parts of `a` that `b` does
/// not show are dark blue.
fn diff_and_aligned(a: &RgbImage, b: &RgbImage) -> (RgbImage, RgbImage) {
    let alignment = align_signatures(&signature_of(a), &signature_of(b))
        .filter(|(m, _)| m.score() >= ALIGN_FROM)
        .map_or(Alignment::IDENTITY, |(_, al)| {
            let side = REFINE_SIDE as usize;
            let aspect = |i: &RgbImage| i.width() as f32 / i.height().max(1) as f32;
            al.refined(
                &gray_square(a, REFINE_SIDE),
                &gray_square(b, REFINE_SIDE),
                side,
                aspect(a),
                aspect(b),
            )
        });
    let (w, h) = a.dimensions();
    let (bw, bh) = (b.width() as f32, b.height() as f32);
    // b at each pixel of a, where b shows it.
    let mapped: Vec<Option<[f32; 3]>> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| {
            let (u, v) =
                alignment.a_to_b((x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32)?;
            Some(bilinear(b, u * bw - 0.5, v * bh - 0.5))
        })
        .collect();
    // Match b's tone to a's per channel (mean and contrast), so a brightened or re-graded copy
    // shows its local edits rather than one uniform glow. Fitted twice: over the whole shared
    // part, then over the 80 % that fits best, so a caption bar or logo does not tint the rest.
    let shared: Vec<([f32; 3], [f32; 3])> = a
        .pixels()
        .zip(&mapped)
        .filter_map(|(pa, pb)| pb.map(|pb| (pa.0.map(f32::from), pb)))
        .collect();
    let mut tone = ToneMatch::fit(shared.iter().copied());
    let mut residuals: Vec<f32> = shared
        .iter()
        .map(|(pa, pb)| tone.distance(pa, pb))
        .collect();
    if !residuals.is_empty() {
        let cut = (residuals.len() * 4 / 5).min(residuals.len() - 1);
        let (_, limit, _) = residuals.select_nth_unstable_by(cut, f32::total_cmp);
        let limit = *limit;
        tone = ToneMatch::fit(
            shared
                .iter()
                .copied()
                .filter(|(pa, pb)| tone.distance(pa, pb) <= limit),
        );
    }
    let mut aligned = RgbImage::new(w, h);
    for (pb, po) in mapped.iter().zip(aligned.pixels_mut()) {
        po.0 = pb.map_or(NOT_IN_B, |p| p.map(|v| v.round().clamp(0.0, 255.0) as u8));
    }
    let mut out = RgbImage::new(w, h);
    for ((pa, pb), po) in a.pixels().zip(&mapped).zip(out.pixels_mut()) {
        let grey =
            (0.299 * f32::from(pa.0[0]) + 0.587 * f32::from(pa.0[1]) + 0.114 * f32::from(pa.0[2]))
                * 0.3;
        let Some(pb) = pb else {
            // A part of `a` that `b` does not show (it is a crop): dark blue.
            po.0 = [
                (grey * 0.5) as u8,
                (grey * 0.6) as u8,
                (grey * 0.6 + 40.0) as u8,
            ];
            continue;
        };
        let d = tone.distance(&pa.0.map(f32::from), pb);
        let t = ((d - DIFF_NOISE) * DIFF_GAIN / 255.0).clamp(0.0, 1.0);
        let r = grey * (1.0 - t) + 255.0 * t;
        let g = grey * (1.0 - t) + 255.0 * (t - 0.5).max(0.0) * 2.0 * t;
        let bl = grey * (1.0 - t);
        po.0 = [r as u8, g as u8, bl as u8];
    }
    (out, aligned)
}

/// `img` at the continuous pixel position (x, y) (pixel centres at integers), edges clamped.
fn bilinear(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (img.width() as f32 - 1.0, img.height() as f32 - 1.0);
    let (x, y) = (x.clamp(0.0, w.max(0.0)), y.clamp(0.0, h.max(0.0)));
    let (x0, y0) = (x.floor(), y.floor());
    let (x1, y1) = ((x0 + 1.0).min(w.max(0.0)), (y0 + 1.0).min(h.max(0.0)));
    let (fx, fy) = (x - x0, y - y0);
    let p = |x: f32, y: f32| img.get_pixel(x as u32, y as u32).0.map(f32::from);
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    std::array::from_fn(|i| {
        let top = a[i] + (b[i] - a[i]) * fx;
        let bottom = c[i] + (d[i] - c[i]) * fx;
        top + (bottom - top) * fy
    })
}

/// b's tone mapped onto a's, per channel: b' = (b − mean b) · gain + mean a.
struct ToneMatch {
    mean_a: [f32; 3],
    mean_b: [f32; 3],
    gain: [f32; 3],
}

impl ToneMatch {
    /// Fitted on pairs of (a, b) pixels.
    fn fit(pairs: impl Iterator<Item = ([f32; 3], [f32; 3])> + Clone) -> Self {
        let (mean_a, sa) = channel_stats(pairs.clone().map(|(pa, _)| pa));
        let (mean_b, sb) = channel_stats(pairs.map(|(_, pb)| pb));
        let gain = std::array::from_fn(|i| if sb[i] > 1.0 { sa[i] / sb[i] } else { 1.0 });
        Self {
            mean_a,
            mean_b,
            gain,
        }
    }

    /// The largest channel difference between `a` and `b` once `b`'s tone is matched.
    fn distance(&self, a: &[f32; 3], b: &[f32; 3]) -> f32 {
        (0..3)
            .map(|i| (a[i] - ((b[i] - self.mean_b[i]) * self.gain[i] + self.mean_a[i])).abs())
            .fold(0.0f32, f32::max)
    }
}

/// Mean and standard deviation of each channel.
fn channel_stats(pixels: impl Iterator<Item = [f32; 3]>) -> ([f32; 3], [f32; 3]) {
    let mut n = 0f64;
    let mut sum = [0f64; 3];
    let mut sq = [0f64; 3];
    for p in pixels {
        n += 1.0;
        for i in 0..3 {
            let v = f64::from(p[i]);
            sum[i] += v;
            sq[i] += v * v;
        }
    }
    let n = n.max(1.0);
    let mean: [f64; 3] = std::array::from_fn(|i| sum[i] / n);
    let sd: [f32; 3] =
        std::array::from_fn(|i| (sq[i] / n - mean[i] * mean[i]).max(0.0).sqrt() as f32);
    (mean.map(|m| m as f32), sd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn diff_image(a: &RgbImage, b: &RgbImage) -> RgbImage {
        diff_and_aligned(a, b).0
    }

    /// A photo-like test card: smooth shading, hard-edged blocks and fine texture (4 px cells
    /// of pseudo-random tone), so an overlay off by a few pixels shows.
    fn card(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| card_at(x as f32, y as f32, w as f32, h as f32))
    }

    /// The test card of a `w` x `h` photo at the (continuous) pixel position (x, y).
    fn card_at(x: f32, y: f32, w: f32, h: f32) -> Rgb<u8> {
        let (fx, fy) = (x / w, y / h);
        let block = (((fx * 6.0).max(0.0) as u32 + (fy * 4.0).max(0.0) as u32) % 2) as f32 * 60.0;
        let (cx, cy) = (
            (x / 4.0).floor() as i32 as u32,
            (y / 4.0).floor() as i32 as u32,
        );
        let cell = cx.wrapping_mul(73_856_093) ^ cy.wrapping_mul(19_349_663);
        let grain = (cell.wrapping_mul(2_654_435_761) >> 27) as f32 * 2.0;
        let v = 60.0 + 50.0 * (fx * 7.0).sin() * (fy * 5.0).cos() + block + grain;
        Rgb([v as u8, (v * 0.8) as u8, (200.0 - v * 0.5) as u8])
    }

    #[test]
    fn a_tilted_copy_of_a_landscape_photo_lines_up() {
        // A 4:3 photo turned 3 degrees and cropped to 80 % (what "straighten" makes): each
        // pixel of the copy samples the card at the rotated position.
        let (w, h) = (320.0f32, 240.0f32);
        let a = card(320, 240);
        let (sin, cos) = 3f32.to_radians().sin_cos();
        let tilted = RgbImage::from_fn(256, 192, |u, v| {
            let (dx, dy) = (u as f32 + 0.5 - 128.0, v as f32 + 0.5 - 96.0);
            let (x, y) = (cos * dx - sin * dy + w / 2.0, sin * dx + cos * dy + h / 2.0);
            card_at(x - 0.5, y - 0.5, w, h)
        });
        let d = diff_image(&a, &tilted);
        let inside = (100..140)
            .flat_map(|y| (100..220).map(move |x| (x, y)))
            .filter(|&(x, y)| d.get_pixel(x, y).0[0] > 90)
            .count();
        assert!(inside < 120 * 40 / 50, "{inside} of the middle glow");
    }

    #[test]
    fn diff_is_dark_where_equal_and_bright_where_different() {
        let a = card(64, 48);
        let mut b = a.clone();
        for x in 0..8 {
            for y in 0..8 {
                b.put_pixel(x, y, Rgb([250, 20, 20]));
            }
        }
        let d = diff_image(&a, &b);
        let same = d.get_pixel(40, 30).0;
        let differs = d.get_pixel(3, 3).0;
        assert!(same[0] < 90, "equal area is dim: {same:?}");
        assert!(differs[0] > 150, "different area is bright: {differs:?}");
        // A uniformly brighter copy is not a difference.
        let mut bright = a.clone();
        for p in bright.pixels_mut() {
            p.0 = p.0.map(|v| v.saturating_add(30));
        }
        let d = diff_image(&a, &bright);
        assert!(d.pixels().all(|p| p.0[0] < 90), "tone is matched first");
        // A smaller copy is mapped onto the first frame.
        let small = image_io::resize_exact(&a, 32, 24);
        let d = diff_image(&a, &small);
        assert_eq!(d.dimensions(), (64, 48));
        let bright = d.pixels().filter(|p| p.0[0] > 150).count();
        assert!(
            bright < 64 * 48 / 20,
            "a resized copy differs only at hard edges: {bright}"
        );
    }

    #[test]
    fn a_caption_bar_is_the_only_difference_shown() {
        let a = card(160, 120);
        let mut b = a.clone();
        for y in 100..120 {
            for x in 0..160 {
                b.put_pixel(x, y, Rgb([250, 250, 250]));
            }
        }
        let d = diff_image(&a, &b);
        let lit = |y0: u32, y1: u32| {
            let n = (y0..y1)
                .flat_map(|y| (0..160).map(move |x| (x, y)))
                .filter(|&(x, y)| d.get_pixel(x, y).0[0] > 90)
                .count();
            n as f32 / (160 * (y1 - y0)) as f32
        };
        assert!(lit(100, 120) > 0.8, "the bar: {}", lit(100, 120));
        assert!(
            lit(0, 100) < 0.01,
            "the rest is not tinted: {}",
            lit(0, 100)
        );
    }

    #[test]
    fn a_crop_lines_up_instead_of_glowing_everywhere() {
        let a = card(320, 240);
        // About the middle 78%, at offsets that fall between signature pixels.
        let crop = image::imageops::crop_imm(&a, 37, 29, 250, 187).to_image();
        let bright = |d: &RgbImage| d.pixels().filter(|p| p.0[0] > 90).count() as f32;
        let share = |d: &RgbImage| bright(d) / (d.width() * d.height()) as f32;
        let d = diff_image(&a, &crop);
        // (To the signature pixel only, without the refinement, 1.6 % of it glows.)
        assert!(share(&d) < 0.005, "crop aligned: {} bright", share(&d));
        // The border the crop lacks is marked blue (no highlight, no false difference).
        let edge = d.get_pixel(5, 120).0;
        assert!(edge[2] > edge[0] + 30 && edge[0] < 90, "{edge:?}");
        let middle = d.get_pixel(160, 120).0;
        assert!(middle[2] <= middle[0], "inside the crop: {middle:?}");
        // The aligned copy of the crop (what flicker mode shows) matches A inside, blue outside.
        let (_, aligned) = diff_and_aligned(&a, &crop);
        assert_eq!(aligned.get_pixel(5, 120).0, NOT_IN_B);
        let (pa, pb) = (a.get_pixel(160, 120).0, aligned.get_pixel(160, 120).0);
        assert!(
            (0..3).all(|i| pa[i].abs_diff(pb[i]) < 30),
            "{pa:?} vs {pb:?}"
        );
        // Either way round.
        let d = diff_image(&crop, &a);
        assert!(
            share(&d) < 0.03,
            "outer mapped onto the crop: {}",
            share(&d)
        );
        // Frame to frame (what the view did before) the crop glows nearly everywhere.
        let unaligned = image_io::resize_exact(&crop, 320, 240);
        let mut naive = RgbImage::new(320, 240);
        for (o, (pa, pb)) in naive.pixels_mut().zip(a.pixels().zip(unaligned.pixels())) {
            let d = (0..3).map(|i| pa.0[i].abs_diff(pb.0[i])).max().unwrap_or(0);
            o.0 = [if d > 40 { 255 } else { 0 }, 0, 0];
        }
        assert!(
            share(&naive) > 0.2,
            "the test card is not trivially aligned"
        );
    }
}
