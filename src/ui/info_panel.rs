//! The photo info panel beside the preview (toggled with `I`): capture date with time zone,
//! camera, lens, exposure, dimensions, file size, format and location, with "copy" (`C`) and
//! "open in map" (`M`) for the coordinates. No map tiles are fetched: "open in map" hands an
//! OpenStreetMap link to the browser.
//!
//! Everything but the exposure comes from the catalog ([`PhotoInfo`]); the exposure is read from
//! the file's EXIF by the worker when the panel shows a photo ([`Command::PhotoDetails`]).
//!
//! [`Command::PhotoDetails`]: crate::worker::Command::PhotoDetails

use super::format;
use crate::core::catalog::{DateSource, PhotoInfo};
use crate::core::metadata::{Exposure, Gps};
use egui::{Grid, Key, Modifiers, Ui};

/// What the user asked of the panel.
#[derive(Debug, Clone, PartialEq)]
pub enum InfoAction {
    /// Copy this text (the coordinates) to the clipboard.
    Copy(String),
    /// Open this map link in the browser.
    OpenMap(String),
}

/// The exposure known for the shown photo: `None` while the worker reads it.
pub type ExposureState<'a> = Option<&'a Result<Exposure, String>>;

/// "48.858370, 2.294481".
pub fn coordinates(gps: Gps) -> String {
    format!("{:.6}, {:.6}", gps.lat, gps.lon)
}

/// `48°51'30.1" N, 2°17'40.1" E` (the default fonts have no prime marks).
pub fn coordinates_dms(gps: Gps) -> String {
    let dms = |v: f64, pos: char, neg: char| {
        let hemi = if v < 0.0 { neg } else { pos };
        let total = (v.abs() * 3600.0 * 10.0).round() / 10.0;
        let d = (total / 3600.0).floor();
        let m = ((total - d * 3600.0) / 60.0).floor();
        let s = total - d * 3600.0 - m * 60.0;
        format!("{d:.0}°{m:.0}'{s:.1}\" {hemi}")
    };
    format!("{}, {}", dms(gps.lat, 'N', 'S'), dms(gps.lon, 'E', 'W'))
}

/// An OpenStreetMap link centred on `gps` with a marker (opened in the browser, not fetched).
pub fn map_url(gps: Gps) -> String {
    format!(
        "https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lon:.6}#map=16/{lat:.6}/{lon:.6}",
        lat = gps.lat,
        lon = gps.lon
    )
}

/// The shortcuts of the panel (`C` copy coordinates, `M` open in map), while it is shown.
pub fn info_keys(ctx: &egui::Context, info: &PhotoInfo) -> Option<InfoAction> {
    let gps = info.gps?;
    ctx.input_mut(|i| {
        if i.consume_key(Modifiers::NONE, Key::C) {
            Some(InfoAction::Copy(coordinates(gps)))
        } else if i.consume_key(Modifiers::NONE, Key::M) {
            Some(InfoAction::OpenMap(map_url(gps)))
        } else {
            None
        }
    })
}

/// Draw the panel's rows for `info`.
pub fn info_panel_ui(
    ui: &mut Ui,
    info: &PhotoInfo,
    exposure: ExposureState<'_>,
) -> Option<InfoAction> {
    let mut action = None;
    ui.heading("Photo info");
    ui.add_space(4.0);
    let name = info
        .path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    ui.strong(name)
        .on_hover_text(info.path.display().to_string());
    ui.add_space(4.0);
    Grid::new("photo_info_grid")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            row(ui, "Taken", &taken_text(info));
            row(ui, "Camera", info.camera.as_deref().unwrap_or("—"));
            row(ui, "Lens", info.lens.as_deref().unwrap_or("—"));
            match exposure {
                None => {
                    ui.label("Exposure");
                    ui.spinner();
                    ui.end_row();
                }
                Some(Err(e)) => row(ui, "Exposure", &format!("not readable ({e})")),
                Some(Ok(x)) if x.is_empty() => row(ui, "Exposure", "not recorded"),
                Some(Ok(x)) => {
                    let dash = || "—".to_string();
                    row(ui, "Aperture", &x.aperture_text().unwrap_or_else(dash));
                    row(ui, "Shutter", &x.shutter_text().unwrap_or_else(dash));
                    row(ui, "ISO", &x.iso_text().unwrap_or_else(dash));
                    row(ui, "Focal length", &x.focal_text().unwrap_or_else(dash));
                }
            }
            row(ui, "Dimensions", &dimensions(info));
            row(ui, "File size", &format::bytes(info.bytes));
            row(ui, "Format", &info.format.to_uppercase());
            row(ui, "Folder", &folder(info));
            match info.gps {
                Some(gps) => {
                    ui.label("Location");
                    ui.vertical(|ui| {
                        ui.label(coordinates(gps));
                        ui.weak(coordinates_dms(gps));
                    });
                    ui.end_row();
                }
                None => row(ui, "Location", "not recorded"),
            }
        });
    if let Some(gps) = info.gps {
        ui.horizontal(|ui| {
            if ui
                .button("Copy coordinates (C)")
                .on_hover_text("Copy the latitude and longitude")
                .clicked()
            {
                action = Some(InfoAction::Copy(coordinates(gps)));
            }
            if ui
                .button("Open in map (M)")
                .on_hover_text("Open OpenStreetMap in the browser at this place")
                .clicked()
            {
                action = Some(InfoAction::OpenMap(map_url(gps)));
            }
        });
    }
    action
}

