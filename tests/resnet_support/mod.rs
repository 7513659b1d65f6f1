//! Shared helpers for the ResNet tests: the deterministic weight/input formula of
//! `tests/fixtures/resnet/make_reference.py` (reproduced bit for bit), torchvision state-dict
//! names, and writers for `.safetensors` and PyTorch zip `.pth` files.

#![allow(dead_code)]

pub mod hub;
pub mod pth;

use std::path::Path;
use std::sync::OnceLock;

/// One state-dict entry: name, shape, and f32 data (or an int64 scalar for
/// `num_batches_tracked`).
pub struct Entry {
    /// Tensor name, torchvision spelling.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Values for float tensors; empty for the int64 counter.
    pub data: Vec<f32>,
    /// `true` for `num_batches_tracked` (int64 scalar 0).
    pub is_counter: bool,
}

fn fnv1a32(s: &str) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for b in s.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// `n` values in [-1, 1): same as `unit()` in make_reference.py.
pub fn unit(name: &str, n: usize) -> Vec<f64> {
    let seed = fnv1a32(name);
    (0..n)
        .map(|i| {
            let mut h = (i as u32).wrapping_mul(0x9E37_79B1).wrapping_add(seed);
            h ^= h >> 16;
            h = h.wrapping_mul(0x85EB_CA6B);
            h ^= h >> 13;
            h = h.wrapping_mul(0xC2B2_AE35);
            h ^= h >> 16;
            f64::from(h >> 8) / 8_388_608.0 - 1.0
        })
        .collect()
}

/// Tensor values: same as `tensor_value()` in make_reference.py.
pub fn tensor_value(name: &str, shape: &[usize]) -> Vec<f32> {
    let n: usize = shape.iter().product();
    let u = unit(name, n);
    let f: Box<dyn Fn(f64) -> f64> = if name.starts_with("fc.") {
        if name.ends_with("weight") {
            let s = (1.0 / shape[1] as f64).sqrt();
            Box::new(move |u| u * s)
        } else {
            Box::new(|u| 0.01 * u)
        }
    } else if name.ends_with("running_mean") {
        Box::new(|u| 0.2 * u)
    } else if name.ends_with("running_var") {
        Box::new(|u| 1.0 + 0.5 * u)
    } else if shape.len() == 4 {
        let fan_in = shape[1] * shape[2] * shape[3];
        let s = (6.0 / fan_in as f64).sqrt();
        Box::new(move |u| u * s)
    } else if name.ends_with(".weight") {
        Box::new(|u| 0.6 + 0.4 * u)
    } else {
        Box::new(|u| 0.1 * u - 0.05)
    };
    u.into_iter().map(|u| f(u) as f32).collect()
}

/// torchvision's `resnet{18,50}().state_dict()` names and shapes, in definition order.
pub fn state_dict_layout(depth: u8) -> Vec<(String, Vec<usize>)> {
    let (bottleneck, blocks) = match depth {
        18 => (false, [2, 2, 2, 2]),
        34 => (false, [3, 4, 6, 3]),
        50 => (true, [3, 4, 6, 3]),
        _ => panic!("unsupported depth {depth}"),
    };
    let mut out = Vec::new();
    let bn = |out: &mut Vec<(String, Vec<usize>)>, p: &str, c: usize| {
        for s in ["weight", "bias", "running_mean", "running_var"] {
            out.push((format!("{p}.{s}"), vec![c]));
        }
        out.push((format!("{p}.num_batches_tracked"), vec![]));
    };
    out.push(("conv1.weight".into(), vec![64, 3, 7, 7]));
    bn(&mut out, "bn1", 64);
    let exp = if bottleneck { 4 } else { 1 };
    let mut cin = 64;
    for (li, &n) in blocks.iter().enumerate() {
        let w = 64 << li;
        for bi in 0..n {
            let p = format!("layer{}.{bi}", li + 1);
            let convs: Vec<Vec<usize>> = if bottleneck {
                vec![vec![w, cin, 1, 1], vec![w, w, 3, 3], vec![w * exp, w, 1, 1]]
            } else {
                vec![vec![w, cin, 3, 3], vec![w, w, 3, 3]]
            };
            for (ci, shape) in convs.into_iter().enumerate() {
                let c = shape[0];
                out.push((format!("{p}.conv{}.weight", ci + 1), shape));
                bn(&mut out, &format!("{p}.bn{}", ci + 1), c);
            }
            if bi == 0 && (li > 0 || cin != w * exp) {
                out.push((format!("{p}.downsample.0.weight"), vec![w * exp, cin, 1, 1]));
                bn(&mut out, &format!("{p}.downsample.1"), w * exp);
            }
            cin = w * exp;
        }
    }
    out.push(("fc.weight".into(), vec![1000, cin]));
    out.push(("fc.bias".into(), vec![1000]));
    out
}

