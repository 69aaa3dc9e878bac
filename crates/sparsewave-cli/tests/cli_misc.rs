//! `info`, `spectrogram` and `demo` end to end.

use assert_cmd::Command;

fn sparsewave() -> Command {
    Command::cargo_bin("sparsewave").unwrap()
}

#[test]
fn info_reports_the_file() {
    let o = sparsewave()
        .args([
            "info",
            "../sparsewave/tests/data/formats/stereo_s16.wav",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["sample_rate"], 44_100);
    assert_eq!(v["channels"], 2);
    assert_eq!(v["samples"], 2205);
    assert!((v["duration_seconds"].as_f64().unwrap() - 0.05).abs() < 1e-12);
    assert_eq!(v["sample_format"], "16-bit int");
    // Peak and RMS from the source samples: right channel = −0.5 · left.
    let pcm: serde_json::Value =
        serde_json::from_str(include_str!("../../sparsewave/tests/data/formats/pcm.json")).unwrap();
    let left: Vec<f64> = pcm["int16"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap() / 32768.0)
        .collect();
    let peak = left.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    assert!((v["peak"].as_f64().unwrap() - peak).abs() < 1.0 / 32768.0);
    let flac = sparsewave()
        .args(["info", "../sparsewave/tests/data/formats/s16.flac"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&flac.stdout).contains("flac"));
}

#[test]
fn spectrogram_writes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("s.png");
    let svg = dir.path().join("s.svg");
    sparsewave()
        .args([
            "spectrogram",
            "../sparsewave/tests/data/folk_4s.wav",
            "-o",
            png.to_str().unwrap(),
        ])
        .assert()
        .success();
    sparsewave()
        .args([
            "spectrogram",
            "../sparsewave/tests/data/folk_4s.wav",
            "-o",
            svg.to_str().unwrap(),
            "--log-freq",
        ])
        .assert()
        .success();
    let p = std::fs::read(&png).unwrap();
    assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg") && s.contains("frequency (Hz)") && s.contains("time (s)"));
}

#[test]
fn demo_runs_every_family_with_sensible_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let o = sparsewave()
        .args(["demo", "-o", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    let snr = |name: &str| -> f64 {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("| {name}.wav")))
            .unwrap_or_else(|| panic!("{name} missing"));
        line.split('|').nth(3).unwrap().trim().parse().unwrap()
    };
    assert!(snr("approx_k100_original_phase") > snr("approx_k20_original_phase"));
    assert!(snr("interp_x4_cubic") > snr("interp_x8_linear"));
    assert!(snr("compress_pgbz_ls_4pct") > snr("compress_pgbz_4pct"));
    assert!(snr("compress_pgbz_4pct") > snr("compress_stft_4pct"));
    assert!(
        (snr("noisy_awgn_20db") - 20.0).abs() < 0.01,
        "AWGN at an exact input SNR"
    );
    assert!(snr("denoise_wsvd") > 21.0);
    for f in [
        "approx_k20_original_phase.wav",
        "denoise_wsvd.wav",
        "plots/compress_pgbz_4pct_waveform.png",
    ] {
        assert!(dir.path().join(f).metadata().unwrap().len() > 10_000, "{f}");
    }
}
