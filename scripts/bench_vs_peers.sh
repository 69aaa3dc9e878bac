#!/usr/bin/env bash
# Issue 11's table in one sitting: sparsewave against its NumPy/SciPy/PyWavelets peers, whole
# processes (hyperfine medians, peak memory by /usr/bin/time -v) and in-process where the row
# says so (the CLI's --json "seconds" for PGBZ, criterion for the STFT floor and the sweep).
# Prints a markdown table and writes it to scripts/results/bench_vs_peers.md; the raw results
# (hyperfine exports, /usr/bin/time -v logs, JSON reports, criterion estimates) are kept in
# target/bench_vs_peers/raw (re-render: python3 scripts/peers/render_table.py DIR).
#
#   scripts/bench_vs_peers.sh [--quick] [--long] [AUDIO] [BIN]
#
# AUDIO   a recording (default /work/shared/audio/orchestra_60s.wav); the issue's targets are
#         for 150 s and are scaled to its duration (seconds and MB linearly; ratios and
#         seconds-per-second of audio as they are).
# BIN     the sparsewave binary (default target/release/sparsewave). The criterion rows (STFT
#         floor, sweep) build `cargo bench -p sparsewave` from this checkout.
# --quick fewer runs (2 rounds, no warm-up; short criterion samples): for trying it.
# --long  also row 10: one hour of 44.1 kHz stereo tiled from AUDIO (a ~635 MB WAV written once
#         into a temporary folder) through `encode --method dwt`, `decode`,
#         `denoise --method lsa` and `interp --factor 4`, each under /usr/bin/time -v. LONG_SECONDS (default 3600) sets
#         its length; LONG_MAX_MEMORY, when set, is passed as --max-memory to those commands;
#         LONG_MEMORY_CAP (bytes, or with a K/M/G suffix), when set, runs them under
#         `prlimit --as` so that a command needing more fails there instead of exhausting a
#         shared machine (the table says so).
#
# Environment: PYTHON (default python3) with NumPy, SciPy, PyWavelets and soundfile; hyperfine,
# GNU time (/usr/bin/time) and cargo on PATH. The peers are in scripts/peers/ and reuse
# scripts/bench_sweep.py and scripts/bench_wsvd.py.
set -euo pipefail

quick=0
long=0
args=()
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --long) long=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) echo "bench_vs_peers.sh: unknown option $a (see --help)" >&2; exit 2 ;;
    *) args+=("$a") ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
audio=$(realpath "${args[0]:-/work/shared/audio/orchestra_60s.wav}")
bin=$(realpath "${args[1]:-$root/target/release/sparsewave}")
PYTHON=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1 # the peers import each other: no __pycache__ in scripts/
peers="$root/scripts/peers"
for tool in hyperfine /usr/bin/time cargo; do
  command -v "$tool" > /dev/null || { echo "bench_vs_peers.sh: $tool not found" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "bench_vs_peers.sh: $bin is not an executable" >&2; exit 2; }
[ -f "$audio" ] || { echo "bench_vs_peers.sh: $audio not found" >&2; exit 2; }
"$PYTHON" -c 'import numpy, scipy, pywt, soundfile' || {
  echo "bench_vs_peers.sh: $PYTHON lacks numpy, scipy, pywt or soundfile (set PYTHON)" >&2
  exit 2
}

if [ $quick = 1 ]; then
  runs=2 warmup=0 py_runs=2 criterion=(--warm-up-time 1 --measurement-time 2)
