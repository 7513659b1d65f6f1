//! `y = x @ w^T + b` (optionally followed by CLIP's quick_gelu) with bf16 products and f32 sums,
//! on AVX-512 BF16 CPUs: `vdpbf16ps` does 32 multiply-adds per instruction where f32 FMA does 16,
//! and the matrices are half the bytes.
//!
//! The weights are rounded to bf16 once, at load, and packed in 64-column panels: for each pair
//! of input positions `(2p, 2p + 1)`, 64 consecutive `u32`s hold the pair of every column of the
//! panel (low half: `2p`), which is the layout `vdpbf16ps` multiplies against a broadcast pair
//! of one input row. Each call rounds its input rows to bf16 (round to nearest even, like the
//! CPU's own conversion), then a 6-row x 64-column tile of 24 f32 accumulators walks the input in
//! chunks of 192 pairs (the chunk of one panel stays in L1/L2 while every tile of a
//! block of rows reads it). Row blocks run on rayon's pool, like Candle's own CPU kernels.
//!
//! Unsafe code: the AVX-512 intrinsics and their pointer loads and stores. Every call checks
//! the slice lengths the pointers walk over before entering the `target_feature` functions, and
//! those functions only run after runtime detection ([`super::precision::ClipPrecision`]).
#![allow(unsafe_code)]

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use rayon::prelude::*;

/// Columns per packed panel (four 16-lane vectors).
pub const PANEL: usize = 64;
/// Input rows per register tile.
const TILE_ROWS: usize = 6;

/// A weight matrix `[n, k]` rounded to bf16 and packed for the kernel, with its f32 bias.
// Only the x86-64 kernel reads the packed data.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub struct PackedBf16 {
    /// Output columns (`n`, a multiple of [`PANEL`]).
    n: usize,
    /// Input width (`k`).
    k: usize,
    /// `ceil(k / 2)`.
    pairs: usize,
    /// `[n / PANEL][pairs][PANEL]` bf16 pairs.
    data: Vec<u32>,
    /// `[n]`, zeros without a bias.
    bias: Vec<f32>,
}

impl std::fmt::Debug for PackedBf16 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PackedBf16 {{ n: {}, k: {} }}", self.n, self.k)
    }
}

/// `x` rounded to bf16, round to nearest even (what `vcvtne2ps2bf16` does for finite values).
fn bf16_bits(x: f32) -> u32 {
    if x.is_nan() {
        return 0x7fc0;
    }
    let b = x.to_bits();
    (b.wrapping_add(0x7fff + ((b >> 16) & 1))) >> 16
}

/// The bf16 pair `(row[2p], row[2p + 1])` as the kernel reads it (missing positions are zero).
fn pair(row: &[f32], p: usize) -> u32 {
    let lo = row.get(2 * p).map_or(0, |&v| bf16_bits(v));
    let hi = row.get(2 * p + 1).map_or(0, |&v| bf16_bits(v));
    lo | (hi << 16)
}

impl PackedBf16 {
    /// Packs `weight` (`[n, k]`, row-major f32) and `bias` (`[n]`), or `None` when `n` is not a
    /// multiple of [`PANEL`] or the sizes disagree (the caller keeps the f32 path).
    pub fn new(weight: &[f32], n: usize, k: usize, bias: Option<&[f32]>) -> Option<Self> {
        if n == 0 || k == 0 || !n.is_multiple_of(PANEL) || weight.len() != n * k {
            return None;
        }
        let bias = match bias {
            Some(b) if b.len() == n => b.to_vec(),
            Some(_) => return None,
            None => vec![0.0; n],
        };
        let pairs = k.div_ceil(2);
        let mut data = vec![0u32; n * pairs];
        for (panel, out) in data.chunks_exact_mut(pairs * PANEL).enumerate() {
            for c in 0..PANEL {
                let col = panel * PANEL + c;
                let row = &weight[col * k..(col + 1) * k];
                for p in 0..pairs {
                    out[p * PANEL + c] = pair(row, p);
                }
            }
        }
        Some(Self {
            n,
            k,
            pairs,
            data,
            bias,
        })
    }

