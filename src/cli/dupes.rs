//! `lookalike dupes`: print duplicate groups, or move the extra copies to the trash.

use super::progress_bar::TerminalProgress;
use crate::core::dupes::{self, DupeGroup, DupeSettings, GraphOptions, IgnoreList, Tier};
use crate::core::filter::PhotoFilter;
use crate::core::progress::CancelFlag;
use crate::core::trash::{self, Mover};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

/// Options of the `dupes` subcommand.
#[derive(Debug, Clone, Default)]
pub struct DupesArgs {
    /// Loosest tier to report: exact, near (default) or similar.
    pub tier: Option<String>,
    /// Machine-readable output.
    pub json: bool,
    /// Move removable copies to the trash (dry run without `yes`).
    pub trash: bool,
    /// Really move them.
    pub yes: bool,
    /// Also find mirrored and rotated copies.
    pub mirror: bool,
    /// Put back the last batch moved to the trash.
    pub undo: bool,
    /// Only the photos that pass this filter; groups left with fewer than two are dropped.
    pub filter: PhotoFilter,
}

fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} KB", b / 1e3)
    } else {
        format!("{b} B")
    }
}

fn group_json(g: &DupeGroup) -> serde_json::Value {
    let photos: Vec<serde_json::Value> = g
        .members
        .iter()
        .map(|m| {
            // The photo's catalog fields (path, bytes, width, height, format, taken, camera...)
            // and its place in the group.
            let mut v = serde_json::to_value(&m.photo).unwrap_or_default();
            v["relation"] = serde_json::to_value(m.relation).unwrap_or_default();
            v["score"] = m.score.into();
            v["protected"] = m.protected.into();
            if !m.companions.is_empty() {
                v["companions"] = serde_json::to_value(&m.companions).unwrap_or_default();
            }
            v
        })
        .collect();
    serde_json::json!({
        "tier": g.tier,
        "burst": g.is_burst(),
        "keep": g.kept().photo.path,
        "keep_reason": g.keep_reason,
        "reclaimable_bytes": g.reclaimable_bytes(),
        "photos": photos,
    })
}

fn print_human(groups: &[DupeGroup]) {
    for g in groups {
        println!(
            "{}{} · {} photos · {} reclaimable",
            g.tier.name(),
            if g.is_burst() { " (burst)" } else { "" },
            g.members.len(),
            human_bytes(g.reclaimable_bytes())
        );
        for (i, m) in g.members.iter().enumerate() {
            let mark = if i == g.keep {
                "keep"
            } else if m.protected {
                "ref "
            } else {
                "dup "
            };
            let rel = if i == g.keep {
                format!("  (kept: {})", g.keep_reason)
            } else {
                format!("  ({} {:.2})", m.relation.name(), m.score)
            };
            println!(
                "  {mark}  {}  {}x{}  {}  {}{rel}",
                m.photo.path.display(),
                m.photo.width,
                m.photo.height,
                human_bytes(m.photo.bytes),
                m.photo.format
            );
            for c in &m.companions {
                println!("          + {} ({})", c.path.display(), c.kind.badge());
            }
        }
        println!();
    }
    let count = |t: Tier| groups.iter().filter(|g| g.tier == t).count();
    let removable: usize = groups.iter().map(|g| g.removable().len()).sum();
    let bytes: u64 = groups.iter().map(DupeGroup::reclaimable_bytes).sum();
    println!(
        "{} groups ({} exact, {} near, {} similar): {removable} photos could go, {}.",
        groups.len(),
        count(Tier::Exact),
        count(Tier::Near),
        count(Tier::Similar),
        human_bytes(bytes)
    );
}

