//! HEIF/HEIC (iPhone photos) through the pure-Rust `heifer` decoder: the primary image, with its
//! grid tiles, crop, rotation and mirroring applied, converted to sRGB.

use crate::core::image_io::{
    DecodeError, Decoded, MAX_PIXELS, check_dimensions, corrupt, resize_exact,
};
use heifer::heifer_isobmff::HeifFile;
use heifer::heifer_isobmff::boxes::Property;
use image::RgbImage;

/// Threads one HEIC decode may use for its grid tiles (the indexer decodes files in parallel).
const THREADS: usize = 2;

/// Whether `head` starts an HEIF/HEIC file (an `ftyp` box with an HEIF brand).
///
/// The major brand decides first: `heic`-family brands are ours, `avif`/`avis` (AVIF) and
/// `crx ` (Canon CR3) are not, and the generic `mif1`/`msf1` are ours unless a compatible brand
/// says AVIF.
pub fn sniff(head: &[u8]) -> bool {
    let Some((major, compatible)) = ftyp_brands(head) else {
        return false;
    };
    const HEVC: [&[u8; 4]; 6] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"];
    let is = |set: &[&[u8; 4]], b: &[u8]| set.iter().any(|s| s.as_slice() == b);
    if is(&HEVC, major) {
        return true;
    }
    if is(&[b"avif", b"avis", b"crx "], major) {
        return false;
    }
    if compatible.clone().any(|b| is(&[b"avif", b"avis"], b)) {
        return false;
    }
    is(&[b"mif1", b"msf1"], major) || compatible.clone().any(|b| is(&HEVC, b))
}

/// The major brand and the compatible brands of the `ftyp` box that starts `head`.
pub(super) fn ftyp_brands(head: &[u8]) -> Option<(&[u8], impl Iterator<Item = &[u8]> + Clone)> {
    if head.get(4..8)? != b"ftyp" {
        return None;
    }
    let major = head.get(8..12)?;
    let size = u32::from_be_bytes(head.get(0..4)?.try_into().ok()?) as usize;
    // A size of 0 ("to the end") or 1 (64-bit size) is not used for `ftyp`; read what is there.
    let end = if size >= 16 { size } else { head.len() }.min(head.len());
    let compatible = head.get(16..end).unwrap_or_default().chunks_exact(4);
    Some((major, compatible))
}

/// Decode the primary image, upright, reduced so that its shorter side is about `min_side_px`.
pub fn decode(bytes: &[u8], min_side_px: u32) -> Result<Decoded, DecodeError> {
    let file = HeifFile::parse(bytes).map_err(|e| corrupt("heic", e))?;
    // A generic HEIF brand on AV1 pictures: an AVIF file without the AVIF brand.
    if file.primary_item().is_ok_and(|i| i.item_type.0 == *b"av01") {
        return super::avif::decode(bytes, min_side_px);
    }
    let (width, height, orientation) = declared_size(&file)?;
    let options = heifer::Options {
        max_threads: THREADS,
        max_pixels: MAX_PIXELS,
    };
    // HDR photos (PQ/HLG) and ICC profiles heifer cannot convert: keep the coded colours.
    let img = match heifer::decode_srgb_rgba8(bytes, &options) {
        Err(heifer::Error::Unsupported(_)) => heifer::decode_rgba8(bytes, &options),
        other => other,
    }
    .map_err(map_err)?;
    if (img.width, img.height) != (width, height) {
        // A crop (`clap`) changes the size the container declares: trust the pixels.
        check_dimensions(img.width, img.height)?;
    }
    let (w, h) = (img.width, img.height);
    let rgb = rgba_over_white(img).ok_or_else(|| corrupt("heic", "decoded buffer is too short"))?;
    Ok(Decoded {
        image: shrink_to_min_side(&rgb, min_side_px),
        width: w,
        height: h,
        format: "heic",
        orientation,
    })
}

/// The upright size of the primary image as the container declares it, refused before any
/// pixel is decoded when too large, and the EXIF orientation equivalent to its `irot`/`imir`
/// transforms (which heifer applies; the EXIF orientation tag of a HEIF file is informational,
/// as for libheif and Apple, so it is never applied on top).
fn declared_size(file: &HeifFile<'_>) -> Result<(u32, u32, u8), DecodeError> {
    let id = file.primary_id;
    let ispe = file.image_size(id).map_err(|e| corrupt("heic", e))?;
    let (w, h) = match ispe {
        Some(size) => size,
        None => match file.grid(id) {
            Ok(g) => (g.output_width, g.output_height),
            Err(_) => return Err(corrupt("heic", "the primary image has no size")),
        },
    };
    if w == 0 || h == 0 {
        return Err(corrupt("heic", "zero dimensions"));
    }
    check_dimensions(w, h)?;
    let props = file.item_properties(id).map_err(|e| corrupt("heic", e))?;
    let orientation = transforms_as_exif(props);
    Ok(if orientation >= 5 {
        (h, w, orientation)
    } else {
        (w, h, orientation)
    })
}

