"""The reference the serving benchmark compares Sonance with: a minimal FastAPI app over the
same catalog file, built the way the original Python systems were (FastAPI + uvicorn, the
sqlite3 module, one connection per thread). A benchmark reference only, not part of Sonance.

    SONANCE_CATALOG=catalog.db python3 -m uvicorn fastapi_app:app --app-dir bench/load \\
        --port 8001 --workers 2 --no-access-log

Three routes with the fields Sonance answers them with (docs/server.md):
    GET /v1/audio-features/{id}
    GET /get_track_data?track_name=&artist=
    GET /v1/search?q=&type=track&limit=&offset=

So that it is not a straw man, the app indexes what it queries: at start each worker builds, in
a SQLite file of its own (in the temp directory, removed at exit), a table of lower-cased titles
with an index and an FTS5 table over title, artists and album, and attaches it read-only to
every thread's connection. Without them a name lookup or a word search scans all tracks.
"""

import atexit
import os
import sqlite3
import tempfile
import threading

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse

CATALOG = os.path.abspath(os.environ.get("SONANCE_CATALOG", "catalog.db"))
# The index lives in a file of its own per worker process (an in-memory database shared by
# threads would serialise them on SQLite's shared-cache locks).
INDEX_DIR = os.environ.get("SONANCE_REF_INDEX_DIR", tempfile.gettempdir())

app = FastAPI(title="Sonance benchmark reference")
_local = threading.local()
_index_path = None
_index_lock = threading.Lock()

FEATURE_COLUMNS = ("danceability", "energy", "key", "loudness", "mode", "speechiness",
                   "acousticness", "instrumentalness", "liveness", "valence", "tempo",
                   "time_signature")


def _remove_index():
    if _index_path and os.path.exists(_index_path):
        os.remove(_index_path)


def _build_index():
    global _index_path
    with _index_lock:
        if _index_path is not None:
            return
        path = os.path.join(INDEX_DIR, f"sonance_ref_index_{os.getpid()}.db")
        if os.path.exists(path):
            os.remove(path)
        conn = sqlite3.connect(path)
        conn.execute(f"ATTACH DATABASE 'file:{CATALOG}?mode=ro' AS cat")
        conn.executescript("""
            PRAGMA main.journal_mode = OFF;
            CREATE TABLE names (title_key TEXT NOT NULL, track_rowid INTEGER NOT NULL);
            INSERT INTO names SELECT lower(title), track_rowid FROM cat.tracks;
            CREATE INDEX names_by_key ON names (title_key);
            CREATE VIRTUAL TABLE words USING fts5 (title, artists, album);
            INSERT INTO words (rowid, title, artists, album)
              SELECT t.track_rowid, t.title,
                     (SELECT group_concat(name, ' ') FROM cat.track_artists a
                       WHERE a.track_rowid = t.track_rowid),
                     t.album
              FROM cat.tracks t;
        """)
        conn.commit()
        conn.close()
        _index_path = path
        atexit.register(_remove_index)


def db():
    """This thread's connection: the catalog read-only, with the index attached."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        _build_index()
        conn = sqlite3.connect(f"file:{CATALOG}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        conn.execute(f"ATTACH DATABASE 'file:{_index_path}?mode=ro' AS idx")
        _local.conn = conn
    return conn


@app.on_event("startup")
def startup():
    _build_index()


def features_json(row):
    out = {c: row[c] for c in FEATURE_COLUMNS}
    tid = row["id"]
    out.update({
        "duration_ms": row["f_duration_ms"],
        "id": tid,
        "uri": f"sonance:track:{tid}",
        "track_href": f"/v1/tracks/{tid}",
        "analysis_url": f"/v1/audio-analysis/{tid}",
        "type": "audio_features",
        "features_version": row["features_version"],
    })
    return out


TRACK_SELECT = """
    SELECT t.track_rowid, t.id, t.title, t.album, t.album_artist, t.release_date, t.genre,
           t.track_number, t.isrc, t.duration_ms, t.source, t.popularity, t.is_explicit,
           f.features_version, f.danceability, f.energy, f."key", f.loudness, f.mode,
           f.speechiness, f.acousticness, f.instrumentalness, f.liveness, f.valence, f.tempo,
           f.time_signature, f.duration_ms AS f_duration_ms
    FROM tracks t LEFT JOIN audio_features f ON f.track_rowid = t.track_rowid
