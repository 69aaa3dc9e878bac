//! The streamed `interp` against the whole-signal job: the same output bytes (16-bit and
//! float) and the same report numbers, bit for bit, for every method on files many blocks
//! long, mono and stereo; failures leave no output.

use sparsewave::approx::interp::{InterpKind, InterpMethod};
use sparsewave::approx::interp_job::{interp, Decimation};
use sparsewave::audio::{decode_file, write_wav, Audio, SampleFormat};
use sparsewave::stream::interp::interp_file;
use sparsewave::stream::StreamOptions;
use std::path::{Path, PathBuf};

fn folk() -> Audio {
    decode_file(Path::new("tests/data/folk_4s.wav")).unwrap()
}

/// The folk clip, and for stereo its time reversal at another level, as 16-bit WAV.
fn music(dir: &Path, channels: usize) -> PathBuf {
    let folk = folk();
    let x = folk.channels[0].clone();
    let mut chans = vec![x.clone()];
    if channels == 2 {
        chans.push(x.iter().rev().map(|v| 0.7 * v).collect());
    }
    let path = dir.join(format!("music{channels}.wav"));
    let audio = Audio::from_channels(folk.sample_rate, chans);
    write_wav(&path, &audio, Some(SampleFormat::Int(16))).unwrap();
    path
}

fn blocks_of(frames: usize) -> StreamOptions {
    StreamOptions {
        block_frames: frames,
        mono: false,
    }
}

fn decimation(factor: usize, kind: InterpKind, order: Option<usize>) -> Decimation {
    Decimation {
        factor,
        method: InterpMethod::new(kind, order, None).unwrap(),
    }
}

/// Both paths on `path`: the same bytes in the input's format and in 32-bit float, the same
/// report (but the time).
fn assert_streamed_equals_whole(path: &Path, params: &Decimation, options: StreamOptions) {
    let dir = path.parent().unwrap();
    let what = format!("{} {params:?} {options:?}", path.display());
    let whole = interp(&decode_file(path).unwrap(), params).unwrap();
    for format in [None, Some(SampleFormat::Float32)] {
        let whole_path = dir.join("whole.wav");
        let whole_write = write_wav(&whole_path, &whole.audio, format).unwrap();
        let streamed_path = dir.join("streamed.wav");
        let streamed = interp_file(path, &streamed_path, params, format, &options).unwrap();
        assert_eq!(
            std::fs::read(&streamed_path).unwrap(),
            std::fs::read(&whole_path).unwrap(),
            "{what} {format:?}"
        );
        assert_eq!(streamed.write, whole_write, "{what}");
        assert_eq!(streamed.passes, 2);
        let (a, b) = (&streamed.report, &whole.report);
        assert_eq!(a.metrics, b.metrics, "{what}");
        assert!(a.metrics.snr_db.is_finite());
        assert_eq!(
            (a.command.as_str(), a.sample_rate, a.channels, a.samples),
            (b.command.as_str(), b.sample_rate, b.channels, b.samples)
        );
        assert_eq!(a.params, b.params, "{what}");
        assert_eq!(a.extra, b.extra, "{what}");
        assert_eq!(a.storage, b.storage, "{what}");
    }
}

#[test]
fn streamed_interp_equals_the_whole_signal_job_for_every_method() {
    let tmp = tempfile::tempdir().unwrap();
    let mono = music(tmp.path(), 1);
    let stereo = music(tmp.path(), 2);
    for (kind, order) in [
        (InterpKind::Linear, None),
        (InterpKind::Quadratic, None),
        (InterpKind::Cubic, None),
        (InterpKind::CubicNotAKnot, None),
        (InterpKind::Lagrange, Some(5)),
        (InterpKind::Poly, Some(3)),
    ] {
        for factor in [3, 8] {
            let params = decimation(factor, kind, order);
            // Blocks of 3000 frames: 59 blocks, block edges between knots and on them.
            assert_streamed_equals_whole(&mono, &params, blocks_of(3000));
            assert_streamed_equals_whole(&stereo, &params, blocks_of(4096));
        }
    }
}

#[test]
fn a_truncated_input_fails_and_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let path = music(tmp.path(), 2);
    let bytes = std::fs::read(&path).unwrap();
    let cut = tmp.path().join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let out = tmp.path().join("out.wav");
    let params = decimation(4, InterpKind::CubicNotAKnot, None);
    let err = interp_file(&cut, &out, &params, None, &blocks_of(3000))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cut.wav") && err.contains("truncated"),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        2,
        "no stray file"
    );
}

#[test]
fn too_few_knots_for_the_method_is_an_error_before_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("short.wav");
    let audio = Audio::from_channels(44_100, vec![vec![0.1, 0.2, 0.3, 0.4, 0.5]]);
    write_wav(&path, &audio, None).unwrap();
    let out = tmp.path().join("out.wav");
    let params = decimation(4, InterpKind::CubicNotAKnot, None);
    let err = interp_file(&path, &out, &params, None, &blocks_of(3000))
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 4 kept samples"), "{err}");
    assert!(!out.exists());
}
