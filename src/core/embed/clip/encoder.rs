//! The pre-norm transformer shared by both CLIP towers (Hugging Face `CLIPEncoder`), written on
//! Candle ops rather than taken from `candle_transformers::models::clip`, for speed on the CPU:
//!
//! - q, k and v are one `[3w, w]` matmul, split with a single copy (candle: three matmuls and
//!   three copies), with the 1/sqrt(64) = 1/8 attention scale folded into the q weights (exact:
//!   a power of two);
//! - softmax is Candle's fused last-dimension kernel (candle's CLIP: the generic five-op one);
//! - fc1's bias and quick_gelu are one parallel pass ([`super::ops`]) instead of four
//!   single-threaded ones;
//! - activations stay 2-D `[tokens, width]`, so every linear layer is one plain matmul;
//! - the last layer runs attention output, MLP and residuals for the pooled token only (class
//!   token for images, end-of-text token for texts): about 6 % of ViT-B/32's work.
//! - on CPUs with AVX-512 BF16 the image tower's linear layers can run on
//!   [`super::bf16_matmul`] instead ([`Encoder::pack_bf16`]): bf16 products, f32 sums, bias and
//!   quick_gelu in the kernel's epilogue, about twice the speed of Candle's f32 matmul.
//!
//! Numerically it is the same network: `tests/clip_parity.rs` compares it with `transformers`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use candle_core::Tensor;

use super::bf16_matmul::PackedBf16;
use super::weights::take;
use crate::core::embed::EmbedError;

/// Layer-norm epsilon of every CLIP.
pub(super) const LN_EPS: f32 = 1e-5;

/// `y = x @ w^T + b` on 2-D input.
#[derive(Debug, Clone)]
pub(super) enum Linear {
    /// Candle's f32 matmul.
    F32 {
        /// `[out, in]`.
        weight: Tensor,
        /// `[out]`.
        bias: Option<Tensor>,
    },
    /// The bf16 kernel ([`super::bf16_matmul`], CPU only): weight and bias packed, the f32
    /// tensors dropped (they would double the memory).
    Bf16(Arc<PackedBf16>),
}

impl Linear {
    /// A linear layer from its weight `[out, in]` and optional bias `[out]`.
    pub fn new(weight: Tensor, bias: Option<Tensor>) -> Self {
        Self::F32 { weight, bias }
    }

    /// Switches the layer to bf16 products with f32 sums on the CPU ([`super::bf16_matmul`];
    /// the caller has checked the CPU). Shapes the kernel does not take stay f32.
    pub fn pack_bf16(&mut self) -> candle_core::Result<()> {
        if let Self::F32 { weight, bias } = self
            && let Some(p) = PackedBf16::from_tensors(weight, bias.as_ref())?
        {
            *self = Self::Bf16(Arc::new(p));
        }
        Ok(())
    }

    /// Applies the layer to `[n, in]` input.
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Self::F32 { weight, bias } => {
                let y = x.matmul(&weight.t()?)?;
                match bias {
                    Some(b) => y.broadcast_add(b),
                    None => Ok(y),
                }
            }
            Self::Bf16(p) => p.forward(&x.to_dtype(candle_core::DType::F32)?, false),
        }
    }

    /// `quick_gelu(x @ w^T + b)`, the bias added inside the fused activation.
    fn forward_quick_gelu(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        match self {
            Self::F32 { weight, bias } => {
                let y = x.matmul(&weight.t()?)?;
                match bias {
                    Some(b) => super::ops::bias_quick_gelu(&y, b),
                    None => {
                        let n = y.dim(candle_core::D::Minus1)?;
                        let zeros = Tensor::zeros(n, y.dtype(), y.device())?;
                        super::ops::bias_quick_gelu(&y, &zeros)
                    }
                }
            }
            Self::Bf16(p) => p.forward(&x.to_dtype(candle_core::DType::F32)?, true),
        }
    }
}

/// Layer normalisation over the last dimension.
#[derive(Debug, Clone)]
pub(super) struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

