//! Reading a CLIP checkpoint (`.safetensors`) piece by piece: the header on its own (cheap, for
//! [`super::model::inspect`] and the checks before loading), then only the byte ranges of the
//! tensors one tower needs, with plain seeks and reads (no memory map: the crate forbids
//! `unsafe` outside one module). A text query therefore never reads the vision half of the file.
//!
//! Every failure is an [`EmbedError`] naming the file; nothing here panics on file data.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use sha2::{Digest, Sha256};

use crate::core::embed::EmbedError;

/// Largest header accepted (the safetensors crate's own limit).
const MAX_HEADER_BYTES: u64 = 100_000_000;

/// What to tell a person whose file is not a CLIP checkpoint at all.
pub(super) const EXPECTED_FILE: &str = "expected a Hugging Face CLIPModel `model.safetensors` \
     (e.g. openai/clip-vit-base-patch32; `lookalike models download clip` fetches one)";

/// Element type of one stored tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StoredType {
    /// IEEE single precision.
    F32,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    Bf16,
    /// Anything else (integer buffers such as `position_ids`); never loaded.
    Other,
}

impl StoredType {
    fn parse(s: &str) -> Self {
        match s {
            "F32" => Self::F32,
            "F16" => Self::F16,
            "BF16" => Self::Bf16,
            _ => Self::Other,
        }
    }

    /// Bytes per element of the float types.
    fn size(self) -> Option<u64> {
        match self {
            Self::F32 => Some(4),
            Self::F16 | Self::Bf16 => Some(2),
            Self::Other => None,
        }
    }
}

/// One tensor of the header: type, shape and absolute byte range in the file.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// Element type.
    pub dtype: StoredType,
    /// Shape.
    pub shape: Vec<usize>,
    /// First byte in the file.
    start: u64,
    /// One past the last byte in the file.
    end: u64,
}

/// The header entry as JSON (`{"dtype": "F32", "shape": [..], "data_offsets": [a, b]}`).
#[derive(serde::Deserialize)]
struct RawEntry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [u64; 2],
}

/// The parsed header of a `.safetensors` file; reads tensors on demand.
#[derive(Debug)]
pub(super) struct Checkpoint {
    path: PathBuf,
    /// The JSON header bytes, exactly as stored (hashed into the id).
    header: Vec<u8>,
    entries: HashMap<String, Entry>,
}

