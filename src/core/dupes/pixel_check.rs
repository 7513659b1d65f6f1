//! The duplicate pixel check: aligns two stored 32x32 signatures by a coarse-to-fine search and
//! measures how well they agree ([`PixelMatch`]).
//!
//! Two signatures show the same picture when one, after a similarity transform (scale 0.65–1,
//! shift, rotation of a few degrees), lines up with the other: a crop is a zoomed part of the
//! original, a tilt is a small rotation plus a crop. The search runs in both directions (either
//! photo may be the crop), coarse on 16x16 renditions, then refined by coordinate descent at
//! 32x32. The result keeps several measures so the caller decides with thresholds that can change
//! without recomputing: correlation over the overlap, the same after dropping the worst 20% of
//! pixels (a caption bar or watermark), and the correlation of fine detail on the kept pixels
//! (what tells two different smooth gradients apart).

use super::frame_alignment::Alignment;
use super::pixel_math::{IDENTITY, Plane, SIDE, Transform, descend, ncc_at};
use super::pixel_measure::measure;

const N: usize = SIDE * SIDE;

/// How well two signatures line up at the best transform found.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct PixelMatch {
    /// Normalised cross-correlation of intensities over the overlap, in [-1, 1].
    pub ncc: f32,
    /// The same over the best-fitting 80% of the overlap (robust to a caption or logo).
    pub trimmed: f32,
    /// Correlation of fine detail (3x3 high-pass) over those pixels: high only when the two share
    /// real structure, not just a smooth gradient.
    pub detail: f32,
    /// Share of the larger frame covered by the other photo (1 = same framing, 0.64 = 80% crop).
    pub coverage: f32,
    /// Share of the overlap's 8x8-pixel blocks that agree locally (correlated, or both flat at
    /// the same tone): a shared caption or logo agrees in a few blocks only, a real copy in most.
    #[serde(default)]
    pub agreement: f32,
}

impl PixelMatch {
    /// One score in [0, 1] for "same picture": the robust correlation, held down when few
    /// blocks agree locally (two photos sharing only a caption bar) or when they share no fine
    /// detail (two different smooth gradients), unless the frames line up almost perfectly.
    pub fn score(&self) -> f32 {
        let structural = self
            .trimmed
            .min(0.6 + 0.4 * self.agreement)
            .min(0.6 + 0.5 * self.detail);
        let same_frame = if self.coverage > 0.9 && self.ncc > 0.98 {
            self.ncc
        } else {
            0.0
        };
        structural.max(same_frame).clamp(0.0, 1.0)
    }
}

/// Coarse grid of transforms on 16x16 renditions (offsets in 16x16 pixels), best first.
fn coarse_candidates(a: &Plane, b: &Plane) -> Vec<(f32, Transform)> {
    let side = a.side as f32;
    let mut found = Vec::new();
    for scale in [1.0f32, 0.9, 0.8, 0.7] {
        let span = side * (1.0 - scale);
        let mut offs: Vec<f32> = (0..).map(|i| i as f32).take_while(|o| *o <= span).collect();
        if offs.last().is_some_and(|l| span - l > 0.25) {
            offs.push(span);
        }
        for &off_y in &offs {
            for &off_x in &offs {
                let t = Transform {
                    scale,
                    off_x,
                    off_y,
                    angle_deg: 0.0,
                };
                found.push((ncc_at(a, b, t), t));
            }
        }
    }
    found.sort_by(|x, y| y.0.total_cmp(&x.0));
    found.truncate(3);
    found
}

/// Coordinate descent on (scale, shift, angle) from `start`, with initial `steps` (scale,
/// shift in pixels of `a`, shift, degrees), halved until the shift step is under an eighth of
/// a pixel of the full signature.
fn refine(a: &Plane, b: &Plane, start: Transform, steps: [f32; 4]) -> (f32, Transform) {
    let span_of = |t: &Transform| a.side as f32 * (1.0 - t.scale);
    // A rotated frame may poke out slightly; allow a little slack.
    let slack = a.side as f32 / SIDE as f32;
    let bound = |mut t: Transform| {
        t.scale = t.scale.clamp(0.6, 1.0);
        t.angle_deg = t.angle_deg.clamp(-6.0, 6.0);
        let span = span_of(&t);
        t.off_x = t.off_x.clamp(-slack, span + slack);
        t.off_y = t.off_y.clamp(-slack, span + slack);
        t
    };
    let min_shift = 0.12 * a.side as f32 / SIDE as f32;
    descend(start, steps, (16, min_shift, 1e-5), bound, |t| {
        ncc_at(a, b, t)
    })
}

