#!/usr/bin/env python3
"""Reference ids for Lookalike's CLIP BPE tokenizer (`src/core/embed/clip/tokenizer.rs`).

How to re-run (from the repository root; needs network access to PyPI only, for the venv):

    python3 -m venv /tmp/clipenv
    /tmp/clipenv/bin/pip install open_clip_torch ftfy transformers tokenizers
    /tmp/clipenv/bin/python tools/clip_tokenizer_reference.py          # writes the fixture
    /tmp/clipenv/bin/python tools/clip_tokenizer_reference.py --check  # compare, write nothing
    /tmp/clipenv/bin/python tools/clip_tokenizer_reference.py --entities  # print the Rust table

Then `cargo test --test tests clip_tokenizer::` checks the Rust tokenizer against the fixture.
(The fixture was made with open_clip_torch 3.3.0, ftfy 6.3.1, regex 2026.12.2, transformers 5.25.0,
tokenizers 0.23.3 on CPython 3.11, whose `unicodedata` is Unicode 14.0.)

What is written: `tests/fixtures/clip/tokenizer.json`, a list of
`{"text": str, "ids": [int], "hf_agrees": bool}` (plus `"hf_ids"` where Hugging Face differs):

- `ids` is the reference: open_clip's `SimpleTokenizer` (OpenAI CLIP's tokenizer: ftfy.fix_text,
  html.unescape twice, whitespace collapsing, lower case, regex split, byte-level BPE) with
  `[SOT] + encode(text) + [EOT]`, truncated to 77 with EOT kept last, exactly as
  `open_clip.tokenize` does before padding (the zero padding is not stored).
- `hf_agrees` says whether Hugging Face's `transformers.CLIPTokenizer` (tokenizers backend), built
  offline from a vocab.json/merges.txt written from the same `bpe_simple_vocab_16e6.txt.gz` in a
  temporary directory, gives the same ids. It is informational: HF's normaliser is NFC + `\\s+`
  collapse + lower case, without ftfy or HTML unescaping, and its special tokens are spelled
  `<|startoftext|>`/`<|endoftext|>` where open_clip's are `<start_of_text>`/`<end_of_text>`.

`--entities` prints `ENTITIES`/`LEGACY` for `src/core/embed/clip/tokenizer/html.rs`: the HTML 4
entity names (plus `apos`) in every spelling Python's `html.unescape` or ftfy's `unescape_html`
decode (HTML5 `&name;` forms whose lower-cased name is an HTML 4 name, ftfy's upper-case extras
such as `&EACUTE;`, and the legacy forms that need no semicolon).
"""

from __future__ import annotations

import argparse
import gzip
import html
import html.entities
import json
import os
import random
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(REPO, "tests", "fixtures", "clip", "tokenizer.json")
VOCAB_GZ = os.path.join(REPO, "assets", "clip", "bpe_simple_vocab_16e6.txt.gz")


