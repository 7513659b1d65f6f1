//! Hostile-file corpus: files a decades-old photo library holds (odd formats and variants,
//! damaged files, decompression bombs, non-UTF-8 names, files that vanish mid-scan) must never
//! crash or hang `lookalike index`; every decodable one is indexed and every other image is
//! listed by `status` with a reason.
//!
//! The generated corpus is built by this test, offline. When `LOOKALIKE_CORPUS_DIR` names a
//! folder filled by `tools/fetch_corpus.sh` (Pillow, gdk-pixbuf and image-rs test images), the
//! same checks run over it too. `LOOKALIKE_HOSTILE_OUT=DIR` keeps a copy of the generated files
//! (for `tools/corpus_report.py`).

use crate::common;

use common::*;
use image::{ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use lookalike::core::image_io;
use serde_json::Value;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What must happen to a generated file.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Indexed.
    Indexed,
    /// Listed by `status` with a reason containing this text.
    Refused(&'static str),
    /// Indexed, or refused with some reason (damaged files that some decoders salvage).
    Either,
    /// Not an image: neither indexed nor listed.
    Ignored,
}

// ---------------------------------------------------------------- hand-made PNG, GIF, WebP

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(65_535).collect()
    };
    for (i, c) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = c.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut c = kind.to_vec();
    c.extend_from_slice(data);
    out.extend_from_slice(&c);
    out.extend(crc32(&c).to_be_bytes());
}

/// A PNG with any header (even a lying one); `rows` are the unfiltered scanlines.
fn png_raw(
    w: u32,
    h: u32,
    depth: u8,
    color: u8,
    extra: &[(&[u8; 4], Vec<u8>)],
    rows: &[Vec<u8>],
) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([depth, color, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    for (k, d) in extra {
        png_chunk(&mut out, k, d);
    }
    let mut raw = Vec::new();
    for r in rows {
        raw.push(0);
        raw.extend_from_slice(r);
    }
    png_chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// 8-bit palette PNG with transparency for some entries.
fn palette_png(w: u32, h: u32) -> Vec<u8> {
    let plte: Vec<u8> = (0..16u8)
        .flat_map(|i| [i * 16, 255 - i * 16, i.wrapping_mul(40)])
        .collect();
    let trns: Vec<u8> = (0..16u8).map(|i| if i < 4 { 0 } else { 255 }).collect();
    let rows: Vec<Vec<u8>> = (0..h)
        .map(|y| (0..w).map(|x| ((x / 4 + y / 4) % 16) as u8).collect())
        .collect();
    png_raw(w, h, 8, 3, &[(b"PLTE", plte), (b"tRNS", trns)], &rows)
}

/// 1-bit grayscale PNG.
fn bilevel_png(w: u32, h: u32) -> Vec<u8> {
    let rows: Vec<Vec<u8>> = (0..h)
        .map(|y| {
            (0..w.div_ceil(8))
                .map(|b| if (b + y / 8) % 2 == 0 { 0xaa } else { 0x0f })
                .collect()
        })
        .collect();
    png_raw(w, h, 1, 0, &[], &rows)
}

/// An animated GIF with two frames.
fn animated_gif(w: u16, h: u16) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
        enc.set_repeat(image::codecs::gif::Repeat::Infinite)
            .expect("repeat");
        for i in 0..2u8 {
            let img = RgbaImage::from_fn(u32::from(w), u32::from(h), |x, y| {
                Rgba([(x as u8).wrapping_mul(3 + i), y as u8, 128 + i * 60, 255])
            });
            let frame =
                image::Frame::from_parts(img, 0, 0, image::Delay::from_numer_denom_ms(100, 1));
            enc.encode_frame(frame).expect("frame");
        }
    }
    out
}

/// A lossless WebP of `img`.
fn webp(img: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgba8,
        )
        .expect("webp");
    out
}

