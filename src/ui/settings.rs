//! User settings, persisted as `settings.json` in the data dir (the window that edits them is
//! in `settings_window.rs`).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Light, dark, or follow the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThemeChoice {
    /// Follow the operating system.
    System,
    /// Dark theme.
    #[default]
    Dark,
    /// Light theme.
    Light,
}

/// Everything the user can change, persisted across restarts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Model spec ("descriptor", "lite0", "resnet50"...).
    pub model: String,
    /// Compute device ("auto", "cpu", "cuda", "metal").
    pub device: String,
    /// Thumbnail side in the grids, in points.
    pub thumb_px: f32,
    /// Colour theme.
    pub theme: ThemeChoice,
    /// How many results a query returns.
    pub results: usize,
    /// Browse's filter, as typed (kept across restarts).
    pub browse_filter: super::filter_bar::FilterFields,
    /// Browse's grouping and sort.
    pub browse_order: super::browse_order::BrowseOrder,
    /// Watch the library folders while the app is open and bring the library up to date after
    /// changes (off: only at start and on Rescan).
    pub watch: bool,
    /// Show the photo info panel beside the preview (toggled with `I`).
    pub show_info: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            model: crate::core::embed::registry::DEFAULT_SPEC.to_string(),
            device: "auto".into(),
            thumb_px: 160.0,
            theme: ThemeChoice::Dark,
            results: 200,
            browse_filter: super::filter_bar::FilterFields::default(),
            browse_order: super::browse_order::BrowseOrder::default(),
            watch: true,
            show_info: false,
        }
    }
}

/// Smallest and largest thumbnail side.
pub const THUMB_RANGE: std::ops::RangeInclusive<f32> = 64.0..=320.0;

/// Models offered in the settings (the registry decides which are available in this build).
pub const MODELS: [(&str, &str); 5] = [
    ("descriptor", "Descriptor (no model, fast)"),
    ("lite0", "EfficientNet-Lite0"),
    ("resnet18", "ResNet-18"),
    ("resnet34", "ResNet-34"),
    ("resnet50", "ResNet-50"),
];

/// Devices offered in the settings.
pub const DEVICES: [&str; 4] = ["auto", "cpu", "cuda", "metal"];

impl Settings {
    /// Where the settings of a data dir live.
    pub fn path(data_dir: &Path) -> PathBuf {
        crate::core::datadir::DataDir::at(data_dir).settings_path()
    }

    /// Load the settings of `data_dir`; defaults (and a message) when the file is unreadable.
    pub fn load(data_dir: &Path) -> (Self, Option<String>) {
        let path = Self::path(data_dir);
        match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
                Ok(mut s) => {
                    s.thumb_px = s.thumb_px.clamp(*THUMB_RANGE.start(), *THUMB_RANGE.end());
                    s.results = s.results.clamp(10, 2000);
                    (s, None)
                }
                Err(e) => (
                    Self::default(),
                    Some(format!(
                        "Settings in {} are unreadable ({e}); using defaults",
                        path.display()
                    )),
                ),
            },
            Err(_) => (Self::default(), None),
        }
    }

    /// The JSON written to disk.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// The egui theme preference.
    pub fn theme_preference(&self) -> egui::ThemePreference {
        match self.theme {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
            ThemeChoice::Light => egui::ThemePreference::Light,
        }
    }
}
