//! `denoise` (`auto`, the default, and `--method lsa`) streamed (a regular file) against the same command reading a pipe
//! (which cannot be read twice, so it decodes the whole input): the same output bytes and the
//! same report numbers; a truncated input leaves no output.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FOLK: &str = "../sparsewave/tests/data/folk_4s.wav";

fn sparsewave() -> Command {
    Command::cargo_bin("sparsewave").unwrap()
}

/// A noisy stereo file: the folk clip and its time reversal, with noise from `addnoise`.
fn noisy_stereo(dir: &Path) -> PathBuf {
    let mut reader = hound::WavReader::open(FOLK).unwrap();
    let spec = reader.spec();
    let mono: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let clean = dir.join("clean.wav");
    let mut w = hound::WavWriter::create(
        &clean,
        hound::WavSpec {
            channels: 2,
            ..spec
        },
    )
    .unwrap();
    for (a, b) in mono.iter().zip(mono.iter().rev()) {
        w.write_sample(*a).unwrap();
        w.write_sample(*b).unwrap();
    }
    w.finalize().unwrap();
    let noisy = dir.join("noisy.wav");
    sparsewave()
        .args([
            "addnoise",
            clean.to_str().unwrap(),
            "-o",
            noisy.to_str().unwrap(),
        ])
        .args(["--snr", "10", "--seed", "3"])
        .assert()
        .success();
    noisy
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn streamed_and_whole_input_give_the_same_bytes_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let noisy = noisy_stereo(&dir);
    for extra in [&[][..], &["--mono", "--bits", "24", "--n-fft", "1024"][..]] {
        let streamed = dir.join("streamed.wav");
        let a = sparsewave()
            .args([
                "denoise",
                noisy.to_str().unwrap(),
                "-o",
                streamed.to_str().unwrap(),
            ])
            .args(["--method", "lsa", "--json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        let whole = dir.join("whole.wav");
        let b = sparsewave()
            .args(["denoise", "/dev/stdin", "-o", whole.to_str().unwrap()])
            .args(["--method", "lsa", "--json"])
            .args(extra)
            .write_stdin(std::fs::read(&noisy).unwrap())
            .output()
            .unwrap();
        assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
        assert_eq!(
            std::fs::read(&streamed).unwrap(),
            std::fs::read(&whole).unwrap(),
            "{extra:?}"
        );
        let (a, b) = (json(&a.stdout), json(&b.stdout));
        for key in [
            "metrics",
            "params",
            "channel_info",
            "noise",
            "reference",
            "clipped_samples",
            "channels",
            "samples",
            "sample_rate",
        ] {
            assert_eq!(a[key], b[key], "{key} {extra:?}");
        }
        assert!(a["metrics"]["nrr_db"].as_f64().is_some_and(|v| v > 0.0));
    }
}

#[test]
fn the_default_denoiser_streams_with_the_bytes_of_the_whole_input_job() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let noisy = noisy_stereo(&dir);
    let streamed = dir.join("streamed.wav");
    let a = sparsewave()
        .args([
            "denoise",
            noisy.to_str().unwrap(),
            "-o",
            streamed.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(
        text.contains("\"method\":\"auto\"") && text.contains("streamed in bounded memory"),
        "{text}"
    );
    let whole = dir.join("whole.wav");
    let b = sparsewave()
        .args(["denoise", "/dev/stdin", "-o", whole.to_str().unwrap()])
        .write_stdin(std::fs::read(&noisy).unwrap())
        .output()
        .unwrap();
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert!(!String::from_utf8_lossy(&b.stdout).contains("streamed"));
    assert_eq!(
        std::fs::read(&streamed).unwrap(),
        std::fs::read(&whole).unwrap()
    );
    // The reports too, auto's choice included.
    let run = |input: &str, out: &Path, stdin: Option<Vec<u8>>| {
        let mut cmd = sparsewave();
        cmd.args(["denoise", input, "-o", out.to_str().unwrap(), "--json"]);
        if let Some(bytes) = stdin {
            cmd.write_stdin(bytes);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        json(&o.stdout)
    };
    let a = run(noisy.to_str().unwrap(), &streamed, None);
    let b = run("/dev/stdin", &whole, Some(std::fs::read(&noisy).unwrap()));
    for key in ["metrics", "params", "channel_info", "noise", "samples"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert_eq!(
        a["channel_info"][0]["auto"]["weights"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "two segments of 2 s"
    );
}

#[test]
fn help_says_when_the_job_streams() {
    let out = sparsewave().args(["denoise", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("auto, lsa, block and gaussian of a file without --clean and --plots run"),
        "{help}"
    );
}

#[test]
fn a_truncated_input_fails_and_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let noisy = noisy_stereo(&dir);
    let bytes = std::fs::read(&noisy).unwrap();
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = dir.join("out.wav");
    let run = sparsewave()
        .args([
            "denoise",
            cut.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .args(["--method", "lsa"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("cut.wav") && err.contains("truncated"),
        "{err}"
    );
    assert!(!out.exists());
    let stray = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".sparsewave-")
        })
        .count();
    assert_eq!(stray, 0, "no temporary file is left");
}
