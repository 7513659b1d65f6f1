//! Decoders for formats that photo libraries rarely hold: scientific images (FITS, SPIDER,
//! McIDAS), game and texture formats (BLP, FTEX, DDS), and old tool formats (GIMP brushes,
//! IM, IM Tools, MSP, Pixar, Sun raster, XBM, XPM, XV thumbnails, FLI/FLC).
//!
//! Kept, in their own tree: they cost nothing until a file's magic bytes name them (photo
//! formats are sniffed first), each is small, guarded (sizes checked before allocating, never
//! a panic) and fuzzed, and Pillow's public test corpus checks them in CI; an old archive does
//! hold the odd one. New work goes to the formats of [`super`] that real photo libraries need.

pub mod blp;
pub mod dds;
pub mod fits;
pub mod fli;
pub mod ftex;
pub mod gbr;
pub mod im;
pub mod imt;
pub mod mcidas;
pub mod msp;
pub mod pixar;
pub mod spider;
pub mod sun;
pub mod xbm;
pub mod xpm;
pub mod xv_thumb;

use super::{
    Stretch, check_data_size, check_size, f32_at, f32s, truncated, u16_le, u32_be, u32_le,
};
