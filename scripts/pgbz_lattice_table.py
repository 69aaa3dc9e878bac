#!/usr/bin/env python3
"""What the PGBZ lattice rule does to the error: SNR at 4 % kept on the fast lattice (the
default: the smallest odd square side with no prime factor above 11) against the paper's (the
smallest odd square side), without and with the least-squares re-fit, on every WAV of AUDIO_DIR
and on --crops random mono excerpts of them (seeded; 1.5 to 25 s). The control column moves the
paper's side to the next odd number, the smallest change a lattice can make: if the fast rule's
differences look like the control's, the rule costs nothing but the luck of the grid.

    python3 scripts/pgbz_lattice_table.py target/release/sparsewave AUDIO_DIR [--crops 24] [--seed 7]

Needs NumPy and soundfile. Prints a markdown table (one row per input, in-process seconds from
the CLI's --json, paper → fast, with the re-fit) and the mean, median, spread and the count of
drops beyond 0.05 dB of each difference.
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import tempfile

import numpy as np
import soundfile as sf


def run(binary, clip, lattice, refit):
    flags = ["--lattice", lattice] + ([] if refit else ["--no-refit"])
    res = subprocess.run([binary, "compress", clip, "-o", clip + ".out.wav", "--method", "pgbz",
                          "--keep", "4%", "--json", *flags],
                         check=True, capture_output=True, text=True)
    d = json.loads(res.stdout)
    m, n = d["params"]["representation"]["lattice"][0]
    return d["metrics"]["snr_db"], m, n, d["seconds"]


def inputs(audio_dir, tmp, crops, seed):
    files = sorted(glob.glob(os.path.join(audio_dir, "*.wav")))
    yield from ((os.path.basename(f), f) for f in files)
    rng = np.random.default_rng(seed)
    for i in range(crops):
        f = files[i % len(files)]
        x, sr = sf.read(f, always_2d=True)
        n = int(rng.integers(int(1.5 * sr), min(len(x), 25 * sr) + 1))
        start = int(rng.integers(0, len(x) - n + 1))
        name = f"crop{i:02d} of {os.path.basename(f)} ({start / sr:.1f} s + {n / sr:.1f} s)"
        path = os.path.join(tmp, f"crop{i:02d}.wav")
        sf.write(path, x[start:start + n, :1], sr, subtype="PCM_16")
        yield name, path


def summary(label, deltas):
    return (f"| {label} | {statistics.mean(deltas):+.3f} | {statistics.median(deltas):+.3f} "
            f"| {statistics.stdev(deltas):.3f} | {min(deltas):+.3f} | {max(deltas):+.3f} "
            f"| {sum(d < -0.05 for d in deltas)} of {len(deltas)} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("audio_dir")
    ap.add_argument("--crops", type=int, default=24)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    head = ("| input | paper side | fast side | no re-fit: paper / fast (Δ) dB "
            "| re-fit: paper / fast (Δ) dB | control, next odd side: Δ no re-fit / re-fit dB "
            "| seconds with re-fit, paper → fast |")
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    deltas = {k: [] for k in ("fast0", "fast1", "next0", "next1")}
    with tempfile.TemporaryDirectory() as tmp:
        for name, clip in inputs(args.audio_dir, tmp, args.crops, args.seed):
            p0, mp, _, _ = run(args.binary, clip, "paper", False)
            p1, _, _, tp = run(args.binary, clip, "paper", True)
            q0, _, _, _ = run(args.binary, clip, f"{mp + 2}x{mp + 2}", False)
            q1, _, _, _ = run(args.binary, clip, f"{mp + 2}x{mp + 2}", True)
            deltas["next0"].append(q0 - p0)
            deltas["next1"].append(q1 - p1)
            f0, mf, _, _ = run(args.binary, clip, "fast", False)
            if mf == mp:
                print(f"| {name} | {mp} | {mf} (the same) | {p0:.2f} | {p1:.2f} "
                      f"| {q0 - p0:+.2f} / {q1 - p1:+.2f} | {tp:.2f} |", flush=True)
                continue
            f1, _, _, tf = run(args.binary, clip, "fast", True)
            deltas["fast0"].append(f0 - p0)
            deltas["fast1"].append(f1 - p1)
            print(f"| {name} | {mp} | {mf} | {p0:.2f} / {f0:.2f} ({f0 - p0:+.2f}) "
                  f"| {p1:.2f} / {f1:.2f} ({f1 - p1:+.2f}) | {q0 - p0:+.2f} / {q1 - p1:+.2f} "
                  f"| {tp:.2f} → {tf:.2f} |", flush=True)
    print()
    print("| difference (dB) | mean | median | standard deviation | min | max | drops > 0.05 dB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(summary("fast − paper, no re-fit (inputs where the sides differ)", deltas["fast0"]))
    print(summary("fast − paper, re-fit", deltas["fast1"]))
    print(summary("next odd side − paper, no re-fit (every input)", deltas["next0"]))
    print(summary("next odd side − paper, re-fit", deltas["next1"]))


if __name__ == "__main__":
    main()
