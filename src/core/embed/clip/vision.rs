//! The CLIP image tower as an [`Embedder`]: Hugging Face `CLIPImageProcessor` preprocessing on
//! the decoder threads, then patch embedding, class token, the transformer
//! ([`super::encoder`]), `post_layernorm` on the class token and `visual_projection`, batched.
//!
//! Loading reads only `vision_model.*` and `visual_projection.weight` from the file.

use std::path::Path;

use candle_core::{Device, Tensor};
use image::RgbImage;

use super::encoder::{Encoder, LayerNorm, Linear, normalized_rows};
use super::model::{ClipShape, Opened, vision_tensors};
use super::precision::ClipPrecision;
use super::weights::take;
use crate::core::embed::{EmbedError, Embedder, Prepared};

/// OpenAI CLIP's channel means (RGB), applied after scaling pixels to [0, 1]
/// (0.48145466, 0.4578275, 0.40821073 as f32).
pub const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
/// OpenAI CLIP's channel standard deviations (RGB) (0.26862954, 0.26130258, 0.27577711 as f32).
pub const CLIP_STD: [f32; 3] = [0.268_629_54, 0.261_302_6, 0.275_777_1];

/// CLIP's image tower, ready for inference; implements [`Embedder`].
#[derive(Debug)]
pub struct ClipImageEmbedder {
    shape: ClipShape,
    device: Device,
    id: String,
    label: String,
    precision: ClipPrecision,
    /// Patch embedding as a matrix `[width, 3 * p * p]` (a stride-p convolution is a matmul).
    patch: Linear,
    /// `[1, 1, width]`.
    class: Tensor,
    /// `[patches + 1, width]`.
    positions: Tensor,
    pre_ln: LayerNorm,
    encoder: Encoder,
    post_ln: LayerNorm,
    projection: Linear,
}

impl ClipImageEmbedder {
    /// Loads the image tower of a Hugging Face `CLIPModel` `.safetensors` file onto `device`
    /// (F32, F16 or BF16 tensors). Reads only the vision tensors. The linear layers run in
    /// [`ClipPrecision::detect`]'s precision on the CPU (bf16 products where the CPU has
    /// AVX-512 BF16, unless `LOOKALIKE_CLIP_PRECISION=f32`), in f32 elsewhere.
    pub fn load(path: &Path, device: &Device) -> Result<Self, EmbedError> {
        Self::load_with_precision(path, device, ClipPrecision::detect())
    }

    /// [`Self::load`] with the precision chosen by the caller; `Bf16` falls back to `F32` where
    /// the CPU lacks AVX-512 BF16 or `device` is not the CPU.
    pub fn load_with_precision(
        path: &Path,
        device: &Device,
        precision: ClipPrecision,
    ) -> Result<Self, EmbedError> {
        let Opened {
            ckpt,
            shape,
            id,
            label,
        } = Opened::open(path)?;
        let wanted = vision_tensors(&ckpt, &shape)?;
        let mut t = ckpt.load(&wanted, device)?;
        let w = shape.vision_width;
        let p = shape.patch_size;
        let mut patch = Linear::new(
            take(
                &mut t,
                path,
                "vision_model.embeddings.patch_embedding.weight",
            )?
            .reshape((w, 3 * p * p))?,
            None,
        );
        let class =
            take(&mut t, path, "vision_model.embeddings.class_embedding")?.reshape((1, 1, w))?;
        let positions = take(
            &mut t,
            path,
            "vision_model.embeddings.position_embedding.weight",
        )?;
        let pre_ln = LayerNorm::load(&mut t, path, "vision_model.pre_layrnorm")?;
        let mut encoder = Encoder::load(
            &mut t,
            path,
            "vision_model",
            shape.vision_layers,
            w,
            shape.vision_heads(),
        )?;
        let post_ln = LayerNorm::load(&mut t, path, "vision_model.post_layernorm")?;
        let projection = Linear::new(take(&mut t, path, "visual_projection.weight")?, None);
        let precision = match precision {
            ClipPrecision::Bf16 if device.is_cpu() && ClipPrecision::cpu_has_bf16() => {
                patch.pack_bf16()?;
                encoder.pack_bf16()?;
                ClipPrecision::Bf16
            }
            _ => ClipPrecision::F32,
        };
        Ok(Self {
            shape,
            device: device.clone(),
            id,
            label,
            precision,
            patch,
            class,
            positions,
            pre_ln,
            encoder,
            post_ln,
            projection,
        })
    }

    /// The checkpoint's dimensions.
    pub fn shape(&self) -> &ClipShape {
        &self.shape
    }

