//! Fast CPU execution of a ResNet in NHWC layout.
//!
//! Candle's CPU convolution converts every input to NHWC and re-lays the kernel on each call,
//! single-threaded, and bias/ReLU/residual are separate single-threaded passes; that scales
//! poorly past a few cores. Here activations stay NHWC (`[image][y][x][channel]`) so that:
//! - every convolution is one matrix product `[pixels, k·k·c_in] x [k·k·c_in, c_out]`
//!   (Candle's matmul, i.e. the `gemm` crate with SIMD dispatch and rayon threads); a 1x1
//!   stride-1 convolution multiplies the activations directly, others multiply patches unfolded
//!   in blocks of rows (each patch is k·k contiguous runs of c_in values);
//! - bias, the residual addition and ReLU are fused into one pass over each product block,
//!   while it is still in cache; max-pool and average-pool are plain loops over contiguous
//!   channels. Loops run in parallel with rayon, on whatever pool the caller installed
//!   (Candle's, see `Device::with_context`); no threads are spawned here.

use candle_core::{CpuStorage, Device, Storage, Tensor};
use rayon::prelude::*;

use super::super::EmbedError;
use super::super::nhwc::{Act, Geo};
use super::load::FoldedConv;

/// Target size of one unfolded-patch block (bounds memory and keeps blocks cache-friendly).
const BLOCK_BYTES: usize = 4 * 1024 * 1024;

/// A convolution with folded BatchNorm, weights laid out as a `[k·k·c_in, c_out]` matrix whose
/// rows follow the patch order `[ky][kx][c_in]`.
#[derive(Debug)]
struct DenseConv {
    w_t: Tensor,
    b: Vec<f32>,
    cin: usize,
    cout: usize,
    k: usize,
    stride: usize,
    pad: usize,
}

impl DenseConv {
    fn new(conv: &FoldedConv) -> Result<Self, EmbedError> {
        let (cout, cin, k, _) = conv.weight.dims4()?;
        let w = conv.weight.flatten_all()?.to_vec1::<f32>()?;
        let b = conv.bias.flatten_all()?.to_vec1::<f32>()?;
        let rows = k * k * cin;
        let mut w_t = vec![0.0f32; rows * cout];
        for co in 0..cout {
            for ci in 0..cin {
                for t in 0..k * k {
                    w_t[(t * cin + ci) * cout + co] = w[(co * cin + ci) * k * k + t];
                }
            }
        }
        Ok(Self {
            w_t: Tensor::from_vec(w_t, (rows, cout), &Device::Cpu)?,
            b,
            cin,
            cout,
            k,
            stride: conv.stride,
            pad: conv.padding,
        })
    }

    fn out_geo(&self, g: Geo) -> Geo {
        Geo {
            n: g.n,
            h: (g.h + 2 * self.pad - self.k) / self.stride + 1,
            w: (g.w + 2 * self.pad - self.k) / self.stride + 1,
            c: self.cout,
        }
    }
}

/// What happens to `product + bias` before it is stored.
#[derive(Clone, Copy)]
enum Epilogue<'a> {
    Linear,
    Relu,
    /// Add this NHWC map (same geometry as the output), then ReLU.
    ResidualRelu(&'a [f32]),
}

/// One residual block.
#[derive(Debug)]
struct Block {
    convs: Vec<DenseConv>,
    downsample: Option<DenseConv>,
}

/// A ResNet laid out for NHWC execution on the CPU.
#[derive(Debug)]
pub struct CpuNet {
    stem: DenseConv,
    blocks: Vec<Block>,
}

impl CpuNet {
    /// Re-lays folded weights: `stem` and, per block, its convolutions and optional shortcut.
    pub fn new(
        stem: &FoldedConv,
        blocks: &[(&[FoldedConv], Option<&FoldedConv>)],
    ) -> Result<Self, EmbedError> {
        let blocks = blocks
            .iter()
            .map(|&(convs, ds)| {
                if convs.is_empty() {
                    return Err(EmbedError::Backend(
                        "residual block without convolutions".into(),
                    ));
                }
                Ok(Block {
                    convs: convs
                        .iter()
                        .map(DenseConv::new)
                        .collect::<Result<_, EmbedError>>()?,
                    downsample: ds.map(DenseConv::new).transpose()?,
                })
            })
            .collect::<Result<_, EmbedError>>()?;
        Ok(Self {
            stem: DenseConv::new(stem)?,
            blocks,
        })
    }

