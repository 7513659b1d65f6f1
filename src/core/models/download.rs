//! Fetching ResNet weights from the Hugging Face hub layout
//! (`{base}/{repo}/resolve/main/{file}`) into `<data_dir>/models/`.
//!
//! The file is streamed to a temporary file next to the target, hashed on the way, fsynced,
//! checked (SHA-256, then loaded as the expected ResNet) and only then renamed into place, so a
//! half-finished download never looks like a model.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{KnownModel, ModelError, hub_url, known_model};

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

/// Downloads model `name` (`resnet18`, `resnet34`, `resnet50`) from hub `hub_base_url` into
/// `<data_dir>/models/` and returns the final path. `progress(done, total)` is called as bytes
/// arrive (`total` from `Content-Length` when the server sends it).
pub fn download(
    name: &str,
    data_dir: &Path,
    hub_base_url: &str,
    progress: &dyn Fn(u64, Option<u64>),
) -> Result<PathBuf, ModelError> {
    let model =
        known_model(name).ok_or_else(|| ModelError::NotDownloadable { name: name.into() })?;
    let dir = crate::core::datadir::DataDir::at(data_dir).models_dir();
    std::fs::create_dir_all(&dir).map_err(|source| ModelError::Io {
        action: "cannot create",
        path: dir.clone(),
        source,
    })?;
    let target = dir.join(model.local_file);
    let tmp = dir.join(format!("{}.download.tmp", model.local_file));
    let url = hub_url(model, hub_base_url);
    let result = fetch_verified(model, &url, &target, &tmp, progress);
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
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

/// Streams `url` into `tmp` and checks it; leaves `tmp` in place on success.
fn fetch_verified(
    model: &KnownModel,
    url: &str,
    target: &Path,
    tmp: &Path,
    progress: &dyn Fn(u64, Option<u64>),
) -> Result<(), ModelError> {
    let dl_err = |reason: String| ModelError::Download {
        url: url.to_string(),
        target: target.to_path_buf(),
        reason,
    };
    let (response, linked_etag) = get_following_redirects(url).map_err(&dl_err)?;
    let expected = model
        .sha256
        .map(str::to_string)
        .or(linked_etag)
        .map(|s| s.to_ascii_lowercase());

    let mut body = response.into_body();
    let total = body.content_length();
    let mut reader = body.as_reader();
    let file = File::create(tmp).map_err(|source| ModelError::Io {
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
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut done: u64 = 0;
    progress(0, total);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(dl_err(format!("transfer interrupted: {e}"))),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(write_err)?;
        done += n as u64;
        progress(done, total);
    }
    if let Some(t) = total
        && t != done
    {
        return Err(dl_err(format!("received {done} of {t} bytes")));
    }
    let file = out.into_inner().map_err(|e| write_err(e.into_error()))?;
    file.sync_all().map_err(write_err)?;
    drop(file);

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
    crate::core::embed::resnet::ResNetEmbedder::load_with_depth(
        tmp,
        model.depth,
        &candle_core::Device::Cpu,
    )
    .map_err(|source| ModelError::Invalid {
        url: url.to_string(),
        source,
    })?;
    Ok(())
}

/// GETs `url`, following redirects by hand so the hub's `X-Linked-Etag` (the SHA-256 of an
/// LFS file, sent on the redirect) is seen. Returns the final 2xx response and that digest.
fn get_following_redirects(
    url: &str,
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
    for _ in 0..=MAX_REDIRECTS {
        let response = agent.get(&current).call().map_err(|e| e.to_string())?;
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
