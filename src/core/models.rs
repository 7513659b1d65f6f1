//! Model names (`--model descriptor|lite0|resnet18|resnet34|resnet50|clip|clip-large|<path>`),
//! where their weight files are looked up, and fetching ResNet and CLIP weights from the Hugging
//! Face hub.
//!
//! Named weights are searched, in order, in `<data_dir>/models/`, the project's `models/`
//! folder (as built) and `models/` next to the executable. See `models/README.md`.

mod download;
mod known;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use download::{HUB_URL_ENV, default_hub_url, download, download_model, hub_base_url};
pub use known::{KNOWN_MODELS, KnownKind, KnownModel, downloadable_names, hub_url, known_model};

/// Which embedder to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSpec {
    /// The built-in, model-free descriptor (no weights needed).
    Descriptor,
    /// EfficientNet-Lite0 (weights built into the binary; a file in the search folders
    /// overrides them).
    Lite0,
    /// An ImageNet ResNet of the given depth (18, 34 or 50), weights looked up by name.
    ResNet {
        /// 18, 34 or 50.
        depth: u8,
    },
    /// OpenAI CLIP (ViT-B/32, or ViT-L/14 when `large`), weights looked up by name: text search,
    /// and image similarity in the same space.
    Clip {
        /// ViT-L/14 instead of ViT-B/32.
        large: bool,
    },
    /// A weights file given by path (a ResNet or a CLIP checkpoint, told apart by its tensors;
    /// a ResNet's depth is detected from them).
    File(PathBuf),
}

impl ModelSpec {
    /// The short name (`descriptor`, `lite0`, `resnet50`) or the path as given.
    pub fn name(&self) -> String {
        match self {
            ModelSpec::Descriptor => "descriptor".into(),
            ModelSpec::Lite0 => "lite0".into(),
            ModelSpec::ResNet { depth } => format!("resnet{depth}"),
            ModelSpec::Clip { large: false } => "clip".into(),
            ModelSpec::Clip { large: true } => "clip-large".into(),
            ModelSpec::File(p) => p.display().to_string(),
        }
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for ModelSpec {
    type Err = ModelError;

    /// Names are case-insensitive; anything that looks like a path (has a separator or an
    /// extension, or exists) is taken as a weights file.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "descriptor" | "default" => return Ok(ModelSpec::Descriptor),
            "lite0" | "efficientnet-lite0" | "efficientnet_lite0" => return Ok(ModelSpec::Lite0),
            "resnet18" | "resnet-18" => return Ok(ModelSpec::ResNet { depth: 18 }),
            "resnet34" | "resnet-34" => return Ok(ModelSpec::ResNet { depth: 34 }),
            "resnet50" | "resnet-50" => return Ok(ModelSpec::ResNet { depth: 50 }),
            "clip" | "clip-b32" | "clip-vit-b32" | "clip-vit-base-patch32" => {
                return Ok(ModelSpec::Clip { large: false });
            }
            "clip-large" | "clip-l14" | "clip-vit-l14" | "clip-vit-large-patch14" => {
                return Ok(ModelSpec::Clip { large: true });
            }
            _ => {}
        }
        let path = PathBuf::from(s);
        let looks_like_path = s.contains(['/', '\\']) || path.extension().is_some();
        if looks_like_path || path.exists() {
            Ok(ModelSpec::File(path))
        } else {
            Err(ModelError::UnknownModel { name: s.into() })
        }
    }
}

