#!/usr/bin/env bash
# Check the .deb as a user meets it: its contents, the desktop file and metainfo as installed,
# an install with dpkg (into a scratch root by default; --system: this machine, with apt-get),
# the installed `lookalike --version`, man page and completions, "Open with" registration for
# photos, then the window itself on a virtual display (Xvfb) for a user with a Pictures folder:
#   welcome.png    first run: the welcome screen proposes ~/Pictures with its photo count
#   open-with.png  the desktop file's Exec line run with a photo, as a file manager does
#   handoff.png    a second launch with another photo hands it to that window and exits
# and finally the removal: every packaged file gone, the user's data dir untouched.
#
# Usage: tools/check-package.sh [--deb FILE] [--debug] [--no-build] [--system] [--out DIR]
#   --deb FILE   check this package (else tools/package.sh builds one; --debug/--no-build go to it)
#   --system     install on this machine (CI runners) instead of a scratch root
#   --out DIR    screenshots and logs (default target/package/check)
# Needs root for --system; installs Xvfb, xdotool, x11-apps, ImageMagick and Mesa when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

deb=""
system=0
out=target/package/check
package_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) deb=$2; shift ;;
    --debug | --no-build) package_args+=("$1") ;;
    --system) system=1 ;;
    --out) out=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "check-package: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
