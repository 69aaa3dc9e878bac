#!/usr/bin/env python3
"""PyWavelets side of benches/dwt.rs: wavedec + waverec, db5, level 10, on 60 s of 44.1 kHz
audio (2,646,000 samples: two chirps plus white noise, like the Rust bench), in the modes
periodization and symmetric, and numpy.fft.rfft of the same length as a yardstick.

Run: python3 scripts/bench_dwt.py
Prints the best time of several repeats per case (timeit), in milliseconds.
"""
import timeit

import numpy as np
import pywt

RATE, LEN = 44_100.0, 2_646_000


def signal():
    t = np.arange(LEN) / RATE
    duration = LEN / RATE

    def chirp(f0, f1):
        return np.sin(2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / duration * t * t))

    noise = np.random.default_rng(5).normal(0.0, 0.03, LEN)
    return 0.5 * chirp(100.0, 4000.0) + 0.3 * chirp(8000.0, 300.0) + noise


def best_ms(stmt, number, repeat=7):
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number * 1e3


def main():
    x = signal()
    print(f"pywt {pywt.__version__}, numpy {np.__version__}, {LEN} samples")
    for mode in ["periodization", "symmetric"]:
        ms = best_ms(lambda: pywt.waverec(pywt.wavedec(x, "db5", mode=mode, level=10), "db5",
                                          mode=mode), number=3)
        print(f"db5_L10_{mode}_wavedec_waverec: {ms:.2f} ms")
    print(f"numpy_rfft: {best_ms(lambda: np.fft.rfft(x), number=3):.2f} ms")


if __name__ == "__main__":
    main()
