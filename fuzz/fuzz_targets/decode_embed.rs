//! Fuzz target: arbitrary bytes through the indexer's per-file path — format sniffing (magic
//! bytes, or the name for TGA and DIB), guarded decoding, the model-free descriptor and the 32x32
//! pixel signature. Any panic that escapes, abort, hang or out-of-memory is a finding.
//! (`decode` catches decoder panics itself; those count as handled.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

// The library's own sources, compiled here without its heavy dependencies. `descriptor.rs`
// reaches its siblings through `super::` (the shim below stands in for `core::embed`) and
// `crate::core::image_io`.
#[allow(dead_code)]
#[path = "../../src/core/image_io/mod.rs"]
pub mod image_io;

#[allow(dead_code)]
#[path = "../../src/core/embed/descriptor.rs"]
pub mod descriptor;

#[allow(dead_code)]
#[path = "../../src/core/guard.rs"]
pub mod guard;

mod core {
    pub use crate::guard;
    pub use crate::image_io;
}

use image::RgbImage;

#[allow(dead_code)]
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("cannot embed this image: {0}")]
    BadInput(String),
}

#[allow(dead_code)]
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub data: Vec<f32>,
}

#[allow(dead_code)]
pub trait Embedder: Send + Sync {
    fn id(&self) -> &str;
    fn label(&self) -> String;
    fn dim(&self) -> usize;
    fn min_input_side_px(&self) -> u32;
    fn prepare(&self, img: &RgbImage) -> Result<Prepared, EmbedError>;
    fn embed_batch(&self, batch: &[Prepared]) -> Result<Vec<Vec<f32>>, EmbedError>;
    fn preferred_batch(&self) -> usize {
        1
    }
}

pub fn l2_normalize(v: &mut [f32]) -> bool {
    let norm_sq: f64 = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    if !norm_sq.is_finite() || norm_sq <= 1e-24 {
        return false;
    }
    let inv = (1.0 / norm_sq.sqrt()) as f32;
    v.iter_mut().for_each(|x| *x *= inv);
    true
}

use descriptor::Descriptor;

/// libFuzzer's panic hook aborts on every panic, even one `decode` catches on purpose (the
/// tiff crate asserts on some layouts). Replace it: caught panics are listed once per place;
/// a panic that escapes still aborts (libfuzzer-sys aborts after `catch_unwind`).
fn tolerate_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let seen = std::sync::Mutex::new(std::collections::HashSet::<String>::new());
        std::panic::set_hook(Box::new(move |info| {
            let at = info.location().map(|l| l.to_string()).unwrap_or_default();
            if seen.lock().is_ok_and(|mut s| s.insert(at.clone())) {
                eprintln!("caught decoder panic at {at}: {info}");
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    tolerate_caught_panics();
    // The last byte picks the name the file has (matters only for name-sniffed formats).
    let name = match data.last().map(|b| b % 3) {
        Some(1) => "x.tga",
        Some(2) => "x.dib",
        _ => "x.jpg",
    };
    let Some(format) = image_io::sniff_file(data, Path::new(name)) else {
        let _ = image_io::unknown(data);
        return;
    };
    let Ok(d) = image_io::decode_as(data, format, 224) else {
        return;
    };
    assert!(d.image.width() > 0 && d.image.height() > 0);
    assert!(d.width > 0 && d.height > 0);
    let v = Descriptor::compute(&d.image);
    if let Ok(v) = v {
        assert!(v.iter().all(|x| x.is_finite()), "non-finite descriptor");
    }
    let sig = image_io::resize_exact(&d.image, 32, 32);
    assert_eq!(sig.dimensions(), (32, 32));
});
