//! Issue 19, query side: querying with a photo lists its edited copies before other shots of the
//! same scene, even where the default model (EfficientNet-Lite0) sees the copy's caption bar as
//! a change of content. Real photos: the scikit-image samples in tests/fixtures/lite0.

use crate::common;

use common::*;
use image::{Rgb, RgbImage};
use serde_json::Value;
use std::path::Path;

/// A dark bar of `frac` of the height across the bottom, with blocks of white standing for
/// letters (as a caption looks at signature size).
fn bottom_caption(img: &RgbImage, frac: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let bar = (h as f32 * frac) as u32;
    let mut out = img.clone();
    for y in h - bar..h {
        for x in 0..w {
            let (row, col) = ((y + bar - h) * 10 / bar.max(1), x * 60 / w);
            let letter = (3..7).contains(&row) && col > 2 && col < 50 && (col * 7 + row) % 5 != 0;
            out.put_pixel(x, y, Rgb(if letter { [255; 3] } else { [18; 3] }));
        }
    }
    out
}

#[test]
fn a_captioned_copy_comes_before_other_shots_of_the_same_scene() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lite0");
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let open = |name: &str| {
        image::open(fixtures.join(format!("{name}.png")))
            .expect("fixture")
            .to_rgb8()
    };
    let cat = open("chelsea");
    save_jpeg(&cat, &lib.join("chelsea.jpg"), 92);
    save_jpeg(
        &bottom_caption(&cat, 0.25),
        &lib.join("chelsea_caption.jpg"),
        88,
    );
    // Two other shots of the scene: the lower corners, 60 % of each side (not copies: the
    // embedding ranks them above the captioned copy).
    let (w, h) = cat.dimensions();
    let (cw, ch) = (w * 6 / 10, h * 6 / 10);
    for (name, x) in [("chelsea_left", 0), ("chelsea_right", w - cw)] {
        let shot = image::imageops::crop_imm(&cat, x, h - ch, cw, ch).to_image();
        save_jpeg(&shot, &lib.join(format!("{name}.jpg")), 90);
    }
    for other in ["astronaut", "coffee", "grace_hopper"] {
        save_jpeg(&open(other), &lib.join(format!("{other}.jpg")), 92);
    }
    let data = tmp.path().join("data");
    lookalike_ok(&data, &["index", lib.to_str().expect("utf8")]);
    let query = lib.join("chelsea.jpg");
    let out = lookalike_ok(
        &data,
        &["query", query.to_str().expect("utf8"), "-k", "3", "--json"],
    );
    let hits: Vec<Value> = serde_json::from_str(out.trim()).expect("query --json");
    let names: Vec<&str> = hits
        .iter()
        .map(|h| {
            let p = Path::new(h["path"].as_str().expect("path"));
            p.file_name().and_then(|n| n.to_str()).expect("name")
        })
        .collect();
    assert_eq!(names[0], "chelsea_caption.jpg", "{hits:?}");
}
