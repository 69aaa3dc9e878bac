//! `denoise` (`auto`, the default, `--method lsa`, and `--method wavelet` on an input of more
//! than 64 MiB decoded) streamed (a regular file) against the same command reading a pipe
//! (which cannot be read twice, so it decodes the whole input): the same output bytes and the
//! same report numbers; a truncated input leaves no output.

mod streamed;

use std::path::{Path, PathBuf};
use streamed::{
    long_stereo, sparsewave, stereo_folk, streamed_and_piped, truncated_input_leaves_nothing, FOLK,
};

/// A noisy stereo file: the folk clip and its time reversal, with noise from `addnoise`.
fn noisy_stereo(dir: &Path) -> PathBuf {
    let clean = stereo_folk(dir, "clean.wav", |i, folk| folk[folk.len() - 1 - i]);
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

#[test]
fn streamed_and_whole_input_give_the_same_bytes_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let noisy = noisy_stereo(&dir);
    for extra in [&[][..], &["--mono", "--bits", "24", "--n-fft", "1024"][..]] {
        let args = [&["--method", "lsa"][..], extra].concat();
        let (a, b) = streamed_and_piped("denoise", &noisy, &args, &dir);
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
    let out = dir.join("out.wav");
    let run = |input: &str, stdin: Option<Vec<u8>>| {
        let mut cmd = sparsewave();
        cmd.args(["denoise", input, "-o", out.to_str().unwrap()]);
        if let Some(bytes) = stdin {
            cmd.write_stdin(bytes);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let text = run(noisy.to_str().unwrap(), None);
    assert!(
        text.contains("\"method\":\"auto\"") && text.contains("streamed in bounded memory"),
        "{text}"
    );
    let text = run("/dev/stdin", Some(std::fs::read(&noisy).unwrap()));
    assert!(!text.contains("streamed"), "{text}");
    // The bytes and the reports, auto's choice included.
    let (a, b) = streamed_and_piped("denoise", &noisy, &[], &dir);
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

/// Wavelet shrinkage streams on an input of more than 64 MiB decoded (4 194 304 stereo
/// frames), with the bytes and the report of the whole-signal job; it does not on a short one.
#[test]
fn wavelet_shrinkage_of_a_long_input_streams_with_the_whole_signal_jobs_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let input = long_stereo(&dir, 4_194_305);
    let args = ["--method", "wavelet", "--wavelet", "sym4", "--level", "5"];
    let (a, b) = streamed_and_piped("denoise", &input, &args, &dir);
    for key in ["metrics", "params", "channel_info", "samples", "channels"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert!(a["metrics"]["nrr_db"].as_f64().is_some_and(f64::is_finite));
    let out = dir.join("out.wav");
    for (path, streams) in [(input.as_path(), true), (Path::new(FOLK), false)] {
        let run = sparsewave()
            .args([
                "denoise",
                path.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .args(["--method", "wavelet"])
            .output()
            .unwrap();
        assert!(run.status.success());
        let text = String::from_utf8_lossy(&run.stdout);
        assert_eq!(
            text.contains("streamed in bounded memory (read once in blocks)"),
            streams,
            "{text}"
        );
    }
}

#[test]
fn help_says_when_the_job_streams() {
    let out = sparsewave().args(["denoise", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("wsvd in one band with cross-faded windows (its default) of a file"),
        "{help}"
    );
}

#[test]
fn a_truncated_input_fails_and_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let noisy = noisy_stereo(tmp.path());
    truncated_input_leaves_nothing("denoise", &noisy, &["--method", "lsa"], tmp.path());
}
