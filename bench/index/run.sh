#!/usr/bin/env bash
# Index benchmark: FAISS exact and approximate indexes over feature-pipeline vectors of
# generated catalogs of 100,000 and 1,000,000 tracks, and scikit-learn's NearestNeighbors
# (manhattan) on the same vectors and queries. See docs/BENCHMARKS.md, "Vector index".
#
#   bench/index/run.sh [SIZES...]      default: 100000 1000000
#
# Environment: INDEX_QUERIES (1000), SKLEARN_QUERIES (200; brute force is slow at 1M),
# INDEX_FACTORIES ("Flat;HNSW32;HNSW16"; the first must be Flat: it is the exact truth; IVF needs the L2 metric in FAISS 1.7.3, so it is not used with L1).
# Raw outputs go to bench/results/index/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
results="$root/bench/results/index"
mkdir -p "$results"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
queries=${INDEX_QUERIES:-1000}
sk_queries=${SKLEARN_QUERIES:-200}
factories=${INDEX_FACTORIES:-Flat;HNSW32;HNSW16}

bash "$root/scripts/build.sh" "$root/build-release" -DCMAKE_BUILD_TYPE=Release \
  -DSONANCE_BUILD_TESTS=OFF >/dev/null
bench="$root/build-release/bench/index/index_bench"
# One thread everywhere: the figures are per core.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc --all) cores"
  echo "faiss: $(dpkg-query -W -f='${Version}' libfaiss-dev 2>/dev/null), sklearn: $(/usr/bin/python3 -c 'import sklearn; print(sklearn.__version__)')"
} | tee "$results/machine.txt"

for n in "${sizes[@]}"; do
  dir="$results/$n"
  mkdir -p "$dir"
  echo "== $n tracks =="
  /usr/bin/time -v "$bench" --tracks "$n" --queries "$queries" --factories "$factories" \
    --out "$dir" 2>"$dir/index_bench.err" | tee "$dir/faiss.jsonl"
  grep -E "generated|Maximum resident" "$dir/index_bench.err" || true
  /usr/bin/python3 "$root/bench/index/sklearn_knn.py" "$dir" --queries "$sk_queries" |
    tee "$dir/sklearn.json"
  rm -f "$dir/vectors.f32"
done
