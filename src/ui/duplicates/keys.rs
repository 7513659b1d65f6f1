//! The duplicates view's keyboard: in the list ↑/↓ groups, ←/→ photos, K keep, X mark, Enter
//! compare, Delete move marked photos; in the compare view arrows change group, N the other
//! photo, I marks the pair as not duplicates, Space flickers, D shows the difference, 0 fits,
//! Esc closes.

use super::compare::{CompareMode, CompareState};
use super::state::DupesState;
use egui::{Key, Modifiers, Ui};

/// The view's keys (taken before the widgets draw, so a focused slider does not see them);
/// `cmp` is how the compare view shows its pair, when it is open.
pub(super) fn keys(ui: &Ui, state: &mut DupesState, cmp: &mut CompareState) {
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
    if let Some(mut other) = state.compare {
        let mut open = true;
        if pressed(Key::Escape) {
            open = false;
        }
        if pressed(Key::ArrowRight) || pressed(Key::ArrowDown) {
            state.select_group((g + 1).min(n - 1));
            return;
        }
        if pressed(Key::ArrowLeft) || pressed(Key::ArrowUp) {
            state.select_group(g.saturating_sub(1));
            return;
        }
        if pressed(Key::N)
            && members > 1
            && let Some(keep) = state.groups().get(g).map(|gr| gr.keep)
        {
            let mut next = (other + 1) % members;
            if next == keep {
                next = (next + 1) % members;
            }
            other = next;
        }
        if pressed(Key::K) {
            state.set_keep(g, other);
        }
        if pressed(Key::I) {
            state.compare = Some(other);
            state.ignore_pair(g, other);
            return;
        }
        if pressed(Key::X) {
            state.toggle_mark(g, other);
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
        state.compare = open.then_some(other);
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
        state.open_compare();
    }
    if pressed(Key::Delete) {
        state.confirm = state.plan_trash();
    }
}