impl LayerNorm {
    /// Loads `{prefix}.weight` and `{prefix}.bias`.
    pub fn load(
        t: &mut HashMap<String, Tensor>,
        path: &Path,
        prefix: &str,
    ) -> Result<Self, EmbedError> {
        Ok(Self {
            weight: take(t, path, &format!("{prefix}.weight"))?,
            bias: take(t, path, &format!("{prefix}.bias"))?,
        })
    }

    /// Normalises `x` (contiguous, any rank) over its last dimension.
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        candle_nn::ops::layer_norm(&x.contiguous()?, &self.weight, &self.bias, LN_EPS)
    }
}

/// One pre-norm transformer layer.
#[derive(Debug, Clone)]
struct Layer {
    ln1: LayerNorm,
    /// q (pre-scaled), k and v stacked: `[3w, w]`.
    qkv: Linear,
    out: Linear,
    ln2: LayerNorm,
    fc1: Linear,
    fc2: Linear,
}

/// The layer stack of one tower.
#[derive(Debug, Clone)]
pub(super) struct Encoder {
    layers: Vec<Layer>,
    heads: usize,
    width: usize,
}

impl Encoder {
    /// Loads `{prefix}.encoder.layers.{0..layers}` (tensors already shape-checked).
    pub fn load(
        t: &mut HashMap<String, Tensor>,
        path: &Path,
        prefix: &str,
        layers: usize,
        width: usize,
        heads: usize,
    ) -> Result<Self, EmbedError> {
        let scale = 1.0 / ((width / heads) as f64).sqrt();
        let mut out = Vec::with_capacity(layers);
        for i in 0..layers {
            let p = format!("{prefix}.encoder.layers.{i}");
            let mut get = |name: &str| take(t, path, &format!("{p}.{name}"));
            let qw = (get("self_attn.q_proj.weight")? * scale)?;
            let qb = (get("self_attn.q_proj.bias")? * scale)?;
            let qkv_w = Tensor::cat(
                &[
                    qw,
                    get("self_attn.k_proj.weight")?,
                    get("self_attn.v_proj.weight")?,
                ],
                0,
            )?;
            let qkv_b = Tensor::cat(
                &[
                    qb,
                    get("self_attn.k_proj.bias")?,
                    get("self_attn.v_proj.bias")?,
                ],
                0,
            )?;
            let lin = |g: &mut dyn FnMut(&str) -> Result<Tensor, EmbedError>, n: &str| {
                Ok::<_, EmbedError>(Linear::new(
                    g(&format!("{n}.weight"))?,
                    Some(g(&format!("{n}.bias"))?),
                ))
            };
            let out_proj = lin(&mut get, "self_attn.out_proj")?;
            let fc1 = lin(&mut get, "mlp.fc1")?;
            let fc2 = lin(&mut get, "mlp.fc2")?;
            out.push(Layer {
                ln1: LayerNorm::load(t, path, &format!("{p}.layer_norm1"))?,
                qkv: Linear::new(qkv_w, Some(qkv_b)),
                out: out_proj,
                ln2: LayerNorm::load(t, path, &format!("{p}.layer_norm2"))?,
                fc1,
                fc2,
            });
        }
        Ok(Self {
            layers: out,
            heads,
            width,
        })
    }

    /// Switches every linear layer to the bf16 kernel (see [`Linear::pack_bf16`]).
    pub fn pack_bf16(&mut self) -> candle_core::Result<()> {
        for l in &mut self.layers {
            for lin in [&mut l.qkv, &mut l.out, &mut l.fc1, &mut l.fc2] {
                lin.pack_bf16()?;
            }
        }
        Ok(())
    }

