//! Mirror and quarter-turn symmetries (the dihedral group of the square) applied to stored data,
//! so mirrored or rotated copies are found without decoding any photo again.
//!
//! Signatures and the descriptor's blocks are square grids with the aspect ratio ignored, so
//! mirroring or turning a photo mirrors or turns those grids. The descriptor's gradient
//! histograms also change orientation: a mirror maps orientation bin `b` to `7 - b`, a quarter
//! turn shifts bins by half their range. A test checks this against descriptors of transformed
//! photos, so a change in the descriptor's layout is caught.

use crate::core::embed::descriptor::DESCRIPTOR_DIM;

/// One of the 8 symmetries of the square: an optional horizontal mirror followed by
/// `quarter_turns` clockwise quarter turns.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Symmetry {
    /// Mirror left-right first.
    pub mirror: bool,
    /// Clockwise quarter turns after the mirror (0..4).
    pub quarter_turns: u8,
}

impl Symmetry {
    /// No change.
    pub const IDENTITY: Symmetry = Symmetry {
        mirror: false,
        quarter_turns: 0,
    };

    /// All 8 symmetries, identity first.
    pub fn all() -> [Symmetry; 8] {
        let mut out = [Symmetry::IDENTITY; 8];
        for (i, s) in out.iter_mut().enumerate() {
            s.mirror = i >= 4;
            s.quarter_turns = (i % 4) as u8;
        }
        out
    }

    /// Whether this is the identity.
    pub fn is_identity(self) -> bool {
        self == Self::IDENTITY
    }

    /// Short human name ("mirrored", "rotated 90°"...).
    pub fn label(self) -> String {
        let turn = match self.quarter_turns % 4 {
            0 => None,
            1 => Some("rotated 90°"),
            2 => Some("rotated 180°"),
            _ => Some("rotated 270°"),
        };
        match (self.mirror, turn) {
            (false, None) => "same orientation".into(),
            (true, None) => "mirrored".into(),
            (false, Some(t)) => t.into(),
            (true, Some(t)) => format!("mirrored and {t}"),
        }
    }

    /// Where the source cell `(x, y)` of an `n`x`n` grid lands.
    fn map(self, x: usize, y: usize, n: usize) -> (usize, usize) {
        let (mut x, mut y) = if self.mirror { (n - 1 - x, y) } else { (x, y) };
        for _ in 0..self.quarter_turns % 4 {
            (x, y) = (n - 1 - y, x);
        }
        (x, y)
    }

    /// Apply to a row-major `n`x`n` grid of `per_cell` values per cell.
    fn grid<T: Copy>(self, src: &[T], n: usize, per_cell: usize, out: &mut [T]) {
        for y in 0..n {
            for x in 0..n {
                let (dx, dy) = self.map(x, y, n);
                let (s, d) = ((y * n + x) * per_cell, (dy * n + dx) * per_cell);
                out[d..d + per_cell].copy_from_slice(&src[s..s + per_cell]);
            }
        }
    }

    /// The signature of the transformed photo. `None` if `sig` is not square.
    pub fn apply_signature(self, sig: &[u8]) -> Option<Vec<u8>> {
        let n = (sig.len() as f64).sqrt() as usize;
        if n * n != sig.len() || n == 0 {
            return None;
        }
        let mut out = vec![0u8; sig.len()];
        self.grid(sig, n, 1, &mut out);
        Some(out)
    }

    /// The `descriptor-v1` vector of the transformed photo, by permuting blocks. `None` for a
    /// vector of another layout.
    pub fn apply_descriptor(self, v: &[f32]) -> Option<Vec<f32>> {
        if v.len() != DESCRIPTOR_DIM {
            return None;
        }
        let mut out = v.to_vec();
        let mut at = 0;
        // Luminance layouts 16x16 and 8x8.
        for n in [16usize, 8] {
            self.grid(&v[at..at + n * n], n, 1, &mut out[at..at + n * n]);
            at += n * n;
        }
        // Gradient histograms: 4x4 cells of 8 orientation bins.
        let len = 4 * 4 * 8;
        let mut cells = vec![0f32; len];
        self.grid(&v[at..at + len], 4, 8, &mut cells);
        for c in 0..16 {
            for b in 0..8usize {
                let mut nb = if self.mirror { (8 - 1 - b) % 8 } else { b };
                nb = (nb + 4 * usize::from(self.quarter_turns % 2 == 1)) % 8;
                out[at + c * 8 + nb] = cells[c * 8 + b];
            }
        }
        at += len;
        // Colour layout: two 4x4 planes.
        for _ in 0..2 {
            self.grid(&v[at..at + 16], 4, 1, &mut out[at..at + 16]);
            at += 16;
        }
        // Global tone: unchanged.
        Some(out)
    }

