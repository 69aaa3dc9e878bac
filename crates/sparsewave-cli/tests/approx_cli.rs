//! `approx` end to end: the JSON report, plots and sweeps.

use assert_cmd::Command;

#[test]
fn cli_json_report_is_complete_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k8.wav");
    let plots = dir.path().join("figs");
    let o = Command::cargo_bin("sparsewave")
        .unwrap()
        .args([
            "approx",
            "../sparsewave/tests/data/formats/stereo_s16.wav",
            "-o",
            out.to_str().unwrap(),
            "--rank",
            "3",
            "--n-fft",
            "256",
            "--hop",
            "64",
            "--json",
            "--sweep-ranks",
            "1,2,3",
            "--plots",
            plots.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in [
        "command",
        "input",
        "output",
        "sample_rate",
        "channels",
        "samples",
        "seconds",
        "metrics",
        "storage",
        "params",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in [
        "snr_db",
        "rel_error_pct",
        "rmse",
        "mae",
        "max_abs_error",
        "ncc",
        "seg_snr_db",
        "lsd_db",
        "spectral_snr_db",
    ] {
        assert!(v["metrics"][key].is_number(), "metrics.{key}");
    }
    assert_eq!(v["channels"], 2);
    assert_eq!(v["samples"], 2205);
    assert_eq!(v["params"]["n_fft"], 256);
    // Storage: 2 channels × (3·(129 + 35 + 1) + 129·35) against 2 × 2205 samples.
    assert_eq!(
        v["storage"]["real_values"],
        2 * (3 * (129 + 35 + 1) + 129 * 35)
    );
    // The written file is what was measured: re-measure it with `metrics`.
    let m = Command::cargo_bin("sparsewave")
        .unwrap()
        .args([
            "metrics",
            "../sparsewave/tests/data/formats/stereo_s16.wav",
            out.to_str().unwrap(),
            "--json",
        ])
        .output()
        .unwrap();
    let mv: serde_json::Value = serde_json::from_slice(&m.stdout).unwrap();
    let (a, b) = (
        v["metrics"]["snr_db"].as_f64().unwrap(),
        mv["metrics"]["snr_db"].as_f64().unwrap(),
    );
    // The file is 16-bit: quantisation moves the SNR only slightly.
    assert!((a - b).abs() < 0.5, "{a} vs {b}");
    let csv = std::fs::read_to_string(plots.join("k8_rank_sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);
    assert!(plots.join("k8_rank_sweep.png").metadata().unwrap().len() > 10_000);
    assert!(
        plots.join("k8_waveform.png").exists() && plots.join("k8_singular_values.png").exists()
    );
}