    /// Average-pooled features (`n x c`, not normalised) of `n` CHW `h x w` images laid end to
    /// end in `input`.
    pub fn features(
        &self,
        input: &[f32],
        n: usize,
        h: usize,
        w: usize,
    ) -> Result<Vec<f32>, EmbedError> {
        if input.len() != n * 3 * h * w {
            return Err(EmbedError::BadInput(format!(
                "{} input values for {n} images of 3x{h}x{w}",
                input.len()
            )));
        }
        // CHW -> NHWC once; everything after stays NHWC.
        let mut data = vec![0.0f32; input.len()];
        data.par_chunks_mut(w * 3)
            .enumerate()
            .for_each(|(row, out)| {
                let (img, y) = (row / h, row % h);
                let src = &input[img * 3 * h * w..(img + 1) * 3 * h * w];
                for (x, px) in out.chunks_exact_mut(3).enumerate() {
                    for (c, v) in px.iter_mut().enumerate() {
                        *v = src[(c * h + y) * w + x];
                    }
                }
            });
        let x = Act {
            data,
            geo: Geo { n, h, w, c: 3 },
        };
        let mut x = max_pool_3x3_s2(&conv(&x, &self.stem, Epilogue::Relu)?);
        for block in &self.blocks {
            let last = block.convs.len() - 1;
            let mut y = conv(&x, &block.convs[0], Epilogue::Relu)?;
            for c in &block.convs[1..last] {
                y = conv(&y, c, Epilogue::Relu)?;
            }
            let shortcut = match &block.downsample {
                Some(ds) => Some(conv(&x, ds, Epilogue::Linear)?),
                None => None,
            };
            let res = shortcut.as_ref().map_or(&x.data, |s| &s.data);
            x = conv(&y, &block.convs[last], Epilogue::ResidualRelu(res))?;
        }
        Ok(global_avg_pool(&x))
    }
}

/// Convolution of NHWC `x` by `cv`, then `epi`, computed in blocks of output pixels.
fn conv(x: &Act, cv: &DenseConv, epi: Epilogue<'_>) -> Result<Act, EmbedError> {
    if x.geo.c != cv.cin {
        return Err(EmbedError::Backend(format!(
            "convolution expects {} channels, got {}",
            cv.cin, x.geo.c
        )));
    }
    let og = cv.out_geo(x.geo);
    let (rows, cout, kcols) = (og.pixels(), cv.cout, cv.k * cv.k * cv.cin);
    let direct = cv.k == 1 && cv.stride == 1 && cv.pad == 0;
    let block_rows = (BLOCK_BYTES / (4 * kcols)).clamp(64, rows.max(64));
    let mut data = vec![0.0f32; rows * cout];
    for (i, out) in data.chunks_mut(block_rows * cout).enumerate() {
        let (start, len) = (i * block_rows, out.len() / cout);
        let lhs = if direct {
            Tensor::from_slice(
                &x.data[start * kcols..(start + len) * kcols],
                (len, kcols),
                &Device::Cpu,
            )?
        } else {
            Tensor::from_vec(unfold(x, cv, og, start, len), (len, kcols), &Device::Cpu)?
        };
        let y = lhs.matmul(&cv.w_t)?;
        let (storage, layout) = y.storage_and_layout();
        let product = match (&*storage, layout.contiguous_offsets()) {
            (Storage::Cpu(CpuStorage::F32(v)), Some((s, e))) => v.get(s..e),
            _ => None,
        }
        .filter(|p| p.len() == out.len())
        .ok_or_else(|| EmbedError::Backend("unexpected matmul output layout".into()))?;
        let res = match epi {
            Epilogue::ResidualRelu(r) => Some(
                r.get(start * cout..(start + len) * cout)
                    .ok_or_else(|| EmbedError::Backend("residual size mismatch".into()))?,
            ),
            _ => None,
        };
        let relu = !matches!(epi, Epilogue::Linear);
        let b = &cv.b;
        let task = 32 * cout;
        out.par_chunks_mut(task)
            .zip(product.par_chunks(task))
            .enumerate()
            .for_each(|(t, (o, p))| {
                let r = res.map(|r| &r[t * task..t * task + o.len()]);
                for (row, (o_row, p_row)) in o
                    .chunks_exact_mut(cout)
                    .zip(p.chunks_exact(cout))
                    .enumerate()
                {
                    for ((ov, &pv), &bv) in o_row.iter_mut().zip(p_row).zip(b) {
                        *ov = pv + bv;
                    }
                    if let Some(r) = r {
                        let r_row = &r[row * cout..(row + 1) * cout];
                        o_row.iter_mut().zip(r_row).for_each(|(ov, &rv)| *ov += rv);
                    }
                    if relu {
                        o_row.iter_mut().for_each(|ov| *ov = ov.max(0.0));
                    }
                }
            });
    }
    Ok(Act { data, geo: og })
}

