//! The CLIP image tower, loaded on first use: [`LazyClipImage`] knows its id, dimension and
//! preprocessing from the checkpoint's header (milliseconds), and reads the ~350 MB of vision
//! weights only when a photo is actually embedded. Every query and GUI start-up builds the
//! embedders; with CLIP present beside the library's model, most of them never embed a photo
//! with it (text queries use the text tower; image queries use the stored vectors).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use candle_core::Device;
use image::RgbImage;

use super::model::{ClipImageEmbedder, ClipShape, Opened, check_both_towers};
use super::vision::{preferred_batch_on, preprocess};
use crate::core::embed::{EmbedError, Embedder, Prepared};

/// A [`ClipImageEmbedder`] that loads its weights on the first [`Embedder::embed_batch`].
#[derive(Debug)]
pub struct LazyClipImage {
    path: PathBuf,
    device: Device,
    id: String,
    label: String,
    shape: ClipShape,
    net: OnceLock<Result<ClipImageEmbedder, String>>,
}

impl LazyClipImage {
    /// Reads the header of `path` (checking that both towers are complete and the file long
    /// enough); the weights are read later.
    pub fn open(path: &Path, device: &Device) -> Result<Self, EmbedError> {
        let Opened {
            ckpt,
            shape,
            id,
            label,
        } = Opened::open(path)?;
        check_both_towers(&ckpt, &shape)?;
        Ok(Self {
            path: path.to_path_buf(),
            device: device.clone(),
            id,
            label,
            shape,
            net: OnceLock::new(),
        })
    }

    /// The checkpoint's dimensions.
    pub fn shape(&self) -> &ClipShape {
        &self.shape
    }

    /// The tower, loaded now if it was not yet.
    fn net(&self) -> Result<&ClipImageEmbedder, EmbedError> {
        self.net
            .get_or_init(|| {
                ClipImageEmbedder::load(&self.path, &self.device).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| EmbedError::Backend(e.clone()))
    }
}

impl Embedder for LazyClipImage {
    fn id(&self) -> &str {
        &self.id
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn dim(&self) -> usize {
        self.shape.embed_dim
    }

    fn min_input_side_px(&self) -> u32 {
        self.shape.image_size as u32
    }

    fn prepare(&self, img: &RgbImage) -> Result<Prepared, EmbedError> {
        Ok(Prepared {
            data: preprocess(img, self.shape.image_size as u32)?,
        })
    }

    fn embed_batch(&self, batch: &[Prepared]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        self.net()?.embed_batch(batch)
    }

    fn preferred_batch(&self) -> usize {
        preferred_batch_on(&self.device)
    }
}
