//! `approx --rank 20` on 60 s at 44.1 kHz: STFT, truncated SVD of the 1025 × 5168 magnitude,
//! original phase, inverse STFT. Compare with scripts/bench_approx.py (SciPy/NumPy) on the same
//! file: `SPARSEWAVE_BENCH_AUDIO=song.wav cargo bench --bench approx`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use sparsewave::approx::lowrank::{LowRankApprox, PhaseMode};
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::transform::stft::{PadMode, Stft, StftConfig};
use sparsewave::transform::window::WindowKind;

fn bench(c: &mut Criterion) {
    let x = common::bench_signal(60.0);
    let stft =
        Stft::new(StftConfig::centered(2048, 512, 2048, WindowKind::Hann, PadMode::Zero).unwrap())
            .unwrap();
    let mut g = c.benchmark_group("approx_60s");
    g.sample_size(10);
    g.bench_function("rank20_original_phase", |b| {
        b.iter(|| {
            LowRankApprox::new(&stft, &x, false)
                .unwrap()
                .run(RankRule::Fixed(20), PhaseMode::Original)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
