//! Reading ResNet weight files (`.safetensors`, PyTorch zip `.pth`/`.pt`) and folding BatchNorm.
//!
//! Tensor names follow torchvision (identical in timm): `conv1`, `bn1`, `layerN.M.conv1..3`,
//! `layerN.M.bn1..3`, `layerN.M.downsample.0` (1x1 conv) / `.1` (BatchNorm), `fc` (ignored).
//! A common prefix such as `module.` (DataParallel) or `model.` is detected and stripped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

use crate::core::embed::EmbedError;

/// BatchNorm epsilon used by torchvision and timm ResNets.
const BN_EPS: f64 = 1e-5;

/// Block layout of one ResNet depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arch {
    /// Nominal depth: 18, 34, 50, 101 or 152.
    pub depth: u8,
    /// `true` for Bottleneck blocks (50/101/152), `false` for BasicBlock (18/34).
    pub bottleneck: bool,
    /// Number of blocks in layer1..layer4.
    pub blocks: [usize; 4],
}

impl Arch {
    /// The block layout for a nominal depth, or `None` if it is not a torchvision ResNet depth.
    pub fn for_depth(depth: u8) -> Option<Self> {
        let (bottleneck, blocks) = match depth {
            18 => (false, [2, 2, 2, 2]),
            34 => (false, [3, 4, 6, 3]),
            50 => (true, [3, 4, 6, 3]),
            101 => (true, [3, 4, 23, 3]),
            152 => (true, [3, 8, 36, 3]),
            _ => return None,
        };
        Some(Self {
            depth,
            bottleneck,
            blocks,
        })
    }

    /// Channels of the pooled output: 512 for BasicBlock nets, 2048 for Bottleneck nets.
    pub fn out_dim(&self) -> usize {
        if self.bottleneck { 2048 } else { 512 }
    }
}

/// A convolution with its BatchNorm folded in: `y = conv(x, w) + b`.
#[derive(Debug, Clone)]
pub struct FoldedConv {
    /// Weights `[out, in, k, k]`, already multiplied by the BatchNorm scale.
    pub weight: Tensor,
    /// Bias `[1, out, 1, 1]`.
    pub bias: Tensor,
    /// Convolution stride.
    pub stride: usize,
    /// Zero padding on each side.
    pub padding: usize,
}

impl FoldedConv {
    /// Applies the convolution and bias (no activation).
    pub fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.conv2d(&self.weight, self.padding, self.stride, 1, 1)?
            .broadcast_add(&self.bias)
    }
}

/// All tensors of one weights file, held on the CPU, with the name prefix to use.
pub struct WeightSource {
    path: PathBuf,
    tensors: HashMap<String, Tensor>,
    prefix: String,
}

fn weights_err(path: &Path, reason: impl std::fmt::Display) -> EmbedError {
    EmbedError::Weights {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

impl WeightSource {
    /// Parses `bytes` (the content of `path`) as safetensors or as a PyTorch zip checkpoint.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, EmbedError> {
        let tensors: HashMap<String, Tensor> = if bytes.starts_with(b"PK\x03\x04") {
            read_pth(path)?
        } else if bytes.len() >= 9 && bytes[8] == b'{' {
            candle_core::safetensors::load_buffer(bytes, &Device::Cpu)
                .map_err(|e| weights_err(path, format!("invalid safetensors file: {e}")))?
        } else if bytes.starts_with(&[0x80]) {
            return Err(weights_err(
                path,
                "legacy (pre-1.6) PyTorch pickle format is not supported; re-save it with \
                 torch.save(model.state_dict(), path) in a recent PyTorch, or convert it to \
                 .safetensors",
            ));
        } else {
            return Err(weights_err(
                path,
                "neither a .safetensors file nor a PyTorch zip checkpoint (.pth/.pt)",
            ));
        };
        let prefix = detect_prefix(&tensors).ok_or_else(|| EmbedError::MissingTensor {
            path: path.to_path_buf(),
            tensor: "conv1.weight".into(),
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            tensors,
            prefix,
        })
    }

    /// Whether a tensor (name without prefix) exists.
    fn has(&self, name: &str) -> bool {
        self.tensors.contains_key(&format!("{}{name}", self.prefix))
    }

    /// Whether any tensor name (without prefix) starts with `start`.
    fn has_prefix(&self, start: &str) -> bool {
        let full = format!("{}{start}", self.prefix);
        self.tensors.keys().any(|k| k.starts_with(&full))
    }

    /// Guesses the architecture from the tensors present.
    pub fn detect_arch(&self) -> Result<Arch, EmbedError> {
        let bottleneck = self.has("layer1.0.conv3.weight");
        let depth = if bottleneck {
            if self.has_prefix("layer3.35.") || self.has_prefix("layer2.7.") {
                152
            } else if self.has_prefix("layer3.22.") {
                101
            } else {
                50
            }
        } else if self.has_prefix("layer3.5.")
            || self.has_prefix("layer2.3.")
            || self.has_prefix("layer1.2.")
        {
            34
        } else {
            18
        };
        Arch::for_depth(depth).ok_or_else(|| weights_err(&self.path, "unknown ResNet depth"))
    }

    /// Fetches a tensor as f32 after checking its shape.
    fn get(&self, name: &str, expected: &[usize]) -> Result<Tensor, EmbedError> {
        let full = format!("{}{name}", self.prefix);
        let t = self
            .tensors
            .get(&full)
            .ok_or_else(|| EmbedError::MissingTensor {
                path: self.path.clone(),
                tensor: full.clone(),
            })?;
        if t.dims() != expected {
            return Err(EmbedError::ShapeMismatch {
                path: self.path.clone(),
                tensor: full,
                found: t.dims().to_vec(),
                expected: expected.to_vec(),
            });
        }
        t.to_dtype(DType::F32)
            .map_err(|e| weights_err(&self.path, format!("tensor `{full}`: {e}")))
    }

    /// Reads a tensor as a flat f64 vector (after the shape check).
    fn get_f64(&self, name: &str, expected: &[usize]) -> Result<Vec<f64>, EmbedError> {
        let t = self.get(name, expected)?;
        let v = t
            .flatten_all()
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| weights_err(&self.path, format!("tensor `{name}`: {e}")))?;
        Ok(v.into_iter().map(f64::from).collect())
    }

    /// Loads convolution `conv` (`[cout, cin, k, k]`, optional bias) and folds BatchNorm `bn`
    /// into it, putting the result on `device`.
    #[allow(clippy::too_many_arguments)]
    pub fn conv_bn(
        &self,
        conv: &str,
        bn: &str,
        shape: [usize; 4],
        stride: usize,
        padding: usize,
        device: &Device,
    ) -> Result<FoldedConv, EmbedError> {
        let cout = shape[0];
        let w = self.get_f64(&format!("{conv}.weight"), &shape)?;
        let conv_bias = if self.has(&format!("{conv}.bias")) {
            Some(self.get_f64(&format!("{conv}.bias"), &[cout])?)
        } else {
            None
        };
        let gamma = self.get_f64(&format!("{bn}.weight"), &[cout])?;
        let beta = self.get_f64(&format!("{bn}.bias"), &[cout])?;
        let mean = self.get_f64(&format!("{bn}.running_mean"), &[cout])?;
        let var = self.get_f64(&format!("{bn}.running_var"), &[cout])?;

        let per_out = w.len() / cout.max(1);
        let mut w_out = Vec::with_capacity(w.len());
        let mut b_out = Vec::with_capacity(cout);
        for o in 0..cout {
            let denom = (var[o] + BN_EPS).sqrt();
            if !denom.is_finite() || denom <= 0.0 {
                return Err(weights_err(
                    &self.path,
                    format!("`{bn}.running_var` has an invalid value {}", var[o]),
                ));
            }
            let scale = gamma[o] / denom;
            let cb = conv_bias.as_ref().map_or(0.0, |b| b[o]);
            b_out.push((beta[o] + (cb - mean[o]) * scale) as f32);
            w_out.extend(
                w[o * per_out..(o + 1) * per_out]
                    .iter()
                    .map(|&x| (x * scale) as f32),
            );
        }
        if w_out.iter().chain(&b_out).any(|x| !x.is_finite()) {
            return Err(weights_err(
                &self.path,
                format!("`{conv}`/`{bn}` contain non-finite values"),
            ));
        }
        let weight = Tensor::from_vec(w_out, shape.to_vec(), device)?;
        let bias = Tensor::from_vec(b_out, (1, cout, 1, 1), device)?;
        Ok(FoldedConv {
            weight,
            bias,
            stride,
            padding,
        })
    }
}

