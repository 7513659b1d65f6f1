//! Small jobs of the worker: status snapshots, file writes, model listing and downloads.

use super::indexing::PROGRESS_EVERY;
use super::{Event, EventSink, LibraryStatus, ModelChoice};
use crate::core::datadir::write_atomic;
use crate::core::embed::registry::ActiveEmbedders;
use crate::core::library::Library;
use crate::core::models;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Counts, folders and model for the status bar (what `status` shows, without the per-embedder
/// vector counts: this runs every second while indexing).
pub(super) fn status_of(lib: &Library, active: &ActiveEmbedders) -> Option<LibraryStatus> {
    let (photos, failed) = lib.catalog.counts().ok()?;
    Some(LibraryStatus {
        photos,
        failed,
        model_label: active.label(),
        model_spec: active.spec.clone(),
        roots: lib.catalog.roots().unwrap_or_default(),
        data_dir: lib.data_dir.root().to_path_buf(),
        words_model: active.clip().map(|c| c.label()),
        words_error: active.clip_error.clone(),
    })
}

/// Write a file atomically; tell the user when that fails.
pub(super) fn write_file(sink: &EventSink, path: &Path, contents: &[u8]) {
    if let Err(e) = write_atomic(path, contents) {
        sink.send(Event::Error(format!("Cannot save {}: {e}", path.display())));
    }
}

/// The models and whether they can be used now.
pub(super) fn list_models(data_dir: &Path) -> Vec<ModelChoice> {
    models::list_models(data_dir)
        .into_iter()
        .map(|m| ModelChoice {
            approx_mb: models::known_model(&m.name).map(|k| k.approx_mb),
            name: m.name,
            description: m.description,
            available: m.available,
            downloadable: m.downloadable,
        })
        .collect()
}

/// Download a model on its own thread (minutes), reporting progress about every 200 ms.
pub(super) fn spawn_download(
    name: String,
    data_dir: PathBuf,
    sink: EventSink,
    cancel: crate::core::progress::CancelFlag,
) {
    let thread_sink = sink.clone();
    let thread_name = name.clone();
    let spawned = std::thread::Builder::new()
        .name("lookalike-download".into())
        .spawn(move || {
            let (sink, name) = (thread_sink, thread_name);
            let last = Mutex::new(Instant::now());
            let progress = |done: u64, total: Option<u64>| {
                let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
                if last.elapsed() >= PROGRESS_EVERY {
                    *last = Instant::now();
                    sink.offer(Event::DownloadProgress {
                        name: name.clone(),
                        done,
                        total,
                    });
                }
            };
            let result = models::download(
                &name,
                &data_dir,
                &models::hub_base_url(),
                &progress,
                &cancel,
            );
            sink.send(Event::DownloadFinished {
                name,
                error: result.err().map(|e| e.to_string()),
            });
        });
    if let Err(e) = spawned {
        sink.send(Event::DownloadFinished {
            name,
            error: Some(format!("cannot start the download: {e}")),
        });
    }
}
