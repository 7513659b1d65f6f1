//! Embedders turn one decoded photo into an L2-normalised vector.
//!
//! Every embedder (the model-free descriptor, ResNet, EfficientNet-Lite0) implements [`Embedder`].
//! Work is split in two so the pipeline can overlap decoding and inference:
//! [`Embedder::prepare`] runs per photo on the decoder threads (resize, normalise, or the whole
//! descriptor), [`Embedder::embed_batch`] runs batched on the inference thread.

pub mod clip;
pub mod descriptor;
pub mod efficientnet;
pub mod error;
mod nhwc;
pub mod registry;
pub mod resnet;

pub use error::EmbedError;

use image::RgbImage;

/// Which implementation runs a CNN (ResNet, EfficientNet-Lite0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernels {
    /// The NHWC Rust kernels on the CPU, Candle ops on any other device.
    #[default]
    Auto,
    /// The NHWC Rust kernels (CPU only).
    RustCpu,
    /// Plain Candle tensor ops (any device; what runs on CUDA and Metal, slow grouped
    /// convolutions on the CPU).
    CandleOps,
}

/// Per-photo preprocessed input, ready for [`Embedder::embed_batch`].
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// Flat input (for CNNs: CHW f32 tensor data; for the descriptor: the finished vector).
    pub data: Vec<f32>,
}

/// An embedding function from photos to L2-normalised vectors of a fixed dimension.
///
/// Implementations are `Send + Sync`: `prepare` is called from several decoder threads at once.
pub trait Embedder: Send + Sync {
    /// Stable identity of the embedding space: name + version + weights checksum prefix,
    /// e.g. `descriptor-v1` or `resnet18-1a2b3c4d`. Vectors from different ids are never mixed.
    fn id(&self) -> &str;
    /// Short human name for status lines, e.g. `ResNet-18 (resnet18.safetensors)`.
    fn label(&self) -> String;
    /// Length of every vector this embedder returns.
    fn dim(&self) -> usize;
    /// Smallest shorter side (px) of the decoded photo this embedder still needs. The decoder
    /// may downscale (JPEG DCT scaling) to this size but never below it.
    fn min_input_side_px(&self) -> u32;
    /// Per-photo preprocessing from an upright RGB photo. Runs on decoder threads.
    fn prepare(&self, img: &RgbImage) -> Result<Prepared, EmbedError>;
    /// Batched inference: one L2-normalised vector of length [`Embedder::dim`] per input, in order.
    fn embed_batch(&self, batch: &[Prepared]) -> Result<Vec<Vec<f32>>, EmbedError>;
    /// Batch size that keeps this embedder efficient without hogging memory.
    fn preferred_batch(&self) -> usize {
        1
    }
}

/// L2-normalise in place. Returns `false` (and leaves `v` unusable) for zero or non-finite input.
pub fn l2_normalize(v: &mut [f32]) -> bool {
    let norm_sq: f64 = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    if !norm_sq.is_finite() || norm_sq <= 1e-24 {
        return false;
    }
    let inv = (1.0 / norm_sq.sqrt()) as f32;
    v.iter_mut().for_each(|x| *x *= inv);
    true
}

/// Convenience: prepare and embed one photo.
pub fn embed_one(embedder: &dyn Embedder, img: &RgbImage) -> Result<Vec<f32>, EmbedError> {
    let prepared = embedder.prepare(img)?;
    let mut out = embedder.embed_batch(std::slice::from_ref(&prepared))?;
    out.pop()
        .ok_or_else(|| EmbedError::Backend("embedder returned no vector".into()))
}
