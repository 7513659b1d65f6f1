//! CLIP's text tokenizer in pure Rust: OpenAI CLIP's byte-level BPE (`SimpleTokenizer`), as
//! open_clip ships it, with the vocabulary bundled (`assets/clip/bpe_simple_vocab_16e6.txt.gz`,
//! MIT, OpenAI).
//!
//! [`ClipTokenizer::encode`] gives what `open_clip.tokenize(text)` gives before its zero padding:
//! `[SOT, tokens..., EOT]`, at most [`CONTEXT_LENGTH`] ids, EOT last even when cut. Steps:
//!
//! 1. `basic_clean`: `ftfy.fix_text` (see below), then `html.unescape` twice, then `strip`.
//! 2. `whitespace_clean` (runs of Python whitespace, `str.isspace`, become one space), then
//!    `str.lower` (full Unicode lower case with final sigma: Rust's `to_lowercase`).
//! 3. Split with `<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|
//!    [^\s\p{L}\p{N}]+` (case-insensitive); text that matches none of it is dropped.
//! 4. Each piece's UTF-8 bytes are mapped through GPT-2's `bytes_to_unicode`, the last symbol gets
//!    `</w>`, and the merges (lines 1..=48894 of the file) are applied lowest rank first.
//!
//! The special tokens are spelled as open_clip spells them, `<start_of_text>`/`<end_of_text>`
//! (typing one yields its id, as in open_clip); OpenAI's `<|startoftext|>` is ordinary text here.
//! The case-insensitive match has one effect on lower-cased text that Rust's `regex` would not
//! reproduce by itself: Python's `regex` matches U+0345 (combining ypogegrammeni, which case-folds
//! to a letter) with no branch at all, so it is dropped; the pattern here excludes it explicitly.
//!
//! Of `ftfy.fix_text` (6.3, default settings) this reproduces, per line, repeated until the text
//! stops changing: `unescape_html` (HTML 4 entity names plus `&apos;` in the HTML5 spellings,
//! ftfy's all-caps forms like `&EACUTE;`, numeric `&#...;`/`&#x...;`; off for the rest of the
//! text from the first line holding `<`), `fix_c1_controls` (as Windows-1252),
//! `fix_latin_ligatures`, `fix_character_width` (fullwidth/halfwidth forms and U+3000),
//! `uncurl_quotes`, `fix_line_breaks`, `remove_terminal_escapes`, `remove_control_chars` and NFC.
//! `html.unescape` is Python's, including numeric references without `;`, Windows-1252 for
//! `&#128;`..`&#159;`, and the legacy names that need no `;` (`&copy 2019`, `this&not that`).
//!
//! (`fix_surrogates` has nothing to do on a Rust `str`; the repeat loop, unbounded in ftfy, stops
//! after 1,000 rounds, which only `&amp;` nested deeper than that reaches.)
//!
//! Not reproduced: ftfy's mojibake repair (`fix_encoding` with `restore_byte_a0`,
//! `replace_lossy_sequences`, `decode_inconsistent_utf8`: text like `cafÃ©` or `â€œhi` stays
//! as typed, where open_clip would read `café`, `"hi`), and the ~1,900 entity names only HTML5
//! has (`&check;`, `&NewLine;`), which stay literal. Unicode tables differ in version (NFC here is
//! Unicode 9, lower case and `\p{L}` follow Rust's; the reference was CPython 3.11, Unicode 14):
//! only characters assigned after Unicode 9 can come out differently.
//! `tests/clip_tokenizer.rs` checks the ids against `tools/clip_tokenizer_reference.py`'s
//! fixture (open_clip run with ftfy).

mod bpe;
mod clean;
mod entities;

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use regex::Regex;

use crate::core::embed::EmbedError;

