#!/usr/bin/env bash
# Serving load benchmark: `sonance serve` against a minimal FastAPI + uvicorn app over the same
# catalog file, with wrk on loopback. See docs/BENCHMARKS.md, "Serving load".
#
#   bench/load/run.sh [CATALOG]
#
# Without CATALOG it generates a 100,000-track table in the public Spotify dataset's layout
# (bench/load/gen_catalog.py, seeded) and imports it with `sonance import tracks` once; the
# catalog is cached in $LOAD_CACHE (default /tmp/sonance-load).
#
# For each endpoint (/v1/audio-features/{id}, /get_track_data, /v1/search) and each server
# (Sonance with its file log on, Sonance with it off, FastAPI with 1 and 2 uvicorn workers) it
# runs a short warm-up, then `wrk -t2 -c64 -d30s --latency` with bench/load/pick.lua drawing
# random ids, names and queries from lists exported from the catalog. While Sonance is under
# load its RSS is sampled every second from /proc/PID/status. Raw outputs go to
# bench/results/load/; the table is printed at the end and kept in summary.md there.
#
# Environment: LOAD_DURATION (30s), LOAD_CONNECTIONS (64), LOAD_WRK_THREADS (2),
# LOAD_WARMUP (3s), LOAD_ENDPOINTS ("features track_data search"), LOAD_SERVERS
# ("sonance sonance-nolog fastapi-w1 fastapi-w2"), LOAD_SKIP_BUILD=1 (use build-release as is),
# LOAD_SONANCE (another sonance binary; implies no build), LOAD_CACHE (/tmp/sonance-load).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/bench/load"
results="$root/bench/results/load"
cache=${LOAD_CACHE:-/tmp/sonance-load}
duration=${LOAD_DURATION:-30s}
connections=${LOAD_CONNECTIONS:-64}
wrk_threads=${LOAD_WRK_THREADS:-2}
warmup=${LOAD_WARMUP:-3s}
endpoints=${LOAD_ENDPOINTS:-features track_data search}
servers=${LOAD_SERVERS:-sonance sonance-nolog fastapi-w1 fastapi-w2}
python=/usr/bin/python3  # Debian's, where python3-fastapi and python3-uvicorn live

for tool in wrk curl "$python"; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing; run scripts/setup.sh" >&2; exit 1; }
done
"$python" -c 'import fastapi, uvicorn' 2>/dev/null ||
  { echo "run.sh: python3-fastapi / python3-uvicorn missing; run scripts/setup.sh" >&2; exit 1; }

if [ "${LOAD_SKIP_BUILD:-0}" != "1" ] && [ -z "${LOAD_SONANCE:-}" ]; then
  bash "$root/scripts/build.sh" "$root/build-release" -DCMAKE_BUILD_TYPE=Release \
    -DSONANCE_BUILD_TESTS=OFF
fi
sonance=${LOAD_SONANCE:-$root/build-release/sonance}

mkdir -p "$results" "$cache"
find "$results" -maxdepth 1 -type f -delete  # the previous run's outputs
if [ $# -ge 1 ]; then
  catalog=$(realpath "$1")
else
  catalog="$cache/catalog-100k.db"
  if [ ! -f "$catalog" ]; then
    echo "== generating and importing a 100,000-track catalog into $catalog =="
    "$python" "$here/gen_catalog.py" "$cache/tracks-100k.csv" --tracks 100000
    "$sonance" import tracks "$cache/tracks-100k.csv" --catalog "$catalog.tmp"
    mv "$catalog.tmp" "$catalog"
  fi
fi
lists="$results/lists"
mkdir -p "$lists"
"$python" "$here/export_lists.py" "$catalog" "$lists"
list_for() {
  case $1 in
    features) echo "$lists/ids.txt" ;;
    track_data) echo "$lists/names.txt" ;;
    search) echo "$lists/queries.txt" ;;
  esac
}

# The machine, for the record.
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
  echo "memory: $(free -g | awk '/^Mem:/{print $2}') GiB"
  echo "kernel: $(uname -r)"
  echo "wrk: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "python: $("$python" --version 2>&1), fastapi $("$python" -c 'import fastapi; print(fastapi.__version__)'), uvicorn $("$python" -c 'import uvicorn; print(uvicorn.__version__)')"
  echo "uvicorn loop/http: $("$python" -c 'import importlib.util as u; print(("uvloop" if u.find_spec("uvloop") else "asyncio") + "/" + ("httptools" if u.find_spec("httptools") else "h11"))')"
  echo "catalog: $catalog ($(sqlite3 "$catalog" 'SELECT count(*) FROM tracks' 2>/dev/null || echo '?') tracks, $(du -h "$catalog" | cut -f1))"
  echo "load: wrk -t$wrk_threads -c$connections -d$duration --latency, warm-up $warmup"
} | tee "$results/machine.txt"

server_pid=""
sampler_pid=""
cleanup() {
  if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

wait_ready() {  # URL: until it answers 200, at most 60 s
  for _ in $(seq 1 600); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = "200" ]; then return 0; fi
    sleep 0.1
  done
  echo "run.sh: $1 never answered" >&2
  return 1
}

