//! The streamed `compress --method stft|dwt` against the whole-signal job: the same output
//! bytes and the same report numbers, bit for bit, on files many blocks long (and, for the
//! DWT, many pieces of every level), for budgets whose cut falls inside runs of equal
//! magnitudes; failures leave no output.

use sparsewave::audio::{decode_file, write_wav, Audio, SampleFormat};
use sparsewave::compress::analysis::Analysis;
use sparsewave::compress::job::compress;
use sparsewave::compress::params::{CompressMethod, CompressParams};
use sparsewave::compress::sparsify::{select, Keep};
use sparsewave::stream::compress::{compress_file, streams, StreamedCompress};
use sparsewave::stream::StreamOptions;
use std::path::{Path, PathBuf};

fn folk() -> Audio {
    decode_file(Path::new("tests/data/folk_4s.wav")).unwrap()
}

/// Write `channels` at the folk clip's rate as 16-bit WAV named `name`.
fn write(dir: &Path, name: &str, channels: Vec<Vec<f64>>) -> PathBuf {
    let audio = Audio::from_channels(folk().sample_rate, channels);
    let path = dir.join(name);
    write_wav(&path, &audio, Some(SampleFormat::Int(16))).unwrap();
    path
}

/// The folk clip (mono), or with its time reversal at a different level (stereo).
fn music(dir: &Path, channels: usize) -> PathBuf {
    let x = folk().channels[0].clone();
    let mut chans = vec![x.clone()];
    if channels == 2 {
        chans.push(x.iter().rev().map(|v| 0.7 * v).collect());
    }
    write(dir, &format!("music{channels}.wav"), chans)
}

/// Signals whose coefficients hold long runs of equal magnitudes: a 0.2 s burst of the clip
/// followed by 2.8 s of exact silence (every coefficient of the silent frames is 0), and a
/// tone of period 64 samples (every frame inside the signal is the same frame).
fn ties(dir: &Path) -> PathBuf {
    let x = folk().channels[0].clone();
    let burst: Vec<f64> = (0..3 * 44_100)
        .map(|i| if i < 8_820 { x[i] } else { 0.0 })
        .collect();
    let tone: Vec<f64> = (0..3 * 44_100)
        .map(|i| 0.25 * (2.0 * std::f64::consts::PI * (i % 64) as f64 / 64.0).sin())
        .collect();
    write(dir, "ties.wav", vec![burst, tone])
}

fn stft(keep: Keep) -> CompressParams {
    CompressParams {
        method: CompressMethod::Stft,
        keep,
        ..CompressParams::default()
    }
}

/// Run both paths on `path` and compare bytes and report; returns the streamed job.
fn assert_streamed_equals_whole(
    path: &Path,
    params: &CompressParams,
    options: StreamOptions,
) -> StreamedCompress {
    let dir = path.parent().unwrap();
    let mut input = decode_file(path).unwrap();
    if options.mono {
        input = input.downmix();
    }
    let whole = compress(&input, params, false).unwrap();
    let whole_path = dir.join("whole.wav");
    let whole_write = write_wav(&whole_path, &whole.audio, None).unwrap();

    let streamed_path = dir.join("streamed.wav");
    let streamed = compress_file(path, &streamed_path, params, None, &options).unwrap();
    let what = format!("{} {:?} {options:?}", path.display(), params.keep);
    assert_eq!(
        std::fs::read(&streamed_path).unwrap(),
        std::fs::read(&whole_path).unwrap(),
        "{what}"
    );
    assert_eq!(streamed.write, whole_write, "{what}");
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
    assert_eq!(streamed.kept, whole.kept, "{what}");
    // The float output too, bit for bit: 16-bit rounding could hide a last-bit difference.
    let streamed_f32 = dir.join("streamed_f32.wav");
    compress_file(
        path,
        &streamed_f32,
        params,
        Some(SampleFormat::Float32),
        &options,
    )
    .unwrap();
    let back = decode_file(&streamed_f32).unwrap();
    for (s, w) in back.channels.iter().zip(&whole.audio.channels) {
        assert!(
            s.iter().zip(w).all(|(s, w)| *s == (*w as f32) as f64),
            "{what}"
        );
    }
    streamed
}

fn small_blocks(mono: bool) -> StreamOptions {
    StreamOptions {
        block_frames: 3000,
        mono,
    }
}

#[test]
fn streamed_stft_equals_the_whole_signal_job_mono_and_stereo() {
    let tmp = tempfile::tempdir().unwrap();
    for channels in [1, 2] {
        let path = music(tmp.path(), channels);
        for keep in [
            Keep::Fraction(0.04),
            Keep::Fraction(0.0037),
            Keep::Fraction(1.0),
            Keep::RealNumbers(12_345),
            Keep::RealNumbers(10_000_000),
            Keep::Threshold(0.5),
        ] {
            let job = assert_streamed_equals_whole(&path, &stft(keep), small_blocks(false));
            // A budget below the representation's size (8× redundant: 100 % too) needs a
            // search pass besides the first and the last; a budget it fits in (its 1.4 M real
            // numbers per channel) needs the first only, a threshold none.
            let passes = match keep {
                Keep::Threshold(_) => 2,
                Keep::RealNumbers(10_000_000) => 2,
                _ => 3,
            };
            assert!(job.passes >= passes, "{keep:?}: {} passes", job.passes);
            assert_eq!(
                job.passes == 2,
                passes == 2,
                "{keep:?}: {} passes",
                job.passes
            );
        }
    }
    let path = music(tmp.path(), 2);
    let params = CompressParams {
        representation: sparsewave::compress::params::RepresentationParams {
            window_length: 256,
            ..Default::default()
        },
        ..stft(Keep::Fraction(0.02))
    };
    assert_streamed_equals_whole(&path, &params, small_blocks(true));
    assert_streamed_equals_whole(&path, &params, StreamOptions::default());
}

