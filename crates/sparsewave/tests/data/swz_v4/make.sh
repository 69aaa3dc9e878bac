#!/bin/sh
# Version-4 `.swz` files for the backward-compatibility test (tests/codec_v1.rs), written by the
# version-4 encoder (sparsewave built at commit a5ca0f0) from the clips of ../swz_clips.py (8192
# samples of folk_4s.wav from 1 s, and a stereo version) and the whole of folk_4s.wav: a DWT file
# with a wavelet-packet tree (mono and mid/side), a segmented file (1 s segments) and a hybrid.
# Run from the repository root with that build as $SW:
#   SW=path/to/old/sparsewave sh crates/sparsewave/tests/data/swz_v4/make.sh
set -e
D=crates/sparsewave/tests/data/swz_v4
python3 crates/sparsewave/tests/data/swz_clips.py /tmp/swz_v4
C=/tmp/swz_v4/clip.wav
$SW encode $C -o $D/dwt_packets.swz --method dwt --snr 25
$SW encode /tmp/swz_v4/stereo.wav -o $D/dwt_mid_side.swz --method dwt --snr 25
$SW encode crates/sparsewave/tests/data/folk_4s.wav -o $D/dwt_segmented.swz --method dwt --snr 20 --segment-seconds 1
$SW encode $C -o $D/hybrid.swz --method hybrid --snr 30
