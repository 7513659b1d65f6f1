//! Filters on the command line: `query` and `dupes` narrowed by capture date, camera, folder,
//! format, shape and location, read from the photos' EXIF; bad values fail in one line.

use crate::common;

use common::exif::{Camera, save_camera_jpeg};
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const X100V: Camera<'static> = Camera {
    make: "FUJIFILM",
    model: "X100V",
    taken: "",
    offset: Some("+01:00"),
    lens: None,
    gps: None,
};

/// Folder, file name, scene seed, size, EXIF.
type Shot<'a> = (&'a Path, &'a str, u32, (u32, u32), Camera<'a>);

/// Holidays: two X100V photos of 2019 (one landscape with a location, one portrait), an X100V
/// photo of 2018 and an iPhone portrait of 2019. Work: an X100V photo of 2020, a Nikon photo of
/// 2020 and a byte-for-byte copy of the located Holidays photo.
fn library(root: &Path) {
    let (holidays, work) = (root.join("Holidays"), root.join("Work"));
    std::fs::create_dir_all(&holidays).expect("mkdir");
    std::fs::create_dir_all(&work).expect("mkdir");
    let shots: [Shot<'_>; 6] = [
        (
            &holidays,
            "x100_2019_land.jpg",
            1,
            (640, 480),
            Camera {
                taken: "2019:08:01 10:00:00",
                gps: Some((43, 5)),
                lens: Some("XF23mmF2"),
                ..X100V
            },
        ),
        (
            &holidays,
            "x100_2019_port.jpg",
            2,
            (480, 640),
            Camera {
                taken: "2019:08:02 11:00:00",
                ..X100V
            },
        ),
        (
            &holidays,
            "x100_2018.jpg",
            3,
            (640, 480),
            Camera {
                taken: "2018:07:01 09:00:00",
                ..X100V
            },
        ),
        (
            &holidays,
            "iphone_2019.jpg",
            4,
            (480, 640),
            Camera {
                make: "Apple",
                model: "iPhone 12",
                taken: "2019:09:01 12:00:00",
                offset: None,
                ..Camera::default()
            },
        ),
        (
            &work,
            "x100_2020.jpg",
            5,
            (640, 480),
            Camera {
                taken: "2020:02:02 08:00:00",
                ..X100V
            },
        ),
        (
            &work,
            "nikon_2020.jpg",
            6,
            (640, 480),
            Camera {
                make: "NIKON CORPORATION",
                model: "NIKON D750",
                taken: "2020:05:05 15:00:00",
                ..Camera::default()
            },
        ),
    ];
    for (dir, name, seed, (w, h), cam) in shots {
        save_camera_jpeg(&scene(seed, w, h), &dir.join(name), &cam);
    }
    std::fs::copy(
        holidays.join("x100_2019_land.jpg"),
        work.join("x100_2019_land_copy.jpg"),
    )
    .expect("copy");
}

