//! The grayscale signature each photo gets at indexing (a 32x32 square, the input of the
//! duplicate pixel check), and the same squeeze at other sizes for the compare view's overlay.
//! Computed by the indexer, read by `dupes`; imports neither.

use crate::core::image_io;
use image::RgbImage;

/// Side of the grayscale signature stored for pixel-level duplicate checks.
pub const SIGNATURE_SIDE: u32 = 32;

/// Compute the 32x32 grayscale signature of an upright photo.
pub fn signature_of(img: &RgbImage) -> Vec<u8> {
    gray_square(img, SIGNATURE_SIDE)
}

/// `img` squeezed to `side` x `side` grayscale (row-major), as the signature is made.
pub fn gray_square(img: &RgbImage, side: u32) -> Vec<u8> {
    let small = image_io::resize_exact(img, side, side);
    small
        .pixels()
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114 + 500) / 1000)
                as u8
        })
        .collect()
}
