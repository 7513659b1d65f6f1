//! What happens around an action on selected photos, for Browse and Results alike: the folder or
//! file being asked for, the progress of a copy or move (with Cancel), the Undo offer after a
//! move, and the question before opening many photos at once.

use crate::core::catalog::PhotoInfo;
use crate::core::moves::{MoveUndoReport, TransferKind, TransferReport};
use crate::ui::toasts::Toasts;
use egui::{Align2, Context, Id, RichText};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long the undo offer of a move stays on screen.
const UNDO_SHOWN: Duration = Duration::from_secs(60);
/// Photos opened at once without asking.
pub const OPEN_WITHOUT_ASKING: usize = 10;

/// What a file dialog is open for.
#[derive(Debug, Clone)]
pub enum Pick {
    /// Copy or move these catalog photos into the folder chosen.
    Transfer {
        /// Copy or move.
        kind: TransferKind,
        /// Catalog ids, in display order.
        ids: Vec<i64>,
    },
    /// Save these rows (photo, score) to the file chosen.
    Export(Vec<(PhotoInfo, Option<f32>)>),
}

/// A copy or move in progress.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferState {
    /// Copy or move.
    pub kind: TransferKind,
    /// Files done.
    pub done: u64,
    /// Files in all (0 until known).
    pub total: u64,
    /// The file being worked on.
    pub current: Option<String>,
}

/// The last move, offered for undo.
#[derive(Debug, Clone)]
pub struct MoveUndoOffer {
    /// Photos moved.
    pub photos: usize,
    /// Where to.
    pub dest: PathBuf,
    /// When the offer appeared.
    pub created: Instant,
}

/// What the user asked for in the flow's windows.
#[derive(Debug, Clone, PartialEq)]
pub enum FlowRequest {
    /// Put the last move back.
    UndoMove,
    /// Stop the copy or move in progress.
    CancelTransfer,
    /// Open these files with the default app.
    Open(Vec<PathBuf>),
}

