#!/usr/bin/env bash
# Builds the HEIC / JPEG XL / AVIF fixtures of tests/fixtures/formats/ (see its README.md).
#
#   apt-get install -y libheif-examples libjxl-tools libavif-bin imagemagick libimage-exiftool-perl
#   tools/make-format-fixtures.sh
#
# Every fixture shows the same upright picture, 128x96 quadrants (red, green / blue, yellow),
# stored transformed where the file carries a rotation or mirroring, so that a decoder that
# applies it wrongly (or twice) sees the quadrants in the wrong places. The HEIC grid is written
# by heifer's own encoder (libheif's heif-enc cannot tile), through a throwaway Rust program
# (built offline-capable with cargo from crates.io, like the project).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=tests/fixtures/formats
CONVERT=/usr/bin/convert # ImageMagick's, not a stand-in earlier on PATH
for tool in heif-enc heif-convert heif-info cjxl avifenc exiftool python3 cargo "$CONVERT"; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)" >&2; exit 1; }
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# The picture: quadrants with a thin dark cross, so edges are not all flat.
quadrants() { # WIDTH HEIGHT OUT [extra convert args]
  local w=$1 h=$2 out=$3; shift 3
  "$CONVERT" -size "${w}x${h}" xc:'rgb(220,30,30)' \
    -fill 'rgb(30,170,50)' -draw "rectangle $((w / 2)),0 $((w - 1)),$((h / 2 - 1))" \
    -fill 'rgb(30,60,220)' -draw "rectangle 0,$((h / 2)) $((w / 2 - 1)),$((h - 1))" \
    -fill 'rgb(240,220,40)' -draw "rectangle $((w / 2)),$((h / 2)) $((w - 1)),$((h - 1))" \
    -fill 'rgb(40,40,40)' -draw "rectangle $((w / 2 - 1)),0 $((w / 2)),$((h - 1))" \
    -draw "rectangle 0,$((h / 2 - 1)) $((w - 1)),$((h / 2))" \
    -strip "$@" "$out"
}
# heif-enc 1.15 misreads palette PNGs: every PNG here is written as truecolour (PNG24/PNG48).
Q=$WORK/q.png
quadrants 128 96 "PNG24:$Q"
quadrants 128 96 "PNG48:$WORK/q16.png" -depth 16
"$CONVERT" "$Q" -rotate 90 "PNG24:$WORK/q-cw.png"   # stored so that a quarter turn anticlockwise shows Q
"$CONVERT" "$Q" -rotate -90 "PNG24:$WORK/q-ccw.png" # stored so that a quarter turn clockwise shows Q
"$CONVERT" "$Q" -flop "PNG24:$WORK/q-flop.png"      # left-right mirror of Q
"$CONVERT" "$Q" -transpose "PNG24:$WORK/q-transpose.png"
# Q with its bottom-right (yellow) quadrant fully transparent: white once composited.
QA=$WORK/q-alpha.png
"$CONVERT" "$Q" -alpha set -region 64x48+64+48 -channel A -evaluate set 0 +channel +region "PNG32:$QA"

# Metadata a camera writes (EXIF via a JPEG, which heif-enc, cjxl and avifenc carry over).
exif_jpeg() { # IN.png OUT.jpg ORIENTATION
  "$CONVERT" "$1" -quality 92 "$2"
  exiftool -q -overwrite_original -Make=Lookalike -Model='Fixture Cam' \
    -DateTimeOriginal='2021:06:05 14:03:22' -GPSLatitude=48.8584 -GPSLatitudeRef=N \
    -GPSLongitude=2.2945 -GPSLongitudeRef=E -Orientation#="$3" "$2"
}