fn riff_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(kind);
    out.extend((data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

/// An animated WebP (VP8X + ANIM + two ANMF frames) built around lossless frames.
fn animated_webp(w: u32, h: u32) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    let mut vp8x = vec![0b0001_0010, 0, 0, 0]; // animation + alpha
    vp8x.extend(&(w - 1).to_le_bytes()[..3]);
    vp8x.extend(&(h - 1).to_le_bytes()[..3]);
    riff_chunk(&mut body, b"VP8X", &vp8x);
    riff_chunk(&mut body, b"ANIM", &[255, 255, 255, 255, 0, 0]);
    for i in 0..2u8 {
        let img = RgbaImage::from_fn(w, h, |x, y| Rgba([x as u8, y as u8, i * 120, 255]));
        let single = webp(&img);
        // The VP8L chunk of the single-image file: "RIFF" size "WEBP" then the chunk.
        let vp8l = &single[12..];
        let mut anmf = vec![0u8; 6]; // x, y offsets
        anmf.extend(&(w - 1).to_le_bytes()[..3]);
        anmf.extend(&(h - 1).to_le_bytes()[..3]);
        anmf.extend(&[100, 0, 0]); // duration
        anmf.push(0); // flags
        anmf.extend_from_slice(vp8l);
        riff_chunk(&mut body, b"ANMF", &anmf);
    }
    let mut out = b"RIFF".to_vec();
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

fn encode(img: &image::DynamicImage, fmt: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, fmt).expect("encode");
    out.into_inner()
}

fn jpeg(img: &RgbImage, q: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, q)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("jpeg");
    out
}

/// Insert an APP1 Exif segment (any payload) right after SOI.
fn with_app1(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend([0xff, 0xe1]);
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Patch the first SOF0 frame header's height and width.
fn jpeg_with_dims(jpeg: &[u8], w: u16, h: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let pos = out
        .windows(2)
        .position(|p| p == [0xff, 0xc0])
        .expect("SOF0");
    out[pos + 5..pos + 7].copy_from_slice(&h.to_be_bytes());
    out[pos + 7..pos + 9].copy_from_slice(&w.to_be_bytes());
    out
}

/// A GIF whose logical screen and frame claim `w`x`h` with almost no data.
fn gif_bomb(w: u16, h: u16) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend(w.to_le_bytes());
    out.extend(h.to_le_bytes());
    out.extend([0x80, 0, 0, 0, 0, 0, 255, 255, 255]); // 2-colour global table
    out.extend([0x2c, 0, 0, 0, 0]);
    out.extend(w.to_le_bytes());
    out.extend(h.to_le_bytes());
    out.extend([0, 2, 2, 0x4c, 0x01, 0, 0x3b]);
    out
}

/// Minimal uncompressed TGA (24-bit, bottom-left origin).
fn tga(img: &RgbImage) -> Vec<u8> {
    let mut out = vec![0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    out.extend((img.width() as u16).to_le_bytes());
    out.extend((img.height() as u16).to_le_bytes());
    out.extend([24, 0]);
    for y in (0..img.height()).rev() {
        for x in 0..img.width() {
            let p = img.get_pixel(x, y);
            out.extend([p[2], p[1], p[0]]);
        }
    }
    out
}

/// SGI, verbatim RGB planes, rows bottom first.
fn sgi(img: &RgbImage) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let mut out = vec![0u8; 512];
    out[..4].copy_from_slice(&[0x01, 0xda, 0, 1]);
    out[4..6].copy_from_slice(&3u16.to_be_bytes());
    out[6..8].copy_from_slice(&(w as u16).to_be_bytes());
    out[8..10].copy_from_slice(&(h as u16).to_be_bytes());
    out[10..12].copy_from_slice(&3u16.to_be_bytes());
    for c in 0..3 {
        for y in (0..h).rev() {
            out.extend((0..w).map(|x| img.get_pixel(x, y)[c]));
        }
    }
    out
}

/// Photoshop document: raw composite RGB planes, no layers.
fn psd(img: &RgbImage) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let mut out = b"8BPS\0\x01\0\0\0\0\0\0\0\x03".to_vec();
    out.extend(h.to_be_bytes());
    out.extend(w.to_be_bytes());
    out.extend(8u16.to_be_bytes());
    out.extend(3u16.to_be_bytes());
    out.extend([0; 12]); // mode data, resources, layers: empty
    out.extend(0u16.to_be_bytes()); // raw
    for c in 0..3 {
        out.extend(img.pixels().map(|p| p[c]));
    }
    out
}

