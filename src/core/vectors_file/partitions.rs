//! The partitions of a large flat snapshot (`vectors.bin` version 3): unit-length centroids
//! trained by spherical k-means, and the range of rows each one holds (the file stores its rows
//! grouped by partition). A query ranks the centroids and scans only the rows of the best few
//! (see [`crate::core::flat_index`]).
//!
//! Training runs a few Lloyd iterations on an evenly spread sample, then assigns every row to
//! its best centroid; both steps are matrix products (candle's CPU `matmul`, on all cores).
//!
//! The rows are clustered around their *mean*: a partition is chosen by the cosine of a row's
//! difference from the mean with the centroid. A CNN's pooled features are all non-negative and
//! share one strong common direction; clustered as they are, one centroid took 47 % of a
//! million such vectors and a query scanned half the library. Centred, the partitions keep
//! about `sqrt(n)` rows each. Rows spread around the origin (mean shorter than [`SHARED`]) are
//! clustered as they are. (Version 3 files have no mean: it is zero for them.)

use candle_core::{D, Device, Tensor};
use std::ops::Range;

/// Lloyd iterations on the sample.
const ITERATIONS: usize = 10;
/// Sample rows per partition for training.
const SAMPLE_PER_PARTITION: usize = 40;
/// Rows per partition that k-means++ draws the starting centroids from.
const SEED_PER_PARTITION: usize = 8;
/// Most rows a reused partition may hold, in multiples of the mean (see [`Partitions::balanced`]).
const MAX_SKEW: usize = 8;
/// Length of the rows' mean from which they are clustered around it (see [`shared_direction`]).
const SHARED: f32 = 0.5;
/// Rows per matrix product when assigning rows to centroids.
const BLOCK: usize = 8192;

/// Centroids and the row range of each partition.
#[derive(Debug, Clone, PartialEq)]
pub struct Partitions {
    dim: usize,
    centroids: Vec<f32>,
    offsets: Vec<usize>,
    /// The rows' mean the centroids are taken around (zero: none).
    mean: Vec<f32>,
    /// Each centroid's dot product with `mean`.
    bias: Vec<f32>,
}

/// How many partitions a snapshot of `count` vectors gets: about `sqrt(count)`.
pub fn partition_count(count: usize) -> usize {
    ((count as f64).sqrt().round() as usize).clamp(1, count.max(1))
}

impl Partitions {
    /// Partitions from stored parts: `centroids` (`dim` each) and `offsets` (one more than
    /// centroids, from 0 rising to `count`). `None` when they do not describe `count` rows.
    pub fn new(dim: usize, centroids: Vec<f32>, offsets: Vec<usize>, count: usize) -> Option<Self> {
        let parts = offsets.len().checked_sub(1)?;
        let valid = dim > 0
            && parts > 0
            && centroids.len() == parts * dim
            && offsets.first() == Some(&0)
            && offsets.last() == Some(&count)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && centroids.iter().all(|x| x.is_finite());
        let parts_bias = vec![0.0; parts];
        valid.then_some(Self {
            dim,
            centroids,
            offsets,
            mean: vec![0.0; dim],
            bias: parts_bias,
        })
    }

    /// These partitions with their centroids taken around `mean` (as stored in a version 4
    /// file); `None` when it is not `dim` finite values.
    pub fn with_mean(mut self, mean: Vec<f32>) -> Option<Self> {
        if mean.len() != self.dim || !mean.iter().all(|x| x.is_finite()) {
            return None;
        }
        self.bias = self
            .centroids
            .chunks_exact(self.dim)
            .map(|c| crate::core::neighbours::dot(c, &mean))
            .collect();
        self.mean = mean;
        Some(self)
    }

    /// The mean the centroids are taken around.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// Each centroid's dot product with [`Self::mean`]: a row `x` belongs to the partition
    /// whose `centroid · x - bias` is largest.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }

