#!/bin/sh
# Version-1 `.swz` files for the backward-compatibility test (tests/codec_v1.rs), written by the
# version-1 encoder (sparsewave built at commit 6c19731) from the clip of ../swz_clips.py
# (8192 samples of folk_4s.wav from 1 s). Run from the repository root with that build as $SW:
#   SW=path/to/old/sparsewave sh crates/sparsewave/tests/data/swz_v1/make.sh
set -e
D=crates/sparsewave/tests/data/swz_v1
python3 crates/sparsewave/tests/data/swz_clips.py /tmp/swz_v1
C=/tmp/swz_v1/clip.wav
$SW encode $C -o $D/dwt.swz --method dwt --keep 10% --step 0.1
$SW encode $C -o $D/stft.swz --method stft --n-fft 512 --keep 10% --step 0.1
$SW encode $C -o $D/pgbz.swz --method pgbz --keep 10% --step 0.1
$SW encode $C -o $D/pgbz_ls.swz --method pgbz-ls --refit 5 --keep 10% --step 0.1
$SW encode $C -o $D/svd.swz --method svd --n-fft 512 --rank 3
$SW encode $C -o $D/svd_gl.swz --method svd --n-fft 512 --rank 3 --phase griffin-lim --iters 5
$SW encode $C -o $D/interp.swz --method interp --factor 4
