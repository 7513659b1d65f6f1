//! The application state and its frame: drain worker events (with a time budget), upload a few
//! textures, draw the panels, then apply what the user asked for.
//!
//! [`App`] is independent of eframe's window: tests build it with [`App::new`] and drive it with
//! [`App::frame`] inside an egui_kittest harness; eframe calls the same code via [`eframe::App`].

use super::actions::{self, DialogResult, Dialogs};
use super::browse::BrowseState;
use super::preview::PreviewState;
use super::results_grid::TileAction;
use super::results_view::QueryState;
use super::settings::{DownloadState, ModelDraft, Settings, ThemeChoice};
use super::textures::TextureCache;
use super::toasts::Toasts;
use crate::core::catalog::PhotoInfo;
use crate::core::indexer::IndexReport;
use crate::worker::thumbnails::ThumbKey;
use crate::worker::{
    Command, Event, IndexProgress, LibraryStatus, ModelChoice, QuerySource, WorkerConfig,
    WorkerHandle,
};
use egui::Context;
use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Time per frame spent draining worker events.
const EVENT_BUDGET: Duration = Duration::from_millis(10);
/// How often partial results (answered while indexing) are refreshed.
const PARTIAL_REFRESH: Duration = Duration::from_secs(2);
/// Textures uploaded per frame at most.
const UPLOADS_PER_FRAME: usize = 4;

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
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            data_dir: None,
            library: None,
            query: None,
            scan_on_start: true,
            thumb_threads: 2,
        }
    }
}

/// The main views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Query by example.
    Results,
    /// The whole library.
    Browse,
    /// Duplicate groups (a slot for `dupes_view`).
    Duplicates,
}

/// Which list a tile action refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// The query results.
    Results,
    /// The browse view.
    Browse,
}

/// Something the user asked for, collected while drawing and applied after.
#[derive(Debug, Clone, PartialEq)]
pub enum UiAction {
    /// Show the "open image" dialog.
    OpenImageDialog,
    /// Show the "add folder" dialog.
    AddFolderDialog,
    /// Ask the platform for the clipboard (arrives as a paste event).
    Paste,
    /// Rescan the library.
    Rescan,
    /// Open or close the settings window.
    ToggleSettings,
    /// Switch view.
    SetView(View),
    /// Pause indexing.
    Pause,
    /// Resume indexing.
    Resume,
    /// Cancel indexing.
    CancelIndexing,
    /// Show failed files.
    ShowFailures,
    /// Forget the query.
    ClearQuery,
    /// Reload the browse listing.
    RefreshBrowse,
    /// Act on a photo of a list.
    Tile(ListKind, TileAction),
}

/// Frame-time statistics for the debug overlay (F12) and `LOOKALIKE_FRAME_LOG=1`.
#[derive(Debug)]
pub struct FrameStats {
    recent_ms: VecDeque<f32>,
    log: bool,
    last_log: Instant,
}

impl FrameStats {
    fn new() -> Self {
        Self {
            recent_ms: VecDeque::with_capacity(240),
            log: std::env::var_os("LOOKALIKE_FRAME_LOG").is_some(),
            last_log: Instant::now(),
        }
    }

    fn record(&mut self, d: Duration) {
        if self.recent_ms.len() == 240 {
            self.recent_ms.pop_front();
        }
        self.recent_ms.push_back(d.as_secs_f32() * 1e3);
        if self.log && self.last_log.elapsed() >= Duration::from_secs(5) {
            self.last_log = Instant::now();
            let (avg, max, over) = self.summary();
            eprintln!(
                "lookalike: frames: {} recent, avg {avg:.2} ms, max {max:.2} ms, {over} over 16 ms",
                self.recent_ms.len()
            );
        }
    }

    /// Average and maximum frame time (ms) over recent frames, and how many exceeded 16 ms.
    pub fn summary(&self) -> (f32, f32, usize) {
        let n = self.recent_ms.len().max(1) as f32;
        let avg = self.recent_ms.iter().sum::<f32>() / n;
        let max = self.recent_ms.iter().copied().fold(0.0, f32::max);
        let over = self.recent_ms.iter().filter(|&&m| m > 16.0).count();
        (avg, max, over)
    }
}

