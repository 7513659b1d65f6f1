//! Issue 19: how many pairs the pixel check would call near duplicates are never proposed by
//! the candidate graph (so `dupes` cannot find them). A measurement on an indexed data dir, not
//! a check: `LOOKALIKE_MISSING_DATA=DATA_DIR cargo test --locked --test tests -- --ignored
//! --nocapture dupes_missing` (every pair is aligned: keep the library to a few hundred photos).

use lookalike::core::dupes::cluster::DEFAULT_NEAR;
use lookalike::core::dupes::graph::GraphOptions;
use lookalike::core::dupes::pixel_check::match_signatures;
use lookalike::core::library::Library;
use lookalike::core::progress::{CancelFlag, NoProgress};
use std::collections::HashSet;

#[test]
#[ignore = "a measurement on a data dir named by LOOKALIKE_MISSING_DATA"]
fn near_pairs_the_candidate_graph_never_proposes() {
    let Some(dir) = std::env::var_os("LOOKALIKE_MISSING_DATA") else {
        return;
    };
    let lib = Library::open(Some(dir.into())).expect("data dir");
    let graph = lookalike::core::dupes::scan(
        &lib,
        &GraphOptions::default(),
        &NoProgress,
        &CancelFlag::new(),
    )
    .expect("graph");
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
