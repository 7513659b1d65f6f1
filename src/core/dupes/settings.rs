//! What the user chose for duplicates (thresholds, keep rule, reference folders), saved in the
//! data dir.

use super::{KeepRule, Thresholds};
use crate::core::datadir::{DataDir, write_atomic};
use crate::core::error::{Error, Result};
use std::path::{Path, PathBuf};

/// What the user chose for duplicates; persisted in the data dir.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DupeSettings {
    /// Per-tier thresholds.
    pub thresholds: Thresholds,
    /// Which photo of a group is kept.
    pub keep_rule: KeepRule,
    /// Folders whose photos are never offered for removal.
    pub reference_folders: Vec<PathBuf>,
}

impl DupeSettings {
    /// Load from `data_dir` (defaults when absent or unreadable: settings are not precious).
    pub fn load(data_dir: &Path) -> Self {
        let mut s: Self = std::fs::read(DataDir::at(data_dir).dupes_settings_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        s.keep_rule = s.keep_rule.with_new_criteria();
        s
    }

    /// Save atomically to `data_dir`.
    pub fn save(&self, data_dir: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Other(format!("cannot encode duplicate settings: {e}")))?;
        write_atomic(&DataDir::at(data_dir).dupes_settings_path(), &json)
    }
}
