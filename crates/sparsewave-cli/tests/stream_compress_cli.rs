//! `compress --method stft` streamed (a regular file) against the same command reading a pipe
//! (which cannot be read twice, so it decodes the whole input): the same output bytes and the
//! same report numbers; a truncated input leaves no output.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FOLK: &str = "../sparsewave/tests/data/folk_4s.wav";

fn sparsewave() -> Command {
    Command::cargo_bin("sparsewave").unwrap()
}

/// A stereo file: the folk clip, and its first 0.5 s followed by exact silence (runs of equal,
/// zero coefficients for the cut to fall in).
fn stereo(dir: &Path) -> PathBuf {
    let mut reader = hound::WavReader::open(FOLK).unwrap();
    let spec = reader.spec();
    let mono: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let path = dir.join("stereo.wav");
    let mut w = hound::WavWriter::create(
        &path,
        hound::WavSpec {
            channels: 2,
            ..spec
        },
    )
    .unwrap();
    for (i, a) in mono.iter().enumerate() {
        w.write_sample(*a).unwrap();
        w.write_sample(if i < 22_050 { *a } else { 0 }).unwrap();
    }
    w.finalize().unwrap();
    path
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn streamed_and_whole_input_give_the_same_bytes_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let input = stereo(&dir);
    for extra in [
        &["--keep", "4%"][..],
        &[
            "--keep",
            "30%",
            "--mono",
            "--bits",
            "24",
            "--window-length",
            "512",
        ][..],
        &["--keep-count", "40000"][..],
    ] {
        let streamed = dir.join("streamed.wav");
        let a = sparsewave()
            .args([
                "compress",
                input.to_str().unwrap(),
                "-o",
                streamed.to_str().unwrap(),
            ])
            .args(["--method", "stft", "--json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        let whole = dir.join("whole.wav");
        let b = sparsewave()
            .args(["compress", "/dev/stdin", "-o", whole.to_str().unwrap()])
            .args(["--method", "stft", "--json"])
            .args(extra)
            .write_stdin(std::fs::read(&input).unwrap())
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
            "kept",
            "representation_real_values",
            "storage",
            "clipped_samples",
            "channels",
            "samples",
            "sample_rate",
        ] {
            assert_eq!(a[key], b[key], "{key} {extra:?}");
        }
        assert!(a["kept"]["real_values"].as_u64().is_some_and(|v| v > 0));
    }
}

#[test]
fn the_text_and_the_help_say_when_the_job_streams() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.wav");
    let run = sparsewave()
        .args(["compress", FOLK, "-o", out.to_str().unwrap()])
        .args(["--method", "stft"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("streamed in bounded memory"), "{text}");
    let run = sparsewave()
        .args(["compress", FOLK, "-o", out.to_str().unwrap()])
        .args(["--method", "stft", "--postfilter", "gate"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(!text.contains("streamed"), "{text}");
    let help = sparsewave().args(["compress", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("stft without --postfilter and --plots runs streamed"),
        "{help}"
    );
}

#[test]
fn a_truncated_input_fails_and_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let input = stereo(&dir);
    let bytes = std::fs::read(&input).unwrap();
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = dir.join("out.wav");
    let run = sparsewave()
        .args([
            "compress",
            cut.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .args(["--method", "stft"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("cut.wav") && err.contains("truncated"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2, "no stray file");
}
