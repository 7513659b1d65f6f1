//! What every nearest-neighbour search shares: the result type [`Neighbor`], the
//! [`NeighbourSearch`] trait (HNSW index, flat snapshot, catalog scan) and the SIMD dot product.
//! Imports nothing from the index modules, which all build on it.

/// One nearest-neighbour result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbor {
    /// Photo id.
    pub id: i64,
    /// Cosine similarity in [-1, 1].
    pub score: f32,
}

/// Anything that answers "the `k` nearest photos to this vector", best first.
pub trait NeighbourSearch {
    /// Embedder whose vectors are searched.
    fn embedder(&self) -> &str;
    /// The `k` nearest neighbours of `query`, best first.
    fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor>;
}

/// Dot product of two vectors (over the shorter length), with the widest SIMD the CPU has
/// (AVX2+FMA where present, chosen once at run time by `pulp`): the inner loop of every search.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    static ARCH: std::sync::LazyLock<pulp::Arch> = std::sync::LazyLock::new(pulp::Arch::new);
    let n = a.len().min(b.len());
    ARCH.dispatch(Dot(&a[..n], &b[..n]))
}

/// [`dot`] as a `pulp` kernel: four independent accumulators, then the scalar tail.
struct Dot<'a>(&'a [f32], &'a [f32]);

impl pulp::WithSimd for Dot<'_> {
    type Output = f32;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> f32 {
        let (a, a_tail) = S::as_simd_f32s(self.0);
        let (b, b_tail) = S::as_simd_f32s(self.1);
        let mut acc = [simd.splat_f32s(0.0); 4];
        let mut ca = a.chunks_exact(4);
        let mut cb = b.chunks_exact(4);
        for (x, y) in (&mut ca).zip(&mut cb) {
            for i in 0..4 {
                acc[i] = simd.mul_add_e_f32s(x[i], y[i], acc[i]);
            }
        }
        for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
            acc[0] = simd.mul_add_e_f32s(*x, *y, acc[0]);
        }
        let sum = simd.add_f32s(simd.add_f32s(acc[0], acc[1]), simd.add_f32s(acc[2], acc[3]));
        let mut total = simd.reduce_sum_f32s(sum);
        for (x, y) in a_tail.iter().zip(b_tail) {
            total += x * y;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_dot_matches_a_plain_sum_at_every_length() {
        for n in (0..70).chain([483, 512, 1280, 2048]) {
            let a: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
                .collect();
            let b: Vec<f32> = (0..n)
                .map(|i| ((i * 53 % 97) as f32 - 48.0) / 48.0)
                .collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(x * y)).sum();
            let got = dot(&a, &b);
            assert!(
                (f64::from(got) - plain).abs() <= 1e-4 * (1.0 + plain.abs()),
                "n={n}: {got} vs {plain}"
            );
        }
        // Different lengths: the shorter one decides.
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[1.0, 1.0]), 3.0);
    }
}
