//! Fetching ResNet and CLIP weights from the Hugging Face hub layout
//! (`{base}/{repo}/resolve/main/{file}`) into `<data_dir>/models/`.
//!
//! The file is streamed to `<name>.download.tmp` next to the target, fsynced, checked (SHA-256,
//! then loaded as the expected network) and only then renamed into place, so a half-finished
//! download never looks like a model. An interrupted or cancelled download keeps its partial
//! file and the next attempt resumes it with an HTTP `Range` request (a server that ignores the
//! range sends the whole file again, which is fine); a corrupt one is deleted.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{KnownKind, KnownModel, ModelError, hub_url, known_model};
use crate::core::progress::CancelFlag;

/// Environment variable overriding the hub base URL (e.g. a mirror, or a test server).
pub const HUB_URL_ENV: &str = "LOOKALIKE_HUB_URL";

/// Connecting (and resolving the host name) gives up after this long, so offline fails fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A stalled transfer gives up after this long without data.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Redirects followed (the hub redirects LFS files to a CDN).
const MAX_REDIRECTS: usize = 8;

/// The public Hugging Face hub.
pub fn default_hub_url() -> &'static str {
    "https://huggingface.co"
}

/// The hub base URL: `$LOOKALIKE_HUB_URL` when set and non-empty, else [`default_hub_url`].
pub fn hub_base_url() -> String {
    std::env::var(HUB_URL_ENV)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| default_hub_url().to_string())
}

/// Downloads model `name` (see [`super::KNOWN_MODELS`]) from hub `hub_base_url` into
/// `<data_dir>/models/` and returns the final path. `progress(done, total)` is called as bytes
/// arrive (`total` from `Content-Length` when the server sends it; resumed bytes count as done).
/// `cancel` stops the transfer at the next chunk ([`ModelError::Cancelled`]); the partial file
/// stays for the next attempt to resume.
pub fn download(
    name: &str,
    data_dir: &Path,
    hub_base_url: &str,
    progress: &dyn Fn(u64, Option<u64>),
    cancel: &CancelFlag,
) -> Result<PathBuf, ModelError> {
    let model =
        known_model(name).ok_or_else(|| ModelError::NotDownloadable { name: name.into() })?;
    download_model(model, data_dir, hub_base_url, progress, cancel)
}

/// [`download`] for a model described by the caller: the same transfer, resume, checks and
/// placement. A model without a pinned `sha256` is checked against the hub's `X-Linked-Etag`.
pub fn download_model(
    model: &KnownModel,
    data_dir: &Path,
    hub_base_url: &str,
    progress: &dyn Fn(u64, Option<u64>),
    cancel: &CancelFlag,
) -> Result<PathBuf, ModelError> {
    let dir = crate::core::datadir::DataDir::at(data_dir).models_dir();
    std::fs::create_dir_all(&dir).map_err(|source| ModelError::Io {
        action: "cannot create",
        path: dir.clone(),
        source,
    })?;
    let target = dir.join(model.local_file);
    let tmp = dir.join(format!("{}.download.tmp", model.local_file));
    let url = hub_url(model, hub_base_url);
    let result = fetch_verified(model, &url, &target, &tmp, progress, cancel);
    match &result {
        // Transfer problems keep the partial file: the next attempt resumes it.
        Err(ModelError::Download { .. } | ModelError::Cancelled { .. }) => {}
        Err(_) => {
            let _ = std::fs::remove_file(&tmp);
        }
        Ok(()) => {}
    }
    result?;
    std::fs::rename(&tmp, &target).map_err(|source| ModelError::Io {
        action: "cannot move the download into place at",
        path: target.clone(),
        source,
    })?;
    // Make the rename durable; not supported everywhere (e.g. Windows), hence best effort.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(target)
}

