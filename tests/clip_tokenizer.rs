//! CLIP BPE tokenizer (`core::embed::clip::tokenizer`) against the reference.
//!
//! `tests/fixtures/clip/tokenizer.json` holds open_clip's ids (OpenAI's `SimpleTokenizer` run with
//! ftfy; written by `tools/clip_tokenizer_reference.py`) for a few hundred strings: search queries,
//! case, punctuation, numbers, accents, other scripts, emoji, curly quotes, ligatures, fullwidth
//! text, HTML entities, odd whitespace, control characters, long texts. Also: truncation, empty
//! text, random and hostile input (must not panic), damaged vocabulary files (must be errors).

use std::io::Write;
use std::path::Path;

use lookalike::core::embed::clip::tokenizer::{
    CONTEXT_LENGTH, ClipTokenizer, EOT, SOT, VOCAB_SIZE,
};

fn fixture() -> Vec<(String, Vec<u32>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clip/tokenizer.json");
    let text = std::fs::read_to_string(&path).expect("read tokenizer.json");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).expect("parse tokenizer.json");
    rows.iter()
        .map(|row| {
            let text = row["text"].as_str().expect("text").to_owned();
            let ids = row["ids"].as_array().expect("ids");
            let ids = ids
                .iter()
                .map(|id| id.as_u64().expect("id") as u32)
                .collect();
            (text, ids)
        })
        .collect()
}

fn bundled_gz() -> Vec<u8> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/clip/bpe_simple_vocab_16e6.txt.gz");
    std::fs::read(path).expect("read the bundled vocabulary")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

/// Every encoding is `[SOT, ..., EOT]`, 2..=77 ids, all in the vocabulary.
fn assert_well_formed(text: &str, ids: &[u32]) {
    assert!(
        (2..=CONTEXT_LENGTH).contains(&ids.len()),
        "{text:?}: {} ids",
        ids.len()
    );
    assert_eq!(ids.first(), Some(&SOT), "{text:?}");
    assert_eq!(ids.last(), Some(&EOT), "{text:?}");
    assert!(
        ids.iter().all(|&id| (id as usize) < VOCAB_SIZE),
        "{text:?}: {ids:?}"
    );
}

