//! Bad input: every case gives a clear message naming the file and the problem, a non-zero exit,
//! no panic, and no output file.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const S16: &str = "../sparsewave/tests/data/formats/s16.wav";

fn sparsewave() -> Command {
    Command::cargo_bin("sparsewave").unwrap()
}

/// Run `args` and check failure (exit 1 for errors, 2 for values the argument parser refuses),
/// the message fragments, and that `out` was not created.
fn fails(args: &[&str], out: &Path, needles: &[&str]) {
    let assert = sparsewave().args(args).assert().failure();
    let code = assert.get_output().status.code();
    assert!(matches!(code, Some(1 | 2)), "{args:?}: exit code {code:?}");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for n in needles {
        assert!(stderr.contains(n), "stderr {stderr:?} lacks {n:?}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "{} was written", out.display());
    // No temporary file left behind either.
    if let Some(dir) = out.parent() {
        if dir.is_dir() {
            for e in std::fs::read_dir(dir).unwrap() {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                assert!(!name.ends_with(".tmp"), "left {name}");
            }
        }
    }
}

fn bad_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn s16_bytes() -> Vec<u8> {
    std::fs::read(S16).unwrap()
}

fn data_chunk_offset(b: &[u8]) -> usize {
    b.windows(4).position(|w| w == b"data").unwrap()
}

fn float_wav_with(value: f32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut cur = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut cur, spec).unwrap();
    for i in 0..100 {
        w.write_sample(if i == 10 { value } else { 0.1 }).unwrap();
    }
    w.finalize().unwrap();
    cur.into_inner()
}

#[test]
fn unreadable_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out.wav");
    let o = out.to_str().unwrap();

    let missing = d.join("missing.wav");
    fails(
        &["approx", missing.to_str().unwrap(), "-o", o, "--rank", "2"],
        &out,
        &["missing.wav", "No such file"],
    );

    let empty = bad_file(d, "empty.wav", b"");
    fails(
        &["approx", empty.to_str().unwrap(), "-o", o],
        &out,
        &["empty.wav", "empty"],
    );

    let mut b = s16_bytes();
    b.truncate(3000);
    let trunc = bad_file(d, "trunc.wav", &b);
    fails(
        &["approx", trunc.to_str().unwrap(), "-o", o],
        &out,
        &["trunc.wav", "truncated", "2205"],
    );

    let mut b = s16_bytes();
    let i = data_chunk_offset(&b);
    b[i + 4..i + 8].copy_from_slice(&0x7fff_ff00u32.to_le_bytes());
    let lies = bad_file(d, "lies.wav", &b);
    fails(
        &["interp", lies.to_str().unwrap(), "-o", o, "--factor", "2"],
        &out,
        &["lies.wav", "chunk length"],
    );

    let mut b = s16_bytes();
    b[..4].copy_from_slice(b"RIFX");
    let magic = bad_file(d, "magic.wav", &b);
    fails(
        &["approx", magic.to_str().unwrap(), "-o", o],
        &out,
        &["magic.wav", "not a recognised audio file"],
    );

    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let zero = d.join("zero.wav");
    hound::WavWriter::create(&zero, spec)
        .unwrap()
        .finalize()
        .unwrap();
    fails(
        &["approx", zero.to_str().unwrap(), "-o", o],
        &out,
        &["zero.wav", "zero-length"],
    );

    let nan = bad_file(d, "nan.wav", &float_wav_with(f32::NAN));
    fails(
        &["approx", nan.to_str().unwrap(), "-o", o],
        &out,
        &["nan.wav", "sample 10", "NaN"],
    );
    let inf = bad_file(d, "inf.wav", &float_wav_with(f32::INFINITY));
    fails(&["info", inf.to_str().unwrap()], &out, &["inf.wav", "inf"]);
}

#[test]
fn invalid_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    let o = out.to_str().unwrap();
    fails(
        &["approx", S16, "-o", o, "--rank", "0"],
        &out,
        &["--rank", "0 is outside"],
    );
    fails(
        &["approx", S16, "-o", o, "--rank", "6"],
        &out,
        &["--rank", "6 is outside 1..=5"],
    );
    fails(
        &["approx", S16, "-o", o, "--hop", "0"],
        &out,
        &["--hop", "at least 1"],
    );
    fails(
        &[
            "approx",
            S16,
            "-o",
            o,
            "--n-fft",
            "256",
            "--win-length",
            "512",
        ],
        &out,
        &["--n-fft", "window length"],
    );
    fails(
        &["approx", S16, "-o", o, "--energy", "1.5"],
        &out,
        &["--energy"],
    );
    fails(
        &["interp", S16, "-o", o, "--factor", "0"],
        &out,
        &["--factor", "at least 1"],
    );
    fails(
        &["interp", S16, "-o", o, "--factor", "2", "--method", "sinc"],
        &out,
        &["--method", "sinc"],
    );
    fails(
        &["approx", S16, "-o", o, "--bits", "12"],
        &out,
        &["--bits", "12"],
    );
}

#[test]
fn outputs_that_must_not_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.wav");
    std::fs::copy(S16, &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let i = input.to_str().unwrap();
    // Output = input, also through a different spelling of the same path.
    let assert = sparsewave()
        .args(["approx", i, "-o", i, "--rank", "2"])
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&assert.get_output().stderr)
        .contains("refusing to overwrite the input"));
    let dotted = dir.path().join(".").join("in.wav");
    sparsewave()
        .args(["interp", i, "-o", dotted.to_str().unwrap(), "--factor", "2"])
        .assert()
        .failure();
    assert_eq!(std::fs::read(&input).unwrap(), before, "input was modified");

    let nowhere = dir.path().join("no_such_folder").join("out.wav");
    fails(
        &["approx", i, "-o", nowhere.to_str().unwrap()],
        &nowhere,
        &["no_such_folder", "output folder does not exist"],
    );
    let under_file = dir.path().join("in.wav").join("out.wav");
    fails(
        &["approx", i, "-o", under_file.to_str().unwrap()],
        &under_file,
        &["output folder does not exist"],
    );
}
