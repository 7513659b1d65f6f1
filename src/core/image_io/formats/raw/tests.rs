//! Parsers and decoding on synthetic RAWs built as cameras lay them out
//! (`tests/common/raw.rs`), and on damaged or hostile ones.

use super::test_builder::{self as b, Ifd, RawSpec, TiffRaw, Val, Writer};
use super::*;
use image::{Rgb, RgbImage};

const BLUE: [u8; 3] = [30, 60, 200];
const GREEN: [u8; 3] = [20, 200, 40];
const RED: [u8; 3] = [230, 20, 20];

/// A flat `base` picture with a red block in its top-left corner (to tell orientations apart).
fn picture(w: u32, h: u32, base: [u8; 3]) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        if x < w / 4 && y < h / 4 {
            Rgb(RED)
        } else {
            Rgb(base)
        }
    })
}

fn near(px: &Rgb<u8>, want: [u8; 3]) -> bool {
    px.0.iter().zip(want).all(|(&a, b)| a.abs_diff(b) < 40)
}

/// Which corner of `img` holds the red block: 0 top-left, 1 top-right, 2 bottom-right,
/// 3 bottom-left.
fn red_corner(img: &RgbImage) -> Option<usize> {
    let (w, h) = img.dimensions();
    let (x0, x1, y0, y1) = (w / 16, w - 1 - w / 16, h / 16, h - 1 - h / 16);
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        .iter()
        .position(|&(x, y)| near(img.get_pixel(x, y), RED))
}

struct Jpegs {
    thumb: Vec<u8>,
    preview: Vec<u8>,
}

fn jpegs() -> Jpegs {
    Jpegs {
        thumb: b::jpeg(&picture(160, 120, GREEN), 85),
        preview: b::jpeg(&picture(1600, 1067, BLUE), 85),
    }
}

fn spec<'a>(j: &'a Jpegs, orientation: u16, with_preview: bool) -> RawSpec<'a> {
    RawSpec {
        make: "NIKON CORPORATION",
        model: "NIKON Z 6",
        date_time_original: "2021:07:14 09:30:00",
        orientation,
        thumb: &j.thumb,
        preview: with_preview.then_some(&j.preview[..]),
        raw_size: (6048, 4024),
    }
}

const LAYOUTS: [(TiffRaw, RawKind); 6] = [
    (TiffRaw::Nef, RawKind::Nef),
    (TiffRaw::Cr2, RawKind::Cr2),
    (TiffRaw::Dng, RawKind::Dng),
    (TiffRaw::Arw, RawKind::Arw),
    (TiffRaw::Orf, RawKind::Orf),
    (TiffRaw::Rw2, RawKind::Rw2),
];

/// Decoded from the preview (blue), not the thumbnail (green), upright, at the raw size.
fn assert_preview(d: &Decoded, kind: RawKind, size: (u32, u32), corner: usize) {
    assert_eq!(d.format, kind.name());
    assert_eq!((d.width, d.height), size, "{kind:?}");
    let (w, h) = d.image.dimensions();
    assert!(w.max(h) >= 224, "{kind:?}: decoded {w}x{h}");
    assert!(
        near(d.image.get_pixel(w / 2, h / 2), BLUE),
        "{kind:?}: not the preview"
    );
    assert_eq!(red_corner(&d.image), Some(corner), "{kind:?}: orientation");
}

#[test]
fn tiff_layouts_are_recognised_and_read_from_their_preview() {
    let j = jpegs();
    for (layout, kind) in LAYOUTS {
        let file = b::tiff_raw(layout, &spec(&j, 1, true));
        assert_eq!(sniff(&file, Some(layout.ext())), Some(kind));
        let d = decode(&file, kind, 224).expect("decode");
        assert_preview(&d, kind, (6048, 4024), 0);
        assert_eq!(d.orientation, 1);
    }
}

