//! Builds the embedders a model spec asks for. The descriptor is always computed (duplicates
//! rely on it); a CNN, when chosen, is computed in the same decode pass and answers queries.

use super::Embedder;
use super::descriptor::Descriptor;
use super::efficientnet::EfficientNetLite0;
use super::resnet::ResNetEmbedder;
use crate::core::device::{DevicePref, describe, select_device};
use crate::core::error::{Error, Result};
use crate::core::models::{self, ModelError, ModelSpec};
use std::path::Path;

/// The embedders of one indexing or query session.
pub struct ActiveEmbedders {
    /// Embedders in computation order; the descriptor is first.
    pub list: Vec<Box<dyn Embedder>>,
    /// Index in `list` of the embedder that answers queries.
    pub primary: usize,
    /// Normalised spec, stored in the catalog ("descriptor", "lite0", "resnet50", a path).
    pub spec: String,
    /// Where the CNN runs, e.g. `cpu` or `cuda:0` (the descriptor always runs on the CPU).
    pub device: String,
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
    /// The primary embedder's name, with the device when it is not the CPU, e.g.
    /// `ResNet-50 (resnet50.safetensors) on cuda:0`.
    pub fn label(&self) -> String {
        let label = self.primary().label();
        if self.device == "cpu" {
            label
        } else {
            format!("{label} on {}", self.device)
        }
    }
    /// The model-free descriptor (always present).
    pub fn descriptor(&self) -> &dyn Embedder {
        self.list[0].as_ref()
    }
}

/// The spec used when the user names none: the bundled EfficientNet-Lite0 (semantic search
/// offline), with the descriptor alongside for duplicates.
pub const DEFAULT_SPEC: &str = "lite0";

/// Build the embedders for `spec` ("descriptor", "lite0", "resnet18|34|50", or a weights file)
/// on `device` ("auto", "cpu", "cuda", "metal").
pub fn build(spec: &str, data_dir: &Path, device: &str) -> Result<ActiveEmbedders> {
    let parsed: ModelSpec = spec.parse()?;
    let descriptor: Box<dyn Embedder> = Box::new(Descriptor::new());
    let pref: DevicePref = device
        .parse()
        .map_err(|e: crate::core::device::ParseDeviceError| Error::Other(e.0))?;
    let dev = select_device(pref)?;
    let (cnn, spec): (Box<dyn Embedder>, String) = match &parsed {
        ModelSpec::Lite0 => {
            // A file in the search folders overrides the built-in weights.
            let net = match models::resolve(&parsed, data_dir) {
                Ok(path) => EfficientNetLite0::from_file(&path, &dev)?,
                Err(_) => EfficientNetLite0::bundled(&dev)?,
            };
            (Box::new(net), "lite0".into())
        }
        ModelSpec::ResNet { depth } => {
            let path = models::resolve(&parsed, data_dir)?;
            let net = ResNetEmbedder::load_with_depth(&path, *depth, &dev)?;
            (Box::new(net), format!("resnet{depth}"))
        }
        ModelSpec::File(path) => {
            if !path.is_file() {
                return Err(ModelError::FileNotFound { path: path.clone() }.into());
            }
            let abs = path.canonicalize().unwrap_or_else(|_| path.clone());
            let name = abs
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let net: Box<dyn Embedder> = if name.contains("lite0") || name.contains("efficientnet")
            {
                Box::new(EfficientNetLite0::from_file(&abs, &dev)?)
            } else {
                Box::new(ResNetEmbedder::load(&abs, &dev)?)
            };
            (net, abs.to_string_lossy().into_owned())
        }
        ModelSpec::Descriptor => {
            return Ok(ActiveEmbedders {
                list: vec![descriptor],
                primary: 0,
                spec: "descriptor".into(),
                device: "cpu".into(),
            });
        }
    };
    Ok(ActiveEmbedders {
        list: vec![descriptor, cnn],
        primary: 1,
        spec,
        device: describe(&dev),
    })
}
