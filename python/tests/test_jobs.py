"""The jobs give the CLI's samples and report numbers on the bundled clip."""

import numpy as np
import pytest

import sparsewave as sw
from conftest import CLIP, assert_close, assert_reports_equal

# A 32-bit float WAV holds the CLI's samples to float32 rounding (|y| ≤ 1: 2^-24 relative).
F32 = 2.0**-23


def run_job(cli, tmp_path, command, *flags):
    out = tmp_path / f"{command}.wav"
    report = cli(command, CLIP, "-o", out, "--bits", "32f", *flags)
    y, sr = sw.load(str(out))
    return y, report


@pytest.mark.parametrize(
    "flags, kwargs",
    [
        (["--rank", "20"], dict(rank=20)),
        ([], {}),
        (
            ["--energy", "0.9", "--n-fft", "1024", "--hop", "256"],
            dict(energy=0.9, n_fft=1024, hop=256),
        ),
        (
            ["--rank", "10", "--phase", "griffin-lim", "--iters", "5", "--seed", "3"],
            dict(rank=10, phase="griffin-lim", iters=5, seed=3),
        ),
    ],
)
def test_approx_equals_cli(clip, cli, tmp_path, flags, kwargs):
    x, sr = clip
    y_cli, report_cli = run_job(cli, tmp_path, "approx", *flags)
    y, report = sw.approx(x, sr, **kwargs)
    np.testing.assert_allclose(y, y_cli, rtol=0, atol=F32)
    assert_reports_equal(report_cli, report)


def test_interp_equals_cli(clip, cli, tmp_path):
    x, sr = clip
    y_cli, report_cli = run_job(cli, tmp_path, "interp", "--factor", "4", "--method", "cubic")
    y, report = sw.interp(x, sr, factor=4, method="cubic")
    np.testing.assert_allclose(y, y_cli, rtol=0, atol=F32)
    assert_reports_equal(report_cli, report)


@pytest.mark.parametrize(
    "flags, kwargs",
    [
        ([], {}),
        (["--method", "pgbz", "--keep", "4%"], dict(method="pgbz", keep=0.04)),
        (
            ["--method", "dwt", "--keep", "2%", "--wavelet", "db8"],
            dict(method="dwt", keep="2%", wavelet="db8"),
        ),
        (["--method", "stft", "--keep-count", "9000"], dict(method="stft", keep_count=9000)),
        (
            ["--method", "pgbz", "--no-refit", "--keep", "3%"],
            dict(method="pgbz", refit=False, keep=0.03),
        ),
        (["--method", "pgbz", "--lattice", "paper"], dict(method="pgbz", lattice="paper")),
        (["--method", "pgbz", "--lattice", "425x425"], dict(method="pgbz", lattice=(425, 425))),
    ],
)
def test_compress_equals_cli(clip, cli, tmp_path, flags, kwargs):
    x, sr = clip
    y_cli, report_cli = run_job(cli, tmp_path, "compress", *flags)
    y, report = sw.compress(x, sr, **kwargs)
    np.testing.assert_allclose(y, y_cli, rtol=0, atol=F32)
    assert_reports_equal(report_cli, report)


@pytest.mark.parametrize(
    "flags, kwargs",
    [
        ([], {}),
        (["--method", "wavelet"], dict(method="wavelet")),
        (["--method", "wsvd", "--preset", "paper"], dict(method="wsvd", preset="paper")),
        (
            ["--method", "wsvd", "--window", "300", "--rank", "8"],
            dict(method="wsvd", window=300, rank=8),
        ),
        (["--method", "gaussian", "--sigma", "2"], dict(method="gaussian", sigma=2.0)),
    ],
)
def test_denoise_equals_cli(clip, cli, tmp_path, flags, kwargs):
    x, sr = clip
    noisy = sw.add_noise(x, sr, model="awgn", snr=10, seed=0)
    noisy_path = tmp_path / "noisy.wav"
    sw.save(str(noisy_path), noisy, sr, bits="32f")
    noisy32, _ = sw.load(str(noisy_path))  # what the CLI reads
    out = tmp_path / "denoised.wav"
    report_cli = cli("denoise", noisy_path, "-o", out, "--bits", "32f", "--clean", CLIP, *flags)
    y_cli, _ = sw.load(str(out))
    y, report = sw.denoise(noisy32, sr, clean=x, **kwargs)
    np.testing.assert_allclose(y, y_cli, rtol=0, atol=F32)
    assert_reports_equal(report_cli, report)
    assert report["metrics"]["snr_db"] > 10.0 or kwargs.get("method") == "gaussian"


