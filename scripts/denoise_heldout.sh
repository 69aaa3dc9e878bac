#!/usr/bin/env bash
# Held-out check of the noise-blind denoiser (issue 10): 10 s segments of a recording starting
# at 20 s and 40 s (material the candidate set and the noise estimator were not tuned on),
# the acceptance measurement of scripts/denoise_acceptance.sh on them (white noise at 24/10 dB,
# pink noise at 10 dB, seed 0). Segments are cut with Python's wave module (PCM WAV).
#
#   scripts/denoise_heldout.sh /work/shared/audio/orchestra_60s.wav out/ [path/to/sparsewave]
set -euo pipefail
src=${1:?a PCM WAV recording of at least 50 s}
out=${2:?output folder}
bin=${3:-target/release/sparsewave}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/segments"
stem=$(basename "$src" .wav)
python3 - "$src" "$out/segments" "$stem" <<'PY'
import sys, wave
src, dst, stem = sys.argv[1:4]
with wave.open(src) as w:
    params, rate = w.getparams(), w.getframerate()
    for start in (20, 40):
        w.setpos(start * rate)
        frames = w.readframes(10 * rate)
        with wave.open(f"{dst}/{stem}_from{start}s.wav", "wb") as o:
            o.setparams(params)
            o.writeframes(frames)
PY
# The segments are 10 s long: the acceptance script's "first 10 s" is all of each.
"$here/denoise_acceptance.sh" "$out/segments" "$out" "$bin"