def texts() -> list[str]:
    """The strings to tokenize: what people type into a photo search box, and the odd cases."""
    plain = [
        "a dog on the beach", "receipt", "whiteboard with diagrams", "passport", "a cat",
        "sunset over the mountains", "birthday cake with candles", "screenshot of a chat",
        "my car", "red car parked in the street", "people at a wedding", "snow", "selfie",
        "a photo of a dog", "a photo of a cat sleeping on a sofa", "handwritten notes",
        "documents", "invoice", "boarding pass", "id card", "driver licence", "menu",
        "food", "pizza", "sushi", "coffee cup on a wooden table", "kids playing football",
        "christmas tree", "fireworks", "city skyline at night", "forest trail", "waterfall",
        "a bowl of fruit", "flowers in a vase", "black and white photo", "blurry photo",
        "group photo", "baby", "grandma", "my dog Max", "car accident", "damaged phone screen",
        "meme", "cartoon", "painting", "map", "floor plan", "qr code", "barcode",
        "a man riding a bicycle", "two women hiking", "concert crowd", "airplane window view",
        "hotel room", "swimming pool", "tent camping", "aurora borealis", "eiffel tower",
        "golden gate bridge", "statue of liberty", "cherry blossoms", "autumn leaves",
        "a diagram of a neural network", "math homework", "slides from a presentation",
        "antidisestablishmentarianism", "supercalifragilisticexpialidocious",
        "photosynthesis", "a", "I", "x",
    ]
    case = [
        "A DOG ON THE BEACH", "Receipt", "PaSsPoRt", "iPhone screenshot", "NASA", "McDonald's",
        "New York City", "HELLO World", "ÉCOLE", "STRASSE", "İstanbul", "ΟΔΟΣ", "ΣΊΣΥΦΟΣ",
        "Straße", "ẞ", "ǅ", "Ǆemal",
    ]
    punct = [
        "hello, world!", "what?!", "wait...", "a-b-c", "e-mail", "foo_bar", "C++", "C#",
        "#hashtag", "@mention", "user@example.com", "https://example.com/a?b=c&d=e",
        "(parentheses) [brackets] {braces}", "50% off!!!", "$100", "€20", "£5", "¥1000",
        "a/b\\c", "<>", "<3", "x < y", "~~~", "***", "—em dash—", "en–dash", "…", "«guillemets»",
        "¿qué?", "¡hola!", "semi;colon", "a.b.c.", "!!!???", "'", "''", "'quoted'",
    ]
    apostrophes = [
        "it's", "don't", "you're", "we've", "I'm", "they'll", "he'd", "IT'S", "DON'T", "rock'n'roll",
        "the dog's ball", "the dogs' toys", "o'clock", "'s", "'t", "'re", "y'all", "ma'am",
        "it\u017f", "it'\u017f", "can't won't shan't",
    ]
    numbers = [
        "2019", "3.14", "1st", "2nd place", "3rd", "100", "1,000,000", "007", "24/7", "10:30",
        "2023-05-17", "IMG_1234.JPG", "DSC00042", "4k", "1080p", "+33 6 12 34 56 78", "½", "²",
        "٣", "५", "三", "Ⅻ", "①", "1e10", "0x1F",
    ]
    accents = [
        "café", "naïve", "Zürich", "São Paulo", "crème brûlée", "jalapeño", "Ångström", "Øresund",
        "Łódź", "Dvořák", "Việt Nam", "Reykjavík", "façade", "résumé", "cafe\u0301",
        "Zu\u0308rich", "n\u0303", "e\u0301\u0301", "\u0301", "\u0301\u0302\u0303 alone",
        "a\u0345", "\u0345", "\u1fb3", "\u03b1\u0345\u0300",
    ]
    scripts = [
        "Καλημέρα κόσμε", "σοφία", "Привет, мир", "Москва", "北京", "东京塔", "猫", "日本語のテキスト",
        "ひらがな", "カタカナ", "مرحبا بالعالم", "القاهرة", "नमस्ते दुनिया", "मुंबई", "สวัสดีครับ",
        "กรุงเทพ", "안녕하세요", "서울", "שלום עולם", "Γειά σου Κόσμε", "ᏣᎳᎩ", "ქართული",
        "Հայերեն", "தமிழ்", "বাংলা", "ລາວ", "ꦗꦮ", "𐍈", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𝐁𝐨𝐥𝐝",
    ]
    emoji = [
        "😀", "🐶 on the 🏖️", "dog 🐕", "❤️", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵 flag",
        "🏴󠁧󠁢󠁷󠁬󠁳󠁿", "👩🏻‍💻", "🎂🎉🎈", "✨sparkles✨", "☕", "1️⃣", "🤷‍♂️",
        "🫠", "#️⃣", "©", "™",
    ]
    ftfy_cases = [
        "\u2018single\u2019", "\u201cdouble\u201d", "it\u2019s", "don\u2019t", "\u201ca dog\u201d",
        "\u201ebottom\u201c", "\u201bq\u201f", "\u02bcmodifier", "\u2039angle\u203a",
        "ﬁsh", "waﬄe", "ﬂower", "ﬀ ﬃ ﬄ ﬅ ﬆ", "Ĳssel", "ǆungla", "ŉ",
        "ＦＵＬＬＷＩＤＴＨ", "ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ", "１２３", "ｶﾀｶﾅ", "ﾊﾞｶ", "ｶﾞ", "ﾟ",
        "Ｈｅｌｌｏ，ｗｏｒｌｄ！", "￥１００", "ｱｲｳ", "ﾍﾞﾙﾘﾝ", "ﾡﾢ", "＜tag＞",
        "\x80uro", "\x93quoted\x94", "\x85", "\x81", "\x9f",
    ]
    entities = [
        "fish &amp; chips", "&lt;b&gt;bold&lt;/b&gt;", "&quot;quoted&quot;", "rock &apos;n&apos; roll",
        "a&nbsp;b", "caf&eacute;", "&Eacute;COLE", "&EACUTE;COLE", "&copy; 2019", "&copy 2019",
        "&reg", "&amp;amp;", "&amp;amp;amp;amp;", "&amp;lt;", "&#65;&#66;&#67;", "&#x41;&#X42;",
        "&#x1F600;", "&#128512;", "&#59;", "&#x80;", "&#150;", "&#0;", "&#1;", "&#13;x",
        "&#xD800;", "&#1114112;", "&#99999999999999999999;", "&#65abc;", "&#abc;", "&#;",
        "&notit;", "&notin;", "this&not that", "AT&T", "R&D", "Q&A", "salt&pepper", "&",
        "&&amp;", "&amp", "&AMP;", "&Gt;", "&hearts;", "&euro;", "&mdash;", "&hellip;",
        "&ldquo;quote&rdquo;", "&lsquo;x&rsquo;", "&lt;3 &ldquo;x&rdquo;", "< &ldquo;x&rdquo;",
        "&frac12;", "&sup2;", "&alpha;&beta;&gamma;", "&ALPHA;", "&Alpha;", "&szlig;",
        "&thinsp;x&ensp;y", "&zwj;", "&shy;", "&ETH;&THORN;", "&TRADE;", "a < b &amp; c",
        "line one\nline two &amp; three", "x <\n&amp; y", "&amp;\n<", "&eacute",
        "&amp;#65;", "&#38;amp;", "&am\x00p;", "&#x26;lt;", "&" + "amp;" * 40 + "x",
    ]
    whitespace = [
        "  leading and trailing  ", "tabs\tand\ttabs", "new\nlines", "cr\r\nlf", "mac\rlines",
        "non\u00a0breaking", "ideographic\u3000space", "em\u2003space", "thin\u2009space",
        "line\u2028separator", "para\u2029sep", "zero\u200bwidth", "nnbsp\u202fx", "x\x85y",
        "\x1c\x1d\x1e\x1f", "a\x1cb", "multiple     spaces", " \t\n\r\x0b\x0c ",
        "ogham\u1680space", "math\u205fspace", "\ufeffbom",
    ]
    controls = [
        "nul\x00char", "bell\x07", "\x1b[31mred\x1b[0m", "\x1b[1;32mgreen", "esc\x1bx",
        "\x1b[١m", "del\x7fete", "\u206adeprecated", "obj\ufffcect", "\ufff9anno\ufffb",
        "soft\u00adhyphen", "rtl\u200fmark", "zwnj\u200cx", "\ufffd", "\uffff", "\U0010ffff",
        "\ue000 private", "tag\U000e0041", "\x0bvt", "\x0cff",
    ]
    special = [
        "<start_of_text>", "<end_of_text>", "a photo <END_OF_TEXT> of a dog",
        "<|startoftext|>", "<|endoftext|>", "x<end_of_text>", "<\u017ftart_of_text>",
        "<start_of_text><end_of_text>",
    ]
    empty = ["", " ", "   ", "\t", "\n", "\n\n\n", "\u3000", "\u00a0", "\x00", "\x1b"]
    long = [
        " ".join(["dog"] * 74),
        " ".join(["dog"] * 75),
        " ".join(["dog"] * 76),
        " ".join(["dog"] * 200),
        "a photo of " + ", ".join(f"item {i}" for i in range(60)),
        "x" * 300,
        "supercalifragilistic" * 20,
        "😀" * 100,
        "北京" * 60,
        ("The quick brown fox jumps over the lazy dog. " * 12).strip(),
    ]
    rng = random.Random(20240501)
    pools = [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " " * 8,
        ".,;:!?'\"()-_/&#@", "éèàùçñöüßøåæœ", "αβγδεζηθικλμνξοπρστυφχψω", "абвгдежзийклмнопрст",
        "的一是不了人我在有他这为之大来以个中上们", "😀🐶🏖️❤️👍🏽🇫🇷", "ｶﾀﾅＡＢ１", "\u0301\u0308\u0303",
    ]
    randoms = []
    for _ in range(30):
        n = rng.randint(1, 40)
        randoms.append("".join(rng.choice(rng.choice(pools)) for _ in range(n)))
    out = (plain + case + punct + apostrophes + numbers + accents + scripts + emoji + ftfy_cases
           + entities + whitespace + controls + special + empty + long + randoms)
    seen: set[str] = set()
    unique = []
    for t in out:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    return unique