#[test]
fn every_fixture_string_matches_open_clip() {
    let rows = fixture();
    assert!(rows.len() >= 220, "only {} fixture strings", rows.len());
    let tok = ClipTokenizer::bundled();
    let bad: Vec<String> = rows
        .iter()
        .filter_map(|(text, want)| {
            let got = tok.encode(text);
            (&got != want).then(|| format!("  {text:?}\n    want {want:?}\n    got  {got:?}"))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} strings differ from open_clip; first ones:\n{}",
        bad.len(),
        rows.len(),
        bad.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn known_ids_for_a_plain_query() {
    let ids = ClipTokenizer::bundled().encode("A dog on the beach");
    assert_eq!(ids, [49406, 320, 1929, 525, 518, 2117, 49407]);
}

#[test]
fn long_text_keeps_77_ids_ending_in_eot() {
    let tok = ClipTokenizer::bundled();
    for n in [74usize, 75, 76, 77, 500, 5000] {
        let text = vec!["dog"; n].join(" ");
        let ids = tok.encode(&text);
        let dog = ids[1];
        assert_eq!(ids.len(), (n + 2).min(CONTEXT_LENGTH), "{n} words");
        assert_eq!(ids.first(), Some(&SOT));
        assert_eq!(ids.last(), Some(&EOT));
        assert!(
            ids[1..ids.len() - 1].iter().all(|&id| id == dog),
            "{n} words: {ids:?}"
        );
    }
    // A literal end token typed past the cut does not matter; one before it stays in place.
    let ids = tok.encode(&format!("{} <end_of_text> x", vec!["dog"; 80].join(" ")));
    assert_eq!(ids.len(), CONTEXT_LENGTH);
    assert_eq!(ids.iter().filter(|&&id| id == EOT).count(), 1);
}

#[test]
fn empty_and_blank_text_is_sot_eot() {
    let tok = ClipTokenizer::bundled();
    for text in [
        "",
        " ",
        "\t\n\r",
        "\u{3000}\u{a0}",
        "\0\u{1b}\u{7f}",
        "\u{feff}",
        "\u{345}",
    ] {
        assert_eq!(tok.encode(text), [SOT, EOT], "{text:?}");
    }
}

#[test]
fn building_from_the_gz_matches_the_bundled_tokenizer() {
    let tok = ClipTokenizer::from_merges_gz(&bundled_gz()).expect("build from the gz");
    for (text, want) in fixture().iter().step_by(7) {
        assert_eq!(&tok.encode(text), want, "{text:?}");
    }
}

/// xorshift64*: deterministic, no crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

#[test]
fn encode_never_panics_on_odd_input() {
    let tok = ClipTokenizer::bundled();
    let pieces = [
        "a",
        "Z",
        "é",
        "e\u{301}",
        "\u{301}",
        "\u{345}",
        "\u{fe0f}",
        "\u{200d}",
        "\0",
        "\u{1b}[",
        "[1;",
        "m",
        "&",
        "&#",
        "&#x",
        ";",
        "amp;",
        "lt",
        "<",
        ">",
        "'",
        "'s",
        "\u{2019}",
        " ",
        "\n",
        "\r",
        "\t",
        "\u{3000}",
        "\u{85}",
        "\u{80}",
        "\u{9d}",
        "\u{fffd}",
        "\u{ffff}",
        "\u{10ffff}",
        "\u{e0041}",
        "😀",
        "👩🏻\u{200d}💻",
        "🇫🇷",
        "北",
        "ｶ",
        "ﾞ",
        "Ａ",
        "ﬃ",
        "ǅ",
        "İ",
        "Σ",
        "ß",
        "1",
        "٣",
        "Ⅻ",
        "<start_of_text>",
        "<end_of_text>",
        "&#1114112;",
        "&#xD800;",
        "&#99999999999999;",
        "&notit",
        "&EACUTE;",
    ];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for round in 0..3000 {
        let mut text = String::new();
        for _ in 0..rng.below(60) {
            if round % 2 == 0 {
                text.push_str(rng.pick(&pieces));
            } else if let Some(c) = char::from_u32(rng.below(0x11_0000) as u32) {
                text.push(c);
            }
        }
        assert_well_formed(&text, &tok.encode(&text));
    }
    let hostile = [
        "\u{301}".repeat(5000),
        "a".repeat(10_000),
        "ab".repeat(5000),
        "abcdefghijklmnopqrstuvwxyz".repeat(400),
        "&amp;".repeat(2000),
        "&".repeat(10_000) + "amp;",
        "&".to_owned() + &"amp;".repeat(5000),
        "&#".repeat(5000),
        "\0".repeat(10_000),
        "\u{1b}[".repeat(3000) + "m",
        "\r\n".repeat(5000),
        "<\n&lt;".repeat(2000),
        "😀".repeat(3000),
        "x\u{345}".repeat(3000),
        (0..10_000u32)
            .filter_map(|i| char::from_u32(i * 111))
            .collect(),
    ];
    for text in &hostile {
        let label: String = text.chars().take(20).collect();
        assert_well_formed(&label, &tok.encode(text));
    }
}

#[test]
fn damaged_vocabulary_is_an_error_not_a_panic() {
    let gz = bundled_gz();
    let text = {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut s)
            .expect("gunzip");
        s
    };
    let mut flipped = gz.clone();
    flipped[gz.len() / 2] ^= 0xff;
    let lines: Vec<&str> = text.split('\n').collect();
    let mut malformed = lines.clone();
    malformed[100] = "onlyonepart";
    let damaged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("not gzip", b"#version: 0.2\ni n\n".to_vec()),
        ("truncated gzip", gz[..gz.len() / 3].to_vec()),
        ("bit flip", flipped),
        ("too few merges", gzip(lines[..1000].join("\n").as_bytes())),
        ("malformed line", gzip(malformed.join("\n").as_bytes())),
        ("not UTF-8", gzip(&[0xff, 0xfe, b'\n', 0x80, b' ', 0x81])),
    ];
    for (what, bytes) in damaged {
        assert!(
            ClipTokenizer::from_merges_gz(&bytes).is_err(),
            "{what}: accepted"
        );
    }
}
