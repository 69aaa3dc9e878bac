#!/usr/bin/env python3
"""The clips the `.swz` backward-compatibility files are encoded from (`swz_v*/make.sh`):
`clip.wav`, 8192 samples of folk_4s.wav starting at 1 s, and `stereo.wav`, that clip on the
right channel and the same clip 3 samples later on the left (mid/side channel coding).

    python3 crates/sparsewave/tests/data/swz_clips.py OUT_DIR
"""

import os
import struct
import sys
import wave

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
with wave.open("crates/sparsewave/tests/data/folk_4s.wav") as w:
    p = w.getparams()
    w.setpos(44100)
    data = w.readframes(8192 + 3)
with wave.open(os.path.join(out, "clip.wav"), "wb") as o:
    o.setparams(p)
    o.writeframes(data[: 8192 * 2])
s = struct.unpack("<%dh" % (len(data) // 2), data)
with wave.open(os.path.join(out, "stereo.wav"), "wb") as o:
    o.setnchannels(2)
    o.setsampwidth(2)
    o.setframerate(p.framerate)
    o.writeframes(struct.pack("<%dh" % (2 * 8192), *[v for t in range(8192) for v in (s[t + 3], s[t])]))
