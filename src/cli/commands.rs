//! Implementations of the CLI subcommands.

use super::open::{open_library, open_reader};
use super::progress_bar::TerminalProgress;
use super::{Cli, Command};
use crate::core::dupes;
use crate::core::embed::registry;
use crate::core::filter::PhotoFilter;
use crate::core::progress::CancelFlag;
use crate::core::query::{self, QuerySource};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Dispatch a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Some(Command::Index {
            libraries,
            model,
            device,
            json,
        }) => index(cli.data_dir, &libraries, model.as_deref(), &device, json),
        Some(Command::Query {
            image,
            k,
            json,
            device,
            filter,
        }) => query(cli.data_dir, &image, k, json, &device, &filter.to_filter()?),
        Some(Command::Status { json }) => status(cli.data_dir, json),
        Some(Command::Embed {
            image,
            model,
            json,
            device,
        }) => embed(&image, &model, json, &device),
        Some(Command::Models { action }) => super::models::run(cli.data_dir, action),
        Some(Command::Bench {
            dir,
            model,
            device,
            synthetic,
            dupes,
        }) => super::bench::run(dir.as_deref(), &model, &device, synthetic, dupes),
        Some(Command::Dupes {
            tier,
            json,
            trash,
            yes,
            mirror,
            undo,
            filter,
        }) => super::dupes::run(
            cli.data_dir,
            &super::dupes::DupesArgs {
                tier,
                json,
                trash,
                yes,
                mirror,
                undo,
                filter: filter.to_filter()?,
            },
        ),
        Some(Command::Undo { json }) => {
            let lib = open_reader(cli.data_dir)?;
            super::trash::undo(&lib, &crate::core::trash::SystemTrash, json)
        }
        Some(Command::Gui { library, query }) => crate::ui::run(cli.data_dir, library, query),
        None => crate::ui::run(cli.data_dir, None, None),
    }
}

