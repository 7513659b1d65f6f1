//! The on-disk thumbnail cache (`thumbs/` in the data dir): small JPEGs keyed by a hash of the
//! photo's path, size, mtime and the thumbnail side, so an edited or replaced file gets a new
//! one. The indexer fills it from the pixels it has already decoded for embedding (a 12 MP JPEG
//! is then never decoded a second time to browse it); the GUI's thumbnail pool reads it and
//! fills what is missing.

use crate::core::catalog::path_to_bytes;
use crate::core::image_io::{self, Decoded};
use image::RgbImage;
use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Longest side of grid thumbnails (px).
pub const THUMB_SIDE_PX: u32 = 320;
/// JPEG quality of cached thumbnails.
const QUALITY: u8 = 85;

/// The cache file of a `side_px` thumbnail of `photo` (with this size and mtime) in `dir`.
pub fn path(dir: &Path, photo: &Path, size: u64, mtime_ns: i64, side_px: u32) -> PathBuf {
    let mut h = blake3::Hasher::new();
    h.update(&path_to_bytes(photo));
    h.update(&size.to_le_bytes());
    h.update(&mtime_ns.to_le_bytes());
    h.update(&side_px.to_le_bytes());
    let hex = h.finalize().to_hex();
    dir.join(format!("{}.jpg", &hex.as_str()[..32]))
}

/// Read a cached thumbnail, if there is a readable one.
pub fn load(file: &Path) -> Option<RgbImage> {
    let bytes = std::fs::read(file).ok()?;
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
        .ok()
        .map(|i| i.to_rgb8())
}

/// Write `thumb` as `file` (temp file + rename: a reader never sees half a JPEG). Not synced to
/// disk: a thumbnail lost in a power cut is only decoded again. Errors are ignored for the same
/// reason (a full or read-only data dir only costs decoding later).
pub fn store(file: &Path, thumb: &RgbImage) -> bool {
    // jpeg-encoder (SIMD, 4:2:0): 0.37 ms for a 320x240 thumbnail against 1.7 ms with image's
    // encoder, and a third smaller.
    let (Ok(w), Ok(h)) = (u16::try_from(thumb.width()), u16::try_from(thumb.height())) else {
        return false;
    };
    let mut jpeg = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut jpeg, QUALITY);
    if enc
        .encode(thumb.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .is_err()
    {
        return false;
    }
    let Some(dir) = file.parent() else {
        return false;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return false;
    }
    let tmp = file.with_extension(format!("jpg.{}.tmp", std::process::id()));
    if std::fs::write(&tmp, &jpeg).is_err() || std::fs::rename(&tmp, file).is_err() {
        let _ = std::fs::remove_file(&tmp);
        return false;
    }
    true
}

/// Cache the grid thumbnail of `photo` from pixels decoded for embedding, when they are large
/// enough to make the same thumbnail the GUI would (or are the whole photo). True when written
/// or already there.
pub fn store_from_decoded(
    dir: &Path,
    photo: &Path,
    size: u64,
    mtime_ns: i64,
    decoded: &Decoded,
) -> bool {
    let long = decoded.image.width().max(decoded.image.height());
    let full_long = decoded.width.max(decoded.height);
    if long < THUMB_SIDE_PX && long < full_long {
        return false;
    }
    let file = path(dir, photo, size, mtime_ns, THUMB_SIDE_PX);
    if file.exists() {
        return true;
    }
    store(&file, &image_io::fit_within(&decoded.image, THUMB_SIDE_PX))
}

