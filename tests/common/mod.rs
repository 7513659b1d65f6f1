//! Shared fixtures for integration tests: photo-like images drawn by code, their edits, and a
//! helper to run the `lookalike` binary.
#![allow(dead_code)]

pub mod exif;
pub mod raw;

use image::{ImageEncoder, Rgb, RgbImage};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A deterministic photo-like scene: sky/ground gradients, a few blobs and stripes, texture noise.
pub fn scene(seed: u32, w: u32, h: u32) -> RgbImage {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(12345);
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        (s % 10_000) as f32 / 10_000.0
    };
    let sky = [rnd() * 255.0, rnd() * 255.0, rnd() * 255.0];
    let ground = [rnd() * 255.0, rnd() * 255.0, rnd() * 255.0];
    let horizon = 0.3 + 0.4 * rnd();
    let blobs: Vec<(f32, f32, f32, [f32; 3])> = (0..5)
        .map(|_| {
            (
                rnd(),
                rnd(),
                0.05 + 0.15 * rnd(),
                [rnd() * 255.0, rnd() * 255.0, rnd() * 255.0],
            )
        })
        .collect();
    let freq = 3.0 + 20.0 * rnd();
    let angle = rnd() * std::f32::consts::PI;
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let base = if fy < horizon { sky } else { ground };
        let shade = if fy < horizon {
            0.6 + 0.4 * fy / horizon
        } else {
            1.0 - 0.5 * (fy - horizon)
        };
        let mut c = [base[0] * shade, base[1] * shade, base[2] * shade];
        for (bx, by, r, col) in &blobs {
            let d = ((fx - bx).powi(2) + (fy - by).powi(2) * (h as f32 / w as f32).powi(2)).sqrt();
            if d < *r {
                let a = 1.0 - d / r;
                for i in 0..3 {
                    c[i] = c[i] * (1.0 - a) + col[i] * a;
                }
            }
        }
        let stripe =
            ((fx * angle.cos() + fy * angle.sin()) * freq * std::f32::consts::TAU).sin() * 18.0;
        let noise = (((x * 7 + y * 13) ^ (x * y)) % 17) as f32 - 8.0;
        Rgb([
            (c[0] + stripe + noise).clamp(0.0, 255.0) as u8,
            (c[1] + stripe + noise).clamp(0.0, 255.0) as u8,
            (c[2] - stripe + noise).clamp(0.0, 255.0) as u8,
        ])
    })
}

/// Save as JPEG with a quality.
pub fn save_jpeg(img: &RgbImage, path: &Path, quality: u8) {
    let f = std::fs::File::create(path).expect("create jpeg");
    let enc =
        image::codecs::jpeg::JpegEncoder::new_with_quality(std::io::BufWriter::new(f), quality);
    enc.write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )
    .expect("encode jpeg");
}

/// Save as JPEG carrying an EXIF Orientation tag.
pub fn save_jpeg_with_orientation(img: &RgbImage, path: &Path, orientation: u16) {
    let f = std::fs::File::create(path).expect("create jpeg");
    let mut enc =
        image::codecs::jpeg::JpegEncoder::new_with_quality(std::io::BufWriter::new(f), 90);
    // Minimal little-endian TIFF: one IFD with one entry (0x0112 Orientation, SHORT, 1).
    let mut exif = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0];
    exif.extend(0x0112u16.to_le_bytes());
    exif.extend(3u16.to_le_bytes());
    exif.extend(1u32.to_le_bytes());
    exif.extend(orientation.to_le_bytes());
    exif.extend([0, 0]);
    exif.extend(0u32.to_le_bytes());
    enc.set_exif_metadata(exif).expect("exif");
    enc.write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )
    .expect("encode jpeg");
}