def reference_ids(tok, text: str) -> list[int]:
    """open_clip.tokenize without the padding: [SOT] + encode + [EOT], cut to 77, EOT last."""
    ids = [tok.sot_token_id] + tok.encode(text) + [tok.eot_token_id]
    if len(ids) > 77:
        ids = ids[:77]
        ids[-1] = tok.eot_token_id
    return ids


def hf_tokenizer(vocab_gz: str):
    """transformers.CLIPTokenizer built offline from vocab.json/merges.txt made from the gz."""
    from open_clip.tokenizer import bytes_to_unicode
    from transformers import CLIPTokenizer

    merges = gzip.open(vocab_gz).read().decode("utf-8").split("\n")[1 : 49152 - 256 - 2 + 1]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "vocab.json"), "w", encoding="utf-8") as f:
            json.dump({v: i for i, v in enumerate(vocab)}, f, ensure_ascii=False)
        with open(os.path.join(tmp, "merges.txt"), "w", encoding="utf-8") as f:
            f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
        with open(os.path.join(tmp, "vocab.json"), encoding="utf-8") as f:
            vocab_map = json.load(f)
        with open(os.path.join(tmp, "merges.txt"), encoding="utf-8") as f:
            merge_list = [tuple(l.split()) for l in f.read().split("\n")[1:] if l]
    return CLIPTokenizer(vocab=vocab_map, merges=merge_list, model_max_length=77)


