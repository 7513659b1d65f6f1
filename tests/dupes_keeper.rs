//! Issue 19 item 4, the keeper: a copy whose caption bar was added *outside* the photo (the
//! canvas made taller for a line of text above or below it) has more pixels than its source but
//! no more picture, so it is never kept over the source, and the group says why. A wider crop
//! of a photo lines up with the photo's middle rows just as well, but what it cut away is
//! picture, not a bar: the photo stays the keeper. Real photos: the scikit-image samples in
//! tests/fixtures/lite0.

use crate::common;

use common::*;
use image::{Rgb, RgbImage};
use serde_json::Value;
use std::path::Path;

/// `img` on a canvas `frac` of its height taller, the extra rows a bar of `fill` above or below
/// the photo with blocks of `ink` standing for a line of text.
pub(crate) fn bar_outside(
    img: &RgbImage,
    frac: f32,
    top: bool,
    fill: [u8; 3],
    ink: [u8; 3],
) -> RgbImage {
    let (w, h) = img.dimensions();
    let bar = (h as f32 * frac) as u32;
    let y_photo = if top { bar } else { 0 };
    let y_bar = if top { 0 } else { h };
    RgbImage::from_fn(w, h + bar, |x, y| {
        if (y_photo..y_photo + h).contains(&y) {
            return *img.get_pixel(x, y - y_photo);
        }
        let (row, col) = ((y - y_bar) * 10 / bar.max(1), x * 60 / w);
        let letter = (3..7).contains(&row) && col > 2 && col < 44 && (col * 7 + row) % 5 != 0;
        Rgb(if letter { ink } else { fill })
    })
}

/// A scikit-image sample photo of tests/fixtures/lite0.
pub(crate) fn open_fixture(name: &str) -> RgbImage {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lite0");
    image::open(fixtures.join(format!("{name}.png")))
        .expect("fixture")
        .to_rgb8()
}

/// `(file names of the photos, kept file name, reason)` of each group of `dupes --json`.
fn groups(data: &Path) -> Vec<(Vec<String>, String, String)> {
    let v: Value = serde_json::from_str(lookalike_ok(data, &["dupes", "--json"]).trim())
        .expect("dupes --json");
    let name = |p: &Value| {
        let path = Path::new(p.as_str().expect("path"));
        path.file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned()
    };
    v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let photos = g["photos"]
                .as_array()
                .expect("photos")
                .iter()
                .map(|p| name(&p["path"]))
                .collect();
            let reason = g["keep_reason"].as_str().unwrap_or_default().to_string();
            (photos, name(&g["keep"]), reason)
        })
        .collect()
}

#[test]
fn a_copy_with_a_caption_bar_added_outside_the_photo_is_never_kept_over_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let rocket = open_fixture("rocket");
    save_jpeg(&rocket, &lib.join("rocket.jpg"), 92);
    let below = bar_outside(&rocket, 0.15, false, [18, 18, 18], [255, 255, 255]);
    save_jpeg(&below, &lib.join("rocket_bar_below.jpg"), 92);
    let coffee = open_fixture("coffee");
    save_jpeg(&coffee, &lib.join("coffee.jpg"), 92);
    let above = bar_outside(&coffee, 0.12, true, [250, 250, 250], [20, 20, 20]);
    save_jpeg(&above, &lib.join("coffee_title_above.jpg"), 92);
    // A wider crop (the middle 88 % of the rows): it lines up with the photo's middle rows as a
    // copy with bars would, but the photo has more picture and stays kept.
    let astronaut = open_fixture("astronaut");
    let (w, h) = astronaut.dimensions();
    let wide = image::imageops::crop_imm(&astronaut, 0, h * 6 / 100, w, h * 88 / 100).to_image();
    save_jpeg(&astronaut, &lib.join("astronaut.jpg"), 92);
    save_jpeg(&wide, &lib.join("astronaut_wide_crop.jpg"), 92);
    save_jpeg(
        &open_fixture("grace_hopper"),
        &lib.join("grace_hopper.jpg"),
        92,
    );
    let data = tmp.path().join("data");
    index_descriptor(&data, &lib);
    let found = groups(&data);
    for (source, copy) in [
        ("rocket.jpg", "rocket_bar_below.jpg"),
        ("coffee.jpg", "coffee_title_above.jpg"),
    ] {
        let (_, kept, reason) = found
            .iter()
            .find(|g| g.0.iter().any(|p| p == source) && g.0.iter().any(|p| p == copy))
            .unwrap_or_else(|| panic!("{copy} not grouped with {source}: {found:?}"));
        assert_eq!(kept, source, "{copy} kept over its source: {reason}");
        assert!(
            reason.contains("caption bar"),
            "the reason does not say why the larger copy lost: {reason}"
        );
    }
    let (_, kept, reason) = found
        .iter()
        .find(|g| g.0.iter().any(|p| p == "astronaut_wide_crop.jpg"))
        .unwrap_or_else(|| panic!("the wide crop not grouped: {found:?}"));
    assert_eq!(
        kept, "astronaut.jpg",
        "a crop kept over its photo: {reason}"
    );
}

