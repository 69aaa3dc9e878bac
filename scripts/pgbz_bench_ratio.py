#!/usr/bin/env python3
"""Prints the PGBZ bench ratios from criterion's median estimates (run `cargo bench --bench pgbz` first).

    python3 scripts/pgbz_bench_ratio.py
"""
import json
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent / "target" / "criterion" / "pgbz_60s"


def median_ms(name):
    est = json.loads((BASE / name / "new" / "estimates.json").read_text())
    return est["median"]["point_estimate"] / 1e6


rfft = median_ms("realfft_forward")
for name in ["analysis", "synthesis", "analysis_synthesis", "analysis_synthesis_lattice_1701"]:
    t = median_ms(name)
    print(f"{name:32s} {t:9.2f} ms   = {t / rfft:5.2f} x realfft forward ({rfft:.2f} ms)")
t0, t5 = median_ms("refit_0_iterations"), median_ms("refit_5_iterations")
it = (t5 - t0) / 5
print(f"{'cgls_iteration':32s} {it:9.2f} ms   = {it / rfft:5.2f} x realfft forward")
