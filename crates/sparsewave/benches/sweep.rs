//! The 10-level error-vs-kept sweep (`compress::sweep::sweep`, as `sparsewave sweep FILE
//! --methods pgbz,stft,dwt` runs it): one analysis, one ranking and ten syntheses per method,
//! levels 100, 50, 25, 16, 12, 8, 6, 4, 3, 2 %, timed per method.
//!
//! Input: the WAV named by `SPARSEWAVE_BENCH_AUDIO` (first channel, at most 60 s), else the
//! synthetic 60 s signal of `benches/common`. The NumPy/SciPy/PyWavelets side of the comparison is
//! `scripts/bench_sweep.py` (same sweep, same SNRs):
//!
//! ```text
//! SPARSEWAVE_BENCH_AUDIO=song.wav cargo bench --bench sweep
//! python3 scripts/bench_sweep.py song.wav
//! ```

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use sparsewave::compress::analysis::Representation;
use sparsewave::compress::params::LatticeChoice;
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sweep::{sweep, SweepConfig, SweepMethod};
use sparsewave::denoise::gate::GateConfig;
use sparsewave::transform::wavelet::{Mode, Wavelet};

const KEEPS: [f64; 10] = [1.0, 0.5, 0.25, 0.16, 0.12, 0.08, 0.06, 0.04, 0.03, 0.02];

/// The CLI's defaults: PGBZ on the fast square lattice, the paper's STFT with a 1024 window, DWT db5
/// periodization at the default level.
fn config(method: SweepMethod) -> SweepConfig {
    SweepConfig {
        methods: vec![method],
        keeps: KEEPS.to_vec(),
        pgbz: Representation::Pgbz {
            lattice: LatticeChoice::Fast,
            block: None,
        },
        stft: Representation::Stft {
            window_length: 1024,
        },
        dwt: vec![Representation::Dwt {
            wavelet: "db5".parse::<Wavelet>().expect("db5 exists"),
            mode: Mode::Periodization,
            level: None,
        }],
        refit: RefitOptions::default(),
        gate: GateConfig::default(),
    }
}

fn sweeps(c: &mut Criterion) {
    let channels = vec![common::bench_signal(60.0)];
    let rate = common::RATE as u32;
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    for method in [SweepMethod::Pgbz, SweepMethod::Stft, SweepMethod::Dwt] {
        let cfg = config(method);
        group.bench_function(method.name(), |b| {
            b.iter(|| black_box(sweep(black_box(&channels), rate, &cfg).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, sweeps);
criterion_main!(benches);
