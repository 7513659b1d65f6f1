//! Low-level maths shared by the pixel check and the overlay alignment: grayscale planes,
//! similarity transforms and warping, correlations over the whole overlap and per 8x8 block, and
//! the coordinate descent both searches use. Imports none of its sibling modules.

use crate::core::signature::SIGNATURE_SIDE;

/// Side of a signature, in pixels.
pub(super) const SIDE: usize = SIGNATURE_SIDE as usize;

/// A transform mapping the full frame of one signature into a region of the other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Transform {
    /// Size of the mapped frame relative to the reference frame (1 = same framing).
    pub(super) scale: f32,
    /// Left edge of the mapped frame, in reference pixels.
    pub(super) off_x: f32,
    /// Top edge of the mapped frame, in reference pixels.
    pub(super) off_y: f32,
    /// Rotation of the mapped frame, degrees.
    pub(super) angle_deg: f32,
}

/// The transform that maps a frame onto itself (same framing, no tilt).
pub(super) const IDENTITY: Transform = Transform {
    scale: 1.0,
    off_x: 0.0,
    off_y: 0.0,
    angle_deg: 0.0,
};

/// A grayscale square image of side `side`, as f32.
pub(super) struct Plane {
    /// Side in pixels.
    pub(super) side: usize,
    /// Row-major values.
    pub(super) px: Vec<f32>,
}

impl Plane {
    pub(super) fn from_signature(sig: &[u8]) -> Self {
        Self::from_gray(sig, SIDE)
    }

    /// A `side` x `side` row-major grayscale image (`px.len()` must be `side²`).
    pub(super) fn from_gray(px: &[u8], side: usize) -> Self {
        debug_assert_eq!(px.len(), side * side);
        Self {
            side,
            px: px.iter().map(|&v| f32::from(v)).collect(),
        }
    }

    pub(super) fn half(&self) -> Self {
        let side = self.side / 2;
        let mut px = vec![0f32; side * side];
        for y in 0..side {
            for x in 0..side {
                let at = |yy: usize, xx: usize| self.px[yy * self.side + xx];
                px[y * side + x] = 0.25
                    * (at(2 * y, 2 * x)
                        + at(2 * y, 2 * x + 1)
                        + at(2 * y + 1, 2 * x)
                        + at(2 * y + 1, 2 * x + 1));
            }
        }
        Self { side, px }
    }

    /// Bilinear sample at continuous pixel coordinates (centres at integers), clamped at edges.
    #[inline(always)]
    pub(super) fn sample(&self, u: f32, v: f32) -> f32 {
        let max = (self.side - 1) as f32;
        let (u, v) = (u.clamp(0.0, max), v.clamp(0.0, max));
        // Non-negative after the clamp, so truncation is floor.
        let (x0, y0) = (u as usize, v as usize);
        let (x1, y1) = ((x0 + 1).min(self.side - 1), (y0 + 1).min(self.side - 1));
        let (fx, fy) = (u - x0 as f32, v - y0 as f32);
        let p = |y: usize, x: usize| self.px[y * self.side + x];
        let top = p(y0, x0) + (p(y0, x1) - p(y0, x0)) * fx;
        let bottom = p(y1, x0) + (p(y1, x1) - p(y1, x0)) * fx;
        top + (bottom - top) * fy
    }
}

/// Call `f(index in a, x, y, value of b)` for each pixel of `a` inside the transformed frame of
/// `b`. Coordinates advance incrementally along rows (no per-pixel trigonometry or division).
#[inline(always)]
pub(super) fn for_each_warped(
    a: &Plane,
    b: &Plane,
    t: Transform,
    mut f: impl FnMut(usize, usize, usize, f32),
) {
    let side = a.side as f32;
    let inv = b.side as f32 / (t.scale * side); // b-pixels per a-pixel
    let (cx, cy) = (
        t.off_x + t.scale * side / 2.0,
        t.off_y + t.scale * side / 2.0,
    );
    let (sin, cos) = t.angle_deg.to_radians().sin_cos();
    let half_b = b.side as f32 / 2.0;
    let lim = b.side as f32;
    let (du, dv) = (cos * inv, sin * inv);
    for y in 0..a.side {
        let dy = (y as f32 + 0.5 - cy) * inv;
        let dx = (0.5 - cx) * inv;
        let mut u = cos * dx - sin * dy + half_b;
        let mut v = sin * dx + cos * dy + half_b;
        for x in 0..a.side {
            if u >= 0.0 && u <= lim && v >= 0.0 && v <= lim {
                f(y * a.side + x, x, y, b.sample(u - 0.5, v - 0.5));
            }
            u += du;
            v += dv;
        }
    }
}

