#!/usr/bin/env python3
"""Golden vectors for tests/wavelet.rs, computed with PyWavelets (pywt.wavedec / waverec).

Re-run from the repository root with
    python3 tests/data/dwt/gen_golden.py
(needs numpy, scipy and pywt; the test audio lives outside this repository, in the shared
folder next to it, and is only read here: the clip the tests need is copied into input.json).

Files written beside this script:
  input.json          1001 samples of real speech (the first N are the input of every case)
  filters.json        pywt's four filters for a few wavelets, as shortest round-trip strings
                      (JSON number parsers need not round correctly; Rust's str::parse does)
  wavedec_<w>.json    one file per wavelet, a list of cases {wavelet, mode, n, level, lens, coefs,
                      approx, rec?}:
      lens   = lengths of [cA_L, cD_L, ..., cD_1] as pywt.wavedec(x[:n], w, mode, level) returns them
      coefs  = those bands concatenated, level L = min(dwt_max_level, 10)
      approx = {l: cA_l} for shallower levels l in {1, 3}: pywt.wavedec at level l returns
               [cA_l] + the last l detail bands above (asserted here), which keeps the files small
      rec    = pywt.waverec(coefs with every index i % 3 == 1 zeroed)[:n]: the inverse as a
               linear map on coefficients that are not a decomposition (PyWavelets returns
               one extra sample for some odd n; the cut is ours)
  shrink.json         wavelet-shrinkage denoising computed independently with pywt.wavedec,
                      NumPy's median, pywt.threshold and pywt.waverec: inputs, thresholds
                      [lambda_L, ..., lambda_1] (null = infinite) and outputs
"""
import json
import pathlib

import numpy as np
import pywt
import scipy.io.wavfile

HERE = pathlib.Path(__file__).resolve().parent
AUDIO = HERE.parents[3] / "shared" / "audio" / "speech_3s.wav"
START, LEN = 8000, 1001

MAIN = ["db1", "db4", "db5", "db8", "sym5", "coif3"]
OTHER_MODES_FOR = ["haar", "db4", "sym5", "coif3"]
LONG = ["haar", "db38", "sym20", "coif17"]


def max_level(n, w):
    return min(pywt.dwt_max_level(n, pywt.Wavelet(w).dec_len), 10)


def case(x, w, mode, n, shallower, with_rec):
    lvl = max_level(n, w)
    coefs = pywt.wavedec(x[:n], w, mode=mode, level=lvl)
    flat = np.concatenate(coefs)
    out = {
        "wavelet": w,
        "mode": mode,
        "n": n,
        "level": lvl,
        "lens": [len(c) for c in coefs],
        "coefs": flat.tolist(),
        "approx": {},
    }
    for l in shallower:
        if l < lvl:
            shallow = pywt.wavedec(x[:n], w, mode=mode, level=l)
            assert all(np.array_equal(a, b) for a, b in zip(shallow[1:], coefs[-l:]))
            out["approx"][str(l)] = shallow[0].tolist()
    if with_rec:
        mask = np.arange(len(flat)) % 3 != 1
        parts = np.split(flat * mask, np.cumsum(out["lens"])[:-1])
        out["rec"] = pywt.waverec(parts, w, mode=mode)[:n].tolist()
    return out


def cases_for(x, w):
    spec = []  # (mode, n, shallower levels, with_rec)
    if w in MAIN:
        for mode in ["periodization", "symmetric"]:
            spec += [(mode, 64, [1], False), (mode, 257, [1, 3], True), (mode, 1000, [], False),
                     (mode, 1001, [], False)]
    if w in OTHER_MODES_FOR:
        for mode in ["zero", "periodic", "reflect"]:
            spec += [(mode, 64, [], False), (mode, 257, [1], True)]
    if w in LONG:
        for mode in ["periodization", "symmetric"]:
            spec += [(mode, 257, [], True), (mode, 1001, [1], False)]
    return [case(x, w, *s) for s in spec]


def shrink_ref(x, w, mode, level, rule, kind):
    coefs = pywt.wavedec(x, w, mode=mode, level=level)
    sigma = np.median(np.abs(coefs[-1])) / 0.6745
    out, lams = [coefs[0]], []
    for d in coefs[1:]:
        if rule == "universal":
            lam = sigma * np.sqrt(2.0 * np.log(len(x)))
        else:
            sigma_x = np.sqrt(max(np.mean(d * d) - sigma**2, 0.0))
            lam = sigma**2 / sigma_x if sigma_x > 0 else np.inf
        lams.append(lam)
        out.append(pywt.threshold(d, lam, mode=kind))
    y = pywt.waverec(out, w, mode=mode)[:len(x)]
    assert np.all(np.isfinite(y))
    return [None if np.isinf(l) else l for l in lams], y


def shrink_cases(speech):
    rng = np.random.default_rng(7)
    noisy = speech[:601] + 0.05 * rng.standard_normal(601)
    noise = rng.standard_normal(512)
    signals = {"noisy_speech": noisy, "white_noise": noise}
    spec = [  # (signal, wavelet, mode, level or None, rule, kind)
        ("noisy_speech", "db8", "symmetric", None, "universal", "soft"),
        ("noisy_speech", "db8", "symmetric", None, "universal", "hard"),
        ("noisy_speech", "sym5", "periodization", 4, "bayes", "soft"),
        ("noisy_speech", "sym5", "periodization", 4, "bayes", "hard"),
        ("noisy_speech", "coif3", "zero", 3, "bayes", "soft"),
        ("noisy_speech", "db4", "reflect", None, "universal", "soft"),
        ("white_noise", "haar", "periodization", None, "bayes", "soft"),
        ("white_noise", "db5", "periodic", 2, "universal", "hard"),
    ]
    cases = []
    for sig, w, mode, level, rule, kind in spec:
        x = signals[sig]
        lvl = level if level is not None else max_level(len(x), w)
        lams, y = shrink_ref(x, w, mode, lvl, rule, kind)
        cases.append({"signal": sig, "wavelet": w, "mode": mode, "level": level, "rule": rule,
                      "kind": kind, "thresholds": lams, "out": y.tolist()})
    # The BayesShrink case on white noise must exercise the "band is all noise" branch.
    assert any(l is None for l in cases[6]["thresholds"])
    return {"signals": {k: v.tolist() for k, v in signals.items()}, "cases": cases}


def main():
    rate, data = scipy.io.wavfile.read(AUDIO)
    assert rate == 44100 and data.dtype == np.int16 and data.ndim == 1
    x = data[START:START + LEN].astype(np.float64) / 32768.0
    dump("input.json", {
        "source": f"speech_3s.wav (shared test audio: alsa-utils Front_Right/Side_Right, GPL-2+), "
                  f"samples {START}..{START + LEN}, int16 / 32768",
        "x": x.tolist(),
    })
    dump("filters.json", {
        w: {k: [repr(v) for v in getattr(pywt.Wavelet(w), k)]
            for k in ["dec_lo", "dec_hi", "rec_lo", "rec_hi"]}
        for w in ["haar", "db2", "db5", "sym8", "coif3", "db38"]
    })
    dump("shrink.json", shrink_cases(x))
    for w in dict.fromkeys(MAIN + OTHER_MODES_FOR + LONG):
        dump(f"wavedec_{w}.json", {"pywt": pywt.__version__, "cases": cases_for(x, w)})


def dump(name, obj):
    (HERE / name).write_text(json.dumps(obj, separators=(",", ":")))


if __name__ == "__main__":
    main()
