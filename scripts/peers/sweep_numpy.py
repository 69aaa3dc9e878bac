#!/usr/bin/env python3
"""scripts/bench_sweep.py's three sweeps (PGBZ, the paper's STFT, DWT db5; 10 keep levels each),
timed in-process as medians, for scripts/bench_vs_peers.sh.

    python3 scripts/peers/sweep_numpy.py IN [--lattice MxN] [--runs 3]

With --lattice, PGBZ runs on that lattice (the one the library's sweep uses, as
`sparsewave compress --json` reports it) instead of bench_sweep's smallest odd square. Prints one
JSON object: per method the median seconds (plan + analysis + ranking + ten syntheses, as
bench_sweep times them) and each run's seconds.
"""
import argparse
import functools
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_sweep  # noqa: E402
from pgbz_numpy import LatticePgbz, parse_lattice  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wav")
    ap.add_argument("--lattice", help="MxN, as the CLI's JSON reports it")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if args.lattice:
        m, n = parse_lattice(args.lattice)
        # sweep_pgbz builds its plan as Pgbz(len(x)): make that the given lattice's plan.
        bench_sweep.Pgbz = functools.partial(LatticePgbz, m=m, n=n)
    x = bench_sweep.read_wav(args.wav)
    out = {}
    for name, sweep in [("pgbz", bench_sweep.sweep_pgbz), ("stft", bench_sweep.sweep_stft),
                        ("dwt", bench_sweep.sweep_dwt)]:
        times = [sweep(x)[0] for _ in range(args.runs)]
        out[name] = {"seconds": statistics.median(times), "runs": times}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
