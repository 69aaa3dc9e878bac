//! STFT + inverse STFT of 60 s at 44.1 kHz (n_fft 2048, hop 512, Hann), against one real FFT of
//! the whole signal as the unit of cost.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use realfft::RealFftPlanner;
use sparsewave::transform::stft::{PadMode, Stft, StftConfig};
use sparsewave::transform::window::WindowKind;

fn bench(c: &mut Criterion) {
    let x = common::bench_signal(60.0);
    let stft =
        Stft::new(StftConfig::centered(2048, 512, 2048, WindowKind::Hann, PadMode::Zero).unwrap())
            .unwrap();
    let mut g = c.benchmark_group("stft_60s");
    g.sample_size(10);
    g.bench_function("stft+istft", |b| {
        b.iter(|| {
            let spec = stft.forward(&x).unwrap();
            stft.inverse(&spec, x.len()).unwrap()
        })
    });
    let spec = stft.forward(&x).unwrap();
    g.bench_function("stft", |b| b.iter(|| stft.forward(&x).unwrap()));
    g.bench_function("istft", |b| {
        b.iter(|| stft.inverse(&spec, x.len()).unwrap())
    });
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(x.len());
    let mut input = x.clone();
    let mut out = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    g.bench_function("one_rfft_of_the_signal", |b| {
        b.iter(|| {
            input.copy_from_slice(&x);
            fft.process_with_scratch(&mut input, &mut out, &mut scratch)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
