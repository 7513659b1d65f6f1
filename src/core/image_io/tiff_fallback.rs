//! TIFF layouts the `image` crate refuses, read with the `tiff` crate directly.

use super::{DecodeError, Decoded, MAX_ALLOC_BYTES, check_dimensions, corrupt};
use crate::core::guard::catch_any;
use image::RgbImage;
use std::io::Cursor;

/// TIFF layouts the general decoder refuses (palette, 1/2/4/12-bit gray, signed samples, planar
/// tiles), read with the `tiff` crate directly and converted to 8-bit RGB.
pub(super) fn decode_tiff_fallback(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::tags::Tag;
    let err = |e: tiff::TiffError| corrupt("tiff", e);
    let mut limits = tiff::decoder::Limits::default();
    limits.decoding_buffer_size = MAX_ALLOC_BYTES as usize / 2;
    let mut d = Decoder::new(Cursor::new(bytes))
        .map_err(err)?
        .with_limits(limits.clone());
    let (w, h) = d.dimensions().map_err(err)?;
    if w == 0 || h == 0 {
        return Err(corrupt("tiff", "zero dimensions"));
    }
    check_dimensions(w, h)?;
    let ct = d.colortype().map_err(err)?;
    let photometric: u16 = d
        .find_tag_unsigned(Tag::PhotometricInterpretation)
        .ok()
        .flatten()
        .unwrap_or(1);
    let colormap = match ct {
        tiff::ColorType::Palette(_) => Some(d.get_tag_u16_vec(Tag::ColorMap).map_err(err)?),
        _ => None,
    };
    let mut buf = DecodingResult::U8(Vec::new());
    // All planes at once; the crate asserts on some tiled planar layouts, then read the first
    // plane alone (a gray picture of the red channel beats no picture).
    let all = catch_any(|| d.read_image_to_buffer(&mut buf));
    let (row_stride, planes) = match all {
        Ok(layout) => {
            let layout = layout.map_err(err)?;
            (layout.row_stride.map(|s| s.get()), layout.planes)
        }
        Err(_) => {
            let mut d = Decoder::new(Cursor::new(bytes))
                .map_err(err)?
                .with_limits(limits);
            buf = d.read_image().map_err(err)?;
            (None, 1)
        }
    };
    let bits = u32::from(ct.bit_depth());
    let spp: usize = match ct {
        tiff::ColorType::Gray(_) | tiff::ColorType::Palette(_) => 1,
        tiff::ColorType::GrayA(_) => 2,
        tiff::ColorType::RGB(_) | tiff::ColorType::YCbCr(_) | tiff::ColorType::Lab(_) => 3,
        tiff::ColorType::RGBA(_) | tiff::ColorType::CMYK(_) => 4,
        tiff::ColorType::CMYKA(_) => 5,
        tiff::ColorType::Multiband { num_samples, .. } => usize::from(num_samples.max(1)),
        _ => return Err(corrupt("tiff", "unknown colour type")),
    };
    // Every sample as a value in 0..=1 (palette: the raw index).
    let max = if bits >= 32 {
        u32::MAX as f32
    } else {
        ((1u64 << bits) - 1) as f32
    };
    let samples: Vec<f32> = match buf {
        DecodingResult::U8(v) if bits < 8 => {
            let row_bits = w as usize * spp * bits as usize;
            let stride = row_stride.unwrap_or(row_bits.div_ceil(8));
            let mut out = Vec::with_capacity(w as usize * h as usize * spp);
            for row in v.chunks(stride.max(1)).take(h as usize) {
                for i in 0..(w as usize * spp) {
                    let bit = i * bits as usize;
                    let byte = row.get(bit / 8).copied().unwrap_or(0);
                    let shift = 8 - bits as usize - (bit % 8);
                    out.push(f32::from((byte >> shift) & ((1u8 << bits) - 1)));
                }
            }
            out
        }
        DecodingResult::U8(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U32(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::U64(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::I8(v) => v.into_iter().map(|x| f32::from(x) + 128.0).collect(),
        DecodingResult::I16(v) => v.into_iter().map(|x| f32::from(x) + 32768.0).collect(),
        DecodingResult::I32(v) => v.into_iter().map(|x| x as f32 + 2_147_483_648.0).collect(),
        DecodingResult::I64(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::F16(v) => v.into_iter().map(|x| f32::from(x) * max).collect(),
        DecodingResult::F32(v) => v.into_iter().map(|x| x * max).collect(),
        DecodingResult::F64(v) => v.into_iter().map(|x| x as f32 * max).collect(),
    };
    let n = w as usize * h as usize;
    if samples.len() < n {
        return Err(corrupt("tiff", "not enough pixel data"));
    }
    // Planar files store one plane after the other; when only one plane was read, use it.
    let planar = planes > 1;
    let chans = if planar {
        (samples.len() / n).min(spp)
    } else {
        spp
    };
    let chans = chans.max(1);
    let at = |i: usize, c: usize| -> f32 {
        let c = c.min(chans - 1);
        let idx = if planar { c * n + i } else { i * spp + c };
        samples.get(idx).copied().unwrap_or(0.0)
    };
    let to8 = |v: f32| (v / max * 255.0).round().clamp(0.0, 255.0) as u8;
    let mut img = RgbImage::new(w, h);
    for (i, px) in img.pixels_mut().enumerate() {
        *px = match (&colormap, ct) {
            (Some(map), _) => {
                let k = at(i, 0) as usize;
                let third = map.len() / 3;
                let get = |j: usize| map.get(j).map_or(0, |v| (v >> 8) as u8);
                image::Rgb([get(k), get(third + k), get(2 * third + k)])
            }
            (None, tiff::ColorType::CMYK(_) | tiff::ColorType::CMYKA(_)) if chans >= 4 => {
                let k = 1.0 - at(i, 3) / max;
                let c = |j| {
                    ((1.0 - at(i, j) / max) * k * 255.0)
                        .round()
                        .clamp(0.0, 255.0) as u8
                };
                image::Rgb([c(0), c(1), c(2)])
            }
            _ if chans >= 3 && !matches!(ct, tiff::ColorType::GrayA(_)) => {
                image::Rgb([to8(at(i, 0)), to8(at(i, 1)), to8(at(i, 2))])
            }
            _ => {
                let g = to8(at(i, 0));
                let g = if photometric == 0 { 255 - g } else { g };
                image::Rgb([g, g, g])
            }
        };
    }
    Ok(Decoded {
        image: img,
        width: w,
        height: h,
        format: "tiff",
        orientation: 1,
    })
}
