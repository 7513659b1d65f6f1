//! Bursts: photos the same camera took a few seconds apart that look alike — a burst, a bracket,
//! a run of shots of one scene. Browse shows each burst as one stack (Excire's "sequences",
//! Google Photos' stacks). Only capture times from the camera count (a file date says nothing of
//! when a photo was taken), and time alone is not enough: two shots seconds apart of different
//! things stay apart.

use crate::core::catalog::{Catalog, PhotoInfo};
use crate::core::error::Result;

/// The longest pause between two shots of one burst, in milliseconds.
pub const BURST_GAP_MS: i64 = 3_000;
/// The least cosine similarity between consecutive shots of a burst (the library's model).
/// Lower than the duplicate finder's "similar" tier: being seconds apart is evidence too.
pub const BURST_SIMILARITY: f32 = 0.8;

/// The bursts among `photos`: runs of at least two photos (ids, in capture order) from the same
/// camera, each taken at most [`BURST_GAP_MS`] after the one before and at least
/// [`BURST_SIMILARITY`] alike by `similarity(a, b)` (`None`: not comparable, which ends a run),
/// taken at two instants or more.
pub fn find(
    photos: &[PhotoInfo],
    mut similarity: impl FnMut(i64, i64) -> Option<f32>,
) -> Vec<Vec<i64>> {
    let mut timed: Vec<(&str, i64, i64)> = photos
        .iter()
        .filter_map(|p| {
            let t = p.taken.as_ref()?;
            Some((p.camera.as_deref().unwrap_or(""), t.unix_ms, p.id))
        })
        .collect();
    timed.sort_unstable();
    let mut out = Vec::new();
    // (id, capture time) of the run being built.
    let mut run: Vec<(i64, i64)> = Vec::new();
    let mut last: Option<(&str, i64)> = None;
    // A run is a burst with two photos or more taken at two instants or more (copies of one
    // photo share its capture time).
    let close = |run: &mut Vec<(i64, i64)>, out: &mut Vec<Vec<i64>>| {
        let instants = run.windows(2).filter(|w| w[0].1 != w[1].1).count() + 1;
        if run.len() >= 2 && instants >= 2 {
            out.push(run.iter().map(|&(id, _)| id).collect());
        }
        run.clear();
    };
    for (camera, ms, id) in timed {
        let joins = last.is_some_and(|(c, t)| {
            c == camera
                && ms - t <= BURST_GAP_MS
                && run
                    .last()
                    .and_then(|&(prev, _)| similarity(prev, id))
                    .is_some_and(|s| s >= BURST_SIMILARITY)
        });
        if !joins {
            close(&mut run, &mut out);
        }
        run.push((id, ms));
        last = Some((camera, ms));
    }
    close(&mut run, &mut out);
    out
}

/// Whether `photos` (already known to look alike, e.g. a duplicate group) are one burst: all
/// with capture times from the same camera, each within [`BURST_GAP_MS`] of the one before,
/// taken at two instants or more (copies of one photo share its capture time).
pub fn is_burst<'a>(photos: impl IntoIterator<Item = &'a PhotoInfo>) -> bool {
    let mut timed = Vec::new();
    for p in photos {
        let Some(t) = &p.taken else {
            return false;
        };
        timed.push((p.camera.as_deref().unwrap_or(""), t.unix_ms));
    }
    timed.sort_unstable_by_key(|&(_, ms)| ms);
    // Copies of one photo carry its capture time: shots taken at one instant are no burst.
    let instants = timed.windows(2).filter(|w| w[0].1 != w[1].1).count() + 1;
    instants >= 2
        && timed
            .windows(2)
            .all(|w| w[0].0 == w[1].0 && w[1].1 - w[0].1 <= BURST_GAP_MS)
}

/// The bursts among `photos`, compared with the vectors of `embedder` stored in `catalog`
/// (vectors are read only for photos with a neighbour within [`BURST_GAP_MS`]).
pub fn in_catalog(
    catalog: &Catalog,
    photos: &[PhotoInfo],
    embedder: &str,
) -> Result<Vec<Vec<i64>>> {
    let mut cache: std::collections::HashMap<i64, Option<Vec<f32>>> = Default::default();
    let mut error = None;
    let mut vector = |id: i64| -> Option<Vec<f32>> {
        if let Some(v) = cache.get(&id) {
            return v.clone();
        }
        let v = match catalog.vector(id, embedder) {
            Ok(v) => v,
            Err(e) => {
                error.get_or_insert(e);
                None
            }
        };
        cache.insert(id, v.clone());
        v
    };
    let bursts = find(photos, |a, b| {
        let (va, vb) = (vector(a)?, vector(b)?);
        (va.len() == vb.len()).then(|| va.iter().zip(&vb).map(|(x, y)| x * y).sum())
    });
    match error {
        Some(e) => Err(e),
        None => Ok(bursts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::metadata::CaptureTime;

    fn shot(id: i64, camera: &str, when: &str) -> PhotoInfo {
        PhotoInfo {
            id,
            path: format!("/lib/{id}.jpg").into(),
            taken: CaptureTime::parse_iso(when),
            camera: Some(camera.into()),
            ..Default::default()
        }
    }

    #[test]
    fn shots_seconds_apart_that_look_alike_form_bursts() {
        let photos = vec![
            shot(1, "X100V", "2020-05-01T10:00:00.000"),
            shot(2, "X100V", "2020-05-01T10:00:00.500"),
            shot(3, "X100V", "2020-05-01T10:00:02.900"),
            // 10 s later: a new scene.
            shot(4, "X100V", "2020-05-01T10:00:12"),
            shot(5, "X100V", "2020-05-01T10:00:13"),
            // Same second, another camera (a friend's phone): not part of the X100V's burst.
            shot(6, "iPhone", "2020-05-01T10:00:01"),
            // Seconds apart but a different picture.
            shot(7, "X100V", "2020-05-01T10:00:14"),
            PhotoInfo {
                taken: None,
                ..shot(8, "X100V", "2020-05-01T10:00:13")
            },
        ];
        // Photos 1-3 and 4-5 look alike; 7 does not look like 5.
        let look = |a: i64, b: i64| -> Option<f32> {
            let scene = |id: i64| match id {
                1..=3 => 1,
                4 | 5 => 2,
                _ => id,
            };
            Some(if scene(a) == scene(b) { 0.93 } else { 0.4 })
        };
        let b = find(&photos, look);
        assert_eq!(b, vec![vec![1, 2, 3], vec![4, 5]]);
        // An edited copy keeps the original's capture time: a copy is not a burst.
        let copies = vec![
            shot(1, "X100V", "2020-05-01T10:00:00"),
            shot(2, "X100V", "2020-05-01T10:00:00"),
        ];
        assert!(find(&copies, |_, _| Some(0.99)).is_empty());
        // Not comparable (no vectors yet): no burst.
        assert!(find(&photos, |_, _| None).is_empty());

        // A duplicate group is a burst when its photos are one camera's shots seconds apart.
        assert!(is_burst([&photos[2], &photos[0], &photos[1]]));
        assert!(!is_burst([&photos[0], &photos[3]]), "10 s apart");
        assert!(!is_burst([&photos[0], &photos[5]]), "another camera");
        assert!(!is_burst([&photos[4], &photos[7]]), "no capture time");
        assert!(!is_burst([&photos[0]]));
        assert!(
            !is_burst([&photos[0], &photos[0].clone()]),
            "a copy carries the original's capture time"
        );
    }
}
