//! A small reader for the TIFF files both the `image` and `tiff` crates refuse: the first
//! image's strips (uncompressed, LZW, Deflate, PackBits, CCITT modified Huffman, G3 1-D and
//! G4, either bit fill order), any sample size up to 32 bits, in gray, RGB, palette (with
//! alpha), CMYK or CIELab.
//! Later images are never read, so broken or looping image lists do not matter.

use super::psd::unpack_bits;
use super::{check_data_size, check_size, truncated};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbaImage};
use std::collections::HashMap;
use std::io::Read;

const NAME: &str = "tiff";

/// The tags of one image file directory, each as a list of integers.
struct Ifd {
    tags: HashMap<u16, Vec<u64>>,
}

impl Ifd {
    fn get(&self, tag: u16) -> Option<&[u64]> {
        self.tags.get(&tag).map(Vec::as_slice)
    }

    fn first(&self, tag: u16) -> Option<u64> {
        self.get(tag).and_then(|v| v.first().copied())
    }
}

/// Byte order of the file.
#[derive(Clone, Copy)]
struct Order {
    little: bool,
}

impl Order {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(s)
        } else {
            u16::from_be_bytes(s)
        })
    }

    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        })
    }
}

fn unsupported(reason: impl ToString) -> DecodeError {
    DecodeError::UnsupportedVariant {
        format: NAME.into(),
        reason: reason.to_string(),
    }
}

fn read_ifd(bytes: &[u8]) -> Result<(Ifd, Order), DecodeError> {
    let order = match bytes.get(..4) {
        Some(b"II*\0") => Order { little: true },
        Some(b"MM\0*") => Order { little: false },
        _ => return Err(corrupt(NAME, "not a classic TIFF header")),
    };
    let at = order.u32(bytes, 4).ok_or_else(|| truncated(NAME))? as usize;
    let count = usize::from(order.u16(bytes, at).ok_or_else(|| truncated(NAME))?);
    let mut tags = HashMap::new();
    for i in 0..count {
        let e = at + 2 + i * 12;
        let (Some(tag), Some(kind), Some(n)) = (
            order.u16(bytes, e),
            order.u16(bytes, e + 2),
            order.u32(bytes, e + 4),
        ) else {
            break; // a directory cut short: keep the tags read so far
        };
        let size = match kind {
            1 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 => 4,
            _ => continue, // rationals, text, floats: not needed here
        };
        let n = n as usize;
        let total = n.saturating_mul(size);
        if total > bytes.len() {
            continue;
        }
        let data_at = if total <= 4 {
            e + 8
        } else {
            match order.u32(bytes, e + 8) {
                Some(o) => o as usize,
                None => continue,
            }
        };
        let values: Option<Vec<u64>> = (0..n)
            .map(|k| {
                let p = data_at + k * size;
                match size {
                    1 => bytes.get(p).map(|&v| u64::from(v)),
                    2 => order.u16(bytes, p).map(u64::from),
                    _ => order.u32(bytes, p).map(u64::from),
                }
            })
            .collect();
        if let Some(values) = values {
            tags.insert(tag, values);
        }
    }
    Ok((Ifd { tags }, order))
}

