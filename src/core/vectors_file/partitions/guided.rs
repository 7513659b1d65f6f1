//! Assigning rows that arrive in groups of close neighbours: the rows of one partition of a
//! file being rewritten (a spill, a delta, an older base). Ranking all `sqrt(n)` centroids for
//! every row is the largest cost of rewriting a million Lite0 vectors (1M x 1,000 x 1,280
//! multiply-adds, over a minute on 2 cores); a group's rows share their nearest centroids, so
//! each is ranked among the few centroids nearest the group's mean instead.

use super::{Partitions, assign};
use crate::core::neighbours::dot;

/// Centroids each group's rows are ranked among.
const CANDIDATES: usize = 64;
/// Groups smaller than this are ranked against every centroid (as cheap as the shortlist).
const MIN_GROUP: usize = 8;

impl Partitions {
    /// The partition of each of `rows`, which lie close together (one partition of the file
    /// they are read from): each row gets the best of the [`CANDIDATES`] centroids that score
    /// best for the rows' mean. Since a centroid's score is linear in the row, the mean's score
    /// is the rows' average score: a row's own best centroid is among the mean's best unless it
    /// lies far from the group. With few centroids (or a tiny group) every centroid is ranked,
    /// as [`Self::nearest`] does.
    pub fn nearest_in_group(&self, rows: &[&[f32]]) -> std::io::Result<Vec<u32>> {
        let dim = self.dim;
        let parts = self.len();
        if parts <= 2 * CANDIDATES || rows.len() < MIN_GROUP {
            return self.nearest(rows);
        }
        if rows.iter().any(|r| r.len() < dim) {
            return Err(std::io::Error::other(
                "a vector is shorter than its dimension",
            ));
        }
        let mut mean = vec![0.0f32; dim];
        for row in rows {
            for (m, x) in mean.iter_mut().zip(&row[..dim]) {
                *m += x;
            }
        }
        let inv = 1.0 / rows.len() as f32;
        mean.iter_mut().for_each(|m| *m *= inv);
        let mut ranked: Vec<(f32, u32)> = self
            .centroids
            .chunks_exact(dim)
            .zip(&self.bias)
            .enumerate()
            .map(|(p, (c, b))| (dot(c, &mean) - b, p as u32))
            .collect();
        ranked.select_nth_unstable_by(CANDIDATES - 1, |x, y| y.0.total_cmp(&x.0));
        ranked.truncate(CANDIDATES);
        let mut centroids = Vec::with_capacity(CANDIDATES * dim);
        let mut bias = Vec::with_capacity(CANDIDATES);
        for &(_, p) in &ranked {
            let p = p as usize;
            centroids.extend_from_slice(&self.centroids[p * dim..(p + 1) * dim]);
            bias.push(self.bias[p]);
        }
        Ok(assign(rows, dim, &centroids, &bias)?
            .into_iter()
            .map(|i| ranked[i as usize].1)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream in [-0.5, 0.5).
    fn noise(seed: &mut u64) -> f32 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed >> 11) as f32 / (1u64 << 53) as f32 - 0.5
    }

    #[test]
    fn rows_of_one_group_land_where_ranking_every_centroid_puts_them() {
        // 24,000 non-negative rows (like a CNN's features) around 600 cluster centres, in 600
        // groups read cluster by cluster, as a partitioned file stores them.
        let dim = 48;
        let mut seed = 0x5EED_u64;
        let centres: Vec<Vec<f32>> = (0..600)
            .map(|_| (0..dim).map(|_| noise(&mut seed) + 0.5).collect())
            .collect();
        let rows: Vec<Vec<f32>> = (0..24_000)
            .map(|i| {
                let mut v: Vec<f32> = centres[i / 40]
                    .iter()
                    .map(|c| (c + 0.35 * noise(&mut seed)).max(0.0))
                    .collect();
                crate::core::embed::l2_normalize(&mut v);
                v
            })
            .collect();
        let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let sample: Vec<&[f32]> = refs.iter().step_by(3).copied().collect();
        let parts = Partitions::train_for(&sample, dim, refs.len()).expect("trained");
        assert!(parts.len() > 2 * CANDIDATES, "{} partitions", parts.len());
        let exact = parts.nearest(&refs).expect("assigned");
        let guided: Vec<u32> = refs
            .chunks(40)
            .flat_map(|group| parts.nearest_in_group(group).expect("assigned"))
            .collect();
        let same = exact.iter().zip(&guided).filter(|(a, b)| a == b).count();
        assert!(
            same as f64 >= 0.99 * exact.len() as f64,
            "{same} of {} rows in the same partition",
            exact.len()
        );
        // A group that is not close together still gets valid partitions.
        let mixed: Vec<&[f32]> = refs.iter().step_by(997).copied().collect();
        let mixed_parts = parts.nearest_in_group(&mixed).expect("assigned");
        assert!(mixed_parts.iter().all(|p| (*p as usize) < parts.len()));
    }
}
