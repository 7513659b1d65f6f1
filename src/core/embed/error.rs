//! [`EmbedError`], why an embedder could not be built or could not embed. A leaf (it imports no
//! other module of the crate), so `core::device`, `core::models` and `core::error` use it without
//! a cycle through the embedders, which use them.

/// Why an embedder could not be built or could not embed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A weights file could not be read or parsed.
    #[error("cannot load weights from {path}: {reason}")]
    Weights {
        /// The weights file.
        path: std::path::PathBuf,
        /// What went wrong, for a person.
        reason: String,
    },
    /// A tensor the architecture needs is absent from the weights file.
    #[error("weights file {path} lacks tensor `{tensor}` (is it the right model?)")]
    MissingTensor {
        /// The weights file.
        path: std::path::PathBuf,
        /// The tensor name that was looked up.
        tensor: String,
    },
    /// A tensor has a different shape than the architecture expects.
    #[error("weights file {path}: tensor `{tensor}` has shape {found:?}, expected {expected:?}")]
    ShapeMismatch {
        /// The weights file.
        path: std::path::PathBuf,
        /// The tensor name.
        tensor: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape the architecture needs.
        expected: Vec<usize>,
    },
    /// The compute backend failed (Candle error, device unavailable...).
    #[error("inference failed: {0}")]
    Backend(String),
    /// The input could not be turned into a vector (empty image, NaN output...).
    #[error("cannot embed this image: {0}")]
    BadInput(String),
}

impl From<candle_core::Error> for EmbedError {
    fn from(e: candle_core::Error) -> Self {
        EmbedError::Backend(e.to_string())
    }
}
