//! "Not a duplicate" marks, keyed by content hash so they survive moves and renames, persisted
//! as JSON in the data dir (written atomically).

use crate::core::datadir::write_atomic;
use crate::core::error::{Error, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Hex of a content hash.
pub fn hash_hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct OnDisk {
    version: u32,
    /// Pairs of different contents that are not duplicates of each other.
    pairs: Vec<[String; 2]>,
    /// Contents whose identical copies are intended.
    copies: Vec<String>,
}

/// The set of pairs and copy sets the user marked as not duplicates.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct IgnoreList {
    pairs: BTreeSet<(String, String)>,
    copies: BTreeSet<String>,
    path: Option<PathBuf>,
}

fn ordered(a: String, b: String) -> (String, String) {
    if a <= b { (a, b) } else { (b, a) }
}

impl IgnoreList {
    /// Load the list from `data_dir` (empty when there is none yet). A corrupt file is an error
    /// naming it, so a user's marks are never silently dropped.
    pub fn load(data_dir: &Path) -> Result<Self> {
        let path = crate::core::datadir::DataDir::at(data_dir).dupes_ignore_path();
        let mut list = Self {
            path: Some(path.clone()),
            ..Self::default()
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(list),
            Err(e) => return Err(Error::io("cannot read", &path, e)),
        };
        let disk: OnDisk = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Other(format!(
                "the duplicate ignore list {} is damaged ({e}); fix or delete it",
                path.display()
            ))
        })?;
        list.pairs = disk.pairs.into_iter().map(|[a, b]| ordered(a, b)).collect();
        list.copies = disk.copies.into_iter().collect();
        Ok(list)
    }

    /// Write the list back atomically (no-op for a list not loaded from a data dir).
    pub fn save(&self) -> Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let disk = OnDisk {
            version: 1,
            pairs: self
                .pairs
                .iter()
                .map(|(a, b)| [a.clone(), b.clone()])
                .collect(),
            copies: self.copies.iter().cloned().collect(),
        };
        let json = serde_json::to_vec_pretty(&disk)
            .map_err(|e| Error::Other(format!("cannot encode the ignore list: {e}")))?;
        write_atomic(path, &json)
    }

    /// Mark two contents as not duplicates.
    pub fn ignore_pair(&mut self, a: &[u8; 32], b: &[u8; 32]) {
        if a == b {
            self.copies.insert(hash_hex(a));
        } else {
            self.pairs.insert(ordered(hash_hex(a), hash_hex(b)));
        }
    }

    /// Mark a whole group: every pair of distinct contents, and contents present twice or more.
    pub fn ignore_group(&mut self, hashes: &[[u8; 32]]) {
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                self.ignore_pair(a, b);
            }
        }
    }

    /// Whether two contents were marked as not duplicates.
    pub fn is_pair_ignored(&self, a: &[u8; 32], b: &[u8; 32]) -> bool {
        if a == b {
            return self.copies.contains(&hash_hex(a));
        }
        self.pairs.contains(&ordered(hash_hex(a), hash_hex(b)))
    }

    /// Whether identical copies of this content are intended.
    pub fn copies_ignored(&self, h: &[u8; 32]) -> bool {
        self.copies.contains(&hash_hex(h))
    }

    /// The marked pairs, as hex hashes.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(a, b)| (a.as_str(), b.as_str()))
    }

    /// Contents whose copies are intended, as hex hashes.
    pub fn copies(&self) -> impl Iterator<Item = &str> {
        self.copies.iter().map(String::as_str)
    }

    /// Remove every mark.
    pub fn clear(&mut self) {
        self.pairs.clear();
        self.copies.clear();
    }

    /// Number of marks.
    pub fn len(&self) -> usize {
        self.pairs.len() + self.copies.len()
    }

    /// Whether there are no marks.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
