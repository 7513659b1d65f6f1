//! Short messages in the corner of the window: errors stay until dismissed or a while passes.

use egui::{Align2, Color32, Context, Id, RichText};
use std::time::{Duration, Instant};

/// How serious a toast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Information.
    Info,
    /// Something failed.
    Error,
}

/// One message.
#[derive(Debug, Clone)]
pub struct Toast {
    /// Seriousness.
    pub level: Level,
    /// The message.
    pub text: String,
    created: Instant,
}

/// The toasts on screen.
#[derive(Debug, Default)]
pub struct Toasts {
    items: Vec<Toast>,
}

/// Most toasts kept at once.
const MAX_TOASTS: usize = 6;

impl Toasts {
    /// Show an informational message.
    pub fn info(&mut self, text: impl Into<String>) {
        self.push(Level::Info, text.into());
    }

    /// Show an error message.
    pub fn error(&mut self, text: impl Into<String>) {
        self.push(Level::Error, text.into());
    }

    fn push(&mut self, level: Level, text: String) {
        if self.items.iter().any(|t| t.text == text) {
            return;
        }
        if self.items.len() >= MAX_TOASTS {
            self.items.remove(0);
        }
        self.items.push(Toast {
            level,
            text,
            created: Instant::now(),
        });
    }

    /// Messages currently shown (oldest first).
    pub fn items(&self) -> &[Toast] {
        &self.items
    }

    /// Draw the toasts in the bottom-right corner; each has a dismiss button.
    pub fn show(&mut self, ctx: &Context) {
        let lifetime = |l: Level| match l {
            Level::Info => Duration::from_secs(6),
            Level::Error => Duration::from_secs(20),
        };
        self.items
            .retain(|t| t.created.elapsed() < lifetime(t.level));
        if self.items.is_empty() {
            return;
        }
        if let Some(next) = self
            .items
            .iter()
            .map(|t| lifetime(t.level).saturating_sub(t.created.elapsed()))
            .min()
        {
            ctx.request_repaint_after(next);
        }
        let mut dismiss = None;
        egui::Area::new(Id::unique("toasts"))
            .anchor(Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -40.0))
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_max_width(420.0);
                for (i, t) in self.items.iter().enumerate() {
                    let (fill, title) = match t.level {
                        Level::Info => (ui.visuals().extreme_bg_color, "Note"),
                        Level::Error => (Color32::from_rgb(120, 30, 30), "Error"),
                    };
                    egui::Frame::popup(ui.style()).fill(fill).show(ui, |ui| {
                        ui.horizontal(|ui| {
                            ui.label(RichText::new(title).strong());
                            let text = RichText::new(&t.text);
                            let text = if t.level == Level::Error {
                                text.color(Color32::WHITE)
                            } else {
                                text
                            };
                            ui.add(egui::Label::new(text).wrap());
                            if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                                dismiss = Some(i);
                            }
                        });
                    });
                }
            });
        if let Some(i) = dismiss {
            self.items.remove(i);
        }
    }
}
