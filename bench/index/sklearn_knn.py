#!/usr/bin/env python3
"""The reference for the index benchmark: scikit-learn's NearestNeighbors (manhattan), as the
original playlist generator used it, on the vectors index_bench wrote.

    sklearn_knn.py DIR [--queries N]

Reads DIR/vectors.f32 (row-major float32), DIR/meta.json and DIR/queries.txt (query row, then
the exact neighbours FAISS Flat found), fits NearestNeighbors(metric="manhattan") and asks the
same queries one at a time (k+1 neighbours, the query itself excluded), on one thread.
Prints one JSON line with the fit time, p50/p99 latency and the agreement with FAISS's
exact neighbours (which must be 1.0 up to ties).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from sklearn.neighbors import NearestNeighbors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--queries", type=int, default=0, help="ask only the first N (0 = all)")
    ap.add_argument("--algorithm", default="auto")
    a = ap.parse_args()
    meta = json.load(open(os.path.join(a.dir, "meta.json")))
    n, d, k = meta["tracks"], meta["dims"], meta["k"]
    x = np.fromfile(os.path.join(a.dir, "vectors.f32"), dtype=np.float32).reshape(n, d)
    queries = [list(map(int, l.split())) for l in open(os.path.join(a.dir, "queries.txt"))]
    if a.queries:
        queries = queries[: a.queries]
    t0 = time.perf_counter()
    nn = NearestNeighbors(n_neighbors=k + 1, metric="manhattan", algorithm=a.algorithm, n_jobs=1)
    nn.fit(x)
    fit_s = time.perf_counter() - t0
    lat = []
    agree = 0.0
    for q in queries:
        row, exact = q[0], q[1:]
        t = time.perf_counter()
        _, idx = nn.kneighbors(x[row : row + 1], n_neighbors=k + 1)
        lat.append((time.perf_counter() - t) * 1000.0)
        found = [i for i in idx[0].tolist() if i != row][:k]
        agree += len(set(found) & set(exact)) / max(1, len(exact))
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * (len(lat) - 1) + 0.5))]

    import sklearn

    print(json.dumps({
        "factory": "sklearn NearestNeighbors(manhattan, %s)" % nn._fit_method,
        "sklearn": sklearn.__version__,
        "tracks": n,
        "dims": d,
        "build_s": round(fit_s, 3),
        "queries": len(queries),
        "p50_ms": round(pct(0.50), 4),
        "p99_ms": round(pct(0.99), 4),
        "mean_ms": round(sum(lat) / len(lat), 4),
        "agreement_with_faiss_flat": round(agree / len(queries), 4),
    }))


if __name__ == "__main__":
    sys.exit(main())
