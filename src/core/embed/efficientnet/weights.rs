//! EfficientNet-Lite0 architecture table, weight loading and validation, BatchNorm folding.
//!
//! Weights are read with Candle's buffered safetensors loader onto the CPU, widened to f32 (the
//! shipped file stores convolution kernels in f16) and every `conv → BatchNorm` pair is folded
//! into one convolution with a bias: `w' = w·γ/√(σ²+ε)`, `b' = β − μ·γ/√(σ²+ε)`.

use super::super::EmbedError;
use candle_core::{DType, Device, Tensor};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// BatchNorm epsilon of the TensorFlow EfficientNet-Lite checkpoints.
const BN_EPS: f32 = 1e-3;
/// Channels of the stem convolution.
pub(crate) const STEM_CHANNELS: usize = 32;
/// Channels of the head convolution (the embedding dimension).
pub(crate) const HEAD_CHANNELS: usize = 1280;
/// ImageNet classes of the classifier.
pub(crate) const NUM_CLASSES: usize = 1000;

/// One EfficientNet-B0 stage: (expand ratio, kernel, stride, in channels, out channels, repeats).
const STAGES: [(usize, usize, usize, usize, usize, usize); 7] = [
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
];

/// A convolution with its BatchNorm folded in, kept in PyTorch layout.
#[derive(Debug, Clone)]
pub(crate) struct FoldedConv {
    /// Kernel, `[out][in_per_group][k][k]` row-major.
    pub w: Vec<f32>,
    /// Per-output-channel bias.
    pub b: Vec<f32>,
    /// Output channels.
    pub out: usize,
    /// Input channels per group (1 for depthwise).
    pub inp: usize,
    /// Kernel side.
    pub k: usize,
    /// Stride (both axes).
    pub stride: usize,
}

/// One inverted-residual (MBConv) block, without squeeze-excitation.
#[derive(Debug, Clone)]
pub(crate) struct FoldedBlock {
    /// 1x1 expansion (absent when the expand ratio is 1), ReLU6 after.
    pub expand: Option<FoldedConv>,
    /// Depthwise k x k convolution (SAME padding), ReLU6 after.
    pub depthwise: FoldedConv,
    /// 1x1 projection, linear.
    pub project: FoldedConv,
    /// Whether the block input is added to its output (stride 1 and in == out).
    pub residual: bool,
}

/// The whole network with BatchNorm folded, on the CPU, in f32.
#[derive(Debug, Clone)]
pub(crate) struct FoldedNet {
    /// 3x3 stride-2 stem, ReLU6 after.
    pub stem: FoldedConv,
    /// The 16 MBConv blocks.
    pub blocks: Vec<FoldedBlock>,
    /// 1x1 head to 1280 channels, ReLU6 after.
    pub head: FoldedConv,
    /// Classifier weight, `[1000][1280]`.
    pub fc_w: Vec<f32>,
    /// Classifier bias.
    pub fc_b: Vec<f32>,
}

/// Reads tensors by name with precise errors.
struct Reader<'a> {
    tensors: HashMap<String, Tensor>,
    origin: &'a Path,
}

impl Reader<'_> {
    fn get(&self, name: &str, expected: &[usize]) -> Result<Vec<f32>, EmbedError> {
        let t = self
            .tensors
            .get(name)
            .ok_or_else(|| EmbedError::MissingTensor {
                path: self.origin.to_path_buf(),
                tensor: name.to_string(),
            })?;
        if t.dims() != expected {
            return Err(EmbedError::ShapeMismatch {
                path: self.origin.to_path_buf(),
                tensor: name.to_string(),
                found: t.dims().to_vec(),
                expected: expected.to_vec(),
            });
        }
        let values = t
            .to_dtype(DType::F32)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| self.bad(format!("tensor `{name}`: {e}")))?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(self.bad(format!("tensor `{name}` holds NaN or infinite values")));
        }
        Ok(values)
    }

    fn bad(&self, reason: String) -> EmbedError {
        EmbedError::Weights {
            path: self.origin.to_path_buf(),
            reason,
        }
    }

    /// `conv` (no bias) followed by BatchNorm `bn`, folded.
    fn conv_bn(
        &self,
        conv: &str,
        bn: &str,
        (out, inp, k, stride): (usize, usize, usize, usize),
    ) -> Result<FoldedConv, EmbedError> {
        let mut w = self.get(&format!("{conv}.weight"), &[out, inp, k, k])?;
        let gamma = self.get(&format!("{bn}.weight"), &[out])?;
        let beta = self.get(&format!("{bn}.bias"), &[out])?;
        let mean = self.get(&format!("{bn}.running_mean"), &[out])?;
        let var = self.get(&format!("{bn}.running_var"), &[out])?;
        if var.iter().any(|&v| v < 0.0) {
            return Err(self.bad(format!("negative variance in `{bn}.running_var`")));
        }
        let per_out = inp * k * k;
        let mut b = Vec::with_capacity(out);
        for (o, chunk) in w.chunks_exact_mut(per_out).enumerate() {
            let scale = gamma[o] / (var[o] + BN_EPS).sqrt();
            chunk.iter_mut().for_each(|x| *x *= scale);
            b.push(beta[o] - mean[o] * scale);
        }
        Ok(FoldedConv {
            w,
            b,
            out,
            inp,
            k,
            stride,
        })
    }
}

