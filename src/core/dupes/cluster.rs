//! Grouping of the candidate graph with given thresholds, without chaining: every class in a group
//! is directly linked to the group's centre (a star around the best-connected class), so A~B and
//! B~C never pull an unrelated A and C together through B unless B is the centre both match.

use super::graph::CandidateGraph;
use super::pixel_check::PixelMatch;
use super::symmetry::{Symmetry, colour_agreement, colour_agreement_of};
use std::collections::HashMap;

/// How closely photos in a group are related.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Byte-identical files.
    Exact,
    /// The same picture, edited (resized, re-compressed, cropped, recoloured, captioned...).
    Near,
    /// The same scene (burst shots, slightly different framing).
    Similar,
}

impl Tier {
    /// Lower-case name, as in the CLI and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Exact => "exact",
            Tier::Near => "near",
            Tier::Similar => "similar",
        }
    }

    /// Parse "exact", "near" or "similar".
    pub fn parse(s: &str) -> Option<Tier> {
        match s.trim().to_ascii_lowercase().as_str() {
            "exact" => Some(Tier::Exact),
            "near" => Some(Tier::Near),
            "similar" => Some(Tier::Similar),
            _ => None,
        }
    }
}

/// Per-tier thresholds; changing them only regroups the stored graph.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Thresholds {
    /// Minimum [`near_score`] of a pixel-checked pair for the near tier (0..1).
    pub near: f32,
    /// Minimum cosine similarity (semantic model if present, else descriptor) for the similar tier.
    pub similar: f32,
    /// Loosest tier to report.
    pub max_tier: Tier,
    /// Accept mirrored and quarter-turned copies (needs a graph built with mirror search).
    pub mirror: bool,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            near: DEFAULT_NEAR,
            similar: DEFAULT_SIMILAR,
            max_tier: Tier::Near,
            mirror: false,
        }
    }
}

/// Default near-tier threshold on [`near_score`].
pub const DEFAULT_NEAR: f32 = 0.9;
/// Near pairs whose colour layouts (when both are colourful) correlate less than this are
/// recoloured variants (another colour scheme of a design), not the same picture.
pub const MIN_COLOUR_AGREEMENT: f32 = 0.5;
/// Near score from which two classes are the same rendition (twins).
const TWIN: f32 = 0.995;
/// Default similar-tier cosine threshold.
pub const DEFAULT_SIMILAR: f32 = 0.88;

/// The near-tier score of a pixel check (see [`PixelMatch::score`]).
pub fn near_score(m: &PixelMatch) -> f32 {
    m.score()
}

/// A group found by [`group_classes`]: classes with their relation to the centre class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassGroup {
    /// Loosest relation inside the group.
    pub tier: Tier,
    /// The centre class (its relation is [`Tier::Exact`]).
    pub center: u32,
    /// `(class, relation to centre, score)`, centre first.
    pub classes: Vec<(u32, Tier, f32)>,
}

/// Classes of a unit or group with their relation to its centre and the score.
type Members = Vec<(u32, Tier, f32)>;

/// Star clustering: repeatedly take the unassigned node with the most unassigned neighbours as a
/// centre and give it those neighbours, best score first, each only when it `fits` the centre
/// (given the pair's score) and is `compatible` with every member taken before it (a neighbour
/// that is not stays for a later star).
/// Returns `(centre, [(member, score)])` with members excluding the centre; nodes left alone
/// are omitted.
fn stars(
    n: usize,
    adj: &HashMap<u32, Vec<(u32, f32)>>,
    fits: &dyn Fn(u32, u32, f32) -> bool,
    compatible: &dyn Fn(u32, u32) -> bool,
) -> Vec<(u32, Vec<(u32, f32)>)> {
    let mut order: Vec<u32> = adj.keys().copied().collect();
    let weight = |c: u32| -> (usize, f32) {
        let list = &adj[&c];
        (list.len(), list.iter().map(|x| x.1).sum())
    };
    order.sort_by(|x, y| {
        let (dx, sx) = weight(*x);
        let (dy, sy) = weight(*y);
        dy.cmp(&dx).then(sy.total_cmp(&sx)).then(x.cmp(y))
    });
    let mut taken = vec![false; n];
    let mut out = Vec::new();
    for c in order {
        if taken[c as usize] {
            continue;
        }
        let mut candidates: Vec<(u32, f32)> = adj[&c]
            .iter()
            .filter(|(m, _)| !taken[*m as usize])
            .copied()
            .collect();
        candidates.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        let mut members: Vec<(u32, f32)> = Vec::with_capacity(candidates.len());
        for (m, s) in candidates {
            if fits(c, m, s) && members.iter().all(|&(o, _)| compatible(o, m)) {
                members.push((m, s));
            }
        }
        if members.is_empty() {
            continue;
        }
        taken[c as usize] = true;
        for (m, _) in &members {
            taken[*m as usize] = true;
        }
        out.push((c, members));
    }
    out
}