    /// Runs all layers on `x` (`[batch * seq, width]`, sequences one after another) and returns
    /// the hidden state of token `row` of every sequence after the last layer: `[batch, width]`.
    /// `mask` (`[seq, seq]`, added to the attention scores) makes attention causal for text.
    pub fn forward_pooled(
        &self,
        x: &Tensor,
        batch: usize,
        seq: usize,
        mask: Option<&Tensor>,
        row: usize,
    ) -> candle_core::Result<Tensor> {
        let Some((last, rest)) = self.layers.split_last() else {
            return x
                .reshape((batch, seq, self.width))?
                .narrow(1, row, 1)?
                .squeeze(1);
        };
        let mut x = x.clone();
        for layer in rest {
            let a = self.attention(layer, &x, batch, seq, mask, None)?;
            x = (x + layer.out.forward(&a)?)?;
            x = (&x + self.mlp(layer, &x)?)?;
        }
        let a = self.attention(last, &x, batch, seq, mask, Some(row))?;
        let x = x
            .reshape((batch, seq, self.width))?
            .narrow(1, row, 1)?
            .reshape((batch, self.width))?;
        let x = (x + last.out.forward(&a)?)?;
        &x + self.mlp(last, &x)?
    }

    /// `fc2(quick_gelu(fc1(ln2(x))))`, CLIP's activation being `z * sigmoid(1.702 z)`.
    fn mlp(&self, layer: &Layer, x: &Tensor) -> candle_core::Result<Tensor> {
        let h = layer.fc1.forward_quick_gelu(&layer.ln2.forward(x)?)?;
        layer.fc2.forward(&h)
    }

    /// Multi-head self-attention of `ln1(x)` before the output projection: `[batch * seq,
    /// width]`, or `[batch, width]` for query token `only_row` alone.
    fn attention(
        &self,
        layer: &Layer,
        x: &Tensor,
        batch: usize,
        seq: usize,
        mask: Option<&Tensor>,
        only_row: Option<usize>,
    ) -> candle_core::Result<Tensor> {
        let (h, w) = (self.heads, self.width);
        let d = w / h;
        let qkv = layer.qkv.forward(&layer.ln1.forward(x)?)?;
        // [b*s, 3w] -> [3, b, h, s, d]: q, k, v of every head, each contiguous.
        let qkv = qkv
            .reshape((batch, seq, 3, h, d))?
            .permute((2, 0, 3, 1, 4))?
            .contiguous()?;
        let part = |i: usize| qkv.get(i)?.reshape((batch * h, seq, d));
        let (q, k, v) = (part(0)?, part(1)?, part(2)?);
        let (q, mask) = match only_row {
            Some(r) => (
                q.narrow(1, r, 1)?.contiguous()?,
                mask.map(|m| m.narrow(0, r, 1)).transpose()?,
            ),
            None => (q, mask.cloned()),
        };
        let mut scores = q.matmul(&k.t()?)?;
        if let Some(m) = mask {
            scores = scores.broadcast_add(&m)?;
        }
        let probs = candle_nn::ops::softmax_last_dim(&scores)?;
        let o = probs.matmul(&v)?; // [b*h, q_len, d]
        match only_row {
            Some(_) => o.reshape((batch, w)),
            None => o
                .reshape((batch, h, seq, d))?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((batch * seq, w)),
        }
    }
}

/// The additive causal mask `[seq, seq]`: 0 on and below the diagonal, the most negative f32
/// above it (as Hugging Face does).
pub(super) fn causal_mask(seq: usize, device: &candle_core::Device) -> candle_core::Result<Tensor> {
    let m: Vec<f32> = (0..seq)
        .flat_map(|i| (0..seq).map(move |j| if j > i { f32::MIN } else { 0.0 }))
        .collect();
    Tensor::from_vec(m, (seq, seq), device)
}

/// L2-normalises each row of `[n, dim]` features into vectors, or explains why it cannot.
pub(super) fn normalized_rows(t: &Tensor) -> Result<Vec<Vec<f32>>, EmbedError> {
    let rows = t
        .to_device(&candle_core::Device::Cpu)?
        .to_dtype(candle_core::DType::F32)?
        .to_vec2::<f32>()?;
    rows.into_iter()
        .map(|mut v| {
            if crate::core::embed::l2_normalize(&mut v) {
                Ok(v)
            } else {
                Err(EmbedError::BadInput(
                    "CLIP output is zero or not finite".into(),
                ))
            }
        })
        .collect()
}
