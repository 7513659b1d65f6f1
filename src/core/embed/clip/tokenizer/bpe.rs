//! The byte-pair merge loop over symbol ids.
//!
//! The reference (`SimpleTokenizer.bpe`) repeatedly takes the lowest-ranked adjacent pair and
//! merges every occurrence of it, left to right: quadratic in the word's length. Short words run
//! exactly that. Long words (a pasted blob with no spaces) use a priority queue instead, which
//! gives the same result whenever every merge's halves exist before it and no merge result is
//! made twice (then a merge only ever creates pairs of higher rank, so the queue also finishes
//! all occurrences of one pair, left to right, before any other); the bundled vocabulary is
//! such a file, and `from_merges_gz` checks it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// Builds [`PairHasher`]s.
pub(super) type Fast = BuildHasherDefault<PairHasher>;
/// `pair(left, right)` to `(rank, id of the merged symbol)`.
pub(super) type MergeMap = HashMap<u64, (u32, u32), Fast>;

/// Words with more symbols than this use the priority queue (when the merges allow it).
const SHORT_WORD: usize = 48;

/// Packs an adjacent pair of symbol ids into a map key.
pub(super) fn pair(left: u32, right: u32) -> u64 {
    (u64::from(left) << 32) | u64::from(right)
}

/// Merges `symbols` (one word's symbol ids) in place until no adjacent pair has a rank.
/// `queue_ok` says the merges are ordered so that the priority queue is exact (module doc).
pub(super) fn merge(symbols: &mut Vec<u32>, merges: &MergeMap, queue_ok: bool) {
    if queue_ok && symbols.len() > SHORT_WORD {
        merge_queue(symbols, merges);
    } else {
        merge_reference(symbols, merges);
    }
}

/// The reference loop: lowest-ranked pair, all its occurrences left to right, again.
fn merge_reference(symbols: &mut Vec<u32>, merges: &MergeMap) {
    while symbols.len() > 1 {
        let best = symbols
            .windows(2)
            .filter_map(|w| {
                merges
                    .get(&pair(w[0], w[1]))
                    .map(|&(rank, m)| (rank, w[0], w[1], m))
            })
            .min();
        let Some((_, left, right, merged)) = best else {
            return;
        };
        let (mut read, mut write) = (0, 0);
        while let Some(&symbol) = symbols.get(read) {
            if symbol == left && symbols.get(read + 1) == Some(&right) {
                symbols[write] = merged;
                read += 2;
            } else {
                symbols[write] = symbol;
                read += 1;
            }
            write += 1;
        }
        symbols.truncate(write);
    }
}

/// Same result in O(n log n): a linked list of symbols and a queue of `(rank, position)`.
fn merge_queue(symbols: &mut Vec<u32>, merges: &MergeMap) {
    const NONE: usize = usize::MAX;
    let n = symbols.len();
    let mut next: Vec<usize> = (1..=n).map(|i| if i == n { NONE } else { i }).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| i.checked_sub(1).unwrap_or(NONE)).collect();
    let mut alive = vec![true; n];
    let rank_at = |symbols: &[u32], i: usize, j: usize| {
        let (&l, &r) = (symbols.get(i)?, symbols.get(j)?);
        merges.get(&pair(l, r)).copied()
    };
    let mut queue: BinaryHeap<Reverse<(u32, usize, usize)>> = (0..n.saturating_sub(1))
        .filter_map(|i| rank_at(symbols, i, i + 1).map(|(rank, _)| Reverse((rank, i, i + 1))))
        .collect();
    while let Some(Reverse((rank, i, j))) = queue.pop() {
        let live =
            alive.get(i) == Some(&true) && alive.get(j) == Some(&true) && next.get(i) == Some(&j);
        let Some((now, merged)) = rank_at(symbols, i, j).filter(|_| live) else {
            continue;
        };
        if now != rank {
            continue;
        }
        symbols[i] = merged;
        alive[j] = false;
        let after = next[j];
        next[i] = after;
        if let Some(p) = prev.get_mut(after) {
            *p = i;
        }
        for (a, b) in [(prev[i], i), (i, after)] {
            if let Some((r, _)) = rank_at(symbols, a, b) {
                queue.push(Reverse((r, a, b)));
            }
        }
    }
    let mut write = 0;
    for read in 0..n {
        if alive[read] {
            symbols[write] = symbols[read];
            write += 1;
        }
    }
    symbols.truncate(write);
}

/// A fast hasher for the pair keys and vocabulary strings (a 64-bit mix; no key is
/// attacker-chosen: user text never becomes a key).
#[derive(Default)]
pub(super) struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, v: u64) {
        let mut x = (self.0 ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^= x >> 29;
        self.0 = x.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (x >> 32);
    }
}

#[cfg(test)]
mod tests {
    use super::super::ClipTokenizer;
    use super::*;

    /// The queue and the reference loop agree on long words of every kind of symbol.
    #[test]
    fn queue_matches_the_reference_loop() {
        let tok = ClipTokenizer::bundled();
        assert!(tok.queue_ok);
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..300 {
            let alphabet: &[u8] = match round % 3 {
                0 => b"abcdefghijklmnopqrstuvwxyz",
                1 => b"aab",
                _ => "\u{e9}\u{4e00}\u{1f600}x".as_bytes(),
            };
            let len = 1 + (round * 7) % 400;
            let mut word: Vec<u32> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    tok.byte_id[usize::from(alphabet[(seed % alphabet.len() as u64) as usize])]
                })
                .collect();
            if let Some(last) = word.last_mut() {
                *last += 256;
            }
            let (mut a, mut b) = (word.clone(), word);
            merge_reference(&mut a, &tok.merges);
            merge_queue(&mut b, &tok.merges);
            assert_eq!(a, b, "round {round}");
        }
    }
}
