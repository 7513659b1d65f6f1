//! User settings (persisted as `settings.json` in the data dir) and the settings window.

use crate::worker::LibraryStatus;
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
    ui.horizontal(|ui| {
        let model_label = ui.label("Model:");
        let current = MODELS
            .iter()
            .find(|(s, _)| *s == draft.model)
            .map_or(draft.model.as_str(), |(_, l)| l);
        ComboBox::from_id_salt("model")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (spec, label) in MODELS {
                    ui.selectable_value(&mut draft.model, spec.to_string(), label);
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
        if ui
            .add_enabled(changed, egui::Button::new("Apply and re-index"))
            .clicked()
        {
            actions.apply_model = true;
        }
    });
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
