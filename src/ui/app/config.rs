//! How the app is started.

use std::path::PathBuf;

/// How to start the app.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Data directory; the platform default when `None`.
    pub data_dir: Option<PathBuf>,
    /// A library folder to add (and scan) at start.
    pub library: Option<PathBuf>,
    /// An image to query with at start.
    pub query: Option<PathBuf>,
    /// Scan the library at start (resumes an interrupted run).
    pub scan_on_start: bool,
    /// Thumbnail decoding threads.
    pub thumb_threads: usize,
    /// Move trashed photos into this folder instead of the system trash (tests, a quarantine).
    pub trash_dir: Option<PathBuf>,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            data_dir: None,
            library: None,
            query: None,
            scan_on_start: true,
            thumb_threads: 2,
            trash_dir: None,
        }
    }
}
