//! The filter row: date range, camera, folder, formats, shape and location, as a person types
//! them ([`FilterFields`], persisted in the settings), turned into the core's
//! [`PhotoFilter`] that views apply.

use crate::core::filter::{FormatClass, Orientation, PhotoFilter, parse_date};
use egui::Ui;

/// The filter as typed: text as entered (a date being typed is not a date yet), persisted in
/// the settings so the filter survives a restart.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FilterFields {
    /// File name contains.
    pub name: String,
    /// Taken from: YYYY, YYYY-MM or YYYY-MM-DD.
    pub after: String,
    /// Taken until: YYYY, YYYY-MM or YYYY-MM-DD.
    pub before: String,
    /// Camera contains.
    pub camera: String,
    /// A folder of the path contains (or an absolute folder).
    pub folder: String,
    /// Any of these formats; none for all.
    pub formats: Vec<FormatClass>,
    /// This shape, or any.
    pub orientation: Option<Orientation>,
    /// Only photos with a location.
    pub has_gps: bool,
}

impl FilterFields {
    /// The filter these fields ask for. A date that does not read (yet) is left out:
    /// [`FilterFields::after_error`] says so, and the field shows it.
    pub fn filter(&self) -> PhotoFilter {
        let text = |t: &str| {
            let t = t.trim();
            (!t.is_empty()).then(|| t.to_string())
        };
        let day = |t: &str| (!t.trim().is_empty()).then(|| parse_date(t).ok()).flatten();
        PhotoFilter {
            after: day(&self.after).map(|d| d.first),
            before: day(&self.before).map(|d| d.last),
            camera: text(&self.camera),
            lens: None,
            folder: text(&self.folder),
            formats: FormatClass::ALL
                .into_iter()
                .filter(|f| self.formats.contains(f))
                .collect(),
            orientation: self.orientation,
            has_gps: self.has_gps.then_some(true),
            name: text(&self.name),
        }
    }

    /// Why the "from" date is not used, when it is typed but not a date.
    pub fn after_error(&self) -> Option<String> {
        date_error(&self.after)
    }

    /// Why the "to" date is not used, when it is typed but not a date.
    pub fn before_error(&self) -> Option<String> {
        date_error(&self.before)
    }

    /// Whether nothing is set.
    pub fn is_clear(&self) -> bool {
        self.filter().is_empty() && self.after.trim().is_empty() && self.before.trim().is_empty()
    }
}

fn date_error(t: &str) -> Option<String> {
    if t.trim().is_empty() {
        return None;
    }
    parse_date(t).err().map(|e| e.to_string())
}

/// Draw the filter row (everything but the name box, which a view places itself) and return
/// whether a field changed. "Clear" empties every field, the name included.
pub fn filter_row_ui(ui: &mut Ui, fields: &mut FilterFields) -> bool {
    let before = fields.clone();
    ui.horizontal_wrapped(|ui| {
        let taken = ui.label("Taken:");
        date_edit(ui, &mut fields.after, "from YYYY-MM-DD", taken.id);
        ui.label("–");
        date_edit(ui, &mut fields.before, "to YYYY-MM-DD", taken.id);
        ui.separator();
        let camera = ui.label("Camera:");
        ui.add(
            egui::TextEdit::singleline(&mut fields.camera)
                .hint_text("X100V, iPhone…")
                .desired_width(100.0),
        )
        .labelled_by(camera.id);
        let folder = ui.label("Folder:");
        ui.add(
            egui::TextEdit::singleline(&mut fields.folder)
                .hint_text("Holidays…")
                .desired_width(100.0),
        )
        .labelled_by(folder.id);
        ui.separator();
        for f in FormatClass::ALL {
            let mut on = fields.formats.contains(&f);
            if ui
                .toggle_value(&mut on, f.label())
                .on_hover_text(format!("Show {} files", f.label()))
                .changed()
            {
                if on {
                    fields.formats.push(f);
                } else {
                    fields.formats.retain(|x| *x != f);
                }
            }
        }
        ui.separator();
        let shape = ui.label("Shape:");
        egui::ComboBox::from_id_salt("filter_orientation")
            .selected_text(fields.orientation.map_or("Any", Orientation::label))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut fields.orientation, None, "Any");
                for o in Orientation::ALL {
                    ui.selectable_value(&mut fields.orientation, Some(o), o.label());
                }
            })
            .response
            .labelled_by(shape.id);
        ui.checkbox(&mut fields.has_gps, "Has GPS")
            .on_hover_text("Only photos with a location");
        if ui
            .add_enabled(!fields.is_clear(), egui::Button::new("Clear"))
            .on_hover_text("Show every photo")
            .clicked()
        {
            *fields = FilterFields::default();
        }
    });
    *fields != before
}

/// A date field: red with the reason on hover while what is typed is not a date.
fn date_edit(ui: &mut Ui, text: &mut String, hint: &str, label: egui::Id) {
    let bad = date_error(text);
    let mut edit = egui::TextEdit::singleline(text)
        .hint_text(hint)
        .desired_width(92.0);
    if bad.is_some() {
        edit = edit.text_color(ui.visuals().error_fg_color);
    }
    let resp = ui.add(edit).labelled_by(label);
    if let Some(why) = bad {
        resp.on_hover_text(why);
    } else {
        resp.on_hover_text(
            "YYYY, YYYY-MM or YYYY-MM-DD: the capture date (else the date in the file name, \
             else the file date)",
        );
    }
}

/// The filter where it is not the main control (Results, Duplicates): a collapsible row whose
/// title says what is filtered, holding the name box and [`filter_row_ui`]. Open at start when a
/// filter is set. Returns whether a field changed.
pub fn filter_panel_ui(ui: &mut Ui, id_salt: &str, fields: &mut FilterFields) -> bool {
    let active = fields.filter();
    let title = if active.is_empty() {
        "Filter".to_string()
    } else {
        format!("Filter: {}", active.describe())
    };
    let mut changed = false;
    egui::CollapsingHeader::new(title)
        .id_salt(id_salt)
        .default_open(!active.is_empty())
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label("Name:");
                changed |= ui
                    .add(
                        egui::TextEdit::singleline(&mut fields.name)
                            .hint_text("file name contains…")
                            .desired_width(220.0),
                    )
                    .labelled_by(label.id)
                    .changed();
            });
            changed |= filter_row_ui(ui, fields);
        });
    if changed {
        ui.ctx().request_repaint();
    }
    changed
}
