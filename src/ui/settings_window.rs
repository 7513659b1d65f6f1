//! The settings window: appearance, model (with its download) and library folders. Its state
//! (open, the draft model choice, the model list) is its own; the settings are the app's.

use super::UiAction;
use super::context::ViewContext;
use super::settings::{DEVICES, MODELS, Settings, THUMB_RANGE, ThemeChoice};
use crate::worker::{Command, LibraryStatus, ModelChoice};
use egui::{ComboBox, Context, Ui};
use std::path::PathBuf;

/// The settings window's own state.
#[derive(Debug, Default)]
pub struct SettingsWindow {
    /// The window is shown.
    pub open: bool,
    /// The model and device chosen, kept until "Apply".
    pub draft: ModelDraft,
    /// Models and whether they can be used (None until the worker answered).
    pub models: Option<Vec<ModelChoice>>,
    /// A model download in progress.
    pub download: Option<DownloadState>,
}

impl SettingsWindow {
    /// A closed window whose draft is the current model choice.
    pub fn new(settings: &Settings) -> Self {
        Self {
            draft: ModelDraft::of(settings),
            ..Self::default()
        }
    }

    /// Open or close; the draft starts again from `settings`. True when it is now open.
    pub fn toggle(&mut self, settings: &Settings) -> bool {
        self.open = !self.open;
        self.draft = ModelDraft::of(settings);
        self.open
    }

    /// Draw the window while it is open; apply, remove and download are sent as commands.
    pub fn ui(&mut self, ctx: &Context, cx: &mut ViewContext<'_>) {
        if !self.open {
            return;
        }
        let mut open = true;
        let mut acts = SettingsActions::default();
        let watch = cx.settings.watch;
        egui::Window::new("Settings")
            .open(&mut open)
            .default_width(520.0)
            .show(ctx, |ui| {
                let info = ModelInfo {
                    models: self.models.as_deref(),
                    download: self.download.as_ref(),
                };
                acts = settings_ui(ui, cx.settings, &mut self.draft, cx.status, info);
            });
        self.open = open;
        if cx.settings.watch != watch {
            cx.send(Command::SetWatch(cx.settings.watch));
        }
        if acts.apply_model {
            cx.settings.model = self.draft.model.clone();
            cx.settings.device = self.draft.device.clone();
            let (spec, device) = (cx.settings.model.clone(), cx.settings.device.clone());
            cx.send(Command::SetModel { spec, device });
        }
        if acts.add_folder {
            cx.act(UiAction::AddFolderDialog);
        }
        if let Some(root) = acts.remove_folder {
            cx.send(Command::RemoveRoot(root));
        }
        if acts.rescan {
            cx.act(UiAction::Rescan);
        }
        if let Some(name) = acts.download {
            self.download = Some(DownloadState {
                name: name.clone(),
                done: 0,
                total: None,
            });
            cx.send(Command::DownloadModel(name));
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

impl ModelDraft {
    /// The choice in `settings`.
    pub fn of(settings: &Settings) -> Self {
        Self {
            model: settings.model.clone(),
            device: settings.device.clone(),
        }
    }
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
            crate::core::datadir::DataDir::at(&s.data_dir)
                .models_dir()
                .display()
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
    ui.checkbox(&mut settings.watch, "Watch library folders for changes")
        .on_hover_text(
            "While Lookalike is open, photos added, changed, moved or deleted in the library \
             folders are indexed a moment later. Off: only at start and on Rescan (F5).",
        );
    if let Some(s) = status {
        ui.separator();
        ui.weak(format!("Data folder: {}", s.data_dir.display()));
    }
    actions
}
