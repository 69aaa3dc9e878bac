#!/usr/bin/env python3
"""Prints the PGBZ bench ratios from criterion's median estimates (run `cargo bench --bench pgbz`
first, and `python3 scripts/pgbz_numpy_peer.py` for the NumPy peer's in-process time).

    python3 scripts/pgbz_bench_ratio.py
"""
import json
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent / "target" / "criterion" / "pgbz_60s"


def median_ms(name):
    est = json.loads((BASE / name / "new" / "estimates.json").read_text())
    return est["median"]["point_estimate"] / 1e6


rfft = median_ms("realfft_forward")
for name in ["analysis", "synthesis", "analysis_synthesis", "analysis_synthesis_paper_lattice_1627"]:
    t = median_ms(name)
    print(f"{name:32s} {t:9.2f} ms   = {t / rfft:5.2f} x realfft forward ({rfft:.2f} ms)")
t0, t5 = median_ms("refit_0_iterations"), median_ms("refit_5_iterations")
it = (t5 - t0) / 5
print(f"{'cgls_iteration':32s} {it:9.2f} ms   = {it / rfft:5.2f} x realfft forward")
plain30 = t0 + 30 * it
default = median_ms("refit_default")
print(f"{'refit plain CGLS, 30 iterations':32s} {plain30:9.2f} ms   (t0 + 30 x iteration)")
print(f"{'deflation_setup':32s} {median_ms('deflation_setup'):9.2f} ms")
print(f"{'refit_default (deflated, 8 it.)':32s} {default:9.2f} ms   = {plain30 / default:5.2f} x faster than plain 30")
peer = BASE / "numpy_peer.json"
if peer.exists():
    numpy_ms = json.loads(peer.read_text())["median_ms"]
    ours = median_ms("compress_no_refit")
    print(f"{'compress_no_refit':32s} {ours:9.2f} ms   vs NumPy peer {numpy_ms:.2f} ms = {numpy_ms / ours:5.2f} x")
