//! `interp` of an input of more than 64 MiB decoded streams (a regular file) with the output
//! bytes and the report numbers of the same command reading a pipe (which decodes the whole
//! input); a short input does not stream; a truncated input leaves no output.

mod streamed;

use streamed::{
    long_stereo, sparsewave, stereo_folk, streamed_and_piped, truncated_input_leaves_nothing,
};

#[test]
fn interp_of_a_long_input_streams_with_the_whole_signal_jobs_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let input = long_stereo(&dir, 4_194_305);
    for args in [
        &["--factor", "3", "--method", "cubic-nak"][..],
        &[
            "--factor", "4", "--method", "cubic", "--mono", "--bits", "32f",
        ][..],
    ] {
        let (a, b) = streamed_and_piped("interp", &input, args, &dir);
        for key in [
            "metrics",
            "params",
            "kept_samples",
            "storage",
            "samples",
            "channels",
        ] {
            assert_eq!(a[key], b[key], "{key} {args:?}");
        }
        assert!(a["metrics"]["snr_db"].as_f64().is_some_and(f64::is_finite));
    }
    let short = stereo_folk(&dir, "short.wav", |i, folk| folk[folk.len() - 1 - i]);
    let out = dir.join("out.wav");
    for (path, streams) in [(input, true), (short, false)] {
        let run = sparsewave()
            .args([
                "interp",
                path.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .args(["--factor", "2"])
            .output()
            .unwrap();
        assert!(run.status.success());
        let text = String::from_utf8_lossy(&run.stdout);
        assert_eq!(
            text.contains("streamed in bounded memory (read 2 times in blocks)"),
            streams,
            "{text}"
        );
    }
}

#[test]
fn a_truncated_long_input_fails_and_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = long_stereo(tmp.path(), 4_194_305);
    truncated_input_leaves_nothing("interp", &input, &["--factor", "2"], tmp.path());
}

#[test]
fn help_says_when_interp_streams() {
    let out = sparsewave().args(["interp", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("more than 64 MiB of decoded samples")
            && help.contains("runs streamed, in bounded memory"),
        "{help}"
    );
}