#[test]
fn content_decides_where_it_can_and_the_extension_elsewhere() {
    let j = jpegs();
    for (layout, kind) in LAYOUTS {
        let file = b::tiff_raw(layout, &spec(&j, 1, true));
        let by_content = !matches!(layout, TiffRaw::Nef | TiffRaw::Arw);
        assert!(sniff(&file, None).is_some(), "{layout:?}");
        if by_content {
            assert_eq!(sniff(&file, None), Some(kind), "{layout:?}");
            assert_eq!(sniff(&file, Some("tif")), Some(kind), "{layout:?}");
        }
    }
    let cr3 = b::cr3(&spec(&j, 1, true), None);
    assert_eq!(sniff(&cr3, None), Some(RawKind::Cr3));
    assert_eq!(sniff(&b::raf(&spec(&j, 1, true)), None), Some(RawKind::Raf));
    let rw2 = b::tiff_raw(TiffRaw::Rw2, &spec(&j, 1, true));
    assert_eq!(sniff(&rw2, Some("raw")), Some(RawKind::PanasonicRaw));
    assert_eq!(sniff(&rw2, Some("rwl")), Some(RawKind::Rwl));
    // Other containers' signatures.
    assert_eq!(sniff(b"\0MRM\0\0\0\x08", None), Some(RawKind::Mrw));
    assert_eq!(sniff(b"FOVb\x02\0\x02\0", None), Some(RawKind::X3f));
    assert_eq!(sniff(b"II\x1a\0\0\0HEAPCCDR", None), Some(RawKind::Crw));
    assert_eq!(sniff(b"II*\0\x08\x0a\0\0IIII", None), Some(RawKind::Iiq));
    // An extension naming a non-TIFF kind does not make a TIFF one.
    let nef = b::tiff_raw(TiffRaw::Nef, &spec(&j, 1, true));
    assert_eq!(sniff(&nef, Some("cr3")), None);
}

#[test]
fn a_renamed_nef_is_a_raw_but_a_camera_tiff_photo_stays_a_tiff() {
    let j = jpegs();
    let nef = b::tiff_raw(TiffRaw::Nef, &spec(&j, 1, true));
    assert_eq!(sniff(&nef, Some("tif")), Some(RawKind::Nef));
    assert_eq!(sniff(&nef, None), Some(RawKind::Nef));
    let mut sony = spec(&j, 1, true);
    sony.make = "SONY";
    let arw = b::tiff_raw(TiffRaw::Arw, &sony);
    assert_eq!(sniff(&arw, Some("tiff")), Some(RawKind::Arw));
    // Without its large preview, a renamed NEF is left to the TIFF decoder.
    let thumb_only = b::tiff_raw(TiffRaw::Nef, &spec(&j, 1, false));
    assert_eq!(sniff(&thumb_only, Some("tif")), None);
    assert_eq!(sniff(&thumb_only, Some("nef")), Some(RawKind::Nef));
    // A camera's RGB TIFF with an EXIF thumbnail: a photo, not a RAW.
    let le = Writer { little: true };
    let photo = le.tiff(
        &Ifd::new()
            .with(0x100, Val::Long(vec![3000]))
            .with(0x101, Val::Long(vec![2000]))
            .with(0x102, Val::Short(vec![8, 8, 8]))
            .with(0x103, Val::Short(vec![1]))
            .with(0x106, Val::Short(vec![2]))
            .with(0x10F, b::ascii("NIKON CORPORATION"))
            .blob(0x111, 0x117, &[0x80; 64])
            .then(
                Ifd::new()
                    .with(0x103, Val::Short(vec![6]))
                    .blob(0x201, 0x202, &j.preview),
            ),
    );
    assert_eq!(sniff(&photo, Some("tif")), None);
    assert_eq!(sniff(&photo, None), None);
}

#[test]
fn the_raw_orientation_turns_the_preview_upright_once() {
    let j = jpegs();
    for (layout, kind) in LAYOUTS {
        // Orientation 6: rotate 90° clockwise to display; the top-left block goes top-right.
        let file = b::tiff_raw(layout, &spec(&j, 6, true));
        let d = decode(&file, kind, 224).expect("decode");
        assert_preview(&d, kind, (4024, 6048), 1);
        assert_eq!(d.orientation, 6);
        let file = b::tiff_raw(layout, &spec(&j, 8, true));
        assert_preview(
            &decode(&file, kind, 224).expect("decode"),
            kind,
            (4024, 6048),
            3,
        );
        let file = b::tiff_raw(layout, &spec(&j, 3, true));
        assert_preview(
            &decode(&file, kind, 224).expect("decode"),
            kind,
            (6048, 4024),
            2,
        );
    }
    // RAF: the embedded JPEG's own EXIF says 6; applied once.
    let d = decode(&b::raf(&spec(&j, 6, true)), RawKind::Raf, 224).expect("raf");
    assert_preview(&d, RawKind::Raf, (4024, 6048), 1);
    let d = decode(&b::cr3(&spec(&j, 6, true), None), RawKind::Cr3, 224).expect("cr3");
    assert_preview(&d, RawKind::Cr3, (4024, 6048), 1);
}

