"""Array conventions: dtypes, memory layouts, shapes in and out."""

import numpy as np
import pytest

import sparsewave as sw


def test_float32_input_gives_the_float64_result_of_its_values(clip):
    x, sr = clip
    x32 = x.astype(np.float32)
    y32, r32 = sw.approx(x32, sr, rank=20)
    y64, r64 = sw.approx(x32.astype(np.float64), sr, rank=20)
    assert y32.dtype == np.float64
    np.testing.assert_array_equal(y32, y64)
    assert r32["metrics"] == r64["metrics"]
    np.testing.assert_array_equal(sw.stft(x32[0]), sw.stft(x32[0].astype(np.float64)))
    c32 = sw.wavedec(x32[0], "db4")
    assert all(c.dtype == np.float64 for c in c32)


def test_non_contiguous_input_is_read_correctly(clip):
    x, sr = clip
    wide = np.zeros((3, 2 * x.shape[-1]))
    wide[1, ::2] = x[0]
    view = wide[1:2, ::2]  # strided, not contiguous
    assert not view.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(
        sw.compress(view, sr, method="dwt")[0], sw.compress(x, sr, method="dwt")[0]
    )
    fortran = np.asfortranarray(np.stack([x[0], x[0][::-1]]))
    y, _ = sw.denoise(fortran, sr, method="gaussian")
    y2, _ = sw.denoise(np.ascontiguousarray(fortran), sr, method="gaussian")
    np.testing.assert_array_equal(y, y2)
    reversed_view = x[0][::-1]
    np.testing.assert_array_equal(sw.stft(reversed_view), sw.stft(reversed_view.copy()))


def test_layout_in_is_layout_out(clip):
    x, sr = clip
    mono = x[0]
    y1, report1 = sw.interp(mono, sr, factor=2)
    assert y1.shape == mono.shape and report1["channels"] == 1
    stereo = np.stack([mono, 0.5 * mono])
    y2, report2 = sw.interp(stereo, sr, factor=2)
    assert y2.shape == stereo.shape and report2["channels"] == 2
    np.testing.assert_array_equal(y2[0], y1)  # channels are processed one by one
    assert sw.add_noise(mono, sr, snr=10).shape == mono.shape


def test_channels_are_independent_and_seeded_per_channel(clip):
    x, sr = clip
    stereo = np.stack([x[0], x[0]])
    noisy = sw.add_noise(stereo, sr, snr=10, seed=7)
    np.testing.assert_array_equal(noisy[1], sw.add_noise(x[0], sr, snr=10, seed=8))


def test_istft_reads_every_layout_alike(clip):
    """A Fortran-ordered complex128 spectrogram (stft's own output) is read in place, any other
    layout or complex64 is copied: the results are the same."""
    x = np.stack([clip[0][0], 0.5 * clip[0][0]])
    S = sw.stft(x, n_fft=1024, hop=256)
    reference = sw.istft(np.ascontiguousarray(S), hop=256, length=x.shape[-1])
    np.testing.assert_allclose(reference, x, atol=1e-12)
    for variant in [S, np.asfortranarray(S), S[1], np.ascontiguousarray(S[1]), S[:, :, ::2]]:
        expected = (
            sw.istft(np.ascontiguousarray(variant), hop=256)
            if variant.ndim == 3
            else reference[1][: 256 * (variant.shape[-1] - 1)]
        )
        np.testing.assert_array_equal(
            sw.istft(variant, hop=256)[..., : expected.shape[-1]], expected
        )
    y32 = sw.istft(S.astype(np.complex64), hop=256, length=x.shape[-1])
    np.testing.assert_allclose(y32, x, atol=1e-6)