start_sonance() {  # NAME LOGFILE ("" = no file log)
  local out="$results/$1.out"
  "$sonance" serve --port 0 --catalog "$catalog" --stderr-log-level warn --log-file "$2" \
    --catalog-refresh-ms 1000 >"$out" 2>"$results/$1.err" &
  server_pid=$!
  port=""
  for _ in $(seq 1 600); do
    port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "run.sh: sonance did not start: $(cat "$results/$1.err")" >&2; exit 1; }
}

start_fastapi() {  # NAME WORKERS
  port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  SONANCE_CATALOG="$catalog" "$python" -m uvicorn fastapi_app:app --app-dir "$here" \
    --host 127.0.0.1 --port "$port" --workers "$2" --no-access-log --log-level warning \
    >"$results/$1.out" 2>"$results/$1.err" &
  server_pid=$!
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# CPU accounting in clock ticks: all busy CPU of the machine, and the server's (with its
# worker processes), so that what other processes took during a run can be reported.
busy_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
server_ticks() {
  local total=0 p
  for p in "$server_pid" $(pgrep -P "$server_pid" || true); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

run_endpoint() {  # SERVER ENDPOINT SAMPLE_RSS(0/1)
  local name=$1 endpoint=$2 sample=$3 list
  list=$(list_for "$endpoint")
  local url="http://127.0.0.1:$port"
  wrk -t"$wrk_threads" -c"$connections" -d"$warmup" -s "$here/pick.lua" "$url" -- \
    "$endpoint" "$list" >"$results/$name-$endpoint.warmup.txt" 2>&1
  local rss_file="$results/$name-$endpoint.rss"
  : >"$rss_file"
  if [ "$sample" = 1 ]; then
    (while kill -0 "$server_pid" 2>/dev/null; do rss_kb "$server_pid" >>"$rss_file"; sleep 1; done) &
    sampler_pid=$!
  fi
  echo "== $name $endpoint: wrk -t$wrk_threads -c$connections -d$duration =="
  local cpu_file="$results/$name-$endpoint.cpu"
  echo "$(busy_ticks) $(server_ticks)" >"$cpu_file"
  /usr/bin/time -f "%e %U %S" -o "$results/$name-$endpoint.wrktime" \
    wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency -s "$here/pick.lua" "$url" -- \
    "$endpoint" "$list" | tee "$results/$name-$endpoint.txt" | grep -E 'Requests/sec|RESULT'
  echo "$(busy_ticks) $(server_ticks)" >>"$cpu_file"
  if [ -n "$sampler_pid" ]; then
    rss_kb "$server_pid" >>"$rss_file"
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
  fi
  "$python" - "$name" "$endpoint" "$results/$name-$endpoint.txt" "$rss_file" "$cpu_file" \
    "$results/$name-$endpoint.wrktime" "$(getconf CLK_TCK)" >>"$results/runs.jsonl" <<'PY'
import json, sys
name, endpoint, out, rss, cpu, wrktime, hz = sys.argv[1:8]
line = next(l for l in open(out) if l.startswith("RESULT "))
r = json.loads(line[len("RESULT "):])
samples = [int(x) for x in open(rss).read().split() if x.strip().isdigit() and int(x) > 0]
(b0, s0), (b1, s1) = [tuple(int(x) for x in l.split()) for l in open(cpu).read().splitlines()]
wall, wrk_user, wrk_sys = (float(x) for x in open(wrktime).read().split()[-3:])
hz = float(hz)
server_s = (s1 - s0) / hz
others_s = max(0.0, (b1 - b0) / hz - server_s - wrk_user - wrk_sys)
r.update(server=name, endpoint=endpoint, rss_samples_kb=samples,
         cpu_cores={"server": round(server_s / wall, 2),
                    "wrk": round((wrk_user + wrk_sys) / wall, 2),
                    "others": round(others_s / wall, 2)})
print(json.dumps(r))
PY
}

for server in $servers; do
  case $server in
    sonance)
      start_sonance sonance "$results/sonance-debug.log"
      wait_ready "http://127.0.0.1:$port/api/health"
      for e in $endpoints; do run_endpoint sonance "$e" 1; done
      stop_server
      ;;
    sonance-nolog)
      start_sonance sonance-nolog ""
      wait_ready "http://127.0.0.1:$port/api/health"
      for e in $endpoints; do run_endpoint sonance-nolog "$e" 1; done
      stop_server
      ;;
    fastapi-w1 | fastapi-w2)
      start_fastapi "$server" "${server#fastapi-w}"
      wait_ready "http://127.0.0.1:$port/v1/audio-features/$(head -1 "$lists/ids.txt")"
      for e in $endpoints; do run_endpoint "$server" "$e" 0; done
      stop_server
      ;;
    *) echo "run.sh: unknown server $server" >&2; exit 2 ;;
  esac
done

"$python" "$here/summarize.py" "$results/runs.jsonl" "$results/machine.txt" | tee "$results/summary.md"
