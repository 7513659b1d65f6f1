//! The integration tests: one test binary with a module per area (ripgrep's `tests/tests.rs`
//! layout), so the app is linked once instead of once per file. Run one area with
//! `cargo test --test tests gui::`, one test with its full name.

mod clip_support;
mod common;
mod resnet_support;

mod capture;
mod cli;
mod clip_parity;
mod clip_tokenizer;
mod corpus;
mod dupes;
mod dupes_captions;
mod dupes_keeper;
mod dupes_missing;
mod filters;
mod formats;
mod gui;
mod gui_dupes;
mod gui_selection;
mod gui_words;
mod info_panel;
mod instance;
mod large_library;
mod large_library_layers;
mod lite0;
mod model_download;
mod packaging;
mod pairs;
mod query_copies;
mod raw;
mod reliability;
mod resnet_parity;
mod scale;
mod text_search;
mod use_cases;
mod video;
mod watcher;
