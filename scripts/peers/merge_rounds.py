#!/usr/bin/env python3
"""Merge the rounds of an alternating whole-process measurement into one hyperfine export.

    python3 scripts/peers/merge_rounds.py OUT ROUND.json...

scripts/bench_vs_peers.sh runs each command once per round (the commands in turn, their order
reversed every other round), so that sparsewave and its peer meet the same load on a shared
machine instead of one running all its runs before the other. Each round is a hyperfine export
of one run per command; OUT gets, per command, every run's wall time (`times`), their median
and mean, and the means of the runs' user and system times, in hyperfine's export format (the
fields scripts/peers/render_table.py reads).
"""
import json
import statistics
import sys


def merge(paths):
    runs = {}
    for path in paths:
        with open(path) as f:
            for r in json.load(f)["results"]:
                entry = runs.setdefault(r["command"], {"times": [], "user": [], "system": []})
                entry["times"].extend(r["times"])
                entry["user"].append(r["user"])
                entry["system"].append(r["system"])
    return {
        "results": [
            {
                "command": command,
                "times": e["times"],
                "median": statistics.median(e["times"]),
                "mean": statistics.fmean(e["times"]),
                "user": statistics.fmean(e["user"]),
                "system": statistics.fmean(e["system"]),
            }
            for command, e in runs.items()
        ]
    }


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    merged = merge(sys.argv[2:])
    with open(sys.argv[1], "w") as f:
        json.dump(merged, f, indent=1)


if __name__ == "__main__":
    main()
