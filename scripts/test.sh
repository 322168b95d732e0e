#!/usr/bin/env bash
# Builds Sonance and runs every test, twice: a normal optimised build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build. Installs what it needs first.
#   scripts/test.sh            all of it
#   SONANCE_SKIP_SANITIZE=1 scripts/test.sh    only the normal build
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh

echo "== build (RelWithDebInfo) =="
bash scripts/build.sh "$root/build"
echo "== tests (RelWithDebInfo) =="
(cd "$root/build" && ctest --output-on-failure -j "$(nproc)")

if [ "${SONANCE_SKIP_SANITIZE:-0}" != "1" ]; then
  echo "== build (ASan + UBSan) =="
  bash scripts/build.sh "$root/build-asan" -DSONANCE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
  echo "== tests (ASan + UBSan) =="
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd "$root/build-asan" && ctest --output-on-failure -j "$(nproc)" -LE slow)
fi
