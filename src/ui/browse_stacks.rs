//! Browse's stacks: each burst (photos the same camera took seconds apart that look alike, see
//! [`crate::core::bursts`]) shown as one tile, its cover, with the count of photos behind it.

use crate::core::catalog::PhotoInfo;
use std::collections::HashMap;

/// The bursts of the library, by photo id.
#[derive(Debug, Default, Clone)]
pub struct Stacks {
    /// Photo id → its burst.
    burst_of: HashMap<i64, usize>,
    /// Bursts found (ids in capture order).
    count: usize,
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

    /// Keep one photo of each burst in `order` (indices into `photos`, already filtered and
    /// sorted): the first shown, which becomes the stack's cover. Returns the kept order and,
    /// for each cover (index into `photos`), how many photos its stack holds.
    pub fn collapse(
        &self,
        photos: &[PhotoInfo],
        order: Vec<usize>,
    ) -> (Vec<usize>, HashMap<usize, usize>) {
        if self.burst_of.is_empty() {
            return (order, HashMap::new());
        }
        let mut cover_of_burst: HashMap<usize, usize> = HashMap::new();
        let mut sizes: HashMap<usize, usize> = HashMap::new();
        let mut kept = Vec::with_capacity(order.len());
        for i in order {
            let burst = photos.get(i).and_then(|p| self.burst_of.get(&p.id));
            match burst {
                Some(&b) => match cover_of_burst.get(&b) {
                    Some(&cover) => *sizes.entry(cover).or_insert(1) += 1,
                    None => {
                        cover_of_burst.insert(b, i);
                        kept.push(i);
                    }
                },
                None => kept.push(i),
            }
        }
        (kept, sizes)
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
        let (order, sizes) = stacks.collapse(&photos, vec![5, 4, 3, 2, 1, 0]);
        assert_eq!(
            order,
            [5, 3, 0],
            "one tile per burst, where its first shown photo was"
        );
        assert_eq!(sizes.get(&5), Some(&2));
        assert_eq!(sizes.get(&3), Some(&3));
        assert_eq!(sizes.get(&0), None);
        // A filter that leaves one photo of a burst: a tile without a count.
        let (order, sizes) = stacks.collapse(&photos, vec![2, 0]);
        assert_eq!(order, [2, 0]);
        assert!(sizes.is_empty());
    }
}
