#!/usr/bin/python3
"""Reference for `sonance model train`: scikit-learn's GradientBoostingRegressor (Debian's
python3-sklearn) on the very rows and folds Sonance used (`sonance model train --export-csv`).

    /usr/bin/python3 bench/predict/sklearn_gbr.py TRAINING.csv [--json OUT]

Missing values (empty fields) are imputed with the training fold's median, as
GradientBoostingRegressor does not take NaN. Prints MAE, RMSE and R^2, mean over folds.
"""
import argparse
import csv
import json
import math

import numpy as np
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--json")
    args = ap.parse_args()
    with open(args.csv, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    folds = np.array([int(r[1]) for r in body])
    y = np.array([float(r[3]) for r in body])
    x = np.array([[float(v) if v != "" else math.nan for v in r[4:]] for r in body])
    metrics = []
    for k in sorted(set(folds)):
        train, test = folds != k, folds == k
        med = np.nanmedian(x[train], axis=0)
        med = np.where(np.isnan(med), 0.0, med)
        xtr = np.where(np.isnan(x[train]), med, x[train])
        xte = np.where(np.isnan(x[test]), med, x[test])
        model = GradientBoostingRegressor(n_estimators=300, learning_rate=0.05, max_depth=4,
                                          subsample=0.8, random_state=42)
        model.fit(xtr, y[train])
        p = model.predict(xte)
        metrics.append((mean_absolute_error(y[test], p),
                        math.sqrt(mean_squared_error(y[test], p)), r2_score(y[test], p)))
    mae, rmse, r2 = (float(np.mean([m[i] for m in metrics])) for i in range(3))
    print(f"sklearn GradientBoostingRegressor: {len(body)} rows, {len(set(folds))} folds: "
          f"MAE {mae:.4f}  RMSE {rmse:.4f}  R^2 {r2:.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": len(body), "folds": len(set(folds)), "mae": mae, "rmse": rmse,
                       "r2": r2}, f, indent=2)


if __name__ == "__main__":
    main()
