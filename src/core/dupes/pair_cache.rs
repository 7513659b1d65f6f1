//! Results of pixel checks kept between scans, keyed by the two photos' content hashes, so a
//! library is pixel-checked once: indexing warms the cache, and a later `dupes` (or the GUI's
//! Duplicates view) only checks pairs it has not seen. Derived data: a missing, foreign or
//! corrupt file is an empty cache, never an error.

use super::pixel_check::PixelMatch;
use super::symmetry::Symmetry;
use crate::core::catalog::FastHash;
use crate::core::datadir::write_atomic;
use crate::core::error::Result;
use std::collections::{HashMap, HashSet};
use std::path::Path;
const MAGIC: &[u8; 8] = b"LKPAIRS1";
/// Bump when the pixel check changes what it measures: old results are then discarded.
const ALIGN_VERSION: u32 = 2;
const ENTRY: usize = 8 + 8 + 1 + 20;

/// A cache key: the first 8 bytes of each content hash (smaller first) and the symmetry applied
/// to the first photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairKey {
    a: u64,
    b: u64,
    symmetry: u8,
}

fn short(h: &[u8; 32]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    u64::from_le_bytes(b)
}

fn sym_byte(s: Symmetry) -> u8 {
    (u8::from(s.mirror) << 2) | (s.quarter_turns & 3)
}

impl PairKey {
    /// Key of the check "`a` turned by `symmetry` against `b`".
    pub fn new(a: &[u8; 32], b: &[u8; 32], symmetry: Symmetry) -> Self {
        let (ka, kb) = (short(a), short(b));
        if ka <= kb {
            Self {
                a: ka,
                b: kb,
                symmetry: sym_byte(symmetry),
            }
        } else {
            Self {
                a: kb,
                b: ka,
                symmetry: sym_byte(symmetry.inverse()),
            }
        }
    }
}

/// Pixel-check results by pair.
#[derive(Debug, Default)]
pub struct PairCache {
    // Keys are prefixes of content hashes, looked up for every edge of every scan: a fast hasher
    // (SipHash was a good part of a warm scan).
    entries: HashMap<PairKey, PixelMatch, FastHash>,
    used: HashSet<PairKey, FastHash>,
    changed: bool,
}

impl PairCache {
    /// Load from `data_dir` (empty when absent, foreign, stale or damaged).
    pub fn load(data_dir: &Path) -> Self {
        let mut cache = Self::default();
        let Ok(bytes) =
            std::fs::read(crate::core::datadir::DataDir::at(data_dir).dupes_pairs_path())
        else {
            return cache;
        };
        if let Some(entries) = parse(&bytes) {
            cache.entries = entries;
        }
        cache
    }

    /// A cached result, marking the pair as still in use.
    pub fn get(&self, key: &PairKey) -> Option<PixelMatch> {
        self.entries.get(key).copied()
    }

    /// Remember a result.
    pub fn insert(&mut self, key: PairKey, m: PixelMatch) {
        self.entries.insert(key, m);
        self.used.insert(key);
        self.changed = true;
    }

    /// Mark a cached pair as part of the current graph (kept by [`PairCache::save`]).
    pub fn touch(&mut self, key: PairKey) {
        self.used.insert(key);
    }

