//! Which photo of a group to keep, and which may be removed.
//!
//! The default rule, in order: highest resolution, then the original format over a re-encode
//! (the format of the group's oldest file is taken as the original one: conversions come later),
//! then the larger file (less compression), then the oldest file. Photos in reference folders
//! are never offered for removal; when a group has one, a reference photo is kept.

use super::graph::PhotoEntry;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// One criterion of the keep-best rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// More pixels wins.
    Resolution,
    /// The group's original format (that of its oldest file) wins over re-encodes.
    OriginalFormat,
    /// The larger file wins.
    LargerFile,
    /// The older file wins.
    Oldest,
}

impl Criterion {
    /// What the criterion means, for the UI.
    pub fn explain(self) -> &'static str {
        match self {
            Criterion::Resolution => "highest resolution",
            Criterion::OriginalFormat => "original format over a re-encode",
            Criterion::LargerFile => "larger file",
            Criterion::Oldest => "oldest file",
        }
    }
}

/// An ordered list of criteria; the first that tells two photos apart decides.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeepRule {
    /// Criteria in order of importance.
    pub order: Vec<Criterion>,
}

impl Default for KeepRule {
    fn default() -> Self {
        Self {
            order: vec![
                Criterion::Resolution,
                Criterion::OriginalFormat,
                Criterion::LargerFile,
                Criterion::Oldest,
            ],
        }
    }
}

impl KeepRule {
    /// One line for the UI: "highest resolution, then ...".
    pub fn explain(&self) -> String {
        let parts: Vec<&str> = self.order.iter().map(|c| c.explain()).collect();
        parts.join(", then ")
    }

    /// Index of the photo to keep among `photos` (`None` for an empty slice). Photos under a
    /// `reference` folder are preferred over all others.
    pub fn choose(&self, photos: &[&PhotoEntry], reference: &[PathBuf]) -> Option<usize> {
        let original_format = photos
            .iter()
            .min_by_key(|p| p.info.mtime_ns)
            .map(|p| p.info.format.clone())
            .unwrap_or_default();
        let better = |a: &PhotoEntry, b: &PhotoEntry| -> Ordering {
            let ra = in_reference(&a.info.path, reference);
            let rb = in_reference(&b.info.path, reference);
            if ra != rb {
                return ra.cmp(&rb);
            }
            for c in &self.order {
                let o = match c {
                    Criterion::Resolution => (u64::from(a.info.width) * u64::from(a.info.height))
                        .cmp(&(u64::from(b.info.width) * u64::from(b.info.height))),
                    Criterion::OriginalFormat => {
                        (a.info.format == original_format).cmp(&(b.info.format == original_format))
                    }
                    Criterion::LargerFile => a.info.bytes.cmp(&b.info.bytes),
                    Criterion::Oldest => b.info.mtime_ns.cmp(&a.info.mtime_ns),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            // Deterministic last resort: the shorter, then smaller path.
            let (pa, pb) = (a.info.path.as_os_str(), b.info.path.as_os_str());
            pb.len().cmp(&pa.len()).then(pb.cmp(pa))
        };
        (0..photos.len()).max_by(|&i, &j| better(photos[i], photos[j]))
    }
}

/// Whether `path` lies under one of the reference folders.
pub fn in_reference(path: &Path, reference: &[PathBuf]) -> bool {
    reference.iter().any(|r| path.starts_with(r))
}
