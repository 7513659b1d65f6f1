//! The desktop integration that the `.deb` installs: the launcher, its icons, the AppStream
//! metainfo, the man pages and completions generated from the CLI, and the package's asset list
//! in Cargo.toml. The desktop validators run here when they are installed (CI installs them:
//! tools/validate-packaging.sh); tools/check-package.sh builds, installs and runs the package.

use lookalike::ui::APP_ID;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

fn desktop_file() -> String {
    read(&format!("packaging/{APP_ID}.desktop"))
}

/// The value of `key=` in the desktop file's main group.
fn desktop_key(key: &str) -> String {
    desktop_file()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("the desktop file has no {key}"))
        .to_string()
}

fn generate(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_lookalike"))
        .arg("generate")
        .args(args)
        .output()
        .expect("run lookalike generate");
    assert!(
        out.status.success(),
        "lookalike generate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn man_pages_and_completions_come_from_the_cli() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let man = tmp.path().join("man");
    let listed = generate(&["man", man.to_str().expect("utf8")]);
    let page = std::fs::read_to_string(man.join("lookalike.1")).expect("lookalike.1");
    assert!(page.contains(".TH lookalike 1"), "a man page: {page}");
    assert!(
        page.contains("PHOTO_OR_FOLDER"),
        "documents `lookalike PHOTO`"
    );
    for command in ["index", "query", "dupes", "gui"] {
        assert!(
            man.join(format!("lookalike-{command}.1")).is_file(),
            "a page for `{command}` (listed: {listed})"
        );
    }
    assert!(
        !man.join("lookalike-generate.1").exists(),
        "the packagers' command stays hidden"
    );

    let completions = tmp.path().join("completions");
    for (shell, file) in [
        ("bash", "lookalike.bash"),
        ("zsh", "_lookalike"),
        ("fish", "lookalike.fish"),
    ] {
        let printed = generate(&["completions", shell, completions.to_str().expect("utf8")]);
        assert!(printed.trim().ends_with(file), "{shell}: {printed}");
        let script = std::fs::read_to_string(completions.join(file)).expect("script");
        assert!(
            script.contains("lookalike") && script.contains("dupes"),
            "{shell} completes the commands"
        );
        // The .deb installs exactly these names (Cargo.toml's asset list).
        assert!(read("Cargo.toml").contains(&format!("target/package/gen/completions/{file}")));
    }
}

#[test]
fn the_launcher_opens_photos_with_the_app_and_its_icon() {
    assert_eq!(desktop_key("Type"), "Application");
    assert_eq!(
        desktop_key("Exec"),
        "lookalike %f",
        "one photo, as `lookalike PHOTO`"
    );
    assert_eq!(desktop_key("TryExec"), "lookalike");
    assert_eq!(desktop_key("Icon"), APP_ID);
    // The window's X11 class and Wayland app id are APP_ID: docks match the window to it.
    assert_eq!(desktop_key("StartupWMClass"), APP_ID);
    assert!(desktop_key("Categories").contains("Photography;"));

    let mime = desktop_key("MimeType");
    let types: Vec<&str> = mime.split(';').filter(|t| !t.is_empty()).collect();
    assert!(types.contains(&"image/*"), "any image: {mime}");
    // Every photo extension we read maps (in shared-mime-info, where the machine has it) to a
    // type the launcher lists, so "Open with Lookalike" shows on all of them.
    let mut checked = 0;
    if let Ok(db) = std::fs::read_to_string("/usr/share/mime/packages/freedesktop.org.xml") {
        for ext in lookalike::core::image_io::photo_extensions_any_case() {
            for mime_type in mime_types_of(&db, &ext) {
                checked += 1;
                assert!(
                    types.contains(&mime_type.as_str()),
                    "*.{ext} is {mime_type}: add it to MimeType"
                );
            }
        }
        assert!(checked > 30, "shared-mime-info knows our formats");
    }
    for t in [
        "image/jpeg",
        "image/heif",
        "image/avif",
        "image/jxl",
        "image/x-adobe-dng",
    ] {
        assert!(types.contains(&t), "{t} listed");
    }
}

/// The MIME types whose glob in a shared-mime-info database is exactly `*.ext`.
fn mime_types_of(db: &str, ext: &str) -> Vec<String> {
    let glob = format!("pattern=\"*.{ext}\"");
    let mut out = Vec::new();
    for block in db.split("<mime-type type=\"").skip(1) {
        let Some((name, body)) = block.split_once('"') else {
            continue;
        };
        let body = body.split("</mime-type>").next().unwrap_or("");
        if body.contains(&glob) && !out.contains(&name.to_string()) {
            out.push(name.to_string());
        }
    }
    out
}

#[test]
fn icons_exist_in_the_hicolor_sizes() {
    for size in [16u32, 22, 24, 32, 48, 64, 128, 256] {
        let rel = format!("packaging/icons/hicolor/{size}x{size}/apps/{APP_ID}.png");
        let icon = image::open(repo().join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!((icon.width(), icon.height()), (size, size), "{rel}");
        assert!(
            read("Cargo.toml").contains(&rel),
            "{rel} is in the package's assets"
        );
    }
}

#[test]
fn the_metainfo_describes_this_app_and_version() {
    let xml = read(&format!("packaging/{APP_ID}.metainfo.xml"));
    let has = |s: &str| assert!(xml.contains(s), "metainfo lacks {s}");
    has(&format!("<id>{APP_ID}</id>"));
    has(&format!(
        "<launchable type=\"desktop-id\">{APP_ID}.desktop</launchable>"
    ));
    has(&format!(
        "<project_license>{}</project_license>",
        env!("CARGO_PKG_LICENSE")
    ));
    has("<metadata_license>CC0-1.0</metadata_license>");
    has("<screenshot type=\"default\">");
    has("<binary>lookalike</binary>");
    has("built into the program");
    // A new version needs its release entry (software centres show it).
    has(&format!(
        "<release version=\"{}\"",
        env!("CARGO_PKG_VERSION")
    ));
}

#[test]
fn every_packaged_file_exists() {
    let toml = read("Cargo.toml");
    let table = toml
        .split("[package.metadata.deb]")
        .nth(1)
        .expect("a [package.metadata.deb] table");
    let assets = table
        .split("assets = [")
        .nth(1)
        .and_then(|a| a.split("\n]").next())
        .expect("an assets list");
    let mut n = 0;
    for line in assets.lines().filter(|l| l.trim_start().starts_with("[\"")) {
        let source = line.trim_start().trim_start_matches("[\"");
        let source = source.split('"').next().expect("source");
        n += 1;
        if !source.starts_with("target/") {
            assert!(repo().join(source).is_file(), "asset {source} exists");
        }
    }
    assert!(n >= 15, "assets read: {n}");
    assert!(
        !assets.contains(".safetensors"),
        "the model is compiled into the binary: it is not shipped a second time"
    );
}

/// Run `tool args`, or say it is not installed (CI installs the validators).
fn validate(tool: &str, args: &[&str], file: &Path) {
    match Command::new(tool).args(args).arg(file).output() {
        Ok(out) => assert!(
            out.status.success(),
            "{tool} {}: {}{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("{tool} is not installed: skipped (tools/validate-packaging.sh installs it)");
        }
        Err(e) => panic!("cannot run {tool}: {e}"),
    }
}

#[test]
fn the_desktop_validators_accept_the_files() {
    let dir = repo().join("packaging");
    validate(
        "desktop-file-validate",
        &[],
        &dir.join(format!("{APP_ID}.desktop")),
    );
    validate(
        "appstreamcli",
        &["validate", "--no-net"],
        &dir.join(format!("{APP_ID}.metainfo.xml")),
    );
}
