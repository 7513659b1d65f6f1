//! The `vectors.bin` file format: every live vector of one embedder, flat and sorted by photo
//! id, written into each HNSW dump folder by [`crate::core::index`] and searched exactly by
//! [`crate::core::flat_index`]. Imports neither.

/// File name inside a dump folder.
pub const FILE: &str = "vectors.bin";
const MAGIC: &[u8; 8] = b"LKVECS01";
const HEADER: usize = 8 + 4 + 8;

/// Encode live `(id, vector)` pairs of dimension `dim`.
pub fn encode(dim: usize, items: &[(i64, &[f32])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + items.len() * (8 + 4 * dim));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(dim as u32).to_le_bytes());
    out.extend_from_slice(&(items.len() as u64).to_le_bytes());
    for (id, _) in items {
        out.extend_from_slice(&id.to_le_bytes());
    }
    for (_, v) in items {
        for x in v.iter() {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out
}

/// The photo ids and the concatenated vectors of an encoded file of dimension `dim`; `None`
/// when the bytes are not such a file (wrong magic, dimension or length).
pub fn decode(dim: usize, bytes: &[u8]) -> Option<(Vec<i64>, Vec<f32>)> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return None;
    }
    let file_dim = u32::from_le_bytes(bytes[8..12].try_into().ok()?) as usize;
    let count = usize::try_from(u64::from_le_bytes(bytes[12..20].try_into().ok()?)).ok()?;
    let expected = count.checked_mul(8 + 4 * dim)?.checked_add(HEADER)?;
    if file_dim != dim || bytes.len() != expected {
        return None;
    }
    let (id_bytes, vec_bytes) = bytes[HEADER..].split_at(count * 8);
    let ids = id_bytes
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect();
    let vectors = vec_bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap_or([0; 4])))
        .collect();
    Some((ids, vectors))
}
