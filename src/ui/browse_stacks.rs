//! Browse's stacks: each burst (photos the same camera took seconds apart that look alike, see
//! [`crate::core::bursts`]) shown as one tile, its cover, with the count of photos behind it.

use crate::core::catalog::PhotoInfo;
use std::collections::{HashMap, HashSet};

/// The bursts of the library, by photo id.
#[derive(Debug, Default, Clone)]
pub struct Stacks {
    /// Photo id → its burst.
    burst_of: HashMap<i64, usize>,
    /// Each burst's first photo (its key: stable while the burst is).
    first: Vec<i64>,
    /// Photos in each burst.
    sizes: Vec<usize>,
    /// Bursts found.
    count: usize,
}

/// What [`Stacks::collapse`] made of an order.
#[derive(Debug, Default)]
pub struct Collapsed {
    /// The order with one photo per stacked burst.
    pub order: Vec<usize>,
    /// For each stack's cover (index into the photos), the photos the stack holds.
    pub covers: HashMap<usize, usize>,
    /// For each photo of an opened burst (index into the photos), the photos of its burst.
    pub opened: HashMap<usize, usize>,
}

impl Stacks {
    /// Stacks for `bursts` (as the worker found them).
    pub fn new(bursts: &[Vec<i64>]) -> Self {
        let mut burst_of = HashMap::new();
        for (b, ids) in bursts.iter().enumerate() {
            for &id in ids {
                burst_of.insert(id, b);
            }
        }
        Self {
            burst_of,
            first: bursts
                .iter()
                .map(|b| b.first().copied().unwrap_or(0))
                .collect(),
            sizes: bursts.iter().map(Vec::len).collect(),
            count: bursts.len(),
        }
    }

    /// Number of bursts.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The key of the burst photo `id` belongs to (its first photo's id).
    pub fn burst_key(&self, id: i64) -> Option<i64> {
        self.burst_of
            .get(&id)
            .and_then(|&b| self.first.get(b))
            .copied()
    }

    /// Keep one photo of each burst in `order` (indices into `photos`, already filtered and
    /// sorted) — the first shown, which becomes the stack's cover — except the bursts whose key
    /// is in `open`, shown whole.
    pub fn collapse(
        &self,
        photos: &[PhotoInfo],
        order: Vec<usize>,
        open: &HashSet<i64>,
    ) -> Collapsed {
        let mut out = Collapsed::default();
        if self.burst_of.is_empty() {
            out.order = order;
            return out;
        }
        let mut cover_of_burst: HashMap<usize, usize> = HashMap::new();
        out.order.reserve(order.len());
        for i in order {
            let burst = photos.get(i).and_then(|p| self.burst_of.get(&p.id));
            let Some(&b) = burst else {
                out.order.push(i);
                continue;
            };
            if self.first.get(b).is_some_and(|k| open.contains(k)) {
                out.opened
                    .insert(i, self.sizes.get(b).copied().unwrap_or(1));
                out.order.push(i);
                continue;
            }
            match cover_of_burst.get(&b) {
                Some(&cover) => *out.covers.entry(cover).or_insert(1) += 1,
                None => {
                    cover_of_burst.insert(b, i);
                    out.order.push(i);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_shows_as_its_first_photo_with_a_count() {
        let photos: Vec<PhotoInfo> = (1..=6)
            .map(|id| PhotoInfo {
                id,
                ..Default::default()
            })
            .collect();
        let stacks = Stacks::new(&[vec![2, 3, 4], vec![5, 6]]);
        assert_eq!(stacks.len(), 2);
        // Newest first: 6 5 4 3 2 1 (indices 5..0).
        let none = HashSet::new();
        let c = stacks.collapse(&photos, vec![5, 4, 3, 2, 1, 0], &none);
        assert_eq!(
            c.order,
            [5, 3, 0],
            "one tile per burst, where its first shown photo was"
        );
        assert_eq!(c.covers.get(&5), Some(&2));
        assert_eq!(c.covers.get(&3), Some(&3));
        assert_eq!(c.covers.get(&0), None);
        assert!(c.opened.is_empty());
        // A filter that leaves one photo of a burst: a tile without a count.
        let c = stacks.collapse(&photos, vec![2, 0], &none);
        assert_eq!(c.order, [2, 0]);
        assert!(c.covers.is_empty());
        // An opened burst shows all its photos, each saying so.
        assert_eq!(stacks.burst_key(4), Some(2));
        let open: HashSet<i64> = [2].into();
        let c = stacks.collapse(&photos, vec![5, 4, 3, 2, 1, 0], &open);
        assert_eq!(c.order, [5, 3, 2, 1, 0]);
        assert_eq!(c.opened.get(&2), Some(&3));
        assert_eq!(c.covers.get(&5), Some(&2), "the other burst stays stacked");
    }
}
