#!/usr/bin/env python3
"""NumPy peer of `benches/pgbz.rs`'s `compress_no_refit`: PGBZ `compress --keep 4% --no-refit` in
process on 60 s at 44.1 kHz (plan, analysis, ranking, 4 % mask, synthesis), same lattice
(1627 x 1627), same signal model (two partials + uniform noise; the seeded values differ from
the Rust bench's, which does not change the work). NumPy's FFTs (pocketfft) run on one thread.

    python3 scripts/pgbz_numpy_peer.py [--repeat 5]

Writes the median to target/criterion/pgbz_60s/numpy_peer.json, which
`scripts/pgbz_bench_ratio.py` divides by the Rust median. The PGBZ and ranking code is the
independent implementation of `scripts/bench_sweep.py` (its SNRs agree with the library's to 5e-9 dB).
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sweep import Pgbz, Ranking  # noqa: E402

LEN = 60 * 44_100
OUT = Path(__file__).resolve().parent.parent / "target" / "criterion" / "pgbz_60s" / "numpy_peer.json"


def compress_no_refit(x):
    plan = Pgbz(len(x))
    c = plan.analyze(x)
    flat = c.reshape(-1)
    keep, _ = Ranking(np.abs(flat), plan.costs(c)).mask(0.04, len(x))
    return plan.synthesize(np.where(keep, flat, 0).reshape(c.shape))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(2025)
    t = np.arange(LEN) / 44_100.0
    x = (0.3 * np.sin(2 * np.pi * 220.0 * t) + 0.1 * np.sin(2 * np.pi * 1375.0 * t)
         + 0.05 * rng.uniform(-1.0, 1.0, LEN))
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        compress_no_refit(x)
        times.append(1e3 * (time.perf_counter() - t0))
    median = float(np.median(times))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"median_ms": median, "runs_ms": times}))
    print(f"NumPy PGBZ compress --no-refit, 60 s: median {median:.1f} ms over {args.repeat} runs")


if __name__ == "__main__":
    main()