/// Whether the colour layouts of classes `a` and `b` agree, or cannot be compared (a nearly
/// colourless photo, no descriptor). With mirror search on, under the best of the symmetries.
fn colours_agree(graph: &CandidateGraph, a: u32, b: u32) -> bool {
    let (Some(Some(x)), Some(Some(y))) = (
        graph.class_vectors.get(a as usize),
        graph.class_vectors.get(b as usize),
    ) else {
        return true;
    };
    let best = if graph.mirror {
        Symmetry::all()
            .into_iter()
            .filter_map(|s| colour_agreement(&s.apply_descriptor(x)?, y))
            .reduce(f32::max)
    } else {
        colour_agreement_of(x, graph.colour_norm(a), y, graph.colour_norm(b))
    };
    best.is_none_or(|c| c >= MIN_COLOUR_AGREEMENT)
}

/// Pixel scores this close to a colourless photo's best coloured match count as ties, decided by
/// gray level: a flat design's grayscale copy matches every colour scheme of its layout
/// perfectly by pixels (a flat field correlates with any other flat field).
const STAND_IN_TIE: f32 = 0.02;

/// For each nearly colourless class with coloured near matches (a grayscale copy): the coloured
/// class whose colours it stands for while grouping, its best match by pixels (among near ties,
/// the one closest in mean gray level, which a grayscale conversion keeps). A grayscale copy has
/// no colour to veto with, so it would match two colour schemes of one design alike and join
/// them into one group; with the colours of its own source it joins that source's photos only.
fn colour_stand_ins(graph: &CandidateGraph, near_edges: &[(u32, u32, f32)]) -> HashMap<u32, u32> {
    let colourful = |c: u32| -> Option<bool> {
        graph.class_vectors.get(c as usize)?.as_ref()?;
        Some(graph.colour_norm(c).is_some())
    };
    let gray = |c: u32| graph.class_gray.get(c as usize).copied().flatten();
    // Per colourless class: (coloured match, pixel score).
    let mut matches: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
    for &(a, b, score) in near_edges {
        for (x, y) in [(a, b), (b, a)] {
            if colourful(x) == Some(false) && colourful(y) == Some(true) {
                matches.entry(x).or_default().push((y, score));
            }
        }
    }
    matches
        .into_iter()
        .filter_map(|(c, list)| {
            let best = list.iter().map(|m| m.1).fold(f32::MIN, f32::max);
            let gap = |o: u32| match (gray(c), gray(o)) {
                (Some(x), Some(y)) => (x - y).abs(),
                _ => f32::MAX,
            };
            list.into_iter()
                .filter(|m| m.1 >= best - STAND_IN_TIE)
                .min_by(|x, y| {
                    gap(x.0)
                        .total_cmp(&gap(y.0))
                        .then(y.1.total_cmp(&x.1))
                        .then(x.0.cmp(&y.0))
                })
                .map(|m| (c, m.0))
        })
        .collect()
}

fn add_edge(adj: &mut HashMap<u32, Vec<(u32, f32)>>, a: u32, b: u32, score: f32) {
    for (x, y) in [(a, b), (b, a)] {
        let list = adj.entry(x).or_default();
        match list.iter_mut().find(|(m, _)| *m == y) {
            Some(e) => e.1 = e.1.max(score),
            None => list.push((y, score)),
        }
    }
}