    /// Train `partition_count(rows.len())` partitions over `rows` (each at least `dim` long).
    /// Returns them and the order to store the rows in: row indices grouped by partition,
    /// ascending within each.
    pub fn train(rows: &[&[f32]], dim: usize) -> std::io::Result<(Self, Vec<usize>)> {
        let n = rows.len();
        let parts = partition_count(n);
        let sample_len = n.min(parts * SAMPLE_PER_PARTITION);
        let picked: Vec<&[f32]> = (0..sample_len).map(|i| rows[i * n / sample_len]).collect();
        let (centroids, mean, bias) = Self::centroids_for(&picked, dim, parts);
        Self::grouped(rows, dim, centroids, mean, bias)
    }

    /// How many rows, evenly spread, [`Self::train_for`] wants to train partitions for `count`
    /// rows.
    pub fn sample_len(count: usize) -> usize {
        count.min(partition_count(count) * SAMPLE_PER_PARTITION)
    }

    /// Partitions for `count` rows trained on `sample` (about [`Self::sample_len`] of them,
    /// evenly spread), holding no rows yet (see [`Self::with_counts`]): what a streaming
    /// rewrite trains when the rows do not fit in memory.
    pub fn train_for(sample: &[&[f32]], dim: usize, count: usize) -> std::io::Result<Self> {
        if dim == 0 || sample.is_empty() || sample.iter().any(|r| r.len() < dim) {
            return Err(std::io::Error::other("no rows to train partitions on"));
        }
        let parts = partition_count(count).min(sample.len());
        let (centroids, mean, bias) = Self::centroids_for(sample, dim, parts);
        Ok(Self {
            dim,
            centroids,
            offsets: vec![0; parts + 1],
            mean,
            bias,
        })
    }

