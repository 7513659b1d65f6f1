//! The application state and its frame: drain worker events (with a time budget), upload a few
//! textures, draw the panels, then apply what the user asked for.
//!
//! [`App`] is independent of eframe's window: tests build it with [`App::new`] and drive it with
//! [`App::frame`] inside an egui_kittest harness; eframe calls the same code via [`eframe::App`].

use super::actions::Dialogs;
use super::browse::BrowseState;
use super::context::CommandSender;
use super::duplicates::{DupesState, DupesView};
use super::frame_stats::FrameStats;
use super::preview::PreviewState;
use super::results_view::QueryState;
use super::settings::{Settings, ThemeChoice};
use super::settings_window::SettingsWindow;
use super::status_bar::FailuresWindow;
use super::textures::TextureCache;
use super::toasts::Toasts;
use super::trash::TrashFlow;
use super::words_box::WordsBox;
use super::{ListKind, View};
use crate::core::catalog::PhotoInfo;
use crate::core::indexer::IndexReport;
use crate::worker::thumbnails::ThumbKey;
use crate::worker::{
    Command, IndexProgress, LibraryStatus, QuerySource, WorkerConfig, WorkerHandle,
};
use egui::Context;
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod config;
mod lend;
mod query;
mod selection;

pub use config::AppConfig;

/// Time per frame spent draining worker events.
const EVENT_BUDGET: Duration = Duration::from_millis(10);
/// Textures uploaded per frame at most.
const UPLOADS_PER_FRAME: usize = 4;

/// The application: it owns every view's state and lends it to the layout each frame.
pub struct App {
    worker: WorkerHandle,
    pub(super) data_dir: PathBuf,
    pub(super) settings: Settings,
    pub(super) saved_settings: Settings,
    applied_theme: Option<ThemeChoice>,
    /// The settings window (open, draft model choice, model list, download).
    pub(super) settings_window: SettingsWindow,
    pub(super) status: Option<LibraryStatus>,
    pub(super) progress: Option<IndexProgress>,
    pub(super) indexing: bool,
    pub(super) last_report: Option<IndexReport>,
    pub(super) view: View,
    pub(super) query: Option<QueryState>,
    /// Open the preview of the first result of the next query (screenshots:
    /// `LOOKALIKE_VIEW=preview`).
    pub(super) preview_first_result: bool,
    /// The filter the worker narrows query results to (last sent).
    pub(super) sent_filter: Option<crate::core::filter::PhotoFilter>,
    /// The search box (words).
    pub(super) words: WordsBox,
    /// The view a search by words started from (an emptied box goes back to it).
    pub(super) words_return_view: Option<View>,
    next_query_id: u64,
    pub(super) browse: BrowseState,
    pub(super) dupes: DupesView,
    pub(super) preview: Option<(ListKind, PreviewState)>,
    pub(super) textures: TextureCache,
    last_wanted: Vec<ThumbKey>,
    pub(super) toasts: Toasts,
    /// The window of files that failed to index.
    pub(super) failures: FailuresWindow,
    /// The one trash confirmation and undo offer, for every view.
    pub(super) trash: TrashFlow,
    /// Copies and moves of selected photos: dialogs, progress, undo.
    pub(super) selection_flow: super::selection_flow::SelectionFlow,
    /// Where trashed photos go, for the confirmation ("the system trash", a folder).
    trash_place: String,
    pub(super) dialogs: Dialogs,
    frames: FrameStats,
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
        let (dupes, dupes_warning) = DupesState::new(&data_dir);
        if let Some(w) = dupes_warning {
            toasts.error(w);
        }
        let worker = WorkerHandle::spawn(
            WorkerConfig {
                data_dir: data_dir.clone(),
                model: settings.model.clone(),
                prefer_library_model: !Settings::path(&data_dir).exists(),
                device: settings.device.clone(),
                add_roots: config.library.iter().cloned().collect(),
                scan_on_start: config.scan_on_start,
                thumb_threads: config.thumb_threads,
                trash_dir: config.trash_dir.clone(),
            },
            waker,
        );
        let settings_window = SettingsWindow::new(&settings);
        let mut app = Self {
            worker,
            data_dir,
            saved_settings: settings.clone(),
            settings,
            applied_theme: None,
            settings_window,
            status: None,
            progress: None,
            indexing: false,
            last_report: None,
            view: View::Results,
            words: WordsBox::default(),
            words_return_view: None,
            query: None,
            sent_filter: None,
            preview_first_result: false,
            next_query_id: 0,
            browse: BrowseState::default(),
            dupes: DupesView::new(dupes),
            preview: None,
            textures: TextureCache::default(),
            last_wanted: Vec::new(),
            toasts,
            failures: FailuresWindow::default(),
            trash: TrashFlow::default(),
            selection_flow: Default::default(),
            trash_place: crate::core::trash::mover(config.trash_dir.as_deref()).describe(),
            dialogs: Dialogs::default(),
            frames: FrameStats::new(),
            show_debug: false,
            frame_start: None,
        };
        app.send(Command::SetWatch(app.settings.watch));
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

