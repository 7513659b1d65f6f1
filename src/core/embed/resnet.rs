//! ImageNet ResNet-18/34/50 (and 101/152) feature embedder on Candle.
//!
//! Loads torchvision or timm weights (`.safetensors` or PyTorch zip `.pth`/`.pt`), folds every
//! BatchNorm into the preceding convolution at load time, and returns the global average pool
//! of the last stage (512-d for 18/34, 2048-d for 50+), L2-normalised. The classifier (`fc`) is
//! ignored. Preprocessing matches torchvision's `Resize((224, 224))`, `ToTensor`, `Normalize`
//! with the ImageNet mean and standard deviation.

pub mod load;

use std::path::Path;

use candle_core::{Device, Tensor};
use image::RgbImage;
use sha2::{Digest, Sha256};

use self::load::{Arch, FoldedConv, WeightSource};
use super::{EmbedError, Embedder, Prepared, l2_normalize};

/// Side of the square network input, in pixels.
pub const INPUT_SIDE: u32 = 224;
/// ImageNet channel means (RGB), applied after scaling pixels to [0, 1].
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations (RGB).
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Number of f32 values in one prepared input (`3 x 224 x 224`).
const INPUT_LEN: usize = 3 * (INPUT_SIDE as usize) * (INPUT_SIDE as usize);

/// One residual block with folded convolutions.
#[derive(Debug, Clone)]
struct Block {
    /// conv1..conv2 (BasicBlock) or conv1..conv3 (Bottleneck), applied with ReLU between.
    convs: Vec<FoldedConv>,
    /// The 1x1 projection on the shortcut, when shape or stride changes.
    downsample: Option<FoldedConv>,
}

impl Block {
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
    stem: FoldedConv,
    blocks: Vec<Block>,
    device: Device,
    id: String,
    label: String,
}

impl ResNetEmbedder {
    /// Loads a weights file, guessing the depth from the tensors it contains.
    pub fn load(path: &Path, device: &Device) -> Result<Self, EmbedError> {
        Self::load_inner(path, None, device)
    }

    /// Loads a weights file for an explicit depth (18, 34, 50, 101 or 152). Tensors the depth
    /// needs but the file lacks are reported as [`EmbedError::MissingTensor`].
    pub fn load_with_depth(path: &Path, depth: u8, device: &Device) -> Result<Self, EmbedError> {
        Self::load_inner(path, Some(depth), device)
    }

    fn load_inner(path: &Path, depth: Option<u8>, device: &Device) -> Result<Self, EmbedError> {
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
        let (stem, blocks) = build(&src, arch, device)?;
        let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            arch,
            stem,
            blocks,
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
        // On the CPU this runs Candle's kernels in its own warm thread pool (sized by
        // RAYON_NUM_THREADS / the physical core count) rather than rayon's global pool, which
        // the decoders use; no threads are spawned here.
        self.device.with_context(|| self.forward_inner(x))
    }

    fn forward_inner(&self, x: &Tensor) -> Result<Tensor, EmbedError> {
        let x = x.to_device(&self.device)?;
        let (_, c, h, w) = x.dims4()?;
        if c != 3 || h < 32 || w < 32 {
            return Err(EmbedError::BadInput(format!(
                "network input must be [n, 3, H>=32, W>=32], got {:?}",
                x.dims()
            )));
        }
        let mut y = self.stem.forward(&x)?.relu()?;
        // 3x3/2 max pool with padding 1; inputs are >= 0 after ReLU, so zero padding is exact.
        y = y
            .pad_with_zeros(2, 1, 1)?
            .pad_with_zeros(3, 1, 1)?
            .max_pool2d_with_stride(3, 2)?;
        for block in &self.blocks {
            y = block.forward(&y)?;
        }
        Ok(y.mean((2, 3))?)
    }

    /// Runs the network on a normalised `[n, 3, H, W]` tensor and returns one L2-normalised
    /// vector per image.
    pub fn embed_tensor(&self, x: &Tensor) -> Result<Vec<Vec<f32>>, EmbedError> {
        let feats = self.forward(x)?.to_device(&Device::Cpu)?.to_vec2::<f32>()?;
        feats
            .into_iter()
            .map(|mut v| {
                if l2_normalize(&mut v) {
                    Ok(v)
                } else {
                    Err(EmbedError::BadInput(
                        "network output is zero or not finite".into(),
                    ))
                }
            })
            .collect()
    }
}

/// Builds the stem and all residual blocks from the weights.
fn build(
    src: &WeightSource,
    arch: Arch,
    device: &Device,
) -> Result<(FoldedConv, Vec<Block>), EmbedError> {
    let stem = src.conv_bn("conv1", "bn1", [64, 3, 7, 7], 2, 3, device)?;
    let expansion = if arch.bottleneck { 4 } else { 1 };
    let mut blocks = Vec::new();
    let mut in_ch = 64;
    for (li, &count) in arch.blocks.iter().enumerate() {
        let width = 64 << li;
        let out_ch = width * expansion;
        for bi in 0..count {
            let p = format!("layer{}.{bi}", li + 1);
            let stride = if li > 0 && bi == 0 { 2 } else { 1 };
            let convs = if arch.bottleneck {
                vec![
                    src.conv_bn(
                        &format!("{p}.conv1"),
                        &format!("{p}.bn1"),
                        [width, in_ch, 1, 1],
                        1,
                        0,
                        device,
                    )?,
                    src.conv_bn(
                        &format!("{p}.conv2"),
                        &format!("{p}.bn2"),
                        [width, width, 3, 3],
                        stride,
                        1,
                        device,
                    )?,
                    src.conv_bn(
                        &format!("{p}.conv3"),
                        &format!("{p}.bn3"),
                        [out_ch, width, 1, 1],
                        1,
                        0,
                        device,
                    )?,
                ]
            } else {
                vec![
                    src.conv_bn(
                        &format!("{p}.conv1"),
                        &format!("{p}.bn1"),
                        [width, in_ch, 3, 3],
                        stride,
                        1,
                        device,
                    )?,
                    src.conv_bn(
                        &format!("{p}.conv2"),
                        &format!("{p}.bn2"),
                        [width, width, 3, 3],
                        1,
                        1,
                        device,
                    )?,
                ]
            };
            let downsample = if stride != 1 || in_ch != out_ch {
                Some(src.conv_bn(
                    &format!("{p}.downsample.0"),
                    &format!("{p}.downsample.1"),
                    [out_ch, in_ch, 1, 1],
                    stride,
                    0,
                    device,
                )?)
            } else {
                None
            };
            blocks.push(Block { convs, downsample });
            in_ch = out_ch;
        }
    }
    Ok((stem, blocks))
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
        let x = Tensor::from_vec(flat, (batch.len(), 3, side, side), &self.device)?;
        self.embed_tensor(&x)
    }

    fn preferred_batch(&self) -> usize {
        8
    }
}
