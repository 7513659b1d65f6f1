//! AVIF: the primary image (coded or a grid of tiles, with its alpha plane, crop, rotation and
//! mirroring), its AV1 pictures decoded by rav1d when built with the `avif` cargo feature.

#[cfg(feature = "avif")]
mod av1;

use crate::core::image_io::{DecodeError, Decoded};

/// Why the default build refuses AVIF files.
pub const NOT_IN_THIS_BUILD: &str =
    "AVIF images are not supported in this build (build with --features avif)";

/// Whether `head` starts an AVIF file: major brand `avif`/`avis`, or a generic HEIF major
/// brand (`mif1`, `msf1`, `miaf`) with `avif`/`avis` among the compatible brands.
pub fn sniff(head: &[u8]) -> bool {
    let Some((major, mut compatible)) = super::heic::ftyp_brands(head) else {
        return false;
    };
    let avif = |b: &[u8]| b == b"avif" || b == b"avis";
    avif(major) || (matches!(major, b"mif1" | b"msf1" | b"miaf") && compatible.any(avif))
}

/// Decode the primary image, upright, reduced so that its shorter side is about `min_side_px`.
#[cfg(not(feature = "avif"))]
pub fn decode(_bytes: &[u8], _min_side_px: u32) -> Result<Decoded, DecodeError> {
    Err(DecodeError::UnsupportedVariant {
        format: "avif".into(),
        reason: NOT_IN_THIS_BUILD.into(),
    })
}

/// Decode the primary image, upright, reduced so that its shorter side is about `min_side_px`.
#[cfg(feature = "avif")]
pub fn decode(bytes: &[u8], min_side_px: u32) -> Result<Decoded, DecodeError> {
    container::decode(bytes, min_side_px)
}

#[cfg(feature = "avif")]
mod container {
    //! The HEIF container around the AV1 pictures, read with heifer's ISO-BMFF parser.

    use super::av1;
    use crate::core::image_io::formats::heic::{
        rgba_over_white, shrink_to_min_side, transforms_as_exif,
    };
    use crate::core::image_io::{DecodeError, Decoded, check_dimensions, corrupt};
    use heifer::color::{ColorParams, frame_to_rgba_sized};
    use heifer::heifer_isobmff::boxes::{ColorInfo, Property};
    use heifer::heifer_isobmff::{HeifFile, ItemId};
    use heifer::image::Image;

    const ALPHA_URNS: [&str; 2] = [
        "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha",
        "urn:mpeg:hevc:2015:auxid:1",
    ];

    pub(super) fn decode(bytes: &[u8], min_side_px: u32) -> Result<Decoded, DecodeError> {
        let file = HeifFile::parse(bytes).map_err(|e| corrupt("avif", e))?;
        let id = file.primary_id;
        let mut img = item(&file, id, 0)?;
        let alpha = file.referencing_items(id, b"auxl").into_iter().find(|&aux| {
            file.item_properties(aux)
                .is_ok_and(|mut p| p.any(|p| matches!(p, Property::AuxiliaryType(t) if ALPHA_URNS.contains(&t.as_str()))))
        });
        if let Some(aux) = alpha {
            let plane = item(&file, aux, 0)?;
            if plane.width >= img.width && plane.height >= img.height {
                for y in 0..img.height as usize {
                    for x in 0..img.width as usize {
                        let a = plane.data[(y * plane.width as usize + x) * 4];
                        img.data[(y * img.width as usize + x) * 4 + 3] = a;
                    }
                }
                img.has_alpha = true;
            }
        }
        let props = || file.item_properties(id).map_err(|e| corrupt("avif", e));
        for p in props()? {
            img = match *p {
                Property::CleanAperture {
                    width,
                    height,
                    horiz_offset,
                    vert_offset,
                } => clean_aperture(&img, width, height, horiz_offset, vert_offset)?,
                Property::Rotation(q) if q > 0 => img.rotate_ccw(q),
                Property::Mirror(top_bottom) => img.mirror(top_bottom),
                _ => img,
            };
        }
        let orientation = transforms_as_exif(props()?);
        let (width, height) = (img.width, img.height);
        let rgb =
            rgba_over_white(img).ok_or_else(|| corrupt("avif", "decoded buffer is too short"))?;
        Ok(Decoded {
            image: shrink_to_min_side(&rgb, min_side_px),
            width,
            height,
            format: "avif",
            orientation,
        })
    }

