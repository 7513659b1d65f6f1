//! Opening the window: `lookalike [PHOTO_OR_FOLDER]` (the file manager's "Open with") hands its
//! request to the window already open for the data dir ([`super::instance`]), or opens the
//! window, which then takes later requests from its inbox between frames.

use super::App;
use super::instance::{self, Claim, OpenRequest, Rendezvous, Server};
use crate::core::datadir::DataDir;
use crate::worker::{Command, QuerySource};
use anyhow::{Result, bail};
use crossbeam_channel::Receiver;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How long a second process waits for a window that is starting (it holds the lock but does not
/// listen yet).
const PATIENCE: Duration = Duration::from_secs(3);

/// `lookalike [PATH]`: open the window; a folder is added to the library and scanned, a photo is
/// searched for against the library.
pub fn open_path(data_dir: Option<PathBuf>, path: Option<PathBuf>) -> Result<()> {
    match path {
        None => super::run(data_dir, None, None),
        Some(p) if p.is_dir() => super::run(data_dir, Some(p), None),
        Some(p) if p.exists() => super::run(data_dir, None, Some(p)),
        Some(p) => bail!("{} does not exist", p.display()),
    }
}

impl App {
    /// Do what a second `lookalike PHOTO` (or `lookalike FOLDER`) asked of this window: add the
    /// folder and scan it, search for the photo.
    pub fn open_request(&mut self, request: OpenRequest) {
        if let Some(dir) = request.library {
            self.send(Command::AddRoot(dir));
        }
        if let Some(photo) = request.query {
            let photo = photo.canonicalize().unwrap_or(photo);
            self.start_query(QuerySource::File(photo), None);
        }
    }
}

/// Before a window opens: hand the request to the window already open for the data dir.
/// [`Claim::Primary`] carries the listener of the window about to open.
pub(super) fn claim(
    data_dir: Option<&Path>,
    library: Option<&Path>,
    query: Option<&Path>,
) -> Result<Claim> {
    // The data dir as the app resolves it, made absolute and canonical: the key of its window.
    let Some(dir) = data_dir
        .map(Path::to_path_buf)
        .or_else(|| DataDir::default_path().ok())
    else {
        return Ok(Claim::Alone("no data dir".into()));
    };
    let _ = std::fs::create_dir_all(&dir);
    let request = OpenRequest {
        library: library.map(absolute),
        query: query.map(absolute),
    };
    let claim = instance::claim(
        &Rendezvous::for_data_dir(&absolute(&dir)),
        &request,
        PATIENCE,
    )?;
    match &claim {
        Claim::Delivered => {
            let what = match (&request.query, &request.library) {
                (Some(q), _) => format!("searching for {}", q.display()),
                (None, Some(l)) => format!("adding {}", l.display()),
                (None, None) => "brought to the front".to_string(),
            };
            eprintln!("lookalike: the window already open for this data dir is {what}");
        }
        Claim::Alone(why) => eprintln!("lookalike: {why}; opening a window anyway"),
        Claim::Primary(_) => {}
    }
    Ok(claim)
}

/// Start answering later requests; they wake the window once it exists (`ctx` is set then).
pub(super) fn serve(
    server: Option<Server>,
    ctx: Arc<OnceLock<egui::Context>>,
) -> Option<Receiver<OpenRequest>> {
    let waker = Box::new(move || {
        if let Some(ctx) = ctx.get() {
            ctx.request_repaint();
        }
    });
    match server.map(|s| s.serve(waker)) {
        Some(Ok(rx)) => Some(rx),
        Some(Err(e)) => {
            eprintln!("lookalike: cannot take requests from other launches: {e}");
            None
        }
        None => None,
    }
}

fn absolute(p: &Path) -> PathBuf {
    p.canonicalize()
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

/// The app in its eframe window, with the inbox of requests from other launches.
pub struct Windowed {
    app: App,
    inbox: Option<Receiver<OpenRequest>>,
}

impl Windowed {
    /// Wrap `app`; requests arriving on `inbox` are applied between frames.
    pub fn new(app: App, inbox: Option<Receiver<OpenRequest>>) -> Self {
        Self { app, inbox }
    }
}

impl eframe::App for Windowed {
    fn logic(&mut self, ctx: &egui::Context, frame: &mut eframe::Frame) {
        if let Some(inbox) = &self.inbox {
            while let Ok(request) = inbox.try_recv() {
                self.app.open_request(request);
                ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
                ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            }
        }
        eframe::App::logic(&mut self.app, ctx, frame);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        eframe::App::ui(&mut self.app, ui, frame);
    }

    fn on_exit(&mut self, gl: Option<&eframe::glow::Context>) {
        eframe::App::on_exit(&mut self.app, gl);
    }
}
