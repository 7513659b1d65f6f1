//! GPU textures of thumbnails and previews: uploaded a few per frame, bounded by an LRU.

use crate::worker::thumbnails::{ThumbKey, ThumbResult, ThumbnailPool};
use egui::{ColorImage, Context, TextureHandle, TextureOptions};
use std::collections::{HashMap, VecDeque};

/// GPU memory kept for textures at most: about 800 grid thumbnails (320 px, ~300 KB each), or
/// fewer when large previews (up to 2048 px, ~16 MB each) are among them.
pub const MAX_TEXTURE_BYTES: usize = 256 * 1024 * 1024;
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
    bytes: usize,
    last_used: u64,
}

/// The texture LRU plus decoded pixels waiting for upload.
pub struct TextureCache {
    entries: HashMap<ThumbKey, Entry>,
    failed: HashMap<ThumbKey, String>,
    staged: VecDeque<ThumbResult>,
    frame: u64,
    bytes: usize,
    budget_bytes: usize,
}

impl Default for TextureCache {
    fn default() -> Self {
        Self::new(MAX_TEXTURE_BYTES)
    }
}

impl TextureCache {
    /// A cache holding at most `budget_bytes` of texture memory (textures used in the current
    /// frame are always kept).
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            entries: HashMap::new(),
            failed: HashMap::new(),
            staged: VecDeque::new(),
            frame: 0,
            bytes: 0,
            budget_bytes,
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
                    let bytes = p.size[0] * p.size[1] * 4;
                    self.bytes += bytes;
                    let entry = Entry {
                        texture,
                        bytes,
                        last_used: self.frame,
                    };
                    if let Some(old) = self.entries.insert(r.key, entry) {
                        self.bytes -= old.bytes;
                    }
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

    /// Bytes of texture memory held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Drop the least recently used textures beyond the budget (never those used in the last
    /// frame, which are on screen).
    fn evict(&mut self) {
        if self.bytes <= self.budget_bytes {
            return;
        }
        let mut by_age: Vec<(u64, ThumbKey)> = self
            .entries
            .iter()
            .filter(|(_, e)| e.last_used + 1 < self.frame)
            .map(|(k, e)| (e.last_used, k.clone()))
            .collect();
        by_age.sort_unstable_by_key(|(t, _)| *t);
        for (_, k) in by_age {
            if self.bytes <= self.budget_bytes {
                break;
            }
            if let Some(e) = self.entries.remove(&k) {
                self.bytes -= e.bytes;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::thumbnails::ThumbPixels;
    use std::path::PathBuf;

    fn staged(name: &str) -> ThumbResult {
        ThumbResult {
            key: ThumbKey::thumb(&PathBuf::from(name)),
            pixels: Ok(ThumbPixels {
                size: [10, 10],
                rgb: vec![128; 300],
            }),
        }
    }

    #[test]
    fn lru_keeps_the_byte_budget_and_what_is_on_screen() {
        let ctx = egui::Context::default();
        // Room for two 10x10 textures (400 bytes each).
        let mut cache = TextureCache::new(900);
        for (frame, name) in ["a", "b", "c", "d"].iter().enumerate() {
            cache.frame = frame as u64 * 10;
            cache.staged.push_back(staged(name));
            cache.upload(&ctx, 4);
        }
        assert!(cache.bytes() <= 900, "{} bytes held", cache.bytes());
        assert!(matches!(
            cache.get(&ThumbKey::thumb(&PathBuf::from("d"))),
            TexState::Ready(_)
        ));
        assert!(matches!(
            cache.get(&ThumbKey::thumb(&PathBuf::from("a"))),
            TexState::Missing
        ));
    }
}
