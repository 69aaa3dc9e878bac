//! WSVD benchmarks.
//!
//! - `wsvd_30s/*`: 30 s at 44.1 kHz (the first 30 s of the WAV file named by
//!   `SPARSEWAVE_BENCH_AUDIO` when set, else a deterministic synthetic music-like signal), plus white noise at 24 dB:
//!   the paper's Table 3 setting (w = 1000, ratio 0.1, no bands, non-overlapping windows) and
//!   the default configuration. Compare with scripts/bench_wsvd.py run in the same sitting.
//! - `default_5s/*`: w = 200 with 50 % crossfade on the first 5 s of the same clip: AIC through
//!   the dense-SVD route (`SvdSolver::Dense`), AIC through the Gram route (`Auto`: all
//!   eigenvalues, leading eigenvectors by inverse iteration) and the default (the optimal rank
//!   rule, Gram route), and the default on the clip without added noise
//!   (`optimal_gram_default_clean`).
//! - `hankel_product/*`, `window_solver/*`: the crossovers behind `FFT_MIN_WINDOW` and
//!   `auto_uses_lanczos`, and the Gram route's per-window cost: faer's full eigendecomposition
//!   (`gram_evd/w*`) against `LeadingEig` with the window's rank of eigenvectors
//!   (`gram_leading/w*_r*`), and its floor, the tridiagonalization alone (`gram_reduce/w*`).
//!
//! Run: `cargo bench --bench wsvd` (filter, e.g. `-- default_5s`; `RAYON_NUM_THREADS=1` to
//! compare with the single-core NumPy figures).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use faer::MatRef;
use sparsewave::denoise::wsvd::{wsvd_denoise, Junction, Mapping, SvdSolver, WsvdConfig};
use sparsewave::linalg::dense::{DenseSvd, SymmetricEig};
use sparsewave::linalg::hankel::{
    hankel_dims, hankel_gram_lower, hankel_matrix, HankelOp, HankelProduct,
};
use sparsewave::linalg::lanczos::{LanczosSvd, LinearOperator};
use sparsewave::linalg::leading_eig::LeadingEig;
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::linalg::triplets::SvdTriplets;
use sparsewave::noise::{make_noise, NoiseModel};

const FS: f64 = 44100.0;
const SECONDS: usize = 30;

/// Sustained harmonic notes with attacks and decays, a little vibrato and a slow melody:
/// deterministic, broadband enough to keep the ranks realistic.
fn synthetic_music(n: usize) -> Vec<f64> {
    let notes = [220.0, 246.94, 261.63, 293.66, 329.63, 349.23, 392.0, 440.0];
    let note_len = (0.25 * FS) as usize;
    (0..n)
        .map(|t| {
            let time = t as f64 / FS;
            let k = t / note_len;
            let local = (t % note_len) as f64 / FS;
            let env = (1.0 - (-local * 60.0).exp()) * (-local * 3.0).exp();
            let mut v = 0.0;
            for (voice, offset) in [(0usize, 0usize), (1, 3), (2, 5)] {
                let f0 =
                    notes[(k * (voice + 2) + offset) % notes.len()] * (1 << voice) as f64 / 2.0;
                let vib = 1.0 + 0.003 * (2.0 * std::f64::consts::PI * 5.0 * time).sin();
                for h in 1..=6 {
                    let ph = 2.0 * std::f64::consts::PI * f0 * h as f64 * vib * time;
                    v += env * ph.sin() / (h * h) as f64 / (voice + 1) as f64;
                }
            }
            0.2 * v
        })
        .collect()
}

fn clip() -> (Vec<f64>, &'static str) {
    let n = SECONDS * FS as usize;
    if let Ok(path) = std::env::var("SPARSEWAVE_BENCH_AUDIO") {
        let audio =
            sparsewave::audio::decode_file(std::path::Path::new(&path)).expect("bench audio");
        let x: Vec<f64> = audio.channels[0].iter().copied().take(n).collect();
        if x.len() == n {
            return (x, "file");
        }
    }
    (synthetic_music(n), "synthetic")
}

fn bench_full(c: &mut Criterion) {
    let (x, source) = clip();
    let e = make_noise(NoiseModel::Awgn, &x, 24.0, 1).unwrap();
    let noisy: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
    let table3 = WsvdConfig {
        junction: Junction::None,
        mapping: Mapping::Paper,
        ..WsvdConfig::single_band(1000, RankRule::Ratio(0.1))
    };
    let mut group = c.benchmark_group("wsvd_30s");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    for (name, cfg) in [
        ("table3_w1000_ratio0.1", table3.clone()),
        (
            "table3_w1000_ratio0.1_dense",
            WsvdConfig {
                solver: SvdSolver::Dense,
                ..table3
            },
        ),
        ("default", WsvdConfig::default()),
    ] {
        group.bench_function(format!("{name}/{source}"), |b| {
            b.iter(|| wsvd_denoise(black_box(&noisy), FS, &cfg).unwrap())
        });
    }
    group.finish();
}