/// For each pixel of `a` inside the transformed frame of `b`: (index in a, value of b there).
pub(super) fn warp(a: &Plane, b: &Plane, t: Transform, out: &mut Vec<(usize, f32)>) {
    out.clear();
    for_each_warped(a, b, t, |i, _, _, v| out.push((i, v)));
}

/// Pearson correlation of paired samples; 0 when either side is flat.
pub(super) fn correlation(pairs: impl Iterator<Item = (f32, f32)>) -> f32 {
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0f64, 0f64, 0f64, 0f64, 0f64, 0f64);
    for (x, y) in pairs {
        let (x, y) = (f64::from(x), f64::from(y));
        n += 1.0;
        sa += x;
        sb += y;
        saa += x * x;
        sbb += y * y;
        sab += x * y;
    }
    if n < 16.0 {
        return 0.0;
    }
    let va = saa - sa * sa / n;
    let vb = sbb - sb * sb / n;
    if va <= 1e-3 * n || vb <= 1e-3 * n {
        return 0.0;
    }
    ((sab - sa * sb / n) / (va * vb).sqrt()) as f32
}

/// Side of the blocks (in pixels of a 32x32 signature) for local agreement.
const BLOCK: usize = 8;
/// Fewest overlap pixels for a block to count.
const BLOCK_MIN_PX: usize = 24;
/// Standard deviation (gray levels) under which a block is flat.
const FLAT_SD: f32 = 3.0;
/// Largest difference (gray levels) between a block's mean and the globally fitted one.
const TONE_TOLERANCE: f32 = 10.0;

/// Sums per block: n, Σa, Σb, Σa², Σb², Σab.
pub(super) type BlockSums = [[f32; 6]; 16];

#[inline(always)]
pub(super) fn add_sample(s: &mut [f32; 6], x: f32, y: f32) {
    s[0] += 1.0;
    s[1] += x;
    s[2] += y;
    s[3] += x * x;
    s[4] += y * y;
    s[5] += x * y;
}

/// Side of a block in pixels of a plane of side `side`.
pub(super) fn block_side(side: usize) -> usize {
    (BLOCK * side / SIDE).max(1)
}

/// Per-block correlations over the overlap: `(mean correlation of textured blocks, share of
/// counted blocks that agree)`. `fit` maps an `a` value to the expected `b` value.
pub(super) fn blocks(a: &Plane, buf: &[(usize, f32)], fit: Option<(f32, f32)>) -> (f32, f32) {
    let block = block_side(a.side);
    let mut acc: BlockSums = [[0f32; 6]; 16];
    for &(i, v) in buf {
        let (x, y) = (i % a.side, i / a.side);
        add_sample(&mut acc[(y / block) * 4 + x / block], a.px[i], v);
    }
    block_summary(&acc, block, fit)
}