"""


def artists_of(conn, rowid):
    return [r[0] for r in conn.execute(
        "SELECT name FROM track_artists WHERE track_rowid = ? ORDER BY position", (rowid,))]


def error(status, message):
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


@app.get("/v1/audio-features/{track_id}")
def audio_features(track_id: str):
    row = db().execute(TRACK_SELECT + " WHERE t.id = ?", (track_id,)).fetchone()
    if row is None or row["features_version"] is None:
        return error(404, f"no track with id '{track_id}' in the catalog")
    return features_json(row)


@app.get("/get_track_data")
def get_track_data(track_name: str = Query(...), artist: str = ""):
    conn = db()
    rows = conn.execute(TRACK_SELECT + " WHERE t.track_rowid IN "
                        "(SELECT track_rowid FROM idx.names WHERE title_key = lower(?))",
                        (track_name,)).fetchall()
    for row in rows:
        artists = artists_of(conn, row["track_rowid"])
        if artist and artist.lower() not in (a.lower() for a in artists):
            continue
        return {"track_data": {
            "name": row["title"],
            "artist": artists[0] if artists else row["album_artist"],
            "artists": artists,
            "album": row["album"],
            "release_date": row["release_date"],
            "genre": row["genre"],
            "duration_ms": row["duration_ms"],
            "popularity": row["popularity"],
            "id": row["id"],
            "uri": f"sonance:track:{row['id']}",
            "source": row["source"],
            "audio_features": features_json(row) if row["features_version"] is not None else None,
        }}
    return error(404, f"no track named '{track_name}' in the catalog")


def artist_json(name):
    return {"external_urls": {}, "href": None, "id": None, "name": name, "type": "artist",
            "uri": None}


def track_json(conn, row):
    artists = artists_of(conn, row["track_rowid"])
    album_artist = row["album_artist"] or (artists[0] if artists else "")
    tid = row["id"]
    return {
        "album": {"album_type": "album", "artists": [artist_json(album_artist)],
                  "external_urls": {}, "href": None, "id": None, "images": [],
                  "name": row["album"], "release_date": row["release_date"] or None,
                  "release_date_precision": None, "type": "album", "uri": None},
        "artists": [artist_json(a) for a in artists],
        "disc_number": 1,
        "duration_ms": row["duration_ms"],
        "explicit": bool(row["is_explicit"]),
        "external_ids": {"isrc": row["isrc"]} if row["isrc"] else {},
        "external_urls": {},
        "href": f"/v1/tracks/{tid}",
        "id": tid,
        "is_local": row["source"] != "imported",
        "name": row["title"],
        "popularity": row["popularity"],
        "preview_url": None,
        "track_number": row["track_number"],
        "type": "track",
        "uri": f"sonance:track:{tid}",
        "source": row["source"],
    }


@app.get("/v1/search")
def search(q: str = Query(...), type: str = "track",
           limit: int = Query(20, ge=0, le=50), offset: int = Query(0, ge=0, le=1000)):
    if "track" not in type.split(","):
        return error(400, "Sonance searches tracks (type=track)")
    # Every word must occur (FTS5's implicit AND); words are quoted so none is an operator.
    words = [w for w in q.replace('"', " ").split() if w]
    if not words:
        return error(400, "the search query has no words to look for")
    match = " ".join('"' + w + '"' for w in words)
    conn = db()
    total = conn.execute("SELECT count(*) FROM idx.words WHERE words MATCH ?",
                         (match,)).fetchone()[0]
    rows = conn.execute(
        TRACK_SELECT + " JOIN (SELECT rowid AS r, rank FROM idx.words WHERE words MATCH ? "
        "ORDER BY rank LIMIT ? OFFSET ?) m ON m.r = t.track_rowid ORDER BY m.rank",
        (match, limit, offset)).fetchall()
    href = f"/v1/search?q={q}&type=track&offset={{}}&limit={limit}"
    return {"tracks": {
        "href": href.format(offset),
        "items": [track_json(conn, r) for r in rows],
        "limit": limit,
        "next": href.format(offset + limit) if limit and offset + limit < total else None,
        "offset": offset,
        "previous": href.format(max(0, offset - max(limit, 1))) if offset > 0 else None,
        "total": total,
    }}