/// The application.
pub struct App {
    pub(super) worker: WorkerHandle,
    pub(super) data_dir: PathBuf,
    pub(super) settings: Settings,
    saved_settings: Settings,
    applied_theme: Option<ThemeChoice>,
    pub(super) model_draft: ModelDraft,
    pub(super) models: Option<Vec<ModelChoice>>,
    pub(super) download: Option<DownloadState>,
    pub(super) status: Option<LibraryStatus>,
    pub(super) progress: Option<IndexProgress>,
    pub(super) indexing: bool,
    pub(super) last_report: Option<IndexReport>,
    pub(super) view: View,
    pub(super) query: Option<QueryState>,
    next_query_id: u64,
    pub(super) browse: BrowseState,
    pub(super) preview: Option<(ListKind, PreviewState)>,
    pub(super) textures: TextureCache,
    last_wanted: Vec<ThumbKey>,
    pub(super) toasts: Toasts,
    pub(super) failures: Option<Vec<(PathBuf, String)>>,
    pub(super) show_failures: bool,
    pub(super) show_settings: bool,
    pub(super) confirm_trash: Option<Vec<(i64, PathBuf)>>,
    pub(super) dialogs: Dialogs,
    pub(super) frames: FrameStats,
    pub(super) show_debug: bool,
    frame_start: Option<Instant>,
}

impl App {
    /// Start the worker and load settings. `waker` is called from worker threads after each
    /// event (in the window: `ctx.request_repaint()`).
    pub fn new(config: AppConfig, waker: Box<dyn Fn() + Send + Sync>) -> Self {
        let mut toasts = Toasts::default();
        let data_dir = config
            .data_dir
            .clone()
            .or_else(|| crate::core::datadir::DataDir::default_path().ok())
            .unwrap_or_else(|| std::env::temp_dir().join("lookalike"));
        let (settings, warning) = Settings::load(&data_dir);
        if let Some(w) = warning {
            toasts.error(w);
        }
        let worker = WorkerHandle::spawn(
            WorkerConfig {
                data_dir: data_dir.clone(),
                model: settings.model.clone(),
                device: settings.device.clone(),
                add_roots: config.library.iter().cloned().collect(),
                scan_on_start: config.scan_on_start,
                thumb_threads: config.thumb_threads,
            },
            waker,
        );
        let model_draft = ModelDraft {
            model: settings.model.clone(),
            device: settings.device.clone(),
        };
        let mut app = Self {
            worker,
            data_dir,
            saved_settings: settings.clone(),
            settings,
            applied_theme: None,
            model_draft,
            models: None,
            download: None,
            status: None,
            progress: None,
            indexing: false,
            last_report: None,
            view: View::Results,
            query: None,
            next_query_id: 0,
            browse: BrowseState::default(),
            preview: None,
            textures: TextureCache::default(),
            last_wanted: Vec::new(),
            toasts,
            failures: None,
            show_failures: false,
            show_settings: false,
            confirm_trash: None,
            dialogs: Dialogs::default(),
            frames: FrameStats::new(),
            show_debug: false,
            frame_start: None,
        };
        if let Some(q) = config.query {
            let q = q.canonicalize().unwrap_or(q);
            app.start_query(QuerySource::File(q), None);
        }
        app
    }

