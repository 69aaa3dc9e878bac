#!/bin/sh
# Version-1 `.swz` files for the backward-compatibility test (tests/codec_v1.rs), written by the
# version-1 encoder (sparsewave built at commit 6c19731) from 8192 samples of folk_4s.wav
# starting at 1 s. Run from the repository root with that build as $SW:
#   SW=path/to/old/sparsewave sh crates/sparsewave/tests/data/swz_v1/make.sh
set -e
D=crates/sparsewave/tests/data/swz_v1
python3 - <<'PY'
import wave
with wave.open("crates/sparsewave/tests/data/folk_4s.wav") as w:
    p = w.getparams(); w.setpos(44100); data = w.readframes(8192)
with wave.open("/tmp/swz_v1_clip.wav", "wb") as o:
    o.setparams(p); o.writeframes(data)
PY
C=/tmp/swz_v1_clip.wav
$SW encode $C -o $D/dwt.swz --method dwt --keep 10% --step 0.1
$SW encode $C -o $D/stft.swz --method stft --n-fft 512 --keep 10% --step 0.1
$SW encode $C -o $D/pgbz.swz --method pgbz --keep 10% --step 0.1
$SW encode $C -o $D/pgbz_ls.swz --method pgbz-ls --refit 5 --keep 10% --step 0.1
$SW encode $C -o $D/svd.swz --method svd --n-fft 512 --rank 3
$SW encode $C -o $D/svd_gl.swz --method svd --n-fft 512 --rank 3 --phase griffin-lim --iters 5
$SW encode $C -o $D/interp.swz --method interp --factor 4