/// The bytes already in `tmp` (a previous attempt) and their running hash.
fn resume_state(tmp: &Path) -> (u64, Sha256) {
    let mut hasher = Sha256::new();
    let Ok(mut f) = File::open(tmp) else {
        return (0, hasher);
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut have = 0u64;
    loop {
        match f.read(&mut buf) {
            Ok(0) => return (have, hasher),
            Ok(n) => {
                hasher.update(&buf[..n]);
                have += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return (0, Sha256::new()),
        }
    }
}

/// Streams `url` into `tmp` (resuming what is there) and checks it; leaves `tmp` in place on
/// success.
fn fetch_verified(
    model: &KnownModel,
    url: &str,
    target: &Path,
    tmp: &Path,
    progress: &dyn Fn(u64, Option<u64>),
    cancel: &CancelFlag,
) -> Result<(), ModelError> {
    let dl_err = |reason: String| ModelError::Download {
        url: url.to_string(),
        target: target.to_path_buf(),
        reason,
    };
    let (mut have, mut hasher) = resume_state(tmp);
    let (response, linked_etag) = get_following_redirects(url, have).map_err(&dl_err)?;
    let expected = model
        .sha256
        .map(str::to_string)
        .or(linked_etag)
        .map(|s| s.to_ascii_lowercase());
    // 206 with our offset continues the partial file; anything else starts from zero.
    let resumed = have > 0
        && response.status().as_u16() == 206
        && response
            .headers()
            .get("content-range")
            .and_then(|v| v.to_str().ok())
            .and_then(content_range_start)
            == Some(have);
    if !resumed {
        have = 0;
        hasher = Sha256::new();
    }
    let mut body = response.into_body();
    let total = body.content_length().map(|n| n + have);
    if let (Some(offered), Some(pinned)) = (total, model.size)
        && offered != pinned
    {
        return Err(dl_err(format!(
            "the server offers {offered} bytes where {} is {pinned} bytes; \
             if {HUB_URL_ENV} points at a mirror, it holds another revision",
            model.name
        )));
    }
    let mut reader = body.as_reader();
    let file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(resumed)
        .truncate(!resumed)
        .open(tmp)
        .map_err(|source| ModelError::Io {
            action: "cannot create",
            path: tmp.to_path_buf(),
            source,
        })?;
    let write_err = |source| ModelError::Io {
        action: "cannot write",
        path: tmp.to_path_buf(),
        source,
    };
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut buf = vec![0u8; 1 << 16];
    let mut done: u64 = have;
    progress(done, total);
    loop {
        if cancel.is_cancelled() {
            out.flush().map_err(write_err)?;
            return Err(ModelError::Cancelled {
                name: model.name.to_string(),
            });
        }
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                out.flush().map_err(write_err)?;
                return Err(dl_err(format!(
                    "transfer interrupted after {done} bytes ({e}); run it again to resume"
                )));
            }
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(write_err)?;
        done += n as u64;
        progress(done, total);
    }
    let file = out.into_inner().map_err(|e| write_err(e.into_error()))?;
    file.sync_all().map_err(write_err)?;
    drop(file);
    if let Some(t) = total
        && t != done
    {
        return Err(dl_err(format!(
            "received {done} of {t} bytes; run it again to resume"
        )));
    }

    let found: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if let Some(expected) = expected
        && expected != found
    {
        return Err(ModelError::Checksum {
            url: url.to_string(),
            expected,
            found,
        });
    }
    validate(model, tmp).map_err(|(what, source)| ModelError::Invalid {
        url: url.to_string(),
        what,
        source: Box::new(source),
    })
}

/// The downloaded file loads as the network `model` names.
fn validate(
    model: &KnownModel,
    path: &Path,
) -> Result<(), (String, crate::core::embed::EmbedError)> {
    match model.kind {
        KnownKind::ResNet { depth } => crate::core::embed::resnet::ResNetEmbedder::load_with_depth(
            path,
            depth,
            &candle_core::Device::Cpu,
        )
        .map(drop)
        .map_err(|e| (format!("ResNet-{depth}"), e)),
        KnownKind::Clip => {
            let what = || "CLIP checkpoint".to_string();
            let shape = crate::core::embed::clip::model::inspect(path).map_err(|e| (what(), e))?;
            if shape.embed_dim != model.dim {
                return Err((
                    what(),
                    crate::core::embed::EmbedError::BadInput(format!(
                        "{} makes {}-d vectors, expected {}",
                        path.display(),
                        shape.embed_dim,
                        model.dim
                    )),
                ));
            }
            Ok(())
        }
    }
}

/// The first byte position of a `Content-Range: bytes START-END/TOTAL` value.
fn content_range_start(v: &str) -> Option<u64> {
    v.trim()
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// GETs `url` (from byte `from` when it is not 0), following redirects by hand so the hub's
/// `X-Linked-Etag` (the SHA-256 of an LFS file, sent on the redirect) is seen. Returns the final
/// 2xx response and that digest.
fn get_following_redirects(
    url: &str,
    from: u64,
) -> Result<(ureq::http::Response<ureq::Body>, Option<String>), String> {
    let config = ureq::Agent::config_builder()
        .timeout_resolve(Some(CONNECT_TIMEOUT))
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .max_redirects(0)
        .http_status_as_error(false)
        .user_agent(concat!("lookalike/", env!("CARGO_PKG_VERSION")))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut current = url.to_string();
    let mut linked_etag = None;
    let mut from = from;
    for _ in 0..=MAX_REDIRECTS + 1 {
        let mut request = agent.get(&current);
        if from > 0 {
            request = request.header("Range", format!("bytes={from}-"));
        }
        let response = request.call().map_err(|e| e.to_string())?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if let Some(tag) = header("x-linked-etag").and_then(|t| sha256_from_etag(&t)) {
            linked_etag = Some(tag);
        }
        let status = response.status();
        if status.is_redirection() {
            let location =
                header("location").ok_or_else(|| format!("HTTP {status} without a Location"))?;
            current = join_location(&current, &location);
            continue;
        }
        if status.as_u16() == 416 && from > 0 {
            // The partial file is not a prefix the server can continue: start again.
            from = 0;
            current = url.to_string();
            continue;
        }
        if !status.is_success() {
            return Err(format!("the server answered HTTP {status}"));
        }
        return Ok((response, linked_etag));
    }
    Err(format!("more than {MAX_REDIRECTS} redirects"))
}

/// The hex SHA-256 inside an ETag value (`"abc..."` or `W/"abc..."`), if it is one.
fn sha256_from_etag(tag: &str) -> Option<String> {
    let t = tag.trim().trim_start_matches("W/").trim_matches('"');
    (t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())).then(|| t.to_ascii_lowercase())
}

/// Resolves a `Location` header against the URL that returned it.
fn join_location(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let origin_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}{rest}", &base[..scheme_end]);
    }
    if location.starts_with('/') {
        return format!("{}{location}", &base[..origin_end]);
    }
    let dir_end = base
        .rfind('/')
        .filter(|&i| i >= origin_end)
        .map_or(base.len(), |i| i + 1);
    let sep = if dir_end == base.len() && !base.ends_with('/') {
        "/"
    } else {
        ""
    };
    format!("{}{sep}{location}", &base[..dir_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_digest() {
        let h = "a".repeat(64);
        assert_eq!(sha256_from_etag(&format!("\"{h}\"")), Some(h.clone()));
        assert_eq!(sha256_from_etag(&format!("W/\"{h}\"")), Some(h));
        assert_eq!(sha256_from_etag("\"123-abc\""), None);
    }

    #[test]
    fn content_range() {
        assert_eq!(content_range_start("bytes 100-199/200"), Some(100));
        assert_eq!(content_range_start("bytes */200"), None);
        assert_eq!(content_range_start("items 1-2/3"), None);
    }

    #[test]
    fn location_joining() {
        let b = "https://hub.example/timm/r/resolve/main/model.safetensors";
        assert_eq!(
            join_location(b, "https://cdn.example/x"),
            "https://cdn.example/x"
        );
        assert_eq!(join_location(b, "/api/x"), "https://hub.example/api/x");
        assert_eq!(join_location(b, "//cdn.example/y"), "https://cdn.example/y");
        assert_eq!(
            join_location(b, "other.bin"),
            "https://hub.example/timm/r/resolve/main/other.bin"
        );
        assert_eq!(join_location("http://h:1", "a"), "http://h:1/a");
    }
}