    /// The symmetry that undoes this one.
    pub fn inverse(self) -> Symmetry {
        Symmetry::all()
            .into_iter()
            .find(|s| {
                let probe: Vec<u8> = (0..16).collect();
                self.apply_signature(&probe)
                    .and_then(|p| s.apply_signature(&p))
                    .is_some_and(|back| back == probe)
            })
            .unwrap_or(Symmetry::IDENTITY)
    }
}

/// Offset of the colour layout block (two 4x4 opponent-chroma planes) in a descriptor.
const COLOUR_AT: usize = 16 * 16 + 8 * 8 + 4 * 4 * 8;
/// Length of the colour layout block.
const COLOUR_LEN: usize = 32;
/// Norm of the colour block of a fully colourful photo (the block's weight, square-rooted).
const COLOUR_FULL_NORM: f32 = 0.316;

/// The colour block of a descriptor and its norm; `None` for another length.
fn colour_block(v: &[f32]) -> Option<(&[f32], f32)> {
    let c = v.get(COLOUR_AT..COLOUR_AT + COLOUR_LEN)?;
    (v.len() == DESCRIPTOR_DIM).then(|| (c, c.iter().map(|x| x * x).sum::<f32>().sqrt()))
}

/// The colour block of a descriptor, without its norm; `None` for another length.
fn colour_block_only(v: &[f32]) -> Option<&[f32]> {
    (v.len() == DESCRIPTOR_DIM)
        .then(|| v.get(COLOUR_AT..COLOUR_AT + COLOUR_LEN))
        .flatten()
}

/// Whether a descriptor's photo has colour to compare: below half the full norm of the colour
/// block its chroma is weak (a grayscale or sepia copy), and it says nothing about hue.
pub fn is_colourful(v: &[f32]) -> bool {
    colour_block(v).is_some_and(|(_, n)| n >= 0.5 * COLOUR_FULL_NORM)
}

/// The norm of a descriptor's colour block when its photo is colourful (see [`is_colourful`]):
/// what [`colour_agreement_of`] needs of each photo, so a graph works it out once per photo
/// instead of once per pair.
pub fn colour_norm(v: &[f32]) -> Option<f32> {
    colour_block(v)
        .map(|(_, n)| n)
        .filter(|&n| n >= 0.5 * COLOUR_FULL_NORM)
}

/// How the colour layouts of two descriptors agree: the cosine of their colour blocks, or `None`
/// when either photo is nearly colourless (see [`is_colourful`]).
pub fn colour_agreement(a: &[f32], b: &[f32]) -> Option<f32> {
    colour_agreement_of(a, colour_norm(a), b, colour_norm(b))
}

/// [`colour_agreement`] of descriptors `a` and `b` whose [`colour_norm`]s are `na` and `nb`.
pub fn colour_agreement_of(a: &[f32], na: Option<f32>, b: &[f32], nb: Option<f32>) -> Option<f32> {
    let (na, nb) = (na?, nb?);
    let (ca, cb) = (colour_block_only(a)?, colour_block_only(b)?);
    Some(ca.iter().zip(cb).map(|(x, y)| x * y).sum::<f32>() / (na * nb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::embed::descriptor::Descriptor;
    use image::{RgbImage, imageops};

    fn scene() -> RgbImage {
        RgbImage::from_fn(240, 160, |x, y| {
            let r = ((x * 7 + y * 3) % 256) as u8;
            let g = if (x / 30 + y / 20) % 2 == 0 { 200 } else { 40 };
            let b = if x < 60 && y > 100 {
                230
            } else {
                (y % 256) as u8
            };
            image::Rgb([r, g, b])
        })
    }

    fn transformed(img: &RgbImage, s: Symmetry) -> RgbImage {
        let mut out = if s.mirror {
            imageops::flip_horizontal(img)
        } else {
            img.clone()
        };
        for _ in 0..s.quarter_turns {
            out = imageops::rotate90(&out);
        }
        out
    }

    #[test]
    fn permuted_descriptor_matches_descriptor_of_transformed_photo() {
        let img = scene();
        let d = Descriptor::compute(&img).expect("descriptor");
        for s in Symmetry::all() {
            let want = Descriptor::compute(&transformed(&img, s)).expect("descriptor");
            let got = s.apply_descriptor(&d).expect("layout");
            let dot: f32 = want.iter().zip(&got).map(|(a, b)| a * b).sum();
            assert!(dot > 0.995, "{s:?}: {dot}");
        }
    }

    #[test]
    fn inverse_undoes() {
        let sig: Vec<u8> = (0..=255).collect();
        for s in Symmetry::all() {
            let t = s.apply_signature(&sig).expect("square");
            assert_eq!(s.inverse().apply_signature(&t).expect("square"), sig);
        }
    }
}
