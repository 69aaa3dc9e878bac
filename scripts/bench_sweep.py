#!/usr/bin/env python3
"""NumPy/SciPy/PyWavelets side of benches/sweep.rs: the error-vs-kept sweep of
`sparsewave sweep FILE --methods pgbz,stft,dwt` (PGBZ, the PGBZ paper's STFT baseline, DWT db5),
implemented independently, timed per method, with the SNR of every point.

Run from the repository root:

    python3 scripts/bench_sweep.py /work/shared/audio/orchestra_60s.wav [--repeat 3]

and compare the SNRs with `sparsewave sweep FILE --methods pgbz,stft,dwt --json` (they agree to
1e-9 dB; at 100 % the DWT's 200+ dB is round-off and agrees to ~1e-7 dB) and the seconds with
`SPARSEWAVE_BENCH_AUDIO=FILE cargo bench --bench sweep`.

Same sweep as the Rust library (`compress::sweep::sweep`): per method one analysis, one ranking
(magnitude descending, ties by ascending storage index), then for each level the fair budget
K = round(f * L0) real numbers (halves away from zero), the longest prefix of the ranking whose
costs (1 for a real coefficient, 2 for a complex one that fixes its conjugate partner) fit in K,
one synthesis from the kept coefficients, and the error over the L0 input samples. Levels
100, 50, 25, 16, 12, 8, 6, 4, 3, 2 %.

- PGBZ (methods/PGBZ.md): odd square lattice M = N (smallest odd M with M^2 >= L0), window
  pgauss(L, 1), the Zak route with numpy real FFTs: analysis C = rfft_j(irfft_k(rfft_r(X) *
  conj(Zg))), synthesis y = irfft_k(rfft_n(irfft_m(C)) / conj(Zg)); half layout C[n, m],
  m = 0..(M-1)/2, cost 1 for m = 0 else 2.
- STFT (the paper's baseline, as `StftConfig::paper_baseline(1024)`): periodic Blackman-Harris
  analysis, periodic Hamming synthesis, n_fft = window = 1024, hop 128, one window of zeros at
  both ends, numpy rfft/irfft over strided frames, overlap-add by hop phase (8 disjoint
  families), divided by the overlap-added analysis x synthesis product (computed once per
  sweep, like a plan); cost 1 for DC and Nyquist else 2.
- DWT: pywt.wavedec/waverec, db5, mode periodization (the CLI default), level =
  min(pywt.dwt_max_level(L0, 10), 10) (the library's default level); cost 1.

Timed like the library's sweep: everything from the plan (window, Zg, overlap-added window
product) to the last level's error. NumPy's FFT runs on one thread; the Rust sweep uses rayon
(all cores).
"""
import argparse
import time

import numpy as np
import pywt
from scipy.io import wavfile
from scipy.signal import get_window

KEEPS = [1.0, 0.5, 0.25, 0.16, 0.12, 0.08, 0.06, 0.04, 0.03, 0.02]


def read_wav(path):
    """First channel as float64 in [-1, 1) (integer PCM divided by 2^(bits-1), as symphonia)."""
    _, x = wavfile.read(path)
    if x.ndim > 1:
        x = x[:, 0]
    if x.dtype.kind == "i":
        return x.astype(np.float64) / float(2 ** (8 * x.dtype.itemsize - 1))
    if x.dtype == np.uint8:
        return (x.astype(np.float64) - 128.0) / 128.0
    return x.astype(np.float64)


class Ranking:
    """One sort, then the kept mask for any budget by a binary search over prefix costs."""

    def __init__(self, mags, costs):
        # Stable sort of -|c|: ties keep ascending index order.
        self.order = np.argsort(-mags, kind="stable")
        self.cumulative = np.cumsum(costs[self.order], dtype=np.int64)
        self.n = len(mags)

    def mask(self, fraction, signal_len):
        budget = int(np.floor(fraction * signal_len + 0.5))
        p = int(np.searchsorted(self.cumulative, budget, side="right"))
        keep = np.zeros(self.n, dtype=bool)
        keep[self.order[:p]] = True
        return keep, int(self.cumulative[p - 1]) if p else 0


class Pgbz:
    def __init__(self, signal_len):
        s = int(np.ceil(np.sqrt(signal_len)))
        while (s - 1) ** 2 >= signal_len:
            s -= 1
        while s * s < signal_len:
            s += 1
        self.m = self.n = s if s % 2 else s + 1
        self.signal_len = signal_len
        L = self.m * self.n
        l = np.arange(L, dtype=float)
        g = sum(np.exp(-np.pi * (l + q * L) ** 2 / L) for q in range(-2, 3))
        g /= np.linalg.norm(g)
        self.zg_conj = np.fft.rfft(g.reshape(self.n, self.m), axis=0).conj()  # (N+1)/2 x M

    def analyze(self, x):
        xp = np.zeros(self.m * self.n)
        xp[: len(x)] = x
        t = np.fft.irfft(np.fft.rfft(xp.reshape(self.n, self.m), axis=0) * self.zg_conj,
                         n=self.n, axis=0)
        return np.fft.rfft(t, axis=1)  # N x Mh, time-major

    def synthesize(self, c):
        rows = np.fft.irfft(c, n=self.m, axis=1)
        y = np.fft.irfft(np.fft.rfft(rows, axis=0) / self.zg_conj, n=self.n, axis=0)
        return y.reshape(-1)[: self.signal_len]

    def costs(self, c):
        costs = np.full(c.shape, 2, dtype=np.int64)
        costs[:, 0] = 1
        return costs.reshape(-1)


