//! Caption bars added *outside* a picture: a copy whose canvas was made taller for a bar of text
//! above or below the photo ("Holiday 2024" under it, a title over it). Such a copy has more
//! pixels than its source, but not more picture; the keep rule must see only the picture.
//!
//! Found on the stored 32x32 signatures of a near-duplicate pair whose pictures have different
//! proportions: the taller one's rows `[top, bottom)`, stretched to the full height, must show
//! the other photo, and every band left over must look like an added bar — mostly one colour,
//! with text on it, and a colour that does not continue into the picture. The last two tell a
//! bar from the rest of a picture that a wide crop of it cut away (a 16:9 crop of a 4:3 photo
//! lines up just as well, but its "bands" are sky and ground, not a bar with text).

use super::graph::{Edge, PhotoEntry};
use crate::core::catalog::PhotoInfo;

/// Side of a signature.
const SIDE: usize = 32;
/// Correlation the stretched rows need with the other photo.
const MATCH: f32 = 0.9;
/// Bands thinner than this (signature rows) are ignored: rounding of a resize, not a bar.
const MIN_BAND: f32 = 1.5;
/// Gray levels around the bar's colour that count as the bar (a fill is flat to a level or two
/// even after JPEG; a picture's texture rarely is).
pub(super) const BAR_TOLERANCE: i32 = 4;
/// Share of a band's pixels that must be the bar's colour.
const BAR_SHARE: f32 = 0.35;
/// Gray levels from the bar's colour from which a pixel is ink (text on the bar).
const INK_FROM: i32 = 30;
/// Share of a band's pixels that must be ink: a caption carries text.
const INK_SHARE: f32 = 0.04;
/// Share of the picture's edge row in the bar's colour from which the "bar" continues into the
/// picture (a sky, a floor), so it is picture; the edge must also hold less of that colour than
/// the band does.
const CONTINUES: f32 = 0.5;

/// Where the picture lies in the height of a photo whose canvas was extended with a caption
/// bar, as shares (0..1) of the height of its content box (the signature's frame).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PictureRows {
    /// Share of the height above the picture (a bar on top).
    pub top: f32,
    /// Share of the height at the picture's lower edge (1 when no bar below).
    pub bottom: f32,
}

impl PictureRows {
    /// The picture's share of the height.
    pub fn share(&self) -> f32 {
        (self.bottom - self.top).clamp(0.0, 1.0)
    }

    /// `content` (a content box, the whole photo when `None`) narrowed to the picture's rows.
    pub fn narrow(
        &self,
        content: Option<crate::core::content_box::ContentBox>,
    ) -> crate::core::content_box::ContentBox {
        let [l, t, r, b] = content.unwrap_or(crate::core::content_box::FULL);
        let h = f32::from(b.saturating_sub(t));
        let at = |share: f32| (f32::from(t) + h * share.clamp(0.0, 1.0)).round() as u16;
        [l, at(self.top), r, at(self.bottom).max(at(self.top) + 1)]
    }
}

