//! Writes a state dict the way `torch.save(model.state_dict(), path)` does: a zip archive
//! (stored, 64-byte aligned) holding `archive/data.pkl` (pickle protocol 2 of an OrderedDict
//! of `torch._utils._rebuild_tensor_v2(...)` calls whose storages are persistent ids) and one
//! raw little-endian file per storage under `archive/data/`.

use std::io::Write;
use std::path::Path;

use super::Entry;

/// Minimal pickle (protocol 2) writer with memoised globals, like CPython's pickler.
struct Pickler {
    out: Vec<u8>,
    memo: Vec<(String, String)>,
}

impl Pickler {
    fn new() -> Self {
        Self {
            out: vec![0x80, 2],
            memo: Vec::new(),
        }
    }
    fn global(&mut self, module: &str, name: &str) {
        let key = (module.to_string(), name.to_string());
        if let Some(i) = self.memo.iter().position(|k| *k == key) {
            self.get(i);
            return;
        }
        self.out.push(b'c');
        self.out
            .extend_from_slice(format!("{module}\n{name}\n").as_bytes());
        let i = self.memo.len();
        self.memo.push(key);
        if i < 256 {
            self.out.extend_from_slice(&[b'q', i as u8]);
        } else {
            self.out.push(b'r');
            self.out.extend_from_slice(&(i as u32).to_le_bytes());
        }
    }
    fn get(&mut self, i: usize) {
        if i < 256 {
            self.out.extend_from_slice(&[b'h', i as u8]);
        } else {
            self.out.push(b'j');
            self.out.extend_from_slice(&(i as u32).to_le_bytes());
        }
    }
    fn string(&mut self, s: &str) {
        self.out.push(b'X');
        self.out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.out.extend_from_slice(s.as_bytes());
    }
    fn int(&mut self, v: usize) {
        if v < 256 {
            self.out.extend_from_slice(&[b'K', v as u8]);
        } else if v < 65536 {
            self.out.push(b'M');
            self.out.extend_from_slice(&(v as u16).to_le_bytes());
        } else {
            self.out.push(b'J');
            self.out.extend_from_slice(&(v as i32).to_le_bytes());
        }
    }
    fn op(&mut self, op: u8) {
        self.out.push(op);
    }
    fn tuple(&mut self, items: &[usize]) {
        match items.len() {
            0 => self.op(b')'),
            _ => {
                self.op(b'(');
                for &v in items {
                    self.int(v);
                }
                self.op(b't');
            }
        }
    }
    fn empty_ordered_dict(&mut self) {
        self.global("collections", "OrderedDict");
        self.op(b')');
        self.op(b'R');
    }
    /// `_rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`.
    fn tensor(&mut self, storage_type: &str, key: usize, shape: &[usize]) {
        let numel: usize = shape.iter().product();
        let mut stride = vec![1usize; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            stride[i] = stride[i + 1] * shape[i + 1];
        }
        self.global("torch._utils", "_rebuild_tensor_v2");
        self.op(b'(');
        self.op(b'(');
        self.string("storage");
        self.global("torch", storage_type);
        self.string(&key.to_string());
        self.string("cpu");
        self.int(numel);
        self.op(b't');
        self.op(b'Q');
        self.int(0);
        self.tuple(shape);
        self.tuple(&stride);
        self.op(0x89);
        self.empty_ordered_dict();
        self.op(b't');
        self.op(b'R');
    }
}

/// How the state dict is wrapped in the checkpoint.
pub enum Wrap<'a> {
    /// `torch.save(model.state_dict())`.
    Plain,
    /// `torch.save({key: state_dict, "epoch": 7})`, tensor names prefixed with `prefix`.
    Nested {
        /// Outer key, e.g. `state_dict`.
        key: &'a str,
        /// Name prefix, e.g. `module.`.
        prefix: &'a str,
    },
}

/// Writes `entries` as a PyTorch zip checkpoint.
pub fn write_pth(entries: &[Entry], path: &Path, wrap: Wrap<'_>) {
    let mut p = Pickler::new();
    let prefix = match wrap {
        Wrap::Plain => "",
        Wrap::Nested { key, prefix } => {
            p.op(b'}');
            p.op(b'(');
            p.string(key);
            prefix
        }
    };
    p.empty_ordered_dict();
    p.op(b'(');
    for (i, e) in entries.iter().enumerate() {
        p.string(&format!("{prefix}{}", e.name));
        let storage = if e.is_counter {
            "LongStorage"
        } else {
            "FloatStorage"
        };
        p.tensor(storage, i, &e.shape);
    }
    p.op(b'u');
    // state_dict()._metadata, restored with BUILD like torch does.
    p.op(b'}');
    p.string("_metadata");
    p.empty_ordered_dict();
    p.string("");
    p.op(b'}');
    p.string("version");
    p.int(1);
    p.op(b's');
    p.op(b's');
    p.op(b's');
    p.op(b'b');
    if let Wrap::Nested { .. } = wrap {
        p.string("epoch");
        p.int(7);
        p.op(b'u');
    }
    p.op(b'.');

    let file = std::fs::File::create(path).expect("create pth");
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .with_alignment(64);
    zip.start_file("archive/data.pkl", opts).expect("zip");
    zip.write_all(&p.out).expect("zip write");
    zip.start_file("archive/byteorder", opts).expect("zip");
    zip.write_all(b"little").expect("zip write");
    for (i, e) in entries.iter().enumerate() {
        zip.start_file(format!("archive/data/{i}"), opts)
            .expect("zip");
        let bytes: Vec<u8> = if e.is_counter {
            0i64.to_le_bytes().to_vec()
        } else {
            e.data.iter().flat_map(|v| v.to_le_bytes()).collect()
        };
        zip.write_all(&bytes).expect("zip write");
    }
    zip.start_file("archive/version", opts).expect("zip");
    zip.write_all(b"3\n").expect("zip write");
    zip.finish().expect("zip finish");
}

/// Writes a stored zip archive holding `files` (name, content), e.g. a hand-made `data.pkl`.
pub fn write_zip(path: &Path, files: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).expect("create zip");
    let mut zip = zip::ZipWriter::new(file);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        zip.start_file(*name, opts).expect("zip");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("zip finish");
}
