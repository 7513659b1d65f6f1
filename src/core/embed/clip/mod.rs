//! CLIP (OpenAI's ViT-B/32 and larger, Hugging Face `CLIPModel` checkpoint layout) on Candle:
//! an image tower that runs as one more [`super::Embedder`] beside the others, and a text tower
//! with its BPE tokenizer that turns words into a vector in the same space (text search).
//!
//! The weights are an opt-in download (`lookalike models download clip`); nothing here is
//! bundled except the tokenizer's vocabulary (MIT, `assets/clip/`).

pub mod bf16_matmul;
mod encoder;
pub mod lazy;
pub mod model;
mod ops;
pub mod precision;
pub mod text;
pub mod tokenizer;
pub mod vision;
mod weights;
