//! Our own decoders for formats the `image` crate does not read, one format per file. Each
//! checks the declared size with [`check_dimensions`] before allocating pixels and returns a
//! [`DecodeError`] (never panics) on damaged input.

pub mod avif;
pub mod eps;
pub mod gif_lenient;
pub mod heic;
pub mod icns;
pub mod jpeg2000;
pub mod jxl;
pub mod niche;
pub mod pcx;
pub mod pfm;
pub mod psd;
pub mod raw;
pub mod rewrap;
pub mod sgi;
pub mod tga;
pub mod tiff_strips;

use super::{DecodeError, PhotoFormat, check_dimensions, corrupt};
use image::DynamicImage;

/// Recognise one of our own formats by its first bytes.
pub(super) fn sniff(head: &[u8]) -> Option<PhotoFormat> {
    Some(if jpeg2000::sniff(head) {
        PhotoFormat::Jpeg2000
    } else if sgi::sniff(head) {
        PhotoFormat::Sgi
    } else if psd::sniff(head) {
        PhotoFormat::Psd
    } else if icns::sniff(head) {
        PhotoFormat::Icns
    } else if niche::xpm::sniff(head) {
        PhotoFormat::Xpm
    } else if niche::fits::sniff(head) {
        PhotoFormat::Fits
    } else if niche::sun::sniff(head) {
        PhotoFormat::SunRaster
    } else if pcx::sniff_dcx(head) {
        PhotoFormat::Dcx
    } else if pcx::sniff(head) {
        PhotoFormat::Pcx
    } else if niche::blp::sniff(head) {
        PhotoFormat::Blp
    } else if niche::ftex::sniff(head) {
        PhotoFormat::Ftex
    } else if pfm::sniff(head) {
        PhotoFormat::Pfm
    } else if niche::gbr::sniff(head) {
        PhotoFormat::Gbr
    } else if niche::msp::sniff(head) {
        PhotoFormat::Msp
    } else if niche::im::sniff(head) {
        PhotoFormat::Im
    } else if eps::sniff(head) {
        PhotoFormat::Eps
    } else if niche::fli::sniff(head) {
        PhotoFormat::Fli
    } else if rewrap::sniff_cur(head) {
        PhotoFormat::Cur
    } else if niche::pixar::sniff(head) {
        PhotoFormat::Pixar
    } else if niche::mcidas::sniff(head) {
        PhotoFormat::Mcidas
    } else if niche::xbm::sniff(head) {
        PhotoFormat::Xbm
    } else if niche::imt::sniff(head) {
        PhotoFormat::Imt
    } else if niche::spider::sniff(head) {
        PhotoFormat::Spider
    } else {
        return None;
    })
}

/// Decode with our own decoder for `format`; `None` for formats the `image` crate reads.
pub(super) fn decode(
    bytes: &[u8],
    format: PhotoFormat,
) -> Option<Result<DynamicImage, DecodeError>> {
    Some(match format {
        PhotoFormat::Dds => niche::dds::decode(bytes),
        PhotoFormat::Jpeg2000 => jpeg2000::decode(bytes),
        PhotoFormat::Sgi => sgi::decode(bytes),
        PhotoFormat::Psd => psd::decode(bytes),
        PhotoFormat::Icns => icns::decode(bytes),
        PhotoFormat::Xpm => niche::xpm::decode(bytes),
        PhotoFormat::Xbm => niche::xbm::decode(bytes),
        PhotoFormat::Fits => niche::fits::decode(bytes),
        PhotoFormat::Pcx => pcx::decode(bytes),
        PhotoFormat::Dcx => pcx::decode_dcx(bytes),
        PhotoFormat::SunRaster => niche::sun::decode(bytes),
        PhotoFormat::Pfm => pfm::decode(bytes),
        PhotoFormat::Ftex => niche::ftex::decode(bytes),
        PhotoFormat::Blp => niche::blp::decode(bytes),
        PhotoFormat::XvThumb => niche::xv_thumb::decode(bytes),
        PhotoFormat::Gbr => niche::gbr::decode(bytes),
        PhotoFormat::Msp => niche::msp::decode(bytes),
        PhotoFormat::Im => niche::im::decode(bytes),
        PhotoFormat::Dib => rewrap::decode_dib(bytes),
        PhotoFormat::Cur => rewrap::decode_cur(bytes),
        PhotoFormat::Fli => niche::fli::decode(bytes),
        PhotoFormat::Pixar => niche::pixar::decode(bytes),
        PhotoFormat::Imt => niche::imt::decode(bytes),
        PhotoFormat::Spider => niche::spider::decode(bytes),
        PhotoFormat::Mcidas => niche::mcidas::decode(bytes),
        _ => return None,
    })
}

