#!/usr/bin/env python3
"""Exports, from a catalog, the lists the wrk scripts draw their requests from.

    export_lists.py CATALOG OUT_DIR [--seed 20241122] [--queries 5000]

OUT_DIR/ids.txt       every track id that has audio features
OUT_DIR/names.txt     title<TAB>first artist of every track that has an artist
OUT_DIR/queries.txt   search queries: one or two words of a random track's title, so each
                      query has at least one match and common words come up as often as
                      they do in titles
"""

import argparse
import random
import sqlite3
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("catalog")
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=20241122)
    ap.add_argument("--queries", type=int, default=5000)
    args = ap.parse_args()

    db = sqlite3.connect(f"file:{args.catalog}?mode=ro", uri=True)
    ids = [r[0] for r in db.execute(
        "SELECT t.id FROM tracks t JOIN audio_features f USING (track_rowid) ORDER BY t.id")]
    names = db.execute("""
        SELECT t.title, a.name FROM tracks t
        JOIN track_artists a ON a.track_rowid = t.track_rowid AND a.position = 0
        WHERE t.title NOT LIKE '%' || char(9) || '%' ORDER BY t.id""").fetchall()
    rng = random.Random(args.seed)
    queries = []
    titles = [n[0] for n in names]
    while len(queries) < args.queries:
        words = [w for w in titles[rng.randrange(len(titles))].lower().split()
                 if w.isalpha()]
        if not words:
            continue
        start = rng.randrange(len(words))
        queries.append(" ".join(words[start:start + rng.choice((1, 2))]))

    def write(name, lines):
        with open(f"{args.out_dir}/{name}", "w", encoding="utf-8") as f:
            for line in lines:
                f.write(line + "\n")

    write("ids.txt", ids)
    write("names.txt", (f"{t}\t{a}" for t, a in names))
    write("queries.txt", queries)
    print(f"{len(ids)} ids, {len(names)} names, {len(queries)} queries", file=sys.stderr)


if __name__ == "__main__":
    main()
