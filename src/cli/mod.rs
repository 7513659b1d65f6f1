//! Command-line interface. Every command drives `core` directly (the same code the GUI's
//! worker runs). Human output by default, `--json` for tools; errors are one line on stderr.

mod bench;
pub mod bench_dupes;
mod bench_library;
mod bench_snapshot;
mod commands;
mod dupes;
pub mod generate;
mod models;
mod open;
mod progress_bar;
mod trash;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Lookalike: find similar photos, query by example, clean up duplicates.
#[derive(Debug, Parser)]
#[command(name = "lookalike", version, about, long_about = None)]
pub struct Cli {
    /// Data directory (catalog, index, thumbnails, models). Default: the platform data dir.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Open the window with this photo as the query, or this folder added to the library (the
    /// file manager's "Open with Lookalike"). A window already open for the data dir takes it.
    #[arg(value_name = "PHOTO_OR_FOLDER")]
    pub open: Option<PathBuf>,
    /// What to do; without a command the GUI opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a photo folder and add it to the index (incremental); without a folder, re-scan
    /// the library's folders (and add vectors of a newly downloaded model such as CLIP).
    Index {
        /// Folder(s) with photos (default: the library's folders).
        #[arg(value_name = "LIBRARY_DIR")]
        libraries: Vec<PathBuf>,
        /// Embedding model: lite0 (default), descriptor, resnet18, resnet34, resnet50, clip,
        /// clip-large, or a weights file. A downloaded CLIP also runs beside the chosen model.
        #[arg(long, value_name = "MODEL")]
        model: Option<String>,
        /// Compute device: auto, cpu, cuda or metal.
        #[arg(long, default_value = "auto")]
        device: String,
        /// Print the run's report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Find the photos most similar to IMAGE (which need not be in the library), or matching
    /// words (`--text`, needs the CLIP model), or both: "like this photo, but …".
    Query {
        /// The example photo.
        #[arg(required_unless_present = "text")]
        image: Option<PathBuf>,
        /// Search by words ("a dog on the beach"); with IMAGE: photos like it, as the words say.
        #[arg(long, value_name = "WORDS")]
        text: Option<String>,
        /// Results should not look like WORDS ("screenshot"); may be repeated. Needs --text or
        /// an IMAGE searched with CLIP.
        #[arg(long = "not", value_name = "WORDS")]
        not: Vec<String>,
        /// With IMAGE and --text: how much the words count against the photo.
        #[arg(long, value_name = "W", default_value_t = crate::core::text_search::DEFAULT_TEXT_WEIGHT)]
        text_weight: f32,
        /// How many results.
        #[arg(short, default_value_t = 20)]
        k: usize,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// Compute device: auto, cpu, cuda or metal.
        #[arg(long, default_value = "auto")]
        device: String,
        /// Only results that pass these filters.
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Show what is indexed, which model is used, and files that failed.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Print the embedding of one image.
    Embed {
        /// The image.
        image: PathBuf,
        /// Model: descriptor, lite0, resnet18, resnet34, resnet50, or a weights file.
        #[arg(long, default_value = "descriptor")]
        model: String,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// Compute device: auto, cpu, cuda or metal.
        #[arg(long, default_value = "auto")]
        device: String,
    },
    /// Open the window (the default without a command): scan LIBRARY, search for --query.
    Gui {
        /// A photo folder to add to the library and scan.
        library: Option<PathBuf>,
        /// An image to search for at once.
        #[arg(long)]
        query: Option<PathBuf>,
    },
    /// Find exact, near and similar duplicates; optionally move extra copies to the trash.
    Dupes {
        /// Loosest tier to report: exact, near (default) or similar.
        #[arg(long)]
        tier: Option<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// Move the removable copies to the system trash (a dry run unless --yes).
        #[arg(long)]
        trash: bool,
        /// With --trash: really move the files.
        #[arg(long)]
        yes: bool,
        /// Also find mirrored and 90°-rotated copies.
        #[arg(long)]
        mirror: bool,
        /// Put back the files the last move to the trash took (`--trash --yes` or the GUI),
        /// using the undo journal.
        #[arg(long, conflicts_with_all = ["trash", "yes", "tier", "mirror"])]
        undo: bool,
        /// Only groups with at least two photos that pass these filters (and only those photos).
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Put back the newest batch moved to the trash (from the GUI's Results, Browse or
    /// Duplicates, or `dupes --trash --yes`), using the undo journal.
    Undo {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// List known models and their weight files, or download ResNet weights.
    Models {
        /// What to do with models.
        #[command(subcommand)]
        action: ModelsAction,
    },
    /// Measure indexing speed per stage on a folder (uses a throwaway data dir).
    Bench {
        /// Folder with photos (optional with --synthetic or --dupes alone).
        dir: Option<PathBuf>,
        /// Model to benchmark.
        #[arg(long, default_value = "descriptor")]
        model: String,
        /// Compute device: auto, cpu, cuda or metal.
        #[arg(long, default_value = "auto")]
        device: String,
        /// Also measure query latency with this many synthetic vectors (0 = skip).
        #[arg(long, default_value_t = 0)]
        synthetic: usize,
        /// With --synthetic: skip the HNSW graph (its build is the slow part at 1M) and measure
        /// only the flat snapshots.
        #[arg(long)]
        no_graph: bool,
        /// Also time duplicate grouping on this many synthetic photos (0 = skip).
        #[arg(long, default_value_t = 0)]
        dupes: usize,
        /// Write a synthetic library of this many photos into the (new) --data-dir through the
        /// real catalog and index code, then measure it (0 = skip).
        #[arg(long, default_value_t = 0)]
        synthetic_library: usize,
        /// With --synthetic-library on a data dir that already holds that library: add this
        /// many more photos the way an indexing run does, and time the update.
        #[arg(long, default_value_t = 0)]
        add: usize,
    },
    /// Write the man pages or shell completions (for packagers).
    #[command(hide = true)]
    Generate {
        /// What to write.
        #[command(subcommand)]
        what: generate::Generate,
    },
}

/// Filters shared by `query` and `dupes`: every one given must hold. Dates are whole days on the
/// capture date (else the date in the file name, e.g. WhatsApp's `IMG-20190704-WA0001.jpg`, else
/// the file date); texts are case-insensitive.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Taken on or after DATE: YYYY, YYYY-MM or YYYY-MM-DD (a month or year from its first day).
    #[arg(long, value_name = "DATE")]
    pub after: Option<String>,
    /// Taken on or before DATE: YYYY, YYYY-MM or YYYY-MM-DD (a month or year to its last day).
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,
    /// The camera contains TEXT ("X100V", "iphone").
    #[arg(long, value_name = "TEXT")]
    pub camera: Option<String>,
    /// The lens contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub lens: Option<String>,
    /// A folder of the path contains TEXT ("Holidays"), or the photo is under an absolute folder.
    #[arg(long, value_name = "TEXT")]
    pub folder: Option<String>,
    /// One of these formats: jpeg, heic, avif, jxl, png, raw, video, other (comma-separated).
    #[arg(long, value_name = "FORMATS", value_delimiter = ',')]
    pub format: Vec<String>,
    /// The photo's shape: portrait, landscape or square.
    #[arg(long, value_name = "SHAPE")]
    pub orientation: Option<String>,
    /// Only photos with a GPS location.
    #[arg(long)]
    pub has_gps: bool,
    /// The file name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,
}

impl FilterArgs {
    /// The filter these flags ask for; a one-line error naming the flag when one cannot be read.
    pub fn to_filter(&self) -> anyhow::Result<crate::core::filter::PhotoFilter> {
        use crate::core::filter::{PhotoFilter, parse_date};
        use anyhow::{Context, bail};
        let day = |flag: &str, v: &Option<String>| {
            v.as_deref()
                .map(|s| parse_date(s).with_context(|| format!("--{flag}")))
                .transpose()
        };
        let after = day("after", &self.after)?.map(|d| d.first);
        let before = day("before", &self.before)?.map(|d| d.last);
        if let (Some(a), Some(b)) = (after, before)
            && a > b
        {
            bail!("--after {a} is later than --before {b}: no photo can match");
        }
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        };
        let mut formats = Vec::new();
        for f in self.format.iter().filter(|f| !f.trim().is_empty()) {
            let class = f
                .parse()
                .map_err(|e: String| anyhow::anyhow!("--format: {e}"))?;
            if !formats.contains(&class) {
                formats.push(class);
            }
        }
        let orientation = self
            .orientation
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: String| anyhow::anyhow!("--orientation: {e}"))?;
        // A folder given as a path from here ("./Holidays", "lib/2019") is that folder.
        let folder = text(&self.folder).map(|f| {
            let p = std::path::Path::new(&f);
            let path_like = f.starts_with('.') || f.contains(std::path::MAIN_SEPARATOR);
            match p.canonicalize() {
                Ok(abs) if !p.is_absolute() && path_like && abs.is_dir() => {
                    abs.to_string_lossy().into_owned()
                }
                _ => f,
            }
        });
        Ok(PhotoFilter {
            after,
            before,
            camera: text(&self.camera),
            lens: text(&self.lens),
            folder,
            formats,
            orientation,
            has_gps: self.has_gps.then_some(true),
            name: text(&self.name),
        })
    }
}

/// `lookalike models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsAction {
    /// Show known models and which weight files are present.
    List {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Download model weights into the data dir: clip (CLIP ViT-B/32, ~605 MB: search by
    /// words), clip-large (ViT-L/14, ~1.7 GB), resnet18, resnet34, resnet50. An interrupted
    /// download resumes when run again.
    Download {
        /// Model name.
        name: String,
    },
}

/// Run the CLI; returns the process exit code.
pub fn main() -> ExitCode {
    crate::core::guard::install_quiet_hook();
    let cli = Cli::parse();
    if let (Some(path), Some(_)) = (&cli.open, &cli.command) {
        use clap::CommandFactory;
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "give a photo or folder to open, or a command, not both ({})",
                    path.display()
                ),
            )
            .exit();
    }
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the error and its causes.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("lookalike: error: {msg}");
            ExitCode::FAILURE
        }
    }
}