    /// `parts` centroids by spherical k-means over `picked` (centred on their shared
    /// direction, if any), with that mean and each centroid's bias.
    fn centroids_for(
        picked: &[&[f32]],
        dim: usize,
        parts: usize,
    ) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let sample_len = picked.len();
        let mean = shared_direction(mean_of(picked, dim));
        let centred: Vec<Vec<f32>> = picked.iter().map(|r| centre(r, &mean, dim)).collect();
        let sample: Vec<&[f32]> = centred.iter().map(Vec::as_slice).collect();
        let seed_len = sample_len.min(parts * SEED_PER_PARTITION);
        let seed_rows: Vec<&[f32]> = (0..seed_len)
            .map(|i| sample[i * sample_len / seed_len])
            .collect();
        let mut centroids = seeds(&seed_rows, dim, parts);
        for iteration in 0..ITERATIONS {
            let Ok(nearest) = assign(&sample, dim, &centroids, &vec![0.0; parts]) else {
                break;
            };
            let mut sums = vec![0f64; parts * dim];
            let mut sizes = vec![0usize; parts];
            for (row, &c) in sample.iter().zip(&nearest) {
                let c = c as usize;
                sizes[c] += 1;
                for (s, x) in sums[c * dim..(c + 1) * dim].iter_mut().zip(row.iter()) {
                    *s += f64::from(*x);
                }
            }
            for (j, size) in sizes.iter().enumerate() {
                let centroid = &mut centroids[j * dim..(j + 1) * dim];
                if *size == 0 {
                    // An empty partition restarts at some sample row.
                    let seed = (iteration * parts + j) as u64 + 0x5EED;
                    centroid.copy_from_slice(&sample[pick(seed, sample_len)][..dim]);
                    continue;
                }
                let sum = &sums[j * dim..(j + 1) * dim];
                let norm = sum.iter().map(|x| x * x).sum::<f64>().sqrt();
                if norm > 0.0 {
                    for (c, s) in centroid.iter_mut().zip(sum) {
                        *c = (s / norm) as f32;
                    }
                }
            }
        }
        let bias = centroids
            .chunks_exact(dim)
            .map(|c| crate::core::neighbours::dot(c, &mean))
            .collect();
        (centroids, mean, bias)
    }

    /// These partitions' centroids for `rows` (a snapshot rewritten with some rows added or
    /// removed): every row assigned to its best centroid, without training again. Returns the
    /// new partitions and the order to store the rows in, as [`Self::train`].
    pub fn reassign(&self, rows: &[&[f32]]) -> std::io::Result<(Self, Vec<usize>)> {
        Self::grouped(
            rows,
            self.dim,
            self.centroids.clone(),
            self.mean.clone(),
            self.bias.clone(),
        )
    }

    /// The partition each of `rows` belongs to (the centroid with the largest
    /// `centroid · row - bias`), without grouping them: what a streaming rewrite assigns block
    /// by block.
    pub fn nearest(&self, rows: &[&[f32]]) -> std::io::Result<Vec<u32>> {
        if rows.iter().any(|r| r.len() < self.dim) {
            return Err(std::io::Error::other(
                "a vector is shorter than its dimension",
            ));
        }
        assign(rows, self.dim, &self.centroids, &self.bias)
    }

    /// These centroids holding `counts[p]` rows in partition `p` (`None` when `counts` has
    /// not one entry per partition).
    pub fn with_counts(&self, counts: &[usize]) -> Option<Self> {
        if counts.len() != self.len() {
            return None;
        }
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        offsets.push(0);
        for c in counts {
            offsets.push(offsets.last().copied().unwrap_or(0) + c);
        }
        Some(Self {
            offsets,
            ..self.clone()
        })
    }

    /// Whether a snapshot of `count` rows may keep these centroids instead of training new
    /// ones: while the partition count it would train lies within 1.5 times theirs (the
    /// library within about 2.25 times the size they were trained for), so a partition keeps
    /// about `sqrt(count)` rows.
    pub fn fits(&self, count: usize) -> bool {
        let trained = partition_count(count);
        trained * 2 <= self.len() * 3 && self.len() * 2 <= trained * 3
    }

    /// Whether the rows are spread evenly enough that a query's probe stays cheap: no
    /// partition holds more than [`MAX_SKEW`] times the mean (new photos unlike the ones the
    /// centroids were trained on pile into a few partitions; then it is time to train again).
    pub fn balanced(&self) -> bool {
        let rows = self.offsets.last().copied().unwrap_or(0);
        let largest = self
            .offsets
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0);
        largest <= (rows / self.len().max(1)).max(1) * MAX_SKEW
    }

    /// Partitions of `rows` around `centroids`, and the rows' storage order.
    fn grouped(
        rows: &[&[f32]],
        dim: usize,
        centroids: Vec<f32>,
        mean: Vec<f32>,
        bias: Vec<f32>,
    ) -> std::io::Result<(Self, Vec<usize>)> {
        let n = rows.len();
        let nearest = assign(rows, dim, &centroids, &bias)?;
        let parts = bias.len();
        let mut offsets = vec![0usize; parts + 1];
        for &c in &nearest {
            offsets[c as usize + 1] += 1;
        }
        for j in 0..parts {
            offsets[j + 1] += offsets[j];
        }
        let mut next = offsets.clone();
        let mut order = vec![0usize; n];
        for (row, &c) in nearest.iter().enumerate() {
            order[next[c as usize]] = row;
            next[c as usize] += 1;
        }
        Ok((
            Self {
                dim,
                centroids,
                offsets,
                mean,
                bias,
            },
            order,
        ))
    }

    /// Number of partitions.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are none (never, for a valid value).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The concatenated centroids.
    pub fn centroids(&self) -> &[f32] {
        &self.centroids
    }

    /// Where each partition's rows start, then the row count.
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// The rows of partition `p`.
    pub fn rows(&self, p: usize) -> Range<usize> {
        self.offsets[p]..self.offsets[p + 1]
    }

    /// Partitions by their centroid's similarity to `query`, best first, with that similarity.
    ///
    /// The similarity is the cosine of the query's difference from [`Self::mean`] with the
    /// centroid (a plain cosine when there is no mean).
    pub fn scored(&self, query: &[f32]) -> Vec<(f32, usize)> {
        let norm = query
            .iter()
            .zip(&self.mean)
            .map(|(q, m)| (q - m) * (q - m))
            .sum::<f32>()
            .sqrt();
        let inv = if norm > 0.0 { 1.0 / norm } else { 1.0 };
        let mut scored: Vec<(f32, usize)> = self
            .centroids
            .chunks_exact(self.dim)
            .zip(&self.bias)
            .map(|(c, b)| (crate::core::neighbours::dot(c, query) - b) * inv)
            .zip(0..)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
    }

    /// Partitions by their centroid's similarity to `query`, best first.
    pub fn ranked(&self, query: &[f32]) -> Vec<usize> {
        self.scored(query).into_iter().map(|(_, p)| p).collect()
    }
}

