#!/usr/bin/env python3
"""Encode and decode times of two `sparsewave` builds in one sitting (issue 15's speed bound).

For each shared file (first 10 s), method and SNR target, the two builds run alternately
`--repeat` times each; the median wall-clock time of `encode --snr D` and of `decode` (each
build decoding its own file) is reported with the ratio new/old.

    python3 scripts/codec_speed.py --old /tmp/sparsewave-v1 --new target/release/sparsewave \
        --methods pgbz,dwt --targets 20,30 --repeat 3
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from codec_sizes import cut  # noqa: E402


def timed(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", default="target/release/sparsewave")
    ap.add_argument("--audio", default="/work/shared/audio")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--methods", default="pgbz,dwt")
    ap.add_argument("--targets", default="20,30")
    ap.add_argument("--files", default="")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    names = sorted(f for f in os.listdir(args.audio) if f.endswith(".wav"))
    if args.files:
        names = [n for n in names if n in args.files.split(",")]
    print("| file | target dB | method | encode old s | encode new s | encode × |"
          " decode old s | decode new s | decode × |")
    print("|" + "---|" * 9)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            clip = os.path.join(tmp, name)
            cut(os.path.join(args.audio, name), clip, args.seconds)
            for target in args.targets.split(","):
                for method in args.methods.split(","):
                    times = {"old": ([], []), "new": ([], [])}
                    for _ in range(args.repeat):
                        for which, binary in (("old", args.old), ("new", args.new)):
                            swz = os.path.join(tmp, which + ".swz")
                            times[which][0].append(timed([
                                binary, "encode", clip, "-o", swz, "--method", method,
                                "--snr", target]))
                            times[which][1].append(timed([
                                binary, "decode", swz, "-o", os.path.join(tmp, which + ".wav")]))
                    eo, do = (statistics.median(t) for t in times["old"])
                    en, dn = (statistics.median(t) for t in times["new"])
                    print(f"| {name} | {target} | {method} | {eo:.2f} | {en:.2f} | {en / eo:.2f} |"
                          f" {do:.3f} | {dn:.3f} | {dn / do:.2f} |", flush=True)


if __name__ == "__main__":
    main()
