//! The `vectors.bin` file format: every live vector of one embedder, sorted by photo id, written
//! into each HNSW dump folder by [`crate::core::index`] and searched by
//! [`crate::core::flat_index`]. Imports neither.
//!
//! Version 2 (`LKVECS02`, written since the "million photos" work) puts a small *head* first —
//! the photo ids, and each vector scalar-quantized to one signed byte per dimension with its own
//! scale — and the full-precision vectors after it:
//!
//! ```text
//! magic "LKVECS02" | dim u32 | count u64 | ids i64 x count | scales f32 x count
//!   | codes i8 x (count * dim) | vectors f32 x (count * dim)          (all little-endian)
//! ```
//!
//! A reader loads and checksums only the head (a quarter of the file plus the ids), scans the
//! codes, and reads the few full vectors it re-ranks one by one; each such row is checked
//! against its code (see [`row_matches_code`]). The manifest's checksum of a version 2 file
//! covers the head only ([`head_len`]). Version 1 (`LKVECS01`: ids then f32 vectors, checksum
//! over the whole file) is still read, so a data dir written before opens unchanged; the next
//! save writes version 2.
//!
//! Version 3 (`LKVECS03`, from [`PARTITION_FROM`] vectors on) is version 2 with the rows grouped
//! by partition (see [`Partitions`]) and a partition block between the header and the ids:
//!
//! ```text
//! magic "LKVECS03" | dim u32 | count u64 | parts u32 | offsets u64 x (parts + 1)
//!   | centroids f32 x (parts * dim) | ids | scales | codes | vectors      (as in version 2)
//! ```
//!
//! Its head (checksummed) runs from the magic to the last code. A build that knows only
//! versions 1 and 2 refuses a version 3 file and answers from the graph.
//!
//! Version 4 (`LKVECS04`, written instead of version 3 since the large-library work) adds a
//! BLAKE3 hash of each partition's codes after the centroids, and its checksummed head ends
//! with the scales:
//!
//! ```text
//! magic "LKVECS04" | dim u32 | count u64 | parts u32 | offsets u64 x (parts + 1)
//!   | centroids f32 x (parts * dim) | mean f32 x dim | code hashes [u8; 32] x parts
//!   | ids | scales
//!   | codes (grouped by partition) | vectors
//! ```
//!
//! A reader then loads the head (12 bytes a photo, plus the centroids) and reads and verifies a
//! partition's codes the first time a query probes it: a one-shot query at 1M photos reads a
//! tenth of the codes instead of all of them.

mod merge;
mod partitions;
mod v1;

pub use merge::{MergeSource, ReadRows, write_merged};
pub use partitions::{Partitions, partition_count};
use std::io::Write;
use std::path::Path;
pub use v1::{decode_v1, encode_v1};

/// File name inside a dump folder.
pub const FILE: &str = "vectors.bin";
const MAGIC_V1: &[u8; 8] = b"LKVECS01";
const MAGIC_V2: &[u8; 8] = b"LKVECS02";
const MAGIC_V3: &[u8; 8] = b"LKVECS03";
const MAGIC_V4: &[u8; 8] = b"LKVECS04";
/// From how many vectors a snapshot is written partitioned (version 3).
pub const PARTITION_FROM: usize = 200_000;
const HEADER: usize = 8 + 4 + 8;

/// Scalar-quantize `v` into `out` (same length): each value becomes `round(x / scale)` in
/// -127..=127 with `scale = max|x| / 127`. Returns the scale (0 for an all-zero vector).
pub fn quantize(v: &[f32], out: &mut [i8]) -> f32 {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if max == 0.0 || !max.is_finite() {
        out.iter_mut().for_each(|c| *c = 0);
        return 0.0;
    }
    let scale = max / 127.0;
    let inv = 127.0 / max;
    for (c, x) in out.iter_mut().zip(v) {
        *c = (x * inv).round().clamp(-127.0, 127.0) as i8;
    }
    scale
}

/// Whether the full vector `row` quantizes to exactly `code` with `scale`: the per-row
/// integrity check of the part of a version 2 file that is not checksummed when it is opened.
pub fn row_matches_code(row: &[f32], code: &[i8], scale: f32) -> bool {
    let mut again = vec![0i8; row.len()];
    quantize(row, &mut again) == scale && again == code
}

