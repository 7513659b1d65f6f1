//! The Duplicates view: groups of exact copies, edited copies and similar shots found by
//! [`crate::core::dupes`], reviewed here (keep choice, marks, compare) and moved to the trash
//! with an undo. The scan runs on the worker ([`crate::worker::dupes`]); regrouping with other
//! thresholds runs here, on the stored graph, without a rescan.

pub mod compare;
mod folder_picker;
mod keys;
pub mod marks;
mod settings_panel;
pub mod state;
mod state_events;
pub mod tile;
pub mod view;

pub use state::DupesState;
pub use view::{DupesView, LibraryInfo};
