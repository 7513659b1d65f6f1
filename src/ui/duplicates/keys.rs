//! The duplicates view's keyboard: in the list ↑/↓ groups, ←/→ photos, K keep, X mark, Enter
//! compare, Delete move marked photos; in the compare view arrows change group, N the other
//! photo, I marks the pair as not duplicates, Space flickers, D shows the difference, 0 fits,
//! Esc closes.

use super::compare::CompareMode;
use super::state::DupesState;
use super::view::open_compare;
use egui::{Key, Modifiers, Ui};

/// The view's keys (taken before the widgets draw, so a focused slider does not see them).
pub(super) fn keys(ui: &Ui, state: &mut DupesState) {
    let none = Modifiers::NONE;
    let pressed = |k: Key| ui.ctx().input_mut(|i| i.consume_key(none, k));
    let n = state.groups().len();
    if n == 0 {
        if state.compare.is_some() && pressed(Key::Escape) {
            state.compare = None;
        }
        return;
    }
    let g = state.selected;
    let members = state.groups().get(g).map_or(0, |gr| gr.members.len());
    if let Some(mut cmp) = state.compare.take() {
        let mut open = true;
        if pressed(Key::Escape) {
            open = false;
        }
        if pressed(Key::ArrowRight) || pressed(Key::ArrowDown) {
            state.compare = Some(cmp);
            state.select_group((g + 1).min(n - 1));
            return;
        }
        if pressed(Key::ArrowLeft) || pressed(Key::ArrowUp) {
            state.compare = Some(cmp);
            state.select_group(g.saturating_sub(1));
            return;
        }
        if pressed(Key::N) && members > 1 {
            let keep = state.groups()[g].keep;
            let mut next = (cmp.other + 1) % members;
            if next == keep {
                next = (next + 1) % members;
            }
            cmp.other = next;
        }
        if pressed(Key::K) {
            state.set_keep(g, cmp.other);
        }
        if pressed(Key::I) {
            let other = cmp.other;
            state.compare = Some(cmp);
            state.ignore_pair(g, other);
            return;
        }
        if pressed(Key::X) {
            state.toggle_mark(g, cmp.other);
        }
        if pressed(Key::Space) {
            if cmp.mode == CompareMode::Flicker {
                cmp.flip();
            } else {
                cmp.mode = CompareMode::Flicker;
            }
        }
        if pressed(Key::D) {
            cmp.mode = if cmp.mode == CompareMode::Difference {
                CompareMode::SideBySide
            } else {
                CompareMode::Difference
            };
        }
        if pressed(Key::Num0) {
            cmp.reset_view();
        }
        if open {
            state.compare = Some(cmp);
        }
        return;
    }
    if pressed(Key::ArrowDown) {
        state.select_group((g + 1).min(n - 1));
    }
    if pressed(Key::ArrowUp) {
        state.select_group(g.saturating_sub(1));
    }
    if pressed(Key::ArrowRight) && members > 0 {
        state.member = (state.member + 1).min(members - 1);
    }
    if pressed(Key::ArrowLeft) {
        state.member = state.member.saturating_sub(1);
    }
    if pressed(Key::K) {
        state.set_keep(state.selected, state.member);
    }
    if pressed(Key::X) {
        state.toggle_mark(state.selected, state.member);
    }
    if pressed(Key::Enter) {
        open_compare(state);
    }
    if pressed(Key::Delete) {
        state.confirm = state.plan_trash();
    }
}