/// An [`EmbedError::Weights`] for `path`.
pub(super) fn weights_err(path: &Path, reason: impl std::fmt::Display) -> EmbedError {
    EmbedError::Weights {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

impl Checkpoint {
    /// Opens `path` and parses its header, checking that every tensor's byte range lies inside
    /// the file (a truncated download fails here, before any tensor is read).
    pub fn open(path: &Path) -> Result<Self, EmbedError> {
        Self::parse(path, true)
    }

    /// Parses the header only, without checking that the tensors fit in the file (for telling
    /// CLIP files from others: a truncated CLIP download is still one, and its loader says so).
    pub fn open_names_only(path: &Path) -> Result<Self, EmbedError> {
        Self::parse(path, false)
    }

    fn parse(path: &Path, check_ranges: bool) -> Result<Self, EmbedError> {
        let io = |e: std::io::Error| weights_err(path, e);
        let mut file = File::open(path).map_err(io)?;
        let file_len = file.metadata().map_err(io)?.len();
        let not_st = |why: String| {
            weights_err(
                path,
                format!("not a .safetensors file ({why}); {EXPECTED_FILE}"),
            )
        };
        if file_len < 8 {
            return Err(not_st(format!("only {file_len} bytes")));
        }
        let mut len_bytes = [0u8; 8];
        file.read_exact(&mut len_bytes).map_err(io)?;
        let n = u64::from_le_bytes(len_bytes);
        if n == 0 || n > MAX_HEADER_BYTES {
            return Err(not_st(format!(
                "its first 8 bytes announce a {n}-byte header"
            )));
        }
        if n > file_len - 8 {
            return Err(weights_err(
                path,
                format!(
                    "the file is truncated: its header alone needs {} bytes but the file has \
                     only {file_len} (an interrupted download?); download it again",
                    n + 8
                ),
            ));
        }
        let mut header = vec![0u8; n as usize];
        file.read_exact(&mut header).map_err(io)?;
        let raw: HashMap<String, serde_json::Value> = serde_json::from_slice(&header)
            .map_err(|e| not_st(format!("the header is not a JSON object: {e}")))?;
        let data_start = 8 + n;
        let mut entries = HashMap::with_capacity(raw.len());
        for (name, value) in raw {
            if name == "__metadata__" {
                continue;
            }
            let r: RawEntry = serde_json::from_value(value)
                .map_err(|e| not_st(format!("bad header entry `{name}`: {e}")))?;
            let [a, b] = r.data_offsets;
            let dtype = StoredType::parse(&r.dtype);
            let count = r
                .shape
                .iter()
                .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64));
            let bytes = match (count, dtype.size()) {
                (Some(c), Some(s)) => c.checked_mul(s),
                (Some(_), None) => Some(b.saturating_sub(a)),
                (None, _) => None,
            };
            if b < a || bytes != Some(b - a) {
                return Err(weights_err(
                    path,
                    format!(
                        "header entry `{name}` ({} {:?}) has an inconsistent byte range {a}..{b}; \
                         the file is damaged, download it again",
                        r.dtype, r.shape
                    ),
                ));
            }
            let (start, end) = (data_start.saturating_add(a), data_start.saturating_add(b));
            entries.insert(
                name,
                Entry {
                    dtype,
                    shape: r.shape,
                    start,
                    end,
                },
            );
        }
        let needed = entries.values().map(|e| e.end).max().unwrap_or(data_start);
        if check_ranges && needed > file_len {
            return Err(weights_err(
                path,
                format!(
                    "the file is truncated: its header describes {needed} bytes but the file has \
                     only {file_len} (an interrupted download?); download it again"
                ),
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            header,
            entries,
        })
    }

    /// The file this header came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header entry of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    /// All tensor names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The shape of `name`, or [`EmbedError::MissingTensor`].
    pub fn shape_of(&self, name: &str) -> Result<&[usize], EmbedError> {
        self.get(name)
            .map(|e| e.shape.as_slice())
            .ok_or_else(|| EmbedError::MissingTensor {
                path: self.path.clone(),
                tensor: name.to_string(),
            })
    }

    /// Checks (header only) that every `(name, shape)` is present, with that shape and a float
    /// type.
    pub fn check(&self, wanted: &[(String, Vec<usize>)]) -> Result<(), EmbedError> {
        for (name, shape) in wanted {
            let found = self.shape_of(name)?;
            if found != shape.as_slice() {
                return Err(EmbedError::ShapeMismatch {
                    path: self.path.clone(),
                    tensor: name.clone(),
                    found: found.to_vec(),
                    expected: shape.clone(),
                });
            }
            if self.entries[name].dtype == StoredType::Other {
                return Err(weights_err(
                    &self.path,
                    format!("tensor `{name}` is not F32, F16 or BF16"),
                ));
            }
        }
        Ok(())
    }

    /// Reads the raw bytes of the tensors `names` (in file order, one seek each).
    fn read_raw(&self, names: &[&str]) -> Result<Vec<(String, Vec<u8>)>, EmbedError> {
        let io = |e: std::io::Error| {
            weights_err(
                &self.path,
                format!("{e} (was the file changed or truncated while reading?)"),
            )
        };
        let mut order: Vec<(&str, &Entry)> = Vec::with_capacity(names.len());
        for &n in names {
            let e = self.get(n).ok_or_else(|| EmbedError::MissingTensor {
                path: self.path.clone(),
                tensor: n.to_string(),
            })?;
            order.push((n, e));
        }
        order.sort_by_key(|(_, e)| e.start);
        let mut file = File::open(&self.path).map_err(io)?;
        let mut out = Vec::with_capacity(order.len());
        for (name, e) in order {
            let len = usize::try_from(e.end - e.start)
                .map_err(|_| weights_err(&self.path, format!("tensor `{name}` is too large")))?;
            let mut buf = vec![0u8; len];
            file.seek(SeekFrom::Start(e.start)).map_err(io)?;
            file.read_exact(&mut buf).map_err(io)?;
            out.push((name.to_string(), buf));
        }
        Ok(out)
    }

    /// Reads the tensors of `wanted` (after [`Checkpoint::check`]) as f32 tensors on `device`.
    pub fn load(
        &self,
        wanted: &[(String, Vec<usize>)],
        device: &Device,
    ) -> Result<HashMap<String, Tensor>, EmbedError> {
        self.check(wanted)?;
        let names: Vec<&str> = wanted.iter().map(|(n, _)| n.as_str()).collect();
        let mut out = HashMap::with_capacity(names.len());
        for (name, bytes) in self.read_raw(&names)? {
            let e = &self.entries[&name];
            let dtype = match e.dtype {
                StoredType::F16 => DType::F16,
                StoredType::Bf16 => DType::BF16,
                _ => DType::F32,
            };
            let t = Tensor::from_raw_buffer(&bytes, dtype, &e.shape, &Device::Cpu)
                .and_then(|t| t.to_dtype(DType::F32))
                .and_then(|t| t.to_device(device))
                .map_err(|err| weights_err(&self.path, format!("tensor `{name}`: {err}")))?;
            out.insert(name, t);
        }
        Ok(out)
    }

    /// First 8 hex digits of SHA-256 over the header and the bytes of `names` (the two
    /// projections): identifies the trained weights without reading the whole file.
    pub fn fingerprint(&self, names: &[&str]) -> Result<String, EmbedError> {
        let mut h = Sha256::new();
        h.update(&self.header);
        for (_, bytes) in self.read_raw(names)? {
            h.update(&bytes);
        }
        Ok(h.finalize()
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect())
    }
}

/// Removes `name` from `tensors` (it was loaded by [`Checkpoint::load`], so it is there unless
/// the caller asked for a different list; that is reported, not a panic).
pub(super) fn take(
    tensors: &mut HashMap<String, Tensor>,
    path: &Path,
    name: &str,
) -> Result<Tensor, EmbedError> {
    tensors
        .remove(name)
        .ok_or_else(|| EmbedError::MissingTensor {
            path: path.to_path_buf(),
            tensor: name.to_string(),
        })
}
