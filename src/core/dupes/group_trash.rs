//! Removing the copies of duplicate groups: every removable photo and its companions go to the
//! system trash through the library's journaled trash path, never a keeper or a protected photo.

use super::group::DupeGroup;
use super::ignore;
use crate::core::error::Result;
use crate::core::library::Library;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Move the removable photos of `groups` (never a group's keeper or a protected photo) to the
/// trash through the one journaled trash path ([`Library::trash`]).
pub fn trash_groups(
    lib: &mut Library,
    mover: &dyn crate::core::trash::Mover,
    groups: &[DupeGroup],
) -> Result<crate::core::trash::TrashReport> {
    use crate::core::trash::TrashRequest;
    // Never move a kept or protected photo, nor anything that travels with one.
    let keep: HashSet<&Path> = groups
        .iter()
        .flat_map(|g| {
            g.members
                .iter()
                .enumerate()
                .filter(|(i, m)| *i == g.keep || m.protected)
                .flat_map(|(_, m)| {
                    std::iter::once(m.photo.path.as_path())
                        .chain(m.companions.iter().map(|c| c.path.as_path()))
                })
        })
        .collect();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut requests: Vec<TrashRequest> = Vec::new();
    for m in groups.iter().flat_map(|g| g.removable()) {
        if keep.contains(m.photo.path.as_path()) || !seen.insert(m.photo.path.clone()) {
            continue;
        }
        requests.push(TrashRequest {
            id: Some(m.photo.id),
            path: m.photo.path.clone(),
            hash: m.hash.as_ref().map(ignore::hash_hex),
            bytes: m.photo.bytes,
        });
        for c in &m.companions {
            if !keep.contains(c.path.as_path()) && seen.insert(c.path.clone()) {
                requests.push(lib.companion_request(&c.path)?);
            }
        }
    }
    lib.trash(mover, &requests)
}
