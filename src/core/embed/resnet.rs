//! ImageNet ResNet-18/34/50 (and 101/152) feature embedder on Candle.
//!
//! Loads torchvision or timm weights (`.safetensors` or PyTorch zip `.pth`/`.pt`), folds every
//! BatchNorm into the preceding convolution at load time, and returns the global average pool
//! of the last stage (512-d for 18/34, 2048-d for 50+), L2-normalised. The classifier (`fc`) is
//! ignored. Preprocessing matches torchvision's `Resize((224, 224))`, `ToTensor`, `Normalize`
//! with the ImageNet mean and standard deviation.
//!
//! On the CPU the network runs on NHWC Rust kernels around Candle's matmul ([`cpu`], about 1.5-3x
//! faster than Candle's own convolutions); on CUDA/Metal it runs as Candle ops. [`Kernels`]
//! chooses explicitly; both are checked against torchvision by `tests/resnet_parity.rs`.

pub mod cpu;
pub mod load;

use std::path::Path;

use candle_core::{Device, Tensor};
use image::RgbImage;
use sha2::{Digest, Sha256};

use self::load::{Arch, BlockWeights, FoldedConv, WeightSource, build};
use super::{EmbedError, Embedder, Prepared, l2_normalize};

/// Side of the square network input, in pixels.
pub const INPUT_SIDE: u32 = 224;
/// ImageNet channel means (RGB), applied after scaling pixels to [0, 1].
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations (RGB).
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Number of f32 values in one prepared input (`3 x 224 x 224`).
const INPUT_LEN: usize = 3 * (INPUT_SIDE as usize) * (INPUT_SIDE as usize);

pub use super::Kernels;

/// The loaded network, in the form its kernels need.
#[derive(Debug)]
enum Net {
    /// Candle ops (NCHW) on `device`.
    Candle {
        stem: FoldedConv,
        blocks: Vec<BlockWeights>,
    },
    /// NHWC Rust kernels on the CPU.
    Cpu(cpu::CpuNet),
}

impl BlockWeights {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let mut y = x.clone();
        let last = self.convs.len().saturating_sub(1);
        for (i, conv) in self.convs.iter().enumerate() {
            y = conv.forward(&y)?;
            if i < last {
                y = y.relu()?;
            }
        }
        let shortcut = match &self.downsample {
            Some(ds) => ds.forward(x)?,
            None => x.clone(),
        };
        (y + shortcut)?.relu()
    }
}

/// A ResNet with folded BatchNorm, ready for inference; implements [`Embedder`].
#[derive(Debug)]
pub struct ResNetEmbedder {
    arch: Arch,
    net: Net,
    device: Device,
    id: String,
    label: String,
}

impl ResNetEmbedder {
    /// Loads a weights file, guessing the depth from the tensors it contains.
    pub fn load(path: &Path, device: &Device) -> Result<Self, EmbedError> {
        Self::load_with(path, None, device, Kernels::Auto)
    }

    /// Loads a weights file for an explicit depth (18, 34, 50, 101 or 152). Tensors the depth
    /// needs but the file lacks are reported as [`EmbedError::MissingTensor`].
    pub fn load_with_depth(path: &Path, depth: u8, device: &Device) -> Result<Self, EmbedError> {
        Self::load_with(path, Some(depth), device, Kernels::Auto)
    }

    /// Loads a weights file with an optional explicit depth and a choice of kernels.
    pub fn load_with(
        path: &Path,
        depth: Option<u8>,
        device: &Device,
        kernels: Kernels,
    ) -> Result<Self, EmbedError> {
        let bytes = std::fs::read(path).map_err(|e| EmbedError::Weights {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let digest = Sha256::digest(&bytes);
        let src = WeightSource::from_bytes(path, &bytes)?;
        drop(bytes);
        let arch = match depth {
            Some(d) => Arch::for_depth(d).ok_or_else(|| EmbedError::Weights {
                path: path.to_path_buf(),
                reason: format!("unsupported ResNet depth {d} (use 18, 34, 50, 101 or 152)"),
            })?,
            None => src.detect_arch()?,
        };
        let net = match (kernels, device.is_cpu()) {
            (Kernels::Auto | Kernels::RustCpu, true) => {
                let (stem, blocks) = build(&src, arch, &Device::Cpu)?;
                let parts: Vec<_> = blocks
                    .iter()
                    .map(|b| (b.convs.as_slice(), b.downsample.as_ref()))
                    .collect();
                Net::Cpu(cpu::CpuNet::new(&stem, &parts)?)
            }
            (Kernels::RustCpu, false) => {
                return Err(EmbedError::Backend(
                    "the Rust ResNet kernels run on the CPU only".into(),
                ));
            }
            _ => {
                let (stem, blocks) = build(&src, arch, device)?;
                Net::Candle { stem, blocks }
            }
        };
        let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            arch,
            net,
            device: device.clone(),
            id: format!("resnet{}-{hex}", arch.depth),
            label: format!("ResNet-{} ({file})", arch.depth),
        })
    }

