#!/bin/sh
# Version-3 `.swz` files for the backward-compatibility test (tests/codec_v1.rs), written by the
# version-3 encoder (sparsewave built at commit 75f082f) from 8192 samples of folk_4s.wav
# starting at 1 s (the clip of ../swz_v1/make.sh), and a stereo clip (that clip on the left, the
# same clip 3 samples later on the right: mid/side channel coding).
# Run from the repository root with that build as $SW:
#   SW=path/to/old/sparsewave sh crates/sparsewave/tests/data/swz_v3/make.sh
set -e
D=crates/sparsewave/tests/data/swz_v3
python3 - <<'PY'
import wave, struct
with wave.open("crates/sparsewave/tests/data/folk_4s.wav") as w:
    p = w.getparams(); w.setpos(44100); data = w.readframes(8192 + 3)
with wave.open("/tmp/swz_v3_clip.wav", "wb") as o:
    o.setparams(p); o.writeframes(data[: 8192 * 2])
s = struct.unpack("<%dh" % (len(data) // 2), data)
with wave.open("/tmp/swz_v3_stereo.wav", "wb") as o:
    o.setnchannels(2); o.setsampwidth(2); o.setframerate(p.framerate)
    o.writeframes(struct.pack("<%dh" % (2 * 8192), *[v for t in range(8192) for v in (s[t + 3], s[t])]))
PY
C=/tmp/swz_v3_clip.wav
$SW encode $C -o $D/dwt.swz --method dwt --keep 10% --step 0.1
$SW encode $C -o $D/stft.swz --method stft --n-fft 512 --keep 10% --step 0.1
$SW encode $C -o $D/pgbz.swz --method pgbz --keep 10% --step 0.1
$SW encode /tmp/swz_v3_stereo.wav -o $D/dwt_mid_side.swz --method dwt --step 0.1