/// The full formula-filled state dict of a torchvision ResNet.
pub fn state_dict(depth: u8) -> Vec<Entry> {
    state_dict_layout(depth)
        .into_iter()
        .map(|(name, shape)| {
            let is_counter = name.ends_with("num_batches_tracked");
            let data = if is_counter {
                Vec::new()
            } else {
                tensor_value(&name, &shape)
            };
            Entry {
                name,
                shape,
                data,
                is_counter,
            }
        })
        .collect()
}

/// The formula weights of ResNet-18 or -50, computed once per test binary.
pub fn weights(depth: u8) -> &'static [Entry] {
    static R18: OnceLock<Vec<Entry>> = OnceLock::new();
    static R50: OnceLock<Vec<Entry>> = OnceLock::new();
    match depth {
        18 => R18.get_or_init(|| state_dict(18)),
        50 => R50.get_or_init(|| state_dict(50)),
        _ => unreachable!(),
    }
}

/// A copy of `entries` without the tensor called `name` (`""`: a plain copy).
pub fn without(entries: &[Entry], name: &str) -> Vec<Entry> {
    entries
        .iter()
        .filter(|e| e.name != name)
        .map(|e| Entry {
            name: e.name.clone(),
            shape: e.shape.clone(),
            data: e.data.clone(),
            is_counter: e.is_counter,
        })
        .collect()
}

/// Network input `n` (already normalised, CHW 3x224x224): `make_input()` in the script.
pub fn make_input(n: usize) -> Vec<f32> {
    let u = unit(&format!("input{n}"), 3 * 224 * 224);
    let nf = n as f64;
    let p = 8 * (n + 1);
    let q = 2 * p - 4;
    let mut out = Vec::with_capacity(u.len());
    for c in 0..3usize {
        let cf = c as f64;
        for y in 0..224usize {
            for x in 0..224usize {
                let i = (c * 224 + y) * 224 + x;
                let ch = if (x / p + y / q) % 2 == 1 { 1.0 } else { -1.0 };
                let gx = x as f64 / 223.0 * 2.0 - 1.0;
                let gy = y as f64 / 223.0 * 2.0 - 1.0;
                let v = 0.3 * u[i]
                    + 1.5 * ch * (cf - 1.0 + 0.5 * nf - 0.5)
                    + gx * (nf - 1.0)
                    + 0.8 * gy * (cf - 1.0);
                out.push(v as f32);
            }
        }
    }
    out
}

/// The 640x480 test photo: `make_photo()` in the script.
pub fn make_photo(w: u32, h: u32) -> image::RgbImage {
    let u = unit("photo", (w * h * 3) as usize);
    let mut img = image::RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let checker = if (x / 32 + y / 32) % 2 == 1 {
                1.0
            } else {
                -1.0
            };
            let gx = f64::from(x) / (f64::from(w) - 1.0) * 2.0 - 1.0;
            let gy = f64::from(y) / (f64::from(h) - 1.0) * 2.0 - 1.0;
            let mut px = [0u8; 3];
            for (c, p) in px.iter_mut().enumerate() {
                let i = ((y * w + x) * 3) as usize + c;
                let v =
                    128.0 + 70.0 * gx * (c as f64 - 1.0) + 50.0 * gy + 30.0 * checker + 12.0 * u[i];
                *p = (v + 0.5).floor().clamp(0.0, 255.0) as u8;
            }
            img.put_pixel(x, y, image::Rgb(px));
        }
    }
    img
}

/// Writes float tensors (counters skipped, as timm files have none) with the safetensors crate.
pub fn write_safetensors(entries: &[Entry], path: &Path) {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = entries
        .iter()
        .filter(|e| !e.is_counter)
        .map(|e| {
            let b = e.data.iter().flat_map(|v| v.to_le_bytes()).collect();
            (e.name.clone(), e.shape.clone(), b)
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = bytes
        .iter()
        .map(|(n, s, b)| {
            let v = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b)
                .expect("tensor view");
            (n.clone(), v)
        })
        .collect();
    safetensors::tensor::serialize_to_file(views, None, path).expect("write safetensors");
}

/// Parsed reference file written by make_reference.py.
pub struct Reference {
    /// L2-normalised embeddings, one per input.
    pub embeddings: Vec<Vec<f32>>,
    /// Norms of the raw pooled features.
    pub raw_norms: Vec<f64>,
    /// The `prepare` section (ResNet-18 only).
    pub prepare: Option<serde_json::Value>,
}

/// Loads `tests/fixtures/resnet/resnet{depth}.json`.
pub fn reference(depth: u8) -> Reference {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/resnet")
        .join(format!("resnet{depth}.json"));
    let text = std::fs::read_to_string(&path).expect("reference json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["formula_version"], 1, "regenerate with make_reference.py");
    let embeddings = v["embeddings"]
        .as_array()
        .expect("embeddings")
        .iter()
        .map(floats)
        .collect();
    let raw_norms = v["raw_norms"]
        .as_array()
        .expect("norms")
        .iter()
        .map(|x| x.as_f64().expect("f64"))
        .collect();
    Reference {
        embeddings,
        raw_norms,
        prepare: v.get("prepare").cloned(),
    }
}

/// A JSON array of numbers as f32.
pub fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

/// Cosine similarity in f64.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "dimension");
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}
