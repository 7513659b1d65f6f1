#!/usr/bin/env bash
# Fetch a corpus of odd, hostile and exotic image files from public test suites into DEST.
# Nothing fetched here is committed; tests/corpus.rs runs over DEST when LOOKALIKE_CORPUS_DIR
# points at it, and tools/corpus_report.py measures what we index against what Pillow decodes.
#
#   tools/fetch_corpus.sh DEST            # all sources that are reachable
#   tools/fetch_corpus.sh DEST pillow     # only some: pillow gdk-pixbuf crates
#
# Sources (package registries only, pinned versions):
#   pillow      Pillow's Tests/images from its PyPI source distribution (~1100 files)
#   gdk-pixbuf  gdk-pixbuf's installed test images from the Debian package gdk-pixbuf-tests
#   crates      image-rs decoder test/bench images shipped in crates.io tarballs
# A source that cannot be fetched (no pip, no apt, offline) is skipped with a warning.
set -euo pipefail

PILLOW_VERSION=11.3.0
CRATES=("jpeg-decoder 0.3.2" "tiff 0.11.3" "tiff 0.9.1")

dest=${1:?usage: tools/fetch_corpus.sh DEST [pillow] [gdk-pixbuf] [crates]}
shift
sources=("$@")
[ ${#sources[@]} -gt 0 ] || sources=(pillow gdk-pixbuf crates)
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

py=${PYTHON:-python3}
want() { local s; for s in "${sources[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
warn() { echo "fetch_corpus: warning: $*" >&2; }

if want pillow; then
  if [ -d "$dest/pillow" ] && [ -n "$(ls -A "$dest/pillow")" ]; then
    echo "pillow: already in $dest/pillow"
  elif "$py" -m pip download --quiet --no-binary :all: --no-deps "pillow==$PILLOW_VERSION" \
      -d "$work/pillow" >/dev/null 2>"$work/pip.log"; then
    tar -xzf "$work"/pillow/pillow-*.tar.gz -C "$work/pillow" --wildcards '*/Tests/images/*'
    mkdir -p "$dest/pillow"
    cp -r "$work"/pillow/pillow-*/Tests/images/. "$dest/pillow/"
    echo "pillow $PILLOW_VERSION: $(find "$dest/pillow" -type f | wc -l) files"
  else
    warn "could not download the Pillow sdist: $(tail -1 "$work/pip.log")"
  fi
fi

if want gdk-pixbuf; then
  if [ -d "$dest/gdk-pixbuf" ] && [ -n "$(ls -A "$dest/gdk-pixbuf")" ]; then
    echo "gdk-pixbuf: already in $dest/gdk-pixbuf"
  elif command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
      && (cd "$work" && apt-get download -q gdk-pixbuf-tests >/dev/null 2>&1); then
    dpkg-deb -x "$work"/gdk-pixbuf-tests_*.deb "$work/pixbuf"
    mkdir -p "$dest/gdk-pixbuf"
    cp -r "$work/pixbuf/usr/libexec/installed-tests/gdk-pixbuf/test-images/." "$dest/gdk-pixbuf/"
    echo "gdk-pixbuf: $(find "$dest/gdk-pixbuf" -type f | wc -l) files"
  else
    warn "could not download the Debian package gdk-pixbuf-tests (needs apt-get)"
  fi
fi

if want crates; then
  mkdir -p "$dest/crates"
  for c in "${CRATES[@]}"; do
    read -r name version <<<"$c"
    out="$dest/crates/$name-$version"
    [ -d "$out" ] && continue
    url="https://static.crates.io/crates/$name/$name-$version.crate"
    if curl -fsSL --retry 2 -o "$work/$name-$version.crate" "$url"; then
      mkdir -p "$work/x" "$out"
      tar -xzf "$work/$name-$version.crate" -C "$work/x"
      find "$work/x/$name-$version" -type f \
        \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.gif' \
           -o -iname '*.tif' -o -iname '*.tiff' -o -iname '*.webp' -o -iname '*.bmp' \) \
        -exec cp {} "$out/" \;
      echo "crates.io $name $version: $(find "$out" -type f | wc -l) image files"
    else
      warn "could not download $url"
    fi
  done
fi

echo "corpus in $dest: $(find "$dest" -type f | wc -l) files"