/// Decode the first image of a TIFF file.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let (ifd, order) = read_ifd(bytes)?;
    let dim = |tag| {
        ifd.first(tag)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| corrupt(NAME, "no image size"))
    };
    let (w, h) = (dim(256)?, dim(257)?);
    check_size(NAME, w, h)?;
    if ifd.get(322).is_some() {
        return Err(unsupported("tiled layout"));
    }
    let bits = ifd.first(258).unwrap_or(1) as usize;
    if bits == 0 || bits > 32 {
        return Err(unsupported(format!("{bits} bits per sample")));
    }
    let bits_list_len = ifd.get(258).map_or(1, <[u64]>::len);
    let spp = ifd.first(277).map_or(bits_list_len, |v| v as usize).max(1);
    if spp > 8 {
        return Err(unsupported(format!("{spp} samples per pixel")));
    }
    let compression = ifd.first(259).unwrap_or(1);
    let photometric = ifd.first(262).unwrap_or(1);
    let reversed_bits = ifd.first(266) == Some(2);
    let planar = ifd.first(284) == Some(2) && spp > 1;
    let float = ifd.first(339) == Some(3);
    let rows_per_strip = ifd
        .first(278)
        .map_or(h as usize, |v| (v as usize).clamp(1, h as usize));
    let offsets = ifd
        .get(273)
        .ok_or_else(|| corrupt(NAME, "no strip offsets"))?;
    let counts = ifd.get(279);
    let (wu, hu) = (w as usize, h as usize);
    let plane_spp = if planar { 1 } else { spp };
    let row_bytes = (wu * plane_spp * bits).div_ceil(8);
    let plane_bytes = row_bytes * hu;
    let planes = if planar { spp } else { 1 };
    let ratio = if compression == 1 { 1 } else { 4096 };
    check_data_size(NAME, bytes.len(), plane_bytes * planes, ratio)?;
    let mut data = vec![0u8; plane_bytes * planes];
    let strips_per_plane = hu.div_ceil(rows_per_strip);
    let mut any = false;
    for (i, &offset) in offsets.iter().enumerate().take(strips_per_plane * planes) {
        let (plane, strip) = (i / strips_per_plane, i % strips_per_plane);
        let rows = rows_per_strip.min(hu - strip * rows_per_strip);
        let start = plane * plane_bytes + strip * rows_per_strip * row_bytes;
        let out = &mut data[start..start + rows * row_bytes];
        let offset = offset as usize;
        // Without byte counts, a compressed strip may run to the end of the file.
        let unknown_len = if compression == 1 {
            out.len()
        } else {
            usize::MAX
        };
        let len = counts
            .and_then(|c| c.get(i))
            .map_or(unknown_len, |&c| c as usize);
        let end = offset.saturating_add(len).min(bytes.len());
        let Some(src) = bytes.get(offset..end) else {
            continue;
        };
        let flipped: Vec<u8>;
        let src = if reversed_bits {
            flipped = src.iter().map(|b| b.reverse_bits()).collect();
            &flipped[..]
        } else {
            src
        };
        any |= unpack_strip(src, out, compression, w, rows, &ifd)?;
    }
    if !any {
        return Err(truncated(NAME));
    }
    let sample = |plane: usize, y: usize, index: usize| -> u32 {
        let row = &data[plane * plane_bytes + y * row_bytes..][..row_bytes];
        match bits {
            8 => u32::from(row[index]),
            16 => u32::from(order.u16(row, index * 2).unwrap_or(0)),
            32 => order.u32(row, index * 4).unwrap_or(0),
            _ => {
                let bit = index * bits;
                (0..bits).fold(0u32, |acc, k| {
                    let b = bit + k;
                    (acc << 1) | u32::from((row[b / 8] >> (7 - b % 8)) & 1)
                })
            }
        }
    };
    let raw = |x: usize, y: usize, c: usize| -> u32 {
        if planar {
            sample(c, y, x)
        } else {
            sample(0, y, x * spp + c)
        }
    };
    let to_unit = unit_scale(bits, float, w, h, &raw);
    let colormap = ifd.get(320);
    let mut img = RgbaImage::new(w, h);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let (x, y) = (x as usize, y as usize);
        let v = |c: usize| raw(x, y, c.min(spp - 1));
        let u8_of = |c: usize| (to_unit(v(c)) * 255.0).round().clamp(0.0, 255.0) as u8;
        let alpha = |c: usize| if spp > c { u8_of(c) } else { 255 };
        px.0 = match photometric {
            0 => {
                let g = 255 - u8_of(0);
                [g, g, g, alpha(1)]
            }
            2 if spp >= 3 => [u8_of(0), u8_of(1), u8_of(2), alpha(3)],
            3 => {
                let map = colormap.ok_or_else(|| corrupt(NAME, "palette image without colours"))?;
                let n = map.len() / 3;
                let i = v(0) as usize;
                let c = |k: usize| map.get(k * n + i).map_or(0, |&e| (e >> 8) as u8);
                [c(0), c(1), c(2), alpha(1)]
            }
            5 if spp >= 4 => {
                let k = 1.0 - to_unit(v(3));
                let c = |i| {
                    ((1.0 - to_unit(v(i))) * k * 255.0)
                        .round()
                        .clamp(0.0, 255.0) as u8
                };
                [c(0), c(1), c(2), alpha(4)]
            }
            8 if spp >= 3 && bits == 8 => {
                let [r, g, b] = lab_to_srgb(
                    f64::from(v(0)) * 100.0 / 255.0,
                    f64::from(v(1) as u8 as i8),
                    f64::from(v(2) as u8 as i8),
                );
                [r, g, b, alpha(3)]
            }
            1 | 2 | 5 | 8 => [u8_of(0), u8_of(0), u8_of(0), alpha(1)],
            other => return Err(unsupported(format!("photometric interpretation {other}"))),
        };
    }
    Ok(DynamicImage::ImageRgba8(img))
}