/// Id of `<start_of_text>`, first of every encoded text.
pub const SOT: u32 = 49406;
/// Id of `<end_of_text>`, last of every encoded text (CLIP pools the text tower's output there).
pub const EOT: u32 = 49407;
/// Most ids a CLIP text tower takes, SOT and EOT included.
pub const CONTEXT_LENGTH: usize = 77;
/// Number of ids: 256 bytes, the same with `</w>`, 48,894 merges, SOT and EOT.
pub const VOCAB_SIZE: usize = 49408;

/// Merge lines that count (`merges[1:49152-256-2+1]` in the reference).
const MERGES: usize = VOCAB_SIZE - 2 * 256 - 2;
const BUNDLED_GZ: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/clip/bpe_simple_vocab_16e6.txt.gz"
));
/// The reference's split, case-insensitive only where that matters on lower-cased text.
const PATTERN: &str = concat!(
    r"(?i:<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d)",
    r"|\p{L}+|\p{N}|[^\s\p{L}\p{N}\x{345}]+"
);

/// CLIP's BPE tokenizer: text to token ids (see the module doc for the exact algorithm).
pub struct ClipTokenizer {
    /// Id of each byte's symbol; the same with `</w>` is 256 more.
    byte_id: [u32; 256],
    /// `(left id, right id)` packed in a `u64` to `(rank, id of the merged symbol)`.
    merges: bpe::MergeMap,
    /// Every merge's halves exist before it and no merge result is made twice (see `bpe`).
    queue_ok: bool,
    pattern: Regex,
}

