//! Implementations of the CLI subcommands.

use super::open::{open_library, open_reader};
use super::progress_bar::TerminalProgress;
use super::{Cli, Command};
use crate::core::dupes;
use crate::core::embed::registry;
use crate::core::filter::PhotoFilter;
use crate::core::progress::CancelFlag;
use crate::core::query::{self, Hit, QuerySource};
use crate::core::text_search::{TextQuery, WordsEncoder};
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
            text,
            not,
            text_weight,
            k,
            json,
            device,
            filter,
        }) => {
            let filter = filter.to_filter()?;
            if text.is_some() || !not.is_empty() {
                let q = TextQuery {
                    words: text.unwrap_or_default(),
                    not,
                    image: image.map(|p| QuerySource::File(absolute(&p))),
                    text_weight,
                };
                query_text(cli.data_dir, &q, k, json, &device, &filter)
            } else {
                let image =
                    image.ok_or_else(|| anyhow::anyhow!("give an IMAGE or --text WORDS"))?;
                query(cli.data_dir, &image, k, json, &device, &filter)
            }
        }
        Some(Command::Status { json }) => status(cli.data_dir, json),
        Some(Command::Embed {
            image,
            model,
            json,
            device,
        }) => embed(&image, &model, json, &device),
        Some(Command::Models { action }) => super::models::run(cli.data_dir, action),
        Some(Command::Bench {
            model,
            synthetic_library,
            add,
            ..
        }) if synthetic_library > 0 => {
            super::bench_library::run(cli.data_dir.as_deref(), &model, synthetic_library, add)
        }
        Some(Command::Bench {
            dir,
            model,
            device,
            synthetic,
            no_graph,
            dupes,
            ..
        }) => super::bench::run(dir.as_deref(), &model, &device, synthetic, !no_graph, dupes),
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
        Some(Command::Generate { what }) => super::generate::run(what),
        None => crate::ui::windowed::open_path(cli.data_dir, cli.open),
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
    let libraries: Vec<PathBuf> = if libraries.is_empty() {
        let roots = lib.catalog.roots()?;
        if roots.is_empty() {
            bail!("no library yet: give the folder that holds your photos (`lookalike index DIR`)");
        }
        let (here, away): (Vec<PathBuf>, Vec<PathBuf>) =
            roots.into_iter().partition(|r| r.is_dir());
        for r in &away {
            eprintln!(
                "lookalike: {} is not there now (unplugged?); its photos are kept",
                r.display()
            );
        }
        if here.is_empty() {
            bail!(
                "none of the library's folders is there now: plug the drive in, or give a folder"
            );
        }
        here
    } else {
        libraries.to_vec()
    };
    let libraries = libraries.as_slice();
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
    if report.topped_up > 0 {
        let added: Vec<String> = active.list.iter().skip(1).map(|e| e.label()).collect();
        println!(
            "Added vectors of a new model ({}) to {} photos already indexed; their other vectors were kept.",
            added.join(", "),
            report.topped_up
        );
    }
    println!(
        "Library: {photos} photos indexed with {}, {failed} files could not be read (see `lookalike status`).",
        active.label()
    );
    if let Some(clip) = active.clip() {
        println!("Search by words: {}", clip.label());
    }
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
    crate::core::timeline::mark("query: library opened");
    let active = lib.query_embedders(device)?;
    crate::core::timeline::mark("query: model loaded");
    let source = QuerySource::File(image.to_path_buf());
    let hits = lib.query_filtered(&active, &source, k, filter)?;
    print_hits(&hits, json, filter, "", "similar")
}

fn query_text(
    data_dir: Option<PathBuf>,
    q: &TextQuery,
    k: usize,
    json: bool,
    device: &str,
    filter: &PhotoFilter,
) -> Result<()> {
    if let Some(QuerySource::File(p)) = &q.image
        && !p.is_file()
    {
        bail!("query image {} does not exist", p.display());
    }
    let lib = open_reader(data_dir)?;
    let active = lib.query_embedders(device)?;
    let mut encoder = WordsEncoder::load(&active, lib.data_dir.root())?;
    let found = lib.query_text(&active, &mut encoder, q, k, filter)?;
    if found.with_clip < found.photos {
        eprintln!(
            "note: {} of {} photos have CLIP vectors so far; run `lookalike index` to add the rest",
            found.with_clip, found.photos
        );
    }
    let heading = format!("Search: {}", q.describe());
    print_hits(&found.hits, json, filter, &heading, "matching")
}

/// Results as JSON, or one `score  path` line each, after `heading` (when not empty) and the
/// filter; `kind` ("similar", "matching") names them when the filter leaves none.
fn print_hits(
    hits: &[Hit],
    json: bool,
    filter: &PhotoFilter,
    heading: &str,
    kind: &str,
) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(hits)?);
        return Ok(());
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if !heading.is_empty() {
        writeln!(out, "{heading}")?;
    }
    if !filter.is_empty() {
        writeln!(out, "Filter: {}", filter.describe())?;
    }
    if hits.is_empty() {
        if filter.is_empty() {
            writeln!(out, "No photos indexed yet.")?;
        } else {
            writeln!(out, "No {kind} photo passes the filter.")?;
        }
    }
    for h in hits {
        write!(out, "{:.4}  ", h.score)?;
        out.write_all(&crate::core::catalog::path_to_bytes(&h.info.path))?;
        if h.missing {
            write!(out, "  (missing: moved, deleted or on an unplugged drive)")?;
        }
        writeln!(out)?;
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
    // Search by words: the CLIP file in use and how many photos have its vectors.
    let clip_file = crate::core::models::find_clip(lib.data_dir.root());
    let clip_vectors: u64 = st
        .embeddings
        .iter()
        .filter(|(e, _)| e.starts_with("clip-"))
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0);
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
            "text_search": {
                "model_file": clip_file.as_ref().map(|p| p.to_string_lossy()),
                "photos_with_vectors": clip_vectors,
            },
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
    match &clip_file {
        Some(f) if clip_vectors < st.photos => println!(
            "Words:     {} of {} photos searchable by words ({}); run index to add the rest",
            clip_vectors,
            st.photos,
            f.display()
        ),
        Some(f) => println!(
            "Words:     every photo searchable by words ({})",
            f.display()
        ),
        None => println!("Words:     off (`lookalike models download clip` to search by words)"),
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