/// Map raw samples to 0..=1: integers by their range, floats (and 32-bit integers, often
/// scientific data) stretched from the smallest to the largest value in the first channel.
fn unit_scale<'a>(
    bits: usize,
    float: bool,
    w: u32,
    h: u32,
    raw: &'a dyn Fn(usize, usize, usize) -> u32,
) -> impl Fn(u32) -> f64 + 'a {
    let value = move |v: u32| -> f64 {
        if float && bits == 32 {
            f64::from(f32::from_bits(v))
        } else {
            f64::from(v)
        }
    };
    let (lo, hi) = if bits == 32 {
        let mut lo = f64::MAX;
        let mut hi = f64::MIN;
        for y in 0..h as usize {
            for x in 0..w as usize {
                let v = value(raw(x, y, 0));
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
        if hi > lo { (lo, hi) } else { (0.0, 1.0) }
    } else {
        (0.0, ((1u64 << bits) - 1) as f64)
    };
    move |v| {
        let x = value(v);
        if x.is_finite() {
            (x - lo) / (hi - lo)
        } else {
            0.0
        }
    }
}

/// One strip into `out` (its exact size). `Ok(false)` when nothing could be unpacked.
fn unpack_strip(
    src: &[u8],
    out: &mut [u8],
    compression: u64,
    w: u32,
    rows: usize,
    ifd: &Ifd,
) -> Result<bool, DecodeError> {
    match compression {
        1 => {
            let n = src.len().min(out.len());
            out[..n].copy_from_slice(&src[..n]);
            Ok(n > 0)
        }
        5 => {
            let mut lzw = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
            let (mut read, mut written) = (0, 0);
            while written < out.len() && read < src.len() {
                let r = lzw.decode_bytes(&src[read..], &mut out[written..]);
                read += r.consumed_in;
                written += r.consumed_out;
                if r.status.is_err() || (r.consumed_in == 0 && r.consumed_out == 0) {
                    break;
                }
                if matches!(r.status, Ok(weezl::LzwStatus::Done)) {
                    break;
                }
            }
            Ok(written > 0)
        }
        8 | 32946 => {
            let mut z = flate2::read::ZlibDecoder::new(src);
            let mut written = 0;
            while written < out.len() {
                match z.read(&mut out[written..]) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => written += n,
                }
            }
            Ok(written > 0)
        }
        32773 => {
            unpack_bits(src, out);
            Ok(!src.is_empty())
        }
        2 => {
            let width = u16::try_from(w).map_err(|_| unsupported("fax image too wide"))?;
            Ok(modified_huffman(src, out, width, rows) > 0)
        }
        3 | 4 => {
            let width = u16::try_from(w).map_err(|_| unsupported("fax image too wide"))?;
            let row_bytes = (w as usize).div_ceil(8);
            let mut y = 0;
            let mut put = |transitions: &[u16]| {
                if let Some(row) = out.get_mut(y * row_bytes..(y + 1) * row_bytes) {
                    for (x, c) in fax::decoder::pels(transitions, width).enumerate() {
                        if c == fax::Color::Black {
                            row[x / 8] |= 0x80 >> (x % 8);
                        }
                    }
                }
                y += 1;
            };
            let bytes = src.iter().copied();
            if compression == 4 {
                let rows = u16::try_from(rows).ok();
                // A damaged stream keeps the rows decoded before the damage (as libtiff does).
                let _ = fax::decoder::decode_g4(bytes, width, rows, &mut put);
            } else {
                if ifd.first(292).unwrap_or(0) & 1 != 0 {
                    return Err(unsupported("two-dimensional fax (Group 3 2-D) compression"));
                }
                let _ = fax::decoder::decode_g3(bytes, &mut put);
            }
            Ok(y > 0)
        }
        other => Err(unsupported(format!("compression method {other}"))),
    }
}