started=$(date +%s)
app=org.lookalike.Lookalike

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
ok() { echo "ok: $*"; }
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xwd >/dev/null || need+=(x11-apps)
command -v xdotool >/dev/null || need+=(xdotool)
command -v convert >/dev/null || need+=(imagemagick)
command -v desktop-file-validate >/dev/null || need+=(desktop-file-utils)
command -v appstreamcli >/dev/null || need+=(appstream)
if [ ${#need[@]} -gt 0 ]; then
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" libgl1-mesa-dri libegl-mesa0 libxkbcommon-x11-0 >/dev/null
fi

mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d)
xvfb_pid=""
window_pid=""
cleanup() {
  if [ -n "$window_pid" ]; then kill "$window_pid" 2>/dev/null || true; fi
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== the package"
if [ -z "$deb" ]; then
  deb=$(tools/package.sh "${package_args[@]}" | grep '\.deb$' | tail -n 1)
fi
deb=$(realpath "$deb")
version=$(dpkg-deb --field "$deb" Version)
dpkg-deb --info "$deb" >"$out/info.txt"
dpkg-deb --contents "$deb" >"$out/contents.txt"
echo "$deb: $(du -h "$deb" | cut -f1), version $version"
for path in ./usr/bin/lookalike "./usr/share/applications/$app.desktop" \
  "./usr/share/metainfo/$app.metainfo.xml" ./usr/share/man/man1/lookalike.1.gz \
  ./usr/share/bash-completion/completions/lookalike ./usr/share/zsh/vendor-completions/_lookalike \
  ./usr/share/fish/vendor_completions.d/lookalike.fish ./usr/share/doc/lookalike/copyright; do
  grep -q " $path\$" "$out/contents.txt" || fail "the package lacks $path"
done
for size in 16 22 24 32 48 64 128 256; do
  grep -q " ./usr/share/icons/hicolor/${size}x${size}/apps/$app.png\$" "$out/contents.txt" \
    || fail "no ${size}x${size} icon"
done
if grep -q '\.safetensors$' "$out/contents.txt"; then
  fail "a model file is shipped beside the binary that has it built in"
fi
ok "binary, launcher, metainfo, 8 icon sizes, man pages, bash/zsh/fish completions, copyright"
if command -v apt-get >/dev/null; then
  apt-get install --simulate "$deb" >"$out/apt-simulate.txt" 2>&1 \
    || fail "apt cannot install it here: $(tail -n 3 "$out/apt-simulate.txt")"
  ok "apt resolves its dependencies ($(grep -c '^Inst' "$out/apt-simulate.txt") packages to install)"
fi

echo "== install"
if [ "$system" = 1 ]; then
  as_root apt-get install -y -qq "$deb" >"$out/install.txt" 2>&1 || fail "apt-get install: $(tail -n 3 "$out/install.txt")"
  root=""
else
  root="$work/root"
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
  touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
  dpkg --root="$root" --force-depends -i "$deb" >"$out/install.txt" 2>&1 \
    || fail "dpkg -i: $(tail -n 3 "$out/install.txt")"
fi
ok "installed $(if [ "$system" = 1 ]; then echo "on this machine"; else echo "into a scratch root"; fi)"
bin="$root/usr/bin/lookalike"
share="$root/usr/share"
desktop-file-validate "$share/applications/$app.desktop" || fail "desktop-file-validate"
appstreamcli validate --no-net "$share/metainfo/$app.metainfo.xml" >"$out/appstream.txt" \
  || fail "appstreamcli validate: $(cat "$out/appstream.txt")"
ok "installed desktop file and metainfo validate"
[ "$("$bin" --version)" = "lookalike ${version%-*}" ] || fail "lookalike --version says $("$bin" --version)"
ok "$bin --version: $("$bin" --version)"
zcat "$share/man/man1/lookalike.1.gz" | grep -q '^\.TH lookalike 1' || fail "man page"
if command -v man >/dev/null; then
  MANWIDTH=80 man -l "$share/man/man1/lookalike.1.gz" 2>/dev/null | head -n 12 >"$out/man.txt" || true
fi
bash -c "source '$share/bash-completion/completions/lookalike' && complete -p lookalike" >/dev/null \
  || fail "bash completion does not load"
ok "man page and bash completion load"
if [ "$system" = 0 ] && command -v update-desktop-database >/dev/null; then
  # What desktop-file-utils' dpkg trigger does on a real install.
  update-desktop-database "$share/applications"
fi
if command -v gio >/dev/null; then
  PATH="$root/usr/bin:$PATH" XDG_DATA_DIRS="$share:/usr/share" gio mime image/jpeg >"$out/open-with.txt" 2>&1 || true
  grep -q "$app.desktop" "$out/open-with.txt" || fail "not offered for JPEG photos: $(cat "$out/open-with.txt")"
  ok "registered to open photos (gio mime image/jpeg lists $app.desktop)"
fi

echo "== the window"
home="$work/home"
export HOME="$home" XDG_RUNTIME_DIR="$work/run" XDG_CONFIG_HOME="$home/.config"
export XDG_DATA_HOME="$home/.local/share" XDG_CACHE_HOME="$home/.cache"
export PATH="$root/usr/bin:$PATH" LIBGL_ALWAYS_SOFTWARE=1
mkdir -p "$home/Pictures/2024" "$home/Downloads" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
for i in $(seq 1 12); do
  dir="$home/Pictures"
  [ $((i % 2)) = 0 ] && dir="$home/Pictures/2024"
  convert -size 640x480 -seed "$i" plasma:fractal -blur 0x2 "$dir/photo$i.jpg"
done
# The photos opened: edited copies (cropped, smaller, brighter) of two library photos.
convert "$home/Pictures/photo3.jpg" -crop 90%x90%+30+20 -resize 75% -modulate 112 "$home/Downloads/copy of photo3.jpg"
convert "$home/Pictures/2024/photo8.jpg" -crop 85%x85%+10+40 -resize 60% "$home/Downloads/photo8 edited.jpg"

display=":$((150 + RANDOM % 100))"
Xvfb "$display" -screen 0 1400x900x24 >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY="$display"
sleep 2
shot() { xwd -root -silent | convert xwd:- "$out/$1"; }
start_window() {
  # As a desktop launcher does: the Exec line of the installed desktop file, %f replaced.
  local exec_line
  exec_line=$(sed -n 's/^Exec=//p' "$share/applications/$app.desktop")
  local cmd=${exec_line//%f/}
  if [ $# -gt 0 ]; then
    # shellcheck disable=SC2086
    $cmd "$1" >"$out/window.log" 2>&1 &
  else
    # shellcheck disable=SC2086
    $cmd >"$out/window.log" 2>&1 &
  fi
  window_pid=$!
}
stop_window() {
  kill "$window_pid" 2>/dev/null || true
  wait "$window_pid" 2>/dev/null || true
  window_pid=""
}

start_window
sleep 12
kill -0 "$window_pid" 2>/dev/null || fail "the window did not stay open: $(cat "$out/window.log")"
shot welcome.png
# The launcher's StartupWMClass must match the window's class, or docks show a second icon.
wm_class=$(sed -n 's/^StartupWMClass=//p' "$share/applications/$app.desktop")
window=$(xdotool search --class "^$wm_class\$" 2>/dev/null | head -n 1 || true)
[ -n "$window" ] || fail "no window of class $wm_class (StartupWMClass)"
if command -v xprop >/dev/null; then
  xprop -id "$window" WM_CLASS >"$out/wm-class.txt"
fi
stop_window
ok "first run: welcome.png; the window's X11 class matches StartupWMClass=$wm_class"

lookalike index "$home/Pictures" >"$out/index.txt" 2>&1 || fail "index: $(tail -n 3 "$out/index.txt")"
ok "indexed ~/Pictures: $(grep -m1 -i 'indexed\|photos' "$out/index.txt" || true)"

start_window "$home/Downloads/copy of photo3.jpg"
sleep 14
kill -0 "$window_pid" 2>/dev/null || fail "the window did not open: $(cat "$out/window.log")"
shot open-with.png
ok "opened with a photo: open-with.png"

handoff_start=$(date +%s%N)
timeout 60 lookalike "$home/Downloads/photo8 edited.jpg" >"$out/handoff.txt" 2>&1 \
  || fail "the second launch failed: $(cat "$out/handoff.txt")"
handoff_ms=$((($(date +%s%N) - handoff_start) / 1000000))
grep -q "window already open" "$out/handoff.txt" || fail "the second launch did not hand over: $(cat "$out/handoff.txt")"
sleep 6
kill -0 "$window_pid" 2>/dev/null || fail "the first window closed"
shot handoff.png
stop_window
ok "second launch handed its photo over in ${handoff_ms} ms and exited: handoff.png"
kill "$xvfb_pid" 2>/dev/null || true
xvfb_pid=""

echo "== remove"
data="$XDG_DATA_HOME/lookalike"
[ -f "$data/catalog.sqlite" ] || fail "no data dir at $data"
if [ "$system" = 1 ]; then
  as_root apt-get remove -y -qq lookalike >"$out/remove.txt" 2>&1 || fail "apt-get remove"
  while read -r _ _ _ _ _ path; do
    path=${path#.}
    [ -d "$path" ] && continue
    [ ! -e "$path" ] || fail "$path is still there after the removal"
  done <"$out/contents.txt"
else
  dpkg --root="$root" -r lookalike >"$out/remove.txt" 2>&1 || fail "dpkg -r: $(cat "$out/remove.txt")"
  # What the dpkg triggers do on a real system; the cache is theirs, not the package's.
  if command -v update-desktop-database >/dev/null; then
    update-desktop-database "$share/applications"
    if grep -q "$app" "$share/applications/mimeinfo.cache" 2>/dev/null; then
      fail "the launcher is still registered"
    fi
  fi
  left=$(find "$root/usr" -type f ! -name mimeinfo.cache | head -n 5)
  [ -z "$left" ] || fail "left behind: $left"
fi
[ -f "$data/catalog.sqlite" ] || fail "the removal touched the user's data dir"
ok "removed: no packaged file left; the user's data dir $data is untouched"
echo "check-package: all checks passed in $(($(date +%s) - started)) s; screenshots in $out"
