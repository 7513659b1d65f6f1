//! [`Alignment`]: where two near-duplicate photos' frames lie relative to each other (one a crop
//! or slight tilt of the other), as the pixel check finds it on the signatures, and its
//! refinement on larger renditions for the compare view's overlay.
//!
//! The signatures squeeze every photo into a square, where a tilt is only approximately a
//! rotation; the overlay needs the real one. So the geometry here works in each photo's own
//! proportions: positions are normalised to the photo (0..1 both ways) and converted to units
//! of its height (x times the width/height ratio) before rotating.

use super::pixel_math::{IDENTITY, Plane, SIDE, Transform, correlation, descend};

/// Where two photos' frames lie relative to each other: one is (a crop of) the other, possibly
/// tilted by a few degrees. Found by [`super::pixel_check::align_signatures`]; the compare view maps
/// one photo onto the other with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alignment {
    /// `b`'s frame lies inside `a`'s (else `a`'s inside `b`'s).
    b_inside_a: bool,
    /// The inner frame in the outer one: scale (of the height), offsets in signature pixels,
    /// rotation in degrees.
    t: Transform,
    /// Width over height of the outer and the inner photo (1 for the squeezed signatures).
    aspect: (f32, f32),
}

impl Alignment {
    /// Same framing.
    pub const IDENTITY: Self = Self {
        b_inside_a: true,
        t: IDENTITY,
        aspect: (1.0, 1.0),
    };

    /// `b`'s frame is `t` inside `a`'s (`b_inside_a`), else `a`'s inside `b`'s.
    pub(super) fn new(b_inside_a: bool, t: Transform) -> Self {
        Self {
            b_inside_a,
            t,
            aspect: (1.0, 1.0),
        }
    }

    /// The point of `b` that shows what `a` shows at `(x, y)`, both in coordinates normalised to
    /// the photo's width and height (0..1); `None` when `b` does not show that part of `a`.
    pub fn a_to_b(&self, x: f32, y: f32) -> Option<(f32, f32)> {
        let (u, v) = if self.b_inside_a {
            inner_from_outer(self.t, self.aspect, (x, y))
        } else {
            outer_from_inner(self.t, self.aspect, (x, y))
        };
        ((0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v)).then_some((u, v))
    }

    /// This alignment (found on the 32x32 signatures, so good to about a signature pixel, and
    /// with tilts measured in squeezed frames) refined on larger grayscale renditions of the
    /// same photos: `side` x `side`, row-major, squeezed as the signatures are; `aspect_a` and
    /// `aspect_b` are the photos' width/height. For an overlay that lines up to the pixel.
    pub fn refined(self, a: &[u8], b: &[u8], side: usize, aspect_a: f32, aspect_b: f32) -> Self {
        if a.len() != side * side || b.len() != side * side || side < SIDE {
            return self;
        }
        let (pa, pb) = (Plane::from_gray(a, side), Plane::from_gray(b, side));
        let (outer, inner, aspect) = if self.b_inside_a {
            (&pa, &pb, (aspect_a, aspect_b))
        } else {
            (&pb, &pa, (aspect_b, aspect_a))
        };
        // Down to a shift step of a tenth of a rendition pixel.
        let min_shift = 0.1 * SIDE as f32 / side as f32;
        let bound = |mut t: Transform| {
            t.scale = t.scale.clamp(0.5, 1.0);
            t.angle_deg = t.angle_deg.clamp(-8.0, 8.0);
            t
        };
        let (_, best) = descend(
            self.t,
            [0.01, 0.5, 0.5, 0.5],
            (24, min_shift, 1e-6),
            bound,
            |t| overlap_correlation(outer, inner, t, aspect),
        );
        Self {
            t: best,
            aspect,
            ..self
        }
    }
}

/// Centre of the inner frame in the outer photo, in outer-height units.
fn frame_centre(t: Transform, (outer, inner): (f32, f32)) -> (f32, f32) {
    let (ox, oy) = (t.off_x / SIDE as f32, t.off_y / SIDE as f32);
    (
        (ox + t.scale * inner / (2.0 * outer)) * outer,
        oy + t.scale / 2.0,
    )
}

/// A point of the outer photo (normalised) in the inner photo's normalised coordinates.
fn inner_from_outer(t: Transform, aspect: (f32, f32), (x, y): (f32, f32)) -> (f32, f32) {
    let (cx, cy) = frame_centre(t, aspect);
    let (dx, dy) = ((x * aspect.0 - cx) / t.scale, (y - cy) / t.scale);
    let (sin, cos) = t.angle_deg.to_radians().sin_cos();
    (
        (cos * dx - sin * dy) / aspect.1 + 0.5,
        sin * dx + cos * dy + 0.5,
    )
}

/// The inverse of [`inner_from_outer`].
fn outer_from_inner(t: Transform, aspect: (f32, f32), (u, v): (f32, f32)) -> (f32, f32) {
    let (cx, cy) = frame_centre(t, aspect);
    let (qx, qy) = ((u - 0.5) * aspect.1, v - 0.5);
    let (sin, cos) = t.angle_deg.to_radians().sin_cos();
    let (dx, dy) = (cos * qx + sin * qy, -sin * qx + cos * qy);
    ((cx + dx * t.scale) / aspect.0, cy + dy * t.scale)
}

/// Correlation of the outer rendition with the inner one mapped onto it, over their overlap;
/// -1 when the overlap is under a third of the outer frame.
fn overlap_correlation(outer: &Plane, inner: &Plane, t: Transform, aspect: (f32, f32)) -> f32 {
    let n = outer.side;
    let side = n as f32;
    let mut pairs = Vec::with_capacity(n * n);
    for y in 0..n {
        for x in 0..n {
            let (u, v) = inner_from_outer(
                t,
                aspect,
                ((x as f32 + 0.5) / side, (y as f32 + 0.5) / side),
            );
            if (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v) {
                let w = inner.sample(u * inner.side as f32 - 0.5, v * inner.side as f32 - 0.5);
                pairs.push((outer.px[y * n + x], w));
            }
        }
    }
    if pairs.len() * 3 < n * n {
        return -1.0;
    }
    correlation(pairs.into_iter())
}
