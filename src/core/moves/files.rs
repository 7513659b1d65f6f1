//! Putting one file in another folder without ever losing or overwriting one: a free name
//! ("name (2).jpg"), a copy that is synced and verified before it is published, and a move that
//! is a hard link (same file system) or such a copy (across file systems) before the source goes.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// `name` with " (n)" before its extension ("a.jpg" → "a (2).jpg"); `n` of 1 is `name` itself.
pub fn numbered(name: &str, n: u32) -> String {
    if n <= 1 {
        return name.to_string();
    }
    // A leading dot is part of the stem (".hidden" has no extension).
    match name.rfind('.').filter(|&i| i > 0) {
        Some(i) => format!("{} ({n}){}", &name[..i], &name[i..]),
        None => format!("{name} ({n})"),
    }
}

/// `name` with " (n)" after its first `stem_len` bytes: a companion keeps its tie to the photo
/// ("IMG_1.CR2.xmp" → "IMG_1 (2).CR2.xmp" beside "IMG_1 (2).jpg"). `None` when `stem_len` is
/// not a character boundary of `name` or not followed by a dot.
pub fn numbered_after(name: &str, stem_len: usize, n: u32) -> Option<String> {
    let (stem, rest) = (name.get(..stem_len)?, name.get(stem_len..)?);
    if !rest.starts_with('.') {
        return None;
    }
    Some(if n <= 1 {
        name.to_string()
    } else {
        format!("{stem} ({n}){rest}")
    })
}

/// Whether anything (file, folder, dangling link) is at `path`.
pub fn taken(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Sync a folder so a rename or link in it survives a crash (best effort: not every platform
/// can open a folder).
fn sync_dir(dir: Option<&Path>) {
    if let Some(d) = dir
        && let Ok(f) = File::open(d)
    {
        let _ = f.sync_all();
    }
}

/// BLAKE3 of a file's bytes, read from disk.
fn hash_file(path: &Path) -> io::Result<blake3::Hash> {
    let mut hasher = blake3::Hasher::new();
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize())
}

/// Publish `tmp` at `to` unless something is there: a hard link (atomic, fails when `to`
/// exists), else — on file systems without links — a rename after a last check.
fn publish(tmp: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(tmp, to) {
        Ok(()) => fs::remove_file(tmp),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if taken(to) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", to.display()),
        )),
        Err(_) => fs::rename(tmp, to),
    }
}

/// Copy `from` to `to` (which must not exist): into a temporary file beside `to`, synced, its
/// bytes compared with the source's by hash, its modification time kept, then published at
/// `to`. Never overwrites; on any failure nothing is left at `to`.
pub fn copy_verified(from: &Path, to: &Path) -> io::Result<u64> {
    if taken(to) {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", to.display()),
        ));
    }
    let dir = to.parent().unwrap_or(Path::new("."));
    let name = to
        .file_name()
        .map_or_else(|| "file".to_string(), |n| n.to_string_lossy().into_owned());
    let tmp: PathBuf = dir.join(format!(".{name}.{}.lookalike-part", std::process::id()));
    let result = (|| -> io::Result<u64> {
        let mut src = File::open(from)?;
        let modified = src.metadata()?.modified().ok();
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let bytes = io::copy(&mut src, &mut out)?;
        out.flush()?;
        if let Some(t) = modified {
            let _ = out.set_modified(t);
        }
        out.sync_all()?;
        drop(out);
        if hash_file(&tmp)? != hash_file(from)? {
            return Err(io::Error::other(format!(
                "the copy of {} does not match it (disk error?)",
                from.display()
            )));
        }
        publish(&tmp, to)?;
        sync_dir(Some(dir));
        Ok(bytes)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Move `from` to `to` (which must not exist), safely across file systems: a hard link and then
/// the source's removal on the same file system; else a verified copy ([`copy_verified`]), and
/// the source is removed only after the copy is synced and checked. Never overwrites.
pub fn move_file(from: &Path, to: &Path) -> io::Result<u64> {
    let bytes = fs::metadata(from)?.len();
    match fs::hard_link(from, to) {
        Ok(()) => sync_dir(to.parent()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
        // Another file system, or one without hard links.
        Err(_) => {
            copy_verified(from, to)?;
        }
    }
    fs::remove_file(from)?;
    sync_dir(from.parent());
    Ok(bytes)
}
