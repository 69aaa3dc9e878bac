"""Type stubs of the compiled module ``sparsewave._native`` (see docs/python.md)."""

from os import PathLike
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

Real = npt.NDArray[Union[np.float32, np.float64]]
Complex = npt.NDArray[Union[np.complex64, np.complex128]]
F64 = npt.NDArray[np.float64]
C128 = npt.NDArray[np.complex128]
Report = Dict[str, Any]
Path = Union[str, "PathLike[str]"]
PerBand = Union[float, Sequence[float]]
PerBandInt = Union[int, Sequence[int]]

def load(path: Path, *, mono: bool = False) -> Tuple[F64, int]: ...
def save(path: Path, y: Real, sr: int, *, bits: Union[int, str, None] = None) -> int: ...
def approx(
    x: Real,
    sr: int,
    *,
    rank: Optional[int] = None,
    energy: Optional[float] = None,
    phase: Optional[str] = None,
    iters: Optional[int] = None,
    init_phase: Optional[str] = None,
    seed: Optional[int] = None,
    n_fft: Optional[int] = None,
    hop: Optional[int] = None,
    win_length: Optional[int] = None,
    window: Optional[str] = None,
    pad: Optional[str] = None,
) -> Tuple[F64, Report]: ...
def interp(
    x: Real,
    sr: int,
    *,
    factor: int,
    method: str = "cubic",
    order: Optional[int] = None,
    block: Optional[int] = None,
) -> Tuple[F64, Report]: ...
def compress(
    x: Real,
    sr: int,
    *,
    method: Optional[str] = None,
    keep: Union[float, str, None] = None,
    keep_count: Optional[int] = None,
    threshold: Optional[float] = None,
    refit: Optional[bool] = None,
    refit_iters: Optional[int] = None,
    refit_tol: Optional[float] = None,
    postfilter: Optional[str] = None,
    lattice: Union[str, Tuple[int, int], None] = None,
    block: Optional[float] = None,
    window_length: Optional[int] = None,
    wavelet: Optional[str] = None,
    mode: Optional[str] = None,
    level: Optional[int] = None,
) -> Tuple[F64, Report]: ...
def denoise(
    x: Real,
    sr: int,
    *,
    method: Optional[str] = None,
    clean: Optional[Real] = None,
    preset: Optional[str] = None,
    bands: Union[PerBand, str, None] = None,
    window: Optional[PerBandInt] = None,
    ratio: Optional[PerBand] = None,
    rank: Optional[PerBandInt] = None,
    energy: Optional[PerBand] = None,
    rank_rule: Optional[str] = None,
    svd: Optional[str] = None,
    mapping: Optional[str] = None,
    junction: Optional[str] = None,
    wavelet: Optional[str] = None,
    level: Optional[int] = None,
    threshold: Optional[str] = None,
    rule: Optional[str] = None,
    mode: Optional[str] = None,
    sigma: Optional[float] = None,
    noise_clip: Optional[Real] = None,
    gate_percentile: Optional[float] = None,
    gate_margin: Optional[float] = None,
    gate_attenuation: Optional[float] = None,
    lsa_alpha: Optional[float] = None,
    lsa_floor: Optional[float] = None,
    n_fft: Optional[int] = None,
    block_delta: Optional[float] = None,
    segment: Optional[float] = None,
) -> Tuple[F64, Report]: ...
def add_noise(
    x: Real,
    sr: int,
    *,
    snr: float,
    model: str = "awgn",
    seed: int = 0,
    epsilon: Optional[float] = None,
    kappa: Optional[float] = None,
    alpha: Optional[float] = None,
    a: Optional[float] = None,
    gamma: Optional[float] = None,
) -> F64: ...
def metrics(
    reference: Real, test: Real, sr: int, *, noisy: Optional[Real] = None
) -> Dict[str, float]: ...
def encode(
    x: Real,
    sr: int,
    *,
    method: str = "dwt",
    keep: Union[float, str, None] = None,
    step: Optional[float] = None,
    bitrate: Optional[float] = None,
    snr: Optional[float] = None,
    lattice: Union[str, Tuple[int, int], None] = None,
    refit: Optional[int] = None,
    wavelet: Optional[str] = None,
    mode: Optional[str] = None,
    level: Optional[int] = None,
    n_fft: Optional[int] = None,
    hop: Optional[int] = None,
    window: Optional[str] = None,
    rank: Optional[int] = None,
    phase: Optional[str] = None,
    phase_bits: Optional[int] = None,
    iters: Optional[int] = None,
    seed: Optional[int] = None,
    factor: Optional[int] = None,
    interp: Optional[str] = None,
    order: Optional[int] = None,
    bits: Union[int, str, None] = None,
) -> Tuple[bytes, Report]: ...
def decode(data: bytes) -> Tuple[F64, int]: ...
def wavedec(data: Real, wavelet: str, mode: str, level: Optional[int]) -> List[F64]: ...
def waverec(coeffs: Sequence[Real], wavelet: str, mode: str, length: Optional[int]) -> F64: ...
def stft(
    y: Real,
    *,
    n_fft: Optional[int] = None,
    hop: Optional[int] = None,
    win_length: Optional[int] = None,
    window: Union[str, Sequence[float], None] = None,
    pad_mode: Optional[str] = None,
) -> C128: ...
def istft(
    stft_matrix: Complex,
    *,
    n_fft: Optional[int] = None,
    hop: Optional[int] = None,
    win_length: Optional[int] = None,
    window: Union[str, Sequence[float], None] = None,
    pad_mode: Optional[str] = None,
    length: Optional[int] = None,
) -> F64: ...

class Pgbz:
    def __init__(self, signal_len: int, lattice: Optional[Tuple[int, int]] = None) -> None: ...
    @property
    def lattice(self) -> Tuple[int, int]: ...
    @property
    def signal_len(self) -> int: ...
    @property
    def padded_len(self) -> int: ...
    def window(self) -> F64: ...
    def dual_window(self) -> F64: ...
    def analyze(self, x: Real) -> C128: ...
    def synthesize(self, coefs: Complex) -> F64: ...
def batch(
    manifest: Union[str, PathLike[str]],
    *,
    shard: Union[str, Tuple[int, int], None] = None,
    shards: Optional[int] = None,
    jobs: Optional[int] = None,
    results: Union[str, PathLike[str], None] = None,
    force: bool = False,
) -> Dict[str, Any]: ...