    /// Nominal depth of the loaded network (18, 34, 50, ...).
    pub fn depth(&self) -> u8 {
        self.arch.depth
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Runs the network on a normalised `[n, 3, H, W]` f32 tensor (any device; it is moved to
    /// this model's device) and returns the raw average-pooled features `[n, dim]` (not
    /// normalised).
    pub fn forward(&self, x: &Tensor) -> Result<Tensor, EmbedError> {
        let (n, c, h, w) = x.dims4()?;
        if c != 3 || h < 32 || w < 32 {
            return Err(EmbedError::BadInput(format!(
                "network input must be [n, 3, H>=32, W>=32], got {:?}",
                x.dims()
            )));
        }
        match &self.net {
            Net::Cpu(net) => {
                let data = x
                    .to_device(&Device::Cpu)?
                    .to_dtype(candle_core::DType::F32)?
                    .flatten_all()?
                    .to_vec1::<f32>()?;
                let feats = self.run_cpu(net, &data, n, h, w)?;
                Ok(Tensor::from_vec(feats, (n, self.dim()), &Device::Cpu)?)
            }
            Net::Candle { stem, blocks } => {
                // On the CPU this runs in Candle's own warm thread pool; no threads are
                // spawned here.
                let x = x.to_device(&self.device)?;
                self.device
                    .with_context(|| forward_candle(stem, blocks, &x))
            }
        }
    }

    /// The NHWC kernels inside Candle's thread pool (sized by `RAYON_NUM_THREADS`, else the
    /// physical core count), not rayon's global pool, which the decoders use.
    fn run_cpu(
        &self,
        net: &cpu::CpuNet,
        data: &[f32],
        n: usize,
        h: usize,
        w: usize,
    ) -> Result<Vec<f32>, EmbedError> {
        Device::Cpu.with_context(|| net.features(data, n, h, w))
    }

    /// Which kernels this model runs on.
    pub fn kernels(&self) -> Kernels {
        match self.net {
            Net::Cpu(_) => Kernels::RustCpu,
            Net::Candle { .. } => Kernels::CandleOps,
        }
    }

    /// Runs the network on a normalised `[n, 3, H, W]` tensor and returns one L2-normalised
    /// vector per image.
    pub fn embed_tensor(&self, x: &Tensor) -> Result<Vec<Vec<f32>>, EmbedError> {
        let feats = self.forward(x)?.to_device(&Device::Cpu)?.to_vec2::<f32>()?;
        feats.into_iter().map(normalized).collect()
    }
}

/// L2-normalises one feature vector, or explains why it cannot be.
fn normalized(mut v: Vec<f32>) -> Result<Vec<f32>, EmbedError> {
    if l2_normalize(&mut v) {
        Ok(v)
    } else {
        Err(EmbedError::BadInput(
            "network output is zero or not finite".into(),
        ))
    }
}

/// The network as Candle ops (NCHW), on whatever device the tensors are on.
fn forward_candle(
    stem: &FoldedConv,
    blocks: &[BlockWeights],
    x: &Tensor,
) -> Result<Tensor, EmbedError> {
    let mut y = stem.forward(x)?.relu()?;
    // 3x3/2 max pool with padding 1; inputs are >= 0 after ReLU, so zero padding is exact.
    y = y
        .pad_with_zeros(2, 1, 1)?
        .pad_with_zeros(3, 1, 1)?
        .max_pool2d_with_stride(3, 2)?;
    for block in blocks {
        y = block.forward(&y)?;
    }
    Ok(y.mean((2, 3))?)
}

/// Resizes a photo to 224x224 (aspect ignored, bilinear with antialiasing like PIL) and returns
/// the normalised CHW f32 data.
pub fn preprocess(img: &RgbImage) -> Result<Vec<f32>, EmbedError> {
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images};
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Err(EmbedError::BadInput("empty image".into()));
    }
    let src = images::ImageRef::new(w, h, img.as_raw(), PixelType::U8x3)
        .map_err(|e| EmbedError::BadInput(format!("image buffer: {e}")))?;
    let mut dst = images::Image::new(INPUT_SIDE, INPUT_SIDE, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| EmbedError::BadInput(format!("resize: {e}")))?;
    let plane = (INPUT_SIDE * INPUT_SIDE) as usize;
    let mut out = vec![0.0f32; INPUT_LEN];
    for (i, px) in dst.buffer().chunks_exact(3).enumerate() {
        for c in 0..3 {
            let v = f32::from(px[c]) / 255.0;
            out[c * plane + i] = (v - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        }
    }
    Ok(out)
}

impl Embedder for ResNetEmbedder {
    fn id(&self) -> &str {
        &self.id
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn dim(&self) -> usize {
        self.arch.out_dim()
    }

    fn min_input_side_px(&self) -> u32 {
        INPUT_SIDE
    }

    fn prepare(&self, img: &RgbImage) -> Result<Prepared, EmbedError> {
        Ok(Prepared {
            data: preprocess(img)?,
        })
    }

    fn embed_batch(&self, batch: &[Prepared]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut flat = Vec::with_capacity(batch.len() * INPUT_LEN);
        for p in batch {
            if p.data.len() != INPUT_LEN {
                return Err(EmbedError::BadInput(format!(
                    "prepared input has {} values, expected {INPUT_LEN}",
                    p.data.len()
                )));
            }
            flat.extend_from_slice(&p.data);
        }
        let side = INPUT_SIDE as usize;
        match &self.net {
            Net::Cpu(net) => {
                let feats = self.run_cpu(net, &flat, batch.len(), side, side)?;
                feats
                    .chunks_exact(self.dim())
                    .map(|f| normalized(f.to_vec()))
                    .collect()
            }
            Net::Candle { .. } => {
                let x = Tensor::from_vec(flat, (batch.len(), 3, side, side), &self.device)?;
                self.embed_tensor(&x)
            }
        }
    }

    /// 8 on the CPU; 32 on a GPU, where batch 8 → 32 takes ResNet-50 from 878 to 991 images/s
    /// (H200, `resnet_parity --ignored cuda_throughput`; 128 only adds 4 % more).
    fn preferred_batch(&self) -> usize {
        if self.device.is_cpu() { 8 } else { 32 }
    }
}