/// Temp files older than this are left over from a killed process.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// Deletes the cached thumbnails that belong to none of `photos` (path, size, mtime): those of
/// deleted, moved and edited photos, which are never shown again. Temp files are removed once
/// they are an hour old (a live writer renames its own within milliseconds). Files that are not
/// the cache's own are left alone. Returns how many files were removed.
pub fn prune<'a>(dir: &Path, photos: impl IntoIterator<Item = (&'a Path, u64, i64)>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let keep: HashSet<OsString> = photos
        .into_iter()
        .filter_map(|(p, size, mtime)| {
            path(dir, p, size, mtime, THUMB_SIDE_PX)
                .file_name()
                .map(OsString::from)
        })
        .collect();
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(text) = name.to_str() else { continue };
        let stale = if let Some(hex) = text.strip_suffix(".jpg") {
            is_cache_name(hex) && !keep.contains(&name)
        } else {
            // `<hash>.jpg.<pid>.tmp`
            text.ends_with(".tmp")
                && text.split('.').next().is_some_and(is_cache_name)
                && entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > STALE_TEMP)
        };
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The 32 lowercase hex digits `path` names cache files with.
fn is_cache_name(stem: &str) -> bool {
    stem.len() == 32 && stem.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(w: u32, h: u32, full: (u32, u32)) -> Decoded {
        Decoded {
            image: RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 3) as u8, (y * 5) as u8, 60])),
            width: full.0,
            height: full.1,
            format: "jpeg",
            orientation: 1,
        }
    }

    #[test]
    fn large_enough_pixels_become_the_grid_thumbnail() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("thumbs");
        let photo = Path::new("/photos/a.jpg");
        // A 4000x3000 photo decoded at 1/8: 500x375 -> a 320x240 thumbnail.
        assert!(store_from_decoded(
            &dir,
            photo,
            10,
            20,
            &decoded(500, 375, (4000, 3000))
        ));
        let file = path(&dir, photo, 10, 20, THUMB_SIDE_PX);
        let thumb = load(&file).expect("cached");
        assert_eq!(thumb.dimensions(), (320, 240));
        // Another size or mtime is another file (an edited photo is not shown stale).
        assert_ne!(file, path(&dir, photo, 10, 21, THUMB_SIDE_PX));
        // Too small a decode of a large photo would make a blurry thumbnail: left to the GUI.
        let photo2 = Path::new("/photos/b.jpg");
        assert!(!store_from_decoded(
            &dir,
            photo2,
            1,
            1,
            &decoded(300, 225, (2400, 1800))
        ));
        // A small photo decoded whole is its own thumbnail.
        assert!(store_from_decoded(
            &dir,
            photo2,
            1,
            1,
            &decoded(64, 48, (64, 48))
        ));
        let no_temp_files = std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .all(|e| e.path().extension().is_some_and(|x| x == "jpg"));
        assert!(no_temp_files);
    }

    #[test]
    fn prune_removes_thumbnails_of_gone_and_edited_photos_only() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("thumbs");
        let full = |w, h| decoded(w, h, (w, h));
        let (kept, gone) = (Path::new("/photos/kept.jpg"), Path::new("/photos/gone.jpg"));
        assert!(store_from_decoded(&dir, kept, 10, 1, &full(64, 48)));
        assert!(store_from_decoded(&dir, kept, 10, 2, &full(64, 48))); // then edited
        assert!(store_from_decoded(&dir, gone, 10, 1, &full(64, 48)));
        std::fs::write(dir.join("notes.txt"), b"not ours").expect("write");
        let fresh_temp = dir.join(format!("{}.jpg.77.tmp", "a".repeat(32)));
        std::fs::write(&fresh_temp, b"being written").expect("write");

        assert_eq!(prune(&dir, [(kept, 10, 2)]), 2);
        assert!(load(&path(&dir, kept, 10, 2, THUMB_SIDE_PX)).is_some());
        assert!(!path(&dir, kept, 10, 1, THUMB_SIDE_PX).exists());
        assert!(!path(&dir, gone, 10, 1, THUMB_SIDE_PX).exists());
        assert!(dir.join("notes.txt").exists());
        assert!(fresh_temp.exists(), "a temp file in use is left alone");
        assert_eq!(prune(&dir, [(kept, 10, 2)]), 0);
        assert_eq!(prune(&tmp.path().join("absent"), [(kept, 10, 2)]), 0);
    }
}
