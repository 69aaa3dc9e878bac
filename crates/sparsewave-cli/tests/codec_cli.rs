//! The encode / decode / info / rd commands end to end.

use assert_cmd::Command;
use sparsewave::audio::decode_file;
use std::path::Path;

fn bin() -> Command {
    Command::cargo_bin("sparsewave").unwrap()
}

#[test]
fn cli_encode_info_decode() {
    let dir = tempfile::tempdir().unwrap();
    let swz = dir.path().join("clip.swz");
    let wav = dir.path().join("clip.wav");
    let input = data("formats/stereo_s16.wav");
    let out = bin()
        .args([
            "encode",
            input.to_str().unwrap(),
            "-o",
            swz.to_str().unwrap(),
        ])
        .args([
            "--method", "stft", "--n-fft", "256", "--keep", "20%", "--step", "0.05",
        ])
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bytes = std::fs::metadata(&swz).unwrap().len();
    assert_eq!(report["bytes"], bytes);
    assert!(report["kbps"].as_f64().unwrap() > 0.0);
    assert!(report["bits_per_sample"].as_f64().unwrap() > 0.0);
    assert!(report["metrics"]["snr_db"].as_f64().unwrap() > 5.0);

    let info = bin()
        .args(["info", swz.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(info.status.success());
    let info: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(info["method"], "stft");
    assert_eq!(info["bytes"], bytes);
    assert_eq!(info["channels"], 2);

    bin()
        .args(["decode", swz.to_str().unwrap(), "-o", wav.to_str().unwrap()])
        .assert()
        .success();
    let decoded = decode_file(&wav).unwrap();
    assert_eq!(decoded.channel_count(), 2);
    assert_eq!(decoded.format, sparsewave::audio::SampleFormat::Int(16));

    // A damaged file: a clear error naming the file, no output.
    let mut b = std::fs::read(&swz).unwrap();
    let last = b.len() - 1;
    b[last] ^= 1;
    let bad = dir.path().join("bad.swz");
    std::fs::write(&bad, &b).unwrap();
    let wav2 = dir.path().join("bad.wav");
    let out = bin()
        .args([
            "decode",
            bad.to_str().unwrap(),
            "-o",
            wav2.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.swz") && err.contains("CRC"), "{err}");
    assert!(!wav2.exists());
}

#[test]
fn cli_rd_writes_curves_with_lossless_references() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("formats/s16.wav");
    let out = bin()
        .args(["rd", input.to_str().unwrap(), "--methods", "dwt,stft"])
        .args([
            "--bitrates",
            "32,128",
            "--n-fft",
            "256",
            "--json",
            "--out-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let points = r["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    for p in points {
        assert!(p["kbps"].as_f64().unwrap() <= p["target_kbps"].as_f64().unwrap());
    }
    // 16-bit PCM at 44.1 kHz mono, and FLAC below it.
    assert_eq!(r["pcm_kbps"], 705.6);
    let flac = r["flac_kbps"].as_f64().unwrap();
    assert!(flac > 50.0 && flac < 705.6, "{flac}");
    for f in [
        "s16_rd.csv",
        "s16_rd.json",
        "s16_rd_snr.png",
        "s16_rd_segsnr.png",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
}

/// Values the file format cannot hold are refused by the library before anything is written,
/// and the message names the flag.
#[test]
fn cli_encode_refuses_parameters_the_format_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let swz = dir.path().join("clip.swz");
    let input = data("formats/s16.wav");
    for (flags, needle) in [
        (
            &["--method", "svd", "--phase-bits", "17"][..],
            "invalid --phase-bits: 17 is outside 1..=16",
        ),
        (
            &[
                "--method",
                "svd",
                "--phase",
                "griffin-lim",
                "--iters",
                "1001",
            ][..],
            "invalid --iters:",
        ),
        (
            &[
                "--method", "interp", "--interp", "lagrange", "--order", "17",
            ][..],
            "invalid --order:",
        ),
        (
            &["--method", "pgbz", "--refit", "65536"][..],
            "invalid --refit:",
        ),
    ] {
        let out = bin()
            .args([
                "encode",
                input.to_str().unwrap(),
                "-o",
                swz.to_str().unwrap(),
            ])
            .args(flags)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{flags:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{flags:?}: {err}");
        assert!(!swz.exists());
    }
}

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sparsewave/tests/data")
        .join(name)
}