/// Refine on the 16x16 renditions first (cheap), then briefly at full resolution. `None` when
/// the cheap stage already shows the pair does not line up.
fn refine_two_level(
    full: (&Plane, &Plane),
    half: (&Plane, &Plane),
    start_half: Transform,
    effort: &Effort,
) -> Option<Transform> {
    let (score, t) = refine(half.0, half.1, start_half, [0.04, 0.5, 0.5, 2.0]);
    if score < effort.refine_full_from {
        return None;
    }
    let t = Transform {
        off_x: t.off_x * 2.0,
        off_y: t.off_y * 2.0,
        ..t
    };
    Some(refine(full.0, full.1, t, [0.02, 0.5, 0.5, 1.0]).1)
}

/// Objective below which a coarse candidate is not worth refining: pairs this far apart are not
/// the same picture under any threshold a user can pick.
const REFINE_FROM: f32 = 0.4;
/// Best coarse objective on 8x8 renditions below which a pair is rejected without alignment.
const GATE_8PX: f32 = 0.55;
/// Identity objective from which the 8x8 gate is skipped (fine textures vanish at 8x8).
const GATE_UNLESS: f32 = 0.6;
/// Objective after refining on 16x16 renditions below which full resolution is not tried.
const REFINE_FULL_FROM: f32 = 0.6;
/// Mean absolute difference (gray levels) under which two signatures are the same rendition.
const IDENTICAL_MEAN_DIFF: f32 = 1.5;
/// Objective at the identity above which the frames are taken as aligned (no search).
const ALIGNED: f32 = 0.97;

/// How far the alignment search goes before it gives up on a pair.
struct Effort {
    /// Best coarse objective on 8x8 renditions below which the pair is rejected outright.
    gate_8px: f32,
    /// The same objective below which no crop or tilt is searched for: the pair is measured as
    /// it is framed (identical framing, a caption bar, a grey or re-compressed copy).
    search_from: f32,
    /// Objective after refining on 16x16 renditions below which full resolution is not tried.
    refine_full_from: f32,
}

/// For `dupes`, whose threshold a user picks: only pairs far from any threshold are cut short.
const ANY_THRESHOLD: Effort = Effort {
    gate_8px: GATE_8PX,
    search_from: GATE_8PX,
    refine_full_from: REFINE_FULL_FROM,
};

/// For a caller that acts only on scores of at least [`NEAR_ONLY`]: pairs whose coarse
/// alignment is too poor to get there are not refined. On the 1,729-photo query set (each
/// original against every other photo) every copy that scores at least 0.9 keeps its exact
/// score (only two "other shot of the same scene" tiles drop under it), and a check takes 40 %
/// less time on average.
const NEAR_EFFORT: Effort = Effort {
    gate_8px: GATE_8PX,
    search_from: 0.7,
    refine_full_from: 0.7,
};

/// The score [`match_near_signatures`] is tuned for (the default near-duplicate threshold).
pub const NEAR_ONLY: f32 = 0.9;

/// Align two signatures (either may be the crop) and measure how well they agree.
/// `None` when a signature has the wrong length.
pub fn match_signatures(a: &[u8], b: &[u8]) -> Option<PixelMatch> {
    best_alignment(a, b, &ANY_THRESHOLD).map(|(m, _)| m)
}

/// [`match_signatures`] for a caller that only acts on a score of at least [`NEAR_ONLY`]: a
/// pair whose coarse alignment cannot get there is measured without searching for a crop or
/// tilt, so its score may be lower than [`match_signatures`] gives (never higher). About twice
/// as fast on pairs of look-alike photos that are not copies.
pub fn match_near_signatures(a: &[u8], b: &[u8]) -> Option<PixelMatch> {
    best_alignment(a, b, &NEAR_EFFORT).map(|(m, _)| m)
}

