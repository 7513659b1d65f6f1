//! The model-free default descriptor: a compact global image signature for near-duplicate and
//! similar-photo search that needs no weights.
//!
//! Design (classic CBIR ingredients, each block L2-normalised then weighted so the cosine of two
//! descriptors is a weighted sum of per-block cosines):
//! - **Luminance layout** at two scales (16x16 and 8x8 cell means of luma, zero-mean / unit-variance
//!   per photo): invariant to brightness and contrast changes and to grayscale conversion; the cell
//!   averaging tolerates resize, re-compression and the small shifts of a crop or tilt
//!   (colour-layout / "tiny image" descriptors, Torralba et al. 2008; MPEG-7 colour layout).
//! - **Gradient orientation histograms** on a 4x4 grid with 8 soft orientation bins, root-normalised
//!   (HOG / GIST-like, Hellinger kernel as in RootSIFT): captures edges and texture, invariant to
//!   brightness and colour, tolerant to small rotations.
//! - **Colour layout**: opponent chroma means on a 4x4 grid, lightly weighted so a grayscale copy
//!   loses little.
//!
//! Everything is computed from a 64x64 area-averaged rendition, so the cost per photo is tiny and
//! runs on the decoder threads inside [`Embedder::prepare`].

use super::{EmbedError, Embedder, Prepared, l2_normalize};
use crate::core::image_io::resize_exact;
use image::RgbImage;

/// Side (px) of the working rendition.
const WORK_SIDE: usize = 64;
/// Gradient grid cells per side.
const GRAD_CELLS: usize = 4;
/// Orientation bins (unsigned orientation over 180 degrees).
const GRAD_BINS: usize = 8;
/// Colour grid cells per side.
const COLOR_CELLS: usize = 4;

/// Block weights (summing to 1): the cosine of two descriptors is the weighted sum of block cosines.
const W_LAYOUT_FINE: f32 = 0.35;
const W_LAYOUT_COARSE: f32 = 0.25;
const W_GRADIENT: f32 = 0.30;
const W_COLOR: f32 = 0.10;
/// Global tone (mean luma and chroma): keeps flat photos (a black frame) embeddable.
const W_TONE: f32 = 0.03;

/// Total dimension of the descriptor.
pub const DESCRIPTOR_DIM: usize =
    16 * 16 + 8 * 8 + GRAD_CELLS * GRAD_CELLS * GRAD_BINS + COLOR_CELLS * COLOR_CELLS * 2 + 3;

/// The model-free descriptor embedder. Stateless and cheap to construct.
#[derive(Debug, Default, Clone)]
pub struct Descriptor;

impl Descriptor {
    /// Stable id of this descriptor's embedding space. Bump the version whenever the output changes.
    pub const ID: &'static str = "descriptor-v1";

    /// Create the descriptor embedder.
    pub fn new() -> Self {
        Descriptor
    }

    /// Compute the descriptor of an upright RGB photo.
    pub fn compute(img: &RgbImage) -> Result<Vec<f32>, EmbedError> {
        if img.width() == 0 || img.height() == 0 {
            return Err(EmbedError::BadInput("empty image".into()));
        }
        let small = resize_exact(img, WORK_SIDE as u32, WORK_SIDE as u32);
        let n = WORK_SIDE * WORK_SIDE;
        let mut luma = vec![0f32; n];
        let mut o1 = vec![0f32; n];
        let mut o2 = vec![0f32; n];
        for (i, p) in small.pixels().enumerate() {
            let (r, g, b) = (
                f32::from(p[0]) / 255.0,
                f32::from(p[1]) / 255.0,
                f32::from(p[2]) / 255.0,
            );
            luma[i] = 0.299 * r + 0.587 * g + 0.114 * b;
            o1[i] = (r - g) * std::f32::consts::FRAC_1_SQRT_2;
            o2[i] = (r + g - 2.0 * b) / 6f32.sqrt();
        }
        let mut out = Vec::with_capacity(DESCRIPTOR_DIM);
        let mut fine = standardized(&cell_means(&luma, WORK_SIDE, 16));
        push_block(&mut out, &mut fine, W_LAYOUT_FINE);
        let mut coarse = standardized(&cell_means(&luma, WORK_SIDE, 8));
        push_block(&mut out, &mut coarse, W_LAYOUT_COARSE);
        let mut grad = gradient_histograms(&luma, WORK_SIDE);
        push_block(&mut out, &mut grad, W_GRADIENT);
        let mut color = cell_means(&o1, WORK_SIDE, COLOR_CELLS);
        color.extend(cell_means(&o2, WORK_SIDE, COLOR_CELLS));
        // Absolute chroma, not normalised per photo: a gray photo has (near) zero colour and
        // should lose only this block's small weight, not gain a noisy one.
        color.iter_mut().for_each(|c| *c *= 4.0);
        let norm = color.iter().map(|c| c * c).sum::<f32>().sqrt();
        let scale = W_COLOR.sqrt() / norm.max(0.25);
        out.extend(color.iter().map(|c| c * scale));
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        let mut tone = [0.1 + mean(&luma), 4.0 * mean(&o1), 4.0 * mean(&o2)];
        push_block(&mut out, &mut tone, W_TONE);
        if !l2_normalize(&mut out) {
            return Err(EmbedError::BadInput("descriptor is all zeros".into()));
        }
        Ok(out)
    }
}

/// Scale a block to unit length times sqrt(weight) and append it. A flat (all-zero) block
/// contributes zeros.
fn push_block(out: &mut Vec<f32>, block: &mut [f32], weight: f32) {
    if l2_normalize(block) {
        let s = weight.sqrt();
        out.extend(block.iter().map(|v| v * s));
    } else {
        out.extend(std::iter::repeat_n(0.0, block.len()));
    }
}

