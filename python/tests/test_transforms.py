"""The transforms against the libraries they replace: PyWavelets, librosa, LTFAT's vectors."""

import json

import librosa
import numpy as np
import pytest
import pywt

import sparsewave as sw
from conftest import DATA

MODES = ["symmetric", "periodization", "zero", "periodic", "reflect"]


def signal(n, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(0.031 * t) + 0.3 * rng.standard_normal(n)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wavelet", ["haar", "db5", "sym8", "coif3", "db38"])
@pytest.mark.parametrize("n", [4096, 10001])
def test_wavedec_equals_pywavelets(mode, wavelet, n):
    x = signal(n)
    ours = sw.wavedec(x, wavelet, mode=mode)
    theirs = pywt.wavedec(x, wavelet, mode=mode)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * np.abs(b).max())


@pytest.mark.parametrize("mode", MODES)
def test_waverec_equals_pywavelets_and_keeps_the_length(mode):
    x = signal(10001)  # odd: PyWavelets returns 10002 samples
    coeffs = sw.wavedec(x, "db5", level=6, mode=mode)
    theirs = pywt.waverec(pywt.wavedec(x, "db5", level=6, mode=mode), "db5", mode=mode)
    assert theirs.shape == (10002,)
    # From our coefficients: exactly the input's length, the input back.
    y = sw.waverec(coeffs, "db5", mode=mode)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, x, rtol=0, atol=1e-12)
    # From a plain list (e.g. PyWavelets'): PyWavelets' length and values.
    y_list = sw.waverec(list(coeffs), "db5", mode=mode)
    np.testing.assert_allclose(y_list, theirs, rtol=0, atol=1e-12)
    # An explicit length wins.
    assert sw.waverec(list(coeffs), "db5", mode=mode, length=10001).shape == (10001,)


def test_wavedec_takes_pywt_arguments_axis_and_wavelet_objects():
    x = np.stack([signal(3000, s) for s in range(3)])  # (3, 3000)
    for axis, data in [(-1, x), (0, x.T)]:
        ours = sw.wavedec(data, pywt.Wavelet("sym4"), mode="periodization", level=4, axis=axis)
        theirs = pywt.wavedec(data, "sym4", mode="periodization", level=4, axis=axis)
        for a, b in zip(ours, theirs):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * np.abs(b).max())
        back = sw.waverec(ours, "sym4", mode="periodization", axis=axis)
        np.testing.assert_allclose(back, data, rtol=0, atol=1e-11)


def test_wavedec_default_level_is_pywavelets_maximum():
    x = signal(300_000)  # dwt_max_level(300000, 2) = 18, beyond the library's cap of 10
    assert len(sw.wavedec(x, "haar")) == len(pywt.wavedec(x, "haar")) == 19


STFT_CASES = [
    dict(n_fft=2048, hop_length=512),
    dict(n_fft=1024, hop_length=256, win_length=800),
    dict(n_fft=512, hop_length=100, window="hamming"),
    dict(n_fft=2048, hop_length=512, pad_mode="reflect"),
    dict(n_fft=1000, hop_length=250),
]


@pytest.mark.parametrize("kw", STFT_CASES)
def test_stft_equals_librosa(clip, kw):
    x = clip[0][0]
    ours = sw.stft(x, **kw)
    theirs = librosa.stft(x, **kw)
    assert ours.shape == theirs.shape
    assert ours.dtype == np.complex128
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12 * np.abs(theirs).max())


@pytest.mark.parametrize("kw", STFT_CASES)
def test_istft_equals_librosa(clip, kw):
    x = clip[0][0]
    S = librosa.stft(x, **kw)
    inverse_kw = {k: v for k, v in kw.items() if k != "pad_mode"}
    for length in [None, len(x)]:
        ours = sw.istft(S, length=length, **inverse_kw)
        theirs = librosa.istft(S, length=length, **inverse_kw)
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        sw.istft(sw.stft(x, **kw), length=len(x), **inverse_kw), x, atol=1e-12
    )


def test_stft_hop_is_an_alias_and_defaults_are_librosas(clip):
    x = clip[0][0]
    np.testing.assert_array_equal(sw.stft(x, hop=512), sw.stft(x, hop_length=512))
    np.testing.assert_allclose(sw.stft(x), librosa.stft(x), atol=1e-10)
    np.testing.assert_allclose(sw.stft(x, n_fft=1024), librosa.stft(x, n_fft=1024), atol=1e-10)
    with pytest.raises(ValueError, match="hop"):
        sw.stft(x, hop=512, hop_length=256)


def test_stft_of_channels_has_a_leading_axis(clip):
    x = np.stack([clip[0][0], clip[0][0][::-1].copy()])
    ours = sw.stft(x, n_fft=1024, hop=256)
    theirs = librosa.stft(x, n_fft=1024, hop_length=256)
    assert ours.shape == theirs.shape == (2, 513, ours.shape[-1])
    np.testing.assert_allclose(ours, theirs, atol=1e-10)
    np.testing.assert_allclose(sw.istft(ours, hop=256, length=x.shape[-1]), x, atol=1e-12)


def test_pgbz_equals_ltfat_vectors():
    """The committed vectors of an independent NumPy PGBZ checked against LTFAT."""
    cases = json.loads((DATA / "pgbz" / "pgbz_test_vectors.json").read_text())["cases"]
    for case in cases:
        M, N, L0 = case["M"], case["N"], case["L0"]
        g = sw.Pgbz(L0, lattice=(M, N))
        assert g.lattice == (M, N) and g.padded_len == M * N and g.signal_len == L0
        x = np.asarray(case["x0"])
        C = g.analyze(x)
        expected = (np.asarray(case["Ch_nm"]["re"]) + 1j * np.asarray(case["Ch_nm"]["im"])).T
        assert C.shape == expected.shape == ((M + 1) // 2, N)
        np.testing.assert_allclose(C, expected, rtol=0, atol=1e-13)
        np.testing.assert_allclose(g.window(), case["g"], atol=1e-15)
        np.testing.assert_allclose(g.dual_window(), case["gamma"], atol=1e-13)
        np.testing.assert_allclose(
            g.synthesize(C), np.asarray(case["y_roundtrip"])[:L0], atol=1e-13
        )


def test_pgbz_round_trip_on_music(clip):
    x = clip[0]
    g = sw.Pgbz(x.shape[-1])
    M, N = g.lattice
    assert M == N and M % 2 == 1 and M * M >= x.shape[-1] > (M - 2) ** 2
    C = g.analyze(x)
    assert C.shape == (1, (M + 1) // 2, N)
    np.testing.assert_allclose(g.synthesize(C), x, atol=1e-12)
    # Analysis is linear.
    np.testing.assert_allclose(g.analyze(2.0 * x), 2.0 * C, atol=1e-12)
