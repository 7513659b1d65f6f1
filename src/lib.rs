//! Lookalike: a desktop photo-similarity browser.
//!
//! # Layers
//! - [`core`]: scanning, guarded decoding, embedders (model-free descriptor, CNNs through Candle),
//!   the SQLite catalog (source of truth) and the HNSW index (derived, rebuilt when needed).
//!   No egui, no threads of its own beyond scoped, per-call parallelism.
//! - `worker`: long-lived threads with typed commands and events for the GUI.
//! - `ui`: the egui window.
//!
//! The `lookalike` binary's CLI drives `core` directly, the same code the GUI's worker runs.

pub mod cli;
pub mod core;
pub mod ui;
pub mod worker;
