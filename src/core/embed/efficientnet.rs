//! EfficientNet-Lite0, the ImageNet CNN that ships inside the binary.
//!
//! Architecture (Tan & Le 2019, "Lite" variant): EfficientNet-B0's block table without
//! squeeze-excitation, ReLU6 activations, BatchNorm ε = 1e-3 (folded into the convolutions at
//! load time), TensorFlow "SAME" padding (odd extra pixel bottom/right), residual connection when a
//! block has stride 1 and as many input as output channels, a 1x1 head to 1280 channels + ReLU6.
//! The embedding is the global average of that head, L2-normalised (1280-d).
//!
//! Weights: `models/efficientnet-lite0.safetensors` (Google's checkpoint, Apache-2.0, converted by
//! `tools/convert_lite0.py`; convolution and classifier weights stored as f16, widened to f32 on
//! load). Input: the whole upright photo resized to exactly 224x224 (antialiased bilinear), RGB
//! scaled as `(x - 127) / 128`, CHW.
//!
//! On the CPU the network runs through hand-written NHWC kernels ([`cpu`]); on other devices
//! through Candle ops ([`generic`]).

mod cpu;
mod generic;
mod weights;

use super::{EmbedError, Embedder, Prepared, l2_normalize};
use candle_core::Device;
use image::RgbImage;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The converted weights, compiled into the binary.
static BUNDLED_WEIGHTS: &[u8] = include_bytes!("../../../models/efficientnet-lite0.safetensors");

/// Side of the square network input, in pixels.
pub const INPUT_SIDE: usize = 224;
/// Length of the embedding (channels of the head convolution).
pub const EMBEDDING_DIM: usize = weights::HEAD_CHANNELS;
/// Number of ImageNet classes of the classifier head.
pub const NUM_CLASSES: usize = weights::NUM_CLASSES;
/// Floats in one [`Prepared`] input (3 x 224 x 224).
const INPUT_LEN: usize = 3 * INPUT_SIDE * INPUT_SIDE;
/// Largest number of images run through the CPU kernels at once: bounds memory (~15 MB per
/// image) and keeps activations in cache (2 cores: batch 4-8 ≈ 75-83 images/s, 16 ≈ 58).
const MAX_CHUNK_CPU: usize = 8;
/// Largest number of images run through Candle ops at once (other devices).
const MAX_CHUNK_DEVICE: usize = 16;

pub use super::Kernels;

enum Net {
    Cpu(cpu::CpuNet),
    Candle(generic::CandleNet),
}

/// The EfficientNet-Lite0 embedder (and ImageNet classifier).
pub struct EfficientNetLite0 {
    net: Net,
    id: String,
    label: String,
}

impl std::fmt::Debug for EfficientNetLite0 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EfficientNetLite0")
            .field("id", &self.id)
            .field("label", &self.label)
            .field("kernels", &self.kernels())
            .finish()
    }
}

impl EfficientNetLite0 {
    /// The model with the weights compiled into the binary, on `device`.
    pub fn bundled(device: &Device) -> Result<Self, EmbedError> {
        Self::bundled_with(device, Kernels::Auto)
    }

    /// Like [`EfficientNetLite0::bundled`], choosing the convolution implementation.
    pub fn bundled_with(device: &Device, kernels: Kernels) -> Result<Self, EmbedError> {
        let mut model =
            Self::from_bytes(BUNDLED_WEIGHTS, &weights::bundled_origin(), device, kernels)?;
        model.label = "EfficientNet-Lite0 (built-in)".into();
        Ok(model)
    }

    /// The model with weights read from a safetensors file (same tensor names as the bundled one).
    pub fn from_file(path: impl AsRef<Path>, device: &Device) -> Result<Self, EmbedError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| EmbedError::Weights {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::from_bytes(&bytes, path, device, Kernels::Auto)
    }

    /// The model from safetensors bytes; `origin` names them in errors and in the label.
    pub fn from_bytes(
        bytes: &[u8],
        origin: &Path,
        device: &Device,
        kernels: Kernels,
    ) -> Result<Self, EmbedError> {
        let folded = weights::load(bytes, origin)?;
        let net = match (kernels, device.is_cpu()) {
            (Kernels::Auto | Kernels::RustCpu, true) => Net::Cpu(cpu::CpuNet::new(&folded)?),
            (Kernels::RustCpu, false) => {
                return Err(EmbedError::Backend(
                    "the Rust EfficientNet kernels run on the CPU only".into(),
                ));
            }
            (Kernels::Auto | Kernels::CandleOps, _) => {
                Net::Candle(generic::CandleNet::new(&folded, device)?)
            }
        };
        let digest = Sha256::digest(bytes);
        let id = format!(
            "lite0-{}",
            digest[..4]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let name = origin
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| origin.display().to_string());
        Ok(Self {
            net,
            id,
            label: format!("EfficientNet-Lite0 ({name})"),
        })
    }

