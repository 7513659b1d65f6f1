//! The library watcher: a thread that watches the library folders with `notify` and, once the
//! file system has been quiet for a moment, tells the job thread which folders changed.
//!
//! The job thread answers with an incremental scan of those folders (unchanged files are skipped
//! by size and modification time, moves are found by content hash), so the watcher only has to
//! say *where* something happened, never *what*. A burst of thousands of events (a bulk copy)
//! becomes one message; editors' and browsers' temporary files, hidden files and the data folder
//! are ignored; reads (the indexer's own) are not changes. Folders that are not reachable
//! (unplugged drives) are not watched; when one comes back it is watched again and reported as
//! changed, so its photos are brought up to date.

use crossbeam_channel::{Receiver, Sender};
use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the folders must be quiet before changes are reported.
pub(super) const QUIET: Duration = Duration::from_millis(1500);
/// Changes are reported at the latest this long after the first one, even while events go on
/// (a long copy then shows up in parts instead of only at its end).
const MAX_WAIT: Duration = Duration::from_secs(30);
/// How often the watched folders are checked for having gone or come back.
const RECHECK: Duration = Duration::from_secs(5);
/// Name endings of files that are still being written or are not photos of their own.
const TEMP_SUFFIXES: [&str; 8] = [
    "~",
    ".swp",
    ".swx",
    ".part",
    ".crdownload",
    ".tmp",
    ".download",
    ".partial",
];

/// Requests to the watcher thread.
enum Request {
    /// Watch exactly these library folders.
    Roots(Vec<PathBuf>),
    /// End the thread.
    Stop,
}

/// What the watcher tells the job thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum WatchReport {
    /// Something was added, changed, moved or deleted under these library folders.
    Changed(Vec<PathBuf>),
    /// A folder cannot be watched (e.g. the system's limit on watches); for a person.
    Failed(String),
}

/// The job thread's handle on the watcher thread; dropping it stops the thread.
pub(super) struct LibraryWatcher {
    requests: Sender<Request>,
    thread: Option<JoinHandle<()>>,
}

impl LibraryWatcher {
    /// Start watching; reports go to `reports`. `data_dir` is never reported (thumbnails and
    /// the catalog are written there, possibly inside a library folder).
    pub(super) fn start(data_dir: PathBuf, reports: Sender<WatchReport>) -> Result<Self, String> {
        let (req_tx, req_rx) = crossbeam_channel::unbounded();
        let (raw_tx, raw_rx) = crossbeam_channel::unbounded();
        let watcher = notify::recommended_watcher(move |ev| {
            let _ = raw_tx.send(ev);
        })
        .map_err(|e| format!("cannot watch the library folders: {e}"))?;
        let data_dir = data_dir.canonicalize().unwrap_or(data_dir);
        let mut state = WatchState {
            watcher,
            data_dir,
            wanted: Vec::new(),
            watched: HashSet::new(),
            lost: HashSet::new(),
            changed: BTreeSet::new(),
            first: None,
            last: None,
            reports,
        };
        let thread = std::thread::Builder::new()
            .name("lookalike-watch".into())
            .spawn(move || state.run(&req_rx, &raw_rx))
            .map_err(|e| format!("cannot start the library watcher: {e}"))?;
        Ok(Self {
            requests: req_tx,
            thread: Some(thread),
        })
    }

    /// Watch exactly `roots` (the library folders); unreachable ones are watched once they
    /// appear.
    pub(super) fn set_roots(&self, roots: Vec<PathBuf>) {
        let _ = self.requests.send(Request::Roots(roots));
    }
}

