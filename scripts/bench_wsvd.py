#!/usr/bin/env python3
"""Reference NumPy/SciPy WSVD timings, to compare with `cargo bench --bench wsvd` in one sitting.

Same algorithm as the Rust bench's `wsvd_30s/table3_*`: 30 s at 44.1 kHz (the first 30 s of
orchestra_60s.wav), white noise at 24 dB, non-overlapping windows w = 1000 (Hankel 500 x 501),
rank r = ceil(0.1 * q) = 51, the paper's mapping (first column, then last row). Per window:
  - exact:   numpy.linalg.svd (full thin SVD) then truncate;
  - gkl:     NumPy Golub-Kahan-Lanczos, k = 3r steps, full reorthogonalization (CGS2), SVD of
             the small bidiagonal; Hankel products by rfft correlation;
  - svds:    scipy.sparse.linalg.svds(k=r) on a LinearOperator, timed on a short excerpt and
             extrapolated (it takes minutes on 30 s).
Also the default configuration's workload (w = 200, 50 % overlap, AIC on all singular values)
with numpy.linalg.svd per window, as seconds per second of audio.

Run (one core, as the method notes' figures): OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    python3 scripts/bench_wsvd.py [/work/shared/audio/orchestra_60s.wav] [--skip-full]
        [--seconds S] [--gkl-only]
`--seconds 5 --gkl-only` times only the GKL peer on the first 5 s (issue 11's Table 3 row:
compare with `sparsewave denoise --method wsvd --window 1000 --ratio 0.1 --junction none
--mapping paper` on the same 5 s with the same noise).
"""
import math
import sys
import time

import numpy as np
from scipy.io import wavfile
from scipy.sparse.linalg import LinearOperator, svds

FS = 44100
SECONDS = 30


def load(path, seconds=SECONDS):
    sr, d = wavfile.read(path)
    if d.ndim > 1:
        d = d[:, 0]
    x = d[: seconds * FS].astype(np.float64) / 32768.0
    rng = np.random.default_rng(1)
    e = rng.standard_normal(x.size)
    e *= math.sqrt(np.sum(x * x) / 10 ** 2.4 / np.sum(e * e))
    return x + e


def dims(w):
    p = (w + 1) // 2
    return p, w - p + 1


def hankel(x):
    p, q = dims(x.size)
    return np.lib.stride_tricks.sliding_window_view(x, q)[:p]


def paper_map(u, s, v):
    hr0 = (u * s) @ v[0]          # first column
    last = (u[-1] * s) @ v.T      # last row
    return np.concatenate([hr0, last[1:]])


def window_exact(x, r):
    u, s, vt = np.linalg.svd(hankel(x), full_matrices=False)
    return paper_map(u[:, :r], s[:r], vt[:r].T)


class HankelFFT:
    def __init__(self, x):
        self.w = x.size
        self.p, self.q = dims(x.size)
        self.X = np.fft.rfft(x)

    def mv(self, v):
        v = np.ravel(v)
        return np.fft.irfft(self.X * np.conj(np.fft.rfft(v, self.w)), self.w)[: self.p]

    def rmv(self, u):
        u = np.ravel(u)
        return np.fft.irfft(self.X * np.conj(np.fft.rfft(u, self.w)), self.w)[: self.q]


def gkl(op, r, k):
    p, q = op.p, op.q
    U = np.zeros((p, k))
    V = np.zeros((q, k + 1))
    alpha = np.zeros(k)
    beta = np.zeros(k + 1)
    v = np.random.default_rng(0).random(q) - 0.5
    V[:, 0] = v / np.linalg.norm(v)
    for j in range(k):
        u = op.mv(V[:, j]) - (beta[j] * U[:, j - 1] if j > 0 else 0.0)
        for _ in range(2):
            u -= U[:, :j] @ (U[:, :j].T @ u)
        alpha[j] = np.linalg.norm(u)
        U[:, j] = u / alpha[j]
        v = op.rmv(U[:, j]) - alpha[j] * V[:, j]
        for _ in range(2):
            v -= V[:, : j + 1] @ (V[:, : j + 1].T @ v)
        beta[j + 1] = np.linalg.norm(v)
        V[:, j + 1] = v / beta[j + 1]
    B = np.diag(alpha) + np.diag(beta[1:k], 1)
    x, s, yt = np.linalg.svd(B)
    return U @ x[:, :r], s[:r], V[:, :k] @ yt[:r].T


def window_gkl(x, r):
    u, s, v = gkl(HankelFFT(x), r, 3 * r)
    return paper_map(u, s, v)


def window_svds(x, r):
    op = HankelFFT(x)
    lo = LinearOperator((op.p, op.q), matvec=op.mv, rmatvec=op.rmv, dtype=np.float64)
    u, s, vt = svds(lo, k=r)
    return paper_map(u, s, vt.T)


def run(x, w, ratio, window_fn):
    p, q = dims(w)
    r = math.ceil(ratio * q)
    y = np.empty_like(x)
    for s in range(0, x.size, w):
        seg = x[s : s + w]
        if seg.size == w:
            y[s : s + w] = window_fn(seg, r)
        else:
            pp, qq = dims(seg.size)
            y[s:] = window_exact(seg, min(math.ceil(ratio * qq), pp))
    return y


def aic_rank(s, n):
    lam = s * s
    m = lam.size
    best, arg = np.inf, 0
    for k in range(m):
        t = lam[k:]
        g = np.exp(np.mean(np.log(t)))
        a = np.mean(t)
        score = -2 * n * (m - k) * np.log(g / a) + 2 * k * (2 * m - k)
        if score < best:
            best, arg = score, k
    return max(arg, 1)


def default_workload(x):
    """w = 200, 50 % overlap, AIC: one full SVD per window (what the Rust default does)."""
    w, hop = 200, 100
    for s in range(0, x.size - w + 1, hop):
        u, sv, vt = np.linalg.svd(hankel(x[s : s + w]), full_matrices=False)
        aic_rank(sv, 101)


def timed(label, fn):
    t = time.perf_counter()
    fn()
    dt = time.perf_counter() - t
    print(f"{label}: {dt:.2f} s", flush=True)
    return dt


def main():
    argv = sys.argv[1:]
    seconds = SECONDS
    if "--seconds" in argv:
        i = argv.index("--seconds")
        seconds = int(argv[i + 1])
        del argv[i : i + 2]
    args = [a for a in argv if not a.startswith("--")]
    x = load(args[0] if args else "/work/shared/audio/orchestra_60s.wav", seconds)
    if "--gkl-only" in argv:
        timed(f"gkl (k=3r) {seconds} s", lambda: run(x, 1000, 0.1, window_gkl))
        return
    if "--skip-full" not in sys.argv:
        timed("gkl (k=3r) 30 s", lambda: run(x, 1000, 0.1, window_gkl))
        timed("exact numpy svd 30 s", lambda: run(x, 1000, 0.1, window_exact))
    short = x[: 2 * FS]
    dt = timed("svds 2 s excerpt", lambda: run(short, 1000, 0.1, window_svds))
    print(f"svds extrapolated to 30 s: {dt * SECONDS / 2:.0f} s")
    dt = timed("default workload (w=200, overlap, AIC) 5 s excerpt", lambda: default_workload(x[: 5 * FS]))
    print(f"default workload: {dt / 5:.4f} s per second of audio")


if __name__ == "__main__":
    main()
