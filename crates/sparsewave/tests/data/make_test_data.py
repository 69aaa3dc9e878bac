#!/usr/bin/env python3
"""Build the small test clips and golden vectors under tests/data/.

Re-run (from the repository root, with the project's shared audio folder at hand):

    python3 tests/data/make_test_data.py /path/to/shared/audio

Needs numpy, scipy, soundfile, librosa (pip) and the command-line encoders `flac`, `lame`,
`oggenc` (Debian packages flac, lame, vorbis-tools). Nothing here runs at test time.

Outputs:
  folk_4s.wav           4 s of folk_10s.wav (3.0 s to 7.0 s), mono 16-bit 44.1 kHz: the demo clip
  formats/pcm.json      the 2205 int16 source samples every format file below encodes
  formats/*.wav|flac|mp3|ogg   the same 50 ms of speech in each supported format
  formats/lossy.json    what libsndfile (an independent decoder) decodes the MP3 and Ogg files to
  stft_golden.json      librosa.stft magnitudes of 4096 real samples for two configurations
"""
import json
import subprocess
import sys
from pathlib import Path

import librosa
import numpy as np
import scipy.io.wavfile as wavfile
import soundfile as sf

here = Path(__file__).resolve().parent
shared = Path(sys.argv[1])

# --- the demo clip ------------------------------------------------------------------------
rate, folk = wavfile.read(shared / "folk_10s.wav")
assert rate == 44100 and folk.dtype == np.int16
wavfile.write(here / "folk_4s.wav", rate, folk[3 * rate: 7 * rate])

# --- one excerpt in every format ----------------------------------------------------------
rate, speech = wavfile.read(shared / "speech_3s.wav")
pcm = speech[22050:22050 + 2205].astype(np.int16)  # 50 ms of voiced speech
fmt = here / "formats"
fmt.mkdir(exist_ok=True)
json.dump({"source": "speech_3s.wav samples 22050..24255", "rate": rate,
           "int16": pcm.tolist()}, open(fmt / "pcm.json", "w"))
x = pcm.astype(np.float64) / 32768.0
sf.write(fmt / "s16.wav", pcm, rate, subtype="PCM_16")
sf.write(fmt / "u8.wav", x, rate, subtype="PCM_U8")
sf.write(fmt / "s24.wav", x, rate, subtype="PCM_24")        # WAVE_FORMAT_EXTENSIBLE
sf.write(fmt / "s32.wav", x, rate, subtype="PCM_32")
sf.write(fmt / "f32.wav", x, rate, subtype="FLOAT")
sf.write(fmt / "f64.wav", x, rate, subtype="DOUBLE")
stereo = np.stack([x, -0.5 * x], axis=1)
sf.write(fmt / "stereo_s16.wav", stereo, rate, subtype="PCM_16")
subprocess.run(["flac", "-s", "-f", "-o", str(fmt / "s16.flac"), str(fmt / "s16.wav")], check=True)
subprocess.run(["lame", "--quiet", "-b", "128", str(fmt / "s16.wav"), str(fmt / "s16.mp3")], check=True)
subprocess.run(["oggenc", "-Q", "-q", "5", "-o", str(fmt / "s16.ogg"), str(fmt / "s16.wav")], check=True)
lossy = {}
for name in ["s16.mp3", "s16.ogg"]:
    y, r = sf.read(fmt / name, dtype="float64")
    lossy[name] = {"rate": r, "samples": y.tolist()}
json.dump(lossy, open(fmt / "lossy.json", "w"))

# --- STFT magnitudes from librosa ---------------------------------------------------------
seg = folk[5 * rate: 5 * rate + 4096].astype(np.float64) / 32768.0
cases = []
for n_fft, hop, win, window, pad_mode in [(512, 128, 512, "hann", "constant"),
                                          (256, 100, 200, "hamming", "reflect")]:
    S = librosa.stft(seg, n_fft=n_fft, hop_length=hop, win_length=win, window=window,
                     center=True, pad_mode=pad_mode)
    cases.append({"n_fft": n_fft, "hop": hop, "win_length": win, "window": window,
                  "pad_mode": pad_mode, "frames": S.shape[1], "bins": S.shape[0],
                  # time-major, like sparsewave's Spectrogram
                  "magnitude": np.abs(S).T.ravel().tolist()})
json.dump({"librosa": librosa.__version__,
           "signal": "folk_4s.wav samples 88200..92296 (= folk_10s.wav from 5.0 s), / 32768",
           "cases": cases}, open(here / "stft_golden.json", "w"))
print("done")
