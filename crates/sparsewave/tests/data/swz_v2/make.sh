#!/bin/sh
# Version-2 `.swz` files for the backward-compatibility test (tests/codec_v1.rs), written by the
# version-2 encoder (sparsewave built at commit 6942239) from 8192 samples of folk_4s.wav
# starting at 1 s (the clip of ../swz_v1/make.sh). Only the sparse payloads differ from version 1.
# Run from the repository root with that build as $SW:
#   SW=path/to/old/sparsewave sh crates/sparsewave/tests/data/swz_v2/make.sh
set -e
D=crates/sparsewave/tests/data/swz_v2
python3 - <<'PY'
import wave
with wave.open("crates/sparsewave/tests/data/folk_4s.wav") as w:
    p = w.getparams(); w.setpos(44100); data = w.readframes(8192)
with wave.open("/tmp/swz_v2_clip.wav", "wb") as o:
    o.setparams(p); o.writeframes(data)
PY
C=/tmp/swz_v2_clip.wav
$SW encode $C -o $D/dwt.swz --method dwt --keep 10% --step 0.1
$SW encode $C -o $D/stft.swz --method stft --n-fft 512 --keep 10% --step 0.1
$SW encode $C -o $D/pgbz.swz --method pgbz --keep 10% --step 0.1
$SW encode $C -o $D/pgbz_ls.swz --method pgbz-ls --refit 5 --keep 10% --step 0.1
