//! User settings (persisted as `settings.json` in the data dir) and the settings window.

use crate::worker::{LibraryStatus, ModelChoice};
use egui::{ComboBox, Ui};
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            model: crate::core::embed::registry::DEFAULT_SPEC.to_string(),
            device: "auto".into(),
            thumb_px: 160.0,
            theme: ThemeChoice::Dark,
            results: 200,
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
        data_dir.join("settings.json")
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

/// What the user asked for in the settings window.
#[derive(Debug, Default)]
pub struct SettingsActions {
    /// Apply the chosen model and device (re-embeds the library).
    pub apply_model: bool,
    /// Pick a folder to add.
    pub add_folder: bool,
    /// Forget this folder.
    pub remove_folder: Option<PathBuf>,
    /// Rescan now.
    pub rescan: bool,
    /// Download this model's weights.
    pub download: Option<String>,
}

/// A model download in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadState {
    /// Model name.
    pub name: String,
    /// Bytes so far.
    pub done: u64,
    /// Bytes expected.
    pub total: Option<u64>,
}

/// What the settings know about models.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelInfo<'a> {
    /// Models and whether they can be used (None until the worker answered).
    pub models: Option<&'a [ModelChoice]>,
    /// A download in progress.
    pub download: Option<&'a DownloadState>,
}

/// Draft model choice, kept until "Apply".
#[derive(Debug, Clone, Default)]
pub struct ModelDraft {
    /// Chosen model spec.
    pub model: String,
    /// Chosen device.
    pub device: String,
}

/// Draw the settings: appearance, model, library folders.
pub fn settings_ui(
    ui: &mut Ui,
    settings: &mut Settings,
    draft: &mut ModelDraft,
    status: Option<&LibraryStatus>,
    info: ModelInfo<'_>,
) -> SettingsActions {
    let mut actions = SettingsActions::default();
    ui.heading("Appearance");
    ui.horizontal(|ui| {
        ui.label("Theme:");
        ui.selectable_value(&mut settings.theme, ThemeChoice::Dark, "Dark");
        ui.selectable_value(&mut settings.theme, ThemeChoice::Light, "Light");
        ui.selectable_value(&mut settings.theme, ThemeChoice::System, "System");
    });
    ui.horizontal(|ui| {
        let label = ui.label("Thumbnail size:");
        ui.add(egui::Slider::new(&mut settings.thumb_px, THUMB_RANGE).suffix(" px"))
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        let label = ui.label("Results per query:");
        ui.add(egui::Slider::new(&mut settings.results, 10..=1000))
            .labelled_by(label.id);
    });
    ui.separator();
    ui.heading("Model");
    ui.label("Similarity is computed with this model. Changing it re-indexes the library.");
    let fallback: Vec<ModelChoice> = MODELS
        .iter()
        .map(|(name, label)| ModelChoice {
            name: (*name).to_string(),
            description: (*label).to_string(),
            available: true,
            downloadable: false,
            approx_mb: None,
        })
        .collect();
    let models = info.models.unwrap_or(&fallback);
    let chosen = models.iter().find(|m| m.name == draft.model);
    ui.horizontal(|ui| {
        let model_label = ui.label("Model:");
        let current = chosen.map_or(draft.model.clone(), |m| m.name.clone());
        ComboBox::from_id_salt("model")
            .selected_text(current)
            .width(160.0)
            .show_ui(ui, |ui| {
                for m in models {
                    let text = if m.available {
                        m.name.clone()
                    } else {
                        format!("{} (weights missing)", m.name)
                    };
                    ui.selectable_value(&mut draft.model, m.name.clone(), text)
                        .on_hover_text(&m.description);
                }
            })
            .response
            .labelled_by(model_label.id);
        let device_label = ui.label("Device:");
        ComboBox::from_id_salt("device")
            .selected_text(draft.device.as_str())
            .show_ui(ui, |ui| {
                for d in DEVICES {
                    ui.selectable_value(&mut draft.device, d.to_string(), d);
                }
            })
            .response
            .labelled_by(device_label.id);
        let changed = draft.model != settings.model || draft.device != settings.device;
        let usable = chosen.is_none_or(|m| m.available);
        if ui
            .add_enabled(changed && usable, egui::Button::new("Apply and re-index"))
            .clicked()
        {
            actions.apply_model = true;
        }
    });
    if let Some(m) = chosen {
        ui.weak(&m.description);
        if !m.available && m.downloadable {
            ui.horizontal(|ui| {
                let size = m
                    .approx_mb
                    .map_or(String::new(), |mb| format!(" (about {mb} MB)"));
                let busy = info.download.is_some();
                if ui
                    .add_enabled(
                        !busy,
                        egui::Button::new(format!("Download {}{size}", m.name)),
                    )
                    .clicked()
                {
                    actions.download = Some(m.name.clone());
                }
            });
        }
    }
    if let Some(d) = info.download {
        let fraction = d.total.map_or(0.0, |t| d.done as f32 / t.max(1) as f32);
        ui.add(
            egui::ProgressBar::new(fraction)
                .text(format!(
                    "Downloading {}: {}",
                    d.name,
                    super::format::bytes(d.done)
                ))
                .animate(d.total.is_none()),
        );
    }
    if let Some(s) = status {
        ui.label(format!("In use: {}", s.model_label));
        ui.weak(format!(
            "CNN models need their weights in {} (see models/README.md).",
            s.data_dir.join("models").display()
        ));
    }
    ui.separator();
    ui.heading("Library folders");
    match status {
        Some(s) if !s.roots.is_empty() => {
            for root in &s.roots {
                ui.horizontal(|ui| {
                    ui.label(root.display().to_string());
                    if ui
                        .small_button("Remove")
                        .on_hover_text("Forget this folder and its photos (files are not touched)")
                        .clicked()
                    {
                        actions.remove_folder = Some(root.clone());
                    }
                });
            }
        }
        _ => {
            ui.label("No folders yet.");
        }
    }
    ui.horizontal(|ui| {
        if ui.button("Add folder…").clicked() {
            actions.add_folder = true;
        }
        if ui.button("Rescan now (F5)").clicked() {
            actions.rescan = true;
        }
    });
    if let Some(s) = status {
        ui.separator();
        ui.weak(format!("Data folder: {}", s.data_dir.display()));
    }
    actions
}
