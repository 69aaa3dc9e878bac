#!/usr/bin/env python3
"""The NumPy peer of `sparsewave denoise IN -o OUT --method wsvd --window 1000 --ratio 0.1
--mapping paper --junction none` (the WSVD paper's Table 3 setting), as a whole process.

    python3 scripts/peers/wsvd_gkl.py IN OUT

scripts/bench_wsvd.py's algorithm per channel: non-overlapping windows w = 1000 (Hankel 500 × 501),
rank r = ⌈0.1·q⌉ = 51, Golub–Kahan–Lanczos with k = 3r steps and full reorthogonalisation,
Hankel products by rfft correlation, the paper's mapping (first column, then last row); a short
last window by a dense SVD. Read and written with soundfile in the input's sample format.
"""
import os
import sys

import numpy as np
import soundfile as sf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from bench_wsvd import run, window_gkl  # noqa: E402


def main():
    src, dst = sys.argv[1], sys.argv[2]
    info = sf.info(src)
    x, rate = sf.read(src, dtype="float64", always_2d=True)
    y = np.stack([run(x[:, c].copy(), 1000, 0.1, window_gkl) for c in range(x.shape[1])], axis=1)
    sf.write(dst, np.clip(y, -1.0, 1.0), rate, subtype=info.subtype)


if __name__ == "__main__":
    main()
