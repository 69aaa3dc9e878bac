#!/usr/bin/env bash
# Speed of the default denoiser (auto): `sparsewave denoise` on 10 s of a recording with white
# noise at 10 dB, five runs; prints wall-clock and CPU seconds per second of audio. Run on a
# quiet machine: the wall time counts whatever else the cores are doing.
#
#   scripts/denoise_speed.sh /work/shared/audio/folk_10s.wav [path/to/sparsewave]
set -euo pipefail
clean=${1:?a clean recording}
bin=${2:-target/release/sparsewave}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" addnoise "$clean" -o "$tmp/noisy.wav" --snr 10 --seed 0 > /dev/null
seconds=$("$bin" info "$tmp/noisy.wav" --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["duration_seconds"])')
for i in 1 2 3 4 5; do
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$bin" denoise "$tmp/noisy.wav" -o "$tmp/out.wav" > /dev/null
  read -r wall user sys < "$tmp/time"
  python3 -c "print(f'run $i: wall {$wall / $seconds:.4f} s, CPU {($user + $sys) / $seconds:.4f} s per second of audio')"
done
