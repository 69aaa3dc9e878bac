#!/usr/bin/env python3
"""The NumPy peer of `sparsewave compress IN --method pgbz --keep F --no-refit`, timed in-process.

    python3 scripts/peers/pgbz_numpy.py IN --keep 0.04 --lattice 1627x1627 [--runs 5]

Channel 0 only (the benchmark's input is mono). One run = what the CLI's "seconds" field times:
plan (the window pgauss(L, 1) and its Zak transform on the M×N lattice) + Zak analysis + ranking
(magnitude descending, ties by index) + the longest prefix fitting K = round(F·L0) real numbers +
synthesis. The transforms and the ranking are scripts/bench_sweep.py's (`Pgbz`, `Ranking`); the
plan is built here for the lattice the CLI reports (--lattice, "M×N"), which may differ from
bench_sweep's smallest odd square. Prints one JSON object: the median seconds over --runs, each
run's seconds, the lattice and the SNR of the result against the input (power dB), to compare with
the CLI's.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from bench_sweep import Pgbz, Ranking, read_wav  # noqa: E402


class LatticePgbz(Pgbz):
    """bench_sweep's Zak-domain PGBZ on a given odd M×N lattice (M frequency channels, N time
    positions, M·N ≥ signal length)."""

    def __init__(self, signal_len, m, n):  # pylint: disable=super-init-not-called
        self.m, self.n, self.signal_len = m, n, signal_len
        L = m * n
        l = np.arange(L, dtype=float)
        tfr = m / n  # LTFAT's pgauss(L, M/N), as the library's Pgbz::with_lattice
        g = sum(np.exp(-np.pi * (l + q * L) ** 2 / (tfr * L)) for q in range(-2, 3))
        g /= np.linalg.norm(g)
        self.zg_conj = np.fft.rfft(g.reshape(n, m), axis=0).conj()


def parse_lattice(text):
    """"MxN" (or "M×N") → (M, N)."""
    m, n = (int(v) for v in text.lower().replace("×", "x").split("x"))
    return m, n


def compress(x, keep, m, n):
    plan = LatticePgbz(len(x), m, n)
    c = plan.analyze(x)
    flat = c.reshape(-1)
    keep_mask, _ = Ranking(np.abs(flat), plan.costs(c)).mask(keep, len(x))
    return plan.synthesize(np.where(keep_mask, flat, 0).reshape(c.shape))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wav")
    ap.add_argument("--keep", type=float, default=0.04)
    ap.add_argument("--lattice", required=True, help="MxN, as the CLI's JSON reports it")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    m, n = parse_lattice(args.lattice)
    x = read_wav(args.wav)
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        y = compress(x, args.keep, m, n)
        times.append(time.perf_counter() - t0)
    snr = 10 * np.log10(np.dot(x, x) / np.sum((x - y) ** 2))
    print(json.dumps({"seconds": statistics.median(times), "runs": times,
                      "lattice": [m, n], "snr_db": float(snr)}))


if __name__ == "__main__":
    main()