/// The selection actions' state between frames.
#[derive(Debug, Default)]
pub struct SelectionFlow {
    /// What the open file dialog is for.
    pub pick: Option<Pick>,
    /// The copy or move in progress.
    pub transfer: Option<TransferState>,
    /// The undo offer after a move.
    pub undo: Option<MoveUndoOffer>,
    /// Many photos to open: asked first.
    pub open_confirm: Option<Vec<PathBuf>>,
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl SelectionFlow {
    /// A copy or move started (the progress shows at once, before the worker's first report).
    pub fn started(&mut self, kind: TransferKind, total: usize) {
        self.transfer = Some(TransferState {
            kind,
            done: 0,
            total: total as u64,
            current: None,
        });
    }

    /// The worker's progress report.
    pub fn on_progress(&mut self, state: TransferState) {
        self.transfer = Some(state);
    }

    /// A copy or move ended: say what happened, offer undo of a move.
    pub fn on_transferred(&mut self, report: &TransferReport, toasts: &mut Toasts) {
        self.transfer = None;
        for (p, why) in &report.failed {
            toasts.error(format!(
                "Could not {} {}: {why}",
                report.kind.verb(),
                p.display()
            ));
        }
        let n = report.photos;
        let renamed = if report.renamed > 0 {
            format!(
                " ({} renamed \"name (2)\" because the name was taken)",
                report.renamed
            )
        } else {
            String::new()
        };
        let stopped = if report.cancelled {
            " Stopped before the end."
        } else {
            ""
        };
        match report.kind {
            TransferKind::Copy if !report.done.is_empty() => toasts.info(format!(
                "Copied {n} photo{} to {}{renamed}.{stopped}",
                plural(n),
                report.dest.display()
            )),
            TransferKind::Move if !report.done.is_empty() => {
                let left = if report.left_library.is_empty() {
                    String::new()
                } else {
                    " They are outside the library folders now, so they left the library.".into()
                };
                toasts.info(format!(
                    "Moved {n} photo{} to {}{renamed}.{left}{stopped}",
                    plural(n),
                    report.dest.display()
                ));
                self.undo = Some(MoveUndoOffer {
                    photos: n,
                    dest: report.dest.clone(),
                    created: Instant::now(),
                });
            }
            _ => {}
        }
    }

    /// An undo of a move ended.
    pub fn on_move_undone(&mut self, report: &MoveUndoReport, toasts: &mut Toasts) {
        for (p, why) in &report.manual {
            toasts.error(format!("{} was not put back: {why}", p.display()));
        }
        if !report.restored.is_empty() {
            toasts.info(format!(
                "Put back {} file{} where {} were{}",
                report.restored.len(),
                plural(report.restored.len()),
                if report.restored.len() == 1 {
                    "it"
                } else {
                    "they"
                },
                if report.rescan {
                    "; the library is rescanned to index them again"
                } else {
                    ""
                }
            ));
        } else if report.manual.is_empty() {
            toasts.info("Nothing to undo: no move by Lookalike has files away");
        }
    }

    /// The progress of a copy or move, the undo offer, and the question before opening many
    /// photos; what the user asked for.
    pub fn ui(&mut self, ctx: &Context) -> Vec<FlowRequest> {
        let mut out = Vec::new();
        if let Some(t) = &self.transfer {
            let verb = match t.kind {
                TransferKind::Copy => "Copying",
                TransferKind::Move => "Moving",
            };
            bottom_area(ctx, "selection_transfer", |ui| {
                ui.spinner();
                let of = if t.total > 0 {
                    format!("{} of {}", t.done.min(t.total), t.total)
                } else {
                    String::new()
                };
                ui.label(format!("{verb} files… {of}"));
                if let Some(name) = &t.current {
                    ui.weak(name);
                }
                if t.total > 0 {
                    ui.add(
                        egui::ProgressBar::new(t.done as f32 / t.total as f32).desired_width(160.0),
                    );
                }
                if ui.button("Cancel").clicked() {
                    out.push(FlowRequest::CancelTransfer);
                }
            });
        } else if let Some(offer) = &self.undo {
            let left = UNDO_SHOWN.saturating_sub(offer.created.elapsed());
            if left.is_zero() {
                self.undo = None;
            } else {
                ctx.request_repaint_after(left);
                let text = format!(
                    "Moved {} photo{} to {}.",
                    offer.photos,
                    plural(offer.photos),
                    offer.dest.display()
                );
                let mut close = false;
                bottom_area(ctx, "selection_undo_move", |ui| {
                    ui.label(text);
                    if ui.button(RichText::new("Undo move").strong()).clicked() {
                        out.push(FlowRequest::UndoMove);
                        close = true;
                    }
                    if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                        close = true;
                    }
                });
                if close {
                    self.undo = None;
                }
            }
        }
        if let Some(paths) = &self.open_confirm {
            let n = paths.len();
            let mut decided = None;
            let modal = egui::Modal::new(Id::unique("confirm_open_many")).show(ctx, |ui| {
                ui.heading(format!("Open {n} photos with the default app?"));
                ui.label("Each opens in its own window or tab of the default app.");
                ui.horizontal(|ui| {
                    if ui
                        .button(format!("Open the first {OPEN_WITHOUT_ASKING}"))
                        .clicked()
                    {
                        decided = Some(paths[..OPEN_WITHOUT_ASKING.min(n)].to_vec());
                    }
                    if ui.button(format!("Open all {n}")).clicked() {
                        decided = Some(paths.clone());
                    }
                    if ui.button("Cancel (Esc)").clicked() {
                        decided = Some(Vec::new());
                    }
                });
            });
            if decided.is_none() && modal.should_close() {
                decided = Some(Vec::new());
            }
            if let Some(chosen) = decided {
                self.open_confirm = None;
                if !chosen.is_empty() {
                    out.push(FlowRequest::Open(chosen));
                }
            }
        }
        out
    }
}

/// A small panel above the bottom of the window (above the trash's undo offer).
fn bottom_area(ctx: &Context, id: &str, add: impl FnOnce(&mut egui::Ui)) {
    egui::Area::new(Id::unique(id))
        .anchor(Align2::CENTER_BOTTOM, egui::vec2(0.0, -96.0))
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(add);
            });
        });
}
