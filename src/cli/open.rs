//! Opening the data dir for a command, with notices on stderr.

use crate::core::datadir;
use crate::core::library::Library;
use anyhow::Result;
use std::path::PathBuf;

/// The library for a command that writes (`index`): notices (a repaired catalog) on stderr.
pub fn open_library(data_dir: Option<PathBuf>) -> Result<Library> {
    let lib = Library::open(data_dir)?;
    for n in &lib.notices {
        eprintln!("warning: {n}");
    }
    Ok(lib)
}

/// The library for a command that only reads (`query`, `status`, `dupes`): when the data dir
/// cannot be written (a read-only disk), it is read as it is, with a note on stderr.
pub fn open_reader(data_dir: Option<PathBuf>) -> Result<Library> {
    match open_library(data_dir.clone()) {
        Ok(lib) => Ok(lib),
        Err(e) => {
            let Ok(lib) = Library::open_read_only(data_dir) else {
                return Err(e);
            };
            if datadir::is_writable(lib.data_dir.root()) {
                return Err(e);
            }
            eprintln!(
                "note: the data dir {} is read-only: answering from it as it is (nothing is updated)",
                lib.data_dir.root().display()
            );
            Ok(lib)
        }
    }
}
