//! The flat snapshot's exact search and its refusal of damaged files.

use super::*;

#[test]
fn exact_search_over_a_snapshot_and_damaged_files_are_refused() {
    let dim = 5;
    let vecs: Vec<(i64, Vec<f32>)> = (0..9000)
        .map(|i| {
            let mut v: Vec<f32> = (0..dim)
                .map(|d| ((i * 31 + d * 7) % 17) as f32 - 8.0)
                .collect();
            crate::core::embed::l2_normalize(&mut v);
            (i as i64 * 3 + 1, v)
        })
        .collect();
    let items: Vec<(i64, &[f32])> = vecs.iter().map(|(i, v)| (*i, v.as_slice())).collect();
    let tmp = tempfile::tempdir().expect("tmp");
    let v2 = tmp.path().join(FILE);
    let hash = vectors_file::write(&v2, dim, &items).expect("write");
    let v1 = tmp.path().join("old.bin");
    let old = vectors_file::encode_v1(dim, &items);
    std::fs::write(&v1, &old).expect("write v1");
    let old_hash = blake3::hash(&old).to_hex().to_string();
    let q = &vecs[4321].1;
    let mut exact: Vec<(f32, i64)> = vecs.iter().map(|(i, v)| (dot(v, q), *i)).collect();
    exact.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (path, hash, on_disk) in [(&v2, &hash, true), (&v1, &old_hash, false)] {
        let loaded = vectors_file::read(path, dim, hash).expect("reads");
        let flat = FlatIndex::from_loaded("e", dim, loaded).expect("decodes");
        assert_eq!(flat.len(), 9000);
        assert_eq!(flat.is_quantized_on_disk(), on_disk);
        let got = flat.search(q, 5);
        assert_eq!(got.len(), 5);
        // Same order as brute force (ties by id), same scores.
        for (g, e) in got.iter().zip(&exact) {
            assert_eq!(g.id, e.1);
            assert!((g.score - e.0).abs() < 1e-6, "{g:?} vs {e:?}");
        }
        assert!(flat.search(&[1.0, 0.0], 3).is_empty(), "wrong dimension");
        assert!(vectors_file::read(path, dim + 1, hash).is_none());
        assert!(vectors_file::read(path, dim, "0000").is_none());
    }
    // A cut file and a damaged head are refused.
    let bytes = std::fs::read(&v2).expect("read");
    std::fs::write(&v2, &bytes[..bytes.len() - 1]).expect("cut");
    assert!(vectors_file::read(&v2, dim, &hash).is_none());
    let mut damaged = bytes.clone();
    damaged[30] ^= 1;
    std::fs::write(&v2, &damaged).expect("damage");
    assert!(vectors_file::read(&v2, dim, &hash).is_none());
    // A damaged full vector (past the checksummed head) is not trusted: its score falls
    // back to the code's approximation, never the damaged value.
    let mut damaged = bytes;
    let last = damaged.len() - 4;
    damaged[last..].copy_from_slice(&10.0f32.to_le_bytes());
    std::fs::write(&v2, &damaged).expect("damage");
    let flat = FlatIndex::from_loaded(
        "e",
        dim,
        vectors_file::read(&v2, dim, &hash).expect("head ok"),
    )
    .expect("decodes");
    let own = &vecs[8999].1;
    let top = flat.search(own, 1);
    assert!(top[0].score <= 1.01, "{top:?}");
}
