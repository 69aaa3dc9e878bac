#!/usr/bin/env bash
# Throughput of `sparsewave batch --jobs 2` against 100 separate CLI invocations (one after
# another, and two at a time with xargs -P 2), on 100 generated 10 s files, in audio hours per
# hour (= audio seconds / wall seconds).
#
#   cargo build --release -p sparsewave-cli
#   scripts/bench_batch.sh [JOB FLAGS...]      # default: compress --method pgbz --keep 4%
#
# The files are the bundled 4 s clip (crates/sparsewave/tests/data/folk_4s.wav) tiled to 10 s
# with a different circular shift each, so no two are equal. Needs python3 (stdlib only).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SPARSEWAVE:-$PWD/target/release/sparsewave}
[ -x "$BIN" ] || { echo "build first: cargo build --release -p sparsewave-cli" >&2; exit 1; }
if [ $# -eq 0 ]; then set -- compress --method pgbz --keep 4%; fi
COMMAND=$1; shift
FILES=${FILES:-100}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK" "$FILES" "$COMMAND" "$@" <<'PY'
import json, sys, wave
work, files, command, flags = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
src = wave.open("crates/sparsewave/tests/data/folk_4s.wav", "rb")
p = src.getparams()
frames = src.readframes(p.nframes)
bpf = p.sampwidth * p.nchannels
n = 10 * p.framerate
import os
os.makedirs(f"{work}/in"); os.makedirs(f"{work}/batch"); os.makedirs(f"{work}/single")
params = {}
i = 0
while i < len(flags):
    key = flags[i].lstrip("-")
    if i + 1 < len(flags) and not flags[i + 1].startswith("--"):
        params[key] = flags[i + 1]; i += 2
    else:
        params[key] = True; i += 1
with open(f"{work}/jobs.jsonl", "w") as m:
    for k in range(files):
        shift = (k * 7919 * 13) % p.nframes
        loop = frames[shift * bpf:] + frames[:shift * bpf]
        data = (loop * 3)[: n * bpf]
        out = wave.open(f"{work}/in/f{k:03}.wav", "wb")
        out.setparams(p); out.writeframes(data); out.close()
        m.write(json.dumps({"command": command, "input": f"in/f{k:03}.wav",
                            "output": f"batch/f{k:03}.wav", **params}) + "\n")
PY
AUDIO=$((FILES * 10))
rate() { python3 -c "print(f'{$AUDIO / $1:.1f}')"; }
now() { date +%s.%N; }

t0=$(now)
"$BIN" batch "$WORK/jobs.jsonl" --jobs 2 > "$WORK/summary.txt"
t1=$(now)
batch_s=$(python3 -c "print(f'{$t1 - $t0:.2f}')")

t0=$(now)
for f in "$WORK"/in/*.wav; do
  "$BIN" "$COMMAND" "$f" -o "$WORK/single/$(basename "$f")" "$@" --json > /dev/null
done
t1=$(now)
loop_s=$(python3 -c "print(f'{$t1 - $t0:.2f}')")

rm -f "$WORK"/single/*
t0=$(now)
export BIN COMMAND WORK
ls "$WORK"/in/*.wav | xargs -P 2 -I{} sh -c \
  'f=$1; shift; "$BIN" "$COMMAND" "$f" -o "$WORK/single/$(basename "$f")" "$@" --json > /dev/null' \
  sh {} "$@"
t1=$(now)
xargs_s=$(python3 -c "print(f'{$t1 - $t0:.2f}')")

# Same files either way.
for f in "$WORK"/batch/*.wav; do cmp -s "$f" "$WORK/single/$(basename "$f")" || { echo "differs: $f" >&2; exit 1; }; done

echo "job: $COMMAND $*; $FILES files x 10 s = $AUDIO s of audio; $(nproc) cores"
printf '%-44s %8s s  %8s audio h/h\n' "batch --jobs 2" "$batch_s" "$(rate "$batch_s")"
printf '%-44s %8s s  %8s audio h/h\n' "$FILES separate invocations, one at a time" "$loop_s" "$(rate "$loop_s")"
printf '%-44s %8s s  %8s audio h/h\n' "$FILES separate invocations, xargs -P 2" "$xargs_s" "$(rate "$xargs_s")"
echo "batch summary: $(cat "$WORK/summary.txt")"
