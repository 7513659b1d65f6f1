//! The exact flat snapshot of one embedder's vectors, kept by the job thread's query indexes. It starts loading on a helper thread as soon as the worker starts, so the
//! first query after launch is answered while the start-up rescan walks the library, and it is
//! read once per catalog epoch instead of once per query.

use crate::core::catalog::Catalog;
use crate::core::flat_index::QuerySnapshot;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// What is known of the snapshot.
enum State {
    /// Not loaded (or dropped because the catalog moved on).
    Empty,
    /// A helper thread is reading it.
    Loading,
    /// Loaded for `epoch` (`None`: there is no current snapshot for that epoch).
    Ready {
        epoch: String,
        flat: Option<Arc<QuerySnapshot>>,
    },
}

/// The snapshot of one embedder's vectors in one index folder.
pub(super) struct Snapshot {
    dir: PathBuf,
    embedder: String,
    dim: usize,
    state: Mutex<State>,
    changed: Condvar,
}

impl Snapshot {
    /// The snapshot of `embedder` (`dim`-d) in the index folder `dir`; nothing is read yet.
    pub(super) fn new(dir: PathBuf, embedder: &str, dim: usize) -> Arc<Self> {
        Arc::new(Self {
            dir,
            embedder: embedder.to_string(),
            dim,
            state: Mutex::new(State::Empty),
            changed: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Start reading the snapshot for catalog `epoch` on a helper thread.
    pub(super) fn preload(self: &Arc<Self>, epoch: String) {
        {
            let mut st = self.lock();
            if !matches!(*st, State::Empty) {
                return;
            }
            *st = State::Loading;
        }
        let me = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("snapshot".into())
            .spawn(move || {
                let flat = QuerySnapshot::open_at(&me.dir, &epoch, &me.embedder, me.dim);
                crate::core::timeline::mark(match &flat {
                    Some(f) => format!("vector snapshot read ({} photos)", f.len()),
                    None => "no current vector snapshot".to_string(),
                });
                me.finish(epoch, flat);
            });
        if spawned.is_err() {
            *self.lock() = State::Empty;
        }
    }

    fn finish(&self, epoch: String, flat: Option<QuerySnapshot>) {
        *self.lock() = State::Ready {
            epoch,
            flat: flat.map(Arc::new),
        };
        self.changed.notify_all();
    }

    /// The snapshot if it reflects `catalog` now, reading it when needed (waiting for a load
    /// already under way). `None` when there is no current snapshot: search another way.
    pub(super) fn current(&self, catalog: &Catalog) -> Option<Arc<QuerySnapshot>> {
        let epoch = catalog.epoch().ok()?;
        let mut st = self.lock();
        while matches!(*st, State::Loading) {
            st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        if let State::Ready { epoch: e, flat } = &*st
            && *e == epoch
        {
            return flat.clone();
        }
        // Not loaded, or loaded for an older epoch: read it now (the lock keeps a second
        // reader from doing the same work).
        let flat =
            QuerySnapshot::open_at(&self.dir, &epoch, &self.embedder, self.dim).map(Arc::new);
        *st = State::Ready {
            epoch,
            flat: flat.clone(),
        };
        flat
    }
}