    /// The convolution implementation in use ([`Kernels::RustCpu`] or [`Kernels::CandleOps`]).
    pub fn kernels(&self) -> Kernels {
        match self.net {
            Net::Cpu(_) => Kernels::RustCpu,
            Net::Candle(_) => Kernels::CandleOps,
        }
    }

    /// ImageNet logits (1000 per input, class order of the original checkpoint) of prepared inputs.
    pub fn classify(&self, batch: &[Prepared]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.run(batch, NUM_CLASSES, |input, n| match &self.net {
            Net::Cpu(net) => net.logits(input, n),
            Net::Candle(net) => net.logits(input, n),
        })
    }

    /// Raw pooled features (1280 per input, not normalised) of prepared inputs.
    pub fn pooled_features(&self, batch: &[Prepared]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.run(batch, EMBEDDING_DIM, |input, n| match &self.net {
            Net::Cpu(net) => net.features(input, n),
            Net::Candle(net) => net.features(input, n),
        })
    }

    /// Images per network call.
    fn max_chunk(&self) -> usize {
        match self.net {
            Net::Cpu(_) => MAX_CHUNK_CPU,
            Net::Candle(_) => MAX_CHUNK_DEVICE,
        }
    }

    /// Validate, run `f` on chunks of at most [`Self::max_chunk`] inputs, split its output per
    /// input.
    fn run(
        &self,
        batch: &[Prepared],
        width: usize,
        f: impl Fn(&[f32], usize) -> Result<Vec<f32>, EmbedError>,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        if let Some(bad) = batch.iter().find(|p| p.data.len() != INPUT_LEN) {
            return Err(EmbedError::BadInput(format!(
                "EfficientNet-Lite0 input has {} values, expected {INPUT_LEN} (3x224x224)",
                bad.data.len()
            )));
        }
        let mut out = Vec::with_capacity(batch.len());
        let mut input = Vec::new();
        for chunk in batch.chunks(self.max_chunk()) {
            input.clear();
            chunk.iter().for_each(|p| input.extend_from_slice(&p.data));
            let flat = f(&input, chunk.len())?;
            if flat.len() != chunk.len() * width {
                return Err(EmbedError::Backend(format!(
                    "network returned {} values for {} inputs",
                    flat.len(),
                    chunk.len()
                )));
            }
            out.extend(flat.chunks_exact(width).map(<[f32]>::to_vec));
        }
        Ok(out)
    }
}

/// Resize to exactly 224x224 with an antialiased bilinear filter (as Pillow's `BILINEAR`).
fn resize_to_input(img: &RgbImage) -> Result<Vec<u8>, EmbedError> {
    use fast_image_resize as fr;
    let side = INPUT_SIDE as u32;
    if img.dimensions() == (side, side) {
        return Ok(img.as_raw().clone());
    }
    let src =
        fr::images::ImageRef::new(img.width(), img.height(), img.as_raw(), fr::PixelType::U8x3)
            .map_err(|e| EmbedError::BadInput(format!("image buffer: {e}")))?;
    let mut dst = fr::images::Image::new(side, side, fr::PixelType::U8x3);
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
    fr::Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| EmbedError::BadInput(format!("resize: {e}")))?;
    Ok(dst.into_vec())
}

impl Embedder for EfficientNetLite0 {
    fn id(&self) -> &str {
        &self.id
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn dim(&self) -> usize {
        EMBEDDING_DIM
    }

    fn min_input_side_px(&self) -> u32 {
        INPUT_SIDE as u32
    }

    fn prepare(&self, img: &RgbImage) -> Result<Prepared, EmbedError> {
        if img.width() == 0 || img.height() == 0 {
            return Err(EmbedError::BadInput("empty image".into()));
        }
        let rgb = resize_to_input(img)?;
        let plane = INPUT_SIDE * INPUT_SIDE;
        let mut data = vec![0.0f32; INPUT_LEN];
        for (i, px) in rgb.chunks_exact(3).enumerate() {
            for (ch, &v) in px.iter().enumerate() {
                data[ch * plane + i] = (f32::from(v) - 127.0) / 128.0;
            }
        }
        Ok(Prepared { data })
    }

    fn embed_batch(&self, batch: &[Prepared]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut vectors = self.pooled_features(batch)?;
        for v in &mut vectors {
            if !l2_normalize(v) {
                return Err(EmbedError::BadInput(
                    "EfficientNet-Lite0 produced a zero or non-finite vector".into(),
                ));
            }
        }
        Ok(vectors)
    }

    /// On the CPU small batches keep activations in cache (measured on 2 cores: 1 → 72,
    /// 4 → 75-83, 8 → 79-81, 16 → 56-60 images/s); other devices want larger batches.
    fn preferred_batch(&self) -> usize {
        match self.net {
            Net::Cpu(_) => 4,
            Net::Candle(_) => MAX_CHUNK_DEVICE,
        }
    }
}

/// The safetensors bytes compiled into the binary (`models/efficientnet-lite0.safetensors`).
pub fn bundled_weights() -> &'static [u8] {
    BUNDLED_WEIGHTS
}
