//! Where trashed files go and how they come back: the system trash, or a plain folder.
//!
//! Nothing is ever deleted: files go to the system trash (the `trash` crate) through a [`Mover`].
//! Tests use [`FolderTrash`], never the user's trash.

use super::records::{JournalEntry, RestoreOutcome};
use std::path::{Path, PathBuf};

/// Moves files out of the library and back. Implemented by the system trash and, for tests,
/// by a plain folder.
pub trait Mover: Send + Sync {
    /// Move one file away; returns its new location when known.
    fn trash(&self, path: &Path) -> std::io::Result<Option<PathBuf>>;
    /// Put back files moved earlier (entries are "moved" lines of the journal).
    fn restore(&self, entries: &[JournalEntry]) -> Vec<RestoreOutcome>;
    /// Where files go, for messages ("the system trash", a folder).
    fn describe(&self) -> String;
}

/// The real system trash.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemTrash;

impl Mover for SystemTrash {
    fn trash(&self, path: &Path) -> std::io::Result<Option<PathBuf>> {
        trash::delete(path).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(None)
    }

    fn restore(&self, entries: &[JournalEntry]) -> Vec<RestoreOutcome> {
        restore_from_system_trash(entries)
    }

    fn describe(&self) -> String {
        "the system trash".into()
    }
}

#[cfg(any(
    target_os = "windows",
    all(
        unix,
        not(target_os = "macos"),
        not(target_os = "ios"),
        not(target_os = "android")
    )
))]
fn restore_from_system_trash(entries: &[JournalEntry]) -> Vec<RestoreOutcome> {
    let manual = |p: &Path, why: String| {
        RestoreOutcome::Manual(
            p.to_path_buf(),
            format!("{why}; restore it from the system trash"),
        )
    };
    let items = match trash::os_limited::list() {
        Ok(items) => items,
        Err(e) => {
            return entries
                .iter()
                .map(|en| manual(&en.path, format!("cannot read the trash ({e})")))
                .collect();
        }
    };
    let mut out = Vec::new();
    for en in entries {
        // The newest trashed item with this original path, deleted no earlier than the journal says.
        let found = items
            .iter()
            .filter(|it| it.original_path() == en.path && it.time_deleted >= en.time - 5)
            .max_by_key(|it| it.time_deleted)
            .cloned();
        let outcome = match found {
            None => manual(&en.path, "not found in the trash (emptied?)".into()),
            Some(_) if en.path.exists() => manual(&en.path, "a file now exists at its path".into()),
            Some(item) => match trash::os_limited::restore_all([item]) {
                Ok(()) => RestoreOutcome::Restored(en.path.clone()),
                Err(e) => manual(&en.path, format!("restore failed ({e})")),
            },
        };
        out.push(outcome);
    }
    out
}

#[cfg(not(any(
    target_os = "windows",
    all(
        unix,
        not(target_os = "macos"),
        not(target_os = "ios"),
        not(target_os = "android")
    )
)))]
fn restore_from_system_trash(entries: &[JournalEntry]) -> Vec<RestoreOutcome> {
    entries
        .iter()
        .map(|en| {
            RestoreOutcome::Manual(
                en.path.clone(),
                "this platform cannot restore automatically; use \"Put Back\" in the Trash".into(),
            )
        })
        .collect()
}

/// A trash that is a plain folder: files are renamed into it (same file system) and back. For
/// tests, and for users who prefer a quarantine folder.
#[derive(Debug, Clone)]
pub struct FolderTrash {
    dir: PathBuf,
}

impl FolderTrash {
    /// A trash folder at `dir` (created on first use).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

impl Mover for FolderTrash {
    fn trash(&self, path: &Path) -> std::io::Result<Option<PathBuf>> {
        std::fs::create_dir_all(&self.dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let mut target = self.dir.join(&name);
        let mut n = 1;
        while target.exists() {
            target = self.dir.join(format!("{n}-{name}"));
            n += 1;
        }
        std::fs::rename(path, &target)?;
        Ok(Some(target))
    }

    fn restore(&self, entries: &[JournalEntry]) -> Vec<RestoreOutcome> {
        entries
            .iter()
            .map(|en| match &en.trashed_to {
                Some(from) if !en.path.exists() => match std::fs::rename(from, &en.path) {
                    Ok(()) => RestoreOutcome::Restored(en.path.clone()),
                    Err(e) => RestoreOutcome::Manual(
                        en.path.clone(),
                        format!("cannot move it back ({e}); it is at {}", from.display()),
                    ),
                },
                Some(from) => RestoreOutcome::Manual(
                    en.path.clone(),
                    format!(
                        "a file now exists at its path; the trashed copy is at {}",
                        from.display()
                    ),
                ),
                None => RestoreOutcome::Manual(en.path.clone(), "its location is unknown".into()),
            })
            .collect()
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}
