#!/usr/bin/env python3
"""WSVD rank rules compared: output SNR per file for the default WSVD (AIC) and the
Gavish-Donoho optimal threshold at the estimated noise level (`--rank-rule optimal`).

Every WAV in the audio directory, first 10 s, white Gaussian noise at 24 and 10 dB (seed 0,
`sparsewave addnoise`), then `sparsewave denoise --method wsvd [--rank-rule R] --clean REF
--json`. Prints a Markdown table (output SNR in dB per file, level and rule; mean rank) and the
means.

    python3 scripts/wsvd_rank_rules.py [AUDIO_DIR] [--bin target/release/sparsewave]
        [--rules aic,optimal]
"""
import argparse
import json
import pathlib
import subprocess
import tempfile
import wave

SECONDS = 10
LEVELS = (24, 10)


def first_seconds(src, dst, seconds):
    with wave.open(str(src), "rb") as r:
        params = r.getparams()
        frames = r.readframes(seconds * r.getframerate())
    with wave.open(str(dst), "wb") as w:
        w.setparams(params)
        w.writeframes(frames)


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("audio", nargs="?", default="/work/shared/audio")
    ap.add_argument("--bin", default="target/release/sparsewave")
    ap.add_argument("--rules", default="aic,optimal")
    args = ap.parse_args()
    rules = args.rules.split(",")
    files = sorted(pathlib.Path(args.audio).glob("*.wav"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for f in files:
            clean = tmp / f"{f.stem}_clean.wav"
            first_seconds(f, clean, SECONDS)
            for level in LEVELS:
                noisy = tmp / f"{f.stem}_{level}.wav"
                run_json([args.bin, "addnoise", str(clean), "-o", str(noisy), "--snr",
                          str(level), "--seed", "0", "--json"])
                row = {"file": f.stem, "level": level}
                for rule in rules:
                    r = run_json([args.bin, "denoise", str(noisy), "-o", str(tmp / "out.wav"),
                                  "--method", "wsvd", "--rank-rule", rule, "--clean",
                                  str(clean), "--json"])
                    row[rule] = r["metrics"]["snr_db"]
                    row[rule + "_rank"] = r["mean_rank"]
                rows.append(row)
                print(json.dumps(row), flush=True)
    head = "| file | input SNR | " + " | ".join(
        f"{r} SNR (mean rank)" for r in rules) + " | " + " − ".join(reversed(rules)) + " |"
    print()
    print(head)
    print("|" + " --- |" * (3 + len(rules)))
    for row in rows:
        cells = [f"{row[r]:.2f} ({row[r + '_rank']:.1f})" for r in rules]
        diff = row[rules[-1]] - row[rules[0]]
        print(f"| {row['file']} | {row['level']} dB | " + " | ".join(cells) + f" | {diff:+.2f} |")
    for level in LEVELS:
        sel = [r for r in rows if r["level"] == level]
        means = [sum(r[rule] for r in sel) / len(sel) for rule in rules]
        worst = min(r[rules[-1]] - r[rules[0]] for r in sel)
        print(f"| mean | {level} dB | " + " | ".join(f"{m:.2f}" for m in means)
              + f" | {means[-1] - means[0]:+.2f} (worst file {worst:+.2f}) |")


if __name__ == "__main__":
    main()
