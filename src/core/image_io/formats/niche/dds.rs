//! DirectDraw Surface textures: block-compressed BC1–BC7 (through `bcdec_rs`), uncompressed
//! channel-mask layouts, luminance, alpha-only and 8-bit palette surfaces. The top mip level
//! of the first surface is decoded.

use super::{check_size, truncated, u32_le};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbaImage};

const NAME: &str = "dds";
const HEADER_END: usize = 128;
const DX10_HEADER_END: usize = 148;

const PF_ALPHAPIXELS: u32 = 0x1;
const PF_ALPHA: u32 = 0x2;
const PF_FOURCC: u32 = 0x4;
const PF_PALETTE8: u32 = 0x20;
const PF_RGB: u32 = 0x40;
const PF_LUMINANCE: u32 = 0x2_0000;

/// How the top-level surface is stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Bc1,
    Bc2,
    Bc3,
    Bc4 {
        signed: bool,
    },
    Bc5 {
        signed: bool,
    },
    Bc6h {
        signed: bool,
    },
    Bc7,
    /// Packed pixels of `bytes` bytes described by channel masks (a mask of 0: absent).
    Masks {
        bytes: usize,
        r: u32,
        g: u32,
        b: u32,
        a: u32,
        gray: bool,
    },
    Palette8,
}

/// Decode the top mip level of a DDS file.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if !bytes.starts_with(b"DDS ") {
        return Err(corrupt(NAME, "missing the DDS signature"));
    }
    let field = |at: usize| u32_le(bytes, at).ok_or_else(|| truncated(NAME));
    let (h, w) = (field(12)?, field(16)?);
    check_size(NAME, w, h)?;
    let pf_flags = field(80)?;
    let four_cc = bytes.get(84..88).ok_or_else(|| truncated(NAME))?;
    let (layout, data_at) = if pf_flags & PF_FOURCC != 0 && four_cc == b"DX10" {
        (dxgi_layout(field(128)?)?, DX10_HEADER_END)
    } else if pf_flags & PF_FOURCC != 0 {
        (four_cc_layout(four_cc)?, HEADER_END)
    } else {
        (mask_layout(pf_flags, &field)?, HEADER_END)
    };
    let data = bytes.get(data_at..).ok_or_else(|| truncated(NAME))?;
    match layout {
        Layout::Masks {
            bytes: n,
            r,
            g,
            b,
            a,
            gray,
        } => decode_masks(data, w, h, n, [r, g, b, a], gray),
        Layout::Palette8 => decode_palette(data, w, h),
        block => decode_blocks(data, w, h, block),
    }
}

fn four_cc_layout(cc: &[u8]) -> Result<Layout, DecodeError> {
    Ok(match cc {
        b"DXT1" => Layout::Bc1,
        b"DXT2" | b"DXT3" => Layout::Bc2,
        b"DXT4" | b"DXT5" => Layout::Bc3,
        b"ATI1" | b"BC4U" => Layout::Bc4 { signed: false },
        b"BC4S" => Layout::Bc4 { signed: true },
        b"ATI2" | b"BC5U" => Layout::Bc5 { signed: false },
        b"BC5S" => Layout::Bc5 { signed: true },
        other => {
            return Err(DecodeError::UnsupportedVariant {
                format: NAME.into(),
                reason: format!("texture compression {}", String::from_utf8_lossy(other)),
            });
        }
    })
}

