//! Text cleaning before the BPE, as open_clip's `_clean_lower`:
//! `whitespace_clean(basic_clean(text)).lower()`, where `basic_clean` is `ftfy.fix_text`, then
//! `html.unescape` twice, then `strip`. The parent module's doc says which parts of ftfy are
//! reproduced; each function here names the Python it mirrors.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;
use unicode_normalization_alignments::UnicodeNormalization;

use super::entities;

/// ftfy's `max_decode_length`: a longer line is fixed in pieces of this many chars.
const MAX_SEGMENT_CHARS: usize = 1_000_000;
/// Bound on ftfy's "fix again until nothing changes" loop, which has none. Real text needs 1-3
/// rounds; each level of nesting in `&amp;amp;amp;` needs one.
const MAX_PASSES: usize = 1000;

/// Bytes 0x80..=0x9F as Windows-1252, the way ftfy's "sloppy" codec and `html.unescape` read
/// them: the five bytes Windows-1252 leaves undefined stay the C1 control they are.
const CP1252_C1: [char; 32] = [
    '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}', '\u{178}',
];

/// open_clip's `_clean_lower`: the text the BPE regex then splits.
pub(super) fn clean(text: &str) -> String {
    let fixed = fix_text(text);
    let once = html_unescape(&fixed);
    let twice = html_unescape(&once);
    // `" ".join(text.split())` with Python's idea of whitespace, then `str.lower()` (both do
    // the full Unicode mappings, final sigma included).
    let mut out = String::with_capacity(twice.len());
    for word in twice.split(is_py_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.to_lowercase()
}

/// Python's `str.isspace`: Unicode White_Space plus the four ASCII information separators.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `ftfy.fix_text` with its default configuration, minus mojibake repair (`fix_encoding`): the
/// text is fixed line by line, and HTML unescaping stops for good at the first line holding `<`.
fn fix_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut unescape = true;
    let mut rest = text;
    while !rest.is_empty() {
        let (segment, tail) = rest
            .split_at_checked(segment_end(rest))
            .unwrap_or((rest, ""));
        unescape &= !segment.contains('<');
        out.push_str(&fix_segment(segment, unescape));
        rest = tail;
    }
    out
}

/// Byte length of ftfy's next segment: through the first `\n`, at most `MAX_SEGMENT_CHARS`.
fn segment_end(s: &str) -> usize {
    for (n, (i, c)) in s.char_indices().enumerate() {
        if n == MAX_SEGMENT_CHARS {
            return i;
        }
        if c == '\n' {
            return i + 1;
        }
    }
    s.len()
}

/// ftfy's `fix_and_explain` on one segment: apply every fixer until the text stops changing.
fn fix_segment(segment: &str, unescape: bool) -> Cow<'_, str> {
    // Printable ASCII (and tab, newline, form feed) is left alone by every fixer.
    let plain = |b: u8| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | 0x0c);
    if segment
        .bytes()
        .all(|b| plain(b) && !(unescape && b == b'&'))
    {
        return Cow::Borrowed(segment);
    }
    let mut text = segment.to_owned();
    for _ in 0..MAX_PASSES {
        let next = fix_pass(&text, unescape);
        if next == text {
            break;
        }
        text = next;
    }
    Cow::Owned(text)
}

/// One round of ftfy's fixers, in ftfy's order (`fix_surrogates` has nothing to do in Rust).
fn fix_pass(text: &str, unescape: bool) -> String {
    let text = if unescape {
        ftfy_unescape(text)
    } else {
        Cow::Borrowed(text)
    };
    let mut mapped = String::with_capacity(text.len());
    for c in text.chars() {
        // fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes: all
        // character to string maps, so applying them in turn to each character is the same.
        let c = match c {
            '\u{80}'..='\u{9f}' => CP1252_C1[c as usize - 0x80],
            _ => c,
        };
        match ligature(c) {
            Some(s) => s.chars().for_each(|c| push_width_fixed(c, &mut mapped)),
            None => push_width_fixed(c, &mut mapped),
        }
    }
    let broken = fix_line_breaks(&mapped);
    let unansi = remove_terminal_escapes(&broken);
    let kept: String = unansi.chars().filter(|&c| !is_removed_control(c)).collect();
    nfc(kept)
}

