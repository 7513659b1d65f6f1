//! The timeline's scrubber: a narrow bar beside Browse's grid with the years at the height where
//! they start in the grid and a tick per month. Clicking or dragging jumps to the month under the
//! pointer (its name follows the pointer); Ctrl+Page Up / Page Down step a month back or on.

use super::results_grid::{GridLayout, GridState, Section};
use egui::{Align2, Color32, FontId, Rect, Role, Sense, Stroke, Ui, Vec2};

/// Width of the bar, in points.
pub const WIDTH: f32 = 64.0;

/// The month heading (or, without months, the heading) whose part of the grid contains the
/// content offset `y`: its index in `sections`.
fn heading_at(sections: &[Section], layout: &GridLayout, y: f32) -> Option<usize> {
    let mut found = None;
    for (i, (s, top)) in sections.iter().zip(&layout.section_tops).enumerate() {
        if s.level > Section::MONTH {
            continue;
        }
        if *top <= y + 0.5 {
            found = Some(i);
        } else {
            break;
        }
    }
    found
}

/// The heading text without its count ("March 2019  ·  57 photos" → "March 2019").
fn bare_title(s: &Section) -> &str {
    s.title.split("  ·  ").next().unwrap_or(&s.title)
}

/// Jump a month on (`forward`) or back from the one at the top of the view.
pub fn step_month(sections: &[Section], grid: &mut GridState, forward: bool) {
    let layout = &grid.layout;
    // Where each month starts: at its year's heading when it opens a year.
    let starts: Vec<f32> = sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.level == Section::MONTH)
        .filter_map(|(i, _)| {
            let opens_year = i
                .checked_sub(1)
                .and_then(|p| sections.get(p))
                .is_some_and(|p| p.level == Section::YEAR);
            layout
                .section_tops
                .get(if opens_year { i - 1 } else { i })
                .copied()
        })
        .collect();
    let current = layout.view_top;
    let target = if forward {
        starts.iter().find(|t| **t > current + 1.0)
    } else {
        starts.iter().rev().find(|t| **t < current - 1.0)
    };
    if let Some(t) = target {
        grid.scroll_to_y = Some(*t);
    }
}