    /// Packs a Candle weight `[n, k]` and bias `[n]` (any float dtype, any device).
    pub fn from_tensors(
        weight: &Tensor,
        bias: Option<&Tensor>,
    ) -> candle_core::Result<Option<Self>> {
        let (n, k) = weight.dims2()?;
        let f32s = |t: &Tensor| {
            t.to_device(&candle_core::Device::Cpu)?
                .to_dtype(candle_core::DType::F32)?
                .flatten_all()?
                .to_vec1::<f32>()
        };
        let w = f32s(weight)?;
        let b = bias.map(f32s).transpose()?;
        Ok(Self::new(&w, n, k, b.as_deref()))
    }

    /// `x @ w^T + b` (then quick_gelu when `gelu`) for `x: [m, k]` f32 on the CPU.
    pub fn forward(&self, x: &Tensor, gelu: bool) -> candle_core::Result<Tensor> {
        x.contiguous()?
            .apply_op1_no_bwd(&Bf16Linear { w: self, gelu })
    }

    /// `out = x @ w^T + b` (quick_gelu'd when `gelu`) for row-major `x: [m, k]`, `out: [m, n]`.
    pub fn matmul_into(&self, x: &[f32], out: &mut [f32], gelu: bool) -> Result<(), String> {
        if !x.len().is_multiple_of(self.k) || out.len() != x.len() / self.k * self.n {
            return Err(format!(
                "bf16 matmul: {} inputs and {} outputs do not fit [m, {}] x [{}, {}]",
                x.len(),
                out.len(),
                self.k,
                self.k,
                self.n
            ));
        }
        if !super::precision::ClipPrecision::cpu_has_bf16() {
            return Err("bf16 matmul: this CPU lacks AVX-512 BF16".into());
        }
        let m = x.len() / self.k;
        let rows = block_rows(m);
        out.par_chunks_mut(rows * self.n)
            .zip(x.par_chunks(rows * self.k))
            .for_each(|(out, x)| {
                let mut packed_x = vec![0u32; x.len() / self.k * self.pairs];
                self.block(x, &mut packed_x, out, gelu);
            });
        Ok(())
    }

    /// One block of rows: rounds `x` into `packed_x`, then every panel and chunk.
    fn block(&self, x: &[f32], packed_x: &mut [u32], out: &mut [f32], gelu: bool) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `matmul_into` checked the CPU features; `x`, `packed_x` and `out` hold exactly
        // `rows` rows of `k`, `pairs` and `n` values (checked again inside).
        unsafe {
            kernel::block(self, x, packed_x, out, gelu);
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (x, packed_x, out, gelu);
    }
}

/// Rows per rayon task: about four tasks per thread, a multiple of the tile height, at most
/// 192 (each task re-reads the whole packed weight once).
fn block_rows(m: usize) -> usize {
    let tasks = 4 * rayon::current_num_threads().max(1);
    m.div_ceil(tasks).div_ceil(TILE_ROWS).clamp(1, 32) * TILE_ROWS
}

/// The Candle op around [`PackedBf16::matmul_into`].
struct Bf16Linear<'a> {
    w: &'a PackedBf16,
    gelu: bool,
}

impl CustomOp1 for Bf16Linear<'_> {
    fn name(&self) -> &'static str {
        "clip-bf16-linear"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(x) = s else {
            candle_core::bail!("{}: f32 input only", self.name());
        };
        let Some((a, b)) = l.contiguous_offsets() else {
            candle_core::bail!("{}: contiguous input only", self.name());
        };
        let &[m, k] = l.dims() else {
            candle_core::bail!("{}: 2-D input only, got {:?}", self.name(), l.dims());
        };
        if k != self.w.k {
            candle_core::bail!(
                "{}: input width {k}, weight width {}",
                self.name(),
                self.w.k
            );
        }
        let mut out = vec![0.0f32; m * self.w.n];
        self.w
            .matmul_into(&x[a..b], &mut out, self.gelu)
            .map_err(candle_core::Error::Msg)?;
        Ok((CpuStorage::F32(out), Shape::from((m, self.w.n))))
    }
}