/// Why a model could not be resolved or fetched. Messages say where we looked and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Not a model name, and not a path either.
    #[error(
        "unknown model `{name}`: expected descriptor, lite0, resnet18, resnet34, resnet50, clip, \
         clip-large or the path of a weights file (.safetensors, .pth)"
    )]
    UnknownModel {
        /// What the user typed.
        name: String,
    },
    /// The model has no separate weights file (the descriptor; Lite0 when built in).
    #[error("model `{name}` has no separate weights file (none needed, or built in)")]
    NoWeights {
        /// The model name.
        name: String,
    },
    /// No weights file for a named model was found.
    #[error("no weights for {name} found (looked in {searched}). {hint}")]
    NotFound {
        /// The model name.
        name: String,
        /// The folders searched, comma-separated.
        searched: String,
        /// What to do about it.
        hint: String,
    },
    /// A weights file given by path does not exist.
    #[error("weights file {path} does not exist")]
    FileNotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The name is not one `models download` knows.
    #[error(
        "cannot download `{name}`: known downloads are resnet18, resnet34, resnet50, clip and \
         clip-large"
    )]
    NotDownloadable {
        /// The name given.
        name: String,
    },
    /// The HTTP transfer failed (offline, server error, truncated...).
    #[error(
        "cannot download {url}: {reason}. If this machine is offline, download {url} elsewhere \
         and save it as {target}"
    )]
    Download {
        /// The URL requested.
        url: String,
        /// Where the file was to be saved.
        target: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The user stopped the download; the partial file is kept for the next attempt.
    #[error("download of {name} cancelled; start it again to resume")]
    Cancelled {
        /// The model name.
        name: String,
    },
    /// The downloaded bytes do not have the expected SHA-256.
    #[error("download of {url} is corrupt: SHA-256 {found}, expected {expected}; try again")]
    Checksum {
        /// The URL requested.
        url: String,
        /// The expected digest (hex).
        expected: String,
        /// The digest of what arrived (hex).
        found: String,
    },
    /// The downloaded file is not the expected network.
    #[error("download of {url} is not a usable {what}: {source}")]
    Invalid {
        /// The URL requested.
        url: String,
        /// What it should have been ("ResNet-50", "CLIP checkpoint").
        what: String,
        /// The loader's complaint.
        source: Box<crate::core::embed::error::EmbedError>,
    },
    /// A local file operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// File names accepted for a model, in order of preference, relative to a search folder.
pub fn candidate_names(spec: &ModelSpec) -> Vec<PathBuf> {
    match spec {
        ModelSpec::ResNet { depth } => {
            let n = format!("resnet{depth}");
            let mut v: Vec<PathBuf> = [
                format!("{n}.safetensors"),
                format!("{n}.pth"),
                format!("{n}.pt"),
                format!("{n}.a1_in1k/model.safetensors"),
                format!("{n}.tv_in1k/model.safetensors"),
                format!("{n}.tv2_in1k/model.safetensors"),
                format!("{n}.a1_in1k/pytorch_model.bin"),
                format!("{n}.tv_in1k/pytorch_model.bin"),
            ]
            .into_iter()
            .map(PathBuf::from)
            .collect();
            let tv: &[&str] = match depth {
                18 => &["resnet18-f37072fd.pth"],
                34 => &["resnet34-b627a593.pth"],
                50 => &["resnet50-0676ba61.pth", "resnet50-11ad3fa6.pth"],
                _ => &[],
            };
            v.extend(tv.iter().map(PathBuf::from));
            v
        }
        ModelSpec::Clip { large } => {
            let stem = if *large {
                "clip-vit-large-patch14"
            } else {
                "clip-vit-base-patch32"
            };
            [
                format!("{stem}.safetensors"),
                format!("{stem}/model.safetensors"),
            ]
            .into_iter()
            .map(PathBuf::from)
            .collect()
        }
        ModelSpec::Lite0 => [
            "efficientnet-lite0.safetensors",
            "efficientnet_lite0.safetensors",
        ]
        .into_iter()
        .map(PathBuf::from)
        .collect(),
        ModelSpec::Descriptor | ModelSpec::File(_) => Vec::new(),
    }
}

/// The folders searched for named weights: `<data_dir>/models`, the project's `models/`
/// (as built) and `models/` next to the executable (duplicates removed).
pub fn search_dirs(data_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![
        crate::core::datadir::DataDir::at(data_dir).models_dir(),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"),
    ];
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.join("models"));
    }
    let mut unique: Vec<PathBuf> = Vec::new();
    for d in dirs {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    unique
}

/// Finds a named model's weights in `dirs` (first folder first), also accepting torchvision's
/// hashed names such as `resnet50-<hash>.pth`.
pub fn find_in(spec: &ModelSpec, dirs: &[PathBuf]) -> Option<PathBuf> {
    let names = candidate_names(spec);
    for dir in dirs {
        if let Some(p) = names.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
            return Some(p);
        }
        if let ModelSpec::ResNet { depth } = spec
            && let Some(p) = find_torchvision_hashed(dir, *depth)
        {
            return Some(p);
        }
    }
    None
}

