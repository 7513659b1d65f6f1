//! Builds the embedders a model spec asks for. The descriptor is always computed (duplicates
//! rely on it); a CNN, when chosen, is computed in the same decode pass and answers queries.
//!
//! **CLIP** joins as one more embedder: when the spec names it (`clip`, `clip-large`, a CLIP
//! file) it also answers image queries; otherwise, once a CLIP checkpoint is in the models
//! folders ([`models::find_clip`], e.g. after `lookalike models download clip`), its image tower
//! runs beside the chosen model, so searching by words works without giving up the model the
//! library was indexed with. Its position is [`ActiveEmbedders::text`].

use super::Embedder;
use super::clip::lazy::LazyClipImage;
use super::clip::model::is_clip_file;
use super::descriptor::Descriptor;
use super::efficientnet::EfficientNetLite0;
use super::resnet::ResNetEmbedder;
use crate::core::device::{DevicePref, describe, select_device};
use crate::core::error::{Error, Result};
use crate::core::models::{self, ModelError, ModelSpec};
use std::path::{Path, PathBuf};

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
    /// Index in `list` of the CLIP image embedder, when a CLIP checkpoint is in use: words are
    /// searched in its vectors.
    pub text: Option<usize>,
    /// The CLIP checkpoint behind [`Self::text`] (its text tower is loaded from it on demand).
    pub clip_file: Option<PathBuf>,
    /// Why a CLIP checkpoint found in the models folders could not be used (searching by
    /// words says so; everything else works without it).
    pub clip_error: Option<String>,
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
    /// The CLIP image embedder, whose vectors answer searches by words.
    pub fn clip(&self) -> Option<&dyn Embedder> {
        self.text.map(|i| self.list[i].as_ref())
    }
}

/// The spec used when the user names none: the bundled EfficientNet-Lite0 (semantic search
/// offline), with the descriptor alongside for duplicates.
pub const DEFAULT_SPEC: &str = "lite0";

/// Build the embedders for `spec` ("descriptor", "lite0", "resnet18|34|50", "clip",
/// "clip-large", or a weights file) on `device` ("auto", "cpu", "cuda", "metal"), plus the CLIP
/// image tower when a CLIP checkpoint is found (see the module doc).
pub fn build(spec: &str, data_dir: &Path, device: &str) -> Result<ActiveEmbedders> {
    let parsed: ModelSpec = spec.parse()?;
    let pref: DevicePref = device
        .parse()
        .map_err(|e: crate::core::device::ParseDeviceError| Error::Other(e.0))?;
    let dev = select_device(pref)?;
    let mut list: Vec<Box<dyn Embedder>> = vec![Box::new(Descriptor::new())];
    let (primary_net, spec, clip_file): (Option<Box<dyn Embedder>>, String, Option<PathBuf>) =
        match &parsed {
            ModelSpec::Lite0 => {
                // A file in the search folders overrides the built-in weights.
                let net = match models::resolve(&parsed, data_dir) {
                    Ok(path) => EfficientNetLite0::from_file(&path, &dev)?,
                    Err(_) => EfficientNetLite0::bundled(&dev)?,
                };
                (Some(Box::new(net)), "lite0".into(), None)
            }
            ModelSpec::ResNet { depth } => {
                let path = models::resolve(&parsed, data_dir)?;
                let net = ResNetEmbedder::load_with_depth(&path, *depth, &dev)?;
                (Some(Box::new(net)), format!("resnet{depth}"), None)
            }
            ModelSpec::Clip { .. } => {
                let path = models::resolve(&parsed, data_dir)?;
                (None, parsed.name(), Some(path))
            }
            ModelSpec::File(path) => {
                if !path.is_file() {
                    return Err(ModelError::FileNotFound { path: path.clone() }.into());
                }
                let abs = path.canonicalize().unwrap_or_else(|_| path.clone());
                let spec = abs.to_string_lossy().into_owned();
                let name = abs
                    .file_name()
                    .map(|n| n.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                if is_clip_file(&abs) {
                    (None, spec, Some(abs))
                } else if name.contains("lite0") || name.contains("efficientnet") {
                    (
                        Some(Box::new(EfficientNetLite0::from_file(&abs, &dev)?)),
                        spec,
                        None,
                    )
                } else {
                    (
                        Some(Box::new(ResNetEmbedder::load(&abs, &dev)?)),
                        spec,
                        None,
                    )
                }
            }
            ModelSpec::Descriptor => (None, "descriptor".into(), None),
        };
    let mut primary = 0;
    if let Some(net) = primary_net {
        list.push(net);
        primary = list.len() - 1;
    }
    // The spec's CLIP, else one found in the models folders, runs beside the chosen model.
    let mut clip_error = None;
    let clip_file = match clip_file {
        Some(path) => {
            list.push(Box::new(LazyClipImage::open(&path, &dev)?));
            primary = list.len() - 1;
            Some(path)
        }
        None => {
            models::find_clip(data_dir).and_then(|path| match LazyClipImage::open(&path, &dev) {
                Ok(net) => {
                    list.push(Box::new(net));
                    Some(path)
                }
                Err(e) => {
                    clip_error = Some(e.to_string());
                    None
                }
            })
        }
    };
    let text = clip_file.as_ref().map(|_| list.len() - 1);

    let uses_device = list.len() > 1;
    Ok(ActiveEmbedders {
        list,
        primary,
        spec,
        device: if uses_device {
            describe(&dev)
        } else {
            "cpu".into()
        },
        text,
        clip_file,
        clip_error,
    })
}