/// The rows of `tall` (a signature) that show `short` (the other photo's signature), when
/// `tall` is `short` with caption bars added above and/or below. `share` is the picture's
/// expected share of `tall`'s height: `short`'s height over `tall`'s at the same width (from
/// the photos' proportions). `None` when the rows do not line up or a band is not a bar.
pub fn find(tall: &[u8], short: &[u8], share: f32) -> Option<PictureRows> {
    if tall.len() != SIDE * SIDE || short.len() != SIDE * SIDE || !(0.5..0.97).contains(&share) {
        return None;
    }
    let n = SIDE as f32;
    let height = share * n;
    let spare = n - height;
    // The offset of the picture's top edge: by whole rows (and the far end), then by quarter
    // rows around the best.
    let (mut best, mut best_top) = (f32::MIN, 0.0f32);
    let mut rows = vec![0f32; SIDE * SIDE];
    let mut try_top = |top: f32, best: &mut f32, best_top: &mut f32| {
        stretch(tall, top, height, &mut rows);
        let c = correlation(&rows, short);
        if c > *best {
            (*best, *best_top) = (c, top);
        }
    };
    let whole = spare.floor() as usize;
    for s in 0..=whole {
        try_top(s as f32, &mut best, &mut best_top);
    }
    if spare - whole as f32 > 0.0 {
        try_top(spare, &mut best, &mut best_top);
    }
    let around = best_top;
    for q in [-0.75f32, -0.5, -0.25, 0.25, 0.5, 0.75] {
        let top = around + q;
        if (0.0..=spare).contains(&top) {
            try_top(top, &mut best, &mut best_top);
        }
    }
    if best < MATCH {
        return None;
    }
    let (above, below) = (best_top, spare - best_top);
    if above.max(below) < MIN_BAND {
        return None;
    }
    let row = |y: usize| &tall[y * SIDE..(y + 1) * SIDE];
    // Rows wholly inside a band (a row's centre at least one row from the picture's edge,
    // since resizing blends the bar into the rows next to it), and the picture's edge row.
    if above >= MIN_BAND {
        let band: Vec<u8> = (0..SIDE)
            .filter(|&y| y as f32 + 0.5 <= above - 1.0)
            .flat_map(|y| row(y).iter().copied())
            .collect();
        let edge = row(((above + 1.0).ceil() as usize).min(SIDE - 1));
        if !bar_like(&band, edge) {
            return None;
        }
    }
    if below >= MIN_BAND {
        let inner = n - below;
        let band: Vec<u8> = (0..SIDE)
            .filter(|&y| y as f32 + 0.5 >= inner + 1.0)
            .flat_map(|y| row(y).iter().copied())
            .collect();
        let edge = row(((inner - 2.0).floor().max(0.0)) as usize);
        if !bar_like(&band, edge) {
            return None;
        }
    }
    let (top, bottom) = if above >= MIN_BAND {
        (above / n, 1.0)
    } else {
        (0.0, 1.0)
    };
    let bottom = if below >= MIN_BAND {
        (n - below) / n
    } else {
        bottom
    };
    Some(PictureRows { top, bottom })
}

/// Near pairs checked by pixels whose picture proportions differ are where a caption bar may
/// have been added outside a picture: [`find`] on the taller one. Per class, the
/// rows of its picture (the largest bars found).
pub(super) fn per_class(
    edges: &[Edge],
    classes: &[Vec<u32>],
    photos: &[PhotoEntry],
    sigs: &[Option<&[u8]>],
) -> Vec<Option<PictureRows>> {
    let mut rows: Vec<Option<PictureRows>> = vec![None; classes.len()];
    let info = |c: u32| &photos[classes[c as usize][0] as usize].info;
    let aspect = picture_aspect;
    for e in edges {
        let near = e.pixel.is_some_and(|m| m.score() >= BAND_CHECK_FROM);
        if !near || !e.symmetry.is_identity() {
            continue;
        }
        let (Some(ra), Some(rb)) = (aspect(info(e.a)), aspect(info(e.b))) else {
            continue;
        };
        // The taller picture (smaller width over height) may carry the bars.
        let (tall, short, share) = if ra < rb {
            (e.a, e.b, ra / rb)
        } else {
            (e.b, e.a, rb / ra)
        };
        if share > 0.97 {
            continue;
        }
        let sig = |c: u32| sigs[c as usize];
        let (Some(st), Some(ss)) = (sig(tall), sig(short)) else {
            continue;
        };
        if let Some(found) = find(st, ss, share) {
            let slot = &mut rows[tall as usize];
            if slot.is_none_or(|old| found.share() < old.share()) {
                *slot = Some(found);
            }
        }
    }
    rows
}

