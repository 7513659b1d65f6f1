//! Encapsulated PostScript with a DOS binary header: we cannot run PostScript, so the TIFF
//! preview the file carries is shown instead.

use super::{truncated, u32_le};
use crate::core::image_io::DecodeError;

const NAME: &str = "eps";
const MAGIC: [u8; 4] = [0xc5, 0xd0, 0xd3, 0xc6];

/// Whether `head` starts like a DOS EPS file.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(&MAGIC)
}

/// The TIFF preview inside a DOS EPS file.
pub fn tiff_preview(bytes: &[u8]) -> Result<&[u8], DecodeError> {
    let at = u32_le(bytes, 20).ok_or_else(|| truncated(NAME))? as usize;
    let len = u32_le(bytes, 24).ok_or_else(|| truncated(NAME))? as usize;
    if at == 0 || len == 0 {
        return Err(DecodeError::UnsupportedVariant {
            format: NAME.into(),
            reason: "PostScript without a TIFF preview image".into(),
        });
    }
    bytes
        .get(at..at.saturating_add(len))
        .ok_or_else(|| truncated(NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eps(tiff: &[u8]) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        for v in [30u32, 0, 0, 0, 30, tiff.len() as u32] {
            b.extend(v.to_le_bytes());
        }
        b.extend([0xff, 0xff]);
        b.extend(tiff);
        b
    }

    #[test]
    fn preview_is_found() {
        assert_eq!(
            tiff_preview(&eps(b"II*\0rest")).expect("preview"),
            b"II*\0rest"
        );
    }

    #[test]
    fn missing_or_lying_previews_are_errors() {
        assert!(matches!(
            tiff_preview(&eps(b"")),
            Err(DecodeError::UnsupportedVariant { .. })
        ));
        let mut lying = eps(b"II*\0");
        lying[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(tiff_preview(&lying).is_err());
        assert!(tiff_preview(&MAGIC).is_err());
    }
}