/// Dot product of two codes (exact in `i32`: at most 127 * 127 * len), compiled for the
/// widest SIMD the CPU has (chosen once at run time by `pulp`, as for the `f32` dot product):
/// the inner loop of a snapshot scan.
#[inline]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    static ARCH: std::sync::LazyLock<pulp::Arch> = std::sync::LazyLock::new(pulp::Arch::new);
    ARCH.dispatch(DotI8(a, b))
}

/// [`dot_i8`] as a `pulp` kernel: plain code that the compiler vectorises for the target
/// features `pulp` enables (AVX2 where present: 2.3x the baseline's speed).
struct DotI8<'a>(&'a [i8], &'a [i8]);

impl pulp::WithSimd for DotI8<'_> {
    type Output = i32;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> i32 {
        const LANES: usize = 32;
        let mut acc = [0i32; LANES];
        let mut ca = self.0.chunks_exact(LANES);
        let mut cb = self.1.chunks_exact(LANES);
        for (x, y) in (&mut ca).zip(&mut cb) {
            for i in 0..LANES {
                acc[i] += i32::from(x[i]) * i32::from(y[i]);
            }
        }
        let tail: i32 = ca
            .remainder()
            .iter()
            .zip(cb.remainder())
            .map(|(x, y)| i32::from(*x) * i32::from(*y))
            .sum();
        acc.iter().sum::<i32>() + tail
    }
}

