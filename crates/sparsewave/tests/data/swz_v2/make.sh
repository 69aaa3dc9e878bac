#!/bin/sh
# Version-2 `.swz` files for the backward-compatibility test (tests/codec_v1.rs), written by the
# version-2 encoder (sparsewave built at commit 6942239) from the clip of ../swz_clips.py
# (8192 samples of folk_4s.wav from 1 s). Only the sparse payloads differ from version 1.
# Run from the repository root with that build as $SW:
#   SW=path/to/old/sparsewave sh crates/sparsewave/tests/data/swz_v2/make.sh
set -e
D=crates/sparsewave/tests/data/swz_v2
python3 crates/sparsewave/tests/data/swz_clips.py /tmp/swz_v2
C=/tmp/swz_v2/clip.wav
$SW encode $C -o $D/dwt.swz --method dwt --keep 10% --step 0.1
$SW encode $C -o $D/stft.swz --method stft --n-fft 512 --keep 10% --step 0.1
$SW encode $C -o $D/pgbz.swz --method pgbz --keep 10% --step 0.1
$SW encode $C -o $D/pgbz_ls.swz --method pgbz-ls --refit 5 --keep 10% --step 0.1
