#!/usr/bin/python3
"""Plots one or more Ladon stats.json files into one PNG.

  scripts/plot.py -o OUT.png RUN1/stats.json [RUN2/stats.json ...]

Panels: (1) per flow, the latency distribution points the statistics hold
(min, p50, mean, p99, max) drawn as a partial CDF -- the stats file has the
quantiles, not the whole histogram, so this is not a full CDF; (2) throughput
against request size, one point per flow and run (sizes from resolved.json
next to each stats.json; runs with one size give one column); (3) link
utilisation per link direction of the first run.  Standard library and
matplotlib (Debian python3-matplotlib) only.
"""
import argparse
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SIZE_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
              "kB": 10**3, "MB": 10**6, "GB": 10**9}


def parse_size(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?) ?([A-Za-z]+)", str(text))
    if not m or m.group(2) not in SIZE_UNITS:
        return None
    return float(m.group(1)) * SIZE_UNITS[m.group(2)]


def load(path):
    stats = json.load(open(path))
    resolved = os.path.join(os.path.dirname(path) or ".", "resolved.json")
    sizes = {}
    if os.path.exists(resolved):
        for name, w in json.load(open(resolved)).get("workloads", {}).items():
            sizes[name] = parse_size(w.get("size", ""))
    return stats, sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True, help="PNG to write")
    ap.add_argument("stats", nargs="+", help="stats.json files")
    args = ap.parse_args()
    runs = [(p, *load(p)) for p in args.stats]

    fig, (ax_lat, ax_bw, ax_util) = plt.subplots(1, 3, figsize=(15, 4.5))

    drew = False
    for path, stats, _ in runs:
        for f in stats.get("flows", []):
            lat = f.get("latency_ns") or {}
            if not f.get("requests") or "p50" not in lat:
                continue
            xs = [lat["min"], lat["p50"], lat["p99"], lat["max"]]
            ax_lat.step(xs, [0.0, 0.5, 0.99, 1.0], where="post", marker="o",
                        label="%s (%s)" % (f["id"], os.path.basename(os.path.dirname(path)) or path))
            ax_lat.axvline(lat["mean"], linestyle=":", linewidth=0.8)
            drew = True
    ax_lat.set_xlabel("latency (ns)")
    ax_lat.set_ylabel("fraction of requests")
    ax_lat.set_title("latency: min, p50, p99, max (dotted: mean)")
    if drew:
        ax_lat.legend(fontsize=7)
    else:
        ax_lat.text(0.5, 0.5, "no completed requests", ha="center",
                    transform=ax_lat.transAxes)

    drew = False
    for path, stats, sizes in runs:
        for f in stats.get("flows", []):
            size = sizes.get(f["id"])
            if size and f.get("requests"):
                ax_bw.plot(size, f["throughput_gbps"], "o")
                ax_bw.annotate(f["id"], (size, f["throughput_gbps"]), fontsize=7)
                drew = True
    ax_bw.set_xscale("log", base=2)
    ax_bw.set_xlabel("request size (bytes)")
    ax_bw.set_ylabel("throughput (Gbit/s)")
    ax_bw.set_title("throughput vs request size")
    if not drew:
        ax_bw.text(0.5, 0.5, "no completed requests", ha="center",
                   transform=ax_bw.transAxes)

    stats = runs[0][1]
    names = ["%s.%s" % (l["id"], l["dir"]) for l in stats["links"]]
    util = [100.0 * l["utilization"] for l in stats["links"]]
    ax_util.barh(names, util)
    ax_util.invert_yaxis()
    ax_util.set_xlabel("utilisation (% of run time the lanes carried TLPs or DLLPs)")
    ax_util.set_title("link utilisation (first run)")

    fig.tight_layout()
    fig.savefig(args.output, dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
