#!/usr/bin/env python3
"""Inputs for scripts/bench_vs_peers.sh, made from a recording.

    python3 scripts/peers/wav_tools.py excerpt IN OUT SECONDS
    python3 scripts/peers/wav_tools.py long IN OUT SECONDS [CHANNELS]

excerpt: the first SECONDS of IN, same rate and sample format.
long: SECONDS of CHANNELS-channel (default 2) 16-bit audio at IN's rate, IN's first channel tiled;
channel c starts c·len(IN)/CHANNELS samples later in the tiling (the channels differ, the file
still sounds like IN). Written block by block (10 s at a time): memory stays small for an hour.
"""
import sys

import numpy as np
import soundfile as sf


def excerpt(src, dst, seconds):
    info = sf.info(src)
    x, rate = sf.read(src, dtype="float64", always_2d=True, frames=int(seconds * info.samplerate))
    sf.write(dst, x, rate, subtype=info.subtype)


def long(src, dst, seconds, channels):
    x, rate = sf.read(src, dtype="int16", always_2d=True)
    x = x[:, 0]
    total, block = int(seconds * rate), 10 * rate
    offsets = [c * len(x) // channels for c in range(channels)]
    with sf.SoundFile(dst, "w", samplerate=rate, channels=channels, subtype="PCM_16") as f:
        for start in range(0, total, block):
            idx = np.arange(start, min(start + block, total))
            f.write(np.stack([x[(idx + o) % len(x)] for o in offsets], axis=1))


def main():
    cmd, src, dst, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    if cmd == "excerpt":
        excerpt(src, dst, seconds)
    elif cmd == "long":
        long(src, dst, seconds, int(sys.argv[5]) if len(sys.argv) > 5 else 2)
    else:
        sys.exit(f"unknown command {cmd!r}: excerpt or long")


if __name__ == "__main__":
    main()
