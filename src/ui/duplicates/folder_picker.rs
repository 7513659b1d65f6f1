//! The "add reference folder" dialog, on its own thread so a frame never waits for it.

use crossbeam_channel::{Receiver, Sender};
use std::path::PathBuf;

/// One folder dialog at a time.
pub struct FolderPicker {
    tx: Sender<Option<PathBuf>>,
    rx: Receiver<Option<PathBuf>>,
    open: bool,
}

impl Default for FolderPicker {
    fn default() -> Self {
        let (tx, rx) = crossbeam_channel::bounded(2);
        Self {
            tx,
            rx,
            open: false,
        }
    }
}

impl FolderPicker {
    /// Open the dialog (ignored while one is open).
    pub fn open(&mut self, ctx: &egui::Context) {
        if self.open {
            return;
        }
        let (tx, ctx) = (self.tx.clone(), ctx.clone());
        let spawned = std::thread::Builder::new()
            .name("lookalike-dialog".into())
            .spawn(move || {
                let folder = rfd::FileDialog::new()
                    .set_title("Choose a reference folder (its photos are never removed)")
                    .pick_folder();
                let _ = tx.send(folder);
                ctx.request_repaint();
            });
        self.open = spawned.is_ok();
    }

    /// The chosen folder, once the dialog closed with one.
    pub fn poll(&mut self) -> Option<PathBuf> {
        match self.rx.try_recv() {
            Ok(r) => {
                self.open = false;
                r
            }
            Err(_) => None,
        }
    }
}