impl ClipTokenizer {
    /// The tokenizer for the bundled vocabulary, built on first use (about 30 ms optimised).
    pub fn bundled() -> &'static ClipTokenizer {
        static BUNDLED: OnceLock<ClipTokenizer> = OnceLock::new();
        BUNDLED.get_or_init(|| match Self::from_merges_gz(BUNDLED_GZ) {
            Ok(tokenizer) => tokenizer,
            Err(e) => {
                panic!("the bundled assets/clip/bpe_simple_vocab_16e6.txt.gz is corrupt: {e}")
            }
        })
    }

    /// Builds a tokenizer from a gzip'd CLIP merges file (`bpe_simple_vocab_16e6.txt.gz` layout:
    /// a header line, then one `left right` merge per line; the first 48,894 are used). Errors
    /// when the bytes are not gzip, not UTF-8, or have too few or malformed merge lines.
    pub fn from_merges_gz(bytes: &[u8]) -> Result<Self, EmbedError> {
        let bad = |what: String| EmbedError::Backend(format!("CLIP vocabulary: {what}"));
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .map_err(|e| bad(format!("cannot decompress: {e}")))?;
        let lines: Vec<&str> = text.split('\n').skip(1).take(MERGES).collect();
        if lines.len() < MERGES {
            return Err(bad(format!(
                "{} merge lines, expected {MERGES}",
                lines.len()
            )));
        }
        let mut parts = Vec::with_capacity(MERGES);
        for (n, line) in lines.iter().enumerate() {
            let mut words = line.split_whitespace();
            match (words.next(), words.next(), words.next()) {
                (Some(left), Some(right), None) => parts.push((left, right)),
                _ => return Err(bad(format!("line {} is not a merge: {line:?}", n + 2))),
            }
        }

        // The vocabulary in id order, as the reference lists it; a string seen twice keeps its
        // last id (Python's `dict(zip(vocab, range(...)))`).
        let byte_chars = bytes_to_unicode();
        let mut all = String::with_capacity(text.len() + 4096);
        let mut spans = Vec::with_capacity(VOCAB_SIZE - 2);
        let mut push = |pieces: &[&str]| {
            let start = all.len();
            pieces.iter().for_each(|p| all.push_str(p));
            spans.push((start, all.len()));
        };
        let mut buf = [0u8; 4];
        for suffix in ["", "</w>"] {
            for &(_, c) in &byte_chars {
                push(&[&*c.encode_utf8(&mut buf), suffix]);
            }
        }
        for &(left, right) in &parts {
            push(&[left, right]);
        }
        let mut ids: HashMap<&str, u32, _> =
            HashMap::with_capacity_and_hasher(spans.len(), bpe::Fast::default());
        for (id, &(start, end)) in spans.iter().enumerate() {
            ids.insert(all.get(start..end).unwrap_or_default(), id as u32);
        }

        let mut merges = bpe::MergeMap::with_capacity_and_hasher(MERGES, Default::default());
        let mut made: Vec<bool> = (0..VOCAB_SIZE).map(|id| id < 2 * 256).collect();
        let mut queue_ok = true;
        for (rank, &(left, right)) in parts.iter().enumerate() {
            let span = spans.get(2 * 256 + rank).copied().unwrap_or_default();
            let joined = all.get(span.0..span.1).unwrap_or_default();
            // A merge whose halves are not symbols can never apply (every symbol is in the vocab).
            let (Some(&l), Some(&r), Some(&m)) = (ids.get(left), ids.get(right), ids.get(joined))
            else {
                queue_ok = false;
                continue;
            };
            let seen = |id: u32| made.get(id as usize).copied().unwrap_or(false);
            queue_ok &= seen(l) && seen(r) && !seen(m);
            if let Some(flag) = made.get_mut(m as usize) {
                *flag = true;
            }
            merges.insert(bpe::pair(l, r), (rank as u32, m));
        }
        let mut byte_id = [0u32; 256];
        for (id, &(byte, _)) in byte_chars.iter().enumerate() {
            byte_id[usize::from(byte)] = id as u32;
        }
        let pattern = Regex::new(PATTERN).map_err(|e| bad(format!("split pattern: {e}")))?;
        Ok(Self {
            byte_id,
            merges,
            queue_ok,
            pattern,
        })
    }

    /// `[SOT, tokens..., EOT]` for `text`, at most [`CONTEXT_LENGTH`] ids with EOT kept last
    /// (`open_clip.tokenize` without the padding). Never panics; empty text gives `[SOT, EOT]`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let cleaned = clean::clean(text);
        let mut ids = Vec::with_capacity(16);
        ids.push(SOT);
        for piece in self.pattern.find_iter(&cleaned) {
            // Only the first CONTEXT_LENGTH - 2 tokens survive the cut.
            if ids.len() >= CONTEXT_LENGTH - 1 {
                break;
            }
            match piece.as_str() {
                "<start_of_text>" => ids.push(SOT),
                "<end_of_text>" => ids.push(EOT),
                word => self.bpe(word.as_bytes(), &mut ids),
            }
        }
        ids.truncate(CONTEXT_LENGTH - 1);
        ids.push(EOT);
        ids
    }

    /// Appends the ids of one word (its bytes' symbols, the last with `</w>`, merged).
    fn bpe(&self, word: &[u8], out: &mut Vec<u32>) {
        let mut symbols: Vec<u32> = word.iter().map(|&b| self.byte_id[usize::from(b)]).collect();
        if let Some(last) = symbols.last_mut() {
            *last += 256;
        }
        bpe::merge(&mut symbols, &self.merges, self.queue_ok);
        out.extend_from_slice(&symbols);
    }
}

impl std::fmt::Debug for ClipTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipTokenizer")
            .field("merges", &self.merges.len())
            .finish()
    }
}

/// GPT-2's `bytes_to_unicode` in vocabulary order: printable Latin-1 bytes map to themselves,
/// the other 68 bytes to U+0100 onwards.
fn bytes_to_unicode() -> Vec<(u8, char)> {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xa1..=0xac | 0xae..=0xff);
    let mut table: Vec<(u8, char)> = (0..=255u8)
        .filter(|&b| printable(b))
        .map(|b| (b, char::from(b)))
        .collect();
    let others = (0..=255u8).filter(|&b| !printable(b));
    table.extend(
        others
            .zip(256u32..)
            .filter_map(|(b, c)| Some((b, char::from_u32(c)?))),
    );
    table
}