#[test]
fn the_raw_tag_wins_over_a_different_one_in_the_preview() {
    let j = jpegs();
    let le = Writer { little: true };
    let exif3 = le.tiff(&Ifd::new().with(0x112, Val::Short(vec![3])));
    let preview = b::with_exif(&j.preview, &exif3);
    let mut s = spec(&j, 6, true);
    s.preview = Some(&preview);
    let d = decode(&b::tiff_raw(TiffRaw::Arw, &s), RawKind::Arw, 224).expect("arw");
    assert_preview(&d, RawKind::Arw, (4024, 6048), 1);
    assert_eq!(d.orientation, 6);
}

#[test]
fn cr3_takes_the_largest_of_thmb_prvw_and_the_full_size_jpeg() {
    let j = jpegs();
    let full = b::jpeg(&picture(2400, 1600, BLUE), 80);
    let prvw = b::jpeg(&picture(1620, 1080, GREEN), 80);
    let mut s = spec(&j, 1, true);
    s.preview = Some(&full);
    s.raw_size = (6000, 4000);
    let file = b::cr3(&s, Some(&prvw));
    let info = cr3::inspect(&file);
    let mut sizes: Vec<(u32, u32)> = info.previews.iter().map(|c| (c.width, c.height)).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [(160, 120), (1620, 1080), (2400, 1600)]);
    let d = decode(&file, RawKind::Cr3, 224).expect("cr3");
    assert_preview(&d, RawKind::Cr3, (6000, 4000), 0);
    // Without the full-size track JPEG, PRVW is the preview.
    s.preview = None;
    let prvw = b::jpeg(&picture(1620, 1080, BLUE), 80);
    let d = decode(&b::cr3(&s, Some(&prvw)), RawKind::Cr3, 224).expect("cr3 prvw");
    assert_preview(&d, RawKind::Cr3, (6000, 4000), 0);
}

#[test]
fn raf_reads_the_jpeg_at_84_and_the_cropped_size() {
    let j = jpegs();
    let file = b::raf(&spec(&j, 1, true));
    let info = raf::inspect(&file);
    assert_eq!(info.sizes, [(6048, 4024), (6064, 4032)]);
    assert_preview(
        &decode(&file, RawKind::Raf, 224).expect("raf"),
        RawKind::Raf,
        (6048, 4024),
        0,
    );
}

#[test]
fn sizes_come_from_each_containers_own_fields() {
    let j = jpegs();
    let s = spec(&j, 1, true);
    let walk = |layout| tiff::inspect(&b::tiff_raw(layout, &s));
    // DNG: DefaultCropSize first, before the raw IFD's size (which includes borders).
    assert_eq!(walk(TiffRaw::Dng).sizes[0], (6048, 4024));
    assert!(walk(TiffRaw::Dng).sizes.contains(&(6064, 4036)));
    // CR2: IFD2 (24x16 RGB) is the only sized non-preview image; EXIF gives the photo's size.
    assert_eq!(walk(TiffRaw::Cr2).sizes, [(24, 16), (6048, 4024)]);
    // RW2: inside the sensor borders first.
    assert_eq!(walk(TiffRaw::Rw2).sizes, [(6048, 4024), (6064, 4032)]);
    // The preview's own size when nothing plausible is declared.
    let c = Candidate {
        offset: 0,
        len: 1,
        width: 1600,
        height: 1067,
    };
    let info = RawInfo {
        sizes: vec![(24, 16), (2000, 3000), (70000, 40000)],
        ..RawInfo::default()
    };
    assert_eq!(full_size(&info, &c), (1600, 1067));
}

#[test]
fn cr2_raw_data_in_lossless_jpeg_is_not_a_preview() {
    assert_eq!(preview::frame_size(&b::lossless_jpeg((6000, 4000))), None);
    let j = jpegs();
    let info = tiff::inspect(&b::tiff_raw(TiffRaw::Cr2, &spec(&j, 1, true)));
    let mut sizes: Vec<(u32, u32)> = info.previews.iter().map(|c| (c.width, c.height)).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [(160, 120), (1600, 1067)]);
}

#[test]
fn jpeg_helpers_find_frames_ends_and_embedded_jpegs() {
    let j = jpegs();
    assert_eq!(preview::frame_size(&j.preview), Some((1600, 1067)));
    assert_eq!(preview::jpeg_end(&j.preview), Some(j.preview.len()));
    assert_eq!(preview::jpeg_end(&j.preview[..j.preview.len() - 10]), None);
    let mut file = vec![0u8; 100];
    file.extend(&j.thumb);
    file.extend([0xFF, 0xD8, 0xFF, 0xE0, 0, 0]);
    file.extend(&j.preview);
    file.extend(&j.preview[..500]);
    let found = preview::scan(&file);
    let at: Vec<(usize, u32)> = found.iter().map(|c| (c.offset, c.width)).collect();
    assert_eq!(at, [(100, 160), (106 + j.thumb.len(), 1600)]);
    let mut bomb = j.preview.clone();
    b::set_sof_size(&mut bomb, 60000, 60000);
    assert_eq!(preview::frame_size(&bomb), Some((60000, 60000)));
}

