//! Activation maps in NHWC layout (`[image][y][x][channel]`, channels contiguous), shared by the
//! CPU kernels of the CNN embedders (`resnet/cpu.rs`, `efficientnet/cpu.rs`).

use super::EmbedError;
use candle_core::{Device, Tensor};

/// Geometry of an NHWC activation map.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Geo {
    pub(crate) n: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) c: usize,
}

impl Geo {
    /// Pixels over all images (rows of the `[pixels, channels]` matrix).
    pub(crate) fn pixels(self) -> usize {
        self.n * self.h * self.w
    }
}

/// An activation map, NHWC.
pub(crate) struct Act {
    pub(crate) data: Vec<f32>,
    pub(crate) geo: Geo,
}

impl Act {
    /// The map as a `[pixels, channels]` matrix (moves the data, no copy).
    pub(crate) fn into_matrix(self) -> Result<(Tensor, Geo), EmbedError> {
        let t = Tensor::from_vec(self.data, (self.geo.pixels(), self.geo.c), &Device::Cpu)?;
        Ok((t, self.geo))
    }
}
