#!/usr/bin/env python3
"""The SciPy peer of `sparsewave approx IN -o OUT --rank K`, as a whole process.

    python3 scripts/peers/scipy_approx.py IN OUT [--rank 20]
    python3 scripts/peers/scipy_approx.py --which-solver

Per channel: scipy.signal.stft (n_fft 2048, hop 512, periodic Hann, centred frames with zero
padding: boundary="zeros", as the CLI's defaults) → A = |Z| → rank-K truncated SVD by
scipy.sparse.linalg.svds (solver "propack" when this SciPy has it, else "arpack";
--which-solver prints the one used) → max(U Σ Vᵀ, 0) with the input's phase →
scipy.signal.istft, cut to the input's length; read and written with soundfile in the input's
sample format.
"""
import sys

import numpy as np
import scipy.signal as ss
import soundfile as sf
from scipy.sparse.linalg import svds

N_FFT, HOP = 2048, 512


def solver():
    """'propack' when svds accepts it (SciPy ≥ 1.8, built with PROPACK), else 'arpack'."""
    try:
        svds(np.random.default_rng(0).random((30, 20)), k=2, solver="propack")
        return "propack"
    except (ValueError, TypeError):
        return "arpack"


def approx(x, k, which):
    kw = dict(nperseg=N_FFT, noverlap=N_FFT - HOP, window="hann", boundary="zeros")
    _, _, z = ss.stft(x, **kw)
    u, s, vt = svds(np.abs(z), k=k, solver=which)
    b = np.maximum((u * s) @ vt, 0.0)
    _, y = ss.istft(b * np.exp(1j * np.angle(z)), **{k_: v for k_, v in kw.items() if k_ != "boundary"})
    return y[: len(x)]


def main():
    if sys.argv[1:] == ["--which-solver"]:
        print(solver())
        return
    src, dst = sys.argv[1], sys.argv[2]
    k = int(sys.argv[sys.argv.index("--rank") + 1]) if "--rank" in sys.argv else 20
    info = sf.info(src)
    x, rate = sf.read(src, dtype="float64", always_2d=True)
    which = solver()
    y = np.stack([approx(x[:, c], k, which) for c in range(x.shape[1])], axis=1)
    sf.write(dst, np.clip(y, -1.0, 1.0), rate, subtype=info.subtype)


if __name__ == "__main__":
    main()