/// One label and value row, the value selectable for copying.
fn row(ui: &mut Ui, label: &str, value: &str) {
    ui.label(label);
    ui.add(egui::Label::new(value).selectable(true).wrap());
    ui.end_row();
}

/// "2019-07-04 18:22:31 (UTC+02:00)"; "2019-07-04 (from the file name, no EXIF date)" for a
/// WhatsApp copy; "not recorded (file date …)" when neither says.
pub fn taken_text(info: &PhotoInfo) -> String {
    match info.dated() {
        Some((t, source)) => {
            let local = t
                .local
                .chars()
                .take(19)
                .collect::<String>()
                .replace('T', " ");
            match (source, t.offset_text()) {
                (DateSource::FileName, _) => format!(
                    "{} (from the file name, no EXIF date)",
                    local.trim_end_matches(" 00:00:00")
                ),
                (DateSource::Camera, Some(o)) => format!("{local} (UTC{o})"),
                (DateSource::Camera, None) => format!("{local} (time zone not recorded)"),
            }
        }
        None => format!(
            "not recorded (file date {})",
            format::date_time(info.mtime_ns)
        ),
    }
}

/// "4032 × 3024 px (12.2 MP)".
fn dimensions(info: &PhotoInfo) -> String {
    let mp = f64::from(info.width) * f64::from(info.height) / 1e6;
    format!("{} × {} px ({mp:.1} MP)", info.width, info.height)
}

/// The folder the photo is in.
fn folder(info: &PhotoInfo) -> String {
    info.path
        .parent()
        .map_or_else(String::new, |p| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_says_where_it_comes_from() {
        let info = |path: &str| PhotoInfo {
            path: path.into(),
            mtime_ns: 1_710_000_000_000_000_000,
            ..Default::default()
        };
        assert_eq!(
            taken_text(&info("/w/IMG-20190704-WA0001.jpg")),
            "2019-07-04 (from the file name, no EXIF date)"
        );
        assert_eq!(
            taken_text(&info("/s/Screenshot_20190705-081500.png")),
            "2019-07-05 08:15:00 (from the file name, no EXIF date)"
        );
        assert!(taken_text(&info("/s/scan.jpg")).starts_with("not recorded (file date 2024-03-"));
        let mut exif = info("/w/IMG-20190704-WA0001.jpg");
        exif.taken = crate::core::metadata::CaptureTime::parse_iso("2019-06-30T10:00:00+02:00");
        assert_eq!(taken_text(&exif), "2019-06-30 10:00:00 (UTC+02:00)");
    }

    #[test]
    fn coordinates_as_text_and_link() {
        let gps = Gps {
            lat: 48.858_37,
            lon: -2.294_481,
        };
        assert_eq!(coordinates(gps), "48.858370, -2.294481");
        assert_eq!(coordinates_dms(gps), "48°51'30.1\" N, 2°17'40.1\" W");
        assert_eq!(
            map_url(gps),
            "https://www.openstreetmap.org/?mlat=48.858370&mlon=-2.294481\
             #map=16/48.858370/-2.294481"
        );
    }
}
