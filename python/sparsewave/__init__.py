"""sparsewave: approximate, compress and denoise audio with time-frequency and low-rank methods.

NumPy bindings of the sparsewave Rust library. The jobs have the command line's names,
keyword arguments and defaults, and return the command line's ``--json`` report as a dict;
the transforms take PyWavelets' and librosa's arguments.

Arrays in: 1-D ``(samples,)`` or 2-D ``(channels, samples)``, float32 or float64, any memory
layout (the jobs copy the samples into the library, float32 widened exactly; the transforms
read C-contiguous float64 arrays in place and copy others). Arrays out: new float64
(complex128 for coefficients) arrays of the input's layout. The GIL is released while the
library computes. Bad parameters raise ``ValueError`` with the library's message, unreadable
files ``OSError`` (``FileNotFoundError``, ``PermissionError``), numerical
failures ``RuntimeError``.

>>> import sparsewave as sw
>>> x, sr = sw.load("song.flac")
>>> y, report = sw.denoise(x, sr)
>>> sw.save("denoised.wav", y, sr, bits=16)
"""

from typing import Any, Optional, Sequence

import numpy as np

from . import _native
from ._native import (
    Pgbz,
    __version__,
    add_noise,
    approx,
    batch,
    compress,
    decode,
    denoise,
    encode,
    interp,
    load,
    metrics,
    save,
)

__all__ = [
    "Coefficients",
    "Pgbz",
    "__version__",
    "add_noise",
    "approx",
    "batch",
    "compress",
    "decode",
    "denoise",
    "encode",
    "interp",
    "istft",
    "load",
    "metrics",
    "save",
    "stft",
    "wavedec",
    "waverec",
]


class Coefficients(list):
    """The bands ``[cA_L, cD_L, ..., cD_1]`` of :func:`wavedec`: a plain ``list`` (as
    ``pywt.wavedec`` returns) that also remembers the length of the signal, so that
    :func:`waverec` returns exactly ``signal_len`` samples (PyWavelets returns one sample too
    many for odd lengths)."""

    signal_len: int

    def __init__(self, bands: Sequence[np.ndarray], signal_len: int) -> None:
        super().__init__(bands)
        self.signal_len = signal_len


def _wavelet_name(wavelet: Any) -> str:
    """A wavelet name, also from a ``pywt.Wavelet`` (its ``name``)."""
    return wavelet if isinstance(wavelet, str) else getattr(wavelet, "name", str(wavelet))


def _mode_name(mode: Any) -> str:
    """A mode name, also from PyWavelets' ``pywt.Modes`` integers' names."""
    return mode if isinstance(mode, str) else str(mode)


def _real(data: Any, name: str) -> np.ndarray:
    """``data`` as a real floating array: float32/float64 kept, integers and booleans
    converted to float64 (as PyWavelets and librosa do)."""
    a = np.asarray(data)
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    if a.dtype.kind == "c":
        raise TypeError(f"{name} must be real, not of dtype {a.dtype}")
    return a


def _rows(a: np.ndarray, axis: int, name: str):
    """``a`` with ``axis`` moved last and the other axes folded into rows: ``(rows, n)``, the
    leading shape, and whether ``a`` was 1-D."""
    if a.ndim == 0:
        raise ValueError(f"invalid {name}: must have at least one dimension")
    moved = np.moveaxis(a, axis, -1)
    return moved.reshape(-1, moved.shape[-1]), moved.shape[:-1]


def wavedec(
    data: Any,
    wavelet: Any,
    mode: str = "symmetric",
    level: Optional[int] = None,
    axis: int = -1,
) -> Coefficients:
    """Multilevel discrete wavelet transform: the values, lengths and order of
    ``pywt.wavedec(data, wavelet, mode, level, axis)``.

    ``wavelet``: haar, db1-db38, sym2-sym20, coif1-coif17 (a name or a ``pywt.Wavelet``).
    ``mode``: symmetric (PyWavelets' default), periodization, zero, periodic, reflect.
    ``level=None`` is ``pywt.dwt_max_level``; a level of 0 or beyond the maximum raises
    ``ValueError`` (PyWavelets only warns). Returns :class:`Coefficients`, a list of arrays
    ``[cA_L, cD_L, ..., cD_1]`` whose ``signal_len`` lets :func:`waverec` return exactly the
    input's length.

    >>> coeffs = sw.wavedec(x, "db5", level=10, mode="periodization")
    >>> x2 = sw.waverec(coeffs, "db5", mode="periodization")
    """
    a = _real(data, "data")
    rows, lead = _rows(a, axis, "data")
    bands = _native.wavedec(rows, _wavelet_name(wavelet), _mode_name(mode), level)
    shaped = [np.moveaxis(b.reshape(lead + (b.shape[-1],)), -1, axis) for b in bands]
    return Coefficients(shaped, rows.shape[-1])