/// Issue 19 item 2: a bar added below a photo squeezes the picture in one direction only in the
/// square signature, which the pixel check's alignment (one scale for both axes) cannot undo:
/// scikit-image's chelsea with a 15 % bar below scored under the near threshold and was not
/// grouped with its photo. The pair is now measured on the picture's rows.
#[test]
fn a_photo_with_a_caption_bar_added_below_is_grouped_with_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let chelsea = open_fixture("chelsea");
    save_jpeg(&chelsea, &lib.join("chelsea.jpg"), 92);
    let below = bar_outside(&chelsea, 0.15, false, [18, 18, 18], [255, 255, 255]);
    save_jpeg(&below, &lib.join("chelsea_bar_below.jpg"), 88);
    for other in ["rocket", "coffee", "astronaut", "grace_hopper"] {
        save_jpeg(&open_fixture(other), &lib.join(format!("{other}.jpg")), 92);
    }
    let data = tmp.path().join("data");
    index_descriptor(&data, &lib);
    let found = groups(&data);
    let (photos, kept, _) = found
        .iter()
        .find(|g| g.0.iter().any(|p| p == "chelsea.jpg"))
        .unwrap_or_else(|| panic!("chelsea.jpg in no group: {found:?}"));
    assert_eq!(
        photos.len(),
        2,
        "chelsea grouped with the wrong photos: {photos:?}"
    );
    assert!(photos.iter().any(|p| p == "chelsea_bar_below.jpg"));
    assert_eq!(kept, "chelsea.jpg");
}

/// `img` with two lines of meme text drawn over the picture (white letters with a dark outline,
/// near the top and the bottom), at the same size.
fn meme(img: &RgbImage) -> RgbImage {
    let (w, h) = img.dimensions();
    let mut out = img.clone();
    for (y0, y1) in [(h * 5 / 100, h * 13 / 100), (h * 85 / 100, h * 93 / 100)] {
        for y in y0..y1 {
            for x in w / 6..w * 5 / 6 {
                // Glyph cells of an eighth of the line's height; a letter's inside is white, its
                // rim dark (the outline that keeps meme text readable on any picture).
                let cell = ((y1 - y0) / 2).max(4);
                let (cx, cy) = ((x - w / 6) % cell, (y - y0) % ((y1 - y0).max(1)));
                let letter = ((x - w / 6) / cell) % 3 != 2;
                if !letter {
                    continue;
                }
                let rim = cx < 2 || cx + 2 >= cell || cy < 2 || cy + 2 >= y1 - y0;
                out.put_pixel(x, y, Rgb(if rim { [10, 10, 10] } else { [255, 255, 255] }));
            }
        }
    }
    out
}

/// Issue 19, the keeper: a caption drawn *over* a photo (meme text, a title) adds bytes without
/// adding picture, so a re-saved captioned copy has the larger file and "larger file" kept it
/// over its clean source of the same size. Between copies of the same picture size the clean one
/// is kept, and the group says why.
#[test]
fn a_copy_with_text_drawn_over_the_photo_is_never_kept_over_the_clean_one() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let mut pairs = Vec::new();
    for name in ["coffee", "rocket", "chelsea"] {
        let photo = open_fixture(name);
        let (source, copy) = (format!("{name}.jpg"), format!("{name}_meme.jpg"));
        save_jpeg(&photo, &lib.join(&source), 85);
        save_jpeg(&meme(&photo), &lib.join(&copy), 95);
        let size = |f: &str| std::fs::metadata(lib.join(f)).expect("size").len();
        assert!(
            size(&copy) > size(&source),
            "the copy must be the larger file"
        );
        pairs.push((source, copy));
    }
    for other in ["astronaut", "grace_hopper"] {
        save_jpeg(&open_fixture(other), &lib.join(format!("{other}.jpg")), 92);
    }
    let data = tmp.path().join("data");
    index_descriptor(&data, &lib);
    let found = groups(&data);
    for (source, copy) in &pairs {
        let (_, kept, reason) = found
            .iter()
            .find(|g| g.0.contains(source) && g.0.contains(copy))
            .unwrap_or_else(|| panic!("{copy} not grouped with {source}: {found:?}"));
        assert_eq!(kept, source, "{copy} kept over its source: {reason}");
        assert!(
            reason.contains("drawn over"),
            "the reason does not say why the larger file lost: {reason}"
        );
    }
}
