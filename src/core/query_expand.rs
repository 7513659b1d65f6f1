//! Edited copies first: the part of the query ranking that looks at pixels.
//!
//! An embedding sees a caption bar, a crop or a tilt as a change of content, so another shot of
//! the same scene (a burst, a pan) can outscore an edited copy of the query photo. The pixel
//! check that `dupes` uses (the stored 32x32 signatures aligned under crop, shift, tilt, with
//! caption bands cut away) tells the two apart: a candidate whose pixels line up with the query
//! photo's at the near-duplicate threshold is a copy, and its score is raised to that pixel
//! agreement, so copies come before look-alikes. Colours veto as they do in `dupes` (a recoloured
//! variant of a design is not a copy); a colourless copy is not vetoed.
//!
//! Only a query photo that is in the catalog has a stored signature; other queries are ranked by
//! their embeddings alone.

use crate::core::catalog::Catalog;
use crate::core::dupes::cluster::{DEFAULT_NEAR, MIN_COLOUR_AGREEMENT};
use crate::core::dupes::pixel_check::{NEAR_ONLY, match_near_signatures};
use crate::core::dupes::symmetry::colour_agreement;
use crate::core::embed::descriptor::Descriptor;
use crate::core::error::Result;
use crate::core::query::Searchers;
use crate::core::timeline;
use rayon::prelude::*;

/// How many of the best candidates that are not settled yet are pixel-checked: enough for the
/// copies a page of results holds (each check takes about a third of a millisecond of one core;
/// most unrelated photos end at its cheap first gate).
pub const CHECKED: usize = 16;

// Only copies at the near-duplicate threshold are raised, so the check may give up on a pair
// that cannot reach it.
const _: () = assert!(DEFAULT_NEAR >= NEAR_ONLY);

/// Score from which a candidate is settled: it is at the top of the list already, and raising it
/// would change nothing a person sees.
const SETTLED: f32 = 0.97;

/// Whether a search looks at pictures (the descriptor, or a CNN fused with it), so copies of
/// the query photo count: not for a search by words, whose example photo only steers it.
pub fn applies(searchers: &Searchers<'_>) -> bool {
    searchers.descriptor.is_some() || searchers.primary.embedder() == Descriptor::ID
}

/// Raise the scores of the candidates in `scored` (`(score, id)`, any order) that are edited
/// copies of the query photo `own` (when it is exactly one catalog photo with a signature) to
/// their pixel agreement. Only the [`CHECKED`] best that are not settled are looked at.
pub fn raise_copies(catalog: &Catalog, own: &[i64], scored: &mut [(f32, i64)]) -> Result<()> {
    let [query] = own else {
        return Ok(());
    };
    let Some(signature) = catalog.signature(*query)? else {
        return Ok(());
    };
    timeline::mark("query: candidates scored");
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut theirs = Vec::with_capacity(CHECKED);
    for (i, &(score, id)) in scored.iter().enumerate() {
        if theirs.len() == CHECKED {
            break;
        }
        if score < SETTLED
            && id != *query
            && let Some(sig) = catalog.signature(id)?
        {
            theirs.push((i, sig));
        }
    }
    timeline::mark("query: signatures read");
    let copies: Vec<(usize, f32)> = theirs
        .par_iter()
        .filter_map(|(i, sig)| {
            let pixels = match_near_signatures(&signature, sig)?.score();
            (pixels >= DEFAULT_NEAR && pixels > scored[*i].0).then_some((*i, pixels))
        })
        .collect();
    timeline::mark("query: signatures matched");
    let colours = if copies.is_empty() {
        None
    } else {
        catalog.vector(*query, Descriptor::ID)?
    };
    for (i, pixels) in copies {
        if let Some(ours) = &colours {
            // A recoloured variant of a design is not a copy (a colourless copy is not vetoed).
            let recoloured = catalog
                .vector(scored[i].1, Descriptor::ID)?
                .and_then(|v| colour_agreement(ours, &v))
                .is_some_and(|c| c < MIN_COLOUR_AGREEMENT);
            if recoloured {
                continue;
            }
        }
        scored[i].0 = pixels;
    }
    timeline::mark(format_args!(
        "query: {} candidates pixel-checked",
        theirs.len()
    ));
    Ok(())
}