#[test]
fn the_cut_inside_runs_of_equal_magnitudes_is_the_whole_signal_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let path = ties(tmp.path());
    // 0.6: the burst's coefficients fit, the cut falls among the silence's zeros; 0.04 and
    // 0.011: inside the runs of the tone's equal frames.
    let input = decode_file(&path).unwrap();
    for (fraction, channel) in [(0.6, 0), (0.04, 1), (0.011, 1), (0.3, 1)] {
        let params = stft(Keep::Fraction(fraction));
        // The premise: the smallest magnitude kept equals the largest dropped (the cut splits
        // a run of equal magnitudes, which the storage index orders).
        let rep = params
            .representation
            .representation(params.method, 44_100)
            .unwrap();
        let x = &input.channels[channel];
        let analysis = Analysis::new(&rep, x).unwrap();
        let sel = select(
            analysis.rank_values(),
            analysis.costs(),
            params.keep,
            x.len(),
        )
        .unwrap();
        let (mut kept, mut dropped) = (f64::INFINITY, 0.0_f64);
        for (&m, &k) in analysis.rank_values().iter().zip(&sel.mask) {
            let m = m.abs();
            if k {
                kept = kept.min(m);
            } else {
                dropped = dropped.max(m);
            }
        }
        assert_eq!(kept, dropped, "{fraction}");
        assert_streamed_equals_whole(&path, &params, small_blocks(false));
    }
}

fn dwt(keep: Keep, wavelet: &str, mode: &str, level: Option<usize>) -> CompressParams {
    CompressParams {
        method: CompressMethod::Dwt,
        keep,
        representation: sparsewave::compress::params::RepresentationParams {
            wavelet: wavelet.parse().unwrap(),
            mode: mode.parse().unwrap(),
            level,
            ..Default::default()
        },
        ..CompressParams::default()
    }
}

#[test]
fn streamed_dwt_equals_the_whole_signal_job_in_every_mode() {
    let tmp = tempfile::tempdir().unwrap();
    for channels in [1, 2] {
        let path = music(tmp.path(), channels);
        for keep in [
            Keep::Fraction(0.04),
            Keep::Fraction(1.0),
            Keep::RealNumbers(12_345),
            Keep::RealNumbers(10_000_000),
            Keep::Threshold(0.01),
        ] {
            let params = dwt(keep, "db5", "periodization", Some(10));
            let job = assert_streamed_equals_whole(&path, &params, small_blocks(false));
            assert_eq!(job.passes, 1);
        }
    }
    // Every boundary mode, short and long filters, a shallow and the deepest level; an input
    // of odd length (periodization repeats its last sample at odd-length levels).
    let x = folk().channels[0].clone();
    let odd = write(tmp.path(), "odd.wav", vec![x[..150_001].to_vec()]);
    for mode in ["periodization", "symmetric", "zero", "periodic", "reflect"] {
        for (wavelet, level) in [("haar", Some(3)), ("sym8", None), ("coif5", Some(8))] {
            let params = dwt(Keep::Fraction(0.03), wavelet, mode, level);
            assert_streamed_equals_whole(&odd, &params, small_blocks(false));
        }
    }
    assert_streamed_equals_whole(
        &music(tmp.path(), 2),
        &dwt(Keep::Fraction(0.02), "db2", "symmetric", None),
        small_blocks(true),
    );
}

#[test]
fn the_dwt_cut_inside_runs_of_equal_magnitudes_is_the_whole_signal_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let path = ties(tmp.path());
    for fraction in [0.6, 0.04, 0.011, 0.3] {
        let params = dwt(Keep::Fraction(fraction), "db5", "periodization", None);
        assert_streamed_equals_whole(&path, &params, small_blocks(false));
    }
}

#[test]
fn only_the_stft_and_the_dwt_without_a_post_filter_stream() {
    use sparsewave::compress::params::PostFilter;
    assert!(streams(&stft(Keep::default())));
    assert!(streams(&dwt(Keep::default(), "db5", "periodization", None)));
    for params in [
        CompressParams::default(),
        CompressParams {
            postfilter: Some(PostFilter::Gate),
            ..stft(Keep::default())
        },
        CompressParams {
            postfilter: Some(PostFilter::Gate),
            ..dwt(Keep::default(), "db5", "periodization", None)
        },
    ] {
        assert!(!streams(&params));
        let tmp = tempfile::tempdir().unwrap();
        let path = music(tmp.path(), 1);
        let out = tmp.path().join("out.wav");
        let err = compress_file(&path, &out, &params, None, &StreamOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("method"), "{err}");
        assert!(!out.exists());
    }
}

#[test]
fn a_truncated_input_fails_and_leaves_no_output() {
    for params in [
        stft(Keep::default()),
        dwt(Keep::default(), "db5", "periodization", None),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let path = music(tmp.path(), 2);
        let bytes = std::fs::read(&path).unwrap();
        let cut = tmp.path().join("cut.wav");
        std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
        let out = tmp.path().join("out.wav");
        let err = compress_file(&cut, &out, &params, None, &small_blocks(false))
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
}