# Adds `irot`/`imir`/`colr` properties to the primary item of a HEIF file (libheif 1.15's
# heif-enc cannot write the first two, and writes no nclx box for RGB input): appends them to ipco, associates them in ipma, fixes the box sizes and
# the iloc offsets of the data after `meta`.
heif_transform() { # IN OUT [irot=N] [imir=N] [nclx=P,T,M,F] [icc=PATH]...
  python3 - "$@" <<'PY'
import struct, sys
src, dst, ops = sys.argv[1], sys.argv[2], sys.argv[3:]
data = open(src, 'rb').read()

def boxes(b):
    off, out = 0, []
    while off + 8 <= len(b):
        size, typ = struct.unpack('>I4s', b[off:off + 8])
        assert size >= 8, 'unsupported box size'
        out.append((typ, b[off + 8:off + size]))
        off += size
    return out

def box(typ, body):
    return struct.pack('>I4s', 8 + len(body), typ) + body

top = boxes(data)
meta = dict(top)[b'meta']
children = boxes(meta[4:])
pitm = dict(children)[b'pitm']
primary = struct.unpack('>H', pitm[4:6])[0] if pitm[0] == 0 else struct.unpack('>I', pitm[4:8])[0]
new_props = []
for op in ops:
    name, value = op.split('=')
    if name == 'nclx':  # nclx=PRIMARIES,TRANSFER,MATRIX,FULL_RANGE as a `colr` property
        p, t, m, f = (int(v) for v in value.split(','))
        new_props.append(box(b'colr', b'nclx' + struct.pack('>HHHB', p, t, m, f << 7)))
    elif name == 'icc':  # icc=PATH as a `colr` property of type `prof`
        new_props.append(box(b'colr', b'prof' + open(value, 'rb').read()))
    else:  # irot=N, imir=N
        new_props.append(box(name.encode(), bytes([int(value)])))

def patch_iprp(body):
    kids = boxes(body)
    ipco = dict(kids)[b'ipco']
    first = len(boxes(ipco)) + 1
    ipco += b''.join(new_props)
    out = b''
    for typ, b in kids:
        if typ == b'ipco':
            b = ipco
        elif typ == b'ipma':
            version, flags = b[0], int.from_bytes(b[1:4], 'big')
            wide_id, wide_idx = version >= 1, flags & 1
            pos, count = 8, struct.unpack('>I', b[4:8])[0]
            res = bytearray(b[:8])
            for _ in range(count):
                id_len = 4 if wide_id else 2
                item = int.from_bytes(b[pos:pos + id_len], 'big')
                n = b[pos + id_len]
                assoc_len = n * (2 if wide_idx else 1)
                assoc = b[pos + id_len + 1:pos + id_len + 1 + assoc_len]
                if item == primary:
                    for i in range(len(new_props)):
                        idx = first + i
                        assoc += struct.pack('>H', 0x8000 | idx) if wide_idx else bytes([0x80 | idx])
                    n += len(new_props)
                res += b[pos:pos + id_len] + bytes([n]) + assoc
                pos += id_len + 1 + assoc_len
            b = bytes(res)
        out += box(typ, b)
    return out

def rebuild_meta(delta):
    body = meta[:4]
    for typ, b in children:
        if typ == b'iprp':
            b = patch_iprp(b)
        elif typ == b'iloc':
            b = patch_iloc(b, delta)
        body += box(typ, b)
    return box(b'meta', body)

def patch_iloc(b, delta):
    b = bytearray(b)
    version = b[0]
    off_size, len_size = b[4] >> 4, b[4] & 15
    base_size, idx_size = b[5] >> 4, (b[5] & 15) if version >= 1 else 0
    pos = 6
    count_len = 4 if version == 2 else 2
    count = int.from_bytes(b[pos:pos + count_len], 'big'); pos += count_len
    for _ in range(count):
        pos += 4 if version == 2 else 2
        method = 0
        if version >= 1:
            method = b[pos + 1] & 15; pos += 2
        pos += 2  # data_reference_index
        base_at = pos; base = int.from_bytes(b[pos:pos + base_size], 'big'); pos += base_size
        extents = struct.unpack('>H', b[pos:pos + 2])[0]; pos += 2
        if method == 0 and base_size and base:
            b[base_at:base_at + base_size] = (base + delta).to_bytes(base_size, 'big')
        for _ in range(extents):
            pos += idx_size
            if method == 0 and not (base_size and base):
                v = int.from_bytes(b[pos:pos + off_size], 'big')
                b[pos:pos + off_size] = (v + delta).to_bytes(off_size, 'big')
            pos += off_size + len_size
    return bytes(b)

delta = len(rebuild_meta(0)) - len(box(b'meta', meta))
out = b''
for typ, b in top:
    out += rebuild_meta(delta) if typ == b'meta' else box(typ, b)
open(dst, 'wb').write(out)
PY
}

