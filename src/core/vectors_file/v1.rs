//! Version 1 of `vectors.bin` (ids, then full `f32` vectors; see the parent module), still read
//! so that data dirs written before version 2 open.

use super::{HEADER, MAGIC_V1};

/// Encode live `(id, vector)` pairs of dimension `dim` as a version 1 file (what data dirs
/// written before version 2 hold; kept to prove they still open).
pub fn encode_v1(dim: usize, items: &[(i64, &[f32])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + items.len() * (8 + 4 * dim));
    out.extend_from_slice(MAGIC_V1);
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

/// The photo ids and the concatenated vectors of a version 1 file of dimension `dim`; `None`
/// when the bytes are not such a file (wrong magic, dimension or length).
pub fn decode_v1(dim: usize, bytes: &[u8]) -> Option<(Vec<i64>, Vec<f32>)> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC_V1 {
        return None;
    }
    let file_dim = u32::from_le_bytes(bytes[8..12].try_into().ok()?) as usize;
    let count = usize::try_from(u64::from_le_bytes(bytes[12..20].try_into().ok()?)).ok()?;
    let expected = count.checked_mul(8 + 4 * dim)?.checked_add(HEADER)?;
    if file_dim != dim || bytes.len() != expected {
        return None;
    }
    let (id_bytes, vec_bytes) = bytes[HEADER..].split_at(count * 8);
    let ids = super::i64s_le(id_bytes);
    let vectors = super::f32s_le(vec_bytes);
    Some((ids, vectors))
}
