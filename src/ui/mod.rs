//! The egui window. It only draws and sends [`crate::worker::Command`]s; every file read, decode
//! and model call happens on the worker's threads.
//!
//! Views: welcome (first launch), results (query by example), browse (whole library), a slot for
//! duplicates, the preview, settings, the status bar and toasts. [`app::App`] holds the state and
//! lends it each frame: a panel gets its own state and a [`context::ViewContext`], and asks for
//! work by queueing commands rather than reaching into the app.

pub mod actions;
pub mod app;
mod app_events;
mod app_input;
pub mod browse;
pub mod browse_order;
pub mod browse_stacks;
pub mod context;
pub mod duplicates;
pub mod filter_bar;
pub mod format;
pub mod frame_stats;
pub mod grid_select_ui;
pub mod grid_selection;
mod grid_tile;
pub mod info_panel;
pub mod instance;
mod layout;
pub mod lists;
pub mod preview;
pub mod results_grid;
pub mod results_view;
pub mod selection_bar;
pub mod selection_flow;
pub mod settings;
pub mod settings_window;
pub mod status_bar;
pub mod textures;
pub mod timeline_bar;
pub mod toasts;
pub mod top_bar;
pub mod trash;
pub mod welcome;
pub mod windowed;
pub mod words_box;

pub use app::{App, AppConfig};

use anyhow::anyhow;
use results_grid::TileAction;
use std::path::PathBuf;

/// The main views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Query by example.
    Results,
    /// The whole library.
    Browse,
    /// Duplicate groups.
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
    /// Act on the selected photos of a list.
    Selection(ListKind, selection_bar::SelectionAction),
    /// Download the CLIP model (search by words).
    DownloadClip,
    /// Stop the model download in progress.
    CancelDownload,
    /// Put the keyboard in the search box.
    FocusWords,
}

/// The window icon (PNG).
const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// The application id: the desktop file, AppStream metainfo and Wayland app id.
pub const APP_ID: &str = "org.lookalike.Lookalike";

/// Open the window. `library` is added and scanned; `query` is searched for at once. When a
/// window is already open for the data dir, it gets them instead (single instance).
pub fn run(
    data_dir: Option<PathBuf>,
    library: Option<PathBuf>,
    query: Option<PathBuf>,
) -> anyhow::Result<()> {
    let server = match windowed::claim(data_dir.as_deref(), library.as_deref(), query.as_deref())? {
        instance::Claim::Delivered => return Ok(()),
        instance::Claim::Primary(server) => Some(server),
        instance::Claim::Alone(_) => None,
    };
    let window_ctx = std::sync::Arc::new(std::sync::OnceLock::new());
    let inbox = windowed::serve(server, window_ctx.clone());
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("Lookalike")
        .with_app_id(APP_ID)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([640.0, 420.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        // Where window sizes were kept before the app id was APP_ID.
        persistence_path: eframe::storage_dir("lookalike").map(|d| d.join("app.ron")),
        ..Default::default()
    };
    let config = AppConfig {
        data_dir,
        library,
        query,
        ..AppConfig::default()
    };
    eframe::run_native(
        "Lookalike",
        options,
        Box::new(move |cc| {
            let _ = window_ctx.set(cc.egui_ctx.clone());
            let ctx = cc.egui_ctx.clone();
            let waker = Box::new(move || ctx.request_repaint());
            let mut app = App::new(config, waker);
            // Open on another view (screenshots, scripts): LOOKALIKE_VIEW=duplicates|browse, or
            // preview: the first result of `--query` in the preview.
            match std::env::var("LOOKALIKE_VIEW").as_deref() {
                Ok("duplicates") => app.set_view(View::Duplicates),
                Ok("browse") => app.set_view(View::Browse),
                Ok("preview") => app.preview_first_result(),
                _ => {}
            }
            Ok(Box::new(windowed::Windowed::new(app, inbox)))
        }),
    )
    .map_err(|e| {
        anyhow!(
            "cannot open the window: {e}. On Linux the window needs OpenGL and X11 or Wayland \
             (packages libgl1-mesa-dri libegl1 libxkbcommon-x11-0); the CLI works without them"
        )
    })
}
