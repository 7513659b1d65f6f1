//! Writing a version 4 file from rows that are not all in memory: the rewrite of a large
//! library's snapshot from the snapshot it replaces, the files written since, and the vectors
//! still in memory (see `crate::core::index`'s large-library store).
//!
//! [`super::write_with`] holds every row in memory and sorts them; at a million Lite0 vectors
//! that is 5 GB. [`write_merged`] reads its sources a block at a time, twice: once to assign
//! each row to a partition (skipped for rows whose partition is already known: a base
//! snapshot's rows keep theirs while its centroids are reused), once to write it. Each row goes
//! straight to its place in the new file, so memory holds one block, the ids and scales (12
//! bytes a photo), and one partition assignment per row.

use super::{HEADER, MAGIC_V4, Partitions, quantize};
use std::fs::File;
use std::ops::Range;
use std::path::Path;

/// Most source rows read at once (the span of one read, listed rows or not).
const SPAN: usize = 8192;

/// Reads the full vectors of consecutive rows of a source, concatenated.
pub type ReadRows<'a> = dyn Fn(Range<usize>) -> std::io::Result<Vec<f32>> + Sync + 'a;

/// One input of [`write_merged`].
pub struct MergeSource<'a> {
    /// The rows to write: their row in the source and their photo id, ascending by row.
    pub rows: Vec<(usize, i64)>,
    /// Each listed row's partition in the `previous` partitions handed to [`write_merged`],
    /// when it is known without reading the row (a snapshot written with them); parallel to
    /// `rows`.
    pub kept: Option<Vec<u32>>,
    /// Reads the full vectors of a range of source rows.
    pub read: &'a ReadRows<'a>,
}