/// DirectDraw Surface, uncompressed 32-bit BGRA described by channel masks.
fn dds(img: &RgbImage) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let mut out = vec![0u8; 128];
    out[..4].copy_from_slice(b"DDS ");
    out[4..8].copy_from_slice(&124u32.to_le_bytes());
    out[12..16].copy_from_slice(&h.to_le_bytes());
    out[16..20].copy_from_slice(&w.to_le_bytes());
    out[76..80].copy_from_slice(&32u32.to_le_bytes());
    out[80..84].copy_from_slice(&0x41u32.to_le_bytes()); // RGB + alpha
    out[88..92].copy_from_slice(&32u32.to_le_bytes());
    for (i, m) in [0xff_0000u32, 0xff00, 0xff, 0xff00_0000].iter().enumerate() {
        out[92 + i * 4..96 + i * 4].copy_from_slice(&m.to_le_bytes());
    }
    for p in img.pixels() {
        out.extend([p[2], p[1], p[0], 255]);
    }
    out
}

/// Sun raster, 24-bit BGR rows (even widths need no padding).
fn sun_raster(img: &RgbImage) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let mut out = Vec::new();
    for v in [0x59a6_6a95u32, w, h, 24, w * h * 3, 1, 0, 0] {
        out.extend(v.to_be_bytes());
    }
    for p in img.pixels() {
        out.extend([p[2], p[1], p[0]]);
    }
    out
}

/// X PixMap with a two-colour table.
fn xpm(w: u32, h: u32) -> Vec<u8> {
    let mut out = format!(
        "/* XPM */\nstatic char *x[] = {{\n\"{w} {h} 2 1\",\n\". c #FF8000\",\n\"# c blue\",\n"
    );
    for y in 0..h {
        let row: String = (0..w)
            .map(|x| if (x / 8 + y / 8) % 2 == 0 { '.' } else { '#' })
            .collect();
        out.push_str(&format!("\"{row}\",\n"));
    }
    out.push_str("};\n");
    out.into_bytes()
}

/// Files in the formats read by our own decoders: good ones, damaged ones and bombs.
fn own_format_files() -> Vec<(PathBuf, Vec<u8>, Expect)> {
    use Expect::*;
    let photo = scene(11, 96, 64);
    let mut v: Vec<(PathBuf, Vec<u8>, Expect)> = Vec::new();
    let mut add = |p: &str, b: Vec<u8>, e: Expect| v.push((PathBuf::from(p), b, e));
    let sgi_file = sgi(&photo);
    let psd_file = psd(&photo);
    let dds_file = dds(&photo);
    let qoi_file = encode(
        &image::DynamicImage::ImageRgb8(photo.clone()),
        image::ImageFormat::Qoi,
    );
    add("formats/photo.sgi", sgi_file.clone(), Indexed);
    add("formats/photo.psd", psd_file.clone(), Indexed);
    add("formats/photo.dds", dds_file.clone(), Indexed);
    add("formats/photo.qoi", qoi_file.clone(), Indexed);
    add("formats/photo.ras", sun_raster(&photo), Indexed);
    add("formats/checks.xpm", xpm(40, 24), Indexed);
    add("formats/no_extension_sgi", sgi_file.clone(), Indexed);
    add(
        "formats/damaged/truncated.sgi",
        sgi_file[..sgi_file.len() / 2].to_vec(),
        Refused("sgi"),
    );
    add(
        "formats/damaged/truncated.psd",
        psd_file[..psd_file.len() / 2].to_vec(),
        Refused("psd"),
    );
    add(
        "formats/damaged/truncated.dds",
        dds_file[..dds_file.len() / 2].to_vec(),
        Refused("dds"),
    );
    add(
        "formats/damaged/truncated.qoi",
        qoi_file[..qoi_file.len() / 2].to_vec(),
        Either,
    );
    let mut sgi_bomb = sgi_file[..512].to_vec();
    sgi_bomb[6..10].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    add(
        "formats/bombs/sgi_65535x65535.sgi",
        sgi_bomb,
        Refused("decompression bomb"),
    );
    let mut psd_bomb = psd_file[..40].to_vec();
    psd_bomb[14..22].copy_from_slice(&[0, 0x10, 0, 0, 0, 0x10, 0, 0]);
    add(
        "formats/bombs/psd_1048576x1048576.psd",
        psd_bomb,
        Refused("decompression bomb"),
    );
    let mut dds_bomb = dds_file[..128].to_vec();
    dds_bomb[12..20].copy_from_slice(&[0, 0, 1, 0, 0, 0, 1, 0]);
    add(
        "formats/bombs/dds_65536x65536.dds",
        dds_bomb,
        Refused("decompression bomb"),
    );
    v
}

