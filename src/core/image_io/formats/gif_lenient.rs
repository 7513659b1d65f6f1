//! GIF files the `image` crate refuses: unknown extension blocks are skipped and a frame
//! without any colour table is shown in gray levels (first frame only).

use super::check_size;
use crate::core::image_io::{DecodeError, MAX_ALLOC_BYTES, corrupt};
use image::{DynamicImage, RgbaImage};

const NAME: &str = "gif";

/// Decode the first frame of a GIF leniently.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    options.allow_unknown_blocks(true);
    options.check_frame_consistency(false);
    options.set_memory_limit(gif::MemoryLimit::Bytes(
        std::num::NonZeroU64::new(MAX_ALLOC_BYTES).unwrap_or(std::num::NonZeroU64::MIN),
    ));
    // Without any colour table the gif crate refuses the frame: give the file a global gray
    // table (frames with their own table keep it).
    let patched;
    let bytes = match bytes.get(10) {
        Some(&packed) if packed & 0x80 == 0 && bytes.len() >= 13 => {
            let mut b = Vec::with_capacity(bytes.len() + 768);
            b.extend(&bytes[..10]);
            b.push(packed | 0x87);
            b.extend(&bytes[11..13]);
            b.extend((0..=255u8).flat_map(|v| [v, v, v]));
            b.extend(&bytes[13..]);
            patched = b;
            &patched[..]
        }
        _ => bytes,
    };
    let mut decoder = options.read_info(bytes).map_err(|e| corrupt(NAME, e))?;
    let (w, h) = (u32::from(decoder.width()), u32::from(decoder.height()));
    check_size(NAME, w, h)?;
    let global = decoder.global_palette().map(<[u8]>::to_vec);
    let frame = decoder
        .read_next_frame()
        .map_err(|e| corrupt(NAME, e))?
        .ok_or_else(|| corrupt(NAME, "no frame"))?;
    let palette = frame.palette.clone().or(global);
    let mut canvas = RgbaImage::from_pixel(w, h, image::Rgba([0, 0, 0, 0]));
    let (fw, fh) = (usize::from(frame.width), usize::from(frame.height));
    for (i, &index) in frame.buffer.iter().enumerate().take(fw * fh) {
        let (x, y) = (
            u32::from(frame.left) + (i % fw) as u32,
            u32::from(frame.top) + (i / fw) as u32,
        );
        if x >= w || y >= h || frame.transparent == Some(index) {
            continue;
        }
        let at = usize::from(index) * 3;
        let rgb = match palette.as_deref().and_then(|p| p.get(at..at + 3)) {
            Some(c) => [c[0], c[1], c[2]],
            None => [0; 3],
        };
        canvas.put_pixel(x, y, image::Rgba([rgb[0], rgb[1], rgb[2], 255]));
    }
    Ok(DynamicImage::ImageRgba8(canvas))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1x1 GIF without any colour table, plus an unknown extension block (label 0x99).
    fn odd_gif() -> Vec<u8> {
        let mut b = b"GIF89a".to_vec();
        b.extend([1, 0, 1, 0, 0x00, 0, 0]); // screen 1x1, no global table
        b.extend([0x21, 0x99, 2, 7, 7, 0]); // unknown extension
        b.extend([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00]); // image descriptor, no local table
        b.extend([2, 2, 0x5c, 0x01, 0]); // LZW min size 2: clear, index 3, end
        b.push(0x3b);
        b
    }

    #[test]
    fn unknown_blocks_and_no_palette() {
        let img = decode(&odd_gif()).expect("decode").to_rgba8();
        assert_eq!(img.dimensions(), (1, 1));
        // Index 3 of the gray table stands in for the missing colours.
        assert_eq!(img.get_pixel(0, 0).0, [3, 3, 3, 255]);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let gif = odd_gif();
        assert!(decode(&gif[..12]).is_err());
        assert!(decode(b"GIF89a").is_err());
    }
}
