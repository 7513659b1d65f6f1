//! JPEG XL through the pure-Rust `jxl-oxide` decoder: the first displayed frame, converted to
//! sRGB, with the codestream's orientation applied once.

use super::heic::shrink_to_min_side;
use crate::core::image_io::generic::to_rgb_over_white;
use crate::core::image_io::{DecodeError, Decoded, MAX_ALLOC_BYTES, check_dimensions, corrupt};
use image::{DynamicImage, GrayAlphaImage, GrayImage, RgbImage, RgbaImage};
use jxl_oxide::{
    AllocTracker, EnumColourEncoding, InitializeResult, JxlImage, JxlThreadPool, RenderingIntent,
};

/// A bare codestream's signature.
const CODESTREAM: &[u8] = &[0xff, 0x0a];
/// The first box of the ISO-BMFF container (`JXL ` signature box).
const CONTAINER: &[u8] = b"\0\0\0\x0cJXL \r\n\x87\n";

/// Whether `head` starts a JPEG XL file (bare codestream or ISO-BMFF container).
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(CODESTREAM) || head.starts_with(CONTAINER)
}

/// Decode the image, upright, reduced so that its shorter side is about `min_side_px`.
pub fn decode(bytes: &[u8], min_side_px: u32) -> Result<Decoded, DecodeError> {
    let (mut image, width, height) = open(bytes)?;
    let metadata = &image.image_header().metadata;
    let orientation = u8::try_from(metadata.orientation)
        .ok()
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1);
    // Colour management (embedded ICC profiles) through moxcms, which jxl-oxide uses for us.
    let intent = RenderingIntent::Relative;
    image.request_color_encoding(if metadata.grayscale() {
        EnumColourEncoding::gray_srgb(intent)
    } else {
        EnumColourEncoding::srgb(intent)
    });
    if image.num_loaded_keyframes() == 0 {
        return Err(corrupt(
            "jxl",
            "the file ends before its first frame (truncated)",
        ));
    }
    // Animations: the first frame. The stream applies the orientation (the Exif box's tag is
    // ignored, as the JPEG XL specification requires).
    let render = image.render_frame(0).map_err(|e| error(&*e))?;
    let mut stream = render.stream();
    let (w, h, channels) = (stream.width(), stream.height(), stream.channels());
    let len = (w as usize)
        .checked_mul(h as usize)
        .and_then(|n| n.checked_mul(channels as usize))
        .ok_or_else(|| corrupt("jxl", "picture too large"))?;
    let mut buf = vec![0u8; len];
    stream.write_to_buffer(&mut buf);
    let too_short = || corrupt("jxl", "rendered buffer has the wrong size");
    let img = match channels {
        1 => DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, buf).ok_or_else(too_short)?),
        2 => DynamicImage::ImageLumaA8(GrayAlphaImage::from_raw(w, h, buf).ok_or_else(too_short)?),
        3 => DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, buf).ok_or_else(too_short)?),
        4 => DynamicImage::ImageRgba8(RgbaImage::from_raw(w, h, buf).ok_or_else(too_short)?),
        n => {
            return Err(DecodeError::UnsupportedVariant {
                format: "jxl".into(),
                reason: format!("{n} colour channels"),
            });
        }
    };
    Ok(Decoded {
        image: shrink_to_min_side(&to_rgb_over_white(img), min_side_px),
        width,
        height,
        format: "jxl",
        orientation,
    })
}

/// Parse the headers, refuse bombs by their declared upright size, then feed the rest of the
/// file to the decoder (one thread, allocations bounded). Also returns the upright size.
fn open(bytes: &[u8]) -> Result<(JxlImage, u32, u32), DecodeError> {
    let mut uninit = JxlImage::builder()
        .pool(JxlThreadPool::none())
        .alloc_tracker(AllocTracker::with_limit(MAX_ALLOC_BYTES as usize))
        .build_uninit();
    // Headers first, in growing pieces, so that no frame is read before the size is checked.
    let (mut rest, mut piece) = (bytes, 4096usize);
    let mut image = loop {
        let whole = piece >= rest.len();
        let chunk = rest.get(..piece.min(rest.len())).unwrap_or_default();
        let used = uninit.feed_bytes(chunk).map_err(|e| error(&*e))?;
        rest = rest.get(used..).unwrap_or_default();
        // More data helps only while some is left that the parser has not been offered.
        let progress = used > 0 || !whole;
        match uninit.try_init().map_err(|e| error(&*e))? {
            InitializeResult::Initialized(image) => break image,
            InitializeResult::NeedMoreData(more) if !rest.is_empty() && progress => {
                uninit = more;
                piece = piece.saturating_mul(2);
            }
            InitializeResult::NeedMoreData(_) => {
                return Err(corrupt(
                    "jxl",
                    "the file ends inside its header (truncated)",
                ));
            }
        }
    };
    // The upright size (orientation applied).
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return Err(corrupt("jxl", "zero dimensions"));
    }
    check_dimensions(width, height)?;
    while !rest.is_empty() {
        let used = image.feed_bytes(rest).map_err(|e| error(&*e))?;
        if used == 0 {
            break;
        }
        rest = rest.get(used..).unwrap_or_default();
    }
    image.finalize().map_err(|e| error(&*e))?;
    Ok((image, width, height))
}

/// jxl-oxide's error, worded for a person.
fn error(e: &(dyn std::error::Error + Send + Sync)) -> DecodeError {
    let text = e.to_string();
    if text.starts_with("failed to allocate") {
        DecodeError::OverMemoryLimit
    } else {
        corrupt("jxl", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_codestream_and_container() {
        assert!(sniff(b"\xff\x0a\xfa\x07"));
        assert!(sniff(b"\0\0\0\x0cJXL \r\n\x87\n\0\0\0\x14ftypjxl "));
        assert!(!sniff(b"\xff\xd8\xff\xe0"));
        assert!(!sniff(b"\0\0\0\x0cJXL "));
        assert!(!sniff(b""));
    }

    #[test]
    fn damaged_codestreams_are_errors() {
        assert!(decode(b"\xff\x0a", 224).is_err());
        assert!(decode(b"\xff\x0a\xff\xff\xff\xff\xff\xff\xff\xff", 224).is_err());
        assert!(decode(CONTAINER, 224).is_err());
    }
}
