//! A fused CPU kernel for CLIP's MLP activation: `z = x + bias; z * sigmoid(1.702 z)` in one
//! parallel pass. As separate Candle ops (bias add, scale, sigmoid, multiply) it is four
//! single-threaded passes over `[tokens, 4 * width]` (Candle's element-wise CPU ops run on one
//! thread); fused, it runs on Candle's thread pool. Other devices run the plain ops.

use candle_core::{CpuStorage, CustomOp2, Layout, Shape, Tensor};
use rayon::prelude::*;

/// quick_gelu's sigmoid slope.
const SLOPE: f32 = 1.702;

/// Rows handed to one rayon task at a time.
const ROWS_PER_TASK: usize = 8;

/// `quick_gelu(x + bias)` for `x: [.., m]` and `bias: [m]`, f32.
pub(super) fn bias_quick_gelu(x: &Tensor, bias: &Tensor) -> candle_core::Result<Tensor> {
    if x.device().is_cpu() && x.dtype() == candle_core::DType::F32 {
        x.contiguous()?
            .apply_op2_no_bwd(&bias.contiguous()?, &BiasQuickGelu)
    } else {
        let z = x.broadcast_add(bias)?;
        z.mul(&candle_nn::ops::sigmoid(&z.affine(f64::from(SLOPE), 0.0)?)?)
    }
}

/// The CPU kernel of [`bias_quick_gelu`].
struct BiasQuickGelu;

impl CustomOp2 for BiasQuickGelu {
    fn name(&self) -> &'static str {
        "clip-bias-quick-gelu"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(x), CpuStorage::F32(b)) = (s1, s2) else {
            candle_core::bail!("{}: f32 only", self.name());
        };
        let (Some((x0, x1)), Some((b0, b1))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            candle_core::bail!("{}: contiguous input only", self.name());
        };
        let (x, b) = (&x[x0..x1], &b[b0..b1]);
        let m = b.len();
        if m == 0 || l1.dims().last() != Some(&m) {
            candle_core::bail!(
                "{}: bias {:?} does not fit {:?}",
                self.name(),
                l2.dims(),
                l1.dims()
            );
        }
        let mut out = vec![0.0f32; x.len()];
        out.par_chunks_mut(m * ROWS_PER_TASK)
            .zip(x.par_chunks(m * ROWS_PER_TASK))
            .for_each(|(o, x)| {
                for (o, x) in o.chunks_exact_mut(m).zip(x.chunks_exact(m)) {
                    for ((o, &x), &b) in o.iter_mut().zip(x).zip(b) {
                        let z = x + b;
                        *o = z / (1.0 + (-SLOPE * z).exp());
                    }
                }
            });
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}
