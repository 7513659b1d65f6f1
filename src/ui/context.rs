//! What a panel borrows while it draws: the settings, the library status, the texture cache and
//! thumbnail requests, the messages, and outboxes for worker commands and app actions.
//!
//! Panels take their own state plus a [`ViewContext`] instead of the whole app, and ask for
//! work by queueing [`Command`]s on its [`CommandSender`]; the app sends them after drawing.

use super::UiAction;
use super::settings::Settings;
use super::textures::TextureCache;
use super::toasts::Toasts;
use crate::worker::thumbnails::ThumbKey;
use crate::worker::{Command, LibraryStatus};

/// Worker commands queued while drawing; the app sends them, in order, after the panels.
#[derive(Debug, Default)]
pub struct CommandSender {
    queue: Vec<Command>,
}

impl CommandSender {
    /// Queue `cmd` for the worker.
    pub fn send(&mut self, cmd: Command) {
        self.queue.push(cmd);
    }

    /// The queued commands, oldest first (leaves the queue empty).
    pub fn take(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.queue)
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

/// The shared parts of the app a panel may read or change during one frame.
pub struct ViewContext<'a> {
    /// The user's settings (thumbnail size, theme, model...).
    pub settings: &'a mut Settings,
    /// The last library status from the worker.
    pub status: Option<&'a LibraryStatus>,
    /// An indexing run is in progress.
    pub indexing: bool,
    /// Decoded thumbnails and previews.
    pub textures: &'a mut TextureCache,
    /// Thumbnails and previews wanted this frame, most urgent first.
    pub wanted: &'a mut Vec<ThumbKey>,
    /// Messages on screen.
    pub toasts: &'a mut Toasts,
    /// Commands for the worker.
    pub commands: &'a mut CommandSender,
    /// What the user asked the app for (applied after drawing).
    pub actions: &'a mut Vec<UiAction>,
    /// The current view may take the keyboard (no modal above it).
    pub keyboard: bool,
    /// Files are being dragged over the window.
    pub hovering: bool,
}

impl ViewContext<'_> {
    /// Queue a command for the worker.
    pub fn send(&mut self, cmd: Command) {
        self.commands.send(cmd);
    }

    /// Ask the app for `action`.
    pub fn act(&mut self, action: UiAction) {
        self.actions.push(action);
    }

    /// Thumbnail side in the grids, in points.
    pub fn thumb_px(&self) -> f32 {
        self.settings.thumb_px
    }

    /// Whether the library has neither folders nor photos.
    pub fn library_empty(&self) -> bool {
        self.status
            .is_some_and(|s| s.roots.is_empty() && s.photos == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_leave_in_order() {
        let mut tx = CommandSender::default();
        assert!(tx.is_empty());
        tx.send(Command::Rescan);
        tx.send(Command::ListPhotos);
        let sent = tx.take();
        assert!(matches!(
            sent.as_slice(),
            [Command::Rescan, Command::ListPhotos]
        ));
        assert!(tx.is_empty());
    }
}
