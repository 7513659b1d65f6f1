//! The metadata-only pass: capture metadata for photos indexed before it was read (or by an
//! older reader), without decoding pixels or re-embedding anything.

use crate::core::catalog::Catalog;
use crate::core::error::Result;
use crate::core::image_io;
use crate::core::progress::{CancelFlag, Progress, ProgressUpdate};
use rayon::prelude::*;

/// Photos read per catalog transaction.
const BATCH: usize = 256;

/// Read the capture metadata of every photo the catalog has not read it for. Files that are
/// gone or unreadable are recorded as having none (the next index run handles them). Returns
/// how many photos were read; stops early (keeping what was written) when `cancel` is set.
pub fn backfill(
    catalog: &mut Catalog,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<usize> {
    let stale = catalog.stale_capture()?;
    let total = stale.len() as u64;
    let mut done = 0usize;
    for chunk in stale.chunks(BATCH) {
        if cancel.is_cancelled() {
            break;
        }
        progress.update(ProgressUpdate {
            stage: "reading capture dates",
            done: done as u64,
            total: Some(total),
            current: chunk.first().map(|(_, p)| p.display().to_string()),
        });
        let read: Vec<_> = chunk
            .par_iter()
            .map(|(id, path)| {
                let info = image_io::read_file(path)
                    .ok()
                    .and_then(|bytes| {
                        let format = image_io::sniff_file(&bytes, path)?;
                        Some(super::read(&bytes, format))
                    })
                    .unwrap_or_default();
                (*id, info)
            })
            .collect();
        catalog.set_capture(&read)?;
        done += read.len();
    }
    Ok(done)
}
