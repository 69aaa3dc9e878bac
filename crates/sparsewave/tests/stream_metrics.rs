//! Streamed metrics of files against `Metrics::compute` (and `with_nrr`) of the decoded
//! signals: equal bit for bit, whatever the block size.

use sparsewave::audio::{decode_file, write_wav, Audio, SampleFormat};
use sparsewave::metrics::Metrics;
use sparsewave::stream::metrics::{metrics_files, Shape};
use sparsewave::stream::StreamOptions;
use std::path::Path;

/// `x` with every sample moved by a deterministic pseudo-random amount in [−a, a].
fn perturbed(x: &[f64], a: f64, seed: u64) -> Vec<f64> {
    let mut s = seed;
    x.iter()
        .map(|v| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            v + a * (2.0 * ((s >> 11) as f64 / (1u64 << 53) as f64) - 1.0)
        })
        .collect()
}

#[test]
fn streamed_metrics_equal_the_whole_signal_metrics() {
    let dir =
        std::env::temp_dir().join(format!("sparsewave-stream-metrics-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let folk = decode_file(Path::new("tests/data/folk_4s.wav")).unwrap();
    let x = &folk.channels[0];
    let reversed: Vec<f64> = x.iter().rev().copied().collect();
    let write = |name: &str, channels: Vec<Vec<f64>>| {
        let mut audio = Audio::from_channels(folk.sample_rate, channels);
        audio.format = SampleFormat::Float32;
        let path = dir.join(name);
        write_wav(&path, &audio, None).unwrap();
        path
    };
    let reference = write("ref.wav", vec![x.clone(), reversed.clone()]);
    let noisy = write(
        "noisy.wav",
        vec![perturbed(x, 0.05, 1), perturbed(&reversed, 0.02, 2)],
    );
    let test = write(
        "test.wav",
        vec![perturbed(x, 0.01, 3), perturbed(&reversed, 0.004, 4)],
    );
    let (r, t, n) = (
        decode_file(&reference).unwrap(),
        decode_file(&test).unwrap(),
        decode_file(&noisy).unwrap(),
    );
    let want = Metrics::compute(&r.channels, &t.channels, r.sample_rate).unwrap();
    let want_nrr = want.clone().with_nrr(&n.channels, &t.channels);
    for block_frames in [1000, 65_537, 1 << 20] {
        let options = StreamOptions {
            block_frames,
            mono: false,
        };
        let got = metrics_files(&reference, &test, None, &options).unwrap();
        assert_eq!(got, want, "blocks of {block_frames}");
        let got = metrics_files(&reference, &test, Some(&noisy), &options).unwrap();
        assert_eq!(got, want_nrr, "blocks of {block_frames}");
    }
    // Mixed down, both ways.
    let mono = StreamOptions {
        block_frames: 3000,
        mono: true,
    };
    let (rm, tm) = (r.downmix(), t.downmix());
    assert_eq!(
        metrics_files(&reference, &test, None, &mono).unwrap(),
        Metrics::compute(&rm.channels, &tm.channels, r.sample_rate).unwrap()
    );
    assert_eq!(
        Shape::of(&reference, &mono).unwrap(),
        Shape {
            sample_rate: folk.sample_rate,
            channels: 1,
            frames: x.len()
        }
    );
    // A test file of another length is an error naming it.
    let short = write(
        "short.wav",
        vec![x[..5000].to_vec(), reversed[..5000].to_vec()],
    );
    let err = metrics_files(&reference, &short, None, &StreamOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("short.wav"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
