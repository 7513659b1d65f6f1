//! Shared helpers for the CLIP tests: the weight and photo formulas of
//! `tests/fixtures/clip/make_reference.py` (reproduced bit for bit), its reference JSON
//! (`clip_small.json`), and writers for CLIP checkpoints: whole files in F32/F16/BF16 through the
//! `safetensors` crate, and sparse files (a real header, zeros not written) for full-size shapes.

#![allow(dead_code)]

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::OnceLock;

use candle_core::{DType, Device, Tensor};

use crate::resnet_support::{floats, unit};

/// A tensor layout: `(name, shape)` in state-dict order.
pub type Layout = Vec<(String, Vec<usize>)>;

/// One formula-filled tensor.
pub struct Entry {
    /// State-dict name.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Values (f32, as the script stores them).
    pub data: Vec<f32>,
}

/// `tensor_value()` of make_reference.py.
pub fn tensor_value(name: &str, shape: &[usize]) -> Vec<f32> {
    let n: usize = shape.iter().product();
    let u = unit(name, n);
    let is_norm = ["layer_norm", "layrnorm", "layernorm"]
        .iter()
        .any(|k| name.contains(k));
    let f: Box<dyn Fn(f64) -> f64> = if name == "logit_scale" {
        Box::new(|_| 2.6592)
    } else if is_norm && name.ends_with(".weight") {
        Box::new(|u| 1.0 + 0.1 * u)
    } else if is_norm && name.ends_with(".bias") {
        Box::new(|u| 0.05 * u)
    } else if name.ends_with("class_embedding")
        || name.ends_with("token_embedding.weight")
        || name.ends_with("position_embedding.weight")
    {
        Box::new(|u| 0.5 * u)
    } else if shape.len() == 4 {
        let s = (3.0 / (shape[1] * shape[2] * shape[3]) as f64).sqrt();
        Box::new(move |u| u * s)
    } else if shape.len() == 2
        && (name.ends_with(".q_proj.weight") || name.ends_with(".k_proj.weight"))
    {
        let s = 2.0 * (3.0 / shape[1] as f64).sqrt();
        Box::new(move |u| u * s)
    } else if shape.len() == 2 {
        let s = (3.0 / shape[1] as f64).sqrt();
        Box::new(move |u| u * s)
    } else if name.ends_with(".bias") {
        Box::new(|u| 0.02 * u)
    } else {
        panic!("no formula for {name}")
    };
    u.into_iter().map(|u| f(u) as f32).collect()
}

/// All tensors of `layout`, formula-filled.
pub fn formula_entries(layout: &[(String, Vec<usize>)]) -> Vec<Entry> {
    layout
        .iter()
        .map(|(name, shape)| Entry {
            name: name.clone(),
            shape: shape.clone(),
            data: tensor_value(name, shape),
        })
        .collect()
}

/// `make_photo()` of make_reference.py: photo `n`, `w` x `h`.
pub fn make_photo(n: u32, w: u32, h: u32) -> image::RgbImage {
    let u = unit(&format!("clip-photo{n}"), (w * h * 3) as usize);
    let p = 3 + 4 * n;
    let mut img = image::RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let checker = if (x / p + y / (p + 2)) % 2 == 1 {
                1.0
            } else {
                -1.0
            };
            let gx = f64::from(x) / (f64::from(w) - 1.0) * 2.0 - 1.0;
            let gy = f64::from(y) / (f64::from(h) - 1.0) * 2.0 - 1.0;
            let mut px = [0u8; 3];
            for (c, v) in px.iter_mut().enumerate() {
                let i = ((y * w + x) * 3) as usize + c;
                let f =
                    128.0 + 70.0 * gx * (c as f64 - 1.0) + 50.0 * gy + 30.0 * checker + 12.0 * u[i];
                *v = (f + 0.5).floor().clamp(0.0, 255.0) as u8;
            }
            img.put_pixel(x, y, image::Rgb(px));
        }
    }
    img
}

/// One reference image.
pub struct RefImage {
    pub width: u32,
    pub height: u32,
    /// Sum of all bytes of the formula photo (checks [`make_photo`]).
    pub pixel_sum: u64,
    /// The resized and cropped photo from `CLIPImageProcessorPil`, RGB bytes.
    pub crop: Vec<u8>,
    /// Every `sample_step`-th value (mod length) of the processed CHW tensor.
    pub sample_step: usize,
    pub samples: Vec<f32>,
    /// `get_image_features`, L2-normalised (float64 model).
    pub embedding: Vec<f32>,
}

/// One reference text.
pub struct RefText {
    pub ids: Vec<u32>,
    pub embedding: Vec<f32>,
}