pub(super) fn block_summary(acc: &BlockSums, block: usize, fit: Option<(f32, f32)>) -> (f32, f32) {
    let min_px = (BLOCK_MIN_PX * block * block / (BLOCK * BLOCK)).max(4) as f32;
    let (mut corr_sum, mut textured, mut agree, mut counted) = (0f32, 0f32, 0f32, 0f32);
    for s in acc {
        let n = s[0];
        if n < min_px {
            continue;
        }
        counted += 1.0;
        let (ma, mb) = (s[1] / n, s[2] / n);
        let va = (s[3] / n - ma * ma).max(0.0);
        let vb = (s[4] / n - mb * mb).max(0.0);
        let flat = FLAT_SD * FLAT_SD;
        // Every block must also keep its tone under the global photometric fit: smooth areas of
        // two different photos correlate by gradient direction alone.
        let expected = fit.map_or(mb, |(gain, bias)| gain * ma + bias);
        let same_tone = (mb - expected).abs() <= TONE_TOLERANCE;
        if va >= flat && vb >= flat {
            let c = (s[5] / n - ma * mb) / (va * vb).sqrt();
            corr_sum += c;
            textured += 1.0;
            if c >= 0.7 && same_tone {
                agree += 1.0;
            }
        } else if va < flat && vb < flat && same_tone {
            agree += 1.0;
        }
    }
    let mean = if textured > 0.0 {
        corr_sum / textured
    } else {
        0.0
    };
    let share = if counted > 0.0 { agree / counted } else { 0.0 };
    (mean, share)
}

/// Search objective: global correlation blended with the mean local correlation, so a local edit
/// (a caption bar) does not pull the alignment towards a wrong crop that hides it. One fused pass
/// (this runs hundreds of times per pair).
pub(super) fn ncc_at(a: &Plane, b: &Plane, t: Transform) -> f32 {
    let block = block_side(a.side);
    // Block column of each x, looked up rather than divided per pixel (the hot loop of the
    // alignment search).
    let col: Vec<usize> = (0..a.side).map(|x| x / block).collect();
    let mut global = [0f32; 6];
    let mut acc: BlockSums = [[0f32; 6]; 16];
    let mut row = usize::MAX;
    let mut row_start = 0;
    for_each_warped(a, b, t, |i, x, y, v| {
        if y != row {
            (row, row_start) = (y, (y / block) * 4);
        }
        let av = a.px[i];
        add_sample(&mut global, av, v);
        add_sample(&mut acc[row_start + col[x]], av, v);
    });
    // Overlaps under a third of the frame say too little to align on.
    if global[0] * 3.0 < a.px.len() as f32 {
        return -1.0;
    }
    let n = f64::from(global[0]);
    let g: Vec<f64> = global.iter().map(|v| f64::from(*v)).collect();
    let va = g[3] - g[1] * g[1] / n;
    let vb = g[4] - g[2] * g[2] / n;
    let corr = if va <= 1e-3 * n || vb <= 1e-3 * n {
        0.0
    } else {
        ((g[5] - g[1] * g[2] / n) / (va * vb).sqrt()) as f32
    };
    let (local, _) = block_summary(&acc, block, None);
    0.5 * corr + 0.5 * local
}

/// Coordinate descent over (scale, x shift, y shift, degrees) from `start`: each of `steps`
/// tried both ways, a candidate (clamped by `bound`) kept when it beats the best `score` by
/// `min_gain`; when none does, all steps are halved, until the shift step is under `min_shift`
/// or after `rounds` rounds. `limits` is (rounds, min_shift, min_gain).
pub(super) fn descend(
    start: Transform,
    mut steps: [f32; 4],
    (rounds, min_shift, min_gain): (usize, f32, f32),
    bound: impl Fn(Transform) -> Transform,
    score: impl Fn(Transform) -> f32,
) -> (f32, Transform) {
    let mut best = start;
    let mut best_score = score(best);
    for _ in 0..rounds {
        let mut improved = false;
        for (k, step) in steps.iter().enumerate() {
            for sign in [-1.0f32, 1.0] {
                let mut t = best;
                match k {
                    0 => t.scale += sign * step,
                    1 => t.off_x += sign * step,
                    2 => t.off_y += sign * step,
                    _ => t.angle_deg += sign * step,
                }
                let t = bound(t);
                let s = score(t);
                if s > best_score + min_gain {
                    (best, best_score) = (t, s);
                    improved = true;
                }
            }
        }
        if !improved {
            steps.iter_mut().for_each(|s| *s *= 0.5);
            if steps[1] < min_shift {
                break;
            }
        }
    }
    (best_score, best)
}
