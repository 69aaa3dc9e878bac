#!/usr/bin/env python3
"""Summarise several `sparsewave denoise-bench --json` results into README tables.

For every input SNR: the mean over files of SNR, NRR, RMSE, NCC and processing time per second
of audio per method, the mean
gain over the noisy input, the number of files where the method has the best SNR, and a
method x file table of output SNRs. Methods are listed in the order of the first file.

Run:
  for f in /work/shared/audio/*.wav; do
    sparsewave denoise-bench "$f" --max-seconds 10 --snr 24,10 --seed 0 --no-audio \
      -o "bench/$(basename "$f" .wav)"
  done
  python3 scripts/denoise_bench_summary.py bench/*/*_denoise_bench.json
"""
import json
import sys
from pathlib import Path


def main(paths):
    runs = [json.load(open(p)) for p in paths]
    names = [Path(r["input"]).stem for r in runs]
    snrs = [lvl["input_snr_db"] for lvl in runs[0]["levels"]]
    for snr in snrs:
        tables = []
        for r in runs:
            lvl = next(l for l in r["levels"] if l["input_snr_db"] == snr)
            duration = r["samples"] / r["sample_rate"]
            rows = {row["method"]: dict(row) for row in lvl["rows"]}
            for row in rows.values():
                row["rtf"] = row["seconds"] / duration
            tables.append(rows)
        methods = list(tables[0])
        best = {m: 0 for m in methods}
        for t in tables:
            # The best real method per file (the oracle gate is listed but not counted).
            cands = [m for m in methods if m != "noisy input" and "oracle" not in m]
            best[max(cands, key=lambda m: t[m]["snr_db"])] += 1
        print(f"\nInput SNR {snr:g} dB, mean over {len(runs)} files:\n")
        print("| method | SNR (dB) | gain (dB) | NRR (dB) | RMSE | NCC | s per s of audio | mean rank | best on |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for m in methods:
            rows = [t[m] for t in tables]
            mean = lambda k: sum(r[k] for r in rows) / len(rows)
            gain = sum(r["snr_db"] - t["noisy input"]["snr_db"] for r, t in zip(rows, tables)) / len(rows)
            ranks = [r["mean_rank"] for r in rows if r["mean_rank"] is not None]
            rank = f"{sum(ranks) / len(ranks):.1f}" if ranks else "–"
            won = "–" if m == "noisy input" or "oracle" in m else str(best[m])
            print(f"| {m} | {mean('snr_db'):.2f} | {gain:+.2f} | {mean('nrr_db'):.2f} | "
                  f"{mean('rmse'):.5f} | {mean('ncc'):.4f} | {mean('rtf'):.4f} | {rank} | {won} |")
        print(f"\nInput SNR {snr:g} dB, output SNR (dB) per file:\n")
        print("| method | " + " | ".join(names) + " |")
        print("| --- |" + " ---: |" * len(names))
        for m in methods:
            vals = []
            for t in tables:
                cands = [k for k in t if k != "noisy input" and "oracle" not in k]
                top = max(cands, key=lambda k: t[k]["snr_db"])
                v = f"{t[m]['snr_db']:.2f}"
                vals.append(f"**{v}**" if m == top else v)
            print(f"| {m} | " + " | ".join(vals) + " |")
        levels = [next(l for l in r["levels"] if l["input_snr_db"] == snr) for r in runs]
        if all("best_noise_blind" in l for l in levels):
            auto = next((m for m in methods if m.startswith("auto")), None)
            oracle = next((m for m in methods if "oracle" in m), None)
            print(f"\nInput SNR {snr:g} dB: the default (auto) against the oracle gate and the best "
                  "noise-blind method, per file:\n")
            print("| file | auto (dB) | oracle gate | auto − oracle | best noise-blind | auto − best "
                  "| σ̂/σ (model) | auto picked |")
            print("| --- | ---: | ---: | ---: | --- | ---: | --- | --- |")
            gaps = []
            for name, t, l in zip(names, tables, levels):
                a = t[auto]["snr_db"] if auto else float("nan")
                o = l["oracle_gate_snr_db"]
                b = l["best_noise_blind"]
                sig = ", ".join(f"{c['ratio']:.3f} ({c['model']})" for c in l["noise_estimate"])
                gaps.append(a - o)
                print(f"| {name} | {a:.2f} | {o:.2f} | {a - o:+.2f} | {b['method']} "
                      f"({b['snr_db']:.2f}) | {a - b['snr_db']:+.2f} | {sig} | "
                      f"{', '.join(l['auto_picked'])} |")
            print(f"\nMean auto − oracle gate: {sum(gaps) / len(gaps):+.2f} dB")


if __name__ == "__main__":
    main(sys.argv[1:])
