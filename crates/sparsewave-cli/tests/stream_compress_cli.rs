//! `compress --method stft|dwt` streamed (a regular file; for the DWT, one of more than 64 MiB
//! decoded) against the same command reading a pipe (which cannot be read twice, so it
//! decodes the whole input): the same output bytes and the same report numbers; a truncated
//! input leaves no output.

mod streamed;

use std::path::{Path, PathBuf};
use streamed::{
    long_stereo, sparsewave, stereo_folk, streamed_and_piped, truncated_input_leaves_nothing, FOLK,
};

/// A stereo file: the folk clip, and its first 0.5 s followed by exact silence (runs of equal,
/// zero coefficients for the cut to fall in).
fn stereo(dir: &Path) -> PathBuf {
    stereo_folk(
        dir,
        "stereo.wav",
        |i, folk| if i < 22_050 { folk[i] } else { 0 },
    )
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
        let args = [&["--method", "stft"][..], extra].concat();
        let (a, b) = streamed_and_piped("compress", &input, &args, &dir);
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

/// The DWT streams on an input of more than 64 MiB decoded (4 194 304 stereo frames), with the
/// bytes and the report of the whole-signal job; it does not on a short one.
#[test]
fn the_dwt_of_a_long_input_streams_with_the_whole_signal_jobs_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let input = long_stereo(&dir, 4_194_305);
    let args = ["--method", "dwt", "--keep", "3%", "--wavelet", "sym6"];
    let (a, b) = streamed_and_piped("compress", &input, &args, &dir);
    for key in [
        "metrics", "params", "kept", "storage", "channels", "samples",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
    let snr = a["metrics"]["snr_db"].as_f64().unwrap();
    assert!(snr > 10.0, "{snr}");
    let out = dir.join("out.wav");
    for (path, streams) in [(input.as_path(), true), (Path::new(FOLK), false)] {
        let run = sparsewave()
            .args([
                "compress",
                path.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .args(["--method", "dwt"])
            .output()
            .unwrap();
        assert!(run.status.success());
        let text = String::from_utf8_lossy(&run.stdout);
        assert_eq!(
            text.contains("streamed in bounded memory"),
            streams,
            "{text}"
        );
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
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("stft without --postfilter and --plots runs streamed"),
        "{help}"
    );
    assert!(
        help.contains("dwt without --postfilter and --plots on a regular file"),
        "{help}"
    );
}

#[test]
fn a_truncated_input_fails_and_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = stereo(tmp.path());
    truncated_input_leaves_nothing("compress", &input, &["--method", "stft"], tmp.path());
}