def waverec(
    coeffs: Sequence[Any],
    wavelet: Any,
    mode: str = "symmetric",
    axis: int = -1,
    length: Optional[int] = None,
) -> np.ndarray:
    """Inverse of :func:`wavedec`, ``pywt.waverec``'s values.

    The output has ``length`` samples, else ``coeffs.signal_len`` when ``coeffs`` came from
    :func:`wavedec` (the original length, also for odd lengths), else PyWavelets' length
    (``2·len(cD_1)`` in periodization, ``2·len(cD_1) − F + 2`` otherwise).

    >>> x2 = sw.waverec(sw.wavedec(x, "db5"), "db5")
    """
    if length is None:
        length = getattr(coeffs, "signal_len", None)
    bands = [_real(c, "coeffs") for c in coeffs]
    if not bands:
        raise ValueError("invalid coeffs: needs the approximation and at least one detail band")
    folded = [_rows(b, axis, "coeffs") for b in bands]
    lead = folded[0][1]
    y = _native.waverec([f[0] for f in folded], _wavelet_name(wavelet), _mode_name(mode), length)
    return np.moveaxis(y.reshape(lead + (y.shape[-1],)), -1, axis)


def _hop(hop: Optional[int], hop_length: Optional[int]) -> Optional[int]:
    """``hop`` (the command line's name) or ``hop_length`` (librosa's), not both."""
    if hop is not None and hop_length is not None:
        raise ValueError("invalid hop: cannot be combined with hop_length (the same parameter)")
    return hop if hop is not None else hop_length


def _window(window: Any) -> Any:
    """A window name, or the samples of a window given as an array."""
    if window is None or isinstance(window, str):
        return window
    return np.asarray(window, dtype=np.float64).tolist()


def _centered(center: bool) -> None:
    if not center:
        raise ValueError("invalid center: only centred frames (center=True) are supported")


def stft(
    y: Any,
    *,
    n_fft: Optional[int] = None,
    hop: Optional[int] = None,
    hop_length: Optional[int] = None,
    win_length: Optional[int] = None,
    window: Any = None,
    center: bool = True,
    dtype: Any = None,
    pad_mode: Optional[str] = None,
) -> np.ndarray:
    """Short-time Fourier transform with librosa's values: ``librosa.stft`` with the same
    arguments, centred frames.

    Defaults (the library's): ``n_fft=2048``, Hann window of ``win_length = n_fft`` samples,
    ``hop = win_length // 4`` (librosa's rule), ``pad_mode="constant"`` (zeros, librosa ≥
    0.10; ``"reflect"`` also). ``window``: hann, hamming, blackman-harris, gaussian[:F], or
    the window's samples. Returns complex128 (or ``dtype``) of shape ``(1 + n_fft//2, frames)``,
    with the leading axes of ``y`` in front, Fortran-ordered like librosa's.

    >>> S = sw.stft(x, n_fft=2048, hop=512)
    """
    _centered(center)
    a = _real(y, "y")
    rows, lead = _rows(a, -1, "y")
    S = _native.stft(
        rows,
        n_fft=n_fft,
        hop=_hop(hop, hop_length),
        win_length=win_length,
        window=_window(window),
        pad_mode=pad_mode,
    )
    S = S.reshape(lead + S.shape[1:], order="A")
    return S if dtype is None else S.astype(dtype, copy=False)


def istft(
    stft_matrix: Any,
    *,
    hop: Optional[int] = None,
    hop_length: Optional[int] = None,
    win_length: Optional[int] = None,
    n_fft: Optional[int] = None,
    window: Any = None,
    center: bool = True,
    dtype: Any = None,
    length: Optional[int] = None,
    pad_mode: Optional[str] = None,
) -> np.ndarray:
    """Inverse STFT with librosa's values: ``librosa.istft`` with the same arguments (weighted
    overlap-add divided by the summed squared window).

    ``n_fft`` defaults to ``2·(bins − 1)``, ``win_length`` to ``n_fft``, ``hop`` to
    ``win_length // 4``; the output has ``length`` samples (default librosa's
    ``hop·(frames − 1)`` for even ``n_fft``).

    >>> x2 = sw.istft(sw.stft(x, hop=512), hop=512, length=x.shape[-1])
    """
    _centered(center)
    S = np.asarray(stft_matrix)
    if S.dtype.kind != "c":
        S = S.astype(np.complex128)
    if S.ndim < 2:
        raise ValueError("invalid stft_matrix: must have shape (bins, frames)")
    lead = S.shape[:-2]
    y = _native.istft(
        S.reshape((-1,) + S.shape[-2:], order="A"),
        n_fft=n_fft,
        hop=_hop(hop, hop_length),
        win_length=win_length,
        window=_window(window),
        pad_mode=pad_mode,
        length=length,
    )
    y = y.reshape(lead + (y.shape[-1],))
    return y if dtype is None else y.astype(dtype, copy=False)