    /// One image item, coded (`av01`) or a grid of coded tiles, without its transforms.
    fn item(file: &HeifFile<'_>, id: ItemId, depth: u32) -> Result<Image<u8>, DecodeError> {
        let err = |e: heifer::heifer_isobmff::Error| corrupt("avif", e);
        let kind = file.item(id).map_err(err)?.item_type.0;
        // `ispe` is mandatory, and checked before any pixel is decoded.
        let (w, h) = file
            .image_size(id)
            .map_err(err)?
            .ok_or_else(|| corrupt("avif", "an image without a size (no ispe)"))?;
        if w == 0 || h == 0 {
            return Err(corrupt("avif", "zero dimensions"));
        }
        check_dimensions(w, h)?;
        match &kind {
            b"av01" => {
                let data = file.item_data(id).map_err(err)?;
                let (frame, coded) = av1::decode(&data)?;
                let params = file
                    .item_properties(id)
                    .map_err(err)?
                    .find_map(|p| match p {
                        Property::Color(ColorInfo::Nclx {
                            matrix, full_range, ..
                        }) => Some(ColorParams {
                            matrix: *matrix,
                            full_range: *full_range,
                        }),
                        _ => None,
                    })
                    .unwrap_or(coded);
                let img = frame_to_rgba_sized::<u8>(&frame, params, w, h);
                if (img.width, img.height) != (w, h) {
                    return Err(corrupt("avif", "the picture is smaller than declared"));
                }
                Ok(img)
            }
            b"grid" if depth == 0 => grid(file, id, w, h),
            other => Err(DecodeError::UnsupportedVariant {
                format: "avif".into(),
                reason: format!("image item type `{}`", String::from_utf8_lossy(other)),
            }),
        }
    }

    /// A grid image: its tiles, row by row, cropped to the declared size.
    fn grid(file: &HeifFile<'_>, id: ItemId, w: u32, h: u32) -> Result<Image<u8>, DecodeError> {
        let g = file.grid(id).map_err(|e| corrupt("avif", e))?;
        let tiles = file.referenced_items(id, b"dimg");
        let columns = usize::from(g.columns);
        if tiles.is_empty() || tiles.len() != usize::from(g.rows) * columns {
            return Err(corrupt(
                "avif",
                "grid tile count does not match its rows and columns",
            ));
        }
        let (w, h) = (g.output_width.min(w), g.output_height.min(h));
        let mut canvas = Image::filled_samples(w, h, 8, [0u8, 0, 0, 255]);
        let mut size = None;
        for (i, &tile) in tiles.iter().enumerate() {
            let t = item(file, tile, 1)?;
            // All tiles have the size of the first (ISO/IEC 23008-12, 6.6.2.3.1).
            let (tw, th) = *size.get_or_insert((t.width, t.height));
            if (t.width, t.height) != (tw, th) {
                return Err(corrupt("avif", "grid tiles have different sizes"));
            }
            let (col, row) = ((i % columns) as i64, (i / columns) as i64);
            canvas.draw(&t, col * i64::from(tw), row * i64::from(th));
        }
        Ok(canvas)
    }

    /// A `clap` crop, centred as ISO/IEC 14496-12 says.
    fn clean_aperture(
        img: &Image<u8>,
        width: (u32, u32),
        height: (u32, u32),
        horiz: (i32, u32),
        vert: (i32, u32),
    ) -> Result<Image<u8>, DecodeError> {
        if width.1 == 0 || height.1 == 0 || horiz.1 == 0 || vert.1 == 0 {
            return Err(corrupt("avif", "clap with a zero denominator"));
        }
        let cw = f64::from(width.0) / f64::from(width.1);
        let ch = f64::from(height.0) / f64::from(height.1);
        let cx = f64::from(horiz.0) / f64::from(horiz.1) + (f64::from(img.width) - 1.0) / 2.0;
        let cy = f64::from(vert.0) / f64::from(vert.1) + (f64::from(img.height) - 1.0) / 2.0;
        let left = (cx - (cw - 1.0) / 2.0).round().max(0.0) as u32;
        let top = (cy - (ch - 1.0) / 2.0).round().max(0.0) as u32;
        let (cw, ch) = (cw.round() as u32, ch.round() as u32);
        if cw == 0
            || ch == 0
            || left.saturating_add(cw) > img.width
            || top.saturating_add(ch) > img.height
        {
            return Err(corrupt("avif", "clap crop outside the picture"));
        }
        Ok(img.crop(left, top, cw, ch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let mut b = (16 + 4 * compatible.len() as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0; 4]);
        compatible.iter().for_each(|c| b.extend_from_slice(*c));
        b
    }

    #[test]
    fn avif_brands_are_avif_and_heic_or_cr3_are_not() {
        assert!(sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])));
        assert!(sniff(&ftyp(b"avis", &[b"msf1"])));
        assert!(sniff(&ftyp(b"mif1", &[b"avif", b"miaf"])));
        assert!(!sniff(&ftyp(b"heic", &[b"mif1", b"heic"])));
        assert!(!sniff(&ftyp(b"mif1", &[b"heic"])));
        assert!(!sniff(&ftyp(b"crx ", &[b"crx ", b"isom"])));
        assert!(
            !sniff(&ftyp(b"isom", &[b"avif"])),
            "an MP4 naming AVIF is not a still image"
        );
        assert!(!sniff(b"\0\0\0\x10ftyp"));
    }

    #[cfg(not(feature = "avif"))]
    #[test]
    fn default_build_says_how_to_get_avif() {
        let err = decode(&ftyp(b"avif", &[b"mif1"]), 224).expect_err("no AVIF decoder");
        assert!(err.to_string().contains(NOT_IN_THIS_BUILD), "{err}");
    }

    #[cfg(feature = "avif")]
    #[test]
    fn damaged_files_are_errors() {
        let mut b = ftyp(b"avif", &[b"mif1"]);
        assert!(decode(&b, 224).is_err());
        b.extend(std::iter::repeat_n(0x5A, 500));
        assert!(decode(&b, 224).is_err());
    }
}