/// ftfy's `LIGATURES`: Latin typographic ligatures and the legacy Latin digraphs.
fn ligature(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{132}' => "IJ",
        '\u{133}' => "ij",
        '\u{149}' => "\u{2bc}n",
        '\u{1f1}' => "DZ",
        '\u{1f2}' => "Dz",
        '\u{1f3}' => "dz",
        '\u{1c4}' => "D\u{17d}",
        '\u{1c5}' => "D\u{17e}",
        '\u{1c6}' => "d\u{17e}",
        '\u{1c7}' => "LJ",
        '\u{1c8}' => "Lj",
        '\u{1c9}' => "lj",
        '\u{1ca}' => "NJ",
        '\u{1cb}' => "Nj",
        '\u{1cc}' => "nj",
        '\u{fb00}' => "ff",
        '\u{fb01}' => "fi",
        '\u{fb02}' => "fl",
        '\u{fb03}' => "ffi",
        '\u{fb04}' => "ffl",
        '\u{fb05}' => "\u{17f}t",
        '\u{fb06}' => "st",
        _ => return None,
    })
}

/// ftfy's `WIDTH_MAP` (U+3000 to a space, U+FF01..=U+FFEF to their NFKC form), then
/// `uncurl_quotes`.
fn push_width_fixed(c: char, out: &mut String) {
    let uncurl = |c: char| match c {
        '\u{2bc}' | '\u{2018}'..='\u{201b}' => '\'',
        '\u{201c}'..='\u{201f}' => '"',
        _ => c,
    };
    match c {
        '\u{3000}' => out.push(' '),
        '\u{ff01}'..='\u{ffef}' => out.extend(c.to_string().nfkc().map(|(c, _)| uncurl(c))),
        _ => out.push(uncurl(c)),
    }
}

/// ftfy's `fix_line_breaks`: CRLF, CR, U+2028, U+2029 and U+0085 become `\n`.
fn fix_line_breaks(text: &str) -> Cow<'_, str> {
    if !text.contains(['\r', '\u{2028}', '\u{2029}', '\u{85}']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\u{2028}' | '\u{2029}' | '\u{85}' => out.push('\n'),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// ftfy's `remove_terminal_escapes`: `\x1b[` digits and semicolons, then an ASCII letter.
fn remove_terminal_escapes(text: &str) -> Cow<'_, str> {
    static ANSI: OnceLock<Option<Regex>> = OnceLock::new();
    if !text.contains('\u{1b}') {
        return Cow::Borrowed(text);
    }
    match ANSI.get_or_init(|| Regex::new(r"\x1b\[[\d;]*[a-zA-Z]").ok()) {
        Some(re) => re.replace_all(text, ""),
        None => Cow::Borrowed(text),
    }
}

/// ftfy's `CONTROL_CHARS`, removed by `remove_control_chars`.
fn is_removed_control(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{e}'..='\u{1f}' | '\u{7f}'
        | '\u{206a}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffc}')
}

/// Unicode NFC (text below U+0300 is already NFC).
fn nfc(text: String) -> String {
    if text.chars().all(|c| c < '\u{300}') {
        return text;
    }
    text.nfc().map(|(c, _)| c).collect()
}

