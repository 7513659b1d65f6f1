//! One AV1 still picture through rav1d's C API: the only unsafe code of ours, behind the `avif`
//! cargo feature. Pointers are checked, and every resource is released by a guard's `Drop`.
#![allow(unsafe_code)]

use crate::core::image_io::{DecodeError, MAX_PIXELS, corrupt};
use heifer::color::ColorParams;
use heifer::heifer_hevc_dec::recon::Frame;
use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dSettings};
use rav1d::include::dav1d::headers::{
    DAV1D_PIXEL_LAYOUT_I400, DAV1D_PIXEL_LAYOUT_I420, DAV1D_PIXEL_LAYOUT_I422,
    DAV1D_PIXEL_LAYOUT_I444,
};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib::{
    dav1d_close, dav1d_data_create, dav1d_data_unref, dav1d_default_settings, dav1d_get_picture,
    dav1d_open, dav1d_picture_unref, dav1d_send_data,
};
use std::mem::MaybeUninit;
use std::ptr::NonNull;

/// rav1d's "try again" result (`-EAGAIN`).
const EAGAIN: i32 = -11;

/// An open decoder, closed on drop.
struct Decoder(Option<Dav1dContext>);

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: the context came from `dav1d_open` and is closed once: `dav1d_close` takes
        // it out of the `Option`, leaving `None`.
        unsafe { dav1d_close(Some(NonNull::from(&mut self.0))) };
    }
}

/// Data handed to the decoder, released on drop.
struct Data(Dav1dData);

