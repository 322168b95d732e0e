#!/usr/bin/env bash
# Configures and builds Sonance into a build directory.
#   scripts/build.sh [BUILD_DIR] [extra cmake args...]
# Warnings are errors when CI=true. Uses Ninja and ccache when available.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
werror=OFF
if [ "${CI:-}" = "true" ]; then werror=ON; fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${generator[@]}" "${launcher[@]}" -DSONANCE_WERROR=$werror "$@" >/dev/null
else
  cmake -S "$root" -B "$build" -DSONANCE_WERROR=$werror "$@" >/dev/null
fi
cmake --build "$build" -j "$(nproc)"
