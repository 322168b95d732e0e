#!/usr/bin/env python3
"""Prints the serving benchmark's table (markdown) from run.sh's runs.jsonl.

    summarize.py runs.jsonl [machine.txt]

One row per endpoint and server: requests/s, p50 and p99 latency, errors (non-2xx responses
plus socket errors), for Sonance the RSS at the start and end of the 30 s run (and its peak),
and where the machine's CPU went during the run, in cores: the server (with its worker
processes), wrk, and every other process (the machine is shared; "others" well above zero
means someone else took CPU from the run). Then each target of the load test per endpoint: throughput at least 20x the better
FastAPI configuration, p99 under 5 ms, zero errors, no memory growth (RSS at the end within
2 MiB of the RSS at the start of the run).
"""

import json
import sys

ENDPOINTS = {
    "features": "/v1/audio-features/{id}",
    "track_data": "/get_track_data",
    "search": "/v1/search",
}
SERVER_NAMES = {
    "sonance": "Sonance",
    "sonance-nolog": "Sonance, file log off",
    "fastapi-w1": "FastAPI, 1 worker",
    "fastapi-w2": "FastAPI, 2 workers",
}
GROWTH_LIMIT_KB = 2048


def cpu_text(r):
    c = r.get("cpu_cores")
    return f"{c['server']:.2f} / {c['wrk']:.2f} / {c['others']:.2f}" if c else ""


def errors(r):
    return r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]


def ms(us):
    return f"{us / 1000:.2f} ms"


def mib(kb):
    return f"{kb / 1024:.1f}"


def main():
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    if len(sys.argv) > 2:
        print("```")
        print(open(sys.argv[2]).read().rstrip())
        print("```\n")
    print("| endpoint | server | req/s | p50 | p99 | errors | RSS start -> end (peak), MiB "
          "| CPU cores: server / wrk / others |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    for key, route in ENDPOINTS.items():
        for r in runs:
            if r["endpoint"] != key:
                continue
            rss = r.get("rss_samples_kb") or []
            rss_text = (f"{mib(rss[0])} -> {mib(rss[-1])} ({mib(max(rss))})" if rss else "")
            print(f"| `{route}` | {SERVER_NAMES.get(r['server'], r['server'])} | "
                  f"{r['rps']:,.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | {errors(r)} | "
                  f"{rss_text} | {cpu_text(r)} |")
    print()
    print("| endpoint | Sonance / best FastAPI | p99 < 5 ms | zero errors | RSS growth |")
    print("|---|---:|---|---|---|")
    for key, route in ENDPOINTS.items():
        son = next((r for r in runs if r["endpoint"] == key and r["server"] == "sonance"), None)
        fast = [r for r in runs if r["endpoint"] == key and r["server"].startswith("fastapi")]
        if son is None:
            continue
        ratio = ""
        if fast:
            best = max(fast, key=lambda r: r["rps"])
            x = son["rps"] / best["rps"] if best["rps"] > 0 else float("inf")
            ratio = f"{x:,.1f}x ({'met' if x >= 20 else 'missed'})"
        p99 = son["p99_us"] / 1000
        rss = son.get("rss_samples_kb") or []
        growth = rss[-1] - rss[0] if rss else 0
        print(f"| `{route}` | {ratio} | {p99:.2f} ms ({'met' if p99 < 5 else 'missed'}) | "
              f"{errors(son)} ({'met' if errors(son) == 0 else 'missed'}) | "
              f"{growth / 1024:+.1f} MiB ({'met' if growth <= GROWTH_LIMIT_KB else 'missed'}) |")


if __name__ == "__main__":
    main()