/// Pixel score from which a pair of differently proportioned pictures is looked at for caption
/// bars added outside one of them (under the near tier's lowest useful threshold).
const BAND_CHECK_FROM: f32 = 0.8;

/// Width over height of a photo's picture (its content box: what the signature shows).
pub(super) fn picture_aspect(p: &PhotoInfo) -> Option<f32> {
    let [l, t, r, b] = p.content_box.unwrap_or(crate::core::content_box::FULL);
    let w = f64::from(p.width) * f64::from(r.saturating_sub(l));
    let h = f64::from(p.height) * f64::from(b.saturating_sub(t));
    (h > 0.0).then(|| (w / h) as f32)
}

/// The picture's rows of the signature `tall` (see [`find`]) stretched to a full signature: what
/// the photo looks like without its added bars.
pub(super) fn picture_signature(tall: &[u8], rows: PictureRows) -> Option<Vec<u8>> {
    if tall.len() != SIDE * SIDE {
        return None;
    }
    let n = SIDE as f32;
    let mut out = vec![0f32; SIDE * SIDE];
    stretch(tall, rows.top * n, rows.share() * n, &mut out);
    Some(
        out.iter()
            .map(|v| v.round().clamp(0.0, 255.0) as u8)
            .collect(),
    )
}

/// `tall`'s rows `[top, top + height)` stretched to `SIDE` rows (linear between rows).
fn stretch(tall: &[u8], top: f32, height: f32, out: &mut [f32]) {
    for y in 0..SIDE {
        let src =
            (top + (y as f32 + 0.5) * height / SIDE as f32 - 0.5).clamp(0.0, (SIDE - 1) as f32);
        let (y0, f) = (src.floor() as usize, src.fract());
        let y1 = (y0 + 1).min(SIDE - 1);
        for x in 0..SIDE {
            let (a, b) = (
                f32::from(tall[y0 * SIDE + x]),
                f32::from(tall[y1 * SIDE + x]),
            );
            out[y * SIDE + x] = a + (b - a) * f;
        }
    }
}