/// Every generated hostile file: relative path (raw bytes on Unix), content, expectation.
fn hostile_files() -> Vec<(PathBuf, Vec<u8>, Expect)> {
    use Expect::*;
    let photo = scene(7, 320, 240);
    let dyn_photo = image::DynamicImage::ImageRgb8(photo.clone());
    let good_jpeg = jpeg(&photo, 90);
    let mut v: Vec<(PathBuf, Vec<u8>, Expect)> = Vec::new();
    let mut add = |p: &str, b: Vec<u8>, e: Expect| v.push((PathBuf::from(p), b, e));

    add("ok/photo.jpg", good_jpeg.clone(), Indexed);
    add("ok/one_pixel.jpg", jpeg(&RgbImage::new(1, 1), 90), Indexed);
    add(
        "ok/one_pixel.png",
        encode(
            &image::DynamicImage::ImageRgb8(RgbImage::from_pixel(1, 1, Rgb([9, 200, 30]))),
            image::ImageFormat::Png,
        ),
        Indexed,
    );
    add(
        "ok/gray16.png",
        encode(
            &image::DynamicImage::ImageLuma16(image::ImageBuffer::from_fn(64, 48, |x, y| {
                image::Luma([(x * 1000 + y * 300) as u16])
            })),
            image::ImageFormat::Png,
        ),
        Indexed,
    );
    add(
        "ok/rgba16.png",
        encode(
            &image::DynamicImage::ImageRgba16(image::ImageBuffer::from_fn(40, 30, |x, y| {
                image::Rgba([
                    (x * 1500) as u16,
                    (y * 2000) as u16,
                    30_000,
                    (x * 1600) as u16,
                ])
            })),
            image::ImageFormat::Png,
        ),
        Indexed,
    );
    add("ok/palette_trns.png", palette_png(48, 40), Indexed);
    add("ok/bilevel.png", bilevel_png(33, 17), Indexed);
    let alpha = RgbaImage::from_fn(80, 60, |x, y| {
        Rgba([200, x as u8 * 3, y as u8 * 4, (x * 3) as u8])
    });
    add(
        "ok/alpha.png",
        encode(
            &image::DynamicImage::ImageRgba8(alpha.clone()),
            image::ImageFormat::Png,
        ),
        Indexed,
    );
    add("ok/animated.gif", animated_gif(50, 40), Indexed);
    add("ok/still.webp", webp(&alpha), Indexed);
    add("ok/animated.webp", animated_webp(30, 20), Indexed);
    add(
        "ok/photo.tif",
        encode(&dyn_photo, image::ImageFormat::Tiff),
        Indexed,
    );
    add(
        "ok/photo.bmp",
        encode(&dyn_photo, image::ImageFormat::Bmp),
        Indexed,
    );
    add(
        "ok/icon.ico",
        encode(
            &image::DynamicImage::ImageRgba8(image::imageops::thumbnail(&alpha, 32, 32)),
            image::ImageFormat::Ico,
        ),
        Indexed,
    );
    add(
        "ok/photo.ppm",
        encode(&dyn_photo, image::ImageFormat::Pnm),
        Indexed,
    );
    add("ok/photo.tga", tga(&scene(8, 60, 40)), Indexed);
    add(
        "ok/long_thin.png",
        encode(
            &image::DynamicImage::ImageRgb8(RgbImage::from_fn(40_000, 1, |x, _| {
                Rgb([x as u8, 0, 0])
            })),
            image::ImageFormat::Png,
        ),
        Indexed,
    );
    // Metadata oddities.
    add(
        "exif/garbage_exif.jpg",
        with_app1(&good_jpeg, b"Exif\0\0garbage that is not TIFF"),
        Indexed,
    );
    let mut bad_ifd = b"Exif\0\0II*\0".to_vec();
    bad_ifd.extend(0xffff_fff0u32.to_le_bytes()); // IFD offset far past the end
    add(
        "exif/ifd_out_of_range.jpg",
        with_app1(&good_jpeg, &bad_ifd),
        Indexed,
    );
    let mut orient = b"Exif\0\0II*\0\x08\0\0\0\x01\0".to_vec();
    orient.extend(0x0112u16.to_le_bytes());
    orient.extend(3u16.to_le_bytes());
    orient.extend(1u32.to_le_bytes());
    orient.extend(99u16.to_le_bytes()); // orientation 99 does not exist
    orient.extend([0, 0, 0, 0, 0, 0]);
    add(
        "exif/orientation_99.jpg",
        with_app1(&good_jpeg, &orient),
        Indexed,
    );
    let mut huge_count = b"Exif\0\0II*\0\x08\0\0\0\xff\xff".to_vec(); // 65535 entries, none present
    huge_count.extend([0u8; 8]);
    add(
        "exif/entry_count_lies.jpg",
        with_app1(&good_jpeg, &huge_count),
        Indexed,
    );
    // Names and extensions.
    add(
        "names/png_named.jpg",
        encode(&dyn_photo, image::ImageFormat::Png),
        Indexed,
    );
    add("names/jpeg_without_extension", good_jpeg.clone(), Indexed);
    add("names/UPPER.JPG", jpeg(&scene(9, 100, 80), 80), Indexed);
    add(
        "names/spaces and ünïcödé 写真.jpg",
        jpeg(&scene(10, 100, 80), 80),
        Indexed,
    );
    add(
        "names/text_named.jpg",
        b"just some notes\n".to_vec(),
        Refused("not an image"),
    );
    add("names/notes.txt", b"hello".to_vec(), Ignored);
    add(
        "names/README",
        b"plain text without an extension".to_vec(),
        Ignored,
    );
    // Damage.
    add("damaged/empty.jpg", Vec::new(), Refused("empty file"));
    add("damaged/empty.png", Vec::new(), Refused("empty file"));
    add(
        "damaged/truncated_half.jpg",
        good_jpeg[..good_jpeg.len() / 2].to_vec(),
        Either,
    );
    add(
        "damaged/truncated_header.jpg",
        good_jpeg[..40].to_vec(),
        Refused("jpeg"),
    );
    let png = encode(&dyn_photo, image::ImageFormat::Png);
    add(
        "damaged/truncated.png",
        png[..png.len() / 2].to_vec(),
        Refused("png"),
    );
    add(
        "damaged/magic_only.png",
        b"\x89PNG\r\n\x1a\n".to_vec(),
        Refused("png"),
    );
    add(
        "damaged/magic_only.jpg",
        vec![0xff, 0xd8, 0xff],
        Refused("jpeg"),
    );
    add("damaged/magic_only.gif", b"GIF89a".to_vec(), Refused("gif"));
    add(
        "damaged/zero_dims.png",
        png_raw(0, 0, 8, 2, &[], &[]),
        Refused("png"),
    );
    let mut flipped = png.clone();
    let mid = flipped.len() / 2;
    for b in &mut flipped[mid..mid + 64] {
        *b ^= 0x5a;
    }
    add("damaged/bits_flipped.png", flipped, Either);
    let mut noise = vec![0xff, 0xd8, 0xff, 0xe0];
    let mut s = 1u32;
    noise.extend((0..4000).map(|_| {
        s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (s >> 16) as u8
    }));
    add("damaged/jpeg_magic_then_noise.jpg", noise, Refused("jpeg"));
    // Decompression bombs: huge declared sizes, tiny files.
    add(
        "bombs/png_200000x200000.png",
        png_raw(200_000, 200_000, 8, 2, &[], &[vec![0; 3]]),
        Refused("decompression bomb"),
    );
    add(
        "bombs/png_60000x60000.png",
        png_raw(60_000, 60_000, 8, 0, &[], &[vec![0; 10]]),
        Refused("decompression bomb"),
    );
    add(
        "bombs/gif_65535x65535.gif",
        gif_bomb(65_535, 65_535),
        Refused("decompression bomb"),
    );
    add(
        "bombs/jpeg_65500x65500.jpg",
        jpeg_with_dims(&good_jpeg, 65_500, 65_500),
        Refused("decompression bomb"),
    );
    // Known formats we do not read: a reason, not silence.
    let mut heic = vec![0, 0, 0, 24];
    heic.extend(b"ftypheic\0\0\0\0mif1heic");
    add("unsupported/phone.heic", heic, Refused("HEIC"));
    let mut avif = vec![0, 0, 0, 28];
    avif.extend(b"ftypavif\0\0\0\0avifmif1miaf");
    add("unsupported/photo.avif", avif, Refused("AVIF"));
    add(
        "unsupported/layers.psd",
        b"8BPS\0\x01\0\0\0\0\0\0\0\x03".to_vec(),
        Refused("PSD"),
    );
    v
}