impl MergeSource<'_> {
    /// The listed rows in read blocks: each block's range of `rows` and the source rows one
    /// read covers.
    fn blocks(&self) -> Vec<(Range<usize>, Range<usize>)> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < self.rows.len() {
            let first = self.rows[start].0;
            let mut end = start + 1;
            while end < self.rows.len() && self.rows[end].0 < first + SPAN {
                end += 1;
            }
            out.push((start..end, first..self.rows[end - 1].0 + 1));
            start = end;
        }
        out
    }

    /// Call `each(listed, vectors)` for every read block: the block's range of `rows` and
    /// those rows' vectors, in order.
    fn for_each_block(
        &self,
        dim: usize,
        mut each: impl FnMut(Range<usize>, Vec<&[f32]>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        for (listed, span) in self.blocks() {
            let data = (self.read)(span.clone())?;
            if data.len() != span.len() * dim {
                return Err(std::io::Error::other("a source returned the wrong rows"));
            }
            let vectors = listed
                .clone()
                .map(|i| {
                    let at = (self.rows[i].0 - span.start) * dim;
                    &data[at..at + dim]
                })
                .collect();
            each(listed, vectors)?;
        }
        Ok(())
    }

    /// Call `each(i, vector)` for every listed row (`i` indexes `rows`), in order.
    fn for_each_row(
        &self,
        dim: usize,
        mut each: impl FnMut(usize, &[f32]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.for_each_block(dim, |listed, vectors| {
            listed.zip(vectors).try_for_each(|(i, v)| each(i, v))
        })
    }
}

/// Write the rows of `sources` (vectors of dimension `dim`) to `path` as a partitioned
/// (version 4) file, atomically, without holding them all in memory. The partitions of
/// `previous` are kept while they [fit](Partitions::fits) and stay
/// [balanced](Partitions::balanced); otherwise new ones are trained on an evenly spread
/// sample. Returns the checksum of the file's head, for the manifest.
pub fn write_merged(
    path: &Path,
    dim: usize,
    sources: &[MergeSource<'_>],
    previous: Option<&Partitions>,
) -> std::io::Result<String> {
    let count: usize = sources.iter().map(|s| s.rows.len()).sum();
    if dim == 0 || count == 0 {
        return super::write_with(path, dim, &[], usize::MAX, None);
    }
    let reused = match previous.filter(|p| p.fits(count) && p.centroids().len() == p.len() * dim) {
        Some(p) => {
            let nearest = assign_all(sources, p, dim, true)?;
            let parts = with_counts(p, &nearest)?;
            parts.balanced().then_some((parts, nearest))
        }
        None => None,
    };
    let mark = |what: &str| {
        crate::core::timeline::mark(format!("rewrite of {count} {dim}-d rows: {what}"))
    };
    let (parts, nearest) = match reused {
        Some(found) => {
            mark("rows assigned to the kept partitions");
            found
        }
        None => {
            let sample = sample(sources, dim, count)?;
            mark("sample read");
            let refs: Vec<&[f32]> = sample.iter().map(Vec::as_slice).collect();
            let trained = Partitions::train_for(&refs, dim, count)?;
            drop(sample);
            mark("partitions trained");
            let nearest = assign_all(sources, &trained, dim, false)?;
            mark("rows assigned");
            (with_counts(&trained, &nearest)?, nearest)
        }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.{}.merge.tmp", super::FILE, std::process::id()));
    let result = write_file(&tmp, dim, count, sources, &parts, &nearest).and_then(|hash| {
        mark("written");
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(hash)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The partition of every listed row of every source under `parts` (`use_kept`: taken from
/// a source's `kept` where it has them, read and assigned otherwise).
fn assign_all(
    sources: &[MergeSource<'_>],
    parts: &Partitions,
    dim: usize,
    use_kept: bool,
) -> std::io::Result<Vec<Vec<u32>>> {
    let mut all = Vec::with_capacity(sources.len());
    for source in sources {
        if let (true, Some(kept)) = (use_kept, &source.kept)
            && kept.len() == source.rows.len()
            && kept.iter().all(|p| (*p as usize) < parts.len())
        {
            all.push(kept.clone());
            continue;
        }
        let mut nearest = Vec::with_capacity(source.rows.len());
        source.for_each_block(dim, |_, rows| {
            nearest.extend(parts.nearest(&rows)?);
            Ok(())
        })?;
        all.push(nearest);
    }
    Ok(all)
}

/// `parts` holding the rows `nearest` assigns to them.
fn with_counts(parts: &Partitions, nearest: &[Vec<u32>]) -> std::io::Result<Partitions> {
    let mut counts = vec![0usize; parts.len()];
    for p in nearest.iter().flatten() {
        counts[*p as usize] += 1;
    }
    parts
        .with_counts(&counts)
        .ok_or_else(|| std::io::Error::other("partition counts do not match"))
}

/// About [`Partitions::sample_len`] rows spread evenly over all sources, read one by one.
fn sample(sources: &[MergeSource<'_>], dim: usize, count: usize) -> std::io::Result<Vec<Vec<f32>>> {
    let want = Partitions::sample_len(count).max(1);
    let mut out = Vec::with_capacity(want);
    let mut skipped = 0usize;
    for source in sources {
        let n = source.rows.len();
        // Global indices i * count / want that fall in this source.
        let first = (skipped * want).div_ceil(count);
        let mut i = first;
        while i < want && i * count / want < skipped + n {
            let (row, _) = source.rows[i * count / want - skipped];
            let v = (source.read)(row..row + 1)?;
            if v.len() == dim {
                out.push(v);
            }
            i += 1;
        }
        skipped += n;
    }
    Ok(out)
}

/// Write the file at `tmp` and sync it; returns its head checksum.
fn write_file(
    tmp: &Path,
    dim: usize,
    count: usize,
    sources: &[MergeSource<'_>],
    parts: &Partitions,
    nearest: &[Vec<u32>],
) -> std::io::Result<String> {
    let n_parts = parts.len();
    let mut prefix = Vec::with_capacity(HEADER + 4 + (n_parts + 1) * 8 + (n_parts + 1) * dim * 4);
    prefix.extend_from_slice(MAGIC_V4);
    prefix.extend_from_slice(&(dim as u32).to_le_bytes());
    prefix.extend_from_slice(&(count as u64).to_le_bytes());
    prefix.extend_from_slice(&(n_parts as u32).to_le_bytes());
    for o in parts.offsets() {
        prefix.extend_from_slice(&(*o as u64).to_le_bytes());
    }
    for x in parts.centroids().iter().chain(parts.mean()) {
        prefix.extend_from_slice(&x.to_le_bytes());
    }
    let hashes_at = prefix.len() as u64;
    let ids_at = hashes_at + 32 * n_parts as u64;
    let scales_at = ids_at + 8 * count as u64;
    let codes_at = scales_at + 4 * count as u64;
    let full_at = codes_at + (count * dim) as u64;
    let file = File::create(tmp)?;
    file.set_len(full_at + (4 * count * dim) as u64)?;
    write_at(&file, &prefix, 0)?;

    let mut ids = vec![0i64; count];
    let mut scales = vec![0f32; count];
    let mut hashers: Vec<blake3::Hasher> = (0..n_parts).map(|_| blake3::Hasher::new()).collect();
    let mut next: Vec<usize> = parts.offsets()[..n_parts].to_vec();
    let mut run = Run::default();
    let mut code = vec![0i8; dim];
    let mut code_bytes = vec![0u8; dim];
    for (source, assigned) in sources.iter().zip(nearest) {
        source.for_each_row(dim, |i, v| {
            let p = assigned[i] as usize;
            let pos = next[p];
            next[p] += 1;
            ids[pos] = source.rows[i].1;
            scales[pos] = quantize(v, &mut code);
            for (b, c) in code_bytes.iter_mut().zip(&code) {
                *b = c.to_le_bytes()[0];
            }
            // Rows of one partition arrive in the order they are stored: hash as they come.
            hashers[p].update(&code_bytes);
            if run.end() != pos {
                run.flush(&file, dim, codes_at, full_at)?;
                run.start = pos;
            }
            run.rows += 1;
            run.codes.extend_from_slice(&code_bytes);
            for x in v {
                run.full.extend_from_slice(&x.to_le_bytes());
            }
            if run.codes.len() >= (1 << 20) {
                run.flush(&file, dim, codes_at, full_at)?;
            }
            Ok(())
        })?;
    }
    run.flush(&file, dim, codes_at, full_at)?;
    if next.iter().zip(&parts.offsets()[1..]).any(|(a, b)| a != b) {
        return Err(std::io::Error::other("a source changed while it was read"));
    }
    let hashes: Vec<u8> = hashers
        .iter()
        .flat_map(|h| *h.finalize().as_bytes())
        .collect();
    let id_bytes: Vec<u8> = ids.iter().flat_map(|x| x.to_le_bytes()).collect();
    let scale_bytes: Vec<u8> = scales.iter().flat_map(|x| x.to_le_bytes()).collect();
    write_at(&file, &hashes, hashes_at)?;
    write_at(&file, &id_bytes, ids_at)?;
    write_at(&file, &scale_bytes, scales_at)?;
    file.sync_all()?;
    let mut head = blake3::Hasher::new();
    for part in [&prefix, &hashes, &id_bytes, &scale_bytes] {
        head.update_rayon(part);
    }
    Ok(head.finalize().to_hex().to_string())
}

/// Consecutive rows waiting to be written: their codes and full vectors from row `start` on.
#[derive(Default)]
struct Run {
    start: usize,
    rows: usize,
    codes: Vec<u8>,
    full: Vec<u8>,
}

impl Run {
    /// The row after the last one held (where a row must go to join the run).
    fn end(&self) -> usize {
        self.start + self.rows
    }

    fn flush(
        &mut self,
        file: &File,
        dim: usize,
        codes_at: u64,
        full_at: u64,
    ) -> std::io::Result<()> {
        if self.rows > 0 {
            write_at(file, &self.codes, codes_at + (self.start * dim) as u64)?;
            write_at(file, &self.full, full_at + (self.start * dim * 4) as u64)?;
            self.start += self.rows;
            self.rows = 0;
            self.codes.clear();
            self.full.clear();
        }
        Ok(())
    }
}

/// Write all of `bytes` at byte `at` of `file`.
fn write_at(file: &File, bytes: &[u8], at: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.write_all_at(bytes, at)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let mut done = 0;
        while done < bytes.len() {
            let n = file.seek_write(&bytes[done..], at + done as u64)?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            done += n;
        }
        Ok(())
    }
}