/// Draw the bar at the right of `ui`'s remaining space, for the grid laid out last frame.
pub fn scrubber_ui(ui: &mut Ui, sections: &[Section], grid: &mut GridState) {
    let layout = grid.layout.clone();
    let (rect, resp) = ui.allocate_exact_size(
        Vec2::new(WIDTH, ui.available_height()),
        Sense::click_and_drag(),
    );
    resp.widget_info(|| {
        egui::WidgetInfo::labeled(
            Role::Slider,
            true,
            "Timeline: jump to a year or month (Ctrl+Page Up/Down)",
        )
    });
    let total = layout.content_height.max(1.0);
    if layout.section_tops.len() != sections.len() || !ui.is_rect_visible(rect) {
        return;
    }
    let bar = rect.shrink2(Vec2::new(4.0, 6.0));
    let to_bar = |y: f32| bar.top() + (y / total).clamp(0.0, 1.0) * bar.height();
    let visuals = ui.visuals().clone();
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, visuals.faint_bg_color);
    // The part of the grid in view.
    let view = Rect::from_x_y_ranges(
        bar.x_range(),
        to_bar(layout.view_top)
            ..=to_bar(layout.view_top + layout.view_height).max(to_bar(layout.view_top) + 3.0),
    );
    painter.rect_filled(view, 3.0, visuals.selection.bg_fill.gamma_multiply(0.35));
    let mut last_label = f32::NEG_INFINITY;
    for (s, top) in sections.iter().zip(&layout.section_tops) {
        let y = to_bar(*top);
        match s.level {
            Section::YEAR if y - last_label >= 14.0 => {
                painter.text(
                    egui::pos2(bar.left(), y),
                    Align2::LEFT_TOP,
                    bare_title(s),
                    FontId::proportional(11.0),
                    visuals.strong_text_color(),
                );
                last_label = y;
            }
            Section::MONTH => {
                painter.line_segment(
                    [egui::pos2(bar.right() - 8.0, y), egui::pos2(bar.right(), y)],
                    Stroke::new(1.0, visuals.weak_text_color()),
                );
            }
            _ => {}
        }
    }
    // Where the pointer would jump to, named beside it.
    let pointer = resp.interact_pointer_pos().or(resp.hover_pos());
    if let Some(p) = pointer {
        let y = ((p.y - bar.top()) / bar.height()).clamp(0.0, 1.0) * total;
        if let Some(h) = heading_at(sections, &layout, y) {
            let name = bare_title(&sections[h]);
            let font = FontId::proportional(13.0);
            let galley = painter.layout_no_wrap(name.to_owned(), font, visuals.strong_text_color());
            let at = egui::pos2(
                rect.left() - galley.size().x - 12.0,
                p.y - galley.size().y / 2.0,
            );
            let bg = Rect::from_min_size(at, galley.size()).expand(4.0);
            let tip = ui.painter().clone();
            tip.rect_filled(bg, 4.0, visuals.extreme_bg_color);
            tip.rect_stroke(
                bg,
                4.0,
                Stroke::new(1.0, visuals.widgets.noninteractive.bg_stroke.color),
                egui::StrokeKind::Outside,
            );
            tip.galley(at, galley, Color32::WHITE);
            if resp.clicked() || resp.dragged() {
                let target = layout.section_tops.get(h).copied().unwrap_or(y);
                // While dragging follow the pointer smoothly; a click lands on the month.
                grid.scroll_to_y = Some(if resp.dragged() { y } else { target });
                ui.ctx().request_repaint();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(title: &str, level: u8) -> Section {
        Section {
            title: title.into(),
            start: 0,
            end: 0,
            level,
        }
    }

    #[test]
    fn months_are_stepped_and_found_under_the_pointer() {
        let sections = vec![
            s("2020  ·  3 photos", Section::YEAR),
            s("May 2020  ·  2 photos", Section::MONTH),
            s("Friday 1 May 2020", Section::GROUP),
            s("April 2020  ·  1 photo", Section::MONTH),
            s("Wednesday 1 April 2020", Section::GROUP),
            s("2019  ·  1 photo", Section::YEAR),
            s("March 2019  ·  1 photo", Section::MONTH),
            s("Friday 1 March 2019", Section::GROUP),
        ];
        let mut grid = GridState {
            layout: GridLayout {
                section_tops: vec![0.0, 44.0, 78.0, 400.0, 434.0, 800.0, 844.0, 878.0],
                content_height: 1200.0,
                view_top: 0.0,
                view_height: 300.0,
            },
            ..GridState::default()
        };
        assert_eq!(heading_at(&sections, &grid.layout, 10.0), Some(0));
        assert_eq!(heading_at(&sections, &grid.layout, 500.0), Some(3));
        assert_eq!(bare_title(&sections[3]), "April 2020");
        assert_eq!(heading_at(&sections, &grid.layout, 900.0), Some(6));

        grid.layout.view_top = 20.0;
        step_month(&sections, &mut grid, false);
        assert_eq!(
            grid.scroll_to_y,
            Some(0.0),
            "back to the top of May, under 2020"
        );
        grid.layout.view_top = 0.0;
        step_month(&sections, &mut grid, true);
        assert_eq!(grid.scroll_to_y, Some(400.0), "on to April");
        grid.layout.view_top = 400.0;
        step_month(&sections, &mut grid, true);
        assert_eq!(
            grid.scroll_to_y,
            Some(800.0),
            "a new year's month with its year"
        );
        grid.layout.view_top = 800.0;
        grid.scroll_to_y = None;
        step_month(&sections, &mut grid, false);
        assert_eq!(grid.scroll_to_y, Some(400.0), "back to April");
        grid.layout.view_top = 1100.0;
        grid.scroll_to_y = None;
        step_month(&sections, &mut grid, true);
        assert_eq!(grid.scroll_to_y, None, "nothing after the last month");
    }
}