def print_entities() -> None:
    """Print the entity tables of tokenizer/html.rs (see the module doc)."""
    from ftfy.chardata import HTML_ENTITIES

    html4 = set(html.entities.name2codepoint) | {"apos"}
    html5 = html.entities.html5
    rows = {}
    for name, value in html5.items():
        if name.endswith(";") and name[:-1].lower() in html4:
            rows[name[:-1]] = (value, True)
    for key, value in HTML_ENTITIES.items():
        name = key[1:-1]
        if name.lower() in html4 and name + ";" not in html5:
            rows[name] = (value, False)
    legacy = sorted(k for k in html5 if not k.endswith(";"))
    assert all(k in rows for k in legacy)

    def lit(s: str) -> str:
        return "".join(c if 0x20 < ord(c) < 0x7F and c not in "\\\"" else f"\\u{{{ord(c):x}}}" for c in s)

    print("/// `(name, text, html5)`, sorted by name: `html5` is false for ftfy's upper-case extras.")
    print("pub(super) const ENTITIES: &[(&str, &str, bool)] = &[")
    for name in sorted(rows):
        value, in_html5 = rows[name]
        print(f'    ("{name}", "{lit(value)}", {"true" if in_html5 else "false"}),')
    print("];")
    print("/// Names `html.unescape` also decodes without a semicolon, sorted.")
    print("pub(super) const LEGACY: &[&str] = &[")
    for name in legacy:
        print(f'    "{name}",')
    print("];")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the existing fixture only")
    ap.add_argument("--entities", action="store_true", help="print the Rust entity table and exit")
    args = ap.parse_args()
    if args.entities:
        print_entities()
        return 0

    import ftfy  # noqa: F401  (open_clip's basic_clean needs it; fail early if it is missing)
    from open_clip.tokenizer import SimpleTokenizer

    tok = SimpleTokenizer(bpe_path=VOCAB_GZ)
    hf = hf_tokenizer(VOCAB_GZ)
    rows = []
    disagree = []
    for text in texts():
        ids = reference_ids(tok, text)
        hf_ids = hf(text, truncation=True, max_length=77)["input_ids"]
        row = {"text": text, "ids": ids, "hf_agrees": hf_ids == ids}
        if hf_ids != ids:
            row["hf_ids"] = hf_ids
            disagree.append(text)
        rows.append(row)

    print(f"{len(rows)} strings; Hugging Face CLIPTokenizer disagrees on {len(disagree)}:")
    for t in disagree:
        print(f"  {t!r}"[:100])
    if args.check:
        with open(FIXTURE, encoding="utf-8") as f:
            old = json.load(f)
        same = [{"text": r["text"], "ids": r["ids"]} for r in rows] == [
            {"text": r["text"], "ids": r["ids"]} for r in old
        ]
        print("fixture is up to date" if same else "fixture differs: re-run without --check")
        return 0 if same else 1
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
        f.write("\n]\n")
    print(f"wrote {FIXTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
