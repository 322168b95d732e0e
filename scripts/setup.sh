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
  libeigen3-dev libfaiss-dev libgtest-dev libgmock-dev libbenchmark-dev
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

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
