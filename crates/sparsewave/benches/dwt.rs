//! DWT db5, 10 levels, on one minute of 44.1 kHz audio: wavedec + waverec per iteration, next to
//! one forward realfft of the same length as the yardstick (compare ratios within one run).
//! The PyWavelets side of the comparison is scripts/bench_dwt.py.
//!
//! Run: `cargo bench --bench dwt`

use std::f64::consts::PI;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use realfft::RealFftPlanner;
use sparsewave::transform::wavelet::{Dwt, Mode};

const RATE: f64 = 44_100.0;
const LEN: usize = 2_646_000; // 60 s

/// Two linear chirps (100 Hz → 4 kHz, 8 kHz → 300 Hz) plus white noise at −30 dB.
fn signal() -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let noise = Normal::new(0.0, 0.03).expect("valid deviation");
    let duration = LEN as f64 / RATE;
    let chirp =
        |f0: f64, f1: f64, t: f64| (2.0 * PI * (f0 * t + 0.5 * (f1 - f0) / duration * t * t)).sin();
    (0..LEN)
        .map(|n| {
            let t = n as f64 / RATE;
            0.5 * chirp(100.0, 4000.0, t) + 0.3 * chirp(8000.0, 300.0, t) + noise.sample(&mut rng)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let x = signal();
    let mut group = c.benchmark_group("dwt_60s");
    group.sample_size(20);
    for mode in [Mode::Periodization, Mode::Symmetric] {
        let dwt = Dwt::new("db5".parse().expect("db5"), mode, Some(10), LEN).expect("plan");
        let mut coefs = dwt.make_coefficients();
        let mut y = vec![0.0; LEN];
        group.bench_function(format!("db5_L10_{mode}_wavedec_waverec"), |b| {
            b.iter(|| {
                dwt.analyze(black_box(&x), &mut coefs).expect("analyze");
                dwt.synthesize(&mut coefs, &mut y).expect("synthesize");
                black_box(&y);
            })
        });
    }
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(LEN);
    let mut input = x.clone();
    let mut spectrum = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    group.bench_function("realfft_forward", |b| {
        b.iter(|| {
            input.copy_from_slice(&x);
            fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .expect("fft");
            black_box(&spectrum);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