/// Group the classes of `graph`. `pair_ignored(a, b)` says the user marked two classes as not
/// duplicates; `copies_ignored(c)` that the identical copies of class `c` are intended.
pub fn group_classes(
    graph: &CandidateGraph,
    th: &Thresholds,
    pair_ignored: &dyn Fn(u32, u32) -> bool,
    copies_ignored: &dyn Fn(u32) -> bool,
) -> Vec<ClassGroup> {
    let n = graph.classes.len();
    // Near units: star clusters of classes over pixel-confirmed edges.
    let mut near_adj: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
    // (a, b, score) of each near edge.
    let mut near_edges: Vec<(u32, u32, f32)> = Vec::new();
    if th.max_tier >= Tier::Near {
        for e in &graph.edges {
            if !th.mirror && !e.symmetry.is_identity() {
                continue;
            }
            let Some(p) = &e.pixel else { continue };
            let score = near_score(p);
            // A strongly different colour layout is a recoloured variant, not the same picture.
            let recoloured = e.colour.is_some_and(|c| c < MIN_COLOUR_AGREEMENT);
            if score >= th.near && !recoloured && !pair_ignored(e.a, e.b) {
                add_edge(&mut near_adj, e.a, e.b, score);
                near_edges.push((e.a, e.b, score));
            }
        }
    }
    let stand_ins = colour_stand_ins(graph, &near_edges);
    drop(near_edges);
    // Twins (the same rendition: an EXIF-rotated or re-encoded copy) share their links, so the
    // choice between them as a centre never drops a member linked to only one of them.
    let twins: Vec<(u32, u32)> = near_adj
        .iter()
        .flat_map(|(&u, list)| {
            list.iter()
                .filter(move |(v, s)| *s >= TWIN && u < *v)
                .map(move |(v, _)| (u, *v))
        })
        .collect();
    for (u, v) in twins {
        let (lu, lv) = (near_adj[&u].clone(), near_adj[&v].clone());
        for (m, s) in lv.into_iter().filter(|(m, _)| *m != u) {
            add_edge(&mut near_adj, u, m, s);
        }
        for (m, s) in lu.into_iter().filter(|(m, _)| *m != v) {
            add_edge(&mut near_adj, v, m, s);
        }
    }
    let mut unit_of: Vec<u32> = (0..n as u32).collect(); // unit = its centre class
    let mut units: HashMap<u32, Members> = HashMap::new();
    // A grayscale copy matches both of two designs that differ only in colour (its pixel check
    // sees no hue), as does a twin that shares its links: a near group never holds two photos
    // whose colour layouts disagree, a colourless photo counting with its stand-in's colours.
    let colours_of = |c: u32| stand_ins.get(&c).copied().unwrap_or(c);
    let same_colours = |a: u32, b: u32| colours_agree(graph, colours_of(a), colours_of(b));
    let fits = |c: u32, m: u32, _score: f32| same_colours(c, m);
    for (center, members) in stars(n, &near_adj, &fits, &same_colours) {
        let mut list = vec![(center, Tier::Exact, 1.0)];
        for (m, s) in members {
            unit_of[m as usize] = center;
            list.push((m, Tier::Near, s));
        }
        units.insert(center, list);
    }
    let unit_members = |u: u32, units: &HashMap<u32, Members>| {
        units
            .get(&u)
            .cloned()
            .unwrap_or_else(|| vec![(u, Tier::Exact, 1.0)])
    };
    // Similar: star clusters of units whose centres are similar enough.
    let mut final_groups: Vec<(u32, Members)> = Vec::new();
    let mut merged = vec![false; n];
    if th.max_tier >= Tier::Similar {
        let mut sim_adj: HashMap<u32, Vec<(u32, f32)>> = HashMap::new();
        for e in &graph.edges {
            if !e.symmetry.is_identity() {
                continue;
            }
            let (ua, ub) = (unit_of[e.a as usize], unit_of[e.b as usize]);
            if ua == ub || pair_ignored(ua, ub) || pair_ignored(e.a, e.b) {
                continue;
            }
            if let Some(s) = graph.class_similarity(ua, ub)
                && s >= th.similar
            {
                add_edge(&mut sim_adj, ua, ub, s);
            }
        }
        for (center, members) in stars(n, &sim_adj, &|_, _, _| true, &|_, _| true) {
            let mut list = unit_members(center, &units);
            merged[center as usize] = true;
            for (u, s) in members {
                merged[u as usize] = true;
                for (c, _, _) in unit_members(u, &units) {
                    list.push((c, Tier::Similar, s));
                }
            }
            final_groups.push((center, list));
        }
    }
    for (center, list) in units {
        if !merged[center as usize] {
            final_groups.push((center, list));
        }
    }
    let mut out = Vec::new();
    for (center, classes) in final_groups {
        let tier = classes.iter().map(|c| c.1).max().unwrap_or(Tier::Exact);
        out.push(ClassGroup {
            tier,
            center,
            classes,
        });
    }
    // Classes of identical copies not in any larger group.
    let mut in_group = vec![false; n];
    for g in &out {
        for (c, _, _) in &g.classes {
            in_group[*c as usize] = true;
        }
    }
    for (c, members) in graph.classes.iter().enumerate() {
        if members.len() > 1 && !in_group[c] && !copies_ignored(c as u32) {
            out.push(ClassGroup {
                tier: Tier::Exact,
                center: c as u32,
                classes: vec![(c as u32, Tier::Exact, 1.0)],
            });
        }
    }
    out.sort_by_key(|g| g.center);
    out
}
