#!/usr/bin/env bash
# Speed of `sparsewave denoise --method wsvd` (default: w 200, 50 % overlap, the default rank
# rule; extra arguments are passed to denoise, e.g. `--rank-rule aic`) on 10 s of a recording
# with white noise at 10 dB (seed 0), five runs: wall-clock and CPU seconds per second of
# audio, then the medians. The wall time counts whatever else the cores are doing: the load
# average is printed with it.
#
#   scripts/wsvd_speed.sh /work/shared/audio/folk_10s.wav [path/to/sparsewave] [denoise args...]
set -euo pipefail
clean=${1:?a clean recording}
bin=${2:-target/release/sparsewave}
shift $(( $# >= 2 ? 2 : 1 ))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" addnoise "$clean" -o "$tmp/noisy.wav" --snr 10 --seed 0 > /dev/null
seconds=$("$bin" info "$tmp/noisy.wav" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["duration_seconds"])')
: > "$tmp/all"
for i in 1 2 3 4 5; do
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$bin" denoise "$tmp/noisy.wav" -o "$tmp/out.wav" --method wsvd "$@" > /dev/null
  read -r wall user sys < "$tmp/time"
  echo "$wall $user $sys" >> "$tmp/all"
  python3 -c "print(f'run $i: wall {$wall / $seconds:.4f} s, CPU {($user + $sys) / $seconds:.4f} s per second of audio')"
done
python3 - "$tmp/all" "$seconds" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
s = float(sys.argv[2])
wall = statistics.median(r[0] for r in rows) / s
cpu = statistics.median(r[1] + r[2] for r in rows) / s
load = open("/proc/loadavg").read().split()[0]
print(f"median: wall {wall:.4f} s, CPU {cpu:.4f} s per second of audio (load average {load})")
PY
