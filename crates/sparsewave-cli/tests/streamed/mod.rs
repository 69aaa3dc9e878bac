//! Helpers of the streamed-job tests (`stream_cli.rs`, `stream_compress_cli.rs`): a job reading a
//! regular file runs streamed; the same job reading a pipe (which cannot be read twice) decodes
//! the whole input, so the two give the streamed and the whole-signal results of one command.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The bundled folk clip (mono, 16-bit).
pub const FOLK: &str = "../sparsewave/tests/data/folk_4s.wav";

/// The `sparsewave` binary under test.
pub fn sparsewave() -> Command {
    Command::cargo_bin("sparsewave").unwrap()
}

/// A stereo WAV `dir/name`: the folk clip on the left, `right(i, folk)` as sample `i` on the right.
pub fn stereo_folk(dir: &Path, name: &str, right: impl Fn(usize, &[i16]) -> i16) -> PathBuf {
    let mut reader = hound::WavReader::open(FOLK).unwrap();
    let spec = reader.spec();
    let mono: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let path = dir.join(name);
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
        w.write_sample(right(i, &mono)).unwrap();
    }
    w.finalize().unwrap();
    path
}

/// The folk clip tiled to `frames` stereo frames (on the right reversed, at 0.7).
pub fn long_stereo(dir: &Path, frames: usize) -> PathBuf {
    let mut reader = hound::WavReader::open(FOLK).unwrap();
    let spec = reader.spec();
    let mono: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let path = dir.join("long.wav");
    let spec = hound::WavSpec {
        channels: 2,
        ..spec
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..frames {
        w.write_sample(mono[i % mono.len()]).unwrap();
        let right = mono[mono.len() - 1 - i % mono.len()];
        w.write_sample((f64::from(right) * 0.7) as i16).unwrap();
    }
    w.finalize().unwrap();
    path
}

/// `sparsewave COMMAND INPUT -o OUT ARGS --json` from the file (streamed) and from a pipe (whole
/// input), into `dir`: both succeed and write the same bytes. Returns the two reports.
pub fn streamed_and_piped(
    command: &str,
    input: &Path,
    args: &[&str],
    dir: &Path,
) -> (Value, Value) {
    let streamed = dir.join("streamed.wav");
    let a = sparsewave()
        .args([
            command,
            input.to_str().unwrap(),
            "-o",
            streamed.to_str().unwrap(),
            "--json",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let whole = dir.join("whole.wav");
    let b = sparsewave()
        .args([
            command,
            "/dev/stdin",
            "-o",
            whole.to_str().unwrap(),
            "--json",
        ])
        .args(args)
        .write_stdin(std::fs::read(input).unwrap())
        .output()
        .unwrap();
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    assert_eq!(
        std::fs::read(&streamed).unwrap(),
        std::fs::read(&whole).unwrap(),
        "{command} {args:?}"
    );
    let json = |out: &[u8]| -> Value { serde_json::from_slice(out).unwrap() };
    (json(&a.stdout), json(&b.stdout))
}

/// `sparsewave COMMAND CUT -o OUT ARGS` on the first half of `input`'s bytes, in `dir`: exit 1,
/// an error naming the file as truncated, nothing at the output path and no temporary file left.
pub fn truncated_input_leaves_nothing(command: &str, input: &Path, args: &[&str], dir: &Path) {
    let bytes = std::fs::read(input).unwrap();
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = dir.join("out.wav");
    let before = std::fs::read_dir(dir).unwrap().count();
    let run = sparsewave()
        .args([command, cut.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("cut.wav") && err.contains("truncated"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        before,
        "no stray file"
    );
}
