//! Things the UI starts outside egui: file dialogs (on their own thread, so a frame never
//! waits), opening files with the desktop's default app, and reading pasted paths.

use crossbeam_channel::{Receiver, Sender};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What a file dialog returned.
#[derive(Debug, Clone, PartialEq)]
pub enum DialogResult {
    /// A folder to add to the library.
    Folder(PathBuf),
    /// An image to query with.
    Image(PathBuf),
    /// A folder to copy or move the selected photos into.
    Destination(PathBuf),
    /// Where to save the exported list of the selected photos.
    ExportFile(PathBuf),
    /// Nothing was chosen; `quick` when the dialog returned at once (likely unavailable).
    Nothing {
        /// Whether it came back too fast for a person to have cancelled it.
        quick: bool,
    },
}

/// Runs native file dialogs off the UI thread, one at a time.
pub struct Dialogs {
    tx: Sender<DialogResult>,
    rx: Receiver<DialogResult>,
    open: bool,
}

impl Default for Dialogs {
    fn default() -> Self {
        let (tx, rx) = crossbeam_channel::bounded(4);
        Self {
            tx,
            rx,
            open: false,
        }
    }
}

impl Dialogs {
    /// Ask for a library folder.
    pub fn pick_folder(&mut self, ctx: &egui::Context) {
        self.spawn(ctx, true);
    }

    /// Ask for an image to query with.
    pub fn pick_image(&mut self, ctx: &egui::Context) {
        self.spawn(ctx, false);
    }

    /// Ask for the folder to copy or move selected photos into.
    pub fn pick_destination(&mut self, ctx: &egui::Context, title: String) {
        self.spawn_with(ctx, move || {
            rfd::FileDialog::new()
                .set_title(title)
                .pick_folder()
                .map(DialogResult::Destination)
        });
    }

    /// Ask where to save an exported list (CSV, or JSON by its extension).
    pub fn pick_export_file(&mut self, ctx: &egui::Context, file_name: String) {
        self.spawn_with(ctx, move || {
            rfd::FileDialog::new()
                .set_title("Export the list of selected photos")
                .set_file_name(file_name)
                .add_filter("CSV", &["csv"])
                .add_filter("JSON", &["json"])
                .save_file()
                .map(DialogResult::ExportFile)
        });
    }

    /// Whether a dialog is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// A finished dialog's result.
    pub fn poll(&mut self) -> Option<DialogResult> {
        let r = self.rx.try_recv().ok();
        if r.is_some() {
            self.open = false;
        }
        r
    }

    fn spawn(&mut self, ctx: &egui::Context, folder: bool) {
        self.spawn_with(ctx, move || {
            if folder {
                rfd::FileDialog::new()
                    .set_title("Choose a photo library folder")
                    .pick_folder()
                    .map(DialogResult::Folder)
            } else {
                rfd::FileDialog::new()
                    .set_title("Open an image to find similar photos")
                    .add_filter(
                        "Photos and videos",
                        &crate::core::image_io::photo_extensions_any_case()
                            .into_iter()
                            .chain(
                                crate::core::video::VIDEO_EXTS
                                    .iter()
                                    .flat_map(|e| [e.to_string(), e.to_ascii_uppercase()]),
                            )
                            .collect::<Vec<_>>(),
                    )
                    .pick_file()
                    .map(DialogResult::Image)
            }
        });
    }

    /// Run `dialog` on its own thread (one dialog at a time); its result arrives by [`Self::poll`].
    fn spawn_with(
        &mut self,
        ctx: &egui::Context,
        dialog: impl FnOnce() -> Option<DialogResult> + Send + 'static,
    ) {
        if self.open {
            return;
        }
        self.open = true;
        let (tx, ctx) = (self.tx.clone(), ctx.clone());
        let started = Instant::now();
        let spawned = std::thread::Builder::new()
            .name("lookalike-dialog".into())
            .spawn(move || {
                let result = dialog();
                let quick = started.elapsed() < Duration::from_millis(400);
                let _ = tx.send(result.unwrap_or(DialogResult::Nothing { quick }));
                ctx.request_repaint();
            });
        if spawned.is_err() {
            self.open = false;
        }
    }
}

/// Start a program without a shell and reap it in the background.
fn spawn_detached(mut cmd: Command) -> Result<(), String> {
    let program = format!("{:?}", cmd.get_program());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let _ = std::thread::Builder::new()
        .name("lookalike-reaper".into())
        .spawn(move || {
            let _ = child.wait();
        });
    Ok(())
}

/// Open a file with the desktop's default application.
pub fn open_external(path: &Path) -> Result<(), String> {
    let mut cmd = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut c = Command::new("explorer");
        c.arg(path);
        return spawn_detached(c);
    } else {
        Command::new("xdg-open")
    };
    cmd.arg(path);
    spawn_detached(cmd)
}

/// Show a file in the file manager (its folder, with the file selected where supported).
pub fn show_in_folder(path: &Path) -> Result<(), String> {
    if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg("-R").arg(path);
        spawn_detached(c)
    } else if cfg!(windows) {
        let mut c = Command::new("explorer");
        c.arg(format!("/select,{}", path.display()));
        spawn_detached(c)
    } else {
        let dir = path.parent().unwrap_or(Path::new("/"));
        let mut c = Command::new("xdg-open");
        c.arg(dir);
        spawn_detached(c)
    }
}

/// Turn pasted text into a path: the first non-empty line, `file://` URLs decoded, quotes
/// stripped. `None` when it does not name an existing file or folder.
pub fn path_from_paste(text: &str) -> Option<PathBuf> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let line = line.trim_matches(|c| c == '"' || c == '\'');
    let raw = match line.strip_prefix("file://") {
        Some(rest) => percent_decode(rest),
        None => line.to_string(),
    };
    let p = PathBuf::from(raw);
    p.exists().then_some(p)
}

fn percent_decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("a b.jpg");
        std::fs::write(&f, b"x").expect("write");
        let url = format!("file://{}", f.display()).replace(' ', "%20");
        assert_eq!(path_from_paste(&url), Some(f.clone()));
        assert_eq!(path_from_paste(&format!("\"{}\"\n", f.display())), Some(f));
        assert_eq!(path_from_paste("hello"), None);
    }
}
