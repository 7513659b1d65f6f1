//! JPEG 2000 (`.jp2` boxes and raw `.j2k` codestreams) through `hayro-jpeg2000`, a pure-Rust
//! decoder.

use super::check_size;
use crate::core::image_io::{DecodeError, MAX_ALLOC_BYTES, corrupt};
use image::DynamicImage;

const NAME: &str = "jpeg2000";
const JP2_MAGIC: &[u8] = b"\0\0\0\x0cjP  \r\n\x87\n";
const CODESTREAM_MAGIC: &[u8] = &[0xff, 0x4f, 0xff, 0x51];

/// Whether `head` starts like a JPEG 2000 file or codestream.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(JP2_MAGIC) || head.starts_with(CODESTREAM_MAGIC)
}

/// Decode a JPEG 2000 image at full resolution.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let settings = hayro_jpeg2000::DecodeSettings::default();
    let image = hayro_jpeg2000::Image::new(bytes, &settings).map_err(|e| corrupt(NAME, e))?;
    check_size(NAME, image.width(), image.height())?;
    // The decoder keeps every component as 32-bit floats while it works.
    let channels = u64::from(image.color_space().num_channels()) + u64::from(image.has_alpha());
    let work_bytes = u64::from(image.width()) * u64::from(image.height()) * channels * 4;
    if work_bytes > MAX_ALLOC_BYTES {
        return Err(DecodeError::OverMemoryLimit);
    }
    DynamicImage::from_decoder(image).map_err(|e| match e {
        image::ImageError::Limits(_) => DecodeError::OverMemoryLimit,
        other => corrupt(NAME, other),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_inputs_are_errors() {
        assert!(decode(JP2_MAGIC).is_err());
        let mut siz = CODESTREAM_MAGIC.to_vec();
        // SIZ marker segment claiming a 4 Gpx image with one component.
        siz.extend([0, 41, 0, 0]);
        siz.extend(0xffff_fff0u32.to_be_bytes());
        siz.extend(0xffff_fff0u32.to_be_bytes());
        siz.extend([0; 8]);
        siz.extend(0xffff_fff0u32.to_be_bytes());
        siz.extend(0xffff_fff0u32.to_be_bytes());
        siz.extend([0; 8]);
        siz.extend([0, 1, 7, 1, 1]);
        assert!(decode(&siz).is_err());
        assert!(decode(&[0xff, 0x4f, 0xff, 0x51, 0, 2]).is_err());
    }
}