/// Parse a safetensors buffer and fold it into the Lite0 network. `origin` names it in errors.
pub(crate) fn load(bytes: &[u8], origin: &Path) -> Result<FoldedNet, EmbedError> {
    let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).map_err(|e| {
        EmbedError::Weights {
            path: origin.to_path_buf(),
            reason: format!("not a readable safetensors file: {e}"),
        }
    })?;
    let r = Reader { tensors, origin };
    let stem = r.conv_bn("_conv_stem", "_bn0", (STEM_CHANNELS, 3, 3, 2))?;
    let mut blocks = Vec::with_capacity(16);
    for (expand_ratio, k, stage_stride, stage_in, out, repeats) in STAGES {
        for rep in 0..repeats {
            let (stride, inp) = if rep == 0 {
                (stage_stride, stage_in)
            } else {
                (1, out)
            };
            let mid = inp * expand_ratio;
            let p = format!("_blocks.{}.", blocks.len());
            let expand = if expand_ratio == 1 {
                None
            } else {
                Some(r.conv_bn(
                    &format!("{p}_expand_conv"),
                    &format!("{p}_bn0"),
                    (mid, inp, 1, 1),
                )?)
            };
            let depthwise = r.conv_bn(
                &format!("{p}_depthwise_conv"),
                &format!("{p}_bn1"),
                (mid, 1, k, stride),
            )?;
            let project = r.conv_bn(
                &format!("{p}_project_conv"),
                &format!("{p}_bn2"),
                (out, mid, 1, 1),
            )?;
            blocks.push(FoldedBlock {
                expand,
                depthwise,
                project,
                residual: stride == 1 && inp == out,
            });
        }
    }
    let head = r.conv_bn("_conv_head", "_bn1", (HEAD_CHANNELS, 320, 1, 1))?;
    let fc_w = r.get("_fc.weight", &[NUM_CLASSES, HEAD_CHANNELS])?;
    let fc_b = r.get("_fc.bias", &[NUM_CLASSES])?;
    Ok(FoldedNet {
        stem,
        blocks,
        head,
        fc_w,
        fc_b,
    })
}

/// TensorFlow "SAME" padding along one axis: output `ceil(input / stride)`, and
/// `(before, after)` zero padding, the odd extra pixel after (bottom/right).
pub(crate) fn same_padding(input: usize, k: usize, stride: usize) -> (usize, usize, usize) {
    let out = input.div_ceil(stride);
    let total = ((out.saturating_sub(1)) * stride + k).saturating_sub(input);
    (out, total / 2, total - total / 2)
}

/// Path used in errors for the weights compiled into the binary.
pub(crate) fn bundled_origin() -> PathBuf {
    PathBuf::from("<built-in>/models/efficientnet-lite0.safetensors")
}

#[cfg(test)]
mod tests {
    use super::same_padding;

    #[test]
    fn same_padding_matches_tensorflow() {
        assert_eq!(same_padding(224, 3, 2), (112, 0, 1));
        assert_eq!(same_padding(112, 3, 1), (112, 1, 1));
        assert_eq!(same_padding(56, 5, 2), (28, 1, 2));
        assert_eq!(same_padding(14, 5, 1), (14, 2, 2));
        assert_eq!(same_padding(7, 3, 2), (4, 1, 1));
    }
}