/// [`match_signatures`]'s measures with the alignment it found them at.
pub fn align_signatures(a: &[u8], b: &[u8]) -> Option<(PixelMatch, Alignment)> {
    best_alignment(a, b, &ANY_THRESHOLD)
}

fn best_alignment(a: &[u8], b: &[u8], effort: &Effort) -> Option<(PixelMatch, Alignment)> {
    if a.len() != N || b.len() != N {
        return None;
    }
    // Identical renditions (an EXIF-rotated or re-encoded copy, even of a nearly flat photo whose
    // correlations say nothing) are the same picture.
    let mean_abs_diff = a
        .iter()
        .zip(b)
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .sum::<u32>() as f32
        / N as f32;
    if mean_abs_diff <= IDENTICAL_MEAN_DIFF {
        let m = PixelMatch {
            ncc: 1.0,
            trimmed: 1.0,
            detail: 1.0,
            coverage: 1.0,
            agreement: 1.0,
        };
        return Some((m, Alignment::IDENTITY));
    }
    let (pa, pb) = (Plane::from_signature(a), Plane::from_signature(b));
    let mut buf = Vec::with_capacity(N);
    let identity = IDENTITY;
    let same = ncc_at(&pa, &pb, identity);
    let (ha, hb) = (pa.half(), pb.half());
    // Cheap gate on 8x8 renditions: pairs that line up under no coarse crop are not the same
    // picture at any threshold, and most candidate pairs of a large library are such pairs.
    let mut search = true;
    if same < GATE_UNLESS {
        let (qa, qb) = (ha.half(), hb.half());
        let gate = coarse_candidates(&qa, &qb)
            .first()
            .map_or(-1.0, |c| c.0)
            .max(coarse_candidates(&qb, &qa).first().map_or(-1.0, |c| c.0));
        search = gate >= effort.search_from;
        if gate < effort.gate_8px {
            let m = PixelMatch {
                ncc: same,
                trimmed: same,
                detail: 0.0,
                coverage: 1.0,
                agreement: 0.0,
            };
            return Some((m, Alignment::IDENTITY));
        }
    }
    // The unrefined identity competes too: refinement may trade a caption bar for a wrong crop.
    let m = measure(&pa, &pb, identity, &mut buf);
    let mut best = (m.score(), m, Alignment::IDENTITY);
    // (objective, a-is-the-larger-frame, transform in 16x16 units)
    if same >= ALIGNED || !search {
        return Some((best.1, best.2));
    }
    let mut starts: Vec<(f32, bool, Transform)> = vec![(same, true, identity)];
    // Same framing lining up well needs no search for a crop.
    if same < 0.9 {
        for (forward, big, small) in [(true, &ha, &hb), (false, &hb, &ha)] {
            for (score, t) in coarse_candidates(big, small) {
                starts.push((score, forward, t));
            }
        }
        starts[1..].sort_by(|x, y| y.0.total_cmp(&x.0));
        // Refine the best crop hypothesis, and the runner-up only when it is about as good.
        let keep = if starts.len() > 2 && starts[2].0 >= starts[1].0 - 0.05 {
            3
        } else {
            2
        };
        starts.truncate(keep);
    }
    for (score, forward, start) in starts {
        if score < REFINE_FROM {
            continue;
        }
        let (full, half) = if forward {
            ((&pa, &pb), (&ha, &hb))
        } else {
            ((&pb, &pa), (&hb, &ha))
        };
        let Some(t) = refine_two_level(full, half, start, effort) else {
            continue;
        };
        // Pick the alignment by the final score, not the search objective: a wrong crop that
        // hides a caption bar may correlate better than the right framing.
        let m = measure(full.0, full.1, t, &mut buf);
        if m.score() > best.0 {
            let al = Alignment::new(forward, t);
            best = (m.score(), m, al);
        }
    }
    Some((best.1, best.2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, imageops};

    fn texture(seed: u32, w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let s = seed as f32;
            let checker: f32 = if ((fx * 5.0 + s) as u32 + (fy * 4.0) as u32).is_multiple_of(2) {
                1.0
            } else {
                -1.0
            };
            let v = 128.0
                + 50.0 * ((fx * (3.0 + s) + s).sin() * (fy * (2.0 + 0.7 * s)).cos())
                + 40.0 * checker;
            image::Luma([v.clamp(0.0, 255.0) as u8])
        })
    }

    fn sig(img: &GrayImage) -> Vec<u8> {
        imageops::resize(img, 32, 32, imageops::FilterType::Triangle).into_raw()
    }

    #[test]
    fn crop_and_caption_match_other_pictures_do_not() {
        let img = texture(1, 320, 240);
        let crop = imageops::crop_imm(&img, 32, 24, 256, 192).to_image();
        let mut caption = img.clone();
        for y in 204..240 {
            for x in 0..320 {
                caption.put_pixel(x, y, image::Luma([20]));
            }
        }
        let base = sig(&img);
        for (name, other) in [("crop", sig(&crop)), ("caption", sig(&caption))] {
            let m = match_signatures(&base, &other).expect("sizes");
            assert!(m.score() > 0.9, "{name}: {m:?}");
        }
        for seed in 2..6 {
            let m = match_signatures(&base, &sig(&texture(seed, 320, 240))).expect("sizes");
            assert!(m.score() < 0.85, "seed {seed}: {m:?}");
        }
    }

    #[test]
    fn alignment_maps_a_point_to_the_same_spot_of_a_crop_either_way() {
        let img = texture(1, 320, 240);
        // The middle 80%: x 0.1..0.9, y 0.1..0.9 of the original.
        let crop = imageops::crop_imm(&img, 32, 24, 256, 192).to_image();
        let close = |got: Option<(f32, f32)>, want: (f32, f32)| {
            let (x, y) = got.expect("inside");
            assert!(
                (x - want.0).abs() < 0.03 && (y - want.1).abs() < 0.03,
                "{got:?} vs {want:?}"
            );
        };
        let align =
            |a: &GrayImage, b: &GrayImage| align_signatures(&sig(a), &sig(b)).expect("sizes").1;
        let outer_to_crop = align(&img, &crop);
        close(outer_to_crop.a_to_b(0.1, 0.1), (0.0, 0.0));
        close(outer_to_crop.a_to_b(0.5, 0.3), (0.5, 0.25));
        close(outer_to_crop.a_to_b(0.9, 0.9), (1.0, 1.0));
        assert_eq!(outer_to_crop.a_to_b(0.03, 0.5), None, "not in the crop");
        let crop_to_outer = align(&crop, &img);
        close(crop_to_outer.a_to_b(0.0, 0.0), (0.1, 0.1));
        close(crop_to_outer.a_to_b(0.5, 0.25), (0.5, 0.3));
        close(crop_to_outer.a_to_b(1.0, 1.0), (0.9, 0.9));
        let same = align(&img, &img);
        close(same.a_to_b(0.2, 0.7), (0.2, 0.7));
    }

    #[test]
    fn the_near_only_check_scores_copies_as_the_full_check_does() {
        let img = texture(1, 320, 240);
        let base = sig(&img);
        let crop = imageops::crop_imm(&img, 32, 24, 256, 192).to_image();
        let brighter = imageops::colorops::brighten(&img, 25);
        let mut caption = img.clone();
        for y in 204..240 {
            for x in 0..320 {
                caption.put_pixel(x, y, image::Luma([20]));
            }
        }
        for (name, other) in [
            ("crop", &crop),
            ("caption", &caption),
            ("brighter", &brighter),
        ] {
            let full = match_signatures(&base, &sig(other)).expect("sizes");
            let near = match_near_signatures(&base, &sig(other)).expect("sizes");
            assert!(near.score() >= NEAR_ONLY, "{name}: {near:?}");
            assert_eq!(near, full, "{name}");
        }
        for seed in 2..6 {
            let other = sig(&texture(seed, 320, 240));
            let full = match_signatures(&base, &other).expect("sizes").score();
            let near = match_near_signatures(&base, &other).expect("sizes").score();
            assert!(
                near <= full && near < NEAR_ONLY,
                "seed {seed}: {near} vs {full}"
            );
        }
    }

    #[test]
    fn wrong_lengths_are_refused() {
        assert!(match_signatures(&[0; 10], &[0; 1024]).is_none());
    }
}