class PaperStft:
    def __init__(self, signal_len, n_fft=1024):
        self.n_fft, self.hop, self.pad, self.len = n_fft, n_fft // 8, n_fft, signal_len
        self.a = get_window("blackmanharris", n_fft, fftbins=True)
        self.s = get_window("hamming", n_fft, fftbins=True)
        librosa = 1 + (signal_len + 2 * self.pad - n_fft) // self.hop
        cover = 1 + -(-max(self.pad + signal_len - n_fft, 0) // self.hop)
        self.frames = max(librosa, cover)
        # Room for whole families of 8 frames in the overlap-add.
        self.span = (-(-self.frames // 8) * 8 + 8) * self.hop + n_fft
        den = self.overlap_add(np.broadcast_to(self.a * self.s, (self.frames, n_fft)))
        den = den[self.pad: self.pad + signal_len]
        ok = den > np.finfo(float).tiny
        self.inv_den = np.where(ok, 1.0 / np.where(ok, den, 1.0), 0.0)

    def overlap_add(self, frames):
        """Frames t = q, q+8, q+16, ... tile [q*hop, ...) without overlap: add each family."""
        out = np.zeros(self.span)
        for q in range(8):
            fam = frames[q::8]
            start = q * self.hop
            out[start: start + fam.size] += fam.reshape(-1)
        return out

    def analyze(self, x):
        xp = np.zeros(self.span)
        xp[self.pad: self.pad + len(x)] = x
        win = np.lib.stride_tricks.sliding_window_view(xp, self.n_fft)[:: self.hop][: self.frames]
        return np.fft.rfft(win * self.a, axis=1)  # frames x bins, time-major

    def synthesize(self, spec):
        frames = np.fft.irfft(spec, n=self.n_fft, axis=1) * self.s
        num = self.overlap_add(frames)[self.pad: self.pad + self.len]
        return num * self.inv_den

    def costs(self, spec):
        costs = np.full(spec.shape, 2, dtype=np.int64)
        costs[:, 0] = 1
        costs[:, self.n_fft // 2] = 1
        return costs.reshape(-1)


def sweep_pgbz(x):
    t0 = time.perf_counter()
    plan = Pgbz(len(x))
    c = plan.analyze(x)
    flat = c.reshape(-1)
    rank = Ranking(np.abs(flat), plan.costs(c))
    t_analysis = time.perf_counter() - t0
    out = []
    for f in KEEPS:
        keep, kept = rank.mask(f, len(x))
        y = plan.synthesize(np.where(keep, flat, 0).reshape(c.shape))
        out.append((f, kept, y))
    return time.perf_counter() - t0, t_analysis, out


def sweep_stft(x):
    t0 = time.perf_counter()
    plan = PaperStft(len(x))
    spec = plan.analyze(x)
    flat = spec.reshape(-1)
    rank = Ranking(np.abs(flat), plan.costs(spec))
    t_analysis = time.perf_counter() - t0
    out = []
    for f in KEEPS:
        keep, kept = rank.mask(f, len(x))
        y = plan.synthesize(np.where(keep, flat, 0).reshape(spec.shape))
        out.append((f, kept, y))
    return time.perf_counter() - t0, t_analysis, out


def sweep_dwt(x):
    t0 = time.perf_counter()
    level = min(pywt.dwt_max_level(len(x), pywt.Wavelet("db5").dec_len), 10)
    coefs = pywt.wavedec(x, "db5", mode="periodization", level=level)
    flat, slices = pywt.coeffs_to_array(coefs)
    rank = Ranking(np.abs(flat), np.ones(len(flat), dtype=np.int64))
    t_analysis = time.perf_counter() - t0
    out = []
    for f in KEEPS:
        keep, kept = rank.mask(f, len(x))
        kept_coefs = pywt.array_to_coeffs(np.where(keep, flat, 0.0), slices,
                                          output_format="wavedec")
        y = pywt.waverec(kept_coefs, "db5", mode="periodization")[: len(x)]
        out.append((f, kept, y))
    return time.perf_counter() - t0, t_analysis, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wav")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per method (best kept)")
    args = ap.parse_args()
    x = read_wav(args.wav)
    energy = float(np.dot(x, x))
    print(f"{args.wav}: {len(x)} samples; numpy {np.__version__}, pywt {pywt.__version__}")
    for name, run in [("pgbz", sweep_pgbz), ("stft", sweep_stft), ("dwt", sweep_dwt)]:
        runs = [run(x) for _ in range(args.repeat)]
        total = min(r[0] for r in runs)
        analysis = min(r[1] for r in runs)
        print(f"{name}: sweep {total:.3f} s (best of {args.repeat}; plan + analysis + ranking "
              f"{analysis:.3f} s)")
        for f, kept, y in runs[0][2]:
            err = float(np.sum((x - y) ** 2))
            snr = 10 * np.log10(energy / err) if err > 0 else float("inf")
            print(f"  keep {100 * f:5.1f} %  kept {kept:9d}  SNR {snr:.9f} dB")


if __name__ == "__main__":
    main()
