//! Command-line interface. Every command drives `core` directly (the same code the GUI's
//! worker runs). Human output by default, `--json` for tools; errors are one line on stderr.

mod bench;
pub mod bench_dupes;
mod commands;
mod dupes;
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
    /// What to do; without a command the GUI opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a photo folder and add it to the index (incremental).
    Index {
        /// Folder(s) with photos.
        #[arg(required = true, value_name = "LIBRARY_DIR")]
        libraries: Vec<PathBuf>,
        /// Embedding model: descriptor, lite0, resnet18, resnet34, resnet50, or a weights file.
        #[arg(long, value_name = "MODEL")]
        model: Option<String>,
        /// Compute device: auto, cpu, cuda or metal.
        #[arg(long, default_value = "auto")]
        device: String,
        /// Print the run's report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Find the photos most similar to IMAGE (which need not be in the library).
    Query {
        /// The example photo.
        image: PathBuf,
        /// How many results.
        #[arg(short, default_value_t = 20)]
        k: usize,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// Compute device: auto, cpu, cuda or metal.
        #[arg(long, default_value = "auto")]
        device: String,
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
        /// Also time duplicate grouping on this many synthetic photos (0 = skip).
        #[arg(long, default_value_t = 0)]
        dupes: usize,
    },
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
    /// Download ResNet weights (resnet18, resnet34, resnet50) into the data dir.
    Download {
        /// Model name.
        name: String,
    },
}

/// Run the CLI; returns the process exit code.
pub fn main() -> ExitCode {
    crate::core::guard::install_quiet_hook();
    let cli = Cli::parse();
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
