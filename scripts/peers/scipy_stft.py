#!/usr/bin/env python3
"""SciPy's STFT + inverse STFT (n_fft 2048, hop 512, Hann, centred with zero padding) of a
recording's first channel, timed in-process: the reference beside the library's STFT bench.

    python3 scripts/peers/scipy_stft.py IN [--runs 5]

Prints one JSON object: the median seconds of scipy.signal.stft + scipy.signal.istft over --runs
and each run's seconds.
"""
import json
import statistics
import sys
import time

import scipy.signal as ss
import soundfile as sf

N_FFT, HOP = 2048, 512


def main():
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    x = sf.read(sys.argv[1], dtype="float64", always_2d=True)[0][:, 0].copy()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        _, _, z = ss.stft(x, nperseg=N_FFT, noverlap=N_FFT - HOP, window="hann")
        ss.istft(z, nperseg=N_FFT, noverlap=N_FFT - HOP, window="hann")
        times.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": statistics.median(times), "runs": times}))


if __name__ == "__main__":
    main()