#[test]
fn a_raw_with_only_a_thumbnail_is_refused_with_the_reason() {
    let j = jpegs();
    for (layout, kind) in LAYOUTS {
        let file = b::tiff_raw(layout, &spec(&j, 1, false));
        let err = decode(&file, kind, 224).expect_err("thumbnail only");
        let text = err.to_string();
        assert!(
            text.contains("no embedded preview larger than 160x120")
                && text.contains("JPEG preview"),
            "{layout:?}: {text}"
        );
    }
    let err = decode(&[0u8; 64], RawKind::Nef, 224).expect_err("no preview at all");
    assert!(
        err.to_string().contains("no embedded JPEG preview"),
        "{err}"
    );
}

/// A little-endian TIFF whose IFD0 is `ifd0`.
fn hostile(ifd0: Ifd) -> Vec<u8> {
    Writer { little: true }.tiff(&ifd0)
}

#[test]
fn hostile_structures_fail_with_a_reason() {
    let j = jpegs();
    let thumb = || {
        Ifd::new()
            .with(0x103, Val::Short(vec![6]))
            .blob(0x201, 0x202, &j.thumb)
    };
    // A preview pointer past the end of the file.
    let past = hostile(thumb().with(
        0x14A,
        Val::Ifds(vec![Ifd::new()
            .with(0x103, Val::Short(vec![6]))
            .with(0x201, Val::Raw { typ: 4, count: 1, value: 0xFFFF_FF00 })
            .with(0x202, Val::Long(vec![500_000]))]),
    ));
    let err = decode(&past, RawKind::Nef, 224).expect_err("past end");
    assert!(err.to_string().contains("past the end"), "{err}");
    // IFD0 whose next IFD and SubIFD are itself.
    let mut looped = thumb().with(
        0x14A,
        Val::Raw {
            typ: 4,
            count: 1,
            value: 8,
        },
    );
    looped.next_offset = Some(8);
    let err = decode(&hostile(looped), RawKind::Nef, 224).expect_err("loop");
    assert!(err.to_string().contains("160x120"), "{err}");
    // A SubIFD count of 10^9.
    let huge = thumb().with(
        0x14A,
        Val::Raw {
            typ: 4,
            count: 1_000_000_000,
            value: 8,
        },
    );
    let err = decode(&hostile(huge), RawKind::Nef, 224).expect_err("huge count");
    assert!(err.to_string().contains("160x120"), "{err}");
    // A preview declaring 60000x60000.
    let mut bomb = j.preview.clone();
    b::set_sof_size(&mut bomb, 60000, 60000);
    let mut s = spec(&j, 1, true);
    s.preview = Some(&bomb);
    let err = decode(&b::tiff_raw(TiffRaw::Nef, &s), RawKind::Nef, 224).expect_err("bomb");
    assert!(
        matches!(err, DecodeError::TooManyPixels(60000, 60000)),
        "{err}"
    );
}

/// Every prefix and a few thousand corruptions of each synthetic RAW decode or fail; none
/// panics.
#[test]
fn damaged_files_never_panic() {
    let j = Jpegs {
        thumb: b::jpeg(&picture(160, 120, GREEN), 60),
        preview: b::jpeg(&picture(1024, 680, BLUE), 60),
    };
    let s = spec(&j, 6, true);
    let mut files: Vec<(Vec<u8>, RawKind)> = LAYOUTS
        .iter()
        .map(|&(layout, kind)| (b::tiff_raw(layout, &s), kind))
        .collect();
    files.push((b::cr3(&s, Some(&j.preview)), RawKind::Cr3));
    files.push((b::raf(&s), RawKind::Raf));
    let mut seed = 0x2545_F491u32;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as usize
    };
    for (file, kind) in &files {
        let structure = file.len().min(4096);
        for cut in (0..file.len()).step_by(file.len() / 40 + 1) {
            let _ = decode(&file[..cut], *kind, 64);
            let _ = exif_blobs(&file[..cut], *kind);
            let _ = sniff(&file[..cut], None);
        }
        for _ in 0..150 {
            let mut bad = file.clone();
            for _ in 0..4 {
                let at = rnd() % structure;
                bad[at] = rnd() as u8;
            }
            let _ = decode(&bad, *kind, 64);
            let _ = exif_blobs(&bad, *kind);
            let _ = sniff(&bad, Some(kind.name()));
        }
    }
}