def test_add_noise_equals_cli(clip, cli, tmp_path):
    x, sr = clip
    y_cli, report_cli = run_job(
        cli, tmp_path, "addnoise", "--model", "mixture", "--snr", "12", "--seed", "5"
    )
    y = sw.add_noise(x, sr, model="mixture", snr=12, seed=5)
    np.testing.assert_allclose(y, y_cli, rtol=0, atol=F32 * 4)
    # The achieved SNR is the asked one (the noise is scaled to it).
    assert sw.metrics(x, y, sr)["snr_db"] == pytest.approx(12.0, abs=1e-9)
    assert report_cli["metrics"]["snr_db"] == pytest.approx(12.0, abs=1e-9)


def test_metrics_equals_cli_and_closed_forms(clip, cli, tmp_path):
    x, sr = clip
    y = 0.5 * x
    path = tmp_path / "half.wav"
    sw.save(str(path), y, sr, bits="32f")
    m_cli = cli("metrics", CLIP, path)["metrics"]
    m = sw.metrics(x, y, sr)
    assert_close(m_cli, m, "metrics")
    # y = x/2: error = x/2, SNR = 10 log10(4), NCC = 1.
    assert m["snr_db"] == pytest.approx(10 * np.log10(4.0), abs=1e-12)
    assert m["rel_error_pct"] == pytest.approx(25.0, abs=1e-10)
    assert m["ncc"] == pytest.approx(1.0, abs=1e-12)
    assert m["max_abs_error"] == pytest.approx(np.abs(x).max() / 2, abs=1e-15)
    assert "nrr_db" not in m
    nrr = sw.metrics(x, y, sr, noisy=x)["nrr_db"]
    assert nrr == pytest.approx(10 * np.log10(4.0), abs=1e-9)


@pytest.mark.parametrize(
    "flags, kwargs",
    [
        (["--method", "dwt", "--bitrate", "32"], dict(method="dwt", bitrate=32)),
        (["--method", "pgbz", "--snr", "20"], dict(method="pgbz", snr=20)),
        (
            ["--method", "stft", "--keep", "10%", "--step", "0.1"],
            dict(method="stft", keep="10%", step=0.1),
        ),
        (["--method", "svd", "--rank", "30"], dict(method="svd", rank=30)),
        (["--method", "interp", "--factor", "3"], dict(method="interp", factor=3)),
    ],
)
def test_encode_decode_equal_cli(clip, cli, tmp_path, flags, kwargs):
    x, sr = clip
    swz = tmp_path / "clip.swz"
    report_cli = cli("encode", CLIP, "-o", swz, *flags)
    data, report = sw.encode(x, sr, bits=16, **kwargs)  # the clip is 16-bit
    assert data == swz.read_bytes()  # the same file, byte for byte
    assert_reports_equal(report_cli, report)
    y, sr2 = sw.decode(data)
    assert sr2 == sr and y.shape == x.shape
    out = tmp_path / "decoded.wav"
    cli("decode", swz, "-o", out, "--bits", "32f")
    y_cli, _ = sw.load(str(out))
    np.testing.assert_allclose(y, y_cli, rtol=0, atol=F32)
    # The report measures the decoded audio.
    assert sw.metrics(x, y, sr)["snr_db"] == pytest.approx(report["metrics"]["snr_db"], abs=1e-9)


def test_load_save_round_trip(clip, tmp_path):
    x, sr = clip
    for bits, tol in [(16, 2.0**-15), (24, 2.0**-23), ("32f", F32), (None, F32)]:
        path = tmp_path / f"x_{bits}.wav"
        assert sw.save(str(path), x, sr, bits=bits) == 0
        y, sr2 = sw.load(str(path))
        assert sr2 == sr and y.shape == x.shape
        np.testing.assert_allclose(y, x, rtol=0, atol=tol)
    # The clip is 16-bit: saving it as 16-bit is bit-exact.
    sw.save(str(tmp_path / "x16.wav"), x, sr, bits=16)
    np.testing.assert_array_equal(sw.load(str(tmp_path / "x16.wav"))[0], x)
    # Clipping is counted.
    assert sw.save(str(tmp_path / "loud.wav"), np.array([0.5, 1.5, -2.0]), sr) == 2
    stereo = np.stack([x[0], -x[0]])
    sw.save(str(tmp_path / "st.wav"), stereo, sr, bits=16)
    np.testing.assert_array_equal(sw.load(str(tmp_path / "st.wav"))[0], stereo)
    mono, _ = sw.load(str(tmp_path / "st.wav"), mono=True)
    np.testing.assert_allclose(mono, np.zeros_like(x), atol=1e-15)
