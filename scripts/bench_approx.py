#!/usr/bin/env python3
"""The NumPy/SciPy pipeline equivalent to `sparsewave approx --rank 20` and to STFT+iSTFT,
timed on the same file as the criterion benches (SPARSEWAVE_BENCH_AUDIO).

    python3 scripts/bench_approx.py song.wav

scipy.signal.stft (n_fft 2048, hop 512, Hann, boundary zeros) → numpy.linalg.svd (thin) of the
magnitude → rank 20 with the original phase → scipy.signal.istft. Prints the median of 5 runs.
"""
import sys
import time

import numpy as np
import scipy.io.wavfile as wavfile
import scipy.signal as ss

rate, x = wavfile.read(sys.argv[1])
x = x.astype(np.float64)
if x.ndim > 1:
    x = x[:, 0]
x /= 32768.0
x = x[:60 * rate]


def stft_istft():
    _, _, Z = ss.stft(x, nperseg=2048, noverlap=2048 - 512, window="hann")
    _, y = ss.istft(Z, nperseg=2048, noverlap=2048 - 512, window="hann")
    return y


def approx(k=20):
    _, _, Z = ss.stft(x, nperseg=2048, noverlap=2048 - 512, window="hann")
    A = np.abs(Z)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    B = np.maximum((U[:, :k] * s[:k]) @ Vt[:k], 0.0)
    _, y = ss.istft(B * np.exp(1j * np.angle(Z)), nperseg=2048, noverlap=2048 - 512, window="hann")
    return y


def median_time(f, runs=5):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


print(f"numpy {np.__version__}, scipy {__import__('scipy').__version__}, {len(x)} samples")
print(f"stft+istft   {median_time(stft_istft):.4f} s")
print(f"approx k=20  {median_time(approx):.4f} s")