/// `clip_small.json`.
pub struct Reference {
    pub image_size: u32,
    pub layout: Layout,
    pub full_size_layout: Layout,
    pub images: Vec<RefImage>,
    pub texts: Vec<RefText>,
}

fn layout(v: &serde_json::Value) -> Layout {
    v.as_array()
        .expect("layout")
        .iter()
        .map(|e| {
            let name = e[0].as_str().expect("name").to_string();
            let shape = e[1]
                .as_array()
                .expect("shape")
                .iter()
                .map(|d| d.as_u64().expect("dim") as usize)
                .collect();
            (name, shape)
        })
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}

/// The parsed reference, read once per test binary.
pub fn reference() -> &'static Reference {
    static REF: OnceLock<Reference> = OnceLock::new();
    REF.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clip/clip_small.json");
        let text = std::fs::read_to_string(&path).expect("reference json");
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(v["formula_version"], 1, "regenerate with make_reference.py");
        let num = |x: &serde_json::Value| x.as_u64().expect("integer");
        Reference {
            image_size: num(&v["image_size"]) as u32,
            layout: layout(&v["state_dict"]),
            full_size_layout: layout(&v["full_size_state_dict"]),
            images: v["images"]
                .as_array()
                .expect("images")
                .iter()
                .map(|i| RefImage {
                    width: num(&i["width"]) as u32,
                    height: num(&i["height"]) as u32,
                    pixel_sum: num(&i["pixel_sum"]),
                    crop: hex(i["crop_rgb_hex"].as_str().expect("hex")),
                    sample_step: num(&i["sample_step"]) as usize,
                    samples: floats(&i["samples"]),
                    embedding: floats(&i["embedding"]),
                })
                .collect(),
            texts: v["texts"]
                .as_array()
                .expect("texts")
                .iter()
                .map(|t| RefText {
                    ids: t["ids"]
                        .as_array()
                        .expect("ids")
                        .iter()
                        .map(|i| num(i) as u32)
                        .collect(),
                    embedding: floats(&t["embedding"]),
                })
                .collect(),
        }
    })
}

/// The formula weights of the small model, computed once.
pub fn small_entries() -> &'static [Entry] {
    static E: OnceLock<Vec<Entry>> = OnceLock::new();
    E.get_or_init(|| formula_entries(&reference().layout))
}

/// Writes `entries` as a `.safetensors` file of `dtype` (F32, F16 or BF16), plus `extra`
/// tensors as given (e.g. int64 `position_ids`).
pub fn write_checkpoint(
    path: &Path,
    entries: &[Entry],
    dtype: DType,
    extra: Vec<(String, Tensor)>,
) {
    let mut tensors: Vec<(String, Tensor)> = entries
        .iter()
        .map(|e| {
            let t = Tensor::from_vec(e.data.clone(), e.shape.clone(), &Device::Cpu)
                .and_then(|t| t.to_dtype(dtype))
                .expect("tensor");
            (e.name.clone(), t)
        })
        .collect();
    tensors.extend(extra);
    safetensors::tensor::serialize_to_file(tensors, None, path).expect("write safetensors");
}

/// The small model as an F32 file in `dir` (written once per call).
pub fn write_small(dir: &Path, file: &str) -> std::path::PathBuf {
    let path = dir.join(file);
    write_checkpoint(&path, small_entries(), DType::F32, Vec::new());
    path
}

/// Writes an F32 safetensors file for `layout` without materialising it: the header, then the
/// formula values of the tensors `fill` selects; everything else stays a hole of zeros (sparse).
pub fn write_sparse(path: &Path, layout: &[(String, Vec<usize>)], fill: impl Fn(&str) -> bool) {
    let mut header = serde_json::Map::new();
    let mut offset = 0usize;
    let mut ranges = Vec::new();
    for (name, shape) in layout {
        let bytes = 4 * shape.iter().product::<usize>();
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]}),
        );
        ranges.push((name, shape, offset));
        offset += bytes;
    }
    let mut json = serde_json::to_vec(&serde_json::Value::Object(header)).expect("json");
    while !json.len().is_multiple_of(8) {
        json.push(b' ');
    }
    let mut f = std::fs::File::create(path).expect("create");
    f.write_all(&(json.len() as u64).to_le_bytes())
        .expect("write");
    f.write_all(&json).expect("write");
    let start = 8 + json.len() as u64;
    for (name, shape, off) in ranges {
        if fill(name) {
            let bytes: Vec<u8> = tensor_value(name, shape)
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect();
            f.seek(SeekFrom::Start(start + off as u64)).expect("seek");
            f.write_all(&bytes).expect("write");
        }
    }
    f.set_len(start + offset as u64).expect("set_len");
}
