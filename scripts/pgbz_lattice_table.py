#!/usr/bin/env python3
"""SNR of PGBZ at 4 % kept on the shared recordings (first 10 s of each, the 60 s orchestra whole)
for the paper's lattice and the fast one, without and with the least-squares re-fit, as the
markdown table of docs/compress.md.

    python3 scripts/pgbz_lattice_table.py target/release/sparsewave [--baseline OLD_BINARY]

`--baseline` adds the re-fit of another build (e.g. the plain CGLS of 30 iterations before the
deflation preconditioner) on the paper's lattice. Whole-process seconds are printed too (wall
clock, one run each: a loaded machine makes them indicative only).
"""
import argparse
import glob
import json
import os
import subprocess
import tempfile
import time

from scipy.io import wavfile

AUDIO = "/work/shared/audio"


def run(binary, clip, *flags):
    out = os.path.join(os.path.dirname(clip), "out.wav")
    t0 = time.perf_counter()
    res = subprocess.run([binary, "compress", clip, "-o", out, "--method", "pgbz", "--keep", "4%",
                          "--json", *flags], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    d = json.loads(res.stdout)
    lattice = "x".join(str(v) for v in d["params"]["representation"]["lattice"][0])
    return d["metrics"]["snr_db"], lattice, seconds, (d.get("refit") or {}).get("iterations")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--baseline")
    args = ap.parse_args()
    head = ("| file | paper lattice | fast lattice | no re-fit: paper / fast (Δ) dB "
            "| re-fit: paper / fast (Δ) dB | iterations |")
    if args.baseline:
        head += " baseline re-fit, paper dB | seconds baseline → now, paper |"
    print(head)
    print("|" + " --- |" * (head.count("|") - 1))
    with tempfile.TemporaryDirectory() as tmp:
        for f in sorted(glob.glob(f"{AUDIO}/*.wav")):
            sr, x = wavfile.read(f)
            name = os.path.basename(f)
            if "orchestra" not in name:
                x = x[: 10 * sr]
            clip = os.path.join(tmp, name)
            wavfile.write(clip, sr, x)
            p0, lp, _, _ = run(args.binary, clip, "--no-refit")
            f0, lf, _, _ = run(args.binary, clip, "--no-refit", "--lattice", "fast")
            p1, _, tp, iters = run(args.binary, clip)
            f1, _, _, _ = run(args.binary, clip, "--lattice", "fast")
            row = (f"| {name}{'' if 'orchestra' in name else ' (10 s)'} | {lp} | {lf} "
                   f"| {p0:.2f} / {f0:.2f} ({f0 - p0:+.2f}) | {p1:.2f} / {f1:.2f} ({f1 - p1:+.2f}) "
                   f"| {iters} |")
            if args.baseline:
                b1, _, tb, bit = run(args.baseline, clip)
                row += f" {b1:.2f} ({bit} it.) | {tb:.2f} → {tp:.2f} |"
            print(row, flush=True)


if __name__ == "__main__":
    main()
