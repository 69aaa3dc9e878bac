#!/bin/sh
# Version-3 `.swz` files for the backward-compatibility test (tests/codec_v1.rs), written by the
# version-3 encoder (sparsewave built at commit 75f082f) from the clips of ../swz_clips.py (8192
# samples of folk_4s.wav from 1 s, and a stereo version for mid/side channel coding).
# Run from the repository root with that build as $SW:
#   SW=path/to/old/sparsewave sh crates/sparsewave/tests/data/swz_v3/make.sh
set -e
D=crates/sparsewave/tests/data/swz_v3
python3 crates/sparsewave/tests/data/swz_clips.py /tmp/swz_v3
C=/tmp/swz_v3/clip.wav
$SW encode $C -o $D/dwt.swz --method dwt --keep 10% --step 0.1
$SW encode $C -o $D/stft.swz --method stft --n-fft 512 --keep 10% --step 0.1
$SW encode $C -o $D/pgbz.swz --method pgbz --keep 10% --step 0.1
$SW encode /tmp/swz_v3/stereo.wav -o $D/dwt_mid_side.swz --method dwt --step 0.1
