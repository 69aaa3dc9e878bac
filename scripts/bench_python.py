#!/usr/bin/env python3
"""Speed of the Python package against the libraries it replaces, in one process, on the
same arrays (not a test: a measurement; see docs/python.md for the figures).

    python3 scripts/bench_python.py [AUDIO] [--seconds S] [--runs R]

Needs, in the same environment: sparsewave (pip install ./python), PyWavelets, librosa, scipy
and noisereduce. AUDIO defaults to /work/shared/audio/orchestra_60s.wav when present, else the
bundled 4 s clip tiled; the first channel of the first S seconds (default 60) is used.

Pairs (peer / sparsewave, the median of R runs each, R = 5 by default):

- ``pywt.wavedec`` / ``sw.wavedec`` and ``pywt.waverec`` / ``sw.waverec``: db8, symmetric
  (PyWavelets' default mode) and periodization, level 10.
- ``librosa.stft`` / ``sw.stft`` and ``librosa.istft`` / ``sw.istft``: n_fft 2048, hop 512.
- the SciPy ``svds`` pipeline / ``sw.approx(rank=20)``: librosa's STFT (n_fft 2048, hop 512),
  ``scipy.sparse.linalg.svds(|S|, k=20)``, the rank-20 magnitude clipped at 0 with the
  original phase, librosa's inverse. sparsewave also measures its result (the report's
  metrics): its time includes that work.
- ``noisereduce.reduce_noise(y, sr)`` (its default, non-stationary) / ``sw.denoise(y, sr)``
  (the library's default method) on the signal with white noise at 10 dB SNR.

sparsewave uses every core (rayon) where a transform has parallel work; the peers run as they
come. The ratios printed are peer time / sparsewave time (> 1: sparsewave is faster).
"""

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import librosa
import noisereduce
import numpy as np
import pywt
import scipy
from scipy.sparse.linalg import svds

import sparsewave as sw

REPO = Path(__file__).resolve().parents[1]
DEFAULT_AUDIO = Path("/work/shared/audio/orchestra_60s.wav")
CLIP = REPO / "crates" / "sparsewave" / "tests" / "data" / "folk_4s.wav"


def median_time(f, runs):
    f()  # warm-up (plans, numba compilation, caches)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def svds_approx(x, k=20, n_fft=2048, hop=512):
    S = librosa.stft(x, n_fft=n_fft, hop_length=hop)
    A = np.abs(S)
    U, s, Vt = svds(A, k=k)
    B = np.maximum((U * s) @ Vt, 0.0)
    return librosa.istft(B * np.exp(1j * np.angle(S)), hop_length=hop, n_fft=n_fft, length=len(x))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    path = args.audio or (DEFAULT_AUDIO if DEFAULT_AUDIO.exists() else CLIP)
    x, sr = sw.load(str(path))
    x = x[0]
    want = int(args.seconds * sr)
    if len(x) < want:
        x = np.tile(x, -(-want // len(x)))
    x = np.ascontiguousarray(x[:want])
    noisy = sw.add_noise(x, sr, model="awgn", snr=10, seed=0)

    print(
        f"{path.name}: {len(x)} samples at {sr} Hz ({len(x) / sr:.1f} s), median of {args.runs} runs"
    )
    print(
        f"sparsewave {sw.__version__}, PyWavelets {pywt.__version__}, librosa {librosa.__version__}, "
        f"scipy {scipy.__version__}, noisereduce {getattr(noisereduce, '__version__', '?')}, "
        f"numpy {np.__version__}, Python {platform.python_version()}"
    )

    rows = []

    def pair(name, peer, ours, runs=args.runs):
        tp = median_time(peer, runs)
        to = median_time(ours, runs)
        rows.append((name, tp, to))
        print(
            f"{name:34s} peer {tp * 1e3:9.2f} ms   sparsewave {to * 1e3:9.2f} ms   ratio {tp / to:6.2f}x"
        )
        sys.stdout.flush()

    for mode in ["symmetric", "periodization"]:
        c_pywt = pywt.wavedec(x, "db8", mode=mode, level=10)
        c_sw = sw.wavedec(x, "db8", mode=mode, level=10)
        pair(
            f"wavedec db8 {mode}",
            lambda: pywt.wavedec(x, "db8", mode=mode, level=10),
            lambda: sw.wavedec(x, "db8", mode=mode, level=10),
        )
        pair(
            f"waverec db8 {mode}",
            lambda: pywt.waverec(c_pywt, "db8", mode=mode),
            lambda: sw.waverec(c_sw, "db8", mode=mode),
        )

    S = librosa.stft(x, n_fft=2048, hop_length=512)
    pair(
        "stft n_fft 2048 hop 512",
        lambda: librosa.stft(x, n_fft=2048, hop_length=512),
        lambda: sw.stft(x, n_fft=2048, hop=512),
    )
    pair(
        "istft n_fft 2048 hop 512",
        lambda: librosa.istft(S, hop_length=512, length=len(x)),
        lambda: sw.istft(S, hop=512, length=len(x)),
    )
    pair(
        "approx rank 20 (svds pipeline)", lambda: svds_approx(x), lambda: sw.approx(x, sr, rank=20)
    )
    pair(
        "denoise (noisereduce default)",
        lambda: noisereduce.reduce_noise(y=noisy, sr=sr),
        lambda: sw.denoise(noisy, sr),
        runs=max(1, args.runs // 2),
    )
    # Not speed, but what the time buys: SNR against the clean signal (the input had 10 dB).
    snr_nr = sw.metrics(x, noisereduce.reduce_noise(y=noisy, sr=sr), sr)["snr_db"]
    snr_sw = sw.metrics(x, sw.denoise(noisy, sr)[0], sr)["snr_db"]
    print(
        f"denoise output SNR: noisereduce {snr_nr:.2f} dB, sparsewave {snr_sw:.2f} dB (input 10 dB)"
    )

    print()
    print("| operation | peer | peer (ms) | sparsewave (ms) | ratio |")
    print("| --- | --- | ---: | ---: | ---: |")
    peers = {
        "wavedec": "pywt",
        "waverec": "pywt",
        "stft": "librosa",
        "istft": "librosa",
        "approx": "scipy svds",
        "denoise": "noisereduce",
    }
    for name, tp, to in rows:
        print(
            f"| {name} | {peers[name.split()[0]]} | {tp * 1e3:.1f} | {to * 1e3:.1f} | {tp / to:.2f}× |"
        )


if __name__ == "__main__":
    main()