/// Non-UTF-8 file names (Unix only).
#[cfg(unix)]
fn non_utf8_files() -> Vec<(PathBuf, Vec<u8>, Expect)> {
    use std::os::unix::ffi::OsStrExt;
    let jpg = jpeg(&scene(11, 90, 70), 85);
    vec![
        (
            PathBuf::from(OsStr::from_bytes(b"names/caf\xe9_latin1.jpg")),
            jpg,
            Expect::Indexed,
        ),
        (
            PathBuf::from(OsStr::from_bytes(b"names/bad\xff\xfe_empty.jpg")),
            Vec::new(),
            Expect::Refused("empty file"),
        ),
    ]
}

#[cfg(not(unix))]
fn non_utf8_files() -> Vec<(PathBuf, Vec<u8>, Expect)> {
    Vec::new()
}

/// Run `lookalike index` with a hard time bound; panics on a crash or a hang.
fn index_bounded(data: &Path, lib: &Path, limit: Duration) -> Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lookalike"))
        .arg("--data-dir")
        .arg(data)
        .arg("index")
        .arg(lib)
        .args(["--model", "descriptor", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    // Drain the pipes on threads so a chatty child never blocks.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out_pipe, &mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err_pipe, &mut s);
        s
    });
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "lookalike index hung: no exit after {limit:?} on {}",
                lib.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out_t.join().expect("stdout thread");
    let stderr = err_t.join().expect("stderr thread");
    assert!(
        status.success(),
        "lookalike index crashed or failed ({status}) on {}:\n{}",
        lib.display(),
        &stderr[stderr.len().saturating_sub(4000)..]
    );
    serde_json::from_str(stdout.trim()).expect("index json")
}