impl Drop for Data {
    fn drop(&mut self) {
        // SAFETY: the data was created by `dav1d_data_create` (or is empty, which is a no-op);
        // `dav1d_data_unref` resets it, so a second call would be harmless.
        unsafe { dav1d_data_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// A decoded picture, released on drop.
struct Picture(Dav1dPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: the picture was filled by `dav1d_get_picture` (or is default, a no-op).
        unsafe { dav1d_picture_unref(Some(NonNull::from(&mut self.0))) };
    }
}

/// Decode the AV1 picture in `obus` (an item's data: a low-overhead OBU stream) into planes of
/// samples, with the colour description of its sequence header.
pub(super) fn decode(obus: &[u8]) -> Result<(Frame, ColorParams), DecodeError> {
    if obus.is_empty() {
        return Err(corrupt("avif", "empty AV1 item"));
    }
    let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
    // SAFETY: `dav1d_default_settings` writes a whole `Dav1dSettings` to the pointer, which
    // is valid for writes; after it the value is initialised.
    let mut settings = unsafe {
        dav1d_default_settings(NonNull::new_unchecked(settings.as_mut_ptr()));
        settings.assume_init()
    };
    settings.n_threads = 1;
    settings.max_frame_delay = 1;
    settings.all_layers = 0;
    settings.frame_size_limit = u32::try_from(MAX_PIXELS).unwrap_or(u32::MAX);
    let mut decoder = Decoder(None);
    // SAFETY: both pointers come from live references; `dav1d_open` reads the settings and
    // writes the context.
    let r = unsafe {
        dav1d_open(
            Some(NonNull::from(&mut decoder.0)),
            Some(NonNull::from(&mut settings)),
        )
    };
    let Some(ctx) = decoder.0.filter(|_| r.0 == 0) else {
        return Err(corrupt(
            "avif",
            format!("cannot start the AV1 decoder ({})", r.0),
        ));
    };

    let mut data = Data(Dav1dData::default());
    // SAFETY: `data.0` is a live `Dav1dData` to write to; the result is null or the start of
    // an allocation of `obus.len()` bytes owned by `data`, which the copy fills exactly.
    unsafe {
        let buf = dav1d_data_create(Some(NonNull::from(&mut data.0)), obus.len());
        if buf.is_null() {
            return Err(DecodeError::OverMemoryLimit);
        }
        std::ptr::copy_nonoverlapping(obus.as_ptr(), buf, obus.len());
    }
    let mut picture = Picture(Dav1dPicture::default());
    // One frame delay and one thread: a picture comes after the data is sent; the bound only
    // guards against a decoder that never answers.
    for _ in 0..64 {
        if data.0.sz > 0 {
            // SAFETY: `ctx` is open (owned by `decoder`); `data.0` is live and readable.
            let r = unsafe { dav1d_send_data(Some(ctx), Some(NonNull::from(&mut data.0))) };
            if r.0 < 0 && r.0 != EAGAIN {
                return Err(corrupt("avif", format!("AV1 data refused ({})", r.0)));
            }
        }
        // SAFETY: `ctx` is open; `picture.0` is a live, empty picture to write to.
        let r = unsafe { dav1d_get_picture(Some(ctx), Some(NonNull::from(&mut picture.0))) };
        match r.0 {
            0 => return planes(&picture.0),
            EAGAIN if data.0.sz > 0 => {}
            EAGAIN => break,
            e => return Err(corrupt("avif", format!("AV1 decoding failed ({e})"))),
        }
    }
    Err(corrupt("avif", "the AV1 data holds no picture (truncated)"))
}

/// Copy a decoded picture's planes (8 bits, or 10/12 bits in 16-bit words) out of rav1d's
/// buffers.
fn planes(p: &Dav1dPicture) -> Result<(Frame, ColorParams), DecodeError> {
    let bad = || corrupt("avif", "the AV1 decoder returned an unusable picture");
    let (w, h) = (
        usize::try_from(p.p.w).map_err(|_| bad())?,
        usize::try_from(p.p.h).map_err(|_| bad())?,
    );
    let bpc = u8::try_from(p.p.bpc).map_err(|_| bad())?;
    let (chroma_format, ssx, ssy) = match p.p.layout {
        DAV1D_PIXEL_LAYOUT_I400 => (0, 0, 0),
        DAV1D_PIXEL_LAYOUT_I420 => (1, 1, 1),
        DAV1D_PIXEL_LAYOUT_I422 => (2, 1, 0),
        DAV1D_PIXEL_LAYOUT_I444 => (3, 0, 0),
        _ => return Err(bad()),
    };
    if w == 0 || h == 0 || !(8..=12).contains(&bpc) || (w as u64) * (h as u64) > MAX_PIXELS {
        return Err(bad());
    }
    let (cw, ch) = if chroma_format == 0 {
        (0, 0)
    } else {
        ((w + ssx) >> ssx, (h + ssy) >> ssy)
    };
    let wide = bpc > 8;
    let mut out: [Vec<u16>; 3] = Default::default();
    for (i, plane) in out.iter_mut().enumerate() {
        let (pw, ph) = if i == 0 {
            (w, h)
        } else if chroma_format == 0 {
            continue;
        } else {
            (cw, ch)
        };
        let stride = p.stride[i.min(1)];
        let ptr = p.data[i].ok_or_else(bad)?;
        let row_bytes = pw * if wide { 2 } else { 1 };
        if stride < 0 || (stride as usize) < row_bytes {
            return Err(bad());
        }
        plane.reserve_exact(pw * ph);
        for y in 0..ph {
            // SAFETY: rav1d's picture buffers hold `ph` rows of `stride` bytes each, at least
            // `row_bytes` of them pixels (checked above), aligned for 16-bit samples; the
            // picture stays referenced (by the caller's guard) while the rows are read.
            let row = unsafe {
                std::slice::from_raw_parts(
                    ptr.as_ptr().cast::<u8>().add(y * stride as usize),
                    row_bytes,
                )
            };
            if wide {
                plane.extend(
                    row.chunks_exact(2)
                        .map(|b| u16::from_ne_bytes([b[0], b[1]])),
                );
            } else {
                plane.extend(row.iter().map(|&v| u16::from(v)));
            }
        }
    }
    // SAFETY: a picture returned by `dav1d_get_picture` points to its sequence header, kept
    // alive by the picture's reference.
    let seq = p.seq_hdr.map(|s| unsafe { s.as_ref() });
    let params = ColorParams {
        matrix: seq.map_or(2, |s| u16::try_from(s.mtrx).unwrap_or(2)),
        full_range: seq.is_some_and(|s| s.color_range != 0),
    };
    let frame = Frame {
        widths: [w as u32, cw as u32, cw as u32],
        heights: [h as u32, ch as u32, ch as u32],
        planes: out,
        bit_depth: [bpc, bpc],
        chroma_format,
        full_range: params.full_range,
        matrix_coeffs: u8::try_from(params.matrix).unwrap_or(2),
    };
    Ok((frame, params))
}