/// Little-endian `u16` at `at`, `None` past the end.
fn u16_le(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// Big-endian `u16` at `at`, `None` past the end.
fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// Little-endian `u32` at `at`, `None` past the end.
fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Big-endian `u32` at `at`, `None` past the end.
fn u32_be(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// 32-bit float at `at` in either byte order, `None` past the end.
fn f32_at(b: &[u8], at: usize, little: bool) -> Option<f32> {
    let raw: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if little {
        f32::from_le_bytes(raw)
    } else {
        f32::from_be_bytes(raw)
    })
}

/// Every 32-bit float of `data`, in either byte order.
fn f32s(data: &[u8], little: bool) -> Vec<f32> {
    data.chunks_exact(4)
        .map(|c| f32_at(c, 0, little).unwrap_or(0.0))
        .collect()
}

/// A linear map of sample values (floats, or integers with a scale) to grey levels 0..=255,
/// for formats that store measurements rather than display levels.
#[derive(Debug, Clone, Copy)]
struct Stretch {
    lo: f64,
    span: f64,
}

impl Stretch {
    /// The darkest and brightest finite values, `None` when there are none.
    fn range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
        values
            .into_iter()
            .filter(|v| v.is_finite())
            .fold(None, |r, v| match r {
                None => Some((v, v)),
                Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
            })
    }

    /// `lo` to black and `hi` to white (a flat range: `lo` to black, one unit to white).
    fn new(lo: f64, hi: f64) -> Self {
        Self {
            lo,
            span: if hi > lo { hi - lo } else { 1.0 },
        }
    }

    /// From the darkest to the brightest finite value of `values`.
    fn full(values: impl IntoIterator<Item = f64>) -> Self {
        Self::range(values).map_or(Self::new(0.0, 1.0), |(lo, hi)| Self::new(lo, hi))
    }

    /// The grey level of `v` (non-finite values are black).
    fn level(self, v: f64) -> u8 {
        if v.is_finite() {
            ((v - self.lo) / self.span * 255.0)
                .round()
                .clamp(0.0, 255.0) as u8
        } else {
            0
        }
    }
}

/// The error for a file that ends before its header or pixels do.
fn truncated(format: &str) -> DecodeError {
    corrupt(format, "the file ends early (truncated)")
}

/// Refuse a file too short to hold the pixels it declares, even at its encoding's best
/// compression (`max_ratio` unpacked bytes per stored byte), before allocating for them: a
/// few bytes must not make us reserve hundreds of megabytes.
fn check_data_size(
    format: &str,
    stored_bytes: usize,
    unpacked_bytes: usize,
    max_ratio: usize,
) -> Result<(), DecodeError> {
    if stored_bytes.saturating_mul(max_ratio) < unpacked_bytes {
        return Err(corrupt(
            format,
            "the file is too short for the picture size it declares (truncated)",
        ));
    }
    Ok(())
}

/// Refuse empty and oversized declared dimensions before allocating.
fn check_size(format: &str, w: u32, h: u32) -> Result<(), DecodeError> {
    if w == 0 || h == 0 {
        return Err(corrupt(format, "zero dimensions"));
    }
    check_dimensions(w, h)
}