    /// Open the preview of the first result when the next query's results arrive.
    pub fn preview_first_result(&mut self) {
        self.preview_first_result = true;
    }

    /// Switch view (as the tabs and Ctrl+1..3 do).
    pub fn set_view(&mut self, view: View) {
        self.view = view;
        if view == View::Browse && !self.browse.loaded && !self.browse.requested {
            self.browse.requested = true;
            self.send(Command::ListPhotos);
        }
    }

    /// The duplicates view's state (groups, marks, settings).
    pub fn dupes(&self) -> &DupesState {
        &self.dupes.state
    }

    /// The duplicates view's state, to change (tests: inject a graph, a trash folder).
    pub fn dupes_mut(&mut self) -> &mut DupesState {
        &mut self.dupes.state
    }

    /// Send what the duplicates view asked for.
    pub(super) fn flush_dupes(&mut self, pointer_down: bool) {
        if std::mem::take(&mut self.dupes.state.cancel_requested) {
            self.worker.cancel_dupes_scan();
        }
        if !pointer_down {
            self.dupes.state.flush_settings();
        }
        for cmd in self.dupes.state.take_outbox() {
            self.send(cmd);
        }
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

    /// The words of the current query (a search by words, or a photo refined by words).
    pub fn query_words(&self) -> Option<&str> {
        self.query
            .as_ref()
            .map(|q| q.words.as_str())
            .filter(|w| !w.is_empty())
    }

    /// Why the current query failed, if it did.
    pub fn query_error(&self) -> Option<&str> {
        self.query.as_ref().and_then(|q| q.error.as_deref())
    }

    /// Whether the current query has an example photo.
    pub fn query_has_photo(&self) -> bool {
        self.query.as_ref().is_some_and(|q| q.source.is_some())
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
        self.refresh_partial_results(ctx);
        self.sync_filter();
        if let Some(text) = self.words.due() {
            self.start_words_query(&text);
        }
        if let Some(wait) = self.words.wake_in() {
            ctx.request_repaint_after(wait);
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

    /// Draw the window and apply the user's actions.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let mut actions = Vec::new();
        let mut wanted = Vec::new();
        let mut commands = CommandSender::default();
        self.input_ui(&ctx, &mut actions);
        self.panels_ui(ui, &mut actions, &mut wanted, &mut commands);
        self.selection_flow_ui(&ctx);
        for cmd in commands.take() {
            self.send(cmd);
        }
        for a in actions {
            self.apply(&ctx, a);
        }
        self.request_thumbnails(wanted);
        let pointer_down = ctx.input(|i| i.pointer.any_down());
        self.flush_dupes(pointer_down);
        if let Some(t) = self.frame_start.take() {
            self.frames.record(t.elapsed());
        }
    }

    /// Tell the thumbnail pool what is visible now (only when that changed).
    pub(super) fn request_thumbnails(&mut self, wanted: Vec<ThumbKey>) {
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
        if ui.ctx().cumulative_frame_nr() == 0 {
            crate::core::timeline::mark("first frame");
        }
        self.draw(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.flush_settings();
    }
}