/// The EXIF orientation equivalent to an item's `irot`/`imir` properties, in association order.
pub(super) fn transforms_as_exif<'a>(props: impl Iterator<Item = &'a Property>) -> u8 {
    // Quarter turns anticlockwise after an optional left-right flip: the dihedral group.
    let (mut turns, mut flipped) = (0u8, false);
    for p in props {
        match *p {
            Property::Rotation(q) => turns = (turns + q) % 4,
            // flip . rot(t) = rot(-t) . flip; top-bottom = rot(2) . left-right.
            Property::Mirror(top_bottom) => {
                turns = ((if top_bottom { 2 } else { 0 }) + 4 - turns) % 4;
                flipped = !flipped;
            }
            _ => {}
        }
    }
    match (turns, flipped) {
        (0, false) => 1,
        (0, true) => 2,
        (2, false) => 3,
        (2, true) => 4,
        (1, true) => 5,
        (3, false) => 6,
        (3, true) => 7,
        _ => 8,
    }
}

/// heifer's error, worded for a person.
fn map_err(e: heifer::Error) -> DecodeError {
    match e {
        heifer::Error::Unsupported(what) => DecodeError::UnsupportedVariant {
            format: "heic".into(),
            reason: what,
        },
        other => corrupt("heic", other),
    }
}

/// heifer's RGBA picture as RGB, transparent pixels composited over white; `None` when the
/// buffer does not hold `width` x `height` pixels.
pub(super) fn rgba_over_white(img: heifer::Image<u8>) -> Option<RgbImage> {
    let (w, h) = (img.width, img.height);
    let rgba = image::RgbaImage::from_raw(w, h, img.data)?;
    let dynamic = if img.has_alpha {
        image::DynamicImage::ImageRgba8(rgba)
    } else {
        image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(rgba).into_rgb8())
    };
    Some(crate::core::image_io::generic::to_rgb_over_white(dynamic))
}

/// Downscale `img` by the smallest of the JPEG decoder's DCT scales (1/8, 2/8 ... 8/8) that
/// keeps its shorter side at least `min_side_px` (never enlarged): the embedders need no more,
/// and the index-time grid thumbnail (longer side 320 px) is made from the same pixels, as for
/// a JPEG, instead of decoding the photo again when the grid shows it.
pub(super) fn shrink_to_min_side(img: &RgbImage, min_side_px: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let short = w.min(h);
    let target = min_side_px.max(1);
    if short <= target {
        return img.clone();
    }
    let eighths = (1..=8u32)
        .find(|n| u64::from(short) * u64::from(*n) / 8 >= u64::from(target))
        .unwrap_or(8);
    if eighths == 8 {
        return img.clone();
    }
    let scale = f64::from(eighths) / 8.0;
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    resize_exact(img, nw, nh)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `ftyp` box with these brands.
    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len() as u32;
        let mut b = size.to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(b"\0\0\0\x08meta");
        b
    }

    #[test]
    fn heic_brands_are_heic() {
        assert!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"])));
        assert!(sniff(&ftyp(b"heix", &[b"mif1"])));
        assert!(sniff(&ftyp(b"hevc", &[b"msf1"])));
        assert!(sniff(&ftyp(b"mif1", &[b"heic", b"miaf"])));
        assert!(sniff(&ftyp(b"mif1", &[])));
        assert!(sniff(&ftyp(b"msf1", &[b"hevc"])));
        // An unusual major brand that lists an HEVC brand.
        assert!(sniff(&ftyp(b"iso8", &[b"mif1", b"heic"])));
    }

    #[test]
    fn avif_and_cr3_are_not_heic() {
        assert!(!sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])));
        assert!(!sniff(&ftyp(b"avis", &[b"msf1", b"avif"])));
        // Generic major brand, AVIF named among the compatible ones.
        assert!(!sniff(&ftyp(b"mif1", &[b"avif", b"miaf"])));
        assert!(!sniff(&ftyp(b"crx ", &[b"crx ", b"isom"])));
        assert!(!sniff(&ftyp(b"isom", &[b"iso2", b"mp41"])));
        assert!(!sniff(b"\0\0\0\x18ftyp"));
        assert!(!sniff(b""));
        assert!(!sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"));
    }

    #[test]
    fn heif_transforms_map_to_exif_orientations() {
        use Property::{Mirror, Rotation};
        let exif = |p: &[Property]| transforms_as_exif(p.iter());
        assert_eq!(exif(&[]), 1);
        assert_eq!(exif(&[Rotation(0)]), 1);
        assert_eq!(exif(&[Mirror(false)]), 2);
        assert_eq!(exif(&[Rotation(2)]), 3);
        assert_eq!(exif(&[Mirror(true)]), 4);
        assert_eq!(
            exif(&[Rotation(3)]),
            6,
            "270 anticlockwise is EXIF's 90 clockwise"
        );
        assert_eq!(exif(&[Rotation(1)]), 8);
        // Rotate a quarter anticlockwise, then flip left-right: (x, y) -> (-y, -x), transverse.
        assert_eq!(exif(&[Rotation(1), Mirror(false)]), 7);
        assert_eq!(exif(&[Rotation(3), Mirror(false)]), 5);
        assert_eq!(exif(&[Rotation(1), Mirror(true)]), 5);
        assert_eq!(exif(&[Mirror(true), Mirror(true)]), 1);
    }

    #[test]
    fn shrinks_to_the_shorter_side_and_never_enlarges() {
        let img = RgbImage::new(400, 300);
        assert_eq!(shrink_to_min_side(&img, 150).dimensions(), (200, 150));
        assert_eq!(shrink_to_min_side(&img, 600).dimensions(), (400, 300));
    }

    #[test]
    fn garbage_after_ftyp_is_an_error_not_a_panic() {
        let mut b = ftyp(b"heic", &[b"mif1"]);
        b.extend(std::iter::repeat_n(0xA5, 300));
        assert!(decode(&b, 224).is_err());
    }
}
