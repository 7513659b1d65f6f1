//! Builds the embedders a model spec asks for. The descriptor is always computed (duplicates
//! rely on it); a CNN, when chosen, is added and answers queries.

use super::Embedder;
use super::descriptor::Descriptor;
use crate::core::error::{Error, Result};
use std::path::Path;

/// The embedders of one indexing or query session.
pub struct ActiveEmbedders {
    /// Embedders in computation order; the descriptor is first.
    pub list: Vec<Box<dyn Embedder>>,
    /// Index in `list` of the embedder that answers queries.
    pub primary: usize,
    /// Normalised spec, stored in the catalog ("descriptor", "lite0", "resnet50", a path).
    pub spec: String,
}

impl ActiveEmbedders {
    /// The embedder that answers queries.
    pub fn primary(&self) -> &dyn Embedder {
        self.list[self.primary].as_ref()
    }
    /// Borrowed list for the indexer.
    pub fn refs(&self) -> Vec<&dyn Embedder> {
        self.list.iter().map(|b| b.as_ref()).collect()
    }
    /// The model-free descriptor (always present).
    pub fn descriptor(&self) -> &dyn Embedder {
        self.list[0].as_ref()
    }
}

/// The spec used when the user names none.
pub const DEFAULT_SPEC: &str = "descriptor";

/// Build the embedders for `spec` ("descriptor", "lite0", "resnet18|34|50", or a weights file).
pub fn build(spec: &str, _data_dir: &Path, _device: &str) -> Result<ActiveEmbedders> {
    let spec = spec.trim();
    match spec {
        "descriptor" | "" => Ok(ActiveEmbedders {
            list: vec![Box::new(Descriptor::new())],
            primary: 0,
            spec: "descriptor".into(),
        }),
        other => Err(Error::Other(format!(
            "model `{other}` is not available in this build; use --model descriptor"
        ))),
    }
}
