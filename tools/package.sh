#!/usr/bin/env bash
# Build the Debian package and the Linux tarball of Lookalike with dpkg-deb, from Cargo.toml's
# [package.metadata.deb] table (cargo-deb's field names: maintainer, section, priority, depends
# with `$auto`, recommends, suggests, extended-description, assets [source, destination, mode]).
#
# Usage: tools/package.sh [--debug] [--no-build]
#   --debug     package target/debug/lookalike (a quick local check) instead of the release build
#   --no-build  package the binary already built
# Writes target/package/lookalike_VERSION-1_ARCH.deb and
# target/package/lookalike-VERSION-TRIPLE.tar.gz, and prints their paths.
# Needs: cargo, python3, dpkg-deb, gzip (dpkg-shlibdeps and strip when present).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) profile=debug ;;
    --no-build) build=0 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in cargo python3 dpkg-deb gzip; do
  command -v "$tool" >/dev/null || { echo "package.sh: $tool is needed" >&2; exit 1; }
done
started=$(date +%s)

if [ "$build" = 1 ]; then
  if [ "$profile" = release ]; then
    cargo build --locked --release
  else
    cargo build --locked
  fi
fi
bin="target/$profile/lookalike"
[ -x "$bin" ] || { echo "package.sh: $bin is missing (build it, or drop --no-build)" >&2; exit 1; }

out=target/package
gen="$out/gen"
rm -rf "$gen" "$out/root"
mkdir -p "$gen"

# Man pages and completions, from the binary's own clap definition.
"$bin" generate man "$gen/man" >/dev/null
gzip -9nf "$gen"/man/*.1
for shell in bash zsh fish; do
  "$bin" generate completions "$shell" "$gen/completions" >/dev/null
done

# The package's fields and assets, read from Cargo.toml through cargo metadata.
cargo metadata --no-deps --format-version 1 --offline >"$gen/metadata.json"
python3 - "$gen/metadata.json" "$gen" <<'PY'
import json, shlex, sys
meta = json.load(open(sys.argv[1]))
pkg = next(p for p in meta["packages"] if p["name"] == "lookalike")
deb = (pkg.get("metadata") or {}).get("deb") or {}
fields = {
    "NAME": deb.get("name", pkg["name"]),
    "VERSION": pkg["version"],
    "SUMMARY": pkg.get("description") or "",
    "MAINTAINER": deb["maintainer"],
    "SECTION": deb.get("section", "utils"),
    "PRIORITY": deb.get("priority", "optional"),
    "DEPENDS": deb.get("depends", "$auto"),
    "RECOMMENDS": deb.get("recommends", ""),
    "SUGGESTS": deb.get("suggests", ""),
    "HOMEPAGE": pkg.get("homepage") or pkg.get("repository") or "",
}
with open(sys.argv[2] + "/fields.sh", "w") as f:
    for k, v in fields.items():
        f.write(f"{k}={shlex.quote(v)}\n")
# Debian's extended description: each line indented by one space, empty lines as " .".
text = deb.get("extended-description", "").strip()
with open(sys.argv[2] + "/description", "w") as f:
    for line in text.splitlines():
        f.write(" " + (line.rstrip() or ".") + "\n")
with open(sys.argv[2] + "/assets.tsv", "w") as f:
    for src, dest, mode in deb["assets"]:
        f.write(f"{src}\t{dest}\t{mode}\n")
PY
# shellcheck disable=SC1091
. "$gen/fields.sh"
arch=$(dpkg --print-architecture)

# Stage the file tree.
root="$out/root"
mkdir -p "$root/DEBIAN"
while IFS=$'\t' read -r src dest mode; do
  src=${src/#target\/release\//target/$profile/}
  matched=0
  for file in $src; do
    [ -f "$file" ] || continue
    matched=1
    case "$dest" in
      */) target="$root/$dest$(basename "$file")" ;;
      *) target="$root/$dest" ;;
    esac
    install -D -m "$mode" "$file" "$target"
  done
  [ "$matched" = 1 ] || { echo "package.sh: asset $src matches no file" >&2; exit 1; }
done <"$gen/assets.tsv"
if command -v strip >/dev/null; then
  strip --strip-debug "$root/usr/bin/lookalike"
fi

# Depends: `$auto` is the shared libraries the binary links, as dpkg-shlibdeps names them.
auto=""
if command -v dpkg-shlibdeps >/dev/null; then
  shlib_dir=$(mktemp -d)
  mkdir -p "$shlib_dir/debian"
  printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$NAME" "$NAME" >"$shlib_dir/debian/control"
  abs_bin=$(realpath "$root/usr/bin/lookalike")
  auto=$(cd "$shlib_dir" && dpkg-shlibdeps -O -e"$abs_bin" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
  rm -rf "$shlib_dir"
fi
if [ -z "$auto" ]; then
  glibc=$(objdump -T "$root/usr/bin/lookalike" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
  auto="libc6${glibc:+ (>= $glibc)}, libgcc-s1"
fi
DEPENDS=${DEPENDS//\$auto/$auto}

installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
{
  echo "Package: $NAME"
  echo "Version: $VERSION-1"
  echo "Architecture: $arch"
  echo "Maintainer: $MAINTAINER"
  echo "Installed-Size: $installed_kb"
  echo "Depends: $DEPENDS"
  [ -n "$RECOMMENDS" ] && echo "Recommends: $RECOMMENDS"
  [ -n "$SUGGESTS" ] && echo "Suggests: $SUGGESTS"
  echo "Section: $SECTION"
  echo "Priority: $PRIORITY"
  [ -n "$HOMEPAGE" ] && echo "Homepage: $HOMEPAGE"
  echo "Description: $SUMMARY"
  cat "$gen/description"
} >"$root/DEBIAN/control"
(cd "$root" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

deb="$out/${NAME}_${VERSION}-1_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null

# The tarball: the same files, laid out to copy under /usr/local or ~/.local.
triple=$(rustc -vV | sed -n 's/^host: //p')
tarname="$NAME-$VERSION-$triple"
tree="$out/$tarname"
rm -rf "$tree"
mkdir -p "$tree"
cp -a "$root/usr/bin" "$root/usr/share" "$tree/"
cp README.md "$tree/"
tar -C "$out" -czf "$out/$tarname.tar.gz" "$tarname"
rm -rf "$tree"

echo "package.sh: $profile build packaged in $(($(date +%s) - started)) s"
ls -l "$deb" "$out/$tarname.tar.gz"
echo "$deb"
echo "$out/$tarname.tar.gz"