    /// The arithmetic of the linear layers (see [`Self::load`]).
    pub fn precision(&self) -> ClipPrecision {
        self.precision
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Runs the tower on normalised pixels `[n, 3, image_size, image_size]` (any device; moved
    /// to this model's) and returns the projected features `[n, embed_dim]`, not normalised.
    pub fn forward(&self, pixels: &Tensor) -> Result<Tensor, EmbedError> {
        let side = self.shape.image_size;
        let (n, c, h, w) = pixels.dims4()?;
        if c != 3 || h != side || w != side || n == 0 {
            return Err(EmbedError::BadInput(format!(
                "CLIP input must be [n, 3, {side}, {side}], got {:?}",
                pixels.dims()
            )));
        }
        let x = pixels.to_device(&self.device)?;
        Ok(self.device.with_context(|| self.forward_inner(&x, n))?)
    }

    fn forward_inner(&self, x: &Tensor, n: usize) -> candle_core::Result<Tensor> {
        let (g, p, w) = (
            self.shape.grid(),
            self.shape.patch_size,
            self.shape.vision_width,
        );
        let seq = g * g + 1;
        // [n, 3, g*p, g*p] -> [n, g, g, 3, p, p]: one row of 3*p*p values per patch.
        let patches = x
            .reshape((n, 3, g, p, g, p))?
            .permute((0, 2, 4, 1, 3, 5))?
            .contiguous()?
            .reshape((n * g * g, 3 * p * p))?;
        let embedded = self.patch.forward(&patches)?.reshape((n, g * g, w))?;
        let class = self.class.broadcast_as((n, 1, w))?.contiguous()?;
        let x = Tensor::cat(&[class, embedded], 1)?.broadcast_add(&self.positions)?;
        let x = self.pre_ln.forward(&x.reshape((n * seq, w))?)?;
        let pooled = self.encoder.forward_pooled(&x, n, seq, None, 0)?;
        self.projection.forward(&self.post_ln.forward(&pooled)?)
    }
}

/// HF `CLIPImageProcessor`'s resize and crop: the shorter side to `side` pixels (the longer one
/// to `floor(side * long / short)`), bicubic like PIL (Catmull-Rom, antialiased when
/// downscaling), then the centred `side` x `side` square.
///
/// Only the square is computed: each pass resamples the source window that maps onto it (same
/// sample positions as resizing everything, so a 1:50 panorama costs no more than a photo).
/// PIL resizes horizontally first, rounding to u8 in between; fast_image_resize alone would run
/// the vertical pass first (off by 1-2 levels in places), so the passes run one at a time.
pub fn resize_and_crop(img: &RgbImage, side: u32) -> Result<RgbImage, EmbedError> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 || side == 0 {
        return Err(EmbedError::BadInput("empty image".into()));
    }
    let (short, long) = (w.min(h), w.max(h));
    // Python's int(side * long / short): f64 division, truncated.
    let new_long = (f64::from(side) * f64::from(long) / f64::from(short)) as u32;
    let (nw, nh) = if w <= h {
        (side, new_long)
    } else {
        (new_long, side)
    };
    let (left, top) = ((nw - side) / 2, (nh - side) / 2);
    let columns = if nw == w {
        image::imageops::crop_imm(img, left, 0, side, h).to_image()
    } else {
        let scale = f64::from(w) / f64::from(nw);
        let window = (
            f64::from(left) * scale,
            0.0,
            f64::from(side) * scale,
            f64::from(h),
        );
        resample(img, side, h, window)?
    };
    if nh == h {
        return Ok(image::imageops::crop_imm(&columns, 0, top, side, side).to_image());
    }
    let scale = f64::from(h) / f64::from(nh);
    let window = (
        0.0,
        f64::from(top) * scale,
        f64::from(side),
        f64::from(side) * scale,
    );
    resample(&columns, side, side, window)
}

/// One bicubic resampling pass: the source `window` (left, top, width, height; fractional) of
/// `img` to `w` x `h` pixels (PIL's `BICUBIC` weights and rounding, to within one level).
fn resample(
    img: &RgbImage,
    w: u32,
    h: u32,
    window: (f64, f64, f64, f64),
) -> Result<RgbImage, EmbedError> {
    use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images};
    let src = images::ImageRef::new(img.width(), img.height(), img.as_raw(), PixelType::U8x3)
        .map_err(|e| EmbedError::BadInput(format!("image buffer: {e}")))?;
    let mut dst = images::Image::new(w, h, PixelType::U8x3);
    let (left, top, width, height) = window;
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
        .crop(left, top, width, height);
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| EmbedError::BadInput(format!("resize: {e}")))?;
    RgbImage::from_raw(w, h, dst.into_vec())
        .ok_or_else(|| EmbedError::BadInput("resize produced a short buffer".into()))
}

/// [`resize_and_crop`], then `/255` and the CLIP mean/std, as CHW f32 (`3 * side * side`).
/// Rounding follows `transformers`: the scaling in f64, the normalisation in f32.
pub fn preprocess(img: &RgbImage, side: u32) -> Result<Vec<f32>, EmbedError> {
    let crop = resize_and_crop(img, side)?;
    let plane = (side * side) as usize;
    let mut out = vec![0.0f32; 3 * plane];
    for (i, px) in crop.as_raw().chunks_exact(3).enumerate() {
        for c in 0..3 {
            let v = (f64::from(px[c]) * (1.0 / 255.0)) as f32;
            out[c * plane + i] = (v - CLIP_MEAN[c]) / CLIP_STD[c];
        }
    }
    Ok(out)
}

/// The image tower's batch on `device`: 16 on the CPU (ViT-B/32 at batch 8, 16 and 32 measured
/// within noise of each other), 64 on a GPU.
pub(super) fn preferred_batch_on(device: &Device) -> usize {
    if device.is_cpu() { 16 } else { 64 }
}

impl Embedder for ClipImageEmbedder {
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
        let side = self.shape.image_size;
        let len = 3 * side * side;
        let mut flat = Vec::with_capacity(batch.len() * len);
        for p in batch {
            if p.data.len() != len {
                return Err(EmbedError::BadInput(format!(
                    "prepared input has {} values, expected {len}",
                    p.data.len()
                )));
            }
            flat.extend_from_slice(&p.data);
        }
        let x = Tensor::from_vec(flat, (batch.len(), 3, side, side), &Device::Cpu)?;
        normalized_rows(&self.forward(&x)?)
    }

    fn preferred_batch(&self) -> usize {
        preferred_batch_on(&self.device)
    }
}
