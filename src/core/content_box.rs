//! Where the picture is inside a photo: the box left after uniform margins — a white or black
//! canvas, letterbox bars, a passe-partout, a frame with a soft shadow — are trimmed. The keep
//! rule compares the resolution of the picture, not of the canvas, so a copy with added borders
//! never beats its source. Computed by the indexer from the decoded pixels.

use image::RgbImage;

/// The box in ten-thousandths of the width and height: `[left, top, right, bottom]`.
pub type ContentBox = [u16; 4];

/// The whole photo.
pub const FULL: ContentBox = [0, 0, 10_000, 10_000];

/// Largest share of a side one margin may take (a photo is never mostly margin).
const MAX_MARGIN: f64 = 0.4;
/// How far (0–255, per channel) a pixel of a margin line may be from the line's mean.
const PIXEL_TOLERANCE: i32 = 14;
/// Share of a line's pixels that must be within tolerance (dust, a signature, noise).
const INLIER_SHARE: f64 = 0.97;
/// How far the mean of one margin line may be from the previous one's (a shadow's gradient).
const DRIFT: i32 = 6;
/// Lines of margin needed before any is counted (one flat line is a picture's own edge).
const MIN_LINES: u32 = 2;

/// How far (per channel) the colours of two opposite margins may be apart: a frame or bars
/// have one colour; a sky above and snow below are not a frame.
const OPPOSITE_TOLERANCE: i32 = 24;

/// The content box of an upright photo. Margins count only in opposite pairs of one colour —
/// letterbox bars, pillarbox or square padding, a frame on all four sides: a flat sky along
/// one edge is part of the picture, and trimming it would make a photo and its captioned or
/// cropped copies disagree.
pub fn content_box(img: &RgbImage) -> ContentBox {
    let (w, h) = img.dimensions();
    if w < 16 || h < 16 {
        return FULL;
    }
    let row = |y: u32, x0: u32, x1: u32| (x0..x1).map(move |x| img.get_pixel(x, y).0);
    let col = |x: u32, y0: u32, y1: u32| (y0..y1).map(move |y| img.get_pixel(x, y).0);
    let max_y = (f64::from(h) * MAX_MARGIN) as u32;
    let max_x = (f64::from(w) * MAX_MARGIN) as u32;
    let (top, bottom) = pair(
        margin(max_y, |i| row(i, 0, w).collect()),
        margin(max_y, |i| row(h - 1 - i, 0, w).collect()),
    );
    let (y0, y1) = (top, h - bottom);
    let (left, right) = pair(
        margin(max_x, |i| col(i, y0, y1).collect()),
        margin(max_x, |i| col(w - 1 - i, y0, y1).collect()),
    );
    let frac = |v: u32, of: u32| (u64::from(v) * 10_000 / u64::from(of)) as u16;
    [frac(left, w), frac(top, h), frac(w - right, w), frac(y1, h)]
}

/// Two opposite margins (lines, outer colour), kept only together and of one colour.
fn pair(a: (u32, Option<[i32; 3]>), b: (u32, Option<[i32; 3]>)) -> (u32, u32) {
    match (a, b) {
        ((na, Some(ca)), (nb, Some(cb)))
            if na >= MIN_LINES
                && nb >= MIN_LINES
                && (0..3).all(|c| (ca[c] - cb[c]).abs() <= OPPOSITE_TOLERANCE) =>
        {
            (na, nb)
        }
        _ => (0, 0),
    }
}

/// How many lines from one side are margin (uniform lines whose colour drifts slowly), and
/// the colour of the outermost one.
fn margin(max: u32, line: impl Fn(u32) -> Vec<[u8; 3]>) -> (u32, Option<[i32; 3]>) {
    let mut prev: Option<[i32; 3]> = None;
    let mut outer = None;
    let mut n = 0;
    while n < max {
        let px = line(n);
        let Some(mean) = uniform_mean(&px) else {
            break;
        };
        if let Some(p) = prev
            && (0..3).any(|c| (mean[c] - p[c]).abs() > DRIFT)
        {
            break;
        }
        outer = outer.or(Some(mean));
        prev = Some(mean);
        n += 1;
    }
    if n < MIN_LINES { (0, None) } else { (n, outer) }
}

/// The mean colour of a line when nearly all its pixels are close to it.
fn uniform_mean(px: &[[u8; 3]]) -> Option<[i32; 3]> {
    if px.is_empty() {
        return None;
    }
    let mut sum = [0i64; 3];
    for p in px {
        for c in 0..3 {
            sum[c] += i64::from(p[c]);
        }
    }
    let n = px.len() as i64;
    let mean = [
        (sum[0] / n) as i32,
        (sum[1] / n) as i32,
        (sum[2] / n) as i32,
    ];
    let inliers = px
        .iter()
        .filter(|p| (0..3).all(|c| (i32::from(p[c]) - mean[c]).abs() <= PIXEL_TOLERANCE))
        .count();
    (inliers as f64 >= INLIER_SHARE * px.len() as f64).then_some(mean)
}

