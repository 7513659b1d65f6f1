//! `lookalike undo` (and `dupes --undo`): put back the newest batch moved to the trash, whichever
//! view or command moved it.

use crate::core::library::Library;
use crate::core::trash::Mover;
use anyhow::{Result, bail};

/// Undo the newest trash batch that still has files away and print what happened.
pub fn undo(lib: &Library, mover: &dyn Mover, json: bool) -> Result<()> {
    let journal = lib.trash_journal();
    let report = lib.undo_trash(mover)?;
    if json {
        let v = serde_json::json!({
            "restored": report.restored,
            "manual": report.manual.iter().map(|(p, why)| serde_json::json!({"path": p, "error": why})).collect::<Vec<_>>(),
            "journal": journal.path(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else if report.restored.is_empty() && report.manual.is_empty() {
        println!(
            "Nothing to undo: the journal {} lists no files still in the trash.",
            journal.path().display()
        );
    } else {
        println!(
            "Put back {} files from {}; run `lookalike index` (or open the GUI) to list them again.",
            report.restored.len(),
            mover.describe()
        );
        for p in &report.restored {
            println!("  {}", p.display());
        }
        for (p, why) in &report.manual {
            eprintln!("warning: {}: {why}", p.display());
        }
    }
    if !report.manual.is_empty() {
        bail!(
            "{} files could not be put back automatically (see above)",
            report.manual.len()
        );
    }
    Ok(())
}
