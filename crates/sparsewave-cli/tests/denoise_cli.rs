//! The denoising family's CLI end to end: `addnoise`, `denoise`, `denoise-bench`, and their
//! bad-input handling (clear message, exit code 1, no panic, no output file).
//!
//! The clips are slices of the bundled tests/data/folk_4s.wav written to temporary files.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FOLK: &str = "../sparsewave/tests/data/folk_4s.wav";
const STEREO: &str = "../sparsewave/tests/data/formats/stereo_s16.wav";

fn sparsewave() -> Command {
    Command::cargo_bin("sparsewave").unwrap()
}

/// The first `seconds` of the folk clip, as the 16-bit WAV `dir/name`.
fn folk_slice(dir: &Path, name: &str, seconds: f64) -> PathBuf {
    let mut reader = hound::WavReader::open(FOLK).unwrap();
    let spec = reader.spec();
    let n = (seconds * f64::from(spec.sample_rate)) as usize;
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .take(n)
        .map(Result::unwrap)
        .collect();
    let path = dir.join(name);
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    samples.iter().for_each(|&s| w.write_sample(s).unwrap());
    w.finalize().unwrap();
    path
}

fn wav_channels(path: &Path) -> Vec<Vec<f64>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let c = usize::from(r.spec().channels);
    let v: Vec<f64> = r
        .samples::<i16>()
        .map(|s| f64::from(s.unwrap()) / 32768.0)
        .collect();
    (0..c)
        .map(|k| v.iter().skip(k).step_by(c).copied().collect())
        .collect()
}

fn json_of(args: &[&str]) -> Value {
    let out = sparsewave()
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Run `args`, expect exit code 1, every needle in stderr, no panic, `out` not created.
fn fails(args: &[&str], out: &Path, needles: &[&str]) {
    fails_with(1, args, out, needles);
}

/// As [`fails`] for a value the command line parser refuses (clap's usage error, code 2).
fn refused(args: &[&str], out: &Path, needles: &[&str]) {
    fails_with(2, args, out, needles);
}

fn fails_with(code: i32, args: &[&str], out: &Path, needles: &[&str]) {
    let assert = sparsewave().args(args).assert().failure().code(code);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for n in needles {
        assert!(
            stderr.contains(n),
            "{args:?}: stderr {stderr:?} lacks {n:?}"
        );
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "{} was written", out.display());
}

/// A clean 1 s clip and its noisy version at 10 dB (AWGN, seed 0), plus the noise alone.
struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    clean: PathBuf,
    noisy: PathBuf,
    noise: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let clean = folk_slice(&dir, "clean.wav", 1.0);
    let noisy = dir.join("noisy.wav");
    let noise = dir.join("noise.wav");
    let report = json_of(&[
        "addnoise",
        clean.to_str().unwrap(),
        "-o",
        noisy.to_str().unwrap(),
        "--snr",
        "10",
        "--seed",
        "0",
        "--noise-out",
        noise.to_str().unwrap(),
        "--json",
    ]);
    // The input SNR is exact before the 16-bit rounding of the written file.
    let snr = report["metrics"]["snr_db"].as_f64().unwrap();
    assert!((snr - 10.0).abs() < 1e-9, "addnoise SNR {snr}");
    assert_eq!(report["params"]["model"], "awgn");
    Fixture {
        _dir: tmp,
        dir,
        clean,
        noisy,
        noise,
    }
}

#[test]
fn addnoise_is_reproducible_and_seeded() {
    let f = fixture();
    let again = f.dir.join("again.wav");
    let other = f.dir.join("other.wav");
    let run = |out: &Path, seed: &str| {
        sparsewave()
            .args(["addnoise", f.clean.to_str().unwrap(), "-o"])
            .arg(out)
            .args(["--snr", "10", "--seed", seed, "--json"])
            .assert()
            .success();
    };
    run(&again, "0");
    run(&other, "1");
    assert_eq!(wav_channels(&again), wav_channels(&f.noisy));
    assert_ne!(wav_channels(&other), wav_channels(&f.noisy));
    // clean + noise = noisy up to the 16-bit rounding of the noisy file.
    let clean = wav_channels(&f.clean);
    let noisy = wav_channels(&f.noisy);
    let mut noise_reader = hound::WavReader::open(&f.noise).unwrap();
    assert_eq!(
        noise_reader.spec().sample_format,
        hound::SampleFormat::Float
    );
    let noise: Vec<f64> = noise_reader
        .samples::<f32>()
        .map(|s| f64::from(s.unwrap()))
        .collect();
    for ((c, e), y) in clean[0].iter().zip(&noise).zip(&noisy[0]) {
        assert!((c + e - y).abs() <= 1.0 / 32768.0 + 1e-6);
    }
}

