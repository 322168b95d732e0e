#!/usr/bin/env bash
# Speed and memory of the full analysis (decoding included) on a real collection.
#
#   bench/speed/run.sh [MUSIC_FOLDER] [OUT_DIR]
#
# MUSIC_FOLDER defaults to the Ogg Vorbis soundtrack of Debian's wesnoth-1.16-music.
# Measures, with GNU time, `sonance analyze --jobs 1` and `--jobs 2` into fresh catalogs
# (wall time, CPU time, peak RSS), the real-time factor per core (audio seconds / CPU
# seconds), the jobs-2 speed-up, and the peak memory of `sonance features` on a ten-minute
# file made by concatenating tracks of the collection. Prints a table and writes
# OUT_DIR/speed.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
music=${1:-/usr/share/games/wesnoth/1.16/data/core/music}
out=${2:-$root/bench/results}
mkdir -p "$out"
bash "$root/scripts/setup.sh" >/dev/null
bash "$root/scripts/build.sh" "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DSONANCE_BUILD_TESTS=OFF >/dev/null
sonance="$root/build-release/sonance"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() {  # measure NAME CMD... -> writes $work/NAME.time
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" >/dev/null 2>"$work/$name.log" || {
    local rc=$?; if [ $rc -ne 3 ]; then cat "$work/$name.log"; exit $rc; fi; }
}

measure jobs1 "$sonance" analyze "$music" --jobs 1 --quiet --catalog "$work/j1.db"
measure jobs2 "$sonance" analyze "$music" --jobs 2 --quiet --catalog "$work/j2.db"
audio_ms=$("$sonance" tracks --json --catalog "$work/j1.db" |
  python3 -c 'import json,sys; print(sum(t["duration_ms"] for t in json.load(sys.stdin) if t["state"]=="analyzed"))')
count=$("$sonance" tracks --json --catalog "$work/j1.db" |
  python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin) if t["state"]=="analyzed"))')

# A ten-minute file from the collection's own audio.
find "$music" -maxdepth 1 -type f \( -name '*.ogg' -o -name '*.mp3' -o -name '*.flac' \) | sort | head -n 8 |
  sed "s/'/'\\\\''/g; s/^/file '/; s/$/'/" > "$work/list.txt"
ffmpeg -loglevel fatal -f concat -safe 0 -i "$work/list.txt" -t 600 -c:a libvorbis -q:a 4 "$work/ten.ogg"
measure ten "$sonance" features "$work/ten.ogg"

python3 - "$work" "$audio_ms" "$count" "$out/speed.json" <<'PY'
import json, os, platform, subprocess, sys
work, audio_ms, count, dest = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def t(name):
    e, u, s, m = open(os.path.join(work, name + ".time")).read().split()
    return {"wall_s": float(e), "cpu_s": float(u) + float(s), "peak_rss_mb": int(m) / 1024}
j1, j2, ten = t("jobs1"), t("jobs2"), t("ten")
audio_s = audio_ms / 1000
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
r = {
    "machine": {"cpu": cpu_model, "cores": os.cpu_count(), "kernel": platform.release()},
    "tracks": count, "audio_seconds": round(audio_s, 1),
    "jobs1": j1, "jobs2": j2,
    "realtime_per_core_jobs1": round(audio_s / j1["cpu_s"], 1),
    "realtime_wall_jobs1": round(audio_s / j1["wall_s"], 1),
    "realtime_wall_jobs2": round(audio_s / j2["wall_s"], 1),
    "speedup_jobs2": round(j1["wall_s"] / j2["wall_s"], 2),
    "ten_minute_file": ten,
}
json.dump(r, open(dest, "w"), indent=2)
print(f"machine: {cpu_model}, {os.cpu_count()} cores")
print(f"collection: {count} tracks, {audio_s/60:.1f} min of audio")
print("| run | wall s | CPU s | peak RSS MB | x real time |")
print("|---|---|---|---|---|")
print(f"| --jobs 1 | {j1['wall_s']:.1f} | {j1['cpu_s']:.1f} | {j1['peak_rss_mb']:.0f} | {audio_s/j1['wall_s']:.0f} wall, {audio_s/j1['cpu_s']:.0f} per core |")
print(f"| --jobs 2 | {j2['wall_s']:.1f} | {j2['cpu_s']:.1f} | {j2['peak_rss_mb']:.0f} | {audio_s/j2['wall_s']:.0f} wall |")
print(f"| features, 10-min file | {ten['wall_s']:.1f} | {ten['cpu_s']:.1f} | {ten['peak_rss_mb']:.0f} | {600/ten['cpu_s']:.0f} per core |")
print(f"speed-up with 2 jobs: {r['speedup_jobs2']}x")
PY