/// CCITT modified Huffman (TIFF compression 2): each row is white and black run lengths,
/// starting with white, then padding to a whole byte. Black pixels become 1 bits in `out`.
/// Returns the rows decoded (a damaged row ends the strip, keeping those before it).
fn modified_huffman(src: &[u8], out: &mut [u8], width: u16, rows: usize) -> usize {
    use fax::BitReader;
    let row_bytes = usize::from(width).div_ceil(8);
    // The code tables look ahead up to 16 bits: pad so the last row's codes can be read.
    let bytes = src
        .iter()
        .copied()
        .chain([0, 0])
        .map(Ok::<u8, std::convert::Infallible>);
    let Ok(mut reader) = fax::ByteReader::new(bytes);
    for y in 0..rows {
        let Some(row) = out.get_mut(y * row_bytes..(y + 1) * row_bytes) else {
            return y;
        };
        let (mut x, mut black) = (0usize, false);
        while x < usize::from(width) {
            // A run is any number of make-up codes (64 and up) and one terminating code.
            let mut run = 0usize;
            loop {
                let code = if black {
                    fax::maps::black::decode(&mut reader)
                } else {
                    fax::maps::white::decode(&mut reader)
                };
                let Some(n) = code else {
                    return y;
                };
                run += usize::from(n);
                if n < 64 {
                    break;
                }
            }
            if black {
                for px in x..(x + run).min(usize::from(width)) {
                    row[px / 8] |= 0x80 >> (px % 8);
                }
            }
            x += run;
            black = !black;
        }
        let pad = reader.bits_to_byte_boundary();
        if reader.consume(pad).is_err() {
            return y + 1;
        }
    }
    rows
}