/// The picture inside `img` (its uniform margins cut away), and its box. What the embedders
/// and the duplicate signature see, at indexing and at query time alike, so that a photo
/// padded onto a canvas or framed matches its source the way a crop does.
pub fn picture_of(img: &RgbImage) -> (std::borrow::Cow<'_, RgbImage>, ContentBox) {
    let b = content_box(img);
    if b == FULL {
        return (std::borrow::Cow::Borrowed(img), b);
    }
    let (w, h) = img.dimensions();
    let px = |v: u16, of: u32| (u64::from(v) * u64::from(of) / 10_000) as u32;
    let (x0, y0, x1, y1) = (px(b[0], w), px(b[1], h), px(b[2], w), px(b[3], h));
    if x1 <= x0 + 8 || y1 <= y0 + 8 {
        return (std::borrow::Cow::Borrowed(img), FULL);
    }
    let crop = image::imageops::crop_imm(img, x0, y0, x1 - x0, y1 - y0).to_image();
    (std::borrow::Cow::Owned(crop), b)
}

/// The picture's share of the photo's area, from a stored box (1 when unknown).
pub fn area_share(b: Option<ContentBox>) -> f64 {
    match b {
        Some([l, t, r, btm]) if r > l && btm > t => {
            f64::from(r - l) / 10_000.0 * (f64::from(btm - t) / 10_000.0)
        }
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A textured picture (no flat line anywhere).
    fn picture(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let v = ((x * 37 + y * 91) % 200) as u8 + 20;
            Rgb([v, 255 - v, ((x ^ y) % 256) as u8])
        })
    }

    fn framed(pic: &RgbImage, pad: (u32, u32, u32, u32), colour: [u8; 3]) -> RgbImage {
        let (l, t, r, b) = pad;
        let mut out = RgbImage::from_pixel(pic.width() + l + r, pic.height() + t + b, Rgb(colour));
        image::imageops::overlay(&mut out, pic, i64::from(l), i64::from(t));
        out
    }

    #[test]
    fn a_textured_photo_is_all_picture() {
        assert_eq!(content_box(&picture(300, 200)), FULL);
    }

    #[test]
    fn a_white_passe_partout_and_letterbox_bars_are_trimmed() {
        let pic = picture(300, 200);
        let b = content_box(&framed(&pic, (30, 20, 30, 20), [255, 255, 255]));
        // 30/360 = 0.0833, 20/240 = 0.0833.
        assert_eq!(b, [833, 833, 9166, 9166]);
        let letterbox = content_box(&framed(&pic, (0, 50, 0, 50), [0, 0, 0]));
        assert_eq!(letterbox, [0, 1666, 10_000, 8333]);
        // Square padding (Instagram style) on the sides only.
        let square = content_box(&framed(&pic, (50, 0, 50, 0), [250, 250, 250]));
        assert_eq!(square, [1250, 0, 8750, 10_000]);
    }

    #[test]
    fn a_frame_with_a_soft_shadow_is_trimmed() {
        let pic = picture(200, 200);
        let mut out = framed(&pic, (40, 40, 40, 40), [255, 255, 255]);
        // A shadow: 8 lines darkening towards the picture along the right and bottom.
        for i in 0..8u32 {
            let v = 255 - (i * 5) as u8;
            for y in 40..248 {
                out.put_pixel(247 - i, y, Rgb([v, v, v]));
            }
            for x in 40..248 {
                out.put_pixel(x, 247 - i, Rgb([v, v, v]));
            }
        }
        let b = content_box(&out);
        let share = area_share(Some(b));
        assert!(
            (share - (200.0 * 200.0) / (280.0 * 280.0)).abs() < 0.02,
            "{b:?} {share}"
        );
    }

    #[test]
    fn a_flat_sky_along_one_edge_is_part_of_the_picture() {
        let pic = picture(300, 200);
        let sky = content_box(&framed(&pic, (0, 60, 0, 0), [120, 170, 230]));
        assert_eq!(sky, FULL);
        // Sky above, snow below: flat on two sides but not one colour.
        let mut both = framed(&pic, (0, 60, 0, 40), [120, 170, 230]);
        for y in 260..300 {
            for x in 0..300 {
                both.put_pixel(x, y, Rgb([245, 245, 250]));
            }
        }
        assert_eq!(content_box(&both), FULL);
    }

    #[test]
    fn a_margin_never_takes_most_of_a_photo() {
        let flat = RgbImage::from_pixel(100, 100, Rgb([128, 128, 128]));
        let b = content_box(&flat);
        assert!(area_share(Some(b)) >= 0.2 * 0.2 - 1e-9, "{b:?}");
    }
}
