//! From the candidate graph to the groups a person sees: classes grouped with the thresholds,
//! companions folded into their photo, a keeper chosen by the keep rule (never a copy with a
//! caption or logo drawn over the picture when a clean one of the same size is there), largest
//! savings first; and the same groups narrowed to a filter.

use super::group::{DupeGroup, GroupMember};
use super::settings::DupeSettings;
use super::{CandidateGraph, IgnoreList, PhotoEntry, Tier, cluster, ignore, keep};
use std::collections::{HashMap, HashSet};

/// Group the graph with `settings`, skipping what `ignore` marks; largest savings first.
pub fn groups(
    graph: &CandidateGraph,
    settings: &DupeSettings,
    ignore: &IgnoreList,
) -> Vec<DupeGroup> {
    // Resolve ignore marks to class indices once, so grouping does no hashing per edge.
    let mut class_of_hex: HashMap<String, u32> = HashMap::new();
    if !ignore.is_empty() {
        for c in 0..graph.classes.len() as u32 {
            if let Some(h) = graph.representative(c).hash {
                class_of_hex.insert(ignore::hash_hex(&h), c);
            }
        }
    }
    let ignored_pairs: HashSet<(u32, u32)> = ignore
        .pairs()
        .filter_map(|(a, b)| Some((*class_of_hex.get(a)?, *class_of_hex.get(b)?)))
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    let ignored_copies: HashSet<u32> = ignore
        .copies()
        .filter_map(|h| class_of_hex.get(h).copied())
        .collect();
    let pair_ignored = |a: u32, b: u32| ignored_pairs.contains(&(a.min(b), a.max(b)));
    let copies_ignored = |c: u32| ignored_copies.contains(&c);
    let class_groups =
        cluster::group_classes(graph, &settings.thresholds, &pair_ignored, &copies_ignored);
    let mut out: Vec<DupeGroup> = class_groups
        .into_iter()
        .filter_map(|g| {
            let mut members = Vec::new();
            let mut class_of_id: HashMap<i64, u32> = HashMap::new();
            for (c, relation, score) in &g.classes {
                for (i, &p) in graph.classes[*c as usize].iter().enumerate() {
                    let entry = &graph.photos[p as usize];
                    // Copies of the centre are exact; copies of a member share its relation.
                    let (relation, score) = if i > 0 && *c == g.center {
                        (Tier::Exact, 1.0)
                    } else {
                        (*relation, *score)
                    };
                    class_of_id.insert(entry.info.id, *c);
                    let mut photo = entry.info.clone();
                    // A caption bar added outside the picture is no more picture than a frame.
                    if let Some(rows) = graph.class_rows.get(*c as usize).copied().flatten() {
                        photo.content_box = Some(rows.narrow(photo.content_box));
                    }
                    members.push(GroupMember {
                        photo,
                        hash: entry.hash,
                        relation,
                        score,
                        protected: keep::in_reference(
                            &entry.info.path,
                            &settings.reference_folders,
                        ),
                        companions: graph.companions.companions(&entry.info.path),
                        clean_versions: Vec::new(),
                    });
                }
            }
            let members = merge_companions(members);
            if members.len() < 2 {
                // A RAW and its own JPEG (or a Live Photo and its video) are one item, not
                // duplicates of each other.
                return None;
            }
            let mut group = with_keeper(g.tier, members, settings)?;
            // A keeper with a caption or logo drawn over the picture that a member of the same
            // picture size lacks gives way to it, as long as the next keeper has one too.
            for _ in 0..group.members.len() {
                let kept = group.kept();
                let Some(&kc) = class_of_id.get(&kept.photo.id) else {
                    break;
                };
                let size = kept.photo.picture_pixels();
                let clean: Vec<i64> = group
                    .members
                    .iter()
                    .filter(|m| (m.photo.picture_pixels() - size).abs() <= 0.03 * size)
                    .filter_map(|m| Some((m.photo.id, *class_of_id.get(&m.photo.id)?)))
                    .filter(|&(_, c)| c != kc && graph.drawn_over(kc, c))
                    .map(|(id, _)| id)
                    .collect();
                if clean.is_empty() {
                    break;
                }
                let keep = group.keep;
                group.members[keep].clean_versions.extend(clean);
                group = with_keeper(group.tier, group.members, settings)?;
            }
            Some(group)
        })
        .collect();
    sort_by_savings(&mut out);
    out
}

