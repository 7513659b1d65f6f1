//! CLIP loading failures: damaged and foreign files, bad inputs, and a file whose vision half is
//! poisoned (the text tower must not read it). Every failure is an error naming the file, never a
//! panic.

use std::path::Path;

use candle_core::{DType, Device};
use lookalike::core::embed::clip::model::{
    ClipImageEmbedder, ClipTextEncoder, inspect, is_clip_file,
};
use lookalike::core::embed::{EmbedError, Embedder, Prepared};

use super::support::{self, Entry, reference, write_checkpoint, write_small};
use super::{F32_BAR, load_both};
use crate::resnet_support::cosine;

/// Every way of loading `path` fails with an error that names the file; returns the message.
fn expect_error(path: &Path) -> String {
    let shown = path.display().to_string();
    let errs: Vec<EmbedError> = vec![
        inspect(path).expect_err("inspect"),
        ClipImageEmbedder::load(path, &Device::Cpu).expect_err("image tower"),
        ClipTextEncoder::load(path, &Device::Cpu).expect_err("text tower"),
    ];
    for e in &errs {
        assert!(
            e.to_string().contains(&shown),
            "error does not name the file: {e}"
        );
    }
    println!("{}", errs[0]);
    errs[0].to_string()
}

#[test]
fn damaged_files_give_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let good = write_small(dir.path(), "good.safetensors");
    let bytes = std::fs::read(&good).expect("read");
    let write = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).expect("write");
        p
    };
    let truncated = write("truncated.safetensors", &bytes[..bytes.len() / 2]);
    let msg = expect_error(&truncated);
    assert!(msg.contains("truncated"), "{msg}");
    assert!(
        is_clip_file(&truncated),
        "a cut CLIP download is still routed to the CLIP loader"
    );
    let header_cut = write("header-cut.safetensors", &bytes[..100]);
    assert!(expect_error(&header_cut).contains("truncated"));
    for (name, data) in [
        ("empty.safetensors", &b""[..]),
        ("text.safetensors", &b"hello, not a model at all"[..]),
    ] {
        let p = write(name, data);
        assert!(expect_error(&p).contains("not a .safetensors file"));
        assert!(!is_clip_file(&p));
    }
    let mut garbage = 40u64.to_le_bytes().to_vec();
    garbage.extend_from_slice(&[b'x'; 40]);
    assert!(expect_error(&write("garbage.safetensors", &garbage)).contains("JSON"));

    let missing_name = "vision_model.encoder.layers.1.mlp.fc2.bias";
    let missing: Vec<Entry> = support::formula_entries(&reference().layout)
        .into_iter()
        .filter(|e| e.name != missing_name)
        .collect();
    let p = dir.path().join("missing.safetensors");
    write_checkpoint(&p, &missing, DType::F32, Vec::new());
    assert!(
        matches!(ClipImageEmbedder::load(&p, &Device::Cpu), Err(EmbedError::MissingTensor { tensor, .. }) if tensor == missing_name)
    );
    assert!(
        ClipTextEncoder::load(&p, &Device::Cpu).is_ok(),
        "the text tower does not need it"
    );
    assert!(inspect(&p).is_err());

    let mut reshaped = support::formula_entries(&reference().layout);
    let bad = "text_model.encoder.layers.0.self_attn.k_proj.weight";
    if let Some(e) = reshaped.iter_mut().find(|e| e.name == bad) {
        e.shape = vec![64, 256];
    }
    let p = dir.path().join("reshaped.safetensors");
    write_checkpoint(&p, &reshaped, DType::F32, Vec::new());
    assert!(
        matches!(ClipTextEncoder::load(&p, &Device::Cpu), Err(EmbedError::ShapeMismatch { tensor, .. }) if tensor == bad)
    );
    assert!(
        ClipImageEmbedder::load(&p, &Device::Cpu).is_ok(),
        "the image tower does not need it"
    );
    let msg = inspect(&p).expect_err("inspect").to_string();
    assert!(
        msg.contains(bad) && msg.contains("reshaped.safetensors"),
        "{msg}"
    );

    let resnet = dir.path().join("resnet18.safetensors");
    crate::resnet_support::write_safetensors(crate::resnet_support::weights(18), &resnet);
    let msg = expect_error(&resnet);
    assert!(msg.contains("not a CLIP checkpoint"), "{msg}");
    assert!(!is_clip_file(&resnet));
    assert!(!is_clip_file(&dir.path().join("absent.safetensors")));
    assert!(expect_error(&dir.path().join("absent.safetensors")).contains("absent"));
}

#[test]
fn bad_inputs_give_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_small(dir.path(), "clip.safetensors");
    let (img, txt) = load_both(&path);
    assert!(matches!(txt.embed_ids(&[]), Err(EmbedError::BadInput(_))));
    assert!(matches!(
        txt.embed_ids(&[49406; 78]),
        Err(EmbedError::BadInput(_))
    ));
    assert!(matches!(
        txt.embed_ids(&[49406, 49408, 49407]),
        Err(EmbedError::BadInput(_))
    ));
    assert!(img.prepare(&image::RgbImage::new(0, 10)).is_err());
    assert!(
        img.embed_batch(&[Prepared {
            data: vec![0.0; 10]
        }])
        .is_err()
    );
    assert!(img.embed_batch(&[]).expect("empty batch").is_empty());
    // Tiny and very thin photos still work (upscaled to 64 on the short side; the 1:20000 strip
    // would be 1.28 million pixels long if it were resized whole).
    for (w, h) in [(1, 1), (3, 200), (200, 3), (40_000, 2)] {
        let v = lookalike::core::embed::embed_one(&img, &image::RgbImage::new(w, h)).expect("tiny");
        assert_eq!(v.len(), 64);
    }
}

#[test]
fn text_tower_never_touches_vision_data() {
    // Vision tensors full of NaN: the text tower still matches, the image tower reports it.
    let dir = tempfile::tempdir().expect("tmp");
    let poisoned: Vec<Entry> = support::formula_entries(&reference().layout)
        .into_iter()
        .map(|mut e| {
            if e.name.starts_with("vision_model.") {
                e.data.iter_mut().for_each(|v| *v = f32::NAN);
            }
            e
        })
        .collect();
    let path = dir.path().join("poisoned.safetensors");
    write_checkpoint(&path, &poisoned, DType::F32, Vec::new());
    let (img, txt) = load_both(&path);
    for t in &reference().texts {
        assert!(cosine(&txt.embed_ids(&t.ids).expect("text"), &t.embedding) >= F32_BAR);
    }
    let photo = support::make_photo(0, 97, 61);
    assert!(lookalike::core::embed::embed_one(&img, &photo).is_err());
}
