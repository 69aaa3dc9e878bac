#!/usr/bin/env python3
"""PyWavelets peer of `sparsewave compress IN -o OUT --method dwt --wavelet db5 --level 10 --keep 4%`."""
import sys

import numpy as np
import pywt
import soundfile as sf

x, rate = sf.read(sys.argv[1], dtype="float64", always_2d=True)
out = np.empty_like(x)
for c in range(x.shape[1]):
    coefs = pywt.wavedec(x[:, c], "db5", mode="periodization", level=10)
    flat, slices = pywt.coeffs_to_array(coefs)
    drop = flat.size - round(0.04 * x.shape[0])  # keep the 4 % largest |c|
    flat[np.argpartition(np.abs(flat), drop)[:drop]] = 0.0
    kept = pywt.array_to_coeffs(flat, slices, output_format="wavedec")
    out[:, c] = pywt.waverec(kept, "db5", mode="periodization")[: x.shape[0]]
sf.write(sys.argv[2], np.clip(out, -1.0, 1.0), rate, subtype="PCM_16")
