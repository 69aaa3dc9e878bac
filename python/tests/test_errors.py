"""Every class of bad input raises the right exception with the library's message."""

import numpy as np
import pytest

import sparsewave as sw


@pytest.fixture
def x():
    return np.sin(0.01 * np.arange(8000))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        sw.load(str(tmp_path / "nope.wav"))
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 3)
    with pytest.raises(OSError, match="junk.wav"):
        sw.load(str(junk))
    with pytest.raises(OSError):
        sw.save(str(tmp_path / "no_such_dir" / "out.wav"), np.zeros(10), 8000)
    assert not (tmp_path / "no_such_dir").exists()


def test_bad_parameters_raise_value_error_naming_them(x):
    cases = [
        (lambda: sw.approx(x, 8000, hop=0), "invalid hop"),
        (lambda: sw.approx(x, 8000, rank=3, energy=0.9), "invalid rank"),
        (lambda: sw.approx(x, 8000, window="triangle"), "invalid window"),
        (lambda: sw.approx(x, 8000, n_fft=512, win_length=1024), "invalid n_fft"),
        (lambda: sw.compress(x, 8000, method="jpeg"), "invalid method"),
        (lambda: sw.compress(x, 8000, keep=1.5), "invalid keep"),
        (lambda: sw.compress(x, 8000, keep="4%", threshold=0.1), "invalid keep"),
        (lambda: sw.compress(x, 8000, lattice=(90, 91)), "lattice"),
        (lambda: sw.interp(x, 8000, factor=0), "invalid factor"),
        (lambda: sw.interp(x, 8000, factor=2, method="lagrange", order=0), "invalid order"),
        (lambda: sw.denoise(x, 8000, method="magic"), "invalid method"),
        (lambda: sw.denoise(x, 8000, ratio=0.1, rank=3), "cannot|at most one|rank"),
        (lambda: sw.denoise(x, 8000, clean=x[:100]), "clean|reference|length|shape"),
        (lambda: sw.add_noise(x, 8000, snr=10, model="brown"), "invalid model"),
        (lambda: sw.add_noise(x, 8000, snr=10, model="alpha-stable", alpha=3.0), "invalid alpha"),
        (lambda: sw.encode(x, 8000, method="mp3"), "invalid method"),
        (lambda: sw.encode(x, 8000, bitrate=32, snr=20), "invalid bitrate"),
        (lambda: sw.metrics(x, x[:100], 8000), "invalid test"),
        (lambda: sw.wavedec(x, "db99"), "invalid wavelet"),
        (lambda: sw.wavedec(x, "db5", mode="mirror"), "invalid mode"),
        (lambda: sw.wavedec(x, "db5", level=40), "invalid level"),
        (lambda: sw.waverec([np.zeros(100), np.zeros(50)], "db5"), "invalid coeffs"),
        (lambda: sw.stft(x, hop=0), "invalid hop"),
        (lambda: sw.stft(x, center=False), "invalid center"),
        (lambda: sw.Pgbz(100, lattice=(10, 11)), "lattice|even|odd"),
        (lambda: sw.Pgbz(100).analyze(np.zeros(500)), "invalid x|fit"),
        (lambda: sw.Pgbz(100).synthesize(np.zeros((3, 3), complex)), "invalid coefs"),
        (lambda: sw.save("/tmp/x.wav", x, 8000, bits=12), "invalid bits"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_bad_arrays(x):
    with pytest.raises(ValueError, match="invalid x: holds a NaN"):
        sw.approx(np.array([0.0, np.nan, 1.0]), 8000)
    with pytest.raises(ValueError, match="invalid x: is empty"):
        sw.compress(np.zeros(0), 8000)
    with pytest.raises(ValueError, match="invalid x: must have shape"):
        sw.interp(np.zeros((2, 2, 100)), 8000, factor=2)
    with pytest.raises(TypeError, match="float32 or float64"):
        sw.denoise(np.arange(100), 8000)
    with pytest.raises(TypeError, match="float32 or float64"):
        sw.denoise([0.0, 1.0], 8000)
    with pytest.raises(TypeError, match="complex"):
        sw.Pgbz(9).synthesize(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="invalid sr"):
        sw.approx(x, 0)
    with pytest.raises(OverflowError):
        sw.approx(x, -8000)


def test_corrupt_swz_raises_value_error(x):
    data, _ = sw.encode(x, 8000, method="dwt", bitrate=32)
    with pytest.raises(ValueError, match="corrupt"):
        sw.decode(b"not a swz file at all")
    with pytest.raises(ValueError, match="corrupt"):
        sw.decode(data[: len(data) // 2])
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    with pytest.raises(ValueError, match="corrupt"):
        sw.decode(bytes(damaged))
