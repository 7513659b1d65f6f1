//! Which photos move: the keep choice per group and the removal marks, and the plan the
//! confirmation shows. Marks are keyed by path, so they survive regrouping.

use super::state::DupesState;
use crate::core::dupes::{DupeGroup, GroupMember, Tier};
use crate::worker::Command;
use crate::worker::dupes::DupesCommand;
use std::path::PathBuf;
use std::time::Instant;

/// What the confirmation lists before anything moves.
#[derive(Debug, Clone)]
pub struct TrashPlan {
    /// Groups cut down to the kept photo plus the marked ones.
    pub groups: Vec<DupeGroup>,
    /// Files that would move.
    pub files: Vec<PathBuf>,
    /// Their bytes.
    pub bytes: u64,
}

/// The last move, offered for undo.
#[derive(Debug, Clone)]
pub struct UndoOffer {
    /// Files moved.
    pub moved: usize,
    /// Bytes moved.
    pub bytes: u64,
    /// Where they went.
    pub place: String,
    /// When (the offer fades after a while).
    pub created: Instant,
}

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
        let mut plan = TrashPlan {
            groups: Vec::new(),
            files: Vec::new(),
            bytes: 0,
        };
        for (g, group) in self.groups.iter().enumerate() {
            let marked: Vec<GroupMember> = self.marked_in(g).into_iter().cloned().collect();
            if marked.is_empty() {
                continue;
            }
            for m in &marked {
                plan.files.push(m.photo.path.clone());
                plan.bytes += m.photo.bytes;
            }
            let mut members = vec![group.kept().clone()];
            members.extend(marked);
            plan.groups.push(DupeGroup {
                tier: group.tier,
                members,
                keep: 0,
            });
        }
        (!plan.files.is_empty()).then_some(plan)
    }

    /// The user confirmed: send the plan to the worker.
    pub fn confirm_trash(&mut self) {
        if let Some(plan) = self.confirm.take() {
            self.outbox.push(Command::Dupes(DupesCommand::Trash {
                groups: plan.groups,
                trash_dir: self.trash_dir.clone(),
            }));
        }
    }

    /// Undo the last move.
    pub fn undo_last(&mut self) {
        self.undo = None;
        self.outbox.push(Command::Dupes(DupesCommand::Undo {
            trash_dir: self.trash_dir.clone(),
        }));
    }
}