/// Patches of output pixels `start..start + len` as a `[len, k·k·c_in]` row-major matrix
/// (zeros where the window hangs over the padding).
fn unfold(x: &Act, cv: &DenseConv, og: Geo, start: usize, len: usize) -> Vec<f32> {
    let (g, k, s, c) = (x.geo, cv.k, cv.stride, cv.cin);
    let kcols = k * k * c;
    let mut col = vec![0.0f32; len * kcols];
    col.par_chunks_mut(16 * kcols)
        .enumerate()
        .for_each(|(chunk, rows)| {
            for (r, patch) in rows.chunks_exact_mut(kcols).enumerate() {
                let p = start + chunk * 16 + r;
                let (img, rem) = (p / (og.h * og.w), p % (og.h * og.w));
                let (oy, ox) = (rem / og.w, rem % og.w);
                let image = &x.data[img * g.h * g.w * c..(img + 1) * g.h * g.w * c];
                for ky in 0..k {
                    let Some(iy) = (oy * s + ky).checked_sub(cv.pad).filter(|&y| y < g.h) else {
                        continue;
                    };
                    for kx in 0..k {
                        let Some(ix) = (ox * s + kx).checked_sub(cv.pad).filter(|&v| v < g.w)
                        else {
                            continue;
                        };
                        let src = &image[(iy * g.w + ix) * c..(iy * g.w + ix + 1) * c];
                        patch[(ky * k + kx) * c..(ky * k + kx + 1) * c].copy_from_slice(src);
                    }
                }
            }
        });
    col
}

/// 3x3 stride-2 max pool with padding 1 (padding never wins, as in PyTorch).
fn max_pool_3x3_s2(x: &Act) -> Act {
    let g = x.geo;
    let (oh, ow, c) = ((g.h + 2 - 3) / 2 + 1, (g.w + 2 - 3) / 2 + 1, g.c);
    let mut data = vec![f32::NEG_INFINITY; g.n * oh * ow * c];
    data.par_chunks_mut(ow * c)
        .enumerate()
        .for_each(|(row, out_row)| {
            let (img, oy) = (row / oh, row % oh);
            let image = &x.data[img * g.h * g.w * c..(img + 1) * g.h * g.w * c];
            for (ox, px) in out_row.chunks_exact_mut(c).enumerate() {
                for ky in 0..3 {
                    let Some(iy) = (oy * 2 + ky).checked_sub(1).filter(|&y| y < g.h) else {
                        continue;
                    };
                    for kx in 0..3 {
                        let Some(ix) = (ox * 2 + kx).checked_sub(1).filter(|&v| v < g.w) else {
                            continue;
                        };
                        let src = &image[(iy * g.w + ix) * c..(iy * g.w + ix + 1) * c];
                        px.iter_mut().zip(src).for_each(|(o, &v)| *o = o.max(v));
                    }
                }
            }
        });
    Act {
        data,
        geo: Geo {
            n: g.n,
            h: oh,
            w: ow,
            c,
        },
    }
}

/// Mean over all pixels of each image: `n x c`.
fn global_avg_pool(x: &Act) -> Vec<f32> {
    let g = x.geo;
    let per_image = g.h * g.w * g.c;
    let mut out = vec![0.0f32; g.n * g.c];
    out.par_chunks_mut(g.c)
        .zip(x.data.par_chunks(per_image))
        .for_each(|(o, image)| {
            let mut acc = vec![0.0f64; g.c];
            for px in image.chunks_exact(g.c) {
                acc.iter_mut()
                    .zip(px)
                    .for_each(|(a, &v)| *a += f64::from(v));
            }
            let inv = 1.0 / (g.h * g.w) as f64;
            o.iter_mut()
                .zip(&acc)
                .for_each(|(o, a)| *o = (a * inv) as f32);
        });
    out
}