/// A deterministic pseudo-random number for `seed` (splitmix64).
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic pseudo-random index below `len` for `seed`.
fn pick(seed: u64, len: usize) -> usize {
    (mix(seed) % len.max(1) as u64) as usize
}

/// `parts` starting centroids drawn from `sample` by k-means++ (each next one a row drawn with
/// probability growing with its distance from the nearest centroid so far), so that separate
/// clusters get separate centroids and few partitions start empty.
fn seeds(sample: &[&[f32]], dim: usize, parts: usize) -> Vec<f32> {
    use rayon::prelude::*;
    let dot = crate::core::neighbours::dot;
    let mut centroids = Vec::with_capacity(parts * dim);
    let first = sample[pick(0, sample.len())];
    centroids.extend_from_slice(&first[..dim]);
    // Distance of each row to its nearest centroid so far, as 1 - cosine (rows are unit).
    let mut far: Vec<f64> = sample
        .par_iter()
        .map(|r| f64::from(1.0 - dot(&r[..dim], &first[..dim])).max(0.0))
        .collect();
    for j in 1..parts {
        let total: f64 = far.iter().sum();
        let chosen = if total > 0.0 {
            let mut target = (mix(j as u64) >> 11) as f64 / (1u64 << 53) as f64 * total;
            far.iter()
                .position(|d| {
                    target -= d;
                    target < 0.0
                })
                .unwrap_or(sample.len() - 1)
        } else {
            pick(j as u64, sample.len())
        };
        let c = &sample[chosen][..dim];
        centroids.extend_from_slice(c);
        far.par_iter_mut()
            .zip(sample.par_iter())
            .for_each(|(d, r)| {
                *d = d.min(f64::from(1.0 - dot(&r[..dim], c)).max(0.0));
            });
    }
    centroids
}

/// The mean of `rows` (their first `dim` values).
fn mean_of(rows: &[&[f32]], dim: usize) -> Vec<f32> {
    let mut sum = vec![0f64; dim];
    for r in rows {
        for (s, x) in sum.iter_mut().zip(&r[..dim]) {
            *s += f64::from(*x);
        }
    }
    let n = rows.len().max(1) as f64;
    sum.into_iter().map(|s| (s / n) as f32).collect()
}

/// Centring pays only when the rows share one direction: `mean` when its length is at least
/// [`SHARED`] (unit rows in a narrow cone: a CNN's pooled features), zeros otherwise (rows spread
/// around the origin, which plain cosines partition well).
fn shared_direction(mean: Vec<f32>) -> Vec<f32> {
    let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm >= SHARED {
        mean
    } else {
        vec![0.0; mean.len()]
    }
}

