//! Issue 19: how many pairs the pixel check would call near duplicates are never proposed by
//! the candidate graph (so `dupes` cannot find them). A measurement on an indexed data dir, not
//! a check: `LOOKALIKE_MISSING_DATA=DATA_DIR cargo test --locked --test tests -- --ignored
//! --nocapture dupes_missing` (every pair is aligned: keep the library to a few hundred photos).

use lookalike::core::dupes::cluster::DEFAULT_NEAR;
use lookalike::core::dupes::graph::{CandidateGraph, GraphOptions};
use lookalike::core::dupes::pixel_check::match_signatures;
use lookalike::core::library::Library;
use lookalike::core::progress::{CancelFlag, NoProgress};
use std::collections::HashSet;

/// The indexed data dir named by `LOOKALIKE_MISSING_DATA` (`None`: the measurement is skipped).
fn measured_library() -> Option<Library> {
    let dir = std::env::var_os("LOOKALIKE_MISSING_DATA")?;
    Some(Library::open(Some(dir.into())).expect("data dir"))
}

/// The truth file named by `LOOKALIKE_TRUTH` (`{original: [copies]}`, as
/// `make_captionset.py` writes it).
fn truth() -> Option<std::collections::BTreeMap<String, Vec<String>>> {
    let path = std::env::var_os("LOOKALIKE_TRUTH")?;
    Some(serde_json::from_slice(&std::fs::read(path).expect("truth")).expect("json"))
}

/// The candidate graph of `lib`, built as `dupes` builds it.
fn graph_of(lib: &Library) -> CandidateGraph {
    lookalike::core::dupes::scan(
        lib,
        &GraphOptions::default(),
        &NoProgress,
        &CancelFlag::new(),
    )
    .expect("graph")
}

#[test]
#[ignore = "a measurement on a data dir named by LOOKALIKE_MISSING_DATA"]
fn near_pairs_the_candidate_graph_never_proposes() {
    let Some(lib) = measured_library() else {
        return;
    };
    let graph = graph_of(&lib);
    let proposed: HashSet<(u32, u32)> = graph
        .edges
        .iter()
        .map(|e| (e.a.min(e.b), e.a.max(e.b)))
        .collect();
    let input = lookalike::core::dupes::load_input(&lib).expect("input");
    // One signature per exact-copy class (its first photo).
    let sigs: Vec<Option<&Vec<u8>>> = graph
        .classes
        .iter()
        .map(|c| input.signatures.get(&graph.photos[c[0] as usize].info.id))
        .collect();
    let (mut near, mut missing) = (0usize, Vec::new());
    for (a, x) in sigs.iter().enumerate() {
        for (b, y) in sigs.iter().enumerate().skip(a + 1) {
            let (Some(x), Some(y)) = (x, y) else {
                continue;
            };
            let Some(m) = match_signatures(x, y) else {
                continue;
            };
            if m.score() >= DEFAULT_NEAR {
                near += 1;
                if !proposed.contains(&(a as u32, b as u32)) {
                    let name = |c: usize| {
                        let p = &graph.photos[graph.classes[c][0] as usize].info.path;
                        p.file_name().map(|n| n.to_string_lossy().into_owned())
                    };
                    missing.push((name(a), name(b), m.score()));
                }
            }
        }
    }
    println!(
        "{} classes, {} edges proposed; {near} pairs at the near threshold by pixels, {} of them never proposed",
        sigs.len(),
        proposed.len(),
        missing.len()
    );
    for (a, b, s) in &missing {
        println!("  {a:?} {b:?} {s:.3}");
    }
}

/// Per (original, copy) pair of a truth file (`{original: [copies]}`, as `make_captionset.py`
/// writes): whether the graph proposed it, its descriptor cosine and its pixel score.
/// `LOOKALIKE_MISSING_DATA=DATA LOOKALIKE_TRUTH=truth.json cargo test --locked --test tests --
/// --ignored --nocapture dupes_missing::truth`.
#[test]
#[ignore = "a measurement on a data dir named by LOOKALIKE_MISSING_DATA"]
fn truth_pairs_proposed_and_scored() {
    let Some(truth) = truth() else {
        return;
    };
    let Some(lib) = measured_library() else {
        return;
    };
    let graph = graph_of(&lib);
    let input = lookalike::core::dupes::load_input(&lib).expect("input");
    let class_of = |name: &str| {
        graph
            .classes
            .iter()
            .position(|c| graph.photos[c[0] as usize].info.path.to_string_lossy() == name)
    };
    let sig = |c: usize| {
        input
            .signatures
            .get(&graph.photos[graph.classes[c][0] as usize].info.id)
    };
    let vec = |c: usize| {
        input
            .vectors
            .get(&graph.photos[graph.classes[c][0] as usize].info.id)
    };
    for (o, copies) in &truth {
        let Some(a) = class_of(o) else { continue };
        for c in copies {
            let Some(b) = class_of(c) else { continue };
            let (x, y) = (a.min(b) as u32, a.max(b) as u32);
            let edge = graph.edges.iter().find(|e| e.a == x && e.b == y);
            let cos = match (vec(a), vec(b)) {
                (Some(p), Some(q)) => p.iter().zip(q).map(|(u, v)| u * v).sum::<f32>(),
                _ => f32::NAN,
            };
            let px = match (sig(a), sig(b)) {
                (Some(p), Some(q)) => match_signatures(p, q).map_or(f32::NAN, |m| m.score()),
                _ => f32::NAN,
            };
            let graph_px = edge.and_then(|e| e.pixel).map_or(f32::NAN, |m| m.score());
            println!(
                "PAIR {} {} proposed={} cos={cos:.3} pixel={px:.3} edge_pixel={graph_px:.3}",
                o.rsplit('/').next().unwrap_or(o),
                c.rsplit('/').next().unwrap_or(c),
                edge.is_some()
            );
        }
    }
}

