#!/usr/bin/python3
"""A generated listening history for the stream-count benchmark: Spotify's account-data
export format (StreamingHistory0.json), over the tracks of a Sonance catalog, where how often a
track is streamed depends on its features (a hidden taste the model should learn):

    rate = 12 * danceability^2 + 10 * energy * (1 - acousticness) + 6 * (valence > 0.5) - 2
    streams ~ Poisson(max(rate, 0.3)), each a play of 30-240 s, plus skips (< 30 s)

    /usr/bin/python3 bench/predict/gen_history.py CATALOG.db OUT_DIR [--seed 7]
"""
import argparse
import datetime
import json
import os
import random
import sqlite3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("catalog")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    db = sqlite3.connect(a.catalog)
    rows = db.execute(
        "SELECT t.title, (SELECT name FROM track_artists x WHERE x.track_rowid = t.track_rowid "
        "ORDER BY position LIMIT 1), f.danceability, f.energy, f.acousticness, f.valence "
        "FROM tracks t JOIN audio_features f USING (track_rowid)").fetchall()
    t0 = datetime.datetime(2024, 1, 1)
    plays, minute = [], 0
    for title, artist, dance, energy, acoustic, valence in rows:
        if artist is None:
            continue
        rate = 12 * dance ** 2 + 10 * energy * (1 - acoustic) + 6 * (valence > 0.5) - 2
        lam, n, p = max(rate, 0.3), 0, 1.0
        limit = pow(2.718281828, -lam)
        while True:  # Knuth's Poisson sampler
            p *= rng.random()
            if p <= limit:
                break
            n += 1
        for _ in range(n):
            minute += 7
            plays.append({"endTime": (t0 + datetime.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M"),
                          "artistName": artist, "trackName": title,
                          "msPlayed": rng.randint(30000, 240000)})
        for _ in range(rng.randint(0, 2)):
            minute += 7
            plays.append({"endTime": (t0 + datetime.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M"),
                          "artistName": artist, "trackName": title,
                          "msPlayed": rng.randint(1000, 29000)})
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "StreamingHistory0.json"), "w") as f:
        json.dump(plays, f, ensure_ascii=False)
    print(f"{len(plays)} plays of {len(rows)} tracks -> {a.out}/StreamingHistory0.json")


if __name__ == "__main__":
    main()
