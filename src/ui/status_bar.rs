//! The bottom of the window: indexing progress (with pause, resume, cancel) and the status line
//! (photos, failures, model, data folder). Also the window listing failed files.

use super::UiAction;
use super::context::ViewContext;
use super::format;
use crate::core::indexer::IndexReport;
use crate::worker::{IndexProgress, LibraryStatus};
use egui::{Context, Ui};
use std::path::PathBuf;

/// The status bar: the progress line while indexing, then the status line.
pub fn status_bar_ui(
    ui: &mut Ui,
    progress: Option<&IndexProgress>,
    last_report: Option<&IndexReport>,
    cx: &mut ViewContext<'_>,
) {
    if let Some(p) = progress {
        progress_ui(ui, p, cx.actions);
    }
    status_line_ui(ui, cx.status, cx.indexing, last_report, cx.actions);
}

/// The window listing the files that failed: its own state.
#[derive(Debug, Default)]
pub struct FailuresWindow {
    /// The window is shown.
    pub open: bool,
    /// The failed files with reasons (None while the worker lists them).
    pub failures: Option<Vec<(PathBuf, String)>>,
}

impl FailuresWindow {
    /// Open the window and forget the old list (the caller asks the worker for a new one).
    pub fn show(&mut self) {
        self.open = true;
        self.failures = None;
    }

    /// Draw the window while it is open.
    pub fn ui(&mut self, ctx: &Context) {
        if self.open {
            let mut open = true;
            failures_window(ctx, &mut open, self.failures.as_deref());
            self.open = open;
        }
    }
}

/// Draw the indexing progress line.
pub fn progress_ui(ui: &mut Ui, p: &IndexProgress, actions: &mut Vec<UiAction>) {
    ui.horizontal(|ui| {
        if !p.changes_in.is_empty() {
            ui.label(changes_text(&p.changes_in));
        }
        let fraction = match p.total {
            Some(t) if t > 0 => p.done as f32 / t as f32,
            _ => 0.0,
        };
        let text = match p.total {
            Some(t) => format!("{} {} / {}", p.stage, p.done, t),
            None => format!("{} {}", p.stage, p.done),
        };
        let bar = egui::ProgressBar::new(fraction)
            .desired_width(260.0)
            .text(text)
            .animate(!p.paused && p.total.is_none());
        ui.add(bar);
        if p.rate > 0.0 {
            ui.label(format!("{:.1} photos/s", p.rate));
        }
        if let Some(eta) = p.eta.filter(|e| e.as_secs() >= 1) {
            ui.label(format!("about {} left", format::duration(eta)));
        }
        if p.paused {
            ui.strong("Paused");
            if ui.button("Resume").clicked() {
                actions.push(UiAction::Resume);
            }
        } else if ui.button("Pause").clicked() {
            actions.push(UiAction::Pause);
        }
        if ui
            .button("Cancel")
            .on_hover_text("Stop indexing; work done so far is kept")
            .clicked()
        {
            actions.push(UiAction::CancelIndexing);
        }
        if let Some(cur) = &p.current {
            let name = std::path::Path::new(cur)
                .file_name()
                .map_or_else(|| cur.clone(), |n| n.to_string_lossy().into_owned());
            ui.weak(name).on_hover_text(cur);
        }
    });
}

/// "Changes found in ~/Pictures: updating…" for a run the library watcher started.
pub fn changes_text(folders: &[PathBuf]) -> String {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let names: Vec<String> = folders
        .iter()
        .map(
            |f| match home.as_deref().and_then(|h| f.strip_prefix(h).ok()) {
                Some(rel) if !rel.as_os_str().is_empty() => format!("~/{}", rel.display()),
                _ => f.display().to_string(),
            },
        )
        .collect();
    format!("Changes found in {}: updating…", names.join(", "))
}

/// Draw the status line.
pub fn status_line_ui(
    ui: &mut Ui,
    status: Option<&LibraryStatus>,
    indexing: bool,
    last_report: Option<&IndexReport>,
    actions: &mut Vec<UiAction>,
) {
    ui.horizontal(|ui| {
        let Some(s) = status else {
            ui.spinner();
            ui.label("Opening the library…");
            return;
        };
        ui.label(format!("{} photos", s.photos));
        ui.separator();
        if s.failed > 0 {
            if ui
                .link(format!("{} failed", s.failed))
                .on_hover_text("Show the files that could not be indexed, with reasons")
                .clicked()
            {
                actions.push(UiAction::ShowFailures);
            }
        } else {
            ui.label("0 failed");
        }
        ui.separator();
        ui.label(format!("Model: {}", s.model_label));
        ui.separator();
        ui.weak(format!("Data: {}", s.data_dir.display()));
        if !indexing && let Some(r) = last_report {
            ui.separator();
            let what = if r.cancelled { "Stopped" } else { "Indexed" };
            ui.weak(format!(
                "{what}: {} new, {} unchanged, {} removed in {}",
                r.embedded + r.reused,
                r.unchanged,
                r.removed,
                format::duration(std::time::Duration::from_secs_f64(r.elapsed_ms / 1e3))
            ));
        }
    });
}

/// The list of files that failed, with reasons.
pub fn failures_window(ctx: &Context, open: &mut bool, failures: Option<&[(PathBuf, String)]>) {
    egui::Window::new("Files that could not be indexed")
        .open(open)
        .default_size([640.0, 360.0])
        .show(ctx, |ui| match failures {
            None => {
                ui.spinner();
            }
            Some([]) => {
                ui.label("No failures.");
            }
            Some(list) => {
                ui.label(format!(
                    "{} files could not be indexed. Fix or remove them, then rescan (F5).",
                    list.len()
                ));
                ui.separator();
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show_rows(ui, 18.0, list.len(), |ui, range| {
                        for (path, reason) in &list[range] {
                            ui.horizontal(|ui| {
                                ui.label(path.display().to_string());
                                ui.weak(reason);
                            });
                        }
                    });
            }
        });
}