    /// One whole frame (what eframe does with `logic` then `ui`): for tests and embedding.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        self.logic(ui.ctx());
        self.draw(ui);
    }

    /// Whether an indexing run is in progress.
    pub fn is_indexing(&self) -> bool {
        self.indexing
    }

    /// The last library status from the worker.
    pub fn status(&self) -> Option<&LibraryStatus> {
        self.status.as_ref()
    }

    /// The last finished indexing run.
    pub fn last_report(&self) -> Option<&IndexReport> {
        self.last_report.as_ref()
    }

    /// The current settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The current view.
    pub fn view(&self) -> View {
        self.view
    }

    /// Whether the preview is open.
    pub fn preview_open(&self) -> bool {
        self.preview.is_some()
    }

    /// The results of the current query (empty while waiting).
    pub fn results(&self) -> Vec<&PhotoInfo> {
        self.query
            .as_ref()
            .map(|q| q.hits.iter().map(|h| &h.info).collect())
            .unwrap_or_default()
    }

    /// Whether the current query is waiting for its answer.
    pub fn query_pending(&self) -> bool {
        self.query.as_ref().is_some_and(|q| q.pending)
    }

    /// Messages on screen.
    pub fn toast_texts(&self) -> Vec<String> {
        self.toasts.items().iter().map(|t| t.text.clone()).collect()
    }

    /// Recent frame times: (average ms, max ms, frames over 16 ms).
    pub fn frame_times(&self) -> (f32, f32, usize) {
        self.frames.summary()
    }

    /// Send a command; tell the user when the worker cannot take it.
    pub(super) fn send(&mut self, cmd: Command) -> bool {
        match self.worker.send(cmd) {
            Ok(()) => true,
            Err(e) => {
                self.toasts.error(e.to_string());
                false
            }
        }
    }

    /// Start a query and show the results view.
    pub(super) fn start_query(&mut self, source: QuerySource, pasted: Option<egui::TextureHandle>) {
        self.next_query_id += 1;
        let id = self.next_query_id;
        let k = self.settings.results;
        if !self.send(Command::Query {
            id,
            source: source.clone(),
            k,
        }) {
            return;
        }
        self.query = Some(QueryState {
            id,
            name: source.display_name(),
            source,
            hits: Vec::new(),
            pending: true,
            partial: false,
            error: None,
            pasted,
            grid: Default::default(),
            sent_at: Instant::now(),
        });
        self.view = View::Results;
        self.preview = None;
    }

    /// Ask again (after indexing), keeping the current results until the answer comes.
    fn rerun_query(&mut self) {
        let Some(source) = self.query.as_ref().map(|q| q.source.clone()) else {
            return;
        };
        self.next_query_id += 1;
        let id = self.next_query_id;
        let k = self.settings.results;
        if self.send(Command::Query { id, source, k })
            && let Some(q) = &mut self.query
        {
            q.id = id;
            q.pending = true;
            q.sent_at = Instant::now();
        }
    }

    /// Persist settings if they changed.
    pub(super) fn flush_settings(&mut self) {
        if self.settings == self.saved_settings {
            return;
        }
        let contents = self.settings.to_json();
        let path = Settings::path(&self.data_dir);
        if self.send(Command::WriteFile { path, contents }) {
            self.saved_settings = self.settings.clone();
        }
    }

    /// Drain worker events within the budget, upload a few textures, apply the theme.
    pub fn logic(&mut self, ctx: &Context) {
        self.frame_start.get_or_insert_with(Instant::now);
        self.textures.begin_frame(&self.worker.thumbs);
        let deadline = Instant::now() + EVENT_BUDGET;
        let mut more = false;
        while let Some(ev) = self.worker.try_recv() {
            self.on_event(ev);
            if Instant::now() >= deadline {
                more = true;
                break;
            }
        }
        if self.textures.upload(ctx, UPLOADS_PER_FRAME) || more {
            ctx.request_repaint();
        }
        if let Some(r) = self.dialogs.poll() {
            self.on_dialog(r);
        }
        // While indexing, partial results grow: ask again every little while.
        let refresh = self.query.as_ref().is_some_and(|q| {
            self.indexing && !q.pending && q.partial && q.sent_at.elapsed() >= PARTIAL_REFRESH
        });
        if refresh {
            self.rerun_query();
        }
        if self.indexing && self.query.as_ref().is_some_and(|q| q.partial) {
            ctx.request_repaint_after(PARTIAL_REFRESH);
        }
        if self.applied_theme.is_none() {
            // Take the keyboard at start (matters where no window manager gives focus, e.g. Xvfb).
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        if self.applied_theme != Some(self.settings.theme) {
            ctx.set_theme(self.settings.theme_preference());
            self.applied_theme = Some(self.settings.theme);
        }
        if self.settings != self.saved_settings && !ctx.input(|i| i.pointer.any_down()) {
            self.flush_settings();
        }
    }

    fn on_dialog(&mut self, r: DialogResult) {
        match r {
            DialogResult::Folder(p) => {
                self.send(Command::AddRoot(p));
            }
            DialogResult::Image(p) => self.start_query(QuerySource::File(p), None),
            DialogResult::Nothing { quick: true } => self.toasts.error(
                "No file dialog is available on this desktop (xdg-desktop-portal is needed). \
                 Drop a folder or photo on the window, or paste its path (Ctrl+V).",
            ),
            DialogResult::Nothing { quick: false } => {}
        }
    }

    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Status(s) => self.status = Some(s),
            Event::IndexStarted => {
                self.indexing = true;
                self.progress = Some(IndexProgress {
                    stage: "starting".into(),
                    ..Default::default()
                });
            }
            Event::Progress(p) => {
                if self.indexing {
                    self.progress = Some(p);
                }
            }
            Event::IndexFinished(report) => {
                self.indexing = false;
                self.progress = None;
                if report.cancelled {
                    self.toasts
                        .info("Indexing stopped. Work done so far is kept; Rescan (F5) continues.");
                }
                self.last_report = Some(report);
                self.after_library_change();
            }
            Event::IndexFailed(message) => {
                self.indexing = false;
                self.progress = None;
                self.toasts.error(message);
                self.after_library_change();
            }
            Event::QueryResults { id, hits, partial } => {
                if let Some(q) = self.query.as_mut().filter(|q| q.id == id) {
                    let first = q.hits.is_empty();
                    q.hits = hits;
                    q.pending = false;
                    q.partial = partial;
                    q.error = None;
                    if first {
                        q.grid = Default::default();
                    }
                }
            }
            Event::QueryFailed { id, message } => {
                if let Some(q) = self.query.as_mut().filter(|q| q.id == id) {
                    q.pending = false;
                    q.error = Some(message.clone());
                    self.toasts.error(format!("Search failed: {message}"));
                }
            }
            Event::Photos(photos) => self.browse.set_photos(photos),
            Event::Failures(f) => self.failures = Some(f),
            Event::Trashed { ids, failed } => {
                if let Some(q) = &mut self.query {
                    q.hits.retain(|h| !ids.contains(&h.info.id));
                }
                self.browse.remove_ids(&ids);
                self.preview = None;
                if !ids.is_empty() {
                    self.toasts
                        .info(format!("Moved {} photo(s) to the trash", ids.len()));
                }
                for f in failed {
                    self.toasts
                        .error(format!("Could not move to the trash: {f}"));
                }
            }
            Event::Models(m) => self.models = Some(m),
            Event::DownloadProgress { name, done, total } => {
                self.download = Some(DownloadState { name, done, total });
            }
            Event::DownloadFinished { name, error } => {
                self.download = None;
                match error {
                    None => self
                        .toasts
                        .info(format!("Downloaded {name}; choose Apply to use it")),
                    Some(e) => self.toasts.error(format!("Download of {name} failed: {e}")),
                }
                self.send(Command::ListModels);
            }
            Event::Notice(text) => self.toasts.info(text),
            Event::Error(text) => self.toasts.error(text),
        }
    }

    /// After indexing: refresh what depends on the library.
    fn after_library_change(&mut self) {
        self.textures.clear_failures();
        self.rerun_query();
        if self.browse.loaded || self.view == View::Browse {
            self.browse.requested = true;
            self.send(Command::ListPhotos);
        }
    }

    /// Draw the window and apply the user's actions.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut actions = Vec::new();
        let mut wanted = Vec::new();
        self.input_ui(&ctx, &mut actions);
        super::layout::panels_ui(self, ui, &mut actions, &mut wanted);
        for a in actions {
            self.apply(&ctx, a);
        }
        self.request_thumbnails(wanted);
        if let Some(t) = self.frame_start.take() {
            self.frames.record(t.elapsed());
        }
    }

    /// Tell the thumbnail pool what is visible now (only when that changed).
    fn request_thumbnails(&mut self, wanted: Vec<ThumbKey>) {
        let mut seen = HashSet::new();
        let wanted: Vec<ThumbKey> = wanted
            .into_iter()
            .filter(|k| !self.textures.is_known(k) && seen.insert(k.clone()))
            .collect();
        if wanted != self.last_wanted {
            self.worker.thumbs.want(wanted.clone());
            self.last_wanted = wanted;
        }
    }

    /// Dropped files, pasted paths and images, global shortcuts.
    fn input_ui(&mut self, ctx: &Context, actions: &mut Vec<UiAction>) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        let mut queried = false;
        for f in dropped {
            let path = f.path().to_path_buf();
            if path.is_dir() {
                self.send(Command::AddRoot(path));
            } else if !queried && !path.as_os_str().is_empty() {
                queried = true;
                self.start_query(QuerySource::File(path), None);
            }
        }
        if !ctx.egui_wants_keyboard_input() {
            let pastes: Vec<egui::Event> = ctx.input(|i| {
                i.events
                    .iter()
                    .filter(|e| matches!(e, egui::Event::Paste(_) | egui::Event::PasteImage(_)))
                    .cloned()
                    .collect()
            });
            for e in pastes {
                match e {
                    egui::Event::Paste(text) => match actions::path_from_paste(&text) {
                        Some(p) if p.is_dir() => {
                            self.send(Command::AddRoot(p));
                        }
                        Some(p) => self.start_query(QuerySource::File(p), None),
                        None => self.toasts.error(
                            "The clipboard holds text that is not the path of a photo or folder",
                        ),
                    },
                    egui::Event::PasteImage(img) => self.query_pasted_image(ctx, &img),
                    _ => {}
                }
            }
        }
        super::layout::shortcuts(self, ctx, actions);
    }

    fn query_pasted_image(&mut self, ctx: &Context, img: &egui::ColorImage) {
        let [w, h] = img.size;
        let rgb: Vec<u8> = img
            .pixels
            .iter()
            .flat_map(|c| [c.r(), c.g(), c.b()])
            .collect();
        let Some(image) = image::RgbImage::from_raw(w as u32, h as u32, rgb) else {
            self.toasts.error("The pasted image is empty");
            return;
        };
        let shown = crate::core::image_io::fit_within(&image, 512);
        let color = egui::ColorImage::from_rgb(
            [shown.width() as usize, shown.height() as usize],
            shown.as_raw(),
        );
        let tex = ctx.load_texture("pasted-query", color, egui::TextureOptions::LINEAR);
        let source = QuerySource::Pixels {
            name: "pasted image".into(),
            image,
        };
        self.start_query(source, Some(tex));
    }

    /// The photo at `i` of a list.
    pub(super) fn item(&self, list: ListKind, i: usize) -> Option<(PhotoInfo, Option<f32>)> {
        match list {
            ListKind::Results => self
                .query
                .as_ref()
                .and_then(|q| q.hits.get(i))
                .map(|h| (h.info.clone(), Some(h.score))),
            ListKind::Browse => self.browse.item(i).map(|p| (p.clone(), None)),
        }
    }

    /// Number of photos in a list.
    pub(super) fn list_len(&self, list: ListKind) -> usize {
        match list {
            ListKind::Results => self.query.as_ref().map_or(0, |q| q.hits.len()),
            ListKind::Browse => self.browse.len(),
        }
    }

    fn apply(&mut self, ctx: &Context, action: UiAction) {
        match action {
            UiAction::OpenImageDialog => self.dialogs.pick_image(ctx),
            UiAction::AddFolderDialog => self.dialogs.pick_folder(ctx),
            UiAction::Paste => ctx.send_viewport_cmd(egui::ViewportCommand::RequestPaste),
            UiAction::Rescan => {
                self.send(Command::Rescan);
            }
            UiAction::ToggleSettings => {
                self.show_settings = !self.show_settings;
                if self.show_settings {
                    self.send(Command::ListModels);
                }
                self.model_draft = ModelDraft {
                    model: self.settings.model.clone(),
                    device: self.settings.device.clone(),
                };
            }
            UiAction::SetView(v) => {
                self.view = v;
                if v == View::Browse && !self.browse.loaded && !self.browse.requested {
                    self.browse.requested = true;
                    self.send(Command::ListPhotos);
                }
            }
            UiAction::Pause => {
                self.send(Command::Pause);
            }
            UiAction::Resume => {
                self.send(Command::Resume);
            }
            UiAction::CancelIndexing => {
                self.send(Command::CancelIndexing);
            }
            UiAction::ShowFailures => {
                self.show_failures = true;
                self.failures = None;
                self.send(Command::ListFailures);
            }
            UiAction::ClearQuery => self.query = None,
            UiAction::RefreshBrowse => {
                self.browse.requested = true;
                self.send(Command::ListPhotos);
            }
            UiAction::Tile(list, a) => self.tile_action(ctx, list, a),
        }
    }

    fn tile_action(&mut self, ctx: &Context, list: ListKind, action: TileAction) {
        let Some((info, _)) = self.item(list, action.index()) else {
            return;
        };
        let result = match action {
            TileAction::Preview(i) => {
                self.preview = Some((list, PreviewState::new(i)));
                Ok(())
            }
            TileAction::FindSimilar(_) => {
                let source = QuerySource::Photo {
                    id: info.id,
                    path: info.path.clone(),
                };
                self.start_query(source, None);
                Ok(())
            }
            TileAction::OpenExternal(_) => actions::open_external(&info.path),
            TileAction::ShowInFolder(_) => actions::show_in_folder(&info.path),
            TileAction::CopyPath(_) => {
                ctx.copy_text(info.path.display().to_string());
                self.toasts.info(format!("Copied {}", info.path.display()));
                Ok(())
            }
            TileAction::Trash(_) => {
                self.confirm_trash = Some(vec![(info.id, info.path.clone())]);
                Ok(())
            }
        };
        if let Err(e) = result {
            self.toasts.error(e);
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // Settings changed in the last moments still reach the disk: the worker drains its
        // queue's file writes before it stops.
        self.flush_settings();
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &Context, _frame: &mut eframe::Frame) {
        self.frame_start = Some(Instant::now());
        App::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.flush_settings();
    }
}
