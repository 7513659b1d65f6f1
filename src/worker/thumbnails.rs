//! A small pool of threads that decodes thumbnails (and previews) of what the UI shows.
//!
//! The UI says what it wants each frame with [`ThumbnailPool::want`]; that replaces the queue, so
//! photos scrolled out of view are never decoded. Thumbnails (not previews) are cached on disk in
//! the data dir's `thumbs/` folder, keyed by a hash of path, file size, mtime and side, and written
//! atomically. Results come back as plain RGB pixels; the UI uploads them as textures.

use super::Waker;
use crate::core::image_io;
use crate::core::thumb_cache;
use crossbeam_channel::{Receiver, SendTimeoutError, Sender};
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest side of grid thumbnails, cached on disk.
pub use crate::core::thumb_cache::THUMB_SIDE_PX;
/// Longest side of preview images (not cached).
pub const PREVIEW_SIDE_PX: u32 = 2048;
/// Results waiting for the UI.
const RESULT_CAPACITY: usize = 64;
/// Most requests kept in the queue.
const MAX_QUEUE: usize = 512;

/// What to decode: a file at a given longest side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThumbKey {
    /// The photo file.
    pub path: PathBuf,
    /// Longest side in pixels ([`THUMB_SIDE_PX`] or [`PREVIEW_SIDE_PX`]).
    pub side_px: u32,
}

impl ThumbKey {
    /// A grid thumbnail of `path`.
    pub fn thumb(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            side_px: THUMB_SIDE_PX,
        }
    }
    /// A large preview of `path`.
    pub fn preview(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            side_px: PREVIEW_SIDE_PX,
        }
    }
}

/// Decoded pixels of one thumbnail.
#[derive(Debug, Clone)]
pub struct ThumbPixels {
    /// Width and height.
    pub size: [usize; 2],
    /// Packed RGB, row-major.
    pub rgb: Vec<u8>,
}

/// One finished request.
#[derive(Debug, Clone)]
pub struct ThumbResult {
    /// What was asked.
    pub key: ThumbKey,
    /// The pixels, or why they could not be made.
    pub pixels: Result<ThumbPixels, String>,
}

#[derive(Default)]
struct Queue {
    wanted: VecDeque<ThumbKey>,
    in_flight: HashSet<ThumbKey>,
    shutdown: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The decoding threads and their result queue.
pub struct ThumbnailPool {
    shared: Arc<Shared>,
    results: Receiver<ThumbResult>,
    threads: Vec<JoinHandle<()>>,
}

impl ThumbnailPool {
    /// Start `threads` decoders caching into `cache_dir`.
    pub fn new(cache_dir: PathBuf, threads: usize, waker: Waker) -> Self {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        let (tx, rx) = crossbeam_channel::bounded(RESULT_CAPACITY);
        let threads = (0..threads.clamp(1, 4))
            .filter_map(|i| {
                let (shared, tx, waker, dir) =
                    (shared.clone(), tx.clone(), waker.clone(), cache_dir.clone());
                std::thread::Builder::new()
                    .name(format!("lookalike-thumb-{i}"))
                    .spawn(move || decode_loop(&shared, &tx, &waker, &dir))
                    .ok()
            })
            .collect();
        Self {
            shared,
            results: rx,
            threads,
        }
    }

    /// Replace the queue with `keys`, most important first. Keys being decoded are skipped.
    pub fn want(&self, keys: Vec<ThumbKey>) {
        let mut q = self.shared.lock();
        let in_flight = &q.in_flight;
        let wanted: VecDeque<ThumbKey> = keys
            .into_iter()
            .filter(|k| !in_flight.contains(k))
            .take(MAX_QUEUE)
            .collect();
        let any = !wanted.is_empty();
        q.wanted = wanted;
        drop(q);
        if any {
            self.shared.ready.notify_all();
        }
    }

    /// A finished thumbnail, if one is waiting.
    pub fn try_recv(&self) -> Option<ThumbResult> {
        self.results.try_recv().ok()
    }
}

impl Drop for ThumbnailPool {
    fn drop(&mut self) {
        self.shared.lock().shutdown = true;
        self.shared.ready.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn decode_loop(shared: &Shared, tx: &Sender<ThumbResult>, waker: &Waker, cache_dir: &Path) {
    loop {
        let key = {
            let mut q = shared.lock();
            loop {
                if q.shutdown {
                    return;
                }
                if let Some(k) = q.wanted.pop_front() {
                    q.in_flight.insert(k.clone());
                    break k;
                }
                q = shared.ready.wait(q).unwrap_or_else(|p| p.into_inner());
            }
        };
        let pixels = make(&key, cache_dir);
        let mut result = ThumbResult {
            key: key.clone(),
            pixels,
        };
        // Wait for room, but give up when the pool is shutting down.
        loop {
            match tx.send_timeout(result, Duration::from_millis(100)) {
                Ok(()) => break,
                Err(SendTimeoutError::Timeout(r)) => {
                    if shared.lock().shutdown {
                        return;
                    }
                    result = r;
                }
                Err(SendTimeoutError::Disconnected(_)) => return,
            }
        }
        shared.lock().in_flight.remove(&key);
        waker();
    }
}

/// Why a thumbnail is not shown when the photo's file is not there.
pub const MISSING: &str = "the file is not there (moved, deleted, or its drive is unplugged)";

/// Load from the disk cache, or decode the photo (and fill the cache).
fn make(key: &ThumbKey, cache_dir: &Path) -> Result<ThumbPixels, String> {
    let meta = std::fs::metadata(&key.path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => MISSING.to_string(),
        _ => format!("cannot read file: {e}"),
    })?;
    let cacheable = key.side_px <= THUMB_SIDE_PX;
    let cached = cacheable.then(|| {
        thumb_cache::path(
            cache_dir,
            &key.path,
            meta.len(),
            crate::core::scan::mtime_ns(&meta),
            key.side_px,
        )
    });
    if let Some(rgb) = cached.as_deref().and_then(thumb_cache::load) {
        return Ok(ThumbPixels::from(rgb));
    }
    let decoded =
        crate::core::video::decode_file(&key.path, key.side_px).map_err(|e| e.to_string())?;
    let small = image_io::fit_within(&decoded.image, key.side_px);
    if let Some(p) = &cached {
        // A failed cache write only costs a decode next time.
        thumb_cache::store(p, &small);
    }
    Ok(ThumbPixels::from(small))
}

impl From<image::RgbImage> for ThumbPixels {
    fn from(img: image::RgbImage) -> Self {
        let size = [img.width() as usize, img.height() as usize];
        Self {
            size,
            rgb: img.into_raw(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_are_cached_on_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let photo = dir.path().join("p.png");
        image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        })
        .save(&photo)
        .expect("save");
        let cache = dir.path().join("thumbs");
        let key = ThumbKey::thumb(&photo);
        let first = make(&key, &cache).expect("decode");
        assert_eq!(first.size, [320, 240]);
        assert_eq!(std::fs::read_dir(&cache).expect("cache dir").count(), 1);
        let again = make(&key, &cache).expect("cached");
        assert_eq!(again.size, [320, 240]);
    }
}
