#!/usr/bin/env bash
# Text-semantics speed: ESA index load and vectorisation throughput, storyline-soundtrack
# latency (10,000 songs) and lyrics-search latency (a 100,000-track SQLite catalog), on the
# WordNet 3.0 ESA index. See docs/BENCHMARKS.md, "Text semantics speed".
#
#   bash bench/text/run.sh [BUILD_DIR] [-- TEXT_BENCH_ARGS...]    BUILD_DIR default: ./build-bench
#
# e.g. `bash bench/text/run.sh build-bench -- --tracks 20000` for a quicker run. The index is
# built once into $TEXT_BENCH_WORK (default /tmp/sonance-text-bench/esa.idx) and reused; the
# catalog is made there too and deleted at the end. Results: bench/results/text/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-bench}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
case $build in /*) ;; *) build="$root/$build" ;; esac
work=${TEXT_BENCH_WORK:-/tmp/sonance-text-bench}
wordnet=${WORDNET_DIR:-/usr/share/wordnet}
results="$root/bench/results/text"
mkdir -p "$results" "$work"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
fi
cmake --build "$build" --target text_bench sonance -j 2 >/dev/null

index="$work/esa.idx"
if [ ! -f "$index" ]; then
  "$build/sonance" esa build --wordnet "$wordnet" -o "$index"
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc --all) cores"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), $(${CXX:-c++} --version | head -1)"
  echo "build: $build ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt"))"
  echo "uptime before: $(uptime)"
} | tee "$results/machine-$stamp.txt"

/usr/bin/time -v "$build/bench/text/text_bench" --index "$index" --wordnet "$wordnet" \
  --work "$work" --json "$results/text-$stamp.json" "$@" \
  2>"$results/text-$stamp.err" | tee "$results/text-$stamp.log"
grep -E "Maximum resident|Elapsed" "$results/text-$stamp.err" || true
echo "uptime after: $(uptime)" | tee -a "$results/machine-$stamp.txt"
cp "$results/text-$stamp.json" "$results/latest.json"
echo "results: $results/text-$stamp.json"