/// Failures listed by `status --json`: lossy path -> reason.
fn failures(data: &Path) -> HashMap<String, String> {
    let out = lookalike_ok(data, &["status", "--json"]);
    let st: Value = serde_json::from_str(&out).expect("status json");
    st["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["reason"].as_str().expect("reason").to_string(),
            )
        })
        .collect()
}

/// Indexed paths (lossy), read from the catalog.
fn indexed(data: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open_with_flags(
        data.join("catalog.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open catalog");
    let mut stmt = conn
        .prepare("SELECT path FROM photos WHERE error IS NULL")
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .expect("query");
    rows.map(|r| lossy_bytes(&r.expect("row"))).collect()
}

#[cfg(unix)]
fn lossy_bytes(b: &[u8]) -> String {
    use std::os::unix::ffi::OsStrExt;
    Path::new(OsStr::from_bytes(b))
        .to_string_lossy()
        .into_owned()
}

#[cfg(not(unix))]
fn lossy_bytes(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn generated_hostile_files_are_indexed_or_refused_with_a_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = match std::env::var_os("LOOKALIKE_HOSTILE_OUT") {
        Some(d) => PathBuf::from(d),
        None => tmp.path().join("lib"),
    };
    let data = tmp.path().join("data");
    let mut files = hostile_files();
    files.extend(non_utf8_files());
    files.extend(own_format_files());
    for (rel, bytes, _) in &files {
        let p = lib.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
    }
    // A symlink loop and a dangling link must not disturb the walk.
    #[cfg(unix)]
    {
        let _ = std::os::unix::fs::symlink(&lib, lib.join("names/loop"));
        let _ = std::os::unix::fs::symlink(lib.join("nowhere.jpg"), lib.join("names/dangling.jpg"));
    }
    let lib = lib.canonicalize().expect("canon");
    let report = index_bounded(&data, &lib, Duration::from_secs(300));
    let failed = failures(&data);
    let ok: Vec<String> = indexed(&data);
    let mut problems = Vec::new();
    for (rel, _, expect) in &files {
        let p = lib.join(rel).to_string_lossy().into_owned();
        let is_indexed = ok.contains(&p);
        let reason = failed.get(&p);
        let fine = match expect {
            Expect::Indexed => is_indexed,
            Expect::Refused(why) => {
                !is_indexed
                    && reason.is_some_and(|r| r.to_lowercase().contains(&why.to_lowercase()))
            }
            Expect::Either => is_indexed || reason.is_some_and(|r| !r.is_empty()),
            Expect::Ignored => !is_indexed && reason.is_none(),
        };
        if !fine {
            problems.push(format!(
                "{}: expected {expect:?}, got {}",
                rel.display(),
                if is_indexed {
                    "indexed".to_string()
                } else {
                    format!("{reason:?}")
                }
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nreport: {report}",
        problems.join("\n")
    );
    // Refusal reasons are for a person: one line, no debug noise.
    for (p, r) in &failed {
        assert!(
            !r.is_empty() && !r.contains('\n') && r.len() < 300,
            "{p}: {r:?}"
        );
    }
    // Running again changes nothing and re-reads nothing.
    let again = index_bounded(&data, &lib, Duration::from_secs(120));
    assert_eq!(again["embedded"].as_u64(), Some(0), "{again}");
    assert_eq!(again["failed"].as_u64(), Some(0), "{again}");
}

/// Unreadable files and folders. Root ignores permission bits, so there this test has nothing
/// to check and says so.
#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    write_library(&lib, 2);
    let locked_file = lib.join("locked.jpg");
    save_jpeg(&scene(3, 64, 64), &locked_file, 80);
    let locked_dir = lib.join("private");
    std::fs::create_dir_all(&locked_dir).expect("mkdir");
    save_jpeg(&scene(4, 64, 64), &locked_dir.join("inside.jpg"), 80);
    std::fs::set_permissions(&locked_file, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&locked_file).is_ok() {
        eprintln!("skipped: running as root, permission bits do not stop reads");
        std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        return;
    }
    let out = lookalike(
        &data,
        &["index".as_ref(), lib.as_os_str(), "--json".as_ref()],
    );
    std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&locked_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let failed = failures(&data);
    let reason = failed
        .get(
            locked_file
                .canonicalize()
                .expect("canon")
                .to_str()
                .expect("utf8"),
        )
        .expect("locked file listed");
    assert!(reason.contains("cannot read"), "{reason}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("private"), "{err}");
}

/// Files deleted while indexing runs are skipped without a failure record, and are indexed
/// when they come back.
#[test]
fn files_vanishing_during_a_scan_are_skipped_and_come_back() {
    use lookalike::core::embed::descriptor::Descriptor;
    use lookalike::core::library::Library;
    use lookalike::core::progress::{CancelFlag, Progress, ProgressUpdate};
    use std::sync::Mutex;

    struct Vanish {
        victims: Mutex<Vec<PathBuf>>,
        parked: PathBuf,
    }
    impl Progress for Vanish {
        fn update(&self, u: ProgressUpdate) {
            // Once the walk is over, move the victims away before they are read.
            if u.stage == "scanning" || u.stage == "indexing" {
                let mut v = self.victims.lock().expect("lock");
                for p in v.drain(..) {
                    let _ = std::fs::rename(&p, self.parked.join(p.file_name().expect("name")));
                }
            }
        }
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let parked = tmp.path().join("parked");
    std::fs::create_dir_all(&parked).expect("mkdir");
    let paths = write_library(&lib, 300);
    // Every file whose name sorts late: likely not yet read when the first update comes.
    let victims: Vec<PathBuf> = paths[250..].to_vec();
    let mut library = Library::open(Some(tmp.path().join("data"))).expect("open");
    let d = Descriptor::new();
    let progress = Vanish {
        victims: Mutex::new(victims.clone()),
        parked: parked.clone(),
    };
    let r = library
        .index(
            std::slice::from_ref(&lib),
            "descriptor",
            &[&d],
            0,
            &progress,
            &CancelFlag::new(),
        )
        .expect("index");
    let (photos, failed) = library.catalog.counts().expect("counts");
    assert_eq!(
        failed, 0,
        "vanished files must not be recorded as failed: {r:?}"
    );
    assert_eq!(photos, 250, "{r:?}");
    // They come back: the next run indexes them.
    for p in &victims {
        std::fs::rename(parked.join(p.file_name().expect("name")), p).expect("restore");
    }
    library
        .index(
            std::slice::from_ref(&lib),
            "descriptor",
            &[&d],
            0,
            &lookalike::core::progress::NoProgress,
            &CancelFlag::new(),
        )
        .expect("index again");
    let (photos, failed) = library.catalog.counts().expect("counts");
    assert_eq!((photos, failed), (300, 0));
}

/// The public corpus (tools/fetch_corpus.sh), when present: no crash, no hang, every file our
/// decoder reads is indexed, every other image listed with a reason.
#[test]
fn public_corpus_when_present() {
    let Some(dir) = std::env::var_os("LOOKALIKE_CORPUS_DIR") else {
        eprintln!("skipped: set LOOKALIKE_CORPUS_DIR to a folder filled by tools/fetch_corpus.sh");
        return;
    };
    let corpus = PathBuf::from(dir).canonicalize().expect("corpus dir");
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let report = index_bounded(&data, &corpus, Duration::from_secs(1200));
    let failed = failures(&data);
    let ok = indexed(&data);
    let mut files = Vec::new();
    let mut stack = vec![corpus.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let ft = e.file_type().expect("type");
            let hidden = e.file_name().as_encoded_bytes().first() == Some(&b'.');
            if hidden || ft.is_symlink() {
                continue;
            }
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() && lookalike::core::scan::may_be_image(&e.path()) {
                files.push(e.path());
            }
        }
    }
    let (mut decodable, mut missed) = (0usize, Vec::new());
    for f in &files {
        let key = f.to_string_lossy().into_owned();
        let bytes = std::fs::read(f).expect("read");
        let Some(format) = image_io::sniff_file(&bytes, f) else {
            continue;
        };
        let ours = image_io::decode_bounded_as(bytes, format, 224, Duration::from_secs(60));
        if ours.is_ok() {
            decodable += 1;
            if !ok.contains(&key) {
                missed.push(format!("{key}: {:?}", failed.get(&key)));
            }
        } else {
            let reason = failed.get(&key);
            assert!(
                ok.contains(&key) || reason.is_some_and(|r| !r.is_empty()),
                "{key}: not indexed and not listed with a reason"
            );
        }
    }
    eprintln!(
        "public corpus: {} files, {} indexed, {} refused, {decodable} decodable in-process",
        files.len(),
        ok.len(),
        failed.len()
    );
    assert!(
        missed.is_empty(),
        "decodable but not indexed:\n{}\n{report}",
        missed.join("\n")
    );
}