fn dxgi_layout(dxgi: u32) -> Result<Layout, DecodeError> {
    let rgba = |r, g, b, a| Layout::Masks {
        bytes: 4,
        r,
        g,
        b,
        a,
        gray: false,
    };
    Ok(match dxgi {
        70..=72 => Layout::Bc1,
        73..=75 => Layout::Bc2,
        76..=78 => Layout::Bc3,
        79 | 80 => Layout::Bc4 { signed: false },
        81 => Layout::Bc4 { signed: true },
        82 | 83 => Layout::Bc5 { signed: false },
        84 => Layout::Bc5 { signed: true },
        94 | 95 => Layout::Bc6h { signed: false },
        96 => Layout::Bc6h { signed: true },
        97..=99 => Layout::Bc7,
        27..=29 => rgba(0xff, 0xff00, 0xff_0000, 0xff00_0000),
        87 | 90 | 91 => rgba(0xff_0000, 0xff00, 0xff, 0xff00_0000),
        88 | 92 | 93 => rgba(0xff_0000, 0xff00, 0xff, 0),
        60 | 61 => Layout::Masks {
            bytes: 1,
            r: 0xff,
            g: 0,
            b: 0,
            a: 0,
            gray: true,
        },
        85 => Layout::Masks {
            bytes: 2,
            r: 0xf800,
            g: 0x07e0,
            b: 0x001f,
            a: 0,
            gray: false,
        },
        86 => Layout::Masks {
            bytes: 2,
            r: 0x7c00,
            g: 0x03e0,
            b: 0x001f,
            a: 0x8000,
            gray: false,
        },
        other => {
            return Err(DecodeError::UnsupportedVariant {
                format: NAME.into(),
                reason: format!("DXGI pixel format {other}"),
            });
        }
    })
}

fn mask_layout(
    flags: u32,
    field: &dyn Fn(usize) -> Result<u32, DecodeError>,
) -> Result<Layout, DecodeError> {
    let bits = field(88)?;
    if flags & PF_PALETTE8 != 0 {
        return Ok(Layout::Palette8);
    }
    if !matches!(bits, 8 | 16 | 24 | 32) {
        return Err(DecodeError::UnsupportedVariant {
            format: NAME.into(),
            reason: format!("{bits} bits per pixel"),
        });
    }
    let alpha = if flags & (PF_ALPHAPIXELS | PF_ALPHA) != 0 {
        field(104)?
    } else {
        0
    };
    let bytes = bits as usize / 8;
    if flags & PF_RGB != 0 {
        Ok(Layout::Masks {
            bytes,
            r: field(92)?,
            g: field(96)?,
            b: field(100)?,
            a: alpha,
            gray: false,
        })
    } else if flags & PF_LUMINANCE != 0 {
        Ok(Layout::Masks {
            bytes,
            r: field(92)?,
            g: 0,
            b: 0,
            a: alpha,
            gray: true,
        })
    } else if flags & PF_ALPHA != 0 {
        // An alpha-only surface: show its coverage as gray levels.
        Ok(Layout::Masks {
            bytes,
            r: alpha,
            g: 0,
            b: 0,
            a: 0,
            gray: true,
        })
    } else {
        Err(DecodeError::UnsupportedVariant {
            format: NAME.into(),
            reason: "pixel format without colour channels (YUV?)".into(),
        })
    }
}

/// A channel's value scaled to 0..=255 (`None` when the mask is empty).
fn channel(px: u32, mask: u32) -> Option<u8> {
    if mask == 0 {
        return None;
    }
    let shifted = (px & mask) >> mask.trailing_zeros();
    let max = mask >> mask.trailing_zeros();
    Some(((u64::from(shifted) * 255 + u64::from(max) / 2) / u64::from(max)) as u8)
}

fn decode_masks(
    data: &[u8],
    w: u32,
    h: u32,
    bpp: usize,
    [r, g, b, a]: [u32; 4],
    gray: bool,
) -> Result<DynamicImage, DecodeError> {
    let n = w as usize * h as usize;
    let data = data.get(..n * bpp).ok_or_else(|| truncated(NAME))?;
    // Some writers put masks outside the pixel's bits (an 8-bit luminance with 0xff000000):
    // such a channel means the low bits.
    let width_mask = u32::MAX >> (32 - 8 * bpp as u32).min(31);
    let fit = |m: u32| {
        if m != 0 && m & width_mask == 0 {
            width_mask.min(0xff)
        } else {
            m & width_mask
        }
    };
    let (r, g, b, a) = (fit(r), fit(g), fit(b), fit(a));
    let mut img = RgbaImage::new(w, h);
    for (px, src) in img.pixels_mut().zip(data.chunks_exact(bpp)) {
        let v = src
            .iter()
            .rev()
            .fold(0u32, |acc, &byte| (acc << 8) | u32::from(byte));
        let red = channel(v, r).unwrap_or(0);
        let (green, blue) = if gray {
            (red, red)
        } else {
            (channel(v, g).unwrap_or(0), channel(v, b).unwrap_or(0))
        };
        px.0 = [red, green, blue, channel(v, a).unwrap_or(255)];
    }
    Ok(DynamicImage::ImageRgba8(img))
}