#[cfg(target_arch = "x86_64")]
mod kernel {
    use std::arch::x86_64::*;

    use super::{PANEL, PackedBf16, TILE_ROWS, pair};

    /// Input pairs (two positions each) per chunk of the reduction.
    const CHUNK_PAIRS: usize = 192;

    /// quick_gelu's sigmoid slope.
    const SLOPE: f32 = 1.702;

    /// One block of rows (see [`PackedBf16::block`]).
    ///
    /// # Safety
    /// The CPU must have AVX-512F and AVX-512 BF16.
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub(super) unsafe fn block(
        w: &PackedBf16,
        x: &[f32],
        packed_x: &mut [u32],
        out: &mut [f32],
        gelu: bool,
    ) {
        let (k, n, pairs) = (w.k, w.n, w.pairs);
        let rows = x.len() / k;
        assert!(packed_x.len() == rows * pairs && out.len() == rows * n);
        assert!(w.data.len() == n * pairs && w.bias.len() == n);
        for (row, dst) in x.chunks_exact(k).zip(packed_x.chunks_exact_mut(pairs)) {
            round_row(row, dst);
        }
        let (xp, op) = (packed_x.as_ptr(), out.as_mut_ptr());
        for p0 in (0..pairs).step_by(CHUNK_PAIRS) {
            let len = CHUNK_PAIRS.min(pairs - p0);
            let (first, last) = (p0 == 0, p0 + len == pairs);
            for panel in 0..n / PANEL {
                let c0 = panel * PANEL;
                // SAFETY (all pointer offsets below): rows `r..r + h` < `rows`, pairs
                // `p0..p0 + len` <= `pairs`, columns `c0..c0 + PANEL` <= `n`, per the asserts.
                unsafe {
                    let b = w.data.as_ptr().add(panel * pairs * PANEL + p0 * PANEL);
                    let bias = w.bias.as_ptr().add(c0);
                    let mut r = 0;
                    while r < rows {
                        let h = TILE_ROWS.min(rows - r);
                        let a = xp.add(r * pairs + p0);
                        let c = op.add(r * n + c0);
                        let t = Tile {
                            a,
                            lda: pairs,
                            b,
                            len,
                            c,
                            ldc: n,
                            bias,
                            first,
                            gelu: gelu && last,
                        };
                        match h {
                            6 => t.run::<6>(),
                            5 => t.run::<5>(),
                            4 => t.run::<4>(),
                            3 => t.run::<3>(),
                            2 => t.run::<2>(),
                            _ => t.run::<1>(),
                        }
                        r += h;
                    }
                }
            }
        }
    }

    /// Rounds one f32 row into bf16 pairs, 32 values per `vcvtne2ps2bf16`.
    #[target_feature(enable = "avx512f,avx512bf16")]
    fn round_row(row: &[f32], dst: &mut [u32]) {
        let full = row.len() / 32;
        for (src, d) in row.chunks_exact(32).zip(dst.chunks_exact_mut(16)) {
            // SAFETY: `src` holds 32 f32s and `d` 16 u32s (64 bytes).
            unsafe {
                let lo = _mm512_loadu_ps(src.as_ptr());
                let hi = _mm512_loadu_ps(src.as_ptr().add(16));
                let v = _mm512_cvtne2ps_pbh(hi, lo);
                std::ptr::write_unaligned(d.as_mut_ptr().cast::<__m512bh>(), v);
            }
        }
        for (p, d) in dst.iter_mut().enumerate().skip(full * 16) {
            *d = pair(row, p);
        }
    }