# --- HEIC (libheif's heif-enc with x265) ---
heif-enc -q 60 "$Q" -o "$OUT/heic-8bit.heic"
heif-enc -q 60 -b 10 "$WORK/q16.png" -o "$OUT/heic-10bit.heic"
heif-enc -q 60 "$WORK/q-cw.png" -o "$WORK/cw.heic"
heif_transform "$WORK/cw.heic" "$OUT/heic-irot.heic" irot=1
heif-enc -q 60 "$WORK/q-flop.png" -o "$WORK/flop.heic"
heif_transform "$WORK/flop.heic" "$OUT/heic-imir.heic" imir=1
heif-enc -q 60 "$WORK/q-transpose.png" -o "$WORK/transpose.heic"
heif_transform "$WORK/transpose.heic" "$OUT/heic-irot-imir.heic" irot=1 imir=0
# EXIF with Orientation 6 on upright pixels and no irot: the tag is informational in HEIF.
exif_jpeg "$Q" "$WORK/exif6.jpg" 6
heif-enc -q 60 "$WORK/exif6.jpg" -o "$OUT/heic-exif.heic"
# Display P3 primaries (nclx), as iPhones write (they use an ICC profile): converted to sRGB.
quadrants 128 96 "PNG24:$WORK/p3src.png" -fill 'rgb(200,100,50)' -draw 'rectangle 0,0 62,46'
# heif-enc codes BT.601 full range (its VUI says so); the nclx box adds the P3 primaries.
heif-enc -q 90 "$WORK/p3src.png" -o "$WORK/p3.heic"
heif_transform "$WORK/p3.heic" "$OUT/heic-p3.heic" nclx=12,13,6,1
heif-enc -q 60 "$QA" -o "$OUT/heic-alpha.heic"

# A throwaway Rust program: the HEIC grid (512x512 tiles, which libheif's heif-enc cannot
# write) by heifer's encoder, and a Display P3 ICC profile (iPhones tag photos with one) by moxcms.
mkdir -p "$WORK/helper/src"
cat >"$WORK/helper/Cargo.toml" <<'TOML'
[package]
name = "helper"
version = "0.0.0"
edition = "2021"
[dependencies]
heifer = { version = "0.3", default-features = false }
moxcms = "0.8"
[workspace]
TOML
cat >"$WORK/helper/src/main.rs" <<'RS'
// helper grid IN.ppm OUT.heic QUALITY: a binary PPM (P6, maxval 255) as a tiled HEIC.
// helper p3icc OUT.icc: the Display P3 ICC profile.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a[1] == "p3icc" {
        let icc = moxcms::ColorProfile::new_display_p3().encode().expect("icc");
        std::fs::write(&a[2], icc).expect("write");
        return;
    }
    let ppm = std::fs::read(&a[2]).expect("read");
    let text = String::from_utf8_lossy(&ppm[..64.min(ppm.len())]).into_owned();
    let f: Vec<&str> = text.split_ascii_whitespace().take(4).collect();
    let (w, h): (u32, u32) = (f[1].parse().expect("w"), f[2].parse().expect("h"));
    assert_eq!(f[3], "255", "8-bit PPM expected");
    let rgb = &ppm[ppm.len() - (w * h * 3) as usize..];
    let opts = heifer::EncodeOptions { quality: a[4].parse().expect("q"), max_threads: 0 };
    let heic = heifer::encode_rgb8(w, h, rgb, &opts).expect("encode");
    std::fs::write(&a[3], heic).expect("write");
}
RS
cargo build -q --release --manifest-path "$WORK/helper/Cargo.toml"
HELPER=$WORK/helper/target/release/helper
quadrants 600 400 "$WORK/grid.ppm" -depth 8
"$HELPER" grid "$WORK/grid.ppm" "$OUT/heic-grid.heic" 30
# The P3 picture again, tagged with a Display P3 ICC profile (`colr prof`), as iPhones write.
"$HELPER" p3icc "$WORK/p3.icc"
heif_transform "$WORK/p3.heic" "$OUT/heic-p3-icc.heic" "icc=$WORK/p3.icc"