fn decode_palette(data: &[u8], w: u32, h: u32) -> Result<DynamicImage, DecodeError> {
    let palette = data.get(..1024).ok_or_else(|| truncated(NAME))?;
    let n = w as usize * h as usize;
    let indices = data.get(1024..1024 + n).ok_or_else(|| truncated(NAME))?;
    let mut img = RgbaImage::new(w, h);
    for (px, &i) in img.pixels_mut().zip(indices) {
        let at = usize::from(i) * 4;
        px.0 = [
            palette[at],
            palette[at + 1],
            palette[at + 2],
            palette[at + 3],
        ];
    }
    Ok(DynamicImage::ImageRgba8(img))
}

fn decode_blocks(data: &[u8], w: u32, h: u32, layout: Layout) -> Result<DynamicImage, DecodeError> {
    let block_bytes = match layout {
        Layout::Bc1 | Layout::Bc4 { .. } => 8,
        _ => 16,
    };
    let (bw, bh) = (w.div_ceil(4) as usize, h.div_ceil(4) as usize);
    let needed = bw * bh * block_bytes;
    let data = data.get(..needed).ok_or_else(|| truncated(NAME))?;
    // Decode into a buffer padded to whole blocks, then crop.
    let pitch_px = bw * 4;
    let mut rgba = vec![0u8; pitch_px * bh * 4 * 4];
    let mut floats = [0f32; 16 * 3];
    for (i, block) in data.chunks_exact(block_bytes).enumerate() {
        let (bx, by) = (i % bw, i / bw);
        let origin = (by * 4 * pitch_px + bx * 4) * 4;
        let Some(dst) = rgba.get_mut(origin..) else {
            break;
        };
        let pitch = pitch_px * 4;
        match layout {
            Layout::Bc1 => bcdec_rs::bc1(block, dst, pitch),
            Layout::Bc2 => bcdec_rs::bc2(block, dst, pitch),
            Layout::Bc3 => bcdec_rs::bc3(block, dst, pitch),
            Layout::Bc7 => bcdec_rs::bc7(block, dst, pitch),
            Layout::Bc4 { signed } => {
                bcdec_rs::bc4_float(block, &mut floats[..16], 4, signed);
                spread(dst, pitch, |p| {
                    let v = unit(floats[p], signed);
                    [v, v, v, 255]
                });
            }
            Layout::Bc5 { signed } => {
                bcdec_rs::bc5_float(block, &mut floats[..32], 8, signed);
                spread(dst, pitch, |p| {
                    [
                        unit(floats[p * 2], signed),
                        unit(floats[p * 2 + 1], signed),
                        0,
                        255,
                    ]
                });
            }
            Layout::Bc6h { signed } => {
                bcdec_rs::bc6h_float(block, &mut floats, 12, signed);
                spread(dst, pitch, |p| {
                    let c = |k: usize| (floats[p * 3 + k].clamp(0.0, 1.0) * 255.0).round() as u8;
                    [c(0), c(1), c(2), 255]
                });
            }
            Layout::Masks { .. } | Layout::Palette8 => {
                return Err(corrupt(NAME, "not a block-compressed layout"));
            }
        }
    }
    let mut img = RgbaImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let at = (y as usize * pitch_px + x as usize) * 4;
        if let Some(src) = rgba.get(at..at + 4) {
            px.0 = [src[0], src[1], src[2], src[3]];
        }
    }
    Ok(DynamicImage::ImageRgba8(img))
}

