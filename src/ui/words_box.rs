//! The search box in the top bar: words typed there search the library with CLIP (after a
//! short pause in typing, or at once with Enter); with a query photo shown they refine it
//! ("like this, but at night"); `-word` excludes; Escape or an empty box goes back.
//!
//! Without a CLIP model the box offers the download (one click, progress, cancel) instead.

use super::UiAction;
use super::settings_window::DownloadState;
use crate::worker::LibraryStatus;
use egui::{Key, Ui};
use std::time::{Duration, Instant};

/// Quiet time after the last keystroke before the words are searched.
pub const DEBOUNCE: Duration = Duration::from_millis(300);
/// The model the box offers to download.
pub const CLIP_DOWNLOAD: &str = "clip";

/// The search box's state.
#[derive(Debug, Default)]
pub struct WordsBox {
    /// What is typed.
    pub text: String,
    /// When it last changed and has not been searched yet.
    edited_at: Option<Instant>,
    /// Search at once (Enter, Escape), not after the pause.
    now: bool,
    /// The text last searched.
    sent: String,
    /// The CLIP download in progress, started from here or in the settings.
    pub download: Option<DownloadState>,
    /// The download offer is open.
    pub offer_open: bool,
    /// Give the box the keyboard on the next frame (Ctrl+F).
    pub focus: bool,
}

impl WordsBox {
    /// The text to search for now, if it changed and the pause after typing is over.
    pub fn due(&mut self) -> Option<String> {
        let edited = self.edited_at?;
        if !self.now && edited.elapsed() < DEBOUNCE {
            return None;
        }
        self.edited_at = None;
        self.now = false;
        if self.text.trim() == self.sent.trim() {
            return None;
        }
        self.sent = self.text.clone();
        Some(self.text.clone())
    }

    /// How long until [`Self::due`] may have something (to wake the UI then).
    pub fn wake_in(&self) -> Option<Duration> {
        self.edited_at.map(|t| DEBOUNCE.saturating_sub(t.elapsed()))
    }

    /// Set the text as if typed, searched at once (tests, and Escape).
    pub fn set_now(&mut self, text: &str) {
        self.text = text.to_string();
        self.edited_at = Some(Instant::now());
        self.now = true;
    }

    /// Forget the box's text without searching (a new query by example replaces the words).
    pub fn reset(&mut self) {
        self.text.clear();
        self.sent.clear();
        self.edited_at = None;
        self.now = false;
    }
}

/// Draw the box (or the offer to get CLIP) in the top bar.
pub fn words_box_ui(
    ui: &mut Ui,
    state: &mut WordsBox,
    status: Option<&LibraryStatus>,
    actions: &mut Vec<UiAction>,
) {
    let available = status.is_some_and(|s| s.words_model.is_some());
    if let Some(d) = &state.download {
        let fraction = d.total.map(|t| d.done as f32 / t.max(1) as f32);
        let text = match fraction {
            Some(f) => format!("CLIP {:.0}%", f * 100.0),
            None => format!("CLIP {} MB", d.done / 1_000_000),
        };
        ui.add(
            egui::ProgressBar::new(fraction.unwrap_or(0.0))
                .desired_width(150.0)
                .text(text),
        )
        .on_hover_text("Downloading the CLIP model for searching by words");
        if ui.small_button("Cancel").clicked() {
            actions.push(UiAction::CancelDownload);
        }
        return;
    }
    if !available {
        let why = status.and_then(|s| s.words_error.as_deref());
        let button = ui
            .button("Search by words…")
            .on_hover_text(why.unwrap_or("Type what you look for: needs the CLIP model (605 MB)"));
        if button.clicked() {
            state.offer_open = !state.offer_open;
        }
        return;
    }
    let edit = egui::TextEdit::singleline(&mut state.text)
        .hint_text("Search by words…")
        .desired_width(220.0);
    let response = ui.add(edit).on_hover_text(
        "Describe the photo (\"a dog on the beach\"). With a query photo shown, the words \
         refine it. -word excludes. Ctrl+F",
    );
    if state.focus {
        response.request_focus();
        state.focus = false;
    }
    if response.changed() {
        state.edited_at = Some(Instant::now());
    }
    if response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
        state.edited_at = Some(Instant::now());
        state.now = true;
    }
    // The edit gives the keyboard up on Escape in the same frame, hence `lost_focus` too.
    if (response.has_focus() || response.lost_focus()) && ui.input(|i| i.key_pressed(Key::Escape)) {
        state.set_now("");
    }
    if !state.text.is_empty() && ui.small_button("×").on_hover_text("Clear").clicked() {
        state.set_now("");
    }
}

/// The offer to download CLIP, as a small window.
pub fn clip_offer_ui(ctx: &egui::Context, state: &mut WordsBox, actions: &mut Vec<UiAction>) {
    if !state.offer_open {
        return;
    }
    let mut open = true;
    egui::Window::new("Search by words")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_TOP, [0.0, 60.0])
        .show(ctx, |ui| {
            ui.label(
                "Type what you are looking for — \"receipt\", \"a dog on the beach\", \
                 \"whiteboard\" — and Lookalike finds the photos that show it.",
            );
            ui.label(
                "This needs OpenAI's CLIP model (ViT-B/32, MIT licence): a 605 MB download \
                 from huggingface.co, once. Your photos never leave this computer.",
            );
            ui.label(
                "After the download, the library is read again to add CLIP's vectors \
                 (only CLIP runs; everything else is kept).",
            );
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if ui.button("Download CLIP (605 MB)").clicked() {
                    actions.push(UiAction::DownloadClip);
                    state.offer_open = false;
                }
                if ui.button("Not now").clicked() {
                    state.offer_open = false;
                }
            });
            ui.weak(
                "Offline? Save a CLIP safetensors file as clip-vit-base-patch32.safetensors in \
                 the models folder of the data directory (see Settings).",
            );
        });
    if !open {
        state.offer_open = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_due_after_the_pause_once() {
        let mut b = WordsBox::default();
        assert_eq!(b.due(), None);
        b.text = "dog".into();
        b.edited_at = Some(Instant::now());
        assert_eq!(b.due(), None, "still typing");
        b.edited_at = Some(Instant::now() - DEBOUNCE);
        assert_eq!(b.due().as_deref(), Some("dog"));
        assert_eq!(b.due(), None, "searched once");
        b.set_now("dog ");
        assert_eq!(b.due(), None, "same words");
        b.set_now("");
        assert_eq!(b.due().as_deref(), Some(""), "an emptied box goes back");
    }
}
