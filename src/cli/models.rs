//! `lookalike models list|download`.

use super::ModelsAction;
use crate::core::datadir::DataDir;
use crate::core::models;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// Run a models subcommand.
pub fn run(data_dir: Option<PathBuf>, action: ModelsAction) -> Result<()> {
    let root = match data_dir {
        Some(d) => d,
        None => DataDir::default_path()?,
    };
    let dd = DataDir::open(root)?;
    match action {
        ModelsAction::List { json } => {
            let list = models::list_models(dd.root());
            if json {
                let v: Vec<serde_json::Value> = list
                    .iter()
                    .map(|m| {
                        serde_json::json!({
                            "name": m.name,
                            "description": m.description,
                            "dim": m.dim,
                            "available": m.available,
                            "file": m.file.as_ref().map(|f| f.to_string_lossy().into_owned()),
                            "downloadable": m.downloadable,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            for m in &list {
                let state = match (&m.file, m.available) {
                    (Some(f), _) => format!("present: {}", f.display()),
                    (None, true) => "built in".to_string(),
                    (None, false) => format!("missing: run `lookalike models download {}`", m.name),
                };
                println!(
                    "{:<11} {:>5}-d  {}  [{}]",
                    m.name, m.dim, m.description, state
                );
            }
            Ok(())
        }
        ModelsAction::Download { name } => {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            ) {
                bar.set_style(style);
            }
            let progress = |done: u64, total: Option<u64>| {
                if let Some(t) = total {
                    bar.set_length(t);
                }
                bar.set_position(done);
            };
            let cancel = crate::core::progress::CancelFlag::new();
            let path = models::download(
                &name,
                dd.root(),
                &models::hub_base_url(),
                &progress,
                &cancel,
            );
            bar.finish_and_clear();
            let path = path?;
            println!("Saved {} to {}", name, path.display());
            if models::known_model(&name).is_some_and(|m| m.kind == models::KnownKind::Clip) {
                println!(
                    "Next: `lookalike index` adds its vectors to your library (the other models' \
                     vectors are kept), then `lookalike query --text \"a dog on the beach\"`."
                );
            }
            Ok(())
        }
    }
}
