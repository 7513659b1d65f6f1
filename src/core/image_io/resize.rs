//! Resizing helpers shared by embedders, thumbnails and tests.

use image::RgbImage;

/// Resize to exactly `w`x`h` (aspect ignored) with a box/area filter; used by embedders and tests.
pub fn resize_exact(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    use fast_image_resize as fr;
    let (sw, sh) = img.dimensions();
    if (sw, sh) == (w, h) {
        return img.clone();
    }
    let mut dst = RgbImage::new(w, h);
    let src = fr::images::ImageRef::new(sw, sh, img.as_raw(), fr::PixelType::U8x3);
    let filter = if sw >= w * 2 && sh >= h * 2 {
        fr::FilterType::Box
    } else {
        fr::FilterType::Bilinear
    };
    let ok = src.ok().and_then(|src| {
        let mut dst_img =
            fr::images::Image::from_slice_u8(w, h, dst.as_mut(), fr::PixelType::U8x3).ok()?;
        let mut resizer = fr::Resizer::new();
        let opts = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(filter));
        resizer.resize(&src, &mut dst_img, &opts).ok()
    });
    if ok.is_none() {
        return image::imageops::resize(img, w, h, image::imageops::FilterType::Triangle);
    }
    dst
}

/// Downscale so the longer side is at most `max_side_px`, keeping the aspect ratio.
pub fn fit_within(img: &RgbImage, max_side_px: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    if w.max(h) <= max_side_px {
        return img.clone();
    }
    let scale = f64::from(max_side_px) / f64::from(w.max(h));
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    resize_exact(img, nw, nh)
}