else
  runs=7 warmup=1 py_runs=7 criterion=()
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
raw="$work/raw"
mkdir -p "$raw"
note() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# bench NAME CMD [PEER_CMD]: $runs rounds of one hyperfine run of each command (named
# sparsewave, peer), in turn and in the reverse order every other round, after $warmup rounds
# that are not kept: on a shared machine both commands then meet the same load, instead of one
# running all its runs before the other. The rounds merge into raw/NAME.json (medians).
bench() {
  local name=$1
  shift
  local cmds=(-n sparsewave "$1")
  # With a peer: (-n peer PEER -n sparsewave CMD); an odd round swaps the two triples.
  [ $# -ge 2 ] && cmds=(-n peer "$2" "${cmds[@]}")
  local i order=()
  for ((i = 0; i < warmup; i++)); do
    hyperfine -N --style none --runs 1 "${cmds[@]}" > /dev/null
  done
  for ((i = 1; i <= runs; i++)); do
    if ((i % 2)) && [ $# -ge 2 ]; then
      order=("${cmds[@]:3:3}" "${cmds[@]:0:3}")
    else
      order=("${cmds[@]}")
    fi
    hyperfine -N --style basic --runs 1 --export-json "$raw/$name.round$i.json" "${order[@]}" >&2
  done
  "$PYTHON" "$peers/merge_rounds.py" "$raw/$name.json" "$raw/$name".round*.json
}
# peak NAME CMD...: one run under /usr/bin/time -v: raw/NAME.time, stdout raw/NAME.out,
# stderr raw/NAME.err; a failing command is recorded (its exit status is in NAME.time), not fatal.
peak() {
  local name=$1
  shift
  /usr/bin/time -v -o "$raw/$name.time" "$@" > "$raw/$name.out" 2> "$raw/$name.err" || true
}
q() { printf '%q' "$1"; }
# agree NAME SPARSEWAVE_OUT PEER_OUT: the peer's output measured against sparsewave's.
agree() { "$bin" metrics "$2" "$3" --json > "$raw/agree_$1.json"; }

# The sitting's facts.
"$bin" info "$audio" --json > "$raw/audio.json"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "mem_total_mb=$(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo)"
  echo "sparsewave=$("$bin" --version)"
  echo "commit=$(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo unknown)"
  echo "python=$("$PYTHON" -c 'import sys, numpy, scipy, pywt, soundfile; print(f"Python {sys.version.split()[0]}, NumPy {numpy.__version__}, SciPy {scipy.__version__}, PyWavelets {pywt.__version__}, soundfile {soundfile.__version__}")')"
  echo "blas_threads=${OPENBLAS_NUM_THREADS:-${OMP_NUM_THREADS:-default}}"
  echo "svds_solver=$("$PYTHON" "$peers/scipy_approx.py" --which-solver)"
  echo "hyperfine=$(hyperfine --version), $warmup warm-up and $runs measured rounds"
  echo "quick=$quick"
  echo "audio=$audio"
  echo "work=$work"
} > "$raw/meta.env"

# 1. approx --rank 20, whole processes.
note "1/9 approx --rank 20 vs SciPy stft + svds + istft"
sw=(approx "$(q "$audio")" -o "$work/approx_sw.wav" --rank 20)
py=("$PYTHON" "$peers/scipy_approx.py" "$(q "$audio")" "$work/approx_py.wav" --rank 20)
bench approx "$(q "$bin") ${sw[*]}" "${py[*]}"
peak approx_sw "$bin" approx "$audio" -o "$work/approx_sw.wav" --rank 20 --json
peak approx_py "$PYTHON" "$peers/scipy_approx.py" "$audio" "$work/approx_py.wav" --rank 20
agree approx "$work/approx_sw.wav" "$work/approx_py.wav"

# 2. PGBZ without re-fit, in-process: the CLI's "seconds" (compute only: plan, analysis,
# selection, synthesis; no I/O, no metrics) against the NumPy peer timing the same steps.
note "2/9 compress pgbz --no-refit (in-process) vs NumPy PGBZ"
for i in $(seq "$runs"); do
  peak "pgbz_norefit_$i" "$bin" compress "$audio" -o "$work/pgbz_norefit.wav" --method pgbz \
    --keep 4% --no-refit --json
done
lattice=$("$PYTHON" -c 'import json, sys; m, n = json.load(open(sys.argv[1]))["params"]["representation"]["lattice"][0]; print(f"{m}x{n}")' "$raw/pgbz_norefit_1.out")
"$PYTHON" "$peers/pgbz_numpy.py" "$audio" --keep 0.04 --lattice "$lattice" --runs "$py_runs" \
  > "$raw/pgbz_norefit_py.json"

# 3. PGBZ with the re-fit (the default), whole process.
note "3/9 compress pgbz (re-fit)"
bench pgbz_refit "$(q "$bin") compress $(q "$audio") -o $work/pgbz_refit.wav --method pgbz --keep 4%"
peak pgbz_refit "$bin" compress "$audio" -o "$work/pgbz_refit.wav" --method pgbz --keep 4% --json

# 4./5. WSVD on the first 5 s with white noise at 24 dB (seed 1): the paper's Table 3 setting
# against the NumPy GKL peer, and the default configuration.
note "4/9 denoise wsvd Table 3 (5 s) vs NumPy GKL; 5/9 wsvd default"
"$PYTHON" "$peers/wav_tools.py" excerpt "$audio" "$work/clean5.wav" 5
"$bin" addnoise "$work/clean5.wav" -o "$work/noisy5.wav" --model awgn --snr 24 --seed 1 > /dev/null
"$bin" info "$work/noisy5.wav" --json > "$raw/noisy5.json"
table3=(--method wsvd --window 1000 --ratio 0.1 --mapping paper --junction none)
bench wsvd_table3 "$(q "$bin") denoise $work/noisy5.wav -o $work/wsvd3_sw.wav ${table3[*]}" \
  "$PYTHON $peers/wsvd_gkl.py $work/noisy5.wav $work/wsvd3_py.wav"
peak wsvd_table3_sw "$bin" denoise "$work/noisy5.wav" -o "$work/wsvd3_sw.wav" "${table3[@]}" --json
peak wsvd_table3_py "$PYTHON" "$peers/wsvd_gkl.py" "$work/noisy5.wav" "$work/wsvd3_py.wav"
agree wsvd_table3 "$work/wsvd3_sw.wav" "$work/wsvd3_py.wav"
bench wsvd_default "$(q "$bin") denoise $work/noisy5.wav -o $work/wsvd_sw.wav --method wsvd"
peak wsvd_default "$bin" denoise "$work/noisy5.wav" -o "$work/wsvd_sw.wav" --method wsvd --json

# 6./7. Criterion (in-process, first channel, first 60 s): the STFT against its FFT floor, and
# the 10-level sweep; the SciPy STFT and bench_sweep.py's sweeps on the same 60 s.
note "6/9 STFT vs FFT floor (criterion) and SciPy; 7/9 sweep (criterion) vs bench_sweep.py"
"$PYTHON" "$peers/wav_tools.py" excerpt "$audio" "$work/first60.wav" 60
"$bin" info "$work/first60.wav" --json > "$raw/first60.json"
"$bin" compress "$work/first60.wav" -o "$work/first60_pgbz.wav" --method pgbz --keep 4% \
  --no-refit --json > "$raw/first60_pgbz.json"
lattice60=$("$PYTHON" -c 'import json, sys; m, n = json.load(open(sys.argv[1]))["params"]["representation"]["lattice"][0]; print(f"{m}x{n}")' "$raw/first60_pgbz.json")
# This sitting's estimates only: drop the groups' earlier results (and criterion's baselines).
rm -rf "$root/target/criterion/stft_60s" "$root/target/criterion/sweep"
(
  cd "$root"
  export SPARSEWAVE_BENCH_AUDIO="$work/first60.wav"
  cargo bench -q -p sparsewave --bench stft -- "${criterion[@]}" '^stft_60s/' > "$raw/criterion_stft.log" 2>&1
  cargo bench -q -p sparsewave --bench sweep -- "${criterion[@]}" '^sweep/' > "$raw/criterion_sweep.log" 2>&1
) || { echo "bench_vs_peers.sh: cargo bench failed:" >&2; tail -20 "$raw"/criterion_*.log >&2; exit 1; }
for d in "$root"/target/criterion/stft_60s/* "$root"/target/criterion/sweep/*; do
  [ -f "$d/new/estimates.json" ] || continue
  cp "$d/new/estimates.json" "$raw/criterion_$(basename "$(dirname "$d")")__$(basename "$d").json"
done
"$PYTHON" "$peers/scipy_stft.py" "$work/first60.wav" --runs "$py_runs" > "$raw/stft_scipy.json"
sweep_runs=$([ $quick = 1 ] && echo 1 || echo 3)
"$PYTHON" "$peers/sweep_numpy.py" "$work/first60.wav" --lattice "$lattice60" --runs "$sweep_runs" \
  > "$raw/sweep_py.json"

# 8. DWT compression, whole processes.
note "8/9 compress dwt db5 level 10 vs PyWavelets"
dwt=(--method dwt --wavelet db5 --level 10 --keep 4%)
bench dwt "$(q "$bin") compress $(q "$audio") -o $work/dwt_sw.wav ${dwt[*]}" \
  "$PYTHON $peers/pywt_compress.py $(q "$audio") $work/dwt_py.wav"
peak dwt_sw "$bin" compress "$audio" -o "$work/dwt_sw.wav" "${dwt[@]}" --json
peak dwt_py "$PYTHON" "$peers/pywt_compress.py" "$audio" "$work/dwt_py.wav"
agree dwt "$work/dwt_sw.wav" "$work/dwt_py.wav"

# 9. metrics REF TEST, whole process (TEST = row 8's output).
note "9/9 metrics"
bench metrics "$(q "$bin") metrics $(q "$audio") $work/dwt_sw.wav"
peak metrics "$bin" metrics "$audio" "$work/dwt_sw.wav" --json

# 10. One hour of stereo (optional).
if [ $long = 1 ]; then
  seconds=${LONG_SECONDS:-3600}
  note "10 long input: generating $seconds s of stereo"
  "$PYTHON" "$peers/wav_tools.py" long "$audio" "$work/long.wav" "$seconds" 2
  "$bin" info "$work/long.wav" --json > "$raw/long.json"
  mem=()
  if [ -n "${LONG_MAX_MEMORY:-}" ]; then
    mem=(--max-memory "$LONG_MAX_MEMORY")
    echo "long_max_memory=$LONG_MAX_MEMORY" >> "$raw/meta.env"
  fi
  cap=()
  if [ -n "${LONG_MEMORY_CAP:-}" ]; then
    cap=(prlimit "--as=$(numfmt --from=iec "$LONG_MEMORY_CAP")" --)
    echo "long_memory_cap=$LONG_MEMORY_CAP" >> "$raw/meta.env"
  fi
  note "10 encode --method dwt"
  peak long_encode "${cap[@]}" "$bin" "${mem[@]}" encode "$work/long.wav" -o "$work/long.swz" --method dwt --json
  note "10 decode"
  if [ -f "$work/long.swz" ]; then
    peak long_decode "${cap[@]}" "$bin" "${mem[@]}" decode "$work/long.swz" -o "$work/long_decoded.wav" --json
  else
    echo "skipped: encode wrote no .swz" > "$raw/long_decode.skipped"
  fi
  rm -f "$work/long_decoded.wav"
  note "10 denoise --method lsa"
  peak long_denoise "${cap[@]}" "$bin" "${mem[@]}" denoise "$work/long.wav" -o "$work/long_denoised.wav" --method lsa --json
  rm -f "$work/long_denoised.wav"
  note "10 interp --factor 4 (cubic)"
  peak long_interp "${cap[@]}" "$bin" "${mem[@]}" interp "$work/long.wav" -o "$work/long_interp.wav" --factor 4 --json
  rm -f "$work/long_interp.wav"
fi
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$raw/meta.env"

mkdir -p "$root/scripts/results" "$root/target/bench_vs_peers"
rm -rf "$root/target/bench_vs_peers/raw"
cp -r "$raw" "$root/target/bench_vs_peers/raw"
"$PYTHON" "$peers/render_table.py" "$raw" | tee "$root/scripts/results/bench_vs_peers.md"