fn bench_default(c: &mut Criterion) {
    let (x, source) = clip();
    let x = &x[..5 * FS as usize];
    let e = make_noise(NoiseModel::Awgn, x, 24.0, 1).unwrap();
    let noisy: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
    let mut group = c.benchmark_group("default_5s");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    let aic = WsvdConfig::single_band(200, RankRule::Aic);
    for (name, cfg) in [
        (
            "aic_dense_svd",
            WsvdConfig {
                solver: SvdSolver::Dense,
                ..aic.clone()
            },
        ),
        ("aic_gram", aic),
        ("optimal_gram_default", WsvdConfig::default()),
    ] {
        group.bench_function(format!("{name}/{source}"), |b| {
            b.iter(|| wsvd_denoise(black_box(&noisy), FS, &cfg).unwrap())
        });
    }
    // Without added noise: tiny spreads, the case the optimal rule's threshold guard keeps on
    // the Gram route.
    let cfg = WsvdConfig::default();
    group.bench_function(format!("optimal_gram_default_clean/{source}"), |b| {
        b.iter(|| wsvd_denoise(black_box(x), FS, &cfg).unwrap())
    });
    group.finish();
}

fn bench_parts(c: &mut Criterion) {
    let mut group = c.benchmark_group("hankel_product");
    for w in [48, 64, 96, 128, 200] {
        let x: Vec<f64> = (0..w)
            .map(|i| ((i * 7919) % 1013) as f64 / 1013.0 - 0.5)
            .collect();
        let (_, q) = hankel_dims(w);
        let v = vec![0.5; q];
        for product in [HankelProduct::Direct, HankelProduct::Fft] {
            let plan = HankelOp::with_product(w, product).unwrap();
            let mut scratch = plan.make_scratch();
            let mut op = plan.with_window(&x, &mut scratch).unwrap();
            let mut y = vec![0.0; op.nrows()];
            group.bench_function(format!("{product:?}/w{w}"), |b| {
                b.iter(|| op.apply(black_box(&v), &mut y))
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("window_solver");
    group.sample_size(20);
    let mut seen = Vec::new();
    for (w, r) in [
        (64, 5),
        (200, 11),
        (200, 17),
        (200, 31),
        (400, 20),
        (1000, 51),
    ] {
        let x: Vec<f64> = (0..w)
            .map(|i| ((i * 7919) % 1013) as f64 / 1013.0 - 0.5 + (i as f64 * 0.05).sin())
            .collect();
        let h = hankel_matrix(&x);
        let mut out = SvdTriplets::default();
        let mut dense = DenseSvd::new();
        let first_of_length = !seen.contains(&w);
        if first_of_length {
            seen.push(w);
            group.bench_function(format!("dense/w{w}"), |b| {
                b.iter(|| dense.compute(h.as_ref(), &mut out).unwrap())
            });
            let mut values = Vec::new();
            group.bench_function(format!("dense_values/w{w}"), |b| {
                b.iter(|| dense.singular_values(h.as_ref(), &mut values).unwrap())
            });
            let p = h.nrows();
            let mut gram = vec![0.0; p * p];
            let mut eig = SymmetricEig::new();
            group.bench_function(format!("gram_evd/w{w}"), |b| {
                b.iter(|| {
                    hankel_gram_lower(black_box(&x), &mut gram).unwrap();
                    eig.compute(MatRef::from_column_major_slice(&gram, p, p))
                        .unwrap()
                })
            });
        }
        if w <= 400 {
            let p = h.nrows();
            let mut gram = vec![0.0; p * p];
            let mut lead = LeadingEig::new();
            if first_of_length {
                // The Householder tridiagonalization alone (4p³/3 flops): the floor of the
                // Gram route, whatever the rank.
                hankel_gram_lower(&x, &mut gram).unwrap();
                group.bench_function(format!("gram_reduce/w{w}"), |b| {
                    b.iter(|| {
                        lead.reduce(MatRef::from_column_major_slice(black_box(&gram), p, p))
                            .unwrap()
                    })
                });
            }
            group.bench_function(format!("gram_leading/w{w}_r{r}"), |b| {
                b.iter(|| {
                    hankel_gram_lower(black_box(&x), &mut gram).unwrap();
                    lead.compute(MatRef::from_column_major_slice(&gram, p, p))
                        .unwrap();
                    lead.leading_vectors(r).is_some()
                })
            });
        }
        let plan = HankelOp::new(w).unwrap();
        let mut scratch = plan.make_scratch();
        let mut op = plan.with_window(&x, &mut scratch).unwrap();
        let mut lanczos = LanczosSvd::new();
        group.bench_function(format!("lanczos/w{w}_r{r}"), |b| {
            b.iter(|| lanczos.compute(&mut op, r, &mut out).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_full, bench_default, bench_parts);
criterion_main!(benches);