    /// `quick_gelu(z) = z / (1 + exp(-1.702 z))` on 16 lanes, within 3e-6 of the f64 value:
    /// `exp` as in Cephes' `expf` (`x = n ln 2 + r`, `|r| <= ln 2 / 2`, `e^r` by a polynomial,
    /// times `2^n` by `vscalefps`), the argument clamped to +-88 so it never overflows.
    #[target_feature(enable = "avx512f")]
    fn quick_gelu16(z: __m512) -> __m512 {
        let x = _mm512_mul_ps(z, _mm512_set1_ps(-SLOPE));
        let x = _mm512_min_ps(
            _mm512_max_ps(x, _mm512_set1_ps(-88.0)),
            _mm512_set1_ps(88.0),
        );
        let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)),
        );
        // ln 2 in two parts, so that `n * ln 2` is exact enough.
        let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693_359_4), x);
        let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.121_944_4e-4), r);
        let mut p = _mm512_set1_ps(1.987_569_1e-4);
        for c in [
            1.398_199_9e-3,
            8.333_452e-3,
            4.166_579_6e-2,
            1.666_666_5e-1,
            0.5,
        ] {
            p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
        }
        let e = _mm512_fmadd_ps(
            _mm512_mul_ps(r, r),
            p,
            _mm512_add_ps(r, _mm512_set1_ps(1.0)),
        );
        let e = _mm512_scalef_ps(e, n);
        _mm512_div_ps(z, _mm512_add_ps(e, _mm512_set1_ps(1.0)))
    }

    /// One register tile: up to [`TILE_ROWS`] rows by one 64-column panel, one chunk.
    struct Tile {
        /// First input pair of the first row.
        a: *const u32,
        /// Pairs per input row.
        lda: usize,
        /// First pair of the panel's chunk.
        b: *const u32,
        /// Pairs in the chunk.
        len: usize,
        /// Output of the first row and column.
        c: *mut f32,
        /// Floats per output row.
        ldc: usize,
        /// Bias of the panel's columns.
        bias: *const f32,
        /// First chunk: start from the bias rather than from `c`.
        first: bool,
        /// Apply quick_gelu before storing (last chunk only).
        gelu: bool,
    }

    impl Tile {
        /// Runs the tile for `R` rows.
        ///
        /// # Safety
        /// AVX-512F and AVX-512 BF16; `a`, `b`, `c` and `bias` valid for the tile's extent.
        #[target_feature(enable = "avx512f,avx512bf16")]
        #[inline]
        unsafe fn run<const R: usize>(&self) {
            let mut acc = [[_mm512_setzero_ps(); 4]; R];
            // SAFETY: the caller's extents (see `block`).
            unsafe {
                for p in 0..self.len {
                    let bp = self.b.add(p * PANEL).cast::<__m512bh>();
                    let b = [
                        std::ptr::read_unaligned(bp),
                        std::ptr::read_unaligned(bp.add(1)),
                        std::ptr::read_unaligned(bp.add(2)),
                        std::ptr::read_unaligned(bp.add(3)),
                    ];
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let a = _mm512_set1_epi32(*self.a.add(r * self.lda + p) as i32);
                        let a: __m512bh = std::mem::transmute(a);
                        for (acc, &b) in acc.iter_mut().zip(&b) {
                            *acc = _mm512_dpbf16_ps(*acc, a, b);
                        }
                    }
                }
                for (r, acc) in acc.iter().enumerate() {
                    let row = self.c.add(r * self.ldc);
                    for (q, &v) in acc.iter().enumerate() {
                        let at = row.add(16 * q);
                        let base = if self.first {
                            _mm512_loadu_ps(self.bias.add(16 * q))
                        } else {
                            _mm512_loadu_ps(at)
                        };
                        let v = _mm512_add_ps(v, base);
                        let v = if self.gelu { quick_gelu16(v) } else { v };
                        _mm512_storeu_ps(at, v);
                    }
                }
            }
        }
    }
}
