#!/usr/bin/env python3
"""Golden data for tests/wsvd.rs.

Re-run from the repository root (needs NumPy and SciPy, and the shared audio folder):

    python3 tests/data/wsvd/make_golden.py /work/shared/audio/speech_3s.wav

Writes, next to this script:
- speech_excerpt.json: 4096 int16 samples of speech_3s.wav (alsa-utils: Front_Right.wav +
  Side_Right.wav resampled to 44.1 kHz; GNU GPL version 2 or later), taken from the most
  energetic 4096-sample stretch (start offset recorded in the file);
- gaussian_golden.json: scipy.ndimage.gaussian_filter1d(x, sigma) (truncate 4.0, mode
  'reflect') for seeded random inputs, including a signal shorter than the kernel radius.
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy.io import wavfile
from scipy.ndimage import gaussian_filter1d

HERE = os.path.dirname(os.path.abspath(__file__))
EXCERPT = 4096


def speech_excerpt(path):
    sr, data = wavfile.read(path)
    assert data.dtype == np.int16 and data.ndim == 1
    energy = np.convolve(data.astype(np.float64) ** 2, np.ones(EXCERPT), mode="valid")
    start = int(np.argmax(energy[::512]) * 512)
    return {
        "source": "speech_3s.wav (alsa-utils: Front_Right.wav + Side_Right.wav, resampled 48 kHz "
        "to 44.1 kHz), GNU GPL version 2 or later",
        "sample_rate": int(sr),
        "start": start,
        "samples": [int(v) for v in data[start:start + EXCERPT]],
    }


def gaussian_cases():
    rng = np.random.default_rng(20240611)
    cases = []
    for n, sigma in [(257, 0.5), (257, 1.0), (257, 2.0), (300, 3.7), (1000, 12.25), (20, 10.0), (7, 2.0), (1, 1.5)]:
        x = rng.standard_normal(n)
        y = gaussian_filter1d(x, sigma)  # truncate=4.0, mode='reflect' are SciPy's defaults
        cases.append({"sigma": sigma, "x": [float(v) for v in x], "y": [float(v) for v in y]})
    return {"scipy": scipy.__version__, "cases": cases}


def main():
    audio = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/audio/speech_3s.wav"
    with open(os.path.join(HERE, "speech_excerpt.json"), "w") as f:
        json.dump(speech_excerpt(audio), f)
    with open(os.path.join(HERE, "gaussian_golden.json"), "w") as f:
        json.dump(gaussian_cases(), f)


if __name__ == "__main__":
    main()
