//! A list of photos saved for other tools ("Export list…"): CSV or JSON, chosen by the file's
//! extension — path, size, dimensions, capture time, camera, and the similarity score when the
//! list is a query's results.

use crate::core::catalog::PhotoInfo;
use std::path::Path;

/// The file format of an exported list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// Comma-separated values with a header line (RFC 4180 quoting).
    Csv,
    /// A JSON array of objects.
    Json,
}

impl ListFormat {
    /// JSON for a `.json` file (any case), CSV for anything else.
    pub fn for_path(path: &Path) -> Self {
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if json {
            ListFormat::Json
        } else {
            ListFormat::Csv
        }
    }
}

/// One exported row.
#[derive(serde::Serialize)]
struct Row<'a> {
    path: String,
    bytes: u64,
    width: u32,
    height: u32,
    /// ISO 8601, with the offset when known.
    taken: Option<String>,
    camera: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
}

fn rows(photos: &[(PhotoInfo, Option<f32>)]) -> impl Iterator<Item = Row<'_>> {
    photos.iter().map(|(p, score)| Row {
        path: p.path.to_string_lossy().into_owned(),
        bytes: p.bytes,
        width: p.width,
        height: p.height,
        taken: p.taken.as_ref().map(|t| t.iso()),
        camera: p.camera.as_deref(),
        score: *score,
    })
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The bytes of the exported list of `photos` (with their scores when they have one), in order.
pub fn photo_list(photos: &[(PhotoInfo, Option<f32>)], format: ListFormat) -> Vec<u8> {
    match format {
        ListFormat::Json => {
            let all: Vec<Row<'_>> = rows(photos).collect();
            let mut out = serde_json::to_vec_pretty(&all).unwrap_or_else(|_| b"[]".to_vec());
            out.push(b'\n');
            out
        }
        ListFormat::Csv => {
            let scored = photos.iter().any(|(_, s)| s.is_some());
            let mut out = String::from("path,bytes,width,height,taken,camera");
            out.push_str(if scored { ",score\n" } else { "\n" });
            for r in rows(photos) {
                let mut line = [
                    csv_field(&r.path),
                    r.bytes.to_string(),
                    r.width.to_string(),
                    r.height.to_string(),
                    r.taken.as_deref().map(csv_field).unwrap_or_default(),
                    r.camera.map(csv_field).unwrap_or_default(),
                ]
                .join(",");
                if scored {
                    line.push(',');
                    line.push_str(&r.score.map(|s| format!("{s:.4}")).unwrap_or_default());
                }
                out.push_str(&line);
                out.push('\n');
            }
            out.into_bytes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photos() -> Vec<(PhotoInfo, Option<f32>)> {
        vec![
            (
                PhotoInfo {
                    id: 1,
                    path: "/p/Holidays, 2019/a \"best\".jpg".into(),
                    bytes: 1200,
                    width: 4000,
                    height: 3000,
                    taken: crate::core::metadata::CaptureTime::parse_iso("2019-08-01T10:00:00"),
                    camera: Some("FUJIFILM X100V".into()),
                    ..PhotoInfo::default()
                },
                Some(0.91234),
            ),
            (
                PhotoInfo {
                    id: 2,
                    path: "/p/b.png".into(),
                    bytes: 5,
                    width: 2,
                    height: 3,
                    ..PhotoInfo::default()
                },
                Some(0.5),
            ),
        ]
    }

    #[test]
    fn csv_quotes_what_needs_it_and_adds_the_score_for_results() {
        let text = String::from_utf8(photo_list(&photos(), ListFormat::Csv)).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "path,bytes,width,height,taken,camera,score");
        assert!(
            lines[1].starts_with(
                "\"/p/Holidays, 2019/a \"\"best\"\".jpg\",1200,4000,3000,2019-08-01T10:00:00"
            ),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(",FUJIFILM X100V,0.9123"), "{}", lines[1]);
        assert_eq!(lines[2], "/p/b.png,5,2,3,,,0.5000");
        // Browse has no scores: no score column.
        let unscored: Vec<_> = photos().into_iter().map(|(p, _)| (p, None)).collect();
        let text = String::from_utf8(photo_list(&unscored, ListFormat::Csv)).expect("utf8");
        assert_eq!(text.lines().nth(2), Some("/p/b.png,5,2,3,,"));
    }

    #[test]
    fn json_by_extension_round_trips() {
        assert_eq!(ListFormat::for_path(Path::new("x.JSON")), ListFormat::Json);
        assert_eq!(ListFormat::for_path(Path::new("x.csv")), ListFormat::Csv);
        assert_eq!(ListFormat::for_path(Path::new("x")), ListFormat::Csv);
        let bytes = photo_list(&photos(), ListFormat::Json);
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(v[0]["path"], "/p/Holidays, 2019/a \"best\".jpg");
        assert_eq!(v[0]["camera"], "FUJIFILM X100V");
        assert_eq!(v[0]["width"], 4000);
        assert_eq!(v[1]["taken"], serde_json::Value::Null);
        assert!((v[0]["score"].as_f64().expect("score") - 0.91234).abs() < 1e-4);
    }
}
