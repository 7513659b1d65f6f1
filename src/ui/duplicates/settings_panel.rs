//! The side panel of the duplicates view: which tiers, the per-tier thresholds (regrouping at
//! once, without a rescan), mirror search, the keep-best rule and the reference folders.

use super::state::DupesState;
use super::tile::KEEP_GREEN;
use crate::core::dupes::keep::Criterion;
use crate::core::dupes::{KeepRule, Tier};
use egui::{RichText, Slider, Ui};

/// What the panel asks for beyond editing the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PanelActions {
    /// Open the folder picker for a reference folder.
    pub add_reference: bool,
}

/// Draw the panel; edits `state.settings` and regroups when they change.
pub fn settings_panel_ui(ui: &mut Ui, state: &mut DupesState) -> PanelActions {
    let mut out = PanelActions::default();
    let mut changed = false;
    let mut rescan = false;
    let (has_graph, graph_mirror) = (state.has_graph(), state.graph_has_mirror());
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading("Find");
        let th = &mut state.settings.thresholds;
        ui.horizontal(|ui| {
            ui.label("Show");
            for (tier, text, tip) in [
                (Tier::Exact, "Exact", "Byte-identical files only"),
                (
                    Tier::Near,
                    "Near",
                    "The same picture, edited: resized, re-compressed, cropped…",
                ),
                (
                    Tier::Similar,
                    "Similar",
                    "The same scene: burst shots, other framing",
                ),
            ] {
                changed |= ui
                    .selectable_value(&mut th.max_tier, tier, text)
                    .on_hover_text(tip)
                    .changed();
            }
        });
        ui.add_space(4.0);
        ui.add_enabled_ui(th.max_tier >= Tier::Near, |ui| {
            changed |= ui
                .add(
                    Slider::new(&mut th.near, 0.5..=1.0)
                        .step_by(0.005)
                        .text("Near threshold"),
                )
                .on_hover_text("Pixel agreement two photos need to be the same picture")
                .changed();
        });
        ui.add_enabled_ui(th.max_tier >= Tier::Similar, |ui| {
            changed |= ui
                .add(
                    Slider::new(&mut th.similar, 0.5..=1.0)
                        .step_by(0.005)
                        .text("Similar threshold"),
                )
                .on_hover_text("Likeness two photos need to be the same scene")
                .changed();
        });
        if ui
            .checkbox(&mut th.mirror, "Also mirrored and rotated copies")
            .on_hover_text("Finds copies flipped left-right or turned by 90°; needs a scan")
            .changed()
        {
            changed = true;
            rescan = th.mirror && !graph_mirror && has_graph;
        }
        if ui.small_button("Default thresholds").clicked() {
            let (tier, mirror) = (th.max_tier, th.mirror);
            *th = Default::default();
            th.max_tier = tier;
            th.mirror = mirror;
            changed = true;
        }
        if state.has_graph() {
            ui.label(
                RichText::new(format!(
                    "Regrouped {} photos in {:.0} ms (no rescan)",
                    state.photo_count(),
                    state.regroup_ms
                ))
                .weak(),
            );
        }
        ui.separator();
        ui.heading("Keep");
        changed |= keep_rule_ui(ui, &mut state.settings.keep_rule);
        ui.separator();
        ui.heading("Reference folders");
        ui.label(
            RichText::new("Photos here are never offered for removal; a group with one keeps it.")
                .weak(),
        );
        let mut remove = None;
        for (i, f) in state.settings.reference_folders.iter().enumerate() {
            ui.horizontal(|ui| {
                if ui
                    .small_button("✖")
                    .on_hover_text("Stop protecting this folder")
                    .clicked()
                {
                    remove = Some(i);
                }
                ui.label(RichText::new("protected").color(KEEP_GREEN));
                ui.add(egui::Label::new(f.display().to_string()).truncate())
                    .on_hover_text(f.display().to_string());
            });
        }
        if let Some(i) = remove {
            state.settings.reference_folders.remove(i);
            changed = true;
        }
        if ui.button("Add reference folder…").clicked() {
            out.add_reference = true;
        }
    });
    if changed {
        state.settings_changed();
    }
    if rescan {
        state.request_scan();
    }
    out
}

/// The keep-best rule in words, with its criteria reorderable; true when it changed.
fn keep_rule_ui(ui: &mut Ui, rule: &mut KeepRule) -> bool {
    let mut changed = false;
    ui.label(format!("Keeps the photo with the {}.", rule.explain()));
    let mut up = None;
    for (i, c) in rule.order.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.label(format!("{}.", i + 1));
            if ui
                .add_enabled(i > 0, egui::Button::new("Up").small())
                .on_hover_text("Make this criterion more important")
                .clicked()
            {
                up = Some(i);
            }
            ui.label(c.explain());
        });
    }
    if let Some(i) = up {
        rule.order.swap(i - 1, i);
        changed = true;
    }
    let missing: Vec<Criterion> = KeepRule::default()
        .order
        .into_iter()
        .filter(|c| !rule.order.contains(c))
        .collect();
    for c in missing {
        if ui.small_button(format!("+ {}", c.explain())).clicked() {
            rule.order.push(c);
            changed = true;
        }
    }
    if *rule != KeepRule::default() && ui.small_button("Default rule").clicked() {
        *rule = KeepRule::default();
        changed = true;
    }
    ui.label(
        RichText::new(
            "Reference folders come first, then camera RAWs (a RAW is never offered for removal \
             against its own JPEG). Click \"Keep\" on a photo (or K) to choose by hand.",
        )
        .weak(),
    );
    changed
}
