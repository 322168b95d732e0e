#!/usr/bin/env bash
# Tempo / key / time-signature accuracy on rendered Nottingham tunes.
#
#   bench/accuracy/run_accuracy.sh DATA_DIR [accuracy.py options...]
#   bench/accuracy/run_accuracy.sh ../shared/data/abc/nottingham --limit 100
#
# Builds the analyser it needs (the `sonance` command, else the rhythm_probe driver) in
# BUILD_DIR (default: build-bench), then runs accuracy.py, which renders the tunes with
# abc2midi + fluidsynth (cached in /tmp/sonance-accuracy-cache), analyses them and prints
# the table; results go to bench/results/accuracy.json unless --out says otherwise.
set -euo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
data="$1"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD_DIR:-$root/build-bench}"

for tool in cmake ninja abc2midi fluidsynth python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (run scripts/setup.sh)" >&2; exit 2; }
done

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# The CLI may not build while it is being written; the probe is enough for tempo and meter.
cmake --build "$build" --target sonance -j2 >/dev/null 2>&1 || true
cmake --build "$build" --target rhythm_probe -j2 >/dev/null

args=(--probe "$build/bench/accuracy/rhythm_probe")
[[ -x "$build/sonance" ]] && args+=(--sonance "$build/sonance")
exec python3 "$here/accuracy.py" "$data" "${args[@]}" "$@"