/// A group of `members` with the keeper the keep rule chooses (and why).
fn with_keeper(
    tier: Tier,
    members: Vec<GroupMember>,
    settings: &DupeSettings,
) -> Option<DupeGroup> {
    let entries: Vec<PhotoEntry> = members
        .iter()
        .map(|m| PhotoEntry {
            info: m.photo.clone(),
            hash: m.hash,
        })
        .collect();
    let refs: Vec<&PhotoEntry> = entries.iter().collect();
    let raw_backed: Vec<bool> = members.iter().map(GroupMember::raw_backed).collect();
    let ids: HashSet<i64> = members.iter().map(|m| m.photo.id).collect();
    let drawn_over: Vec<bool> = members
        .iter()
        .map(|m| m.clean_versions.iter().any(|id| ids.contains(id)))
        .collect();
    let choice = settings.keep_rule.choose_with_drawn(
        &refs,
        &raw_backed,
        &drawn_over,
        &settings.reference_folders,
    )?;
    Some(DupeGroup {
        tier,
        members,
        keep: choice.index,
        keep_reason: choice.reason,
    })
}

/// Largest savings first; ties by the kept photo's path.
fn sort_by_savings(groups: &mut [DupeGroup]) {
    groups.sort_by(|a, b| {
        b.reclaimable_bytes()
            .cmp(&a.reclaimable_bytes())
            .then(a.kept().photo.path.cmp(&b.kept().photo.path))
    });
}

/// Only the members of `groups` that pass `filter`: a group keeps its matching members and is
/// dropped when fewer than two match (members outside the filter are neither listed nor
/// trashed). A group whose kept photo no longer matches gets a new one from the keep rule, among
/// the matching members; largest savings first, as [`groups`] orders them.
pub fn filter_groups(
    groups: Vec<DupeGroup>,
    filter: &crate::core::filter::PhotoFilter,
    settings: &DupeSettings,
) -> Vec<DupeGroup> {
    if filter.is_empty() {
        return groups;
    }
    let m = filter.matcher();
    let mut out: Vec<DupeGroup> = groups
        .into_iter()
        .filter_map(|g| {
            let kept_id = g.kept().photo.id;
            let members: Vec<GroupMember> = g
                .members
                .into_iter()
                .filter(|member| m.matches(&member.photo))
                .collect();
            if members.len() < 2 {
                return None;
            }
            // The loosest relation left (relations are to the group's centre).
            let tier = members.iter().map(|x| x.relation).max().unwrap_or(g.tier);
            if let Some(keep) = members.iter().position(|x| x.photo.id == kept_id) {
                return Some(DupeGroup {
                    tier,
                    members,
                    keep,
                    keep_reason: g.keep_reason,
                });
            }
            with_keeper(tier, members, settings)
        })
        .collect();
    sort_by_savings(&mut out);
    out
}

/// Fold members that are companions of another member (a RAW's own JPEG, a Live Photo's
/// video) into that member: the RAW (else the still photo) stands for the pair.
fn merge_companions(mut members: Vec<GroupMember>) -> Vec<GroupMember> {
    use crate::core::pairs::{Companion, CompanionKind};
    // Stand-ins first: RAWs, then stills, so a JPEG folds into its RAW and a video into its still.
    let rank = |m: &GroupMember| {
        if m.raw_backed()
            && crate::core::image_io::formats::raw::RawKind::is_raw_name(&m.photo.format)
        {
            0
        } else if crate::core::video::is_video_path(&m.photo.path) {
            2
        } else {
            1
        }
    };
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| rank(&members[i]));
    let mut absorbed = vec![false; members.len()];
    for &i in &order {
        if absorbed[i] {
            continue;
        }
        for &j in &order {
            if i == j || absorbed[j] {
                continue;
            }
            let mate = members[i]
                .companions
                .iter()
                .any(|c| c.path == members[j].photo.path && c.kind != CompanionKind::Sidecar);
            if mate {
                absorbed[j] = true;
                let extra: Vec<Companion> = members[j].companions.clone();
                let protected = members[j].protected;
                let host = &mut members[i];
                for c in extra {
                    if c.path != host.photo.path && !host.companions.contains(&c) {
                        host.companions.push(c);
                    }
                }
                host.protected |= protected;
            }
        }
    }
    members
        .into_iter()
        .zip(absorbed)
        .filter(|(_, a)| !a)
        .map(|(m, _)| m)
        .collect()
}