/// `resnet<depth>-<8 hex>.pth` in `dir` (torchvision's cache naming).
fn find_torchvision_hashed(dir: &Path, depth: u8) -> Option<PathBuf> {
    let prefix = format!("resnet{depth}-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name().and_then(|f| f.to_str()).is_some_and(|f| {
                    f.strip_prefix(&prefix)
                        .and_then(|rest| rest.strip_suffix(".pth"))
                        .is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                })
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Same as [`resolve`] with explicit search folders.
pub fn resolve_in(
    spec: &ModelSpec,
    dirs: &[PathBuf],
    data_dir: &Path,
) -> Result<PathBuf, ModelError> {
    match spec {
        ModelSpec::Descriptor => Err(ModelError::NoWeights { name: spec.name() }),
        ModelSpec::File(p) => {
            if p.is_file() {
                Ok(p.clone())
            } else {
                Err(ModelError::FileNotFound { path: p.clone() })
            }
        }
        ModelSpec::Lite0 => {
            find_in(spec, dirs).ok_or_else(|| ModelError::NoWeights { name: spec.name() })
        }
        ModelSpec::ResNet { .. } | ModelSpec::Clip { .. } => {
            find_in(spec, dirs).ok_or_else(|| not_found(spec, dirs, data_dir))
        }
    }
}

/// The weights file for `spec`: the path itself for [`ModelSpec::File`], else the first match
/// in [`search_dirs`]. For a ResNet the error says where it looked and how to download; the
/// descriptor (and Lite0 without an override file) give [`ModelError::NoWeights`].
pub fn resolve(spec: &ModelSpec, data_dir: &Path) -> Result<PathBuf, ModelError> {
    resolve_in(spec, &search_dirs(data_dir), data_dir)
}

fn not_found(spec: &ModelSpec, dirs: &[PathBuf], data_dir: &Path) -> ModelError {
    let searched = dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let name = spec.name();
    let hint = match known_model(&name) {
        Some(m) => format!(
            "Run `lookalike models download {name}`, or fetch {} (~{} MB) by hand and save it \
             as {}",
            hub_url(m, &hub_base_url()),
            m.approx_mb,
            crate::core::datadir::DataDir::at(data_dir)
                .models_dir()
                .join(m.local_file)
                .display()
        ),
        None => "See models/README.md for where to get it.".to_string(),
    };
    ModelError::NotFound {
        name,
        searched,
        hint,
    }
}

/// One line of `lookalike models list`.
#[derive(Debug, Clone)]
pub struct ModelStatus {
    /// Name to pass to `--model`.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Embedding dimension.
    pub dim: usize,
    /// Whether it can be used now (built in, or weights found).
    pub available: bool,
    /// The weights file found, if any.
    pub file: Option<PathBuf>,
    /// Whether `lookalike models download <name>` can fetch it.
    pub downloadable: bool,
}

/// All known models and whether their weights are present.
pub fn list_models(data_dir: &Path) -> Vec<ModelStatus> {
    let dirs = search_dirs(data_dir);
    let mut out = vec![ModelStatus {
        name: "descriptor".into(),
        description: "built-in colour/texture/layout descriptor, no weights".into(),
        dim: crate::core::embed::descriptor::DESCRIPTOR_DIM,
        available: true,
        file: None,
        downloadable: false,
    }];
    let lite0 = find_in(&ModelSpec::Lite0, &dirs);
    out.push(ModelStatus {
        name: "lite0".into(),
        description: "EfficientNet-Lite0 (ImageNet), weights built in".into(),
        dim: crate::core::embed::efficientnet::EMBEDDING_DIM,
        available: true,
        file: lite0,
        downloadable: false,
    });
    for m in KNOWN_MODELS {
        let spec = match m.kind {
            KnownKind::ResNet { depth } => ModelSpec::ResNet { depth },
            KnownKind::Clip => ModelSpec::Clip {
                large: m.name != "clip",
            },
        };
        let file = find_in(&spec, &dirs);
        out.push(ModelStatus {
            name: m.name.into(),
            description: m.description.into(),
            dim: m.dim,
            available: file.is_some(),
            file,
            downloadable: true,
        });
    }
    out
}

/// The CLIP checkpoint that answers searches by words when the model spec names none: the most
/// recently saved of the known CLIP files in [`search_dirs`] (what `models download clip` or
/// `clip-large` wrote last), if any.
pub fn find_clip(data_dir: &Path) -> Option<PathBuf> {
    let dirs = search_dirs(data_dir);
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = [false, true]
        .into_iter()
        .filter_map(|large| find_in(&ModelSpec::Clip { large }, &dirs))
        .map(|p| {
            let modified = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, p)
        })
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p)
}

/// What to tell a person who searched by words without a CLIP model.
pub fn clip_hint(data_dir: &Path) -> String {
    let target = crate::core::datadir::DataDir::at(data_dir)
        .models_dir()
        .join("clip-vit-base-patch32.safetensors");
    format!(
        "searching by words needs the CLIP model (~605 MB, once): run `lookalike models download \
         clip`, or save a CLIP safetensors file as {}, then `lookalike index` to add it to your \
         library",
        target.display()
    )
}