/// Every edge of the graph between photos whose file names contain `LOOKALIKE_EDGES_OF`: descriptor
/// cosine, colour agreement, pixel score and the signatures' mean gray levels; then the colour
/// agreement of every two of those photos (`COLOUR a b x`), which a near group's members need.
/// `LOOKALIKE_MISSING_DATA=DATA LOOKALIKE_EDGES_OF=flat_ cargo test --locked --test tests --
/// --ignored --nocapture dupes_missing::edges`.
#[test]
#[ignore = "a measurement on a data dir named by LOOKALIKE_MISSING_DATA"]
fn edges_between_named_photos() {
    let Some(part) = std::env::var("LOOKALIKE_EDGES_OF").ok() else {
        return;
    };
    let Some(lib) = measured_library() else {
        return;
    };
    let graph = graph_of(&lib);
    let input = lookalike::core::dupes::load_input(&lib).expect("input");
    let name = |c: u32| {
        let p = &graph.representative(c).info.path;
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mean = |c: u32| {
        input
            .signatures
            .get(&graph.representative(c).info.id)
            .map_or(f32::NAN, |s| {
                s.iter().map(|&v| f32::from(v)).sum::<f32>() / s.len() as f32
            })
    };
    for e in &graph.edges {
        let (a, b) = (name(e.a), name(e.b));
        if !(a.contains(&part) && b.contains(&part)) {
            continue;
        }
        println!(
            "EDGE {a} {b} cos={:.3} colour={:?} pixel={:.3} ncc={:.3} trimmed={:.3} means={:.1}/{:.1}",
            e.similarity,
            e.colour,
            e.pixel.map_or(f32::NAN, |m| m.score()),
            e.pixel.map_or(f32::NAN, |m| m.ncc),
            e.pixel.map_or(f32::NAN, |m| m.trimmed),
            mean(e.a),
            mean(e.b)
        );
    }
    // The colour layouts of every two of them, edge or not (a near group's members must agree).
    let named: Vec<u32> = (0..graph.classes.len() as u32)
        .filter(|&c| name(c).contains(&part))
        .collect();
    let vector = |c: u32| input.vectors.get(&graph.representative(c).info.id);
    for (i, &a) in named.iter().enumerate() {
        for &b in &named[i + 1..] {
            if let (Some(x), Some(y)) = (vector(a), vector(b)) {
                let agreement = lookalike::core::dupes::symmetry::colour_agreement(x, y);
                println!("COLOUR {} {} {agreement:?}", name(a), name(b));
            }
        }
    }
}

/// Per (original, copy) pair of a truth file whose photos have the same dimensions: which one
/// `overlay::drawn_over` says has something drawn over the picture.
/// `LOOKALIKE_MISSING_DATA=DATA LOOKALIKE_TRUTH=truth.json cargo test --locked --test tests --
/// --ignored --nocapture dupes_missing::drawn`.
#[test]
#[ignore = "a measurement on a data dir named by LOOKALIKE_MISSING_DATA"]
fn drawn_over_in_truth_pairs() {
    let Some(truth) = truth() else {
        return;
    };
    let Some(lib) = measured_library() else {
        return;
    };
    let input = lookalike::core::dupes::load_input(&lib).expect("input");
    let by_path = |p: &str| {
        input
            .photos
            .iter()
            .find(|e| e.info.path.to_string_lossy() == p)
    };
    for (o, copies) in &truth {
        let Some(a) = by_path(o) else { continue };
        for c in copies {
            let Some(b) = by_path(c) else { continue };
            if (a.info.width, a.info.height) != (b.info.width, b.info.height) {
                continue;
            }
            let (Some(sa), Some(sb)) = (
                input.signatures.get(&a.info.id),
                input.signatures.get(&b.info.id),
            ) else {
                continue;
            };
            println!(
                "DRAWN {} {:?}",
                c.rsplit('/').next().unwrap_or(c),
                lookalike::core::dupes::overlay::drawn_over(sa, sb)
            );
        }
    }
}
