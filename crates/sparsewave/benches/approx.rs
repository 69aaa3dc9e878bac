//! `approx --rank 20` on 60 s at 44.1 kHz: STFT, truncated SVD of the 1025 × 5168 magnitude,
//! original phase, inverse STFT. Compare with scripts/bench_approx.py (SciPy/NumPy) on the same
//! file: `SPARSEWAVE_BENCH_AUDIO=song.wav cargo bench --bench approx`.
//!
//! `svd_rank20/*` isolates the truncated SVD of that magnitude matrix: the crate's Lanczos
//! (`truncated_svd`, which WSVD uses too) against faer's restarted Lanczos `partial_svd` (the
//! route the spectrogram approximation took before the two were unified) and the dense thin SVD.
//!
//! `approx_phases/*` splits `rank20_original_phase` into its three phases (magnitude STFT, SVD,
//! synthesis: a second forward STFT for the phase, the model's frames, the inverse STFT) and
//! measures the SVD's floor: `matrix_pass` is one product `A·v` with the magnitude matrix, which
//! streams its 8·bins·frames bytes from memory once; the Lanczos makes the number of products
//! printed at the start (two per step), so the SVD's memory floor is that count × `matrix_pass`.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::eigen::{partial_svd, partial_svd_scratch, PartialEigenParams};
use faer::{Col, Mat, MatRef, Par};
use sparsewave::approx::lowrank::{magnitude_matrix, LowRankApprox, PhaseMode};
use sparsewave::linalg::dense::{truncated_svd, DenseSvd, SvdMethod};
use sparsewave::linalg::lanczos::{LanczosSvd, LinearOperator};
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::linalg::triplets::SvdTriplets;
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

    let a = magnitude_matrix(&stft.forward(&x).unwrap());
    let mut counted = CountingOperator {
        a: a.as_ref(),
        products: 0,
    };
    LanczosSvd::new()
        .compute(&mut counted, 20, &mut SvdTriplets::default())
        .unwrap();
    eprintln!(
        "Lanczos products at rank 20 on the {}×{} magnitude ({:.1} MB): {}",
        a.nrows(),
        a.ncols(),
        (8 * a.nrows() * a.ncols()) as f64 / 1e6,
        counted.products
    );
    let mut g = c.benchmark_group("approx_phases");
    g.sample_size(10);
    g.bench_function("magnitude", |b| {
        b.iter(|| LowRankApprox::new(&stft, &x, false).unwrap())
    });
    let planned = LowRankApprox::new(&stft, &x, false).unwrap();
    g.bench_function("svd", |b| b.iter(|| planned.svd(20).unwrap()));
    let (svd, _) = planned.svd(20).unwrap();
    g.bench_function("synthesis", |b| {
        b.iter(|| planned.synthesize(&svd, 20, PhaseMode::Original).unwrap())
    });
    let v = vec![1.0; a.ncols()];
    let mut av = vec![0.0; a.nrows()];
    g.bench_function("matrix_pass", |b| b.iter(|| a.as_ref().apply(&v, &mut av)));
    // A Lanczos step on the (wide) spectrogram: AAᵀ·u in one fused pass against two products.
    let u = vec![1.0; a.nrows()];
    let (mut y, mut z) = (vec![0.0; a.ncols()], vec![0.0; a.nrows()]);
    g.bench_function("normal_fused", |b| {
        b.iter(|| a.as_ref().apply_transpose_normal(&u, &mut y, &mut z))
    });
    g.bench_function("normal_two_products", |b| {
        b.iter(|| {
            a.as_ref().apply_transpose(&u, &mut y);
            a.as_ref().apply(&y, &mut z)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("svd_rank20");
    g.sample_size(10);
    g.bench_function("crate_lanczos", |b| {
        b.iter(|| {
            let (svd, method) = truncated_svd(a.as_ref(), 20).unwrap();
            assert_eq!(method, SvdMethod::Lanczos);
            svd
        })
    });
    g.bench_function("faer_partial_svd", |b| {
        b.iter(|| faer_partial_svd(a.as_ref(), 20))
    });
    g.bench_function("dense_thin", |b| {
        let mut out = SvdTriplets::default();
        b.iter(|| DenseSvd::parallel().compute(a.as_ref(), &mut out).unwrap())
    });
    g.finish();
}

/// faer's restarted Lanczos bidiagonalization with the parameters the crate used before
/// (Krylov dimension 2k + 32, tolerance 64ε, rayon): the reference the crate's Lanczos is timed
/// against. Returns the singular values.
/// The dense operator, counting its products (both directions).
struct CountingOperator<'a> {
    a: MatRef<'a, f64>,
    products: usize,
}

impl LinearOperator for CountingOperator<'_> {
    fn nrows(&self) -> usize {
        self.a.nrows()
    }
    fn ncols(&self) -> usize {
        self.a.ncols()
    }
    fn apply(&mut self, x: &[f64], y: &mut [f64]) {
        self.products += 1;
        self.a.apply(x, y);
    }
    fn apply_transpose(&mut self, x: &[f64], y: &mut [f64]) {
        self.products += 1;
        self.a.apply_transpose(x, y);
    }
}

fn faer_partial_svd(a: MatRef<'_, f64>, k: usize) -> Vec<f64> {
    let (m, n) = (a.nrows(), a.ncols());
    let op = a.to_owned();
    let params = PartialEigenParams {
        max_dim: (2 * k + 32).min(m.min(n)),
        ..Default::default()
    };
    let par = Par::rayon(0);
    let mut mem = MemBuffer::new(partial_svd_scratch::<f64>(&op, k, par, params));
    let mut u = Mat::<f64>::zeros(m, k);
    let mut v = Mat::<f64>::zeros(n, k);
    let mut s = vec![0.0; k];
    let v0 = Col::<f64>::from_fn(n, |j| 1.0 + ((j * 7919) % 97) as f64 / 97.0);
    let v0 = &v0 * (1.0 / v0.norm_l2());
    let info = partial_svd(
        u.as_mut(),
        v.as_mut(),
        &mut s,
        &op,
        v0.as_ref(),
        f64::EPSILON * 64.0,
        par,
        MemStack::new(&mut mem),
        params,
    );
    assert!(info.n_converged_eigen >= k);
    s
}

criterion_group!(benches, bench);
criterion_main!(benches);