/// Run `lookalike dupes`.
pub fn run(data_dir: Option<PathBuf>, args: &DupesArgs) -> Result<()> {
    let mut lib = super::open::open_reader(data_dir)?;
    if args.undo {
        return super::trash::undo(&lib, &trash::SystemTrash, args.json);
    }
    let mut settings = DupeSettings::load(lib.data_dir.root());
    if let Some(t) = &args.tier {
        settings.thresholds.max_tier = Tier::parse(t)
            .with_context(|| format!("unknown tier `{t}`: use exact, near or similar"))?;
    }
    settings.thresholds.mirror |= args.mirror;
    let opts = GraphOptions::with_mirror(settings.thresholds.mirror);
    let progress = TerminalProgress::new(true);
    let graph = dupes::scan(&lib, &opts, &progress, &CancelFlag::new());
    progress.finish();
    let graph = graph?;
    if let Ok(path) = std::env::var("LOOKALIKE_DUPES_DUMP") {
        dump_edges(&graph, &path)?;
    }
    let ignore = IgnoreList::load(lib.data_dir.root())?;
    let groups = dupes::filter_groups(
        dupes::groups(&graph, &settings, &ignore),
        &args.filter,
        &settings,
    );
    let filtered = !args.filter.is_empty();
    if filtered && !args.json {
        println!("Filter: {}", args.filter.describe());
    }
    if !args.trash {
        if args.json {
            let mut v =
                serde_json::json!({"groups": groups.iter().map(group_json).collect::<Vec<_>>()});
            if filtered {
                v["filter"] = args.filter.describe().into();
            }
            println!("{}", serde_json::to_string_pretty(&v)?);
        } else if groups.is_empty() && filtered {
            println!("No duplicates among the photos that pass the filter.");
        } else if groups.is_empty() {
            println!("No duplicates found among {} photos.", graph.photos.len());
        } else {
            print_human(&groups);
        }
        return Ok(());
    }
    if settings.thresholds.max_tier == Tier::Similar && args.yes {
        bail!("refusing to trash similar-tier groups without review: use --tier near or the GUI");
    }
    let files: Vec<&dupes::GroupMember> = groups.iter().flat_map(|g| g.removable()).collect();
    let bytes: u64 = files.iter().map(|m| m.photo.bytes).sum();
    let mover = trash::SystemTrash;
    if !args.yes {
        if args.json {
            let v = serde_json::json!({
                "dry_run": true,
                "would_move": files.iter().map(|m| &m.photo.path).collect::<Vec<_>>(),
                "bytes": bytes,
                "groups": groups.iter().map(group_json).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&v)?);
        } else {
            println!(
                "Would move {} files ({}) to {} (dry run):",
                files.len(),
                human_bytes(bytes),
                mover.describe()
            );
            for m in &files {
                println!("  {}", m.photo.path.display());
            }
            println!("Run again with --yes to move them.");
        }
        return Ok(());
    }
    let report = dupes::trash_groups(&mut lib, &mover, &groups)?;
    let journal = lib.trash_journal();
    if args.json {
        let v = serde_json::json!({
            "moved": report.moved,
            "failed": report.failed.iter().map(|(p, e)| serde_json::json!({"path": p, "error": e})).collect::<Vec<_>>(),
            "bytes": report.bytes,
            "journal": journal.path(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "Moved {} files ({}) to {}. Journal: {}",
            report.moved.len(),
            human_bytes(report.bytes),
            mover.describe(),
            journal.path().display()
        );
        for (p, e) in &report.failed {
            eprintln!("warning: could not move {}: {e}", p.display());
        }
    }
    if !report.failed.is_empty() {
        bail!("{} files could not be moved", report.failed.len());
    }
    Ok(())
}

/// Write every candidate edge with its scores as JSON lines (for measuring and tuning).
fn dump_edges(graph: &dupes::CandidateGraph, path: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot create {path}"))?,
    );
    for e in &graph.edges {
        let v = serde_json::json!({
            "a": graph.representative(e.a).info.path,
            "b": graph.representative(e.b).info.path,
            "similarity": e.similarity,
            "semantic": e.semantic,
            "pixel": e.pixel,
            "near_score": e.pixel.as_ref().map(dupes::cluster::near_score),
            "symmetry": e.symmetry,
            "colour": e.colour,
        });
        writeln!(out, "{v}")?;
    }
    let stats = serde_json::to_string(&graph.stats)?;
    eprintln!("dupes: {stats}");
    Ok(())
}
