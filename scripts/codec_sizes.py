#!/usr/bin/env python3
"""Measure `.swz` file sizes at fixed SNR targets (issue 15).

For every WAV of an audio directory (default: /work/shared/audio), the first 10 s are cut
(stdlib `wave`, sample-exact) and encoded with `sparsewave encode --snr D --json` for each
method and each target; the delivered SNR, the file size, the number of rate-control trials
and the wall-clock encode and decode times are recorded. Prints a Markdown table; `--json`
writes the raw rows as well, `--compare OLD.json` adds the size change against an earlier run
(e.g. the version-1 encoder) at the same file, method and target.

    python3 scripts/codec_sizes.py --bin target/release/sparsewave \
        --methods pgbz,dwt,auto --targets 20,30 --json sizes.json [--compare v1.json]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import wave


def cut(src, dst, seconds):
    with wave.open(src) as w:
        params = w.getparams()
        frames = min(w.getnframes(), int(seconds * w.getframerate()))
        data = w.readframes(frames)
    with wave.open(dst, "wb") as o:
        o.setparams(params)
        o.writeframes(data)


def run(cmd):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    return out.stdout, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="target/release/sparsewave")
    ap.add_argument("--audio", default="/work/shared/audio")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--methods", default="pgbz,dwt")
    ap.add_argument("--targets", default="20,30")
    ap.add_argument("--files", default="", help="comma-separated file names (default: all)")
    ap.add_argument("--json", help="write the rows here")
    ap.add_argument("--compare", help="rows of an earlier run to compare sizes with")
    args = ap.parse_args()

    names = sorted(f for f in os.listdir(args.audio) if f.endswith(".wav"))
    if args.files:
        names = [n for n in names if n in args.files.split(",")]
    methods = args.methods.split(",")
    targets = [float(t) for t in args.targets.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            clip = os.path.join(tmp, name)
            cut(os.path.join(args.audio, name), clip, args.seconds)
            for target in targets:
                for method in methods:
                    swz = os.path.join(tmp, "out.swz")
                    out, enc_s = run([args.bin, "encode", clip, "-o", swz, "--method", method,
                                      "--snr", str(target), "--json"])
                    rep = json.loads(out)
                    _, dec_s = run([args.bin, "decode", swz, "-o",
                                    os.path.join(tmp, "out.wav")])
                    row = {
                        "file": name,
                        "method": method,
                        "target_db": target,
                        "chosen": rep.get("params", {}).get("method", method),
                        "snr_db": rep["metrics"]["snr_db"],
                        "bytes": rep["bytes"],
                        "kbps": rep["kbps"],
                        "trials": rep["trials"],
                        "encode_s": enc_s,
                        "decode_s": dec_s,
                    }
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)

    old = {}
    if args.compare:
        with open(args.compare) as f:
            for r in json.load(f):
                old[(r["file"], r["method"], r["target_db"])] = r
    head = "| file | target dB | method | chosen | SNR dB | bytes | trials | encode s | decode s |"
    if old:
        head += " v1 bytes | v1 SNR dB | size change | encode × | decode × |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        line = (f"| {r['file']} | {r['target_db']:g} | {r['method']} | {r['chosen']} | "
                f"{r['snr_db']:.2f} | {r['bytes']} | {r['trials']} | {r['encode_s']:.2f} | "
                f"{r['decode_s']:.2f} |")
        o = old.get((r["file"], r["method"], r["target_db"]))
        if old and o:
            line += (f" {o['bytes']} | {o['snr_db']:.2f} | "
                     f"{100 * (r['bytes'] / o['bytes'] - 1):+.1f} % | "
                     f"{r['encode_s'] / o['encode_s']:.2f} | {r['decode_s'] / o['decode_s']:.2f} |")
        elif old:
            line += " | | | | |"
        print(line)


if __name__ == "__main__":
    main()
