#!/usr/bin/env python3
"""Golden vectors for `interp`: SciPy's splines through the kept samples of a fixed signal.

    python3 crates/sparsewave/tests/data/make_interp_golden.py

Needs numpy and scipy; nothing here runs at test time. Writes interp_golden.json: the signal x
(403 samples), and for factors 4 and 7 the reconstruction at every sample from the kept
samples 0, R, 2R, … and the last, by np.interp (linear), scipy.interpolate.make_interp_spline
with k=2 (quadratic), CubicSpline(bc_type="natural") (cubic) and CubicSpline's default
not-a-knot condition (cubic-nak).
"""
import json
from pathlib import Path

import numpy as np
import scipy
from scipy.interpolate import CubicSpline, make_interp_spline

n = 403
i = np.arange(n)
x = np.sin(0.031 * i) + 0.4 * np.cos(0.173 * i + 0.3) + 0.05 * ((i * 7919) % 101) / 101
cases = []
for factor in (4, 7):
    sites = list(range(0, n, factor))
    if sites[-1] != n - 1:
        sites.append(n - 1)
    t = np.array(sites, dtype=float)
    v = x[sites]
    s = i.astype(float)
    cases.append({
        "factor": factor,
        "linear": np.interp(s, t, v).tolist(),
        "quadratic": make_interp_spline(t, v, k=2)(s).tolist(),
        "cubic": CubicSpline(t, v, bc_type="natural")(s).tolist(),
        "cubic-nak": CubicSpline(t, v)(s).tolist(),
    })
out = Path(__file__).resolve().parent / "interp_golden.json"
json.dump({"scipy": scipy.__version__, "x": x.tolist(), "cases": cases}, open(out, "w"))
