#!/bin/sh
# Version-4 `.swz` files for the backward-compatibility test (tests/codec_v1.rs), written by the
# version-4 encoder (sparsewave built at commit a5ca0f0) from 8192 samples of folk_4s.wav
# starting at 1 s (the clip of ../swz_v1/make.sh), a stereo clip (that clip on the left, the
# same clip 3 samples later on the right) and the whole of folk_4s.wav: a DWT file with a
# wavelet-packet tree (mono and mid/side), a segmented file (1 s segments) and a hybrid file.
# Run from the repository root with that build as $SW:
#   SW=path/to/old/sparsewave sh crates/sparsewave/tests/data/swz_v4/make.sh
set -e
D=crates/sparsewave/tests/data/swz_v4
python3 - <<'PY'
import wave, struct
with wave.open("crates/sparsewave/tests/data/folk_4s.wav") as w:
    p = w.getparams(); w.setpos(44100); data = w.readframes(8192 + 3)
with wave.open("/tmp/swz_v4_clip.wav", "wb") as o:
    o.setparams(p); o.writeframes(data[: 8192 * 2])
s = struct.unpack("<%dh" % (len(data) // 2), data)
with wave.open("/tmp/swz_v4_stereo.wav", "wb") as o:
    o.setnchannels(2); o.setsampwidth(2); o.setframerate(p.framerate)
    o.writeframes(struct.pack("<%dh" % (2 * 8192), *[v for t in range(8192) for v in (s[t + 3], s[t])]))
PY
C=/tmp/swz_v4_clip.wav
$SW encode $C -o $D/dwt_packets.swz --method dwt --snr 25
$SW encode /tmp/swz_v4_stereo.wav -o $D/dwt_mid_side.swz --method dwt --snr 25
$SW encode crates/sparsewave/tests/data/folk_4s.wav -o $D/dwt_segmented.swz --method dwt --snr 20 --segment-seconds 1
$SW encode $C -o $D/hybrid.swz --method hybrid --snr 30