/// The folded convolutions of one residual block.
#[derive(Debug, Clone)]
pub struct BlockWeights {
    /// conv1..conv2 (BasicBlock) or conv1..conv3 (Bottleneck), with ReLU between them.
    pub convs: Vec<FoldedConv>,
    /// The 1x1 projection on the shortcut, when shape or stride changes.
    pub downsample: Option<FoldedConv>,
}

/// Builds the stem and all residual blocks from the weights.
pub fn build(
    src: &WeightSource,
    arch: Arch,
    device: &Device,
) -> Result<(FoldedConv, Vec<BlockWeights>), EmbedError> {
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
            blocks.push(BlockWeights { convs, downsample });
            in_ch = out_ch;
        }
    }
    Ok((stem, blocks))
}

/// Finds the prefix in front of `conv1.weight` (empty for plain torchvision/timm files).
fn detect_prefix(tensors: &HashMap<String, Tensor>) -> Option<String> {
    if tensors.contains_key("conv1.weight") {
        return Some(String::new());
    }
    let mut candidates: Vec<&String> = tensors
        .keys()
        .filter(|k| k.ends_with("layer1.0.conv1.weight"))
        .collect();
    candidates.sort_by_key(|k| k.len());
    let prefix = candidates.first()?.strip_suffix("layer1.0.conv1.weight")?;
    tensors
        .contains_key(&format!("{prefix}conv1.weight"))
        .then(|| prefix.to_string())
}

/// Reads a PyTorch zip checkpoint: a plain state_dict, or one nested under
/// `state_dict` / `model` / `module`.
fn read_pth(path: &Path) -> Result<HashMap<String, Tensor>, EmbedError> {
    let mut first_err = None;
    for key in [None, Some("state_dict"), Some("model"), Some("module")] {
        // Candle's unpickler indexes into tuples it reads, so a corrupt pickle could panic
        // inside it; contain that and report the file as invalid instead.
        let read = crate::core::guard::catch(|| candle_core::pickle::read_all_with_key(path, key))
            .unwrap_or_else(|_| Err(candle_core::Error::Msg("malformed pickle".into())));
        match read {
            Ok(list) if list.iter().any(|(k, _)| k.ends_with("conv1.weight")) => {
                return Ok(list.into_iter().collect());
            }
            Ok(_) => {}
            // Only the plain read says whether the file parses; a nested key may be absent.
            Err(e) if key.is_none() => first_err = Some(e.to_string()),
            Err(_) => {}
        }
    }
    match first_err {
        Some(e) => Err(weights_err(
            path,
            format!("invalid PyTorch checkpoint: {e}"),
        )),
        None => Err(EmbedError::MissingTensor {
            path: path.to_path_buf(),
            tensor: "conv1.weight".into(),
        }),
    }
}