/// How well the stretched rows `a` show the signature `b`: the correlation of their 16x16
/// renditions (resampling blurs the finest detail of one of them) over the best-fitting 80 % of
/// pixels (either photo may carry a logo or a caption of its own on the picture).
fn correlation(a: &[f32], b: &[u8]) -> f32 {
    const HALF: usize = SIDE / 2;
    let pool = |v: &dyn Fn(usize) -> f32| -> Vec<f32> {
        (0..HALF * HALF)
            .map(|i| {
                let (y, x) = (2 * (i / HALF), 2 * (i % HALF));
                let at = |dy: usize, dx: usize| v((y + dy) * SIDE + x + dx);
                (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4.0
            })
            .collect()
    };
    let pa = pool(&|i| a[i]);
    let pb = pool(&|i| f32::from(b[i]));
    let all: Vec<usize> = (0..pa.len()).collect();
    let (gain, bias) = super::pixel_measure::linear_fit(&pa, &pb, &all);
    let mut order: Vec<(f32, usize)> = all
        .iter()
        .map(|&i| ((pb[i] - gain * pa[i] - bias).abs(), i))
        .collect();
    order.sort_by(|x, y| x.0.total_cmp(&y.0));
    let kept: Vec<usize> = order.iter().take(pa.len() * 4 / 5).map(|x| x.1).collect();
    pearson(&pa, &pb, &kept)
}

/// Pearson correlation of `a` and `b` over the pixels `idx` (0 when either is flat there).
fn pearson(a: &[f32], b: &[f32], idx: &[usize]) -> f32 {
    let n = idx.len().max(1) as f32;
    let (ma, mb) = idx
        .iter()
        .fold((0f32, 0f32), |(x, y), &i| (x + a[i], y + b[i]));
    let (ma, mb) = (ma / n, mb / n);
    let (mut cov, mut va, mut vb) = (0f32, 0f32, 0f32);
    for &i in idx {
        let (da, db) = (a[i] - ma, b[i] - mb);
        cov += da * db;
        va += da * da;
        vb += db * db;
    }
    if va < 1e-3 || vb < 1e-3 {
        return 0.0;
    }
    cov / (va * vb).sqrt()
}

/// Whether `band` (gray pixels) looks like an added caption bar next to the picture row `edge`:
/// mostly one colour, with some text on it, and that colour not continuing into the picture.
pub(super) fn bar_like(band: &[u8], edge: &[u8]) -> bool {
    let Some((level, count)) = fill_and_ink(band) else {
        return false;
    };
    let len = band.len() as f32;
    let continued = edge
        .iter()
        .filter(|&&v| (i32::from(v) - level).abs() <= BAR_TOLERANCE)
        .count() as f32;
    continued < CONTINUES * edge.len() as f32
        && continued / (edge.len() as f32) < count as f32 / len
}

/// The gray level with the most pixels of `px` within [`BAR_TOLERANCE`] of it (the darkest of
/// equals), and how many.
pub(super) fn modal_level(px: &[u8]) -> (i32, u32) {
    let mut below = [0u32; 257];
    for &v in px {
        below[usize::from(v) + 1] += 1;
    }
    for l in 1..257 {
        below[l] += below[l - 1];
    }
    let near = |level: i32| -> u32 {
        let lo = (level - BAR_TOLERANCE).max(0) as usize;
        let hi = (level + BAR_TOLERANCE).min(255) as usize;
        below[hi + 1] - below[lo]
    };
    (0..256)
        .map(|l| (l, near(l)))
        .max_by_key(|&(l, c)| (c, std::cmp::Reverse(l)))
        .unwrap_or((0, 0))
}

/// The fill level of `band` and how many of its pixels have it, when the band is mostly one
/// colour with some text (ink) on it.
pub(super) fn fill_and_ink(band: &[u8]) -> Option<(i32, u32)> {
    if band.is_empty() {
        return None;
    }
    let (level, count) = modal_level(band);
    let len = band.len() as f32;
    let ink = band
        .iter()
        .filter(|&&v| (i32::from(v) - level).abs() > INK_FROM)
        .count() as f32;
    (count as f32 >= BAR_SHARE * len && ink >= INK_SHARE * len).then_some((level, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured 32-row picture squeezed into `rows` rows of a signature.
    fn picture_rows(rows: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for y in 0..rows {
            let fy = y as f32 / rows as f32;
            for x in 0..SIDE {
                let fx = x as f32 / SIDE as f32;
                let v = 120.0 + 60.0 * (fx * 7.0 + fy * 3.0).sin() + 40.0 * (fy * 11.0).cos();
                out.push(v.clamp(0.0, 255.0) as u8);
            }
        }
        out
    }

    /// A dark bar of `rows` rows with a line of light "text" in its middle row.
    fn bar_rows(rows: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for y in 0..rows {
            for x in 0..SIDE {
                let text = y == rows / 2 && (3..22).contains(&x) && x % 3 != 0;
                out.push(if text { 200 } else { 18 });
            }
        }
        out
    }

    #[test]
    fn a_bar_below_is_found_and_a_plain_continuation_is_not() {
        let short = picture_rows(SIDE);
        let mut tall = picture_rows(28);
        tall.extend(bar_rows(4));
        let rows = find(&tall, &short, 28.0 / 32.0).expect("a bar below");
        assert!(
            (rows.top - 0.0).abs() < 0.01 && (rows.bottom - 0.875).abs() < 0.02,
            "{rows:?}"
        );
        // The same rows with flat "ground" under them (a wider crop's missing part): no text.
        let mut ground = picture_rows(28);
        ground.extend(std::iter::repeat_n(90u8, 4 * SIDE));
        assert_eq!(find(&ground, &short, 28.0 / 32.0), None);
    }
}
