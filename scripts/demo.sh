#!/usr/bin/env bash
# The Sonance demo: builds Sonance, analyses a real music collection from Debian's packages
# (the Ogg Vorbis soundtrack of wesnoth-1.16-music, 41 tracks) into an embedded catalog, and
# shows what is in it. Safe to run twice: the second run skips every unchanged file.
#   scripts/demo.sh [MUSIC_FOLDER]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DSONANCE_BUILD_TESTS=OFF

music=${1:-/usr/share/games/wesnoth/1.16/data/core/music}
catalog="$root/out/demo/catalog.db"
mkdir -p "$(dirname "$catalog")"
sonance="$root/build-release/sonance"

echo "== analysing $music into $catalog =="
set +e
"$sonance" analyze "$music" --catalog "$catalog"
rc=$?
set -e
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then exit $rc; fi

echo "== the catalog =="
"$sonance" tracks --catalog "$catalog" --limit 15
first=$(find "$music" -name '*.ogg' | sort | head -n 1)
echo "== audio features of $first =="
"$sonance" features "$first"
