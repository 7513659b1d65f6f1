//! X PixMap (XPM3): C source text with a quoted header, colour table and pixel rows.

use super::{check_data_size, check_size};
use crate::core::image_io::{DecodeError, corrupt};
use image::{DynamicImage, RgbaImage};
use std::collections::HashMap;

const NAME: &str = "xpm";
/// Longest pixel key we accept (characters per pixel).
const MAX_CPP: usize = 8;

/// Whether `head` starts like an XPM file.
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"/* XPM */")
}

/// Decode an XPM image.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    let strings = quoted_strings(bytes);
    let mut lines = strings.iter();
    let header = lines
        .next()
        .ok_or_else(|| corrupt(NAME, "no header string"))?;
    let nums: Vec<usize> = std::str::from_utf8(header)
        .map_err(|_| corrupt(NAME, "header is not text"))?
        .split_whitespace()
        .take(4)
        .map(|t| {
            t.parse()
                .map_err(|_| corrupt(NAME, "header is not numbers"))
        })
        .collect::<Result<_, _>>()?;
    let [w, h, ncolors, cpp] = nums[..] else {
        return Err(corrupt(
            NAME,
            "header needs width, height, colours and key size",
        ));
    };
    let (w32, h32) = (
        u32::try_from(w).unwrap_or(u32::MAX),
        u32::try_from(h).unwrap_or(u32::MAX),
    );
    check_size(NAME, w32, h32)?;
    if cpp == 0 || cpp > MAX_CPP {
        return Err(corrupt(NAME, format!("{cpp} characters per pixel")));
    }
    check_data_size(NAME, bytes.len(), w * h * cpp, 1)?;
    let mut colours: HashMap<&[u8], [u8; 4]> = HashMap::new();
    for _ in 0..ncolors {
        let line = lines
            .next()
            .ok_or_else(|| corrupt(NAME, "colour table ends early"))?;
        let key = line
            .get(..cpp)
            .ok_or_else(|| corrupt(NAME, "colour key too short"))?;
        let spec = String::from_utf8_lossy(&line[cpp..]);
        colours.insert(key, colour_of(&spec));
    }
    let mut img = RgbaImage::new(w32, h32);
    for y in 0..h32 {
        let Some(row) = lines.next() else {
            return Err(corrupt(NAME, "pixel rows end early"));
        };
        for (x, key) in row.chunks_exact(cpp).take(w).enumerate() {
            let c = colours.get(key).copied().unwrap_or([0, 0, 0, 255]);
            img.put_pixel(x as u32, y, image::Rgba(c));
        }
    }
    Ok(DynamicImage::ImageRgba8(img))
}

/// The contents of every "..." string outside comments, in order.
fn quoted_strings(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            i = bytes[i + 2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(bytes.len(), |p| i + 2 + p + 2);
        } else if bytes[i] == b'"' {
            let start = i + 1;
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'"')
                .map_or(bytes.len(), |p| start + p);
            out.push(&bytes[start..end]);
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The colour of a colour-table entry: the `c` (colour) key, else `g`/`g4`/`m`.
fn colour_of(spec: &str) -> [u8; 4] {
    let tokens: Vec<&str> = spec.split_whitespace().collect();
    let keys = ["c", "g", "g4", "m", "s"];
    for wanted in ["c", "g", "g4", "m"] {
        if let Some(pos) = tokens.iter().position(|t| *t == wanted) {
            let value: Vec<&str> = tokens[pos + 1..]
                .iter()
                .take_while(|t| !keys.contains(t))
                .copied()
                .collect();
            if let Some(c) = parse_colour(&value.join(" ")) {
                return c;
            }
        }
    }
    [0, 0, 0, 255]
}

/// `#rgb`, `#rrggbb`, `#rrrrggggbbbb`, `None` or a common X11 colour name.
pub(super) fn parse_colour(v: &str) -> Option<[u8; 4]> {
    if v.eq_ignore_ascii_case("none") {
        return Some([0, 0, 0, 0]);
    }
    if let Some(hex) = v.strip_prefix('#') {
        let n = hex.len() / 3;
        if n == 0 || hex.len() % 3 != 0 || n > 4 || !hex.is_ascii() {
            return None;
        }
        let part = |k: usize| -> Option<u8> {
            let v = u32::from_str_radix(&hex[k * n..(k + 1) * n], 16).ok()?;
            let max = (1u32 << (4 * n)) - 1;
            Some(((v * 255 + max / 2) / max) as u8)
        };
        return Some([part(0)?, part(1)?, part(2)?, 255]);
    }
    let name: String = v
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let rgb = match name.as_str() {
        "black" => [0, 0, 0],
        "white" => [255, 255, 255],
        "red" => [255, 0, 0],
        "green" => [0, 255, 0],
        "blue" => [0, 0, 255],
        "yellow" => [255, 255, 0],
        "cyan" => [0, 255, 255],
        "magenta" => [255, 0, 255],
        "gray" | "grey" => [190, 190, 190],
        "lightgray" | "lightgrey" => [211, 211, 211],
        "darkgray" | "darkgrey" => [169, 169, 169],
        "orange" => [255, 165, 0],
        "brown" => [165, 42, 42],
        "navy" => [0, 0, 128],
        "purple" => [160, 32, 240],
        _ => {
            let gray = name
                .strip_prefix("gray")
                .or_else(|| name.strip_prefix("grey"))?;
            let pct: u32 = gray.parse().ok().filter(|p| *p <= 100)?;
            let g = ((pct * 255 + 50) / 100) as u8;
            [g, g, g]
        }
    };
    Some([rgb[0], rgb[1], rgb[2], 255])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "/* XPM */\nstatic char *x[] = {\n/* w h n cpp */\n\"3 2 3 1\",\n\". c None\",\n\"r c #FF0000\",\n\"b c blue\",\n\"r.b\",\n\"bbr\"\n};\n";

    #[test]
    fn colours_and_transparency() {
        let img = decode(SAMPLE.as_bytes()).expect("decode").to_rgba8();
        assert_eq!(img.dimensions(), (3, 2));
        assert_eq!(img.get_pixel(0, 0).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(1, 0).0[3], 0);
        assert_eq!(img.get_pixel(2, 1).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(0, 1).0, [0, 0, 255, 255]);
    }

    #[test]
    fn hostile_headers_are_errors() {
        let huge = "/* XPM */\n\"100000 100000 1 1\",\n\"a c red\"\n";
        assert!(matches!(
            decode(huge.as_bytes()),
            Err(DecodeError::TooManyPixels(..))
        ));
        let short = "/* XPM */\n\"4 4 1 1\",\n\"a c red\",\n\"aaaa\"\n";
        assert!(decode(short.as_bytes()).is_err());
        assert!(decode(b"/* XPM */\n\"4 4").is_err());
        assert!(decode(b"/* XPM */\n\"4 4 1 99\"").is_err());
        assert_eq!(parse_colour("#FFFF00000000"), Some([255, 0, 0, 255]));
    }
}
