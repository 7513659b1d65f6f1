//! How paths, vectors, hashes and content boxes are stored in SQLite columns.

use super::*;

/// Encode a path losslessly as bytes.
pub fn path_to_bytes(p: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().as_bytes().to_vec()
    }
}

/// Serialize a path as a string; bytes that are not UTF-8 become U+FFFD (JSON needs text).
pub fn serialize_path_lossy<S: serde::Serializer>(
    p: &Path,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// Percent-encode a path for an SQLite `file:` URI (everything but unreserved bytes and `/`).
pub(super) fn uri_escape(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode a path stored by [`path_to_bytes`].
pub fn path_from_bytes(b: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(b))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(b).into_owned())
    }
}

pub(super) fn vec_to_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(super) fn blob_to_vec(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

pub(super) fn box_to_blob(b: crate::core::content_box::ContentBox) -> Vec<u8> {
    b.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub(super) fn box_from_blob(b: Option<Vec<u8>>) -> Option<crate::core::content_box::ContentBox> {
    let b = b?;
    if b.len() != 8 {
        return None;
    }
    let v = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
    Some([v(0), v(1), v(2), v(3)])
}

pub(super) fn hash_from_blob(b: Option<Vec<u8>>) -> Option<[u8; 32]> {
    b.and_then(|v| v.try_into().ok())
}
