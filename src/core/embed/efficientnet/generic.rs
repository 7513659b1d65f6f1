//! EfficientNet-Lite0 with plain Candle tensor ops (NCHW, `conv2d` with groups for depthwise).
//!
//! Runs on any Candle device (CUDA, Metal). On the CPU it is much slower than [`super::cpu`]
//! because Candle splits a grouped convolution into one convolution per channel; it is kept as
//! the device path and as an independent check of the fast kernels.

use super::super::EmbedError;
use super::INPUT_SIDE;
use super::weights::{FoldedConv, FoldedNet, HEAD_CHANNELS, NUM_CLASSES, same_padding};
use candle_core::{Device, Tensor};

/// A folded convolution on the device.
#[derive(Debug)]
struct Conv {
    /// `[out, in / groups, k, k]`.
    w: Tensor,
    /// `[1, out, 1, 1]`.
    b: Tensor,
    k: usize,
    stride: usize,
    groups: usize,
}

impl Conv {
    fn new(c: &FoldedConv, device: &Device) -> Result<Self, EmbedError> {
        let groups = if c.inp == 1 && c.k > 1 { c.out } else { 1 };
        Ok(Self {
            w: Tensor::from_slice(&c.w, (c.out, c.inp, c.k, c.k), device)?,
            b: Tensor::from_slice(&c.b, (1, c.out, 1, 1), device)?,
            k: c.k,
            stride: c.stride,
            groups,
        })
    }

    fn forward(&self, x: &Tensor, relu6: bool) -> Result<Tensor, EmbedError> {
        let (_, _, h, w) = x.dims4()?;
        let (_, top, bottom) = same_padding(h, self.k, self.stride);
        let (_, left, right) = same_padding(w, self.k, self.stride);
        let x = if top + bottom + left + right > 0 {
            x.pad_with_zeros(2, top, bottom)?
                .pad_with_zeros(3, left, right)?
        } else {
            x.clone()
        };
        let y = x
            .conv2d(&self.w, 0, self.stride, 1, self.groups)?
            .broadcast_add(&self.b)?;
        Ok(if relu6 { y.clamp(0f32, 6f32)? } else { y })
    }
}

#[derive(Debug)]
struct Block {
    expand: Option<Conv>,
    depthwise: Conv,
    project: Conv,
    residual: bool,
}

/// EfficientNet-Lite0 as Candle ops on one device.
#[derive(Debug)]
pub(crate) struct CandleNet {
    stem: Conv,
    blocks: Vec<Block>,
    head: Conv,
    /// `[1280, 1000]`.
    fc_w_t: Tensor,
    /// `[1, 1000]`.
    fc_b: Tensor,
    device: Device,
}

impl CandleNet {
    /// Upload the folded weights to `device`.
    pub(crate) fn new(net: &FoldedNet, device: &Device) -> Result<Self, EmbedError> {
        let blocks = net
            .blocks
            .iter()
            .map(|b| {
                Ok(Block {
                    expand: b
                        .expand
                        .as_ref()
                        .map(|c| Conv::new(c, device))
                        .transpose()?,
                    depthwise: Conv::new(&b.depthwise, device)?,
                    project: Conv::new(&b.project, device)?,
                    residual: b.residual,
                })
            })
            .collect::<Result<Vec<_>, EmbedError>>()?;
        Ok(Self {
            stem: Conv::new(&net.stem, device)?,
            blocks,
            head: Conv::new(&net.head, device)?,
            fc_w_t: Tensor::from_slice(&net.fc_w, (NUM_CLASSES, HEAD_CHANNELS), device)?
                .t()?
                .contiguous()?,
            fc_b: Tensor::from_slice(&net.fc_b, (1, NUM_CLASSES), device)?,
            device: device.clone(),
        })
    }

    fn pooled(&self, input: &[f32], n: usize) -> Result<Tensor, EmbedError> {
        let mut x = Tensor::from_slice(input, (n, 3, INPUT_SIDE, INPUT_SIDE), &self.device)?;
        x = self.stem.forward(&x, true)?;
        for block in &self.blocks {
            let mut h = match &block.expand {
                Some(e) => e.forward(&x, true)?,
                None => x.clone(),
            };
            h = block.depthwise.forward(&h, true)?;
            h = block.project.forward(&h, false)?;
            x = if block.residual { (h + &x)? } else { h };
        }
        x = self.head.forward(&x, true)?;
        Ok(x.mean(3)?.mean(2)?)
    }

    /// Pooled 1280-d features (before normalisation) of `n` CHW inputs laid end to end.
    pub(crate) fn features(&self, input: &[f32], n: usize) -> Result<Vec<f32>, EmbedError> {
        let pooled = self.pooled(input, n)?;
        Ok(pooled.flatten_all()?.to_vec1::<f32>()?)
    }

    /// ImageNet logits (`n` x 1000) of `n` CHW inputs laid end to end.
    pub(crate) fn logits(&self, input: &[f32], n: usize) -> Result<Vec<f32>, EmbedError> {
        let pooled = self.pooled(input, n)?;
        let logits = pooled.matmul(&self.fc_w_t)?.broadcast_add(&self.fc_b)?;
        Ok(logits.flatten_all()?.to_vec1::<f32>()?)
    }
}
