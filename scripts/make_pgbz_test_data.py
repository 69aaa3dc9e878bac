#!/usr/bin/env python3
"""Builds tests/data/pgbz/ for the PGBZ tests and checks the golden file independently.

Re-run from the repository root:

    python3 scripts/make_pgbz_test_data.py /work/shared

It
1. re-derives every array of the shared golden file `golden/pgbz_test_vectors.json` (LTFAT-checked,
   see PROVENANCE.md) from the *direct* O(L^2) definitions in NumPy -- window, Zak transform,
   analysis sum, dual window from the biorthogonality equations (dense solve), synthesis sum,
   thresholding, dense least squares -- and refuses to copy it if anything disagrees by > 1e-10;
2. copies it unchanged to tests/data/pgbz/pgbz_test_vectors.json;
3. cuts 1 s (44100 samples from 1.0 s) of `audio/cello_6s.wav` (16-bit mono 44.1 kHz, GPL-2+,
   see audio/SOURCES.md) into tests/data/pgbz/cello_1s.wav, unchanged sample values.
"""
import json
import shutil
import sys
from pathlib import Path

import numpy as np
from scipy.io import wavfile

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "pgbz"


def pgauss(L, tfr):
    l = np.arange(L, dtype=float)
    g = sum(np.exp(-np.pi * (l + q * L) ** 2 / (tfr * L)) for q in range(-2, 3))
    return g / np.linalg.norm(g)


def gabor_matrix(win, M, N):
    """Columns = atoms win[(l - nM) mod L] e^{2 pi i m l / M}, column index n*M + m."""
    L = M * N
    l = np.arange(L)
    G = np.empty((L, M * N), dtype=complex)
    for n in range(N):
        shifted = win[(l - n * M) % L]
        for m in range(M):
            G[:, n * M + m] = shifted * np.exp(2j * np.pi * m * l / M)
    return G


def cplx(d):
    return np.array(d["re"]) + 1j * np.array(d["im"])


def check(name, got, want, tol=1e-10):
    err = np.max(np.abs(np.asarray(got) - np.asarray(want)))
    if err > tol:
        sys.exit(f"{name}: deviation {err:.3e} > {tol}")
    return err


def verify_case(c):
    M, N, L0, L = c["M"], c["N"], c["L0"], c["L"]
    Mh = (M + 1) // 2
    tag = f"{M}x{N}"
    x = np.zeros(L)
    x[:L0] = c["x0"]
    l0 = np.arange(L0)
    check(tag + " x0", c["x0"], np.sin(2 * np.pi * 0.13 * l0) + 0.5 * np.cos(2 * np.pi * 0.37 * l0 + 0.2) + 0.01 * l0)
    g = pgauss(L, M / N)
    check(tag + " g", g, c["g"])
    # Zak transform by its defining sum.
    r = np.arange(N)
    Zg = np.array([[np.sum(g[j + r * M] * np.exp(-2j * np.pi * r * k / N)) for j in range(M)] for k in range(N)])
    check(tag + " Zg", Zg, cplx(c["Zg_kj"]))
    G = gabor_matrix(g, M, N)
    C = (G.conj().T @ x).reshape(N, M)  # c[m, n] = sum_l x g[l - nM] e^{-2 pi i m l / M}
    check(tag + " Ch", C[:, :Mh], cplx(c["Ch_nm"]))
    # Canonical dual: gamma = (G G^*)^{-1} g, the unique dual window in the span (critical sampling).
    gamma = np.linalg.solve(G @ G.conj().T, g).real
    check(tag + " gamma", gamma, c["gamma"])
    D = gabor_matrix(gamma, M, N)
    check(tag + " roundtrip", (D @ C.reshape(-1)).real, c["y_roundtrip"])
    # Fair-count thresholding: ranking by |c| desc, ties by flat index, stop at the first misfit.
    K = int(np.floor(0.2 * L0 + 0.5))
    assert K == c["threshold_budget_real_numbers"], tag
    mags = np.abs(C[:, :Mh]).reshape(-1)
    order = sorted(range(mags.size), key=lambda i: (-mags[i], i))
    mask = np.zeros(mags.size, dtype=bool)
    used = 0
    for i in order:
        cost = 1 if i % Mh == 0 else 2
        if used + cost > K:
            break
        used += cost
        mask[i] = True
    assert (mask.reshape(N, Mh) == np.array(c["kept_mask_nm"], dtype=bool)).all(), tag
    full = np.zeros((N, M), dtype=bool)
    full[:, :Mh] = mask.reshape(N, Mh)
    full[:, Mh:] = mask.reshape(N, Mh)[:, 1:][:, ::-1]  # conjugate partners M - m
    Ct = np.where(full, C, 0).reshape(-1)
    check(tag + " y_thresholded", (D @ Ct).real, c["y_thresholded"])
    # Dense least squares over the real parameters of the kept half entries.
    cols = []
    for i in np.flatnonzero(mask):
        n, m = divmod(i, Mh)
        if m == 0:
            cols.append(D[:, n * M].real)
        else:
            a, b = D[:, n * M + m], D[:, n * M + M - m]
            cols.append((a + b).real)  # real part of c[m, n] (and its partner)
            cols.append((1j * a - 1j * b).real)  # imaginary part
    A = np.stack(cols, axis=1)
    theta = np.linalg.lstsq(A, x, rcond=None)[0]
    check(tag + " y_ls", A @ theta, c["y_ls"])
    C_ls = np.zeros(N * Mh, dtype=complex)
    t = iter(theta)
    for i in np.flatnonzero(mask):
        C_ls[i] = next(t) if i % Mh == 0 else complex(next(t), next(t))
    check(tag + " C_ls", C_ls.reshape(N, Mh), cplx(c["C_ls_nm"]))
    print(f"{tag}: all arrays re-derived from the direct definitions")


def main():
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared")
    golden = shared / "golden" / "pgbz_test_vectors.json"
    for case in json.loads(golden.read_text())["cases"]:
        verify_case(case)
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(golden, OUT / "pgbz_test_vectors.json")
    rate, cello = wavfile.read(shared / "audio" / "cello_6s.wav")
    assert rate == 44100 and cello.dtype == np.int16 and cello.ndim == 1
    wavfile.write(OUT / "cello_1s.wav", rate, cello[44100:88200])
    print("wrote", OUT)


if __name__ == "__main__":
    main()