/// CIE L*a*b* (D50 white, as TIFF uses) to 8-bit sRGB.
fn lab_to_srgb(l: f64, a: f64, b: f64) -> [u8; 3] {
    let fy = (l + 16.0) / 116.0;
    let fx = fy + a / 500.0;
    let fz = fy - b / 200.0;
    let f_inv = |t: f64| {
        if t > 6.0 / 29.0 {
            t * t * t
        } else {
            3.0 * (6.0f64 / 29.0).powi(2) * (t - 4.0 / 29.0)
        }
    };
    let (x, y, z) = (0.9642 * f_inv(fx), f_inv(fy), 0.8249 * f_inv(fz));
    // Bradford-adapted D50 XYZ to linear sRGB.
    let r = 3.1339 * x - 1.6169 * y - 0.4906 * z;
    let g = -0.9788 * x + 1.9161 * y + 0.0335 * z;
    let bl = 0.0719 * x - 0.2290 * y + 1.4052 * z;
    let gamma = |c: f64| {
        let c = c.clamp(0.0, 1.0);
        let v = if c <= 0.003_130_8 {
            12.92 * c
        } else {
            1.055 * c.powf(1.0 / 2.4) - 0.055
        };
        (v * 255.0).round() as u8
    };
    [gamma(r), gamma(g), gamma(bl)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF with `(tag, type, values)` entries and the pixel data placed
    /// after the directory (its offset fills tag 273).
    fn tiff(entries: &[(u16, u16, Vec<u32>)], pixels: &[u8]) -> Vec<u8> {
        let n = entries.len() + 1;
        let ifd_end = 8 + 2 + n * 12 + 4;
        let mut extra = Vec::new();
        let mut out = b"II*\0".to_vec();
        out.extend(8u32.to_le_bytes());
        out.extend((n as u16).to_le_bytes());
        let mut all: Vec<(u16, u16, Vec<u32>)> = entries.to_vec();
        all.push((273, 4, vec![0])); // patched below
        all.sort_by_key(|e| e.0);
        let mut strip_entry = 0;
        for (tag, kind, values) in &all {
            out.extend(tag.to_le_bytes());
            out.extend(kind.to_le_bytes());
            out.extend((values.len() as u32).to_le_bytes());
            let size = if *kind == 3 { 2 } else { 4 };
            let bytes: Vec<u8> = values
                .iter()
                .flat_map(|v| {
                    if size == 2 {
                        (*v as u16).to_le_bytes().to_vec()
                    } else {
                        v.to_le_bytes().to_vec()
                    }
                })
                .collect();
            if *tag == 273 {
                strip_entry = out.len();
                out.extend([0; 4]);
            } else if bytes.len() <= 4 {
                let mut b = bytes.clone();
                b.resize(4, 0);
                out.extend(b);
            } else {
                out.extend(((ifd_end + extra.len()) as u32).to_le_bytes());
                extra.extend(bytes);
            }
        }
        out.extend(0u32.to_le_bytes());
        out.extend(extra);
        let at = out.len() as u32;
        out[strip_entry..strip_entry + 4].copy_from_slice(&at.to_le_bytes());
        out.extend(pixels);
        out
    }

    #[test]
    fn cielab_pixels_become_srgb() {
        // 2x1 CIELab: L=53% a=+80 b=+67 (red), then L=100% a=b=0 (white).
        let data = [135, 80, 67, 255, 0, 0];
        let t = tiff(
            &[
                (256, 4, vec![2]),
                (257, 4, vec![1]),
                (258, 3, vec![8, 8, 8]),
                (262, 3, vec![8]),
                (277, 3, vec![3]),
            ],
            &data,
        );
        let img = decode(&t).expect("decode").to_rgba8();
        let red = img.get_pixel(0, 0).0;
        assert!(red[0] > 200 && red[1] < 60 && red[2] < 60, "{red:?}");
        assert!(img.get_pixel(1, 0).0[..3].iter().all(|&c| c > 245));
    }

    #[test]
    fn one_bit_palette() {
        // 8x1, bits 10000000: first pixel uses colour 1 (blue), the rest colour 0 (yellow).
        let map = vec![0xffff, 0, 0xffff, 0, 0, 0xffff];
        let t = tiff(
            &[
                (256, 4, vec![8]),
                (257, 4, vec![1]),
                (258, 3, vec![1]),
                (262, 3, vec![3]),
                (320, 3, map),
            ],
            &[0x80],
        );
        let img = decode(&t).expect("decode").to_rgba8();
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 255, 255]);
        assert_eq!(img.get_pixel(7, 0).0, [255, 255, 0, 255]);
    }

    #[test]
    fn reversed_fill_order_packbits_gray() {
        // WhiteIsZero 1-bit, fill order 2: PackBits literal 0x01 → reversed 0x80 → first black.
        let t = tiff(
            &[
                (256, 4, vec![8]),
                (257, 4, vec![1]),
                (258, 3, vec![1]),
                (259, 3, vec![32773]),
                (262, 3, vec![0]),
                (266, 3, vec![2]),
            ],
            &[0x00, 0x01],
        );
        let img = decode(&t).expect("decode").to_rgba8();
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0, 255]);
        assert_eq!(img.get_pixel(1, 0).0, [255, 255, 255, 255]);
    }

    #[test]
    fn modified_huffman_fax_row() {
        // 8 pixels: white run 2 (code 0111), black run 6 (code 0010) → one byte 0x72.
        let t = tiff(
            &[
                (256, 4, vec![8]),
                (257, 4, vec![1]),
                (258, 3, vec![1]),
                (259, 3, vec![2]),
                (262, 3, vec![0]),
                (279, 4, vec![1]),
            ],
            &[0x72],
        );
        let img = decode(&t).expect("decode").to_rgba8();
        assert_eq!(img.get_pixel(1, 0).0, [255, 255, 255, 255]);
        assert_eq!(img.get_pixel(2, 0).0, [0, 0, 0, 255]);
        assert_eq!(img.get_pixel(7, 0).0, [0, 0, 0, 255]);
    }

    #[test]
    fn hostile_inputs_are_errors() {
        let huge = tiff(&[(256, 4, vec![1 << 20]), (257, 4, vec![1 << 20])], &[]);
        assert!(matches!(decode(&huge), Err(DecodeError::TooManyPixels(..))));
        let no_data = tiff(
            &[(256, 4, vec![16]), (257, 4, vec![16]), (258, 3, vec![8])],
            &[],
        );
        assert!(decode(&no_data).is_err());
        let mut far = tiff(&[(256, 4, vec![4]), (257, 4, vec![4])], &[1]);
        let len = far.len();
        far.truncate(len - 1);
        assert!(decode(&far).is_err());
        assert!(decode(b"II*\0\xff\xff\xff\xff").is_err());
        let odd_bits = tiff(
            &[(256, 4, vec![4]), (257, 4, vec![4]), (258, 3, vec![64])],
            &[0; 16],
        );
        assert!(decode(&odd_bits).is_err());
    }
}
