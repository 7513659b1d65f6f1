//! Row-level access to a snapshot for the code that maintains it (the large-library index in
//! [`crate::core::index`]): ids, partitions, codes and full vectors by row.

use super::{Codes, Exact, FlatIndex};
use crate::core::vectors_file::{self, Partitions};
use std::ops::Range;

impl FlatIndex {
    /// Photo id of each row, in stored order (grouped by partition when partitioned).
    pub(crate) fn ids(&self) -> &[i64] {
        &self.ids
    }

    /// The partitions, when the snapshot is partitioned.
    pub(crate) fn partitions(&self) -> Option<&Partitions> {
        self.partitions.as_ref()
    }

    /// The partition a vector `v` is stored in when written (the one whose centroid fits it
    /// best); `None` when the snapshot is not partitioned.
    pub fn best_partition(&self, v: &[f32]) -> Option<usize> {
        Some(self.partitions.as_ref()?.scored(v).first()?.1)
    }

    /// Code and scale of `row` (`None` when its partition's codes are damaged).
    pub(crate) fn code(&self, row: usize) -> Option<(&[i8], f32)> {
        Some((self.codes_of(row..row + 1)?, self.scales[row]))
    }

    /// The full vectors of `rows`, concatenated: read from the file in one piece (or copied
    /// from memory). A row that cannot be read or does not match its code (a damaged file) is
    /// replaced by its code's approximation, so a damaged row degrades a score instead of
    /// losing a photo.
    pub(crate) fn full_rows(&self, rows: Range<usize>) -> Vec<f32> {
        let dim = self.dim;
        let rows = rows.start.min(self.len())..rows.end.min(self.len());
        let (mut out, read) = self.exact_or_zero(rows.clone());
        for (i, row) in rows.clone().enumerate() {
            let full = &mut out[i * dim..(i + 1) * dim];
            match self.code(row) {
                Some((code, scale))
                    if !read || !vectors_file::row_matches_code(full, code, scale) =>
                {
                    for (x, c) in full.iter_mut().zip(code) {
                        *x = f32::from(*c) * scale;
                    }
                }
                // Its code is damaged: the row read from the file is all there is.
                _ => {}
            }
        }
        out
    }
}

impl FlatIndex {
    /// [`Self::full_rows`] for a rewrite that reads every row once: a version 4 file's codes
    /// are read beside the rows to check them, not kept in memory (reading a million rows
    /// through [`Self::full_rows`] would load every partition's codes). A row that does not
    /// match its code is taken as [`Self::full_rows`] takes it.
    pub(crate) fn read_rows(&self, rows: Range<usize>) -> Vec<f32> {
        let dim = self.dim;
        let rows = rows.start.min(self.len())..rows.end.min(self.len());
        let (Codes::Lazy { file, offset, .. }, Exact::File { .. }) = (&self.codes, &self.exact)
        else {
            return self.full_rows(rows);
        };
        let mut code_bytes = vec![0u8; rows.len() * dim];
        let read = {
            use std::io::{Read, Seek, SeekFrom};
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            file.seek(SeekFrom::Start(offset + (rows.start * dim) as u64))
                .is_ok()
                && file.read_exact(&mut code_bytes).is_ok()
        };
        if !read {
            return self.full_rows(rows);
        }
        let mut out = self.exact_rows(rows.clone());
        let mut code = vec![0i8; dim];
        for (i, row) in rows.enumerate() {
            for (c, b) in code.iter_mut().zip(&code_bytes[i * dim..(i + 1) * dim]) {
                *c = i8::from_le_bytes([*b]);
            }
            let full = &mut out[i * dim..(i + 1) * dim];
            if !vectors_file::row_matches_code(full, &code, self.scales[row]) {
                full.copy_from_slice(&self.full_rows(row..row + 1));
            }
        }
        out
    }
}

impl FlatIndex {
    /// The stored full vectors of `rows` as they are in the file (zeros where unreadable).
    fn exact_rows(&self, rows: Range<usize>) -> Vec<f32> {
        self.exact_or_zero(rows).0
    }

    /// The stored full vectors of `rows`, and whether they could be read (zeros if not).
    fn exact_or_zero(&self, rows: Range<usize>) -> (Vec<f32>, bool) {
        let dim = self.dim;
        let mut out = vec![0f32; rows.len() * dim];
        let read = match &self.exact {
            Exact::Memory(v) => {
                out.copy_from_slice(&v[rows.start * dim..rows.end * dim]);
                true
            }
            Exact::File { file, offset } => {
                use std::io::{Read, Seek, SeekFrom};
                let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
                let mut bytes = vec![0u8; out.len() * 4];
                let at = offset + (rows.start * 4 * dim) as u64;
                let ok =
                    file.seek(SeekFrom::Start(at)).is_ok() && file.read_exact(&mut bytes).is_ok();
                if ok {
                    for (x, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                        *x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    }
                }
                ok
            }
        };
        (out, read)
    }
}