/// Write a 4x4 block of pixels given by `pixel(index)` at the start of `dst`.
fn spread(dst: &mut [u8], pitch: usize, pixel: impl Fn(usize) -> [u8; 4]) {
    for y in 0..4 {
        for x in 0..4 {
            let at = y * pitch + x * 4;
            if let Some(out) = dst.get_mut(at..at + 4) {
                out.copy_from_slice(&pixel(y * 4 + x));
            }
        }
    }
}

/// A decoded BC4/BC5 channel (0..1, or -1..1 when signed) as 0..=255.
fn unit(v: f32, signed: bool) -> u8 {
    let v = if signed { (v + 1.0) / 2.0 } else { v };
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(
        w: u32,
        h: u32,
        pf_flags: u32,
        four_cc: &[u8; 4],
        bits: u32,
        masks: [u32; 4],
    ) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_END];
        b[..4].copy_from_slice(b"DDS ");
        b[4..8].copy_from_slice(&124u32.to_le_bytes());
        b[12..16].copy_from_slice(&h.to_le_bytes());
        b[16..20].copy_from_slice(&w.to_le_bytes());
        b[76..80].copy_from_slice(&32u32.to_le_bytes());
        b[80..84].copy_from_slice(&pf_flags.to_le_bytes());
        b[84..88].copy_from_slice(four_cc);
        b[88..92].copy_from_slice(&bits.to_le_bytes());
        for (i, m) in masks.iter().enumerate() {
            b[92 + i * 4..96 + i * 4].copy_from_slice(&m.to_le_bytes());
        }
        b
    }

    #[test]
    fn bc1_blocks_and_cropping() {
        // 6x5 → 2x2 blocks of 8 bytes; colour 0 = pure red (RGB565 0xF800), all indices 0.
        let mut b = header(6, 5, PF_FOURCC, b"DXT1", 0, [0; 4]);
        for _ in 0..4 {
            b.extend([0x00, 0xf8, 0x00, 0x00, 0, 0, 0, 0]);
        }
        let img = decode(&b).expect("decode").to_rgba8();
        assert_eq!(img.dimensions(), (6, 5));
        assert_eq!(img.get_pixel(5, 4).0, [255, 0, 0, 255]);
    }

    #[test]
    fn bgra_masks_and_luminance() {
        let masks = [0xff_0000, 0xff00, 0xff, 0xff00_0000];
        let mut b = header(1, 1, PF_RGB | PF_ALPHAPIXELS, b"\0\0\0\0", 32, masks);
        b.extend([10, 20, 30, 40]); // B G R A
        let img = decode(&b).expect("decode").to_rgba8();
        assert_eq!(img.get_pixel(0, 0).0, [30, 20, 10, 40]);
        let mut l = header(2, 1, PF_LUMINANCE, b"\0\0\0\0", 8, [0xff, 0, 0, 0]);
        l.extend([0, 200]);
        let img = decode(&l).expect("luminance").to_rgba8();
        assert_eq!(img.get_pixel(1, 0).0, [200, 200, 200, 255]);
        // A writer's mask outside the pixel's 8 bits still means the luminance byte.
        let mut l = header(1, 1, PF_LUMINANCE, b"\0\0\0\0", 8, [0xff00_0000, 0, 0, 0]);
        l.push(77);
        let img = decode(&l).expect("odd mask").to_rgba8();
        assert_eq!(img.get_pixel(0, 0).0, [77, 77, 77, 255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let huge = header(1 << 20, 1 << 20, PF_FOURCC, b"DXT5", 0, [0; 4]);
        assert!(matches!(decode(&huge), Err(DecodeError::TooManyPixels(..))));
        let short = header(64, 64, PF_FOURCC, b"DXT1", 0, [0; 4]);
        assert!(matches!(decode(&short), Err(DecodeError::Corrupt { .. })));
        let odd = header(4, 4, PF_RGB, b"\0\0\0\0", 12, [0xf, 0xf0, 0xf00, 0]);
        assert!(matches!(
            decode(&odd),
            Err(DecodeError::UnsupportedVariant { .. })
        ));
        let unknown = header(4, 4, PF_FOURCC, b"ABCD", 0, [0; 4]);
        assert!(decode(&unknown).is_err());
        assert!(decode(&huge[..40]).is_err());
    }
}
