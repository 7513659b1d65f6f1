//! A group of duplicates as the user sees it: its photos with their relation to the centre, the
//! photo kept and why, and what removing the others would free.

use super::Tier;
use crate::core::catalog::PhotoInfo;

/// One photo of a group.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroupMember {
    /// Catalog metadata.
    pub photo: PhotoInfo,
    /// Content hash.
    #[serde(skip)]
    pub hash: Option<[u8; 32]>,
    /// Relation to the group's centre photo.
    pub relation: Tier,
    /// Score of that relation (1 for identical copies).
    pub score: f32,
    /// In a reference folder: never offered for removal.
    pub protected: bool,
    /// Files that travel with this photo (its RAW or JPEG mate, Live Photo video, sidecars):
    /// shown as one item, kept or trashed together.
    pub companions: Vec<crate::core::pairs::Companion>,
    /// Ids of the group's photos that show this one's picture without what is drawn over it
    /// here (a caption, a logo): the keep rule prefers them. Found for a group's keeper only.
    #[serde(skip)]
    pub clean_versions: Vec<i64>,
}

impl GroupMember {
    /// Whether this item is a camera RAW or has its RAW beside it.
    pub fn raw_backed(&self) -> bool {
        crate::core::image_io::formats::raw::RawKind::is_raw_name(&self.photo.format)
            || self
                .companions
                .iter()
                .any(|c| c.kind == crate::core::pairs::CompanionKind::Raw)
    }

    /// Size of the photo and its companions.
    pub fn total_bytes(&self) -> u64 {
        self.photo.bytes
            + self
                .companions
                .iter()
                .filter_map(|c| std::fs::metadata(&c.path).ok())
                .map(|m| m.len())
                .sum::<u64>()
    }
}

/// A group of duplicates with the photo to keep.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DupeGroup {
    /// Loosest relation inside the group.
    pub tier: Tier,
    /// Photos, centre first.
    pub members: Vec<GroupMember>,
    /// Index in `members` of the photo to keep.
    pub keep: usize,
    /// Why the keep rule chose it, in words ("the RAW original", "highest resolution ...");
    /// "chosen by hand" once a person overrides it.
    pub keep_reason: String,
}

impl DupeGroup {
    /// Whether the group is a burst: its photos are one camera's shots seconds apart (see
    /// [`crate::core::bursts`]) — similar shots to pick the best of, more than copies.
    pub fn is_burst(&self) -> bool {
        crate::core::bursts::is_burst(self.members.iter().map(|m| &m.photo))
    }

    /// The photo that is kept.
    pub fn kept(&self) -> &GroupMember {
        &self.members[self.keep.min(self.members.len().saturating_sub(1))]
    }

    /// Override the keep choice; `false` when `index` is out of range.
    pub fn set_keep(&mut self, index: usize) -> bool {
        if index < self.members.len() {
            if index != self.keep {
                self.keep_reason = "chosen by hand".to_string();
            }
            self.keep = index;
            true
        } else {
            false
        }
    }

    /// Photos that would go to the trash: all but the kept one and protected ones.
    pub fn removable(&self) -> Vec<&GroupMember> {
        self.members
            .iter()
            .enumerate()
            .filter(|(i, m)| *i != self.keep && !m.protected)
            .map(|(_, m)| m)
            .collect()
    }

    /// Bytes freed by removing [`DupeGroup::removable`].
    pub fn reclaimable_bytes(&self) -> u64 {
        self.removable().iter().map(|m| m.photo.bytes).sum()
    }

    /// Content hashes of the members (for "not a duplicate").
    pub fn hashes(&self) -> Vec<[u8; 32]> {
        self.members.iter().filter_map(|m| m.hash).collect()
    }
}
