//! GPU textures of thumbnails and previews: uploaded a few per frame, bounded by an LRU.

use crate::worker::thumbnails::{ThumbKey, ThumbResult, ThumbnailPool};
use egui::{ColorImage, Context, TextureHandle, TextureOptions};
use std::collections::{HashMap, VecDeque};

/// Textures kept at most (320 px thumbnails: about 300 KB each).
pub const MAX_TEXTURES: usize = 400;
/// Failure reasons remembered at most.
const MAX_FAILED: usize = 2000;

/// What the cache knows about one key.
pub enum TexState<'a> {
    /// Ready to draw.
    Ready(&'a TextureHandle),
    /// Could not be decoded.
    Failed(&'a str),
    /// Not loaded yet.
    Missing,
}

struct Entry {
    texture: TextureHandle,
    last_used: u64,
}

/// The texture LRU plus decoded pixels waiting for upload.
pub struct TextureCache {
    entries: HashMap<ThumbKey, Entry>,
    failed: HashMap<ThumbKey, String>,
    staged: VecDeque<ThumbResult>,
    frame: u64,
    capacity: usize,
}

impl Default for TextureCache {
    fn default() -> Self {
        Self::new(MAX_TEXTURES)
    }
}

impl TextureCache {
    /// A cache holding at most `capacity` textures.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            failed: HashMap::new(),
            staged: VecDeque::new(),
            frame: 0,
            capacity: capacity.max(16),
        }
    }

    /// Look up a key and mark it used this frame.
    pub fn get(&mut self, key: &ThumbKey) -> TexState<'_> {
        let frame = self.frame;
        if let Some(e) = self.entries.get_mut(key) {
            e.last_used = frame;
            return TexState::Ready(&e.texture);
        }
        match self.failed.get(key) {
            Some(reason) => TexState::Failed(reason),
            None => TexState::Missing,
        }
    }

    /// Whether the key is loaded, failed, or waiting for upload (so it need not be requested).
    pub fn is_known(&self, key: &ThumbKey) -> bool {
        self.entries.contains_key(key)
            || self.failed.contains_key(key)
            || self.staged.iter().any(|r| &r.key == key)
    }

    /// Number of textures held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no texture is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forget failures (e.g. after a rescan a file may have been fixed).
    pub fn clear_failures(&mut self) {
        self.failed.clear();
    }

    /// Start a frame: take finished thumbnails from the pool into the staging queue.
    pub fn begin_frame(&mut self, pool: &ThumbnailPool) {
        self.frame += 1;
        while let Some(r) = pool.try_recv() {
            self.staged.push_back(r);
        }
    }

    /// Upload at most `max` staged thumbnails; true when more are waiting.
    pub fn upload(&mut self, ctx: &Context, max: usize) -> bool {
        for _ in 0..max {
            let Some(r) = self.staged.pop_front() else {
                break;
            };
            match r.pixels {
                Ok(p) => {
                    let image = ColorImage::from_rgb(p.size, &p.rgb);
                    let name = format!("thumb:{}:{}", r.key.side_px, r.key.path.display());
                    let texture = ctx.load_texture(name, image, TextureOptions::LINEAR);
                    self.entries.insert(
                        r.key,
                        Entry {
                            texture,
                            last_used: self.frame,
                        },
                    );
                }
                Err(reason) => {
                    if self.failed.len() >= MAX_FAILED {
                        self.failed.clear();
                    }
                    self.failed.insert(r.key, reason);
                }
            }
        }
        self.evict();
        !self.staged.is_empty()
    }

    /// Drop the least recently used textures beyond capacity (never those used this frame).
    fn evict(&mut self) {
        if self.entries.len() <= self.capacity {
            return;
        }
        let mut by_age: Vec<(u64, ThumbKey)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.last_used + 1 < self.frame)
            .map(|(k, e)| (e.last_used, k.clone()))
            .collect();
        by_age.sort_unstable_by_key(|(t, _)| *t);
        let excess = self.entries.len() - self.capacity;
        for (_, k) in by_age.into_iter().take(excess) {
            self.entries.remove(&k);
        }
    }
}
