#!/usr/bin/env python3
"""Write the six held-out excerpts the `.swz` codec's figures are also checked on (issue 15):
recordings derived from the shared audio that the encoder was not tuned on.

    orch_30_40.wav    orchestra_60s.wav from 30 s to 40 s
    orch_50_58.wav    orchestra_60s.wav from 50 s to 58 s
    speech_rev.wav    speech_3s.wav played backwards
    stereo_rev.wav    the first 6 s of stereo_8s.wav played backwards
    drums_speech.wav  (drums_8s.wav + speech_3s.wav) / 2 over the speech's length
    cello_22k.wav     cello_6s.wav resampled to 22.05 kHz (SciPy's polyphase resampler)

16-bit PCM, rounded to nearest. Needs NumPy and SciPy.

    python3 scripts/make_codec_excerpts.py /work/shared/audio /tmp/excerpts
"""

import os
import sys
import wave

import numpy as np
from scipy.signal import resample_poly


def read(path):
    with wave.open(path) as w:
        if w.getsampwidth() != 2:
            sys.exit(f"{path}: 16-bit PCM expected")
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        return x.reshape(-1, w.getnchannels()) / 32768.0, w.getframerate()


def write(path, x, rate):
    pcm = np.clip(np.rint(x * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(x.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    orch, r = read(os.path.join(src, "orchestra_60s.wav"))
    write(os.path.join(out, "orch_30_40.wav"), orch[30 * r : 40 * r], r)
    write(os.path.join(out, "orch_50_58.wav"), orch[50 * r : 58 * r], r)
    speech, rs = read(os.path.join(src, "speech_3s.wav"))
    write(os.path.join(out, "speech_rev.wav"), speech[::-1], rs)
    stereo, r = read(os.path.join(src, "stereo_8s.wav"))
    write(os.path.join(out, "stereo_rev.wav"), stereo[: 6 * r][::-1], r)
    drums, rd = read(os.path.join(src, "drums_8s.wav"))
    if rd != rs or drums.shape[1] != speech.shape[1]:
        sys.exit("drums and speech differ in rate or channels")
    n = len(speech)
    write(os.path.join(out, "drums_speech.wav"), (drums[:n] + speech) / 2, rs)
    cello, r = read(os.path.join(src, "cello_6s.wav"))
    if r != 44100:
        sys.exit("cello_6s.wav: 44.1 kHz expected")
    write(os.path.join(out, "cello_22k.wav"), resample_poly(cello, 1, 2, axis=0), 22050)


if __name__ == "__main__":
    main()