#[test]
fn denoise_json_against_clean_reference() {
    let f = fixture();
    let out = f.dir.join("den.wav");
    let r = json_of(&[
        "denoise",
        f.noisy.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--clean",
        f.clean.to_str().unwrap(),
        "--method",
        "wsvd",
        "--json",
    ]);
    assert_eq!(r["command"], "denoise");
    assert_eq!(r["reference"], "clean");
    assert_eq!(r["params"]["method"], "wsvd");
    assert_eq!(r["params"]["bands"][0]["window"], 200);
    assert_eq!(r["params"]["bands"][0]["rank_rule"], "optimal");
    assert_eq!(r["params"]["junction"], "xfade");
    // The optimal rank rule reports the noise it estimated, and the band's level (one band: the
    // same σ).
    let sigma = r["channel_info"][0]["noise"]["sigma"].as_f64().unwrap();
    let band_sigma = r["channel_info"][0]["bands"][0]["noise_sigma"]
        .as_f64()
        .unwrap();
    assert!(
        sigma > 0.0 && (band_sigma / sigma - 1.0).abs() < 1e-9,
        "{sigma} {band_sigma}"
    );
    // The input metrics are those of the 16-bit noisy file against the clean one: ≈ 10 dB.
    let input_snr = r["input_metrics"]["snr_db"].as_f64().unwrap();
    assert!((input_snr - 10.0).abs() < 0.01, "{input_snr}");
    let snr = r["metrics"]["snr_db"].as_f64().unwrap();
    assert!(snr > input_snr + 3.0, "WSVD {snr} dB from {input_snr} dB");
    let nrr = r["metrics"]["nrr_db"].as_f64().unwrap();
    assert!(nrr > 0.0, "NRR {nrr}");
    // 44100 samples, w = 200, hop 100: starts 0, 100, …, 43900 = 440 windows.
    assert_eq!(r["channel_info"][0]["windows"], 440);
    let rank = r["mean_rank"].as_f64().unwrap();
    assert!((1.0..=100.0).contains(&rank), "mean rank {rank}");
    let y = wav_channels(&out);
    assert_eq!(y.len(), 1);
    assert_eq!(y[0].len(), 44100);
}