/// `row - mean`, scaled to unit length (left as it is when it is all zero).
fn centre(row: &[f32], mean: &[f32], dim: usize) -> Vec<f32> {
    let mut v: Vec<f32> = row[..dim].iter().zip(mean).map(|(x, m)| x - m).collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// The index of the centroid with the largest `centroid · row - bias`, for each row.
fn assign(
    rows: &[&[f32]],
    dim: usize,
    centroids: &[f32],
    bias: &[f32],
) -> std::io::Result<Vec<u32>> {
    let parts = bias.len();
    let run = || -> candle_core::Result<Vec<u32>> {
        let cpu = Device::Cpu;
        let c = Tensor::from_slice(centroids, (parts, dim), &cpu)?
            .t()?
            .contiguous()?;
        let b = Tensor::from_slice(bias, parts, &cpu)?;
        let mut out = Vec::with_capacity(rows.len());
        let mut block = Vec::with_capacity(BLOCK.min(rows.len()) * dim);
        for chunk in rows.chunks(BLOCK) {
            block.clear();
            for row in chunk {
                block.extend_from_slice(&row[..dim]);
            }
            let x = Tensor::from_slice(&block, (chunk.len(), dim), &cpu)?;
            out.extend(
                x.matmul(&c)?
                    .broadcast_sub(&b)?
                    .argmax(D::Minus1)?
                    .to_vec1::<u32>()?,
            );
        }
        Ok(out)
    };
    run().map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_stored_in_the_partition_ranked_first_for_it_and_bad_offsets_are_refused() {
        let dim = 8;
        // 400 rows around 20 well-separated directions.
        let rows: Vec<Vec<f32>> = (0..400)
            .map(|i| {
                let mut v = vec![0.01 * ((i * 7 % 13) as f32 - 6.0); dim];
                v[(i % 20) % dim] += if i % 20 < dim { 1.0 } else { -1.0 };
                v[(i % 20 + 3) % dim] += if i % 20 < 2 * dim { 0.5 } else { -0.5 };
                crate::core::embed::l2_normalize(&mut v);
                v
            })
            .collect();
        let refs: Vec<&[f32]> = rows.iter().map(|v| v.as_slice()).collect();
        let (parts, order) = Partitions::train(&refs, dim).expect("train");
        assert_eq!(parts.len(), 20);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..400).collect::<Vec<_>>(), "every row once");
        // Each row's own partition is the best-ranked one for it.
        for p in 0..parts.len() {
            for &row in &order[parts.rows(p)] {
                assert_eq!(parts.ranked(&rows[row])[0], p);
            }
        }
        let again = Partitions::new(
            dim,
            parts.centroids().to_vec(),
            parts.offsets().to_vec(),
            400,
        )
        .and_then(|p| p.with_mean(parts.mean().to_vec()));
        assert_eq!(again.as_ref(), Some(&parts));
        let mut bad = parts.offsets().to_vec();
        bad[1] = 401;
        assert!(Partitions::new(dim, parts.centroids().to_vec(), bad, 400).is_none());
        let centroids = parts.centroids().to_vec();
        assert!(Partitions::new(dim, centroids, parts.offsets().to_vec(), 401).is_none());

        // A rewrite with more rows keeps the centroids and still files every row under its
        // best one, while the size fits them; the size four times over needs new ones.
        let more: Vec<&[f32]> = refs.iter().chain(refs.iter().take(200)).copied().collect();
        assert!(parts.fits(more.len()));
        let (kept, order) = parts.reassign(&more).expect("reassign");
        assert_eq!(kept.centroids(), parts.centroids());
        assert_eq!(kept.offsets().last(), Some(&600));
        assert!(kept.balanced());
        for p in 0..kept.len() {
            for &row in &order[kept.rows(p)] {
                assert_eq!(kept.ranked(more[row])[0], p);
            }
        }
        assert!(!parts.fits(1600));
        // Rows piled into one partition (new photos unlike the old ones) call for training.
        let piled: Vec<&[f32]> = std::iter::repeat_n(refs[0], 400).collect();
        assert!(!parts.reassign(&piled).expect("reassign").0.balanced());
    }

    #[test]
    fn non_negative_vectors_sharing_one_direction_are_spread_evenly() {
        // Like a CNN's pooled features: every value positive, a strong common part, and
        // 100 groups that differ by a little on top of it.
        let dim = 64;
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f32 / (1u64 << 53) as f32
        };
        let groups: Vec<Vec<f32>> = (0..100)
            .map(|_| (0..dim).map(|_| 0.3 * rnd()).collect())
            .collect();
        let rows: Vec<Vec<f32>> = (0..4000)
            .map(|i| {
                let mut v: Vec<f32> = groups[i % 100]
                    .iter()
                    .map(|g| 1.0 + g + 0.05 * rnd())
                    .collect();
                let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.iter_mut().for_each(|x| *x /= n);
                v
            })
            .collect();
        let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let (parts, order) = Partitions::train(&refs, dim).expect("train");
        let largest = (0..parts.len())
            .map(|p| parts.rows(p).len())
            .max()
            .unwrap_or(0);
        assert!(
            largest * parts.len() <= 4000 * 4,
            "largest partition {largest} of 4000 rows in {}",
            parts.len()
        );
        for p in 0..parts.len() {
            for &row in &order[parts.rows(p)] {
                assert_eq!(
                    parts.ranked(refs[row])[0],
                    p,
                    "a query finds a row's partition"
                );
            }
        }
    }
}