/// Means over a `cells`x`cells` grid of a square `side`x`side` plane.
fn cell_means(plane: &[f32], side: usize, cells: usize) -> Vec<f32> {
    let step = side / cells;
    let mut out = vec![0f32; cells * cells];
    for y in 0..side {
        let cy = (y / step).min(cells - 1);
        for x in 0..side {
            let cx = (x / step).min(cells - 1);
            out[cy * cells + cx] += plane[y * side + x];
        }
    }
    let inv = 1.0 / (step * step) as f32;
    out.iter_mut().for_each(|v| *v *= inv);
    out
}

/// Zero mean, unit variance (flat input stays all zero).
fn standardized(v: &[f32]) -> Vec<f32> {
    let n = v.len() as f32;
    let mean = v.iter().sum::<f32>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
    let sd = var.sqrt();
    if sd < 1e-4 {
        return vec![0.0; v.len()];
    }
    v.iter().map(|x| (x - mean) / sd).collect()
}

/// Root-normalised histograms of gradient orientation (weighted by magnitude) on a grid, with
/// linear interpolation between neighbouring orientation bins.
fn gradient_histograms(luma: &[f32], side: usize) -> Vec<f32> {
    let mut hist = vec![0f32; GRAD_CELLS * GRAD_CELLS * GRAD_BINS];
    let step = side / GRAD_CELLS;
    for y in 1..side - 1 {
        for x in 1..side - 1 {
            let at = |yy: usize, xx: usize| luma[yy * side + xx];
            let gx = at(y, x + 1) - at(y, x - 1);
            let gy = at(y + 1, x) - at(y - 1, x);
            let mag = (gx * gx + gy * gy).sqrt();
            if mag < 1e-6 {
                continue;
            }
            // Unsigned orientation in [0, pi).
            let mut theta = gy.atan2(gx);
            if theta < 0.0 {
                theta += std::f32::consts::PI;
            }
            let pos = theta / std::f32::consts::PI * GRAD_BINS as f32 - 0.5;
            let lo = pos.floor();
            let frac = pos - lo;
            let b0 = (lo as i32).rem_euclid(GRAD_BINS as i32) as usize;
            let b1 = (b0 + 1) % GRAD_BINS;
            let cell = (y / step).min(GRAD_CELLS - 1) * GRAD_CELLS + (x / step).min(GRAD_CELLS - 1);
            hist[cell * GRAD_BINS + b0] += mag * (1.0 - frac);
            hist[cell * GRAD_BINS + b1] += mag * frac;
        }
    }
    // RootSIFT: L1-normalise, then square root (Hellinger kernel).
    let l1: f32 = hist.iter().sum();
    if l1 > 0.0 {
        hist.iter_mut().for_each(|v| *v = (*v / l1).sqrt());
    }
    hist
}

impl Embedder for Descriptor {
    fn id(&self) -> &str {
        Self::ID
    }
    fn label(&self) -> String {
        "Descriptor (model-free)".to_string()
    }
    fn dim(&self) -> usize {
        DESCRIPTOR_DIM
    }
    fn min_input_side_px(&self) -> u32 {
        128
    }
    fn prepare(&self, img: &RgbImage) -> Result<Prepared, EmbedError> {
        Ok(Prepared {
            data: Self::compute(img)?,
        })
    }
    fn embed_batch(&self, batch: &[Prepared]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(batch.iter().map(|p| p.data.clone()).collect())
    }
    fn preferred_batch(&self) -> usize {
        64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let r = (fx * 255.0) as u8;
            let g = ((fy * 6.0).sin() * 100.0 + 128.0) as u8;
            let b = if (fx - 0.5).powi(2) + (fy - 0.4).powi(2) < 0.05 {
                230
            } else {
                40
            };
            image::Rgb([r, g, b])
        })
    }

    #[test]
    fn unit_length_and_dimension() {
        let d = Descriptor::compute(&scene(300, 200)).expect("descriptor");
        assert_eq!(d.len(), DESCRIPTOR_DIM);
        let n: f32 = d.iter().map(|v| v * v).sum();
        assert!((n - 1.0).abs() < 1e-4);
    }

    #[test]
    fn resize_and_brightness_keep_similarity_high() {
        let a = Descriptor::compute(&scene(640, 480)).expect("a");
        let small = resize_exact(&scene(640, 480), 160, 120);
        let mut bright = scene(640, 480);
        bright.pixels_mut().for_each(|p| {
            for c in 0..3 {
                p[c] = (f32::from(p[c]) * 1.2).min(255.0) as u8;
            }
        });
        let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f32>();
        let b = Descriptor::compute(&small).expect("b");
        let c = Descriptor::compute(&bright).expect("c");
        assert!(dot(&a, &b) > 0.98, "resize {}", dot(&a, &b));
        assert!(dot(&a, &c) > 0.9, "brightness {}", dot(&a, &c));
    }

    #[test]
    fn flat_images_embed_and_differ_by_tone() {
        let dark = RgbImage::from_pixel(50, 50, image::Rgb([5, 5, 5]));
        let red = RgbImage::from_pixel(50, 50, image::Rgb([200, 10, 10]));
        let a = Descriptor::compute(&dark).expect("a flat dark frame is still a photo");
        let b = Descriptor::compute(&red).expect("flat red");
        assert!(a.iter().all(|v| v.is_finite()));
        let dot: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!(dot < 0.99, "flat dark vs flat red too similar: {dot}");
    }
}