# --- JPEG XL (libjxl's cjxl) ---
cjxl --quiet "$Q" "$OUT/jxl-lossy.jxl" -d 1.5
cjxl --quiet "$WORK/q16.png" "$OUT/jxl-lossless-16bit.jxl" -d 0
# A JPEG with EXIF Orientation 6 (stored turned a quarter anticlockwise), transcoded losslessly:
# cjxl puts the orientation in the codestream header and keeps the Exif box (still saying 6).
exif_jpeg "$WORK/q-ccw.png" "$WORK/ccw6.jpg" 6
cjxl --quiet "$WORK/ccw6.jpg" "$OUT/jxl-orient6-exif.jxl"
cjxl --quiet "$QA" "$OUT/jxl-alpha.jxl" -d 0

# --- AVIF (libavif's avifenc with libaom) ---
avifenc -d 8 --min 20 --max 30 "$Q" "$OUT/avif-8bit.avif" >/dev/null
avifenc -d 10 -y 420 --min 20 --max 30 "$WORK/q16.png" "$OUT/avif-10bit.avif" >/dev/null
exif_jpeg "$WORK/q-cw.png" "$WORK/cw1.jpg" 1
avifenc -d 8 --min 20 --max 30 --irot 1 "$WORK/cw1.jpg" "$OUT/avif-irot-exif.avif" >/dev/null
avifenc -d 8 --min 20 --max 30 --imir 1 "$WORK/q-flop.png" "$OUT/avif-imir.avif" >/dev/null
avifenc -d 8 --min 20 --max 30 "$QA" "$OUT/avif-alpha.avif" >/dev/null
avifenc -d 8 --min 20 --max 30 -g 2x1 "$Q" "$OUT/avif-grid.avif" >/dev/null

# --- The same photo as HEIC and as a smaller JPEG copy without EXIF (nearest neighbours) ---
"$CONVERT" -size 800x600 -seed 11 plasma:orange-navy -blur 0x6 \
  -fill 'rgb(250,250,240)' -draw 'circle 560,200 620,240' \
  -fill 'rgb(20,90,40)' -draw 'polygon 0,600 300,330 520,600' -strip "PNG24:$WORK/scene.png"
heif-enc -q 45 "$WORK/scene.png" -o "$OUT/scene-original.heic"
"$CONVERT" "$WORK/scene.png" -resize 480x360 -quality 85 -strip "$OUT/scene-copy.jpg"

# Sanity check with libheif's own decoder: the HEICs show Q upright (no output = fine). libheif
# 1.15 cannot mirror (imir) RGB output, so those two are left to the tests.
for f in "$OUT"/heic-{8bit,10bit,irot,exif,grid}.heic; do
  heif-convert -q 100 "$f" "$WORK/check.png" >/dev/null
  got=$("$CONVERT" "$WORK/check.png" -format '%wx%h %[fx:int(255*p{w/4,h/4}.r)],%[fx:int(255*p{w/4,h/4}.g)]' info:)
  case $got in "128x96 2"[0-4]?,[0-6]? | "600x400 2"[0-4]?,[0-6]?) ;; *) echo "warning: libheif shows $f as $got" >&2 ;; esac
done
ls -l "$OUT"
