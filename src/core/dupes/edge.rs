//! A scored candidate pair of exact-copy classes: descriptor and semantic cosines, the pixel
//! check of their aligned signatures, and how one was turned to look like the other.

use super::pixel_check::PixelMatch;
use super::symmetry::Symmetry;

/// A scored pair of exact-copy classes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Class index (`a < b`).
    pub a: u32,
    /// Class index.
    pub b: u32,
    /// Descriptor cosine (after applying `symmetry` to `a`).
    pub similarity: f32,
    /// Semantic-model cosine, when the library has such vectors.
    pub semantic: Option<f32>,
    /// Pixel-level alignment of the signatures; `None` when not checked (too dissimilar).
    pub pixel: Option<PixelMatch>,
    /// How `a` was turned to look like `b` (identity unless mirror search found it).
    pub symmetry: Symmetry,
    /// Cosine of the two colour layouts (`None` when either photo is nearly colourless): low for
    /// a recoloured variant, which is the same design but not the same picture.
    pub colour: Option<f32>,
}