impl Drop for LibraryWatcher {
    fn drop(&mut self) {
        let _ = self.requests.send(Request::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The watcher thread's state.
struct WatchState {
    watcher: RecommendedWatcher,
    data_dir: PathBuf,
    /// The library folders.
    wanted: Vec<PathBuf>,
    /// Folders watched now.
    watched: HashSet<PathBuf>,
    /// Folders that were watched and went away (reported as changed when they come back).
    lost: HashSet<PathBuf>,
    /// Folders with changes not reported yet.
    changed: BTreeSet<PathBuf>,
    /// When the first and the last unreported change happened.
    first: Option<Instant>,
    last: Option<Instant>,
    reports: Sender<WatchReport>,
}

impl WatchState {
    fn run(&mut self, requests: &Receiver<Request>, raw: &Receiver<notify::Result<notify::Event>>) {
        let mut next_check = Instant::now() + RECHECK;
        loop {
            let now = Instant::now();
            let due = self.due_at().map_or(next_check, |d| d.min(next_check));
            crossbeam_channel::select! {
                recv(requests) -> req => match req {
                    Ok(Request::Roots(roots)) => {
                        self.wanted = roots;
                        self.sync(false);
                    }
                    Ok(Request::Stop) | Err(_) => return,
                },
                recv(raw) -> ev => {
                    if let Ok(ev) = ev {
                        self.on_event(ev);
                    }
                }
                default(due.saturating_duration_since(now)) => {}
            }
            let now = Instant::now();
            if now >= next_check {
                self.sync(true);
                next_check = now + RECHECK;
            }
            if self.due_at().is_some_and(|d| now >= d) {
                self.report();
            }
        }
    }

    /// When the unreported changes are due, if there are any.
    fn due_at(&self) -> Option<Instant> {
        if self.changed.is_empty() {
            return None;
        }
        let (first, last) = (self.first?, self.last?);
        Some((last + QUIET).min(first + MAX_WAIT))
    }

    /// Send the changed folders to the job thread.
    fn report(&mut self) {
        let changed: Vec<PathBuf> = std::mem::take(&mut self.changed).into_iter().collect();
        self.first = None;
        self.last = None;
        let _ = self.reports.send(WatchReport::Changed(changed));
    }

    /// Mark `root` changed now.
    fn mark(&mut self, root: PathBuf) {
        let now = Instant::now();
        self.changed.insert(root);
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// Watch the wanted folders that are reachable, stop watching the others. With
    /// `report_back`, a folder that went away and is back is marked changed.
    fn sync(&mut self, report_back: bool) {
        let gone: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|w| !self.wanted.contains(w) || !w.is_dir())
            .cloned()
            .collect();
        for g in gone {
            let _ = self.watcher.unwatch(&g);
            self.watched.remove(&g);
            if self.wanted.contains(&g) {
                self.lost.insert(g);
            }
        }
        self.lost.retain(|l| self.wanted.contains(l));
        self.changed.retain(|c| self.wanted.contains(c));
        for root in self.wanted.clone() {
            if self.watched.contains(&root) || !root.is_dir() {
                continue;
            }
            match self.watcher.watch(&root, RecursiveMode::Recursive) {
                Ok(()) => {
                    self.watched.insert(root.clone());
                    if self.lost.remove(&root) && report_back {
                        self.mark(root);
                    }
                }
                Err(e) => {
                    // Watches added before the failure are dropped: the folder is tried again
                    // at the next check.
                    let _ = self.watcher.unwatch(&root);
                    if !self.lost.contains(&root) {
                        let _ = self.reports.send(WatchReport::Failed(format!(
                            "Cannot watch {} for changes ({e}); press F5 to rescan after changes",
                            root.display()
                        )));
                    }
                    self.lost.insert(root);
                }
            }
        }
    }

    /// Note the library folders an event touches, unless it is a read or about ignored files.
    fn on_event(&mut self, ev: notify::Result<notify::Event>) {
        let ev = match ev {
            Ok(ev) => ev,
            // The watcher lost track (e.g. a queue overflow): every folder may have changed.
            Err(_) => return self.mark_all(),
        };
        if ev.need_rescan() {
            return self.mark_all();
        }
        if !is_change(&ev.kind) {
            return;
        }
        for path in &ev.paths {
            if path.starts_with(&self.data_dir) {
                continue;
            }
            let Some(root) = self.wanted.iter().find(|r| path.starts_with(r)).cloned() else {
                continue;
            };
            if !is_ignored(&root, path) {
                self.mark(root);
            }
        }
    }

    fn mark_all(&mut self) {
        for root in self.watched.clone() {
            self.mark(root);
        }
    }
}

/// Whether an event kind can change what the library holds (reads and opens cannot).
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Any
        | EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Other => true,
    }
}

/// Whether a change to `path` (under `root`) is ignored: hidden files and folders, editors'
/// swap and backup files, downloads in progress, temporary files.
pub(super) fn is_ignored(root: &Path, path: &Path) -> bool {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        name.starts_with('.')
            || TEMP_SUFFIXES
                .iter()
                .any(|s| name.to_ascii_lowercase().ends_with(s))
    })
}

/// The job thread's side: turning watching on and off, and scanning what changed.
impl super::job::Job {
    /// Turn watching on or off; on, the watcher watches the library folders at once.
    pub(super) fn set_watch(&mut self, on: bool) {
        if on == self.watcher.is_some() {
            return;
        }
        self.changed.clear();
        if !on {
            self.watcher = None;
            return;
        }
        let data_dir = self.lib.data_dir.root().to_path_buf();
        match LibraryWatcher::start(data_dir, self.watch_tx.clone()) {
            Ok(w) => {
                self.watcher = Some(w);
                self.sync_watch();
            }
            Err(e) => {
                self.sink.send(super::Event::Notice(e));
            }
        }
    }

    /// Tell the watcher the library folders (after one was added or removed).
    pub(super) fn sync_watch(&self) {
        if let Some(w) = &self.watcher {
            w.set_roots(self.lib.catalog.roots().unwrap_or_default());
        }
    }

    /// A report of the watcher: remember the changed folders (scanned when no run is in
    /// progress), or pass a failure on.
    pub(super) fn on_watch_report(&mut self, report: WatchReport) {
        match report {
            WatchReport::Changed(roots) if self.watcher.is_some() => self.changed.extend(roots),
            WatchReport::Changed(_) => {}
            WatchReport::Failed(message) => {
                self.sink.send(super::Event::Notice(message));
            }
        }
    }

    /// Scan the library folders with changes that are still library folders and reachable;
    /// the others are left alone (an unplugged drive keeps its photos).
    pub(super) fn scan_changed(&mut self) {
        let changed = std::mem::take(&mut self.changed);
        let roots = self.lib.catalog.roots().unwrap_or_default();
        let scan: Vec<PathBuf> = changed
            .into_iter()
            .filter(|c| roots.contains(c) && c.is_dir())
            .collect();
        self.start_run(scan.clone(), scan);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_and_hidden_files_are_ignored() {
        let root = Path::new("/lib");
        for p in [
            "/lib/a.jpg.part",
            "/lib/a.JPG.crdownload",
            "/lib/.a.jpg.swp",
            "/lib/a.jpg~",
            "/lib/x/a.tmp",
            "/lib/.thumbs/a.jpg",
            "/lib/sub/.hidden.jpg",
        ] {
            assert!(is_ignored(root, Path::new(p)), "{p}");
        }
        for p in ["/lib/a.jpg", "/lib/trip/b.heic", "/lib/tmp/c.png"] {
            assert!(!is_ignored(root, Path::new(p)), "{p}");
        }
    }

    #[test]
    fn reads_are_not_changes() {
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_change(&EventKind::Remove(
            notify::event::RemoveKind::File
        )));
    }
}
