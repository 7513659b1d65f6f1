//! `lookalike generate ...` (hidden, like ripgrep's `--generate`): the man pages and shell
//! completions, written from the same clap definition as the parser, so they never drift from
//! it. `tools/package.sh` puts them in the `.deb`; `cargo install` users can run it themselves.

use super::Cli;
use anyhow::{Context, Result};
use clap::{CommandFactory, Subcommand};
use clap_complete::Shell;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `lookalike generate` writes.
#[derive(Debug, Subcommand)]
pub enum Generate {
    /// Man pages: lookalike.1 and one lookalike-COMMAND.1 per command.
    Man {
        /// Folder to write into (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// The completion script of a shell (bash: `lookalike.bash`, zsh: `_lookalike`, fish:
    /// `lookalike.fish`).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: Shell,
        /// Folder to write into (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// Write what was asked for and print the files written, one per line.
pub fn run(what: Generate) -> Result<()> {
    match what {
        Generate::Man { dir } => {
            create(&dir)?;
            clap_mangen::generate_to(Cli::command(), &dir)
                .with_context(|| format!("cannot write man pages to {}", dir.display()))?;
            let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
                .with_context(|| format!("cannot list {}", dir.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "1"))
                .collect();
            pages.sort();
            for p in pages {
                say(&p);
            }
        }
        Generate::Completions { shell, dir } => {
            create(&dir)?;
            let path = clap_complete::generate_to(shell, &mut Cli::command(), "lookalike", &dir)
                .with_context(|| {
                    format!("cannot write the {shell} completions to {}", dir.display())
                })?;
            say(&path);
        }
    }
    Ok(())
}

/// Print a path written (a closed pipe is no error: the files are written).
fn say(path: &Path) {
    let _ = writeln!(std::io::stdout().lock(), "{}", path.display());
}

fn create(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}
