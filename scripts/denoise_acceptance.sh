#!/usr/bin/env bash
# The acceptance measurement of the noise-blind denoiser (issue 10): denoise-bench on every WAV
# of a folder (first 10 s, seed 0), white noise at 24 and 10 dB and pink noise at 10 dB, then
# the per-file and mean tables of scripts/denoise_bench_summary.py.
#
#   scripts/denoise_acceptance.sh /work/shared/audio out/ [path/to/sparsewave]
set -euo pipefail
dir=${1:?folder of WAV files}
out=${2:?output folder}
bin=${3:-target/release/sparsewave}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for f in "$dir"/*.wav; do
  stem=$(basename "$f" .wav)
  "$bin" denoise-bench "$f" --max-seconds 10 --snr 24,10 --seed 0 --no-audio \
    -o "$out/awgn/$stem" > /dev/null
  "$bin" denoise-bench "$f" --max-seconds 10 --snr 10 --seed 0 --model pink --no-audio \
    -o "$out/pink/$stem" > /dev/null
done
echo "## White noise (AWGN), 24 and 10 dB"
python3 "$here/denoise_bench_summary.py" "$out"/awgn/*/*_denoise_bench.json
echo
echo "## Pink noise, 10 dB"
python3 "$here/denoise_bench_summary.py" "$out"/pink/*/*_denoise_bench.json