struct Fixture {
    _tmp: tempfile::TempDir,
    data: PathBuf,
    query: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tmp");
        let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
        library(&lib);
        index_descriptor(&data, &lib);
        // The example photo is outside the library: a re-encode of the located X100V photo.
        let query = tmp.path().join("example.jpg");
        save_jpeg(&scene(1, 640, 480), &query, 80);
        Self {
            _tmp: tmp,
            data,
            query,
        }
    }

    fn query_names(&self, extra: &[&str]) -> BTreeSet<String> {
        let mut args = vec!["query", self.query.to_str().expect("utf8"), "--json"];
        args.extend_from_slice(extra);
        let hits: Value = serde_json::from_str(lookalike_ok(&self.data, &args).trim())
            .unwrap_or_else(|e| panic!("json from {args:?}: {e}"));
        names(hits.as_array().expect("array"))
    }

    fn dupes(&self, extra: &[&str]) -> Value {
        let mut args = vec!["dupes", "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(lookalike_ok(&self.data, &args).trim())
            .unwrap_or_else(|e| panic!("json from {args:?}: {e}"))
    }

    /// Run, expect failure, and return stderr.
    fn fails(&self, args: &[&str]) -> String {
        let os: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        let out = lookalike(&self.data, &os);
        assert!(!out.status.success(), "{args:?} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

fn names(photos: &[Value]) -> BTreeSet<String> {
    photos
        .iter()
        .map(|p| {
            let path = p["path"].as_str().expect("path");
            Path::new(path)
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Member names of each group.
fn groups(v: &Value) -> Vec<BTreeSet<String>> {
    v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| names(g["photos"].as_array().expect("photos")))
        .collect()
}

#[test]
fn filters_narrow_query_and_dupes() {
    let f = Fixture::new();
    let q = f.query.to_str().expect("utf8");

    // Unfiltered: every photo is among the 20 nearest.
    assert_eq!(f.query_names(&[]).len(), 7);

    // The brief's example: exactly the 2019-or-later X100V photos in Holidays.
    assert_eq!(
        f.query_names(&[
            "--after",
            "2019-01-01",
            "--camera",
            "X100V",
            "--folder",
            "Holidays"
        ]),
        set(&["x100_2019_land.jpg", "x100_2019_port.jpg"])
    );
    // Each criterion alone, and the year/month forms of dates.
    assert_eq!(
        f.query_names(&["--camera", "x100v", "--before", "2019"]),
        set(&[
            "x100_2019_land.jpg",
            "x100_2019_port.jpg",
            "x100_2018.jpg",
            "x100_2019_land_copy.jpg"
        ])
    );
    assert_eq!(
        f.query_names(&["--after", "2019-08", "--before", "2019-08"]),
        set(&[
            "x100_2019_land.jpg",
            "x100_2019_port.jpg",
            "x100_2019_land_copy.jpg"
        ])
    );
    assert_eq!(
        f.query_names(&["--after", "2020"]),
        set(&["x100_2020.jpg", "nikon_2020.jpg"])
    );
    assert_eq!(
        f.query_names(&["--orientation", "portrait"]),
        set(&["x100_2019_port.jpg", "iphone_2019.jpg"])
    );
    assert_eq!(
        f.query_names(&["--has-gps"]),
        set(&["x100_2019_land.jpg", "x100_2019_land_copy.jpg"])
    );
    assert_eq!(
        f.query_names(&["--lens", "xf23", "--folder", "work"]),
        set(&["x100_2019_land_copy.jpg"])
    );
    assert_eq!(
        f.query_names(&["--folder", "Work", "--camera", "nikon"]),
        set(&["nikon_2020.jpg"])
    );
    assert!(f.query_names(&["--format", "heic,raw"]).is_empty());
    assert_eq!(f.query_names(&["--format", "jpeg"]).len(), 7);
    // -k counts filtered results: the best X100V match first.
    let best = f.query_names(&["-k", "1", "--camera", "X100V", "--folder", "Holidays"]);
    assert_eq!(best, set(&["x100_2019_land.jpg"]));

    // Human output says the filter in one line.
    let human = lookalike_ok(
        &f.data,
        &["query", q, "--camera", "X100V", "--after", "2019"],
    );
    assert!(
        human
            .lines()
            .next()
            .is_some_and(|l| l == "Filter: taken from 2019-01-01 · camera X100V"),
        "{human}"
    );
    let none = lookalike_ok(&f.data, &["query", q, "--format", "raw"]);
    assert!(
        none.contains("No similar photo passes the filter"),
        "{none}"
    );

    // Dupes: the byte-identical pair (Holidays and Work) is a group...
    let pair = set(&["x100_2019_land.jpg", "x100_2019_land_copy.jpg"]);
    assert!(groups(&f.dupes(&[])).contains(&pair));
    assert_eq!(f.dupes(&[])["filter"], Value::Null, "no filter, no key");
    // ...while both members pass the filter,
    let both = f.dupes(&["--camera", "X100V", "--has-gps", "--after", "2019-08-01"]);
    assert_eq!(groups(&both), [pair]);
    assert_eq!(both["groups"][0]["tier"], "exact");
    assert!(
        both["filter"]
            .as_str()
            .is_some_and(|d| d.contains("camera X100V"))
    );
    // ...and not when only one does or none do.
    assert!(groups(&f.dupes(&["--folder", "Holidays"])).is_empty());
    assert!(groups(&f.dupes(&["--format", "raw"])).is_empty());
    assert!(groups(&f.dupes(&["--after", "2020"])).is_empty());
    let human = lookalike_ok(&f.data, &["dupes", "--folder", "Holidays"]);
    assert!(human.starts_with("Filter: in Holidays\n"), "{human}");
    assert!(human.contains("No duplicates among the photos that pass the filter"));
    // A dry run of the trash only offers photos that pass the filter.
    let dry = f.dupes(&["--trash", "--folder", "Holidays"]);
    assert_eq!(dry["would_move"], serde_json::json!([]));

    // Bad values: a non-zero exit and one line naming the flag and the accepted forms.
    for (args, flag) in [
        (vec!["query", q, "--after", "2019-13-01"], "--after"),
        (vec!["query", q, "--before", "last week"], "--before"),
        (vec!["dupes", "--after", "19"], "--after"),
        (
            vec!["dupes", "--json", "--before", "2019-02-30"],
            "--before",
        ),
    ] {
        let err = f.fails(&args);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains(flag) && err.contains("YYYY, YYYY-MM or YYYY-MM-DD"),
            "{err}"
        );
    }
    let err = f.fails(&["query", q, "--after", "2020", "--before", "2019"]);
    assert!(err.contains("later than --before"), "{err}");
    let err = f.fails(&["query", q, "--format", "heic,gifx"]);
    assert!(err.contains("--format") && err.contains("raw"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let err = f.fails(&["dupes", "--orientation", "tall"]);
    assert!(
        err.contains("--orientation") && err.contains("portrait"),
        "{err}"
    );
}

/// Three shots of one scene a second apart are a burst in `dupes`; a byte copy of a photo
/// (same capture time) is not.
#[test]
fn dupes_says_which_groups_are_bursts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    std::fs::create_dir_all(&lib).expect("mkdir");
    for (i, taken) in [
        "2021:06:03 14:30:10",
        "2021:06:03 14:30:11",
        "2021:06:03 14:30:12",
    ]
    .into_iter()
    .enumerate()
    {
        let cam = Camera { taken, ..X100V };
        save_camera_jpeg(&scene(9, 640, 480), &lib.join(format!("DSCF{i}.JPG")), &cam);
    }
    let cam = Camera {
        taken: "2020:01:01 09:00:00",
        ..X100V
    };
    save_camera_jpeg(&scene(3, 640, 480), &lib.join("single.jpg"), &cam);
    std::fs::copy(lib.join("single.jpg"), lib.join("single copy.jpg")).expect("copy");
    index_descriptor(&data, &lib);
    let v: Value =
        serde_json::from_str(lookalike_ok(&data, &["dupes", "--json", "--tier", "similar"]).trim())
            .expect("json");
    let mut seen: Vec<(BTreeSet<String>, bool)> = v["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                names(g["photos"].as_array().expect("photos")),
                g["burst"].as_bool().expect("burst"),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (set(&["DSCF0.JPG", "DSCF1.JPG", "DSCF2.JPG"]), true),
            (set(&["single copy.jpg", "single.jpg"]), false),
        ]
    );
    let human = lookalike_ok(&data, &["dupes", "--tier", "similar"]);
    assert_eq!(human.matches("(burst)").count(), 1, "{human}");
}