#[test]
fn denoise_baselines_and_flags() {
    let f = fixture();
    let out = f.dir.join("den.wav");
    let (noisy, o) = (f.noisy.to_str().unwrap(), out.to_str().unwrap());
    let clean = f.clean.to_str().unwrap();
    let snr_of = |extra: &[&str]| -> Value {
        let mut args = vec!["denoise", noisy, "-o", o, "--clean", clean, "--json"];
        args.extend_from_slice(extra);
        json_of(&args)
    };
    for (flags, method) in [
        (
            &["--method", "wavelet", "--wavelet", "sym4", "--level", "4"][..],
            "wavelet",
        ),
        (&["--method", "gaussian", "--sigma", "2"][..], "gaussian"),
        (
            &[
                "--method",
                "gate",
                "--noise-clip",
                f.noise.to_str().unwrap(),
            ][..],
            "gate",
        ),
    ] {
        let r = snr_of(flags);
        assert_eq!(r["params"]["method"], method);
        let snr = r["metrics"]["snr_db"].as_f64().unwrap();
        assert!(snr > 11.0, "{method}: {snr} dB");
        assert!(r["mean_rank"].is_null());
    }
    let r = snr_of(&["--method", "wavelet"]);
    assert_eq!(r["params"]["wavelet"], "db3");
    assert_eq!(r["params"]["level"], 3);

    // The paper preset, then a flag overriding one of its fields.
    let r = snr_of(&["--method", "wsvd", "--preset", "paper"]);
    let bands = r["params"]["bands"].as_array().unwrap();
    assert_eq!(r["params"]["cuts_hz"], serde_json::json!([1000.0, 3500.0]));
    assert_eq!(
        bands
            .iter()
            .map(|b| b["window"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [150, 100, 100]
    );
    assert_eq!(bands[2]["rank_rule"]["ratio"], 0.01);
    assert_eq!(r["params"]["mapping"], "paper");
    assert_eq!(r["params"]["junction"], "meanfilt");
    // Ranks 7 / 7 / 1 in the three bands.
    let ranks: Vec<f64> = r["channel_info"][0]["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["mean_rank"].as_f64().unwrap())
        .collect();
    assert_eq!(ranks, [7.0, 7.0, 1.0]);
    let r = snr_of(&[
        "--method",
        "wsvd",
        "--preset",
        "paper",
        "--window",
        "120",
        "--junction",
        "xfade",
    ]);
    let bands = r["params"]["bands"].as_array().unwrap();
    assert!(bands.iter().all(|b| b["window"] == 120));
    assert_eq!(bands[1]["rank_rule"]["ratio"], 0.12);
    assert_eq!(r["params"]["junction"], "xfade");

    // Per-band fixed ranks and one window for both bands.
    let r = snr_of(&[
        "--method", "wsvd", "--bands", "2000", "--window", "64", "--rank", "5,2", "--svd", "dense",
    ]);
    let ranks: Vec<f64> = r["channel_info"][0]["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["mean_rank"].as_f64().unwrap())
        .collect();
    assert_eq!(ranks, [5.0, 2.0]);
    assert_eq!(r["params"]["svd"], "dense");

    // Without --clean the metrics refer to the noisy input.
    let r = json_of(&["denoise", noisy, "-o", o, "--method", "gaussian", "--json"]);
    assert_eq!(r["reference"], "input");
    assert!(r["metrics"]["nrr_db"].as_f64().unwrap() > 0.0);
}

#[test]
fn denoise_is_per_channel() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("den.wav");
    let r = json_of(&[
        "denoise",
        STEREO,
        "-o",
        out.to_str().unwrap(),
        "--method",
        "wsvd",
        "--window",
        "100",
        "--json",
    ]);
    assert_eq!(r["channels"], 2);
    assert_eq!(r["channel_info"].as_array().unwrap().len(), 2);
    let (x, y) = (wav_channels(Path::new(STEREO)), wav_channels(&out));
    assert_eq!(y.len(), 2);
    assert_eq!(y[0].len(), x[0].len());
}

#[test]
fn denoise_bench_table() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = folk_slice(tmp.path(), "clean.wav", 1.0);
    let dir = tmp.path().join("bench");
    let r = json_of(&[
        "denoise-bench",
        clean.to_str().unwrap(),
        "-o",
        dir.to_str().unwrap(),
        "--max-seconds",
        "0.5",
        "--json",
    ]);
    assert_eq!(r["samples"], 22050);
    let levels = r["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 2);
    for (level, target) in levels.iter().zip([24.0, 10.0]) {
        assert_eq!(level["input_snr_db"], target);
        let rows = level["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 13);
        for row in rows {
            let mut keys: Vec<&str> = row
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "mean_rank",
                    "method",
                    "ncc",
                    "nrr_db",
                    "rmse",
                    "seconds",
                    "snr_db"
                ]
            );
        }
        assert_eq!(rows[0]["method"], "noisy input");
        let snr0 = rows[0]["snr_db"].as_f64().unwrap();
        assert!((snr0 - target).abs() < 1e-9, "{snr0}");
        assert_eq!(rows[0]["nrr_db"], 0.0);
        // WSVD rows report a rank, the others none; the oracle gate is labelled as such.
        assert!(rows[1]["method"]
            .as_str()
            .unwrap()
            .starts_with("WSVD default"));
        assert!(rows[1]["mean_rank"].as_f64().unwrap() >= 1.0);
        assert!(rows[2]["mean_rank"].as_f64().unwrap() >= 1.0);
        assert!(rows[3]["mean_rank"].is_null());
        assert!(rows[12]["method"].as_str().unwrap().contains("oracle"));
        // WSVD default improves on the input at both levels.
        assert!(rows[1]["snr_db"].as_f64().unwrap() > target + 2.0);
    }
    let md = std::fs::read_to_string(dir.join("clean_denoise_bench.md")).unwrap();
    assert!(md.contains("| noisy input | 24.00 |"), "{md}");
    let csv = std::fs::read_to_string(dir.join("clean_denoise_bench.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 26);
    assert!(csv.starts_with("input_snr_db,method,snr_db,nrr_db,rmse,ncc,seconds,mean_rank"));
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("clean_denoise_bench.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["levels"], r["levels"]);
    for name in [
        "clean_spectrogram_clean.png",
        "clean_snr24_spectrogram_noisy.png",
        "clean_snr10_spectrogram_wsvd.png",
        "clean_snr10_waveform_noisy.png",
        "clean_snr10_waveform_wsvd.png",
        "clean_snr24_waveform_wsvd_paper.png",
    ] {
        assert!(dir.join("plots").join(name).is_file(), "{name}");
    }
    for name in [
        "clean_clean.wav",
        "clean_snr10_noisy.wav",
        "clean_snr24_wsvd.wav",
    ] {
        assert!(dir.join(name).is_file(), "{name}");
    }
}

#[test]
fn help_states_the_snr_convention_and_the_gate_caveat() {
    for cmd in ["denoise", "denoise-bench", "addnoise"] {
        let out = sparsewave().args([cmd, "--help"]).assert().success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(text.contains("omits the squares"), "{cmd}");
        assert!(text.contains("Examples:"), "{cmd}");
    }
    let out = sparsewave().args(["denoise", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("--noise-clip"));
    assert!(text.contains("removes music"));
}

#[test]
fn bad_parameters() {
    let f = fixture();
    let out = f.dir.join("out.wav");
    let (noisy, o) = (f.noisy.to_str().unwrap(), out.to_str().unwrap());
    let denoise = |extra: &[&str], needles: &[&str]| {
        let mut args = vec!["denoise", noisy, "-o", o];
        args.extend_from_slice(extra);
        fails(&args, &out, needles);
    };
    let denoise_refused = |extra: &[&str], needles: &[&str]| {
        let mut args = vec!["denoise", noisy, "-o", o];
        args.extend_from_slice(extra);
        refused(&args, &out, needles);
    };
    let wsvd = |extra: &[&str], needles: &[&str]| {
        let mut args = vec!["denoise", noisy, "-o", o, "--method", "wsvd"];
        args.extend_from_slice(extra);
        fails(&args, &out, needles);
    };
    // WSVD flags with the default method (auto) would be ignored: refused.
    denoise(&["--window", "100"], &["--method", "apply to method wsvd"]);
    // WSVD's default rank rule estimates the noise: 1000 samples are too few, and the message
    // names the flag that chooses another rule.
    let short = folk_slice(&f.dir, "short.wav", 1000.0 / 44100.0);
    fails(
        &[
            "denoise",
            short.to_str().unwrap(),
            "-o",
            o,
            "--method",
            "wsvd",
            "--window",
            "100",
        ],
        &out,
        &["--rank-rule", "2048"],
    );
    denoise(
        &["--method", "lsa", "--lsa-alpha", "1"],
        &["--lsa-alpha", "[0, 1)"],
    );
    denoise(
        &["--method", "block", "--block-delta", "0"],
        &["--block-delta"],
    );
    denoise(&["--segment", "0"], &["--segment"]);
    wsvd(&["--window", "3"], &["window", "at least 4"]);
    wsvd(&["--window", "50000"], &["window", "44100"]);
    wsvd(&["--ratio", "0"], &["ratio", "(0, 1]"]);
    wsvd(&["--ratio", "1.5"], &["ratio", "(0, 1]"]);
    wsvd(&["--rank", "0"], &["rank", "1..=100"]);
    wsvd(&["--rank", "101"], &["rank", "1..=100"]);
    wsvd(&["--energy", "2"], &["energy", "(0, 1]"]);
    wsvd(
        &["--bands", "3500,1000"],
        &["cut frequency", "strictly increasing"],
    );
    wsvd(
        &["--bands", "1000,1000"],
        &["cut frequency", "strictly increasing"],
    );
    wsvd(&["--bands", "22050"], &["cut frequency", "22050"]);
    wsvd(
        &["--bands", "1000", "--window", "100,100,100"],
        &["--window", "3 values for 2 band"],
    );
    denoise_refused(&["--window", "20x"], &["--window", "20x"]);
    denoise_refused(&["--rank-rule", "bic"], &["--rank-rule", "bic"]);
    denoise_refused(&["--method", "median"], &["--method", "median"]);
    denoise_refused(&["--junction", "fade"], &["--junction", "fade"]);
    denoise_refused(&["--preset", "fast"], &["--preset", "fast"]);
    denoise(&["--method", "gaussian", "--sigma", "0"], &["sigma"]);
    denoise_refused(
        &["--method", "wavelet", "--wavelet", "db99"],
        &["wavelet", "db99"],
    );
    denoise(
        &["--method", "gate", "--noise-clip", "missing.wav"],
        &["missing.wav"],
    );
    denoise(
        &["--method", "gate", "--gate-attenuation=-5"],
        &["--gate-attenuation"],
    );
    denoise(
        &["--method", "gate", "--gate-percentile", "150"],
        &["--gate-percentile"],
    );
    let clean = f.clean.to_str().unwrap();
    let short = folk_slice(&f.dir, "short.wav", 0.5);
    denoise(
        &["--clean", short.to_str().unwrap()],
        &["short.wav", "does not match"],
    );

    let addnoise = |extra: &[&str], needles: &[&str]| {
        let mut args = vec!["addnoise", clean, "-o", o];
        args.extend_from_slice(extra);
        fails(&args, &out, needles);
    };
    refused(
        &[
            "addnoise", clean, "-o", o, "--snr", "10", "--model", "brown",
        ],
        &out,
        &[
            "--model",
            "'brown' is not one of awgn, pink, mixture, alpha-stable, middleton",
        ],
    );
    addnoise(&["--snr", "inf"], &["snr", "finite"]);
    addnoise(&["--snr", "NaN"], &["snr", "finite"]);
    addnoise(
        &["--snr", "10", "--model", "alpha-stable", "--alpha", "2.5"],
        &["alpha", "(0, 2]"],
    );
    addnoise(
        &["--snr", "10", "--model", "alpha-stable", "--alpha", "0"],
        &["alpha", "(0, 2]"],
    );
    addnoise(
        &["--snr", "10", "--model", "mixture", "--epsilon", "1.5"],
        &["epsilon", "[0, 1]"],
    );
    addnoise(
        &["--snr", "10", "--model", "middleton", "--a", "0"],
        &["impulsive index"],
    );
    addnoise(
        &["--snr", "10", "--noise-out", clean],
        &["refusing to overwrite the input"],
    );

    let bench_dir = f.dir.join("bench");
    let bench = |extra: &[&str], needles: &[&str]| {
        let mut args = vec!["denoise-bench", clean, "-o", bench_dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        fails(&args, &bench_dir, needles);
    };
    bench(&["--snr", "24,inf"], &["snr", "finite"]);
    refused(
        &[
            "denoise-bench",
            clean,
            "-o",
            bench_dir.to_str().unwrap(),
            "--model",
            "brown",
        ],
        &bench_dir,
        &["--model", "'brown' is not one of"],
    );
    bench(
        &["--model", "alpha-stable", "--alpha", "3"],
        &["alpha", "(0, 2]"],
    );
    bench(&["--max-seconds", "0"], &["--max-seconds"]);
}

#[test]
fn denoise_default_is_auto_with_its_noise_estimate_and_choice() {
    let f = fixture();
    let out = f.dir.join("den.wav");
    let (noisy, o) = (f.noisy.to_str().unwrap(), out.to_str().unwrap());
    let clean = f.clean.to_str().unwrap();
    let r = json_of(&["denoise", noisy, "-o", o, "--clean", clean, "--json"]);
    assert_eq!(r["params"]["method"], "auto");
    assert_eq!(
        r["params"]["config"]["candidates"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    // The noise estimate against the noise actually added (σ of the 16-bit noise file).
    let e: Vec<f64> = hound::WavReader::open(&f.noise)
        .unwrap()
        .samples::<f32>()
        .map(|s| f64::from(s.unwrap()))
        .collect();
    let sigma = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
    assert_eq!(r["noise"][0]["model"], "white");
    assert_eq!(r["noise"][0]["source"], "minimum-statistics");
    let ratio = r["noise"][0]["sigma"].as_f64().unwrap() / sigma;
    assert!((ratio - 1.0).abs() < 0.1, "σ̂/σ = {ratio}");
    let auto = &r["channel_info"][0]["auto"];
    assert!(auto["picked"].is_string());
    assert_eq!(auto["candidates"][0]["name"], "lsa(α 0.98, n_fft 4096)");
    assert!(auto["candidates"][2]["sure_snr_db"].is_number());
    let snr = r["metrics"]["snr_db"].as_f64().unwrap();
    assert!(snr > 17.0, "auto {snr} dB from 10 dB");
    // lsa and block with the actual noise as a clip.
    for method in ["lsa", "block"] {
        let r = json_of(&[
            "denoise",
            noisy,
            "-o",
            o,
            "--clean",
            clean,
            "--method",
            method,
            "--noise-clip",
            f.noise.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(r["params"]["method"], method);
        assert_eq!(r["params"]["noise_clip"], true);
        assert_eq!(r["noise"][0]["source"], "clip");
        assert!(r["metrics"]["snr_db"].as_f64().unwrap() > 16.0, "{method}");
    }
}

#[test]
fn addnoise_pink_meets_its_snr() {
    let f = fixture();
    let out = f.dir.join("pink.wav");
    let r = json_of(&[
        "addnoise",
        f.clean.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--model",
        "pink",
        "--snr",
        "10",
        "--json",
    ]);
    assert_eq!(r["params"]["model"], "pink");
    let snr = r["metrics"]["snr_db"].as_f64().unwrap();
    assert!((snr - 10.0).abs() < 1e-9, "{snr}");
}