/// The typical edits a library holds of one photo, written next to each other.
pub fn write_edits(img: &RgbImage, dir: &Path, stem: &str) -> Vec<PathBuf> {
    let (w, h) = img.dimensions();
    let mut out = Vec::new();
    let p = dir.join(format!("{stem}_resized.jpg"));
    save_jpeg(
        &image::imageops::resize(img, w / 3, h / 3, image::imageops::FilterType::Triangle),
        &p,
        60,
    );
    out.push(p);
    let p = dir.join(format!("{stem}_crop80.jpg"));
    save_jpeg(
        &image::imageops::crop_imm(img, w / 10, h / 10, w * 8 / 10, h * 8 / 10).to_image(),
        &p,
        85,
    );
    out.push(p);
    let p = dir.join(format!("{stem}_bright.jpg"));
    save_jpeg(&image::imageops::brighten(img, 30), &p, 88);
    out.push(p);
    let p = dir.join(format!("{stem}_gray.png"));
    image::DynamicImage::ImageLuma8(image::imageops::grayscale(img))
        .save(&p)
        .expect("gray");
    out.push(p);
    let p = dir.join(format!("{stem}_caption.jpg"));
    let mut cap = img.clone();
    for y in h * 85 / 100..h {
        for x in 0..w {
            cap.put_pixel(x, y, Rgb([20, 20, 20]));
        }
    }
    save_jpeg(&cap, &p, 88);
    out.push(p);
    let p = dir.join(format!("{stem}_exif6.jpg"));
    // Stored sideways (rotated 90° counter-clockwise) with a tag saying "rotate 90° CW to display".
    save_jpeg_with_orientation(&image::imageops::rotate270(img), &p, 6);
    out.push(p);
    out
}

/// Run the CLI with a data dir; returns the output (does not assert success).
pub fn lookalike(data_dir: &Path, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lookalike"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .expect("run lookalike")
}

/// Run the CLI and require success; returns stdout.
pub fn lookalike_ok(data_dir: &Path, args: &[&str]) -> String {
    let os: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    let out = lookalike(data_dir, &os);
    assert!(
        out.status.success(),
        "lookalike {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run the CLI, require success, and parse what it printed as JSON.
pub fn lookalike_json(data_dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(lookalike_ok(data_dir, args).trim()).expect("json output")
}

/// Index `lib` with the model-free descriptor (fast: what most tests need); returns stdout.
pub fn index_descriptor(data_dir: &Path, lib: &Path) -> String {
    lookalike_ok(
        data_dir,
        &[
            "index",
            lib.to_str().expect("utf8"),
            "--model",
            "descriptor",
        ],
    )
}

/// A library of `n` distinct scenes (JPEG, 480x360) in `dir`.
pub fn write_library(dir: &Path, n: u32) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("mkdir");
    (0..n)
        .map(|i| {
            let p = dir.join(format!("scene{i:03}.jpg"));
            save_jpeg(&scene(i + 100, 480, 360), &p, 90);
            p
        })
        .collect()
}

/// `n` unit vectors of `dim` values in clusters of `per_cluster` around random centres (noise
/// 0.3 per value before normalising), deterministic for `seed` (xorshift, never zero).
pub fn clustered_unit_vectors(
    n: usize,
    dim: usize,
    per_cluster: usize,
    seed: u64,
) -> Vec<Vec<f32>> {
    let mut seed = seed;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f32 / (1u64 << 53) as f32 - 0.5
    };
    let centres: Vec<Vec<f32>> = (0..n.div_ceil(per_cluster))
        .map(|_| (0..dim).map(|_| rnd()).collect())
        .collect();
    (0..n)
        .map(|i| {
            let mut v: Vec<f32> = centres[i % centres.len()]
                .iter()
                .map(|x| x + 0.3 * rnd())
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= norm);
            v
        })
        .collect()
}

/// The exact `k` nearest of `q` among the `live` vectors (photo id -> unit vector), best first
/// (ties by id).
pub fn exact_top(live: &std::collections::HashMap<i64, Vec<f32>>, q: &[f32], k: usize) -> Vec<i64> {
    let mut all: Vec<(f32, i64)> = live
        .iter()
        .map(|(id, v)| (lookalike::core::index::dot(v, q), *id))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(k).map(|x| x.1).collect()
}

/// The current dump folder of `embedder`'s index in `index_dir`.
pub fn dump_dir(index_dir: &Path, embedder: &str) -> PathBuf {
    let sub = std::fs::read_to_string(index_dir.join(format!("{embedder}.current"))).expect("ptr");
    index_dir.join(sub.trim())
}

/// The files in the current dump folder of `embedder`'s index in `index_dir`, sorted.
pub fn dump_files(index_dir: &Path, embedder: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dump_dir(index_dir, embedder))
        .expect("dump dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