/// Little-endian `f32` values of `bytes` (a length not a multiple of 4 drops the rest).
pub(crate) fn f32s_le(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Little-endian `i64` values of `bytes` (a length not a multiple of 8 drops the rest).
pub(crate) fn i64s_le(bytes: &[u8]) -> Vec<i64> {
    bytes
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect()
}

/// Bytes of a version 2 file's head (header, ids, scales, codes): what its checksum covers (a
/// version 3 file's head is longer by its partition block).
pub fn head_len(dim: usize, count: usize) -> Option<usize> {
    count.checked_mul(8 + 4 + dim)?.checked_add(HEADER)
}

/// Bytes of a version 3 file's partition block (count, offsets, centroids).
fn partition_block_len(dim: usize, parts: usize) -> Option<usize> {
    let offsets = parts.checked_add(1)?.checked_mul(8)?;
    parts
        .checked_mul(4 * dim)?
        .checked_add(offsets)?
        .checked_add(4)
}

/// Write live `(id, vector)` pairs of dimension `dim` to `path`, atomically (a temporary file
/// beside it, synced, then renamed), without holding the encoded file in memory: a version 3
/// (partitioned) file from [`PARTITION_FROM`] vectors on, a version 2 file below. Returns the
/// checksum (blake3 hex) of its head, for the manifest.
pub fn write(path: &Path, dim: usize, items: &[(i64, &[f32])]) -> std::io::Result<String> {
    write_with(path, dim, items, PARTITION_FROM, None)
}

/// [`write`] with the size from which the file is partitioned (`usize::MAX`: never), and the
/// partitions of the snapshot it replaces: their centroids are kept (rows only assigned to
/// them, no training) while they [fit](Partitions::fits) the new size and stay
/// [balanced](Partitions::balanced).
pub fn write_with(
    path: &Path,
    dim: usize,
    items: &[(i64, &[f32])],
    partition_from: usize,
    previous: Option<&Partitions>,
) -> std::io::Result<String> {
    use rayon::prelude::*;
    let partitioned = if dim > 0 && items.len() >= partition_from.max(1) {
        let rows: Vec<&[f32]> = items.iter().map(|(_, v)| &v[..dim.min(v.len())]).collect();
        if rows.iter().any(|r| r.len() < dim) {
            return Err(std::io::Error::other(
                "a vector is shorter than its dimension",
            ));
        }
        let reused = match previous {
            Some(p) if p.fits(rows.len()) => {
                Some(p.reassign(&rows)?).filter(|(parts, _)| parts.balanced())
            }
            _ => None,
        };
        match reused {
            Some(found) => Some(found),
            None => Some(Partitions::train(&rows, dim)?),
        }
    } else {
        None
    };
    let order: Vec<usize> = match &partitioned {
        Some((_, order)) => order.clone(),
        None => (0..items.len()).collect(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{FILE}.{}.tmp", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        let mut hasher = blake3::Hasher::new();
        let mut put = |bytes: &[u8], hashed: bool| -> std::io::Result<()> {
            if hashed {
                hasher.update(bytes);
            }
            out.write_all(bytes)
        };
        let magic = if partitioned.is_some() {
            MAGIC_V4
        } else {
            MAGIC_V2
        };
        let mut codes = vec![0i8; items.len() * dim];
        let scales: Vec<f32> = codes
            .par_chunks_mut(dim.max(1))
            .zip(order.par_iter())
            .map(|(c, &i)| {
                let v = items[i].1;
                quantize(&v[..dim.min(v.len())], c)
            })
            .collect();
        let code_bytes: Vec<u8> = codes.into_iter().map(|c| c.to_le_bytes()[0]).collect();
        put(magic, true)?;
        put(&(dim as u32).to_le_bytes(), true)?;
        put(&(items.len() as u64).to_le_bytes(), true)?;
        if let Some((parts, _)) = &partitioned {
            put(&(parts.len() as u32).to_le_bytes(), true)?;
            for o in parts.offsets() {
                put(&(*o as u64).to_le_bytes(), true)?;
            }
            for x in parts.centroids().iter().chain(parts.mean()) {
                put(&x.to_le_bytes(), true)?;
            }
            for p in 0..parts.len() {
                let rows = parts.rows(p);
                put(
                    blake3::hash(&code_bytes[rows.start * dim..rows.end * dim]).as_bytes(),
                    true,
                )?;
            }
        }
        for &i in &order {
            put(&items[i].0.to_le_bytes(), true)?;
        }
        for s in &scales {
            put(&s.to_le_bytes(), true)?;
        }
        // A version 4 file's codes are checked partition by partition, not in the head.
        put(&code_bytes, partitioned.is_none())?;
        drop(code_bytes);
        let mut row = Vec::with_capacity(4 * dim);
        for &i in &order {
            row.clear();
            for x in items[i].1.iter().take(dim) {
                row.extend_from_slice(&x.to_le_bytes());
            }
            put(&row, false)?;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(hasher.finalize().to_hex().to_string())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// What a reader keeps of a vectors file.
pub enum Loaded {
    /// A version 1 file: ids and full vectors, all in memory.
    Full {
        /// Photo ids.
        ids: Vec<i64>,
        /// The concatenated vectors.
        vectors: Vec<f32>,
    },
    /// A version 2 file's head; full vectors stay in the file.
    Quantized {
        /// Photo ids.
        ids: Vec<i64>,
        /// Scale of each code.
        scales: Vec<f32>,
        /// The concatenated codes.
        codes: Vec<i8>,
        /// The open file, for reading full vectors.
        file: std::fs::File,
        /// Byte offset of the first full vector.
        full_offset: u64,
        /// The partitions of a version 3 file (rows are stored grouped by them).
        partitions: Option<Partitions>,
    },
    /// A version 4 file's head: the codes stay in the file until a query needs a partition.
    Lazy {
        /// Photo ids.
        ids: Vec<i64>,
        /// Scale of each code.
        scales: Vec<f32>,
        /// The partitions (rows are stored grouped by them).
        partitions: Partitions,
        /// BLAKE3 hash of each partition's codes.
        hashes: Vec<[u8; 32]>,
        /// The open file.
        file: std::fs::File,
        /// Byte offset of the first code.
        codes_offset: u64,
        /// Byte offset of the first full vector.
        full_offset: u64,
    },
}

/// Read the vectors file at `path` (dimension `dim`) whose manifest checksum is `hash`: a
/// version 2 file's head only, a version 1 file whole. `None` when it is missing, damaged or
/// not such a file.
pub fn read(path: &Path, dim: usize, hash: &str) -> Option<Loaded> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut header = [0u8; HEADER];
    file.read_exact(&mut header).ok()?;
    let file_dim = u32::from_le_bytes(header[8..12].try_into().ok()?) as usize;
    let count = usize::try_from(u64::from_le_bytes(header[12..20].try_into().ok()?)).ok()?;
    if file_dim != dim {
        return None;
    }
    let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
    let checked = |bytes: &[u8]| {
        let mut hasher = blake3::Hasher::new();
        hasher.update_rayon(bytes);
        hasher.finalize().to_hex().as_str() == hash
    };
    if &header[..8] == MAGIC_V1 {
        let mut bytes = header.to_vec();
        file.read_to_end(&mut bytes).ok()?;
        if !checked(&bytes) {
            return None;
        }
        let (ids, vectors) = decode_v1(dim, &bytes)?;
        return Some(Loaded::Full { ids, vectors });
    }
    let v4 = &header[..8] == MAGIC_V4;
    let v3 = &header[..8] == MAGIC_V3 || v4;
    if &header[..8] != MAGIC_V2 && !v3 {
        return None;
    }
    let mut bytes = header.to_vec();
    let parts = if v3 {
        let mut p = [0u8; 4];
        file.read_exact(&mut p).ok()?;
        bytes.extend_from_slice(&p);
        usize::try_from(u32::from_le_bytes(p)).ok()?
    } else {
        0
    };
    if parts > count {
        return None;
    }
    let block = if v3 {
        partition_block_len(dim, parts)?
    } else {
        0
    };
    let hashes_len = if v4 {
        parts.checked_mul(32)?.checked_add(dim.checked_mul(4)?)?
    } else {
        0
    };
    let head = head_len(dim, count)?
        .checked_add(block)?
        .checked_add(hashes_len)?;
    if Some(len) != head.checked_add(count.checked_mul(4 * dim)?) {
        return None;
    }
    // A version 4 head stops before the codes.
    let codes_len = count.checked_mul(dim)?;
    let head = if v4 { head - codes_len } else { head };
    let start = bytes.len();
    bytes.resize(head, 0);
    file.read_exact(&mut bytes[start..]).ok()?;
    if !checked(&bytes) {
        return None;
    }
    let mut rest = &bytes[start..];
    let partitions = if v3 {
        let (offset_bytes, after) = rest.split_at((parts + 1) * 8);
        let (centroid_bytes, after) = after.split_at(parts * dim * 4);
        rest = after;
        let offsets = offset_bytes
            .chunks_exact(8)
            .map(|c| usize::try_from(u64::from_le_bytes(c.try_into().unwrap_or([0xFF; 8]))))
            .collect::<std::result::Result<Vec<usize>, _>>()
            .ok()?;
        let centroids = f32s_le(centroid_bytes);
        Some(Partitions::new(dim, centroids, offsets, count)?)
    } else {
        None
    };
    let (partitions, hashes): (Option<Partitions>, Vec<[u8; 32]>) = if v4 {
        let (mean_bytes, after) = rest.split_at(dim * 4);
        let (hash_bytes, after) = after.split_at(hashes_len - dim * 4);
        rest = after;
        let mean = f32s_le(mean_bytes);
        let hashes = hash_bytes
            .chunks_exact(32)
            .map(|c| c.try_into().unwrap_or([0; 32]))
            .collect();
        (Some(partitions?.with_mean(mean)?), hashes)
    } else {
        (partitions, Vec::new())
    };
    let (id_bytes, rest) = rest.split_at(count * 8);
    let (scale_bytes, code_bytes) = rest.split_at(count * 4);
    let ids = i64s_le(id_bytes);
    let scales = f32s_le(scale_bytes);
    if v4 {
        return Some(Loaded::Lazy {
            ids,
            scales,
            partitions: partitions?,
            hashes,
            file,
            codes_offset: head as u64,
            full_offset: (head + codes_len) as u64,
        });
    }
    let codes = code_bytes.iter().map(|b| i8::from_le_bytes([*b])).collect();
    Some(Loaded::Quantized {
        ids,
        scales,
        codes,
        file,
        full_offset: head as u64,
        partitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_within_half_a_step_and_integer_dots_are_exact() {
        let v: Vec<f32> = (0..1280)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 700.0)
            .collect();
        let mut c = vec![0i8; v.len()];
        let s = quantize(&v, &mut c);
        for (x, q) in v.iter().zip(&c) {
            assert!((x - f32::from(*q) * s).abs() <= s * 0.5 + 1e-7);
        }
        assert!(row_matches_code(&v, &c, s));
        let mut other = v.clone();
        other[5] += 0.01;
        assert!(!row_matches_code(&other, &c, s), "a changed row is noticed");
        let plain: i32 = c.iter().map(|x| i32::from(*x) * i32::from(*x)).sum();
        assert_eq!(dot_i8(&c, &c), plain);
        assert_eq!(quantize(&[0.0; 4], &mut [1i8; 4]), 0.0);
    }
}
