"""The GIL is released while the library computes."""

import threading
import time

import numpy as np

import sparsewave as sw


def test_python_keeps_running_during_a_long_call(clip):
    x, sr = clip
    long_input = np.tile(x, 2)  # 8 s
    done = threading.Event()
    call = {}

    def work():
        call["start"] = time.perf_counter()
        sw.approx(long_input, sr, rank=20, phase="griffin-lim", iters=10)
        call["end"] = time.perf_counter()
        done.set()

    thread = threading.Thread(target=work)
    thread.start()
    stamps = []
    ticks = 0
    while not done.is_set():
        ticks += 1  # pure Python: runs only while the other thread does not hold the GIL
        if ticks % 1000 == 0:
            stamps.append(time.perf_counter())
    thread.join()
    start, end = call["start"], call["end"]
    assert end - start > 0.2, "the call must be long enough to measure"
    # If the call held the GIL, the main loop would be frozen from the moment the call took
    # it until it returned: no time stamps inside the call. Released, the loop keeps
    # stamping all through it.
    inside = [start] + [t for t in stamps if start < t < end] + [end]
    largest_gap = max(b - a for a, b in zip(inside, inside[1:]))
    assert len(inside) > 20 and largest_gap < 0.25 * (end - start), (
        len(inside),
        largest_gap,
        end - start,
    )
