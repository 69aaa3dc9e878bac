#!/usr/bin/env python3
"""Two builds of sparsewave on the same jobs, interleaved, in one sitting.

    python3 scripts/bench_ab.py OLD_BIN NEW_BIN [--audio WAV] [--rounds N] [--out FILE.md]

Each round runs every job once with OLD_BIN and once with NEW_BIN (which one goes first
alternates), so that a machine whose load drifts slows both builds alike; a shared machine
inflates wall times, so the table also gives CPU time (user + system of the child, from
getrusage), which other load inflates less. Medians over the rounds; ratio = old / new
(above 1: the new build is faster). Outputs of the two builds are compared byte for byte
(WAV files), so a speed-up that changes a result is reported as such.

The jobs are issue 11's whole-process rows on AUDIO (default: the shared 60 s orchestra).
"""

import argparse
import filecmp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def jobs(audio, work):
    """(name, argv after the binary, output file or None)."""
    dwt = os.path.join(work, "dwt_ref.wav")
    return [
        ("approx --rank 20", ["approx", audio, "-o", "{out}", "--rank", "20"], "{out}"),
        ("compress pgbz 4 % (re-fit)", ["compress", audio, "-o", "{out}", "--method", "pgbz", "--keep", "4%"], "{out}"),
        ("compress pgbz 4 % --no-refit", ["compress", audio, "-o", "{out}", "--method", "pgbz", "--keep", "4%", "--no-refit"], "{out}"),
        ("compress dwt db5 level 10 4 %", ["compress", audio, "-o", "{out}", "--method", "dwt", "--wavelet", "db5", "--level", "10", "--keep", "4%"], "{out}"),
        ("metrics REF TEST", ["metrics", audio, dwt], None),
        ("denoise --method lsa", ["denoise", audio, "-o", "{out}", "--method", "lsa"], "{out}"),
        ("compress stft 5 %", ["compress", audio, "-o", "{out}", "--method", "stft", "--keep", "5%"], "{out}"),
    ], dwt


def run(binary, argv, out):
    argv = [a.replace("{out}", out) for a in argv]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([binary, *argv], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--audio", default="/work/shared/audio/orchestra_60s.wav")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--out", help="also write the table to this markdown file")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        table, dwt = jobs(a.audio, work)
        subprocess.run([a.new, "compress", a.audio, "-o", dwt, "--method", "dwt", "--keep", "4%"],
                       check=True, stdout=subprocess.DEVNULL)
        times = {(name, b): ([], []) for name, _, _ in table for b in ("old", "new")}
        same = {}
        for r in range(a.rounds):
            for name, argv, out in table:
                order = [("old", a.old), ("new", a.new)]
                if r % 2:
                    order.reverse()
                for label, binary in order:
                    o = os.path.join(work, f"{label}.wav")
                    wall, cpu = run(binary, argv, o)
                    times[(name, label)][0].append(wall)
                    times[(name, label)][1].append(cpu)
                if out is not None and r == 0:
                    same[name] = filecmp.cmp(os.path.join(work, "old.wav"), os.path.join(work, "new.wav"), shallow=False)
        load = os.getloadavg()
    lines = [
        f"Interleaved A/B, {a.rounds} rounds, medians; input {a.audio}; load average at the end "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; old = `{a.old}`, new = `{a.new}`.",
        "",
        "| job | old wall | new wall | wall ratio | old CPU | new CPU | CPU ratio | output |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, _, out in table:
        ow, oc = (statistics.median(v) for v in times[(name, "old")])
        nw, nc = (statistics.median(v) for v in times[(name, "new")])
        verdict = "—" if out is None else ("identical" if same[name] else "differs")
        lines.append(f"| {name} | {ow * 1e3:.0f} ms | {nw * 1e3:.0f} ms | {ow / nw:.2f}× | "
                     f"{oc * 1e3:.0f} ms | {nc * 1e3:.0f} ms | {oc / nc:.2f}× | {verdict} |")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