    /// Number of cached pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Write the pairs of the current graph atomically to `data_dir`, dropping pairs no longer
    /// in it (deleted photos, neighbours that moved on); nothing is written when nothing changed.
    pub fn save(&mut self, data_dir: &Path) -> Result<()> {
        let before = self.entries.len();
        let used = &self.used;
        self.entries.retain(|k, _| used.contains(k));
        if !self.changed && self.entries.len() == before {
            return Ok(());
        }
        let mut out = Vec::with_capacity(24 + self.entries.len() * ENTRY + 32);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&ALIGN_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for (k, m) in &self.entries {
            out.extend_from_slice(&k.a.to_le_bytes());
            out.extend_from_slice(&k.b.to_le_bytes());
            out.push(k.symmetry);
            for v in [m.ncc, m.trimmed, m.detail, m.coverage, m.agreement] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        let sum = blake3::hash(&out);
        out.extend_from_slice(sum.as_bytes());
        write_atomic(
            &crate::core::datadir::DataDir::at(data_dir).dupes_pairs_path(),
            &out,
        )?;
        self.changed = false;
        Ok(())
    }
}

fn parse(bytes: &[u8]) -> Option<HashMap<PairKey, PixelMatch, FastHash>> {
    let body_len = bytes.len().checked_sub(32)?;
    let (body, sum) = bytes.split_at(body_len);
    if blake3::hash(body).as_bytes() != sum || body.len() < 20 || &body[..8] != MAGIC {
        return None;
    }
    let u32_at = |o: usize| body.get(o..o + 4)?.try_into().ok().map(u32::from_le_bytes);
    let u64_at = |o: usize| body.get(o..o + 8)?.try_into().ok().map(u64::from_le_bytes);
    let f32_at = |o: usize| body.get(o..o + 4)?.try_into().ok().map(f32::from_le_bytes);
    if u32_at(8)? != ALIGN_VERSION {
        return None;
    }
    let count = usize::try_from(u64_at(12)?).ok()?;
    if body.len() != 20 + count.checked_mul(ENTRY)? {
        return None;
    }
    let mut map = HashMap::with_capacity_and_hasher(count, FastHash::default());
    for i in 0..count {
        let o = 20 + i * ENTRY;
        let key = PairKey {
            a: u64_at(o)?,
            b: u64_at(o + 8)?,
            symmetry: *body.get(o + 16)?,
        };
        let f = |j: usize| f32_at(o + 17 + 4 * j);
        map.insert(
            key,
            PixelMatch {
                ncc: f(0)?,
                trimmed: f(1)?,
                detail: f(2)?,
                coverage: f(3)?,
                agreement: f(4)?,
            },
        );
    }
    Some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(x: f32) -> PixelMatch {
        PixelMatch {
            ncc: x,
            trimmed: x,
            detail: x / 2.0,
            coverage: 1.0,
            agreement: 0.5,
        }
    }

    #[test]
    fn round_trips_keeps_only_pairs_in_use_and_ignores_damage() {
        let dir = tempfile::tempdir().expect("tmp");
        let (h1, h2, h3) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        let mirrored = Symmetry {
            mirror: true,
            quarter_turns: 1,
        };
        // Either order names the same check.
        assert_eq!(
            PairKey::new(&h1, &h2, mirrored),
            PairKey::new(&h2, &h1, mirrored.inverse())
        );
        let mut c = PairCache::load(dir.path());
        assert!(c.is_empty());
        c.insert(PairKey::new(&h1, &h2, Symmetry::IDENTITY), m(0.9));
        c.insert(PairKey::new(&h1, &h3, mirrored), m(0.3));
        c.save(dir.path()).expect("save");
        let mut c = PairCache::load(dir.path());
        assert_eq!(c.len(), 2);
        assert_eq!(
            c.get(&PairKey::new(&h2, &h1, Symmetry::IDENTITY)),
            Some(m(0.9))
        );
        // Only pairs touched in this scan survive the next save.
        c.touch(PairKey::new(&h1, &h3, mirrored));
        c.insert(PairKey::new(&h2, &h3, Symmetry::IDENTITY), m(0.5));
        c.save(dir.path()).expect("save");
        let c = PairCache::load(dir.path());
        assert_eq!(c.len(), 2);
        assert!(c.get(&PairKey::new(&h1, &h2, Symmetry::IDENTITY)).is_none());
        // A damaged file is an empty cache.
        let path = crate::core::datadir::DataDir::at(dir.path()).dupes_pairs_path();
        let mut bytes = std::fs::read(&path).expect("read");
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(&path, &bytes).expect("write");
        assert!(PairCache::load(dir.path()).is_empty());
    }
}
