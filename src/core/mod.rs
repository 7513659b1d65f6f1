//! The engine: pure logic with no UI and no long-lived threads of its own.
//!
//! Long jobs take a cancel flag and a [`progress::Progress`] reporter so the CLI, the GUI's
//! worker and tests drive exactly the same code.

pub mod bursts;
pub mod catalog;
pub mod content_box;
pub mod datadir;
pub mod device;
pub mod dupes;
pub mod embed;
pub mod error;
pub mod export;
pub mod filter;
pub mod flat_index;
pub mod guard;
pub mod image_io;
pub mod index;
pub mod index_set;
pub mod indexer;
pub mod library;
pub mod metadata;
pub mod models;
pub mod moves;
pub mod neighbours;
pub mod pairs;
pub mod progress;
pub mod query;
pub mod query_expand;
pub mod scan;
pub mod signature;
pub mod text_search;
pub mod thumb_cache;
pub mod timeline;
pub mod trash;
pub mod vectors_file;
pub mod video;
