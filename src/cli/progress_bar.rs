//! Terminal progress: an indicatif bar with done/total, photos/s and ETA (hidden when stderr is
//! not a terminal), and warnings printed above it.

use crate::core::progress::{Progress, ProgressUpdate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;

/// A [`Progress`] that draws an indicatif bar.
pub struct TerminalProgress {
    bar: ProgressBar,
    stage: Mutex<&'static str>,
    quiet_warnings: bool,
}

impl TerminalProgress {
    /// A bar on stderr; `quiet_warnings` hides per-file warnings (they remain in `status`).
    pub fn new(quiet_warnings: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(5));
        Self {
            bar,
            stage: Mutex::new(""),
            quiet_warnings,
        }
    }

    /// Remove the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for TerminalProgress {
    fn update(&self, u: ProgressUpdate) {
        if let Ok(mut stage) = self.stage.lock()
            && *stage != u.stage
        {
            *stage = u.stage;
            let style = if u.total.is_some() {
                ProgressStyle::with_template(
                    "{prefix:>9} [{bar:30}] {pos}/{len} {per_sec} ETA {eta} {wide_msg}",
                )
            } else {
                ProgressStyle::with_template("{prefix:>9} {spinner} {pos} {wide_msg}")
            };
            if let Ok(style) = style {
                self.bar.set_style(style.progress_chars("=> "));
            }
            self.bar.set_prefix(u.stage);
            self.bar.reset();
        }
        if let Some(t) = u.total {
            self.bar.set_length(t);
        }
        self.bar.set_position(u.done);
        if let Some(c) = u.current {
            let name = std::path::Path::new(&c)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(c);
            self.bar.set_message(name);
        }
    }

    fn warn(&self, message: &str) {
        if !self.quiet_warnings {
            self.bar.suspend(|| eprintln!("warning: {message}"));
        }
    }
}
