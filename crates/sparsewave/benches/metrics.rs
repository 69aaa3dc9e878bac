//! The metrics every command reports, on 60 s at 44.1 kHz against a perturbed copy.
//!
//! - `metrics_60s/compute`: [`Metrics::compute`] of the whole signals (the time-domain pass,
//!   the reference's spectral peak, then two STFT frames per frame and their sums).
//! - `metrics_60s/streamed`: the same numbers from [`ReferencePeak`] and [`ChannelMetrics`]
//!   fed in blocks of 2¹⁶ samples, as `sparsewave metrics` runs them (without the decoding).
//!
//! Input: the WAV named by `SPARSEWAVE_BENCH_AUDIO` (first channel, at most 60 s), else the
//! synthetic signal of `benches/common`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use sparsewave::metrics::{ChannelMetrics, Metrics, ReferencePeak};

const BLOCK: usize = 1 << 16;

fn bench(c: &mut Criterion) {
    let x = common::bench_signal(60.0);
    // A deterministic error about 20 dB under the signal.
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, v)| v * (1.0 + 0.1 * ((i as f64) * 0.001).sin()))
        .collect();
    let rate = common::RATE as u32;
    let (xs, ys) = ([x.clone()], [y.clone()]);
    let whole = Metrics::compute(&xs, &ys, rate).unwrap();
    let mut g = c.benchmark_group("metrics_60s");
    g.sample_size(10);
    g.bench_function("compute", |b| {
        b.iter(|| Metrics::compute(&xs, &ys, rate).unwrap())
    });
    g.bench_function("streamed", |b| {
        b.iter(|| {
            let mut peak = ReferencePeak::new(x.len()).unwrap();
            for block in x.chunks(BLOCK) {
                peak.push(block).unwrap();
            }
            let mut m = ChannelMetrics::new(x.len(), rate, peak.peak().unwrap()).unwrap();
            for (bx, by) in x.chunks(BLOCK).zip(y.chunks(BLOCK)) {
                m.push(bx, by).unwrap();
            }
            let got = Metrics::from_channels(vec![m]).unwrap();
            assert_eq!(got, whole, "streamed metrics equal the whole-signal ones");
            got
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