fn absolute(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

fn index(
    data_dir: Option<PathBuf>,
    libraries: &[PathBuf],
    model: Option<&str>,
    device: &str,
    json: bool,
) -> Result<()> {
    for l in libraries {
        if !l.is_dir() {
            bail!(
                "library folder {} does not exist or is not a folder",
                l.display()
            );
        }
    }
    let mut lib = open_library(data_dir)?;
    let spec = match model {
        Some(m) => m.to_string(),
        None => lib
            .stored_model()?
            .unwrap_or_else(|| registry::DEFAULT_SPEC.to_string()),
    };
    let active = registry::build(&spec, lib.data_dir.root(), device)?;
    let cancel = CancelFlag::new();
    {
        let cancel = cancel.clone();
        let _ = ctrlc::set_handler(move || {
            if cancel.is_cancelled() {
                eprintln!("\nlookalike: stopping now");
                std::process::exit(130);
            }
            eprintln!(
                "\nlookalike: stopping after the current batch (Ctrl-C again to quit at once)"
            );
            cancel.cancel();
        });
    }
    let progress = TerminalProgress::new(false);
    let refs = active.refs();
    let report = lib.index(
        libraries,
        &active.spec,
        &refs,
        active.primary,
        &progress,
        &cancel,
    );
    progress.finish();
    let report = report?;
    {
        let progress = TerminalProgress::new(false);
        let checked = dupes::check_after_index(&lib, &report, &progress, &cancel);
        progress.finish();
        if let Err(e) = checked {
            eprintln!("lookalike: duplicate pre-check skipped: {e}");
        }
    }
    let secs = report.elapsed_ms / 1e3;
    let rate = if secs > 0.0 {
        report.embedded as f64 / secs
    } else {
        0.0
    };
    let (photos, failed) = lib.catalog.counts()?;
    if json {
        let mut v = serde_json::to_value(&report)?;
        v["photos"] = photos.into();
        v["failed_total"] = failed.into();
        v["embedder"] = active.primary().id().into();
        println!("{}", serde_json::to_string(&v)?);
        if report.cancelled {
            bail!(
                "indexing was interrupted; all work so far is saved; run the same command to continue"
            );
        }
        return Ok(());
    }
    println!(
        "{} {} files in {:.1} s: {} embedded ({:.1} photos/s), {} unchanged, {} reused, {} moved, {} removed, {} failed",
        if report.cancelled {
            "Stopped after"
        } else {
            "Scanned"
        },
        report.scanned,
        secs,
        report.embedded,
        rate,
        report.unchanged,
        report.reused,
        report.moved,
        report.removed,
        report.failed
    );
    println!(
        "Library: {photos} photos indexed with {}, {failed} files could not be read (see `lookalike status`).",
        active.label()
    );
    if report.cancelled {
        bail!(
            "indexing was interrupted; all work so far is saved; run the same command to continue"
        );
    }
    Ok(())
}

fn query(
    data_dir: Option<PathBuf>,
    image: &Path,
    k: usize,
    json: bool,
    device: &str,
    filter: &PhotoFilter,
) -> Result<()> {
    if !image.is_file() {
        bail!("query image {} does not exist", image.display());
    }
    let lib = open_reader(data_dir)?;
    let active = lib.query_embedders(device)?;
    let source = QuerySource::File(image.to_path_buf());
    let hits = lib.query_filtered(&active, &source, k, filter)?;
    if json {
        println!("{}", serde_json::to_string(&hits)?);
    } else if hits.is_empty() && filter.is_empty() {
        println!("No photos indexed yet.");
    } else {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        if !filter.is_empty() {
            writeln!(out, "Filter: {}", filter.describe())?;
            if hits.is_empty() {
                writeln!(out, "No similar photo passes the filter.")?;
            }
        }
        for h in &hits {
            write!(out, "{:.4}  ", h.score)?;
            out.write_all(&crate::core::catalog::path_to_bytes(&h.info.path))?;
            if h.missing {
                write!(out, "  (missing: moved, deleted or on an unplugged drive)")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

fn status(data_dir: Option<PathBuf>, json: bool) -> Result<()> {
    let lib = open_reader(data_dir)?;
    let st = lib.status()?;
    let failures = lib.catalog.failures()?;
    let index_info: Vec<serde_json::Value> = st
        .embeddings
        .iter()
        .map(|(e, n)| serde_json::json!({"embedder": e, "vectors": n}))
        .collect();
    if json {
        let v = serde_json::json!({
            "photos": st.photos,
            "failed": st.failed,
            "embedder": st.embedder,
            "embedder_label": st.embedder_label,
            "model": st.model,
            "index": {"embedders": index_info},
            "roots": st.roots.iter().map(|r| r.to_string_lossy()).collect::<Vec<_>>(),
            "data_dir": st.data_dir.to_string_lossy(),
            "formats": st.formats.iter().map(|(f, n)| (f.clone(), serde_json::Value::from(*n))).collect::<serde_json::Map<String, serde_json::Value>>(),
            "capture": st.capture,
            "failures": failures.iter().map(|(p, r)| serde_json::json!({"path": p.to_string_lossy(), "reason": r})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("Data dir:  {}", st.data_dir.display());
    println!("Photos:    {}", st.photos);
    println!("Failed:    {}", st.failed);
    println!(
        "Model:     {}",
        st.embedder_label
            .as_deref()
            .or(st.model.as_deref())
            .unwrap_or("(nothing indexed yet)")
    );
    for (e, n) in &st.embeddings {
        println!("Index:     {e}: {n} vectors");
    }
    if !st.formats.is_empty() {
        let list: Vec<String> = st.formats.iter().map(|(f, n)| format!("{n} {f}")).collect();
        println!("Formats:   {}", list.join(", "));
        let c = &st.capture;
        println!(
            "Captured:  {} with a capture date, {} with a camera, {} with a location{}",
            c.with_date,
            c.with_camera,
            c.with_gps,
            if c.pending > 0 {
                format!(" ({} not read yet: run index)", c.pending)
            } else {
                String::new()
            }
        );
    }
    for r in &st.roots {
        println!("Library:   {}", r.display());
    }
    if !failures.is_empty() {
        println!("\nFiles that could not be indexed:");
        for (p, r) in &failures {
            println!("  {}: {r}", p.display());
        }
    }
    Ok(())
}

fn embed(image: &Path, model: &str, json: bool, device: &str) -> Result<()> {
    let tmp = std::env::temp_dir();
    let data_dir = crate::core::datadir::DataDir::default_path().unwrap_or(tmp);
    let active = registry::build(model, &data_dir, device)?;
    let e = active.primary();
    let v =
        query::embed_file(image, e).with_context(|| format!("cannot embed {}", image.display()))?;
    if json {
        let out = serde_json::json!({"embedding": v, "model": e.id(), "dim": v.len(), "path": absolute(image).to_string_lossy()});
        println!("{}", serde_json::to_string(&out)?);
    } else {
        println!("{} ({}-d):", e.label(), v.len());
        let s: Vec<String> = v.iter().map(|x| format!("{x:.5}")).collect();
        println!("{}", s.join(" "));
    }
    Ok(())
}