/// ftfy's `unescape_html`: `&name;` (HTML5 names, and ftfy's all-caps spellings such as
/// `&EACUTE;`) and `&#...;` where `html.unescape` consumes the whole reference.
fn ftfy_unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut from) = (0, 0);
    while let Some(offset) = text.get(from..).and_then(|rest| rest.find('&')) {
        let start = from + offset;
        from = start + 1;
        // `&#?[0-9A-Za-z]{1,24};`
        let numeric = bytes.get(start + 1) == Some(&b'#');
        let name_start = start + 1 + usize::from(numeric);
        let mut end = name_start;
        while end < bytes.len() && end - name_start <= 24 && bytes[end].is_ascii_alphanumeric() {
            end += 1;
        }
        if !(1..=24).contains(&(end - name_start)) || bytes.get(end) != Some(&b';') {
            continue;
        }
        let (Some(whole), Some(name)) = (text.get(start..=end), text.get(name_start..end)) else {
            continue;
        };
        let replacement = if numeric {
            Some(html_unescape(whole)).filter(|s| !s.contains(';'))
        } else {
            entities::ftfy(name).map(Cow::Borrowed)
        };
        if let Some(replacement) = replacement {
            out.push_str(text.get(copied..start).unwrap_or_default());
            out.push_str(&replacement);
            copied = end + 1;
        }
        from = end + 1;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// Python's `html.unescape`: numeric references with or without `;`, HTML5 names with `;`, and
/// the legacy names also without it (longest prefix, so `&notit;` is `¬it;`).
fn html_unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let after = rest.get(amp + 1..).unwrap_or_default();
        let used = charref(after, &mut out).unwrap_or_else(|| {
            out.push('&');
            0
        });
        rest = after.get(used..).unwrap_or_default();
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// One reference after a `&` (`html`'s `_charref` regex and `_replace_charref`): writes its
/// replacement and returns how many bytes it used, or `None` where the regex would not match.
fn charref(after: &str, out: &mut String) -> Option<usize> {
    let run = |s: &str, radix: u32| s.find(|c: char| !c.is_digit(radix)).unwrap_or(s.len());
    let semi = |s: &str, at: usize| usize::from(s.get(at..).is_some_and(|t| t.starts_with(';')));
    if let Some(num) = after.strip_prefix('#') {
        let (radix, skip) = match num.as_bytes() {
            [b'0'..=b'9', ..] => (10, 1),
            [b'x' | b'X', h, ..] if h.is_ascii_hexdigit() => (16, 2),
            _ => return None,
        };
        let digits = after.get(skip..).unwrap_or_default();
        let len = run(digits, radix);
        if let Some(c) = numeric_char(digits.get(..len).unwrap_or_default(), radix) {
            out.push(c);
        }
        return Some(skip + len + semi(digits, len));
    }
    // `[^\t\n\f <&#;]{1,32};?`
    let mut end = 0;
    for (count, (i, c)) in after.char_indices().enumerate() {
        if count == 32 || matches!(c, '\t' | '\n' | '\u{c}' | ' ' | '<' | '&' | '#' | ';') {
            break;
        }
        end = i + c.len_utf8();
    }
    if end == 0 {
        return None;
    }
    let name = after.get(..end).unwrap_or_default();
    let used = end + semi(after, end);
    let full = after.get(..used).unwrap_or_default();
    let found = if used > end {
        entities::html5(name)
    } else {
        entities::legacy(name)
    };
    if let Some(value) = found {
        out.push_str(value);
        return Some(used);
    }
    // The longest legacy name that `full` starts with, at least two characters long.
    let cuts: Vec<usize> = full.char_indices().map(|(i, _)| i).skip(2).collect();
    for &cut in cuts.iter().rev() {
        if let Some(value) = full.get(..cut).and_then(entities::legacy) {
            out.push_str(value);
            out.push_str(full.get(cut..).unwrap_or_default());
            return Some(used);
        }
    }
    out.push('&');
    out.push_str(full);
    Some(used)
}

/// `html`'s numeric reference rules: NUL and out-of-range to U+FFFD, 0x80..=0x9F as
/// Windows-1252, control characters and noncharacters removed (`None`).
fn numeric_char(digits: &str, radix: u32) -> Option<char> {
    let mut n: u32 = 0;
    for d in digits.chars().filter_map(|c| c.to_digit(radix)) {
        n = (n * radix + d).min(0x11_0000);
    }
    match n {
        0 => Some('\u{fffd}'),
        0x0d => Some('\r'),
        0x80..=0x9f => CP1252_C1.get(n as usize - 0x80).copied(),
        0xd800..=0xdfff | 0x11_0000.. => Some('\u{fffd}'),
        0x1..=0x8 | 0xb | 0xe..=0x1f | 0x7f | 0xfdd0..=0xfdef => None,
        _ if n & 0xfffe == 0xfffe => None,
        _ => char::from_u32(n),
    }
}
