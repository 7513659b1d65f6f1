//! Which photos move: the keep choice per group and the removal marks, and the plan the
//! confirmation shows. Marks are keyed by path, so they survive regrouping.

use super::state::DupesState;
use crate::core::dupes::{DupeGroup, GroupMember, Tier};
use crate::ui::trash::TrashPlan;
use crate::worker::Command;

impl DupesState {
    /// Whether member `i` of group `g` is marked to move: never the kept or a protected photo;
    /// otherwise the user's mark, else marked unless the group is only similar (needs review).
    pub fn is_marked(&self, g: usize, i: usize) -> bool {
        let Some(group) = self.groups.get(g) else {
            return false;
        };
        let Some(m) = group.members.get(i) else {
            return false;
        };
        if i == group.keep || m.protected {
            return false;
        }
        self.marks
            .get(&m.photo.path)
            .copied()
            .unwrap_or(group.tier != Tier::Similar)
    }

    /// Mark or unmark member `i` of group `g`; false when it cannot be marked (kept, protected).
    pub fn toggle_mark(&mut self, g: usize, i: usize) -> bool {
        let Some(group) = self.groups.get(g) else {
            return false;
        };
        let Some(m) = group.members.get(i) else {
            return false;
        };
        if i == group.keep || m.protected {
            return false;
        }
        let now = self.is_marked(g, i);
        let path = m.photo.path.clone();
        self.marks.insert(path, !now);
        true
    }

    /// Keep member `i` of group `g` instead of the rule's choice.
    pub fn set_keep(&mut self, g: usize, i: usize) {
        let Some(group) = self.groups.get_mut(g) else {
            return;
        };
        if i >= group.members.len() {
            return;
        }
        for m in &group.members {
            self.keep_pins.remove(&m.photo.path);
        }
        let path = group.members[i].photo.path.clone();
        self.marks.remove(&path);
        self.keep_pins.insert(path);
        group.set_keep(i);
    }

    /// Members marked to move in group `g`.
    pub fn marked_in(&self, g: usize) -> Vec<&GroupMember> {
        self.groups.get(g).map_or_else(Vec::new, |group| {
            (0..group.members.len())
                .filter(|&i| self.is_marked(g, i))
                .map(|i| &group.members[i])
                .collect()
        })
    }

    /// (photos marked, their bytes) over all groups.
    pub fn marked_total(&self) -> (usize, u64) {
        (0..self.groups.len())
            .flat_map(|g| self.marked_in(g))
            .fold((0, 0), |(n, b), m| (n + 1, b + m.photo.bytes))
    }

    /// Bytes that removing every non-kept, unprotected photo would free.
    pub fn reclaimable_total(&self) -> u64 {
        self.groups.iter().map(DupeGroup::reclaimable_bytes).sum()
    }

    /// What would move now, for the confirmation; `None` when nothing is marked.
    pub fn plan_trash(&self) -> Option<TrashPlan> {
        let (mut files, mut bytes, mut groups) = (Vec::new(), 0, Vec::new());
        for (g, group) in self.groups.iter().enumerate() {
            let marked: Vec<GroupMember> = self.marked_in(g).into_iter().cloned().collect();
            if marked.is_empty() {
                continue;
            }
            for m in &marked {
                files.push(m.photo.path.clone());
                // Its RAW/JPEG mate, Live Photo video and sidecars go with it.
                files.extend(m.companions.iter().map(|c| c.path.clone()));
                bytes += m.total_bytes();
            }
            let mut members = vec![group.kept().clone()];
            members.extend(marked);
            groups.push(DupeGroup {
                tier: group.tier,
                members,
                keep: 0,
                keep_reason: group.keep_reason.clone(),
            });
        }
        (!files.is_empty()).then(|| TrashPlan {
            files,
            bytes,
            note: "The kept photo of each group stays.".into(),
            command: Command::TrashGroups(groups),
        })
    }
}
