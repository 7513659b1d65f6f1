//! The pixel score of a copy whose canvas was extended with a caption bar (above or below the
//! photo). Both pictures are squeezed into square signatures, so the copy's picture is squeezed
//! vertically more than its source's: a one-way scale the pixel check's similarity transform
//! (one scale for both axes) cannot undo, and such pairs score under the near threshold. When
//! [`added_band::find`] shows the geometry (the taller picture's rows, stretched, show the other
//! photo, and each band left over looks like an added bar), the pair is measured again on the
//! picture's rows alone, stretched to the full signature.

use super::added_band::{self, PictureRows};
use super::band_candidates::Bars;
use super::graph::{Edge, PhotoEntry};
use super::pixel_check::{self, PixelMatch};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Side of a signature.
const SIDE: usize = 32;
/// Pixel score from which a pair is measured again (pairs under it are not the same picture
/// even squeezed: the one-way squeeze of a bar of at most a third of the height costs less).
const RESCORE_FROM: f32 = 0.55;
/// Pixel score from which a pair needs no second measure.
const RESCORE_UNDER: f32 = 0.97;
/// Picture share of the taller photo's height from which the proportions count as the same.
const SAME_PROPORTIONS: f32 = 0.97;
/// The least picture share a caption bar leaves (a bar is never most of a photo).
const LEAST_PICTURE: f32 = 0.6;

/// For each edge between differently proportioned pictures whose pixel score is under the
/// near range, whether the taller one is the other with caption bars added outside it; when it
/// is, the pair's pixel match becomes that of the picture's rows, if better.
pub(super) fn rescore(
    edges: &mut [Edge],
    classes: &[Vec<u32>],
    photos: &[PhotoEntry],
    sigs: &[Option<&[u8]>],
    bars: &[Option<Bars>],
) {
    let info = |c: u32| &photos[classes[c as usize][0] as usize].info;
    let sig = |c: u32| sigs[c as usize];
    let (tried, raised) = (AtomicUsize::new(0), AtomicUsize::new(0));
    edges.par_iter_mut().for_each(|e| {
        let Some(m) = e.pixel else {
            return;
        };
        if !e.symmetry.is_identity() || !(RESCORE_FROM..RESCORE_UNDER).contains(&m.score()) {
            return;
        }
        let (Some(ra), Some(rb)) = (
            added_band::picture_aspect(info(e.a)),
            added_band::picture_aspect(info(e.b)),
        ) else {
            return;
        };
        let (tall, short, share) = if ra < rb {
            (e.a, e.b, ra / rb)
        } else {
            (e.b, e.a, rb / ra)
        };
        let (Some(st), Some(ss)) = (sig(tall), sig(short)) else {
            return;
        };
        // Only a photo with bars at least as tall as its extra height can be the other with
        // bars added.
        let Some(b) = bars[tall as usize] else {
            return;
        };
        let spare = SIDE as f32 * (1.0 - share);
        if (b.with_blended() as f32) < spare - 1.5
            || !(LEAST_PICTURE..SAME_PROPORTIONS).contains(&share)
        {
            return;
        }
        tried.fetch_add(1, Ordering::Relaxed);
        if let Some(better) = picture_match(st, ss, share)
            && better.score() > m.score()
        {
            raised.fetch_add(1, Ordering::Relaxed);
            e.pixel = Some(better);
        }
    });
    crate::core::timeline::mark(format_args!(
        "dupes: {} pairs checked for a caption bar added outside a picture, {} scored higher",
        tried.into_inner(),
        raised.into_inner()
    ));
}

/// The pixel match of the picture in `tall` (a signature) with `short`, when `tall` is `short`
/// with caption bars added above and/or below; `share` is `short`'s height over `tall`'s at the
/// same width.
fn picture_match(tall: &[u8], short: &[u8], share: f32) -> Option<PixelMatch> {
    if !(LEAST_PICTURE..SAME_PROPORTIONS).contains(&share) {
        return None;
    }
    let rows: PictureRows = added_band::find(tall, short, share)?;
    let picture = added_band::picture_signature(tall, rows)?;
    pixel_check::match_signatures(&picture, short)
}
