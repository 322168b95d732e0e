#!/usr/bin/env bash
# The Sonance demo: builds Sonance, analyses real music from Debian's packages (the Ogg
# Vorbis soundtracks of wesnoth-1.16-music, 41 tracks, and singularity-music, 16 tracks) into
# an embedded catalog, shows what is in it, and serves it over HTTP until Ctrl-C.
# Safe to run twice: the second run skips every unchanged file and starts serving at once.
#   scripts/demo.sh [MUSIC_FOLDER...]
# Environment: SONANCE_DEMO_PORT (default 8080), SONANCE_DEMO_SERVE=0 to stop after analysing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DSONANCE_BUILD_TESTS=OFF

if [ $# -gt 0 ]; then
  music=("$@")
else
  music=(/usr/share/games/wesnoth/1.16/data/core/music /usr/share/games/singularity/music)
fi
catalog="$root/out/demo/catalog.db"
mkdir -p "$(dirname "$catalog")"
sonance="$root/build-release/sonance"

echo "== analysing ${music[*]} into $catalog =="
set +e
"$sonance" analyze "${music[@]}" --catalog "$catalog"
rc=$?
set -e
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then exit $rc; fi

echo "== the catalog =="
"$sonance" tracks --catalog "$catalog" --limit 10
first=$(find "${music[0]}" -name '*.ogg' | sort | head -n 1)
echo "== audio features of $first =="
"$sonance" features "$first"

id=$("$sonance" tracks --catalog "$catalog" --json --limit 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
last=$("$sonance" tracks --catalog "$catalog" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
echo "== a playlist from the first track, in harmonic order (sonance playlist) =="
"$sonance" playlist --catalog "$catalog" --seed "$id" --per-seed 5 --harmonic
echo "== k-NN playlists against random and same-genre (sonance eval playlists) =="
"$sonance" eval playlists --catalog "$catalog"

# Text semantics: the ESA index from WordNet (built once), the tracks' text vectors (from
# titles and tags: these soundtracks have no lyrics) and a soundtrack for a short story.
esa="$root/out/demo/esa.idx"
export SONANCE_ESA_INDEX="$esa"
if [ ! -s "$esa" ]; then
  echo "== building the ESA concept index from WordNet 3.0 (sonance esa build) =="
  "$sonance" esa build -o "$esa"
fi
"$sonance" esa vectorize --catalog "$catalog" --quiet
story="$root/out/demo/story.txt"
cat >"$story" <<'STORY'
The army marched through the night toward the castle. Soldiers sharpened their swords by the
fire. At dawn the battle began and the walls shook.

When it was over the survivors walked into the quiet forest. Snow fell on the old trees. They
rested by a frozen lake and remembered their home.

Years later the heir returned to the throne. The kingdom celebrated with music in the great
hall. The king looked at the stars and felt at peace.
STORY
echo "== a soundtrack for a short story (sonance soundtrack) =="
"$sonance" soundtrack "$story" --catalog "$catalog"

if [ "${SONANCE_DEMO_SERVE:-1}" = "0" ]; then exit 0; fi
port=${SONANCE_DEMO_PORT:-8080}
url="http://127.0.0.1:$port"
cat <<MSG
== serving the catalog at $url (Ctrl-C to stop) ==
Try, in another terminal:
  curl $url/api/health
  curl '$url/v1/search?q=battle&limit=3'
  curl '$url/get_track_data?track_name=main+theme'
  curl $url/v1/audio-features/$id
  curl $url/v1/audio-analysis/$id | head -c 400
  curl -X POST $url/api/playlist -d '{"seeds": ["$id"], "per_seed": 3, "order": "harmonic"}'
  curl '$url/v1/recommendations?seed_tracks=$id&limit=5&target_energy=0.8'
  curl '$url/api/path?from=$id&to=$last&steps=6'
  curl -X POST $url/generate_soundtrack -d '{"storyline": "The army marched to the castle. The battle began at dawn. Snow fell on the quiet forest."}'
  curl '$url/api/lyrics/search?q=battle+at+dawn&limit=3'
  curl $url/metrics | grep request_count
API documentation: $url/docs   (OpenAPI: $url/openapi.json)
Logs: stderr and $root/out/demo/debug.log
MSG
exec "$sonance" serve --catalog "$catalog" --port "$port" --log-file "$root/out/demo/debug.log"
