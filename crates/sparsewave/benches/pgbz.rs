//! PGBZ speed: analysis + synthesis of 60 s at 44.1 kHz (the default fast lattice 1701 × 1701; and
//! the paper's lattice 1627 × 1627, a prime side, for comparison) against one realfft forward
//! transform of the same length, measured in the same run; the whole in-process `compress --keep 4% --no-refit`
//! (plan, analysis, ranking, synthesis: what `scripts/pgbz_numpy_peer.py` times in NumPy); the
//! cost of one CGLS iteration; the deflation preconditioner's set-up; and the default re-fit.
//!
//! Run: `cargo bench --bench pgbz`, then `python3 scripts/pgbz_bench_ratio.py` for the ratios.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realfft::RealFftPlanner;
use sparsewave::compress::deflation::{ZakDeflation, MAX_REAL_MODES};
use sparsewave::compress::params::LatticeChoice;
use sparsewave::compress::refit::{refit, PgbzFrame, RefitOptions};
use sparsewave::compress::sparsify::{apply_mask, select, Keep};
use sparsewave::transform::zak::Pgbz;

const LEN: usize = 60 * 44_100;

/// The default lattice's plan for `LEN` samples (the fast rule: 1701 × 1701).
fn fast_plan() -> Pgbz {
    let l = LatticeChoice::default().resolve(LEN);
    Pgbz::with_lattice(l.m, l.n, LEN).unwrap()
}

/// A deterministic test signal: a few partials plus seeded noise.
fn signal() -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(2025);
    (0..LEN)
        .map(|l| {
            let t = l as f64 / 44_100.0;
            0.3 * (2.0 * std::f64::consts::PI * 220.0 * t).sin()
                + 0.1 * (2.0 * std::f64::consts::PI * 1375.0 * t).sin()
                + 0.05 * rng.random_range(-1.0..1.0)
        })
        .collect()
}

fn transforms(c: &mut Criterion) {
    let x = signal();
    let mut group = c.benchmark_group("pgbz_60s");
    group.sample_size(10);

    let mut planner = RealFftPlanner::<f64>::new();
    let rfft = planner.plan_fft_forward(LEN);
    let mut input = x.clone();
    let mut spectrum = rfft.make_output_vec();
    let mut scratch = rfft.make_scratch_vec();
    group.bench_function("realfft_forward", |b| {
        b.iter(|| {
            // realfft uses its input as scratch: restore it (a memcpy, included in the time).
            input.copy_from_slice(&x);
            rfft.process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .unwrap();
            black_box(&spectrum);
        })
    });

    // compress --keep 4% --no-refit, in process: plan, analysis, ranking, mask, synthesis.
    group.bench_function("compress_no_refit", |b| {
        b.iter(|| {
            let plan = fast_plan();
            let mut scratch = plan.make_scratch();
            let mut coefs = plan.make_coefficients();
            plan.analyze(black_box(&x), &mut coefs, &mut scratch)
                .unwrap();
            let mags: Vec<f64> = coefs.iter().map(|z| z.norm()).collect();
            let kept = select(&mags, &plan.costs(), Keep::Fraction(0.04), LEN)
                .unwrap()
                .mask;
            apply_mask(&mut coefs, &kept).unwrap();
            let mut y = plan.make_signal();
            plan.synthesize(&coefs, &mut y, &mut scratch).unwrap();
            black_box(y)
        })
    });

    let plan = fast_plan();
    let mut scratch = plan.make_scratch();
    let mut coefs = plan.make_coefficients();
    let mut y = plan.make_signal();
    group.bench_function("analysis", |b| {
        b.iter(|| {
            plan.analyze(black_box(&x), &mut coefs, &mut scratch)
                .unwrap()
        })
    });
    group.bench_function("synthesis", |b| {
        b.iter(|| {
            plan.synthesize(black_box(&coefs), &mut y, &mut scratch)
                .unwrap()
        })
    });
    group.bench_function("analysis_synthesis", |b| {
        b.iter(|| {
            plan.analyze(black_box(&x), &mut coefs, &mut scratch)
                .unwrap();
            plan.synthesize(&coefs, &mut y, &mut scratch).unwrap();
        })
    });

    // The same signal on the paper's lattice 1627 × 1627 (`--lattice paper`): what its prime side
    // costs through Bluestein's algorithm.
    let paper = Pgbz::new(LEN).unwrap();
    let mut paper_scratch = paper.make_scratch();
    let mut paper_coefs = paper.make_coefficients();
    let mut paper_y = paper.make_signal();
    group.bench_function("analysis_synthesis_paper_lattice_1627", |b| {
        b.iter(|| {
            paper
                .analyze(black_box(&x), &mut paper_coefs, &mut paper_scratch)
                .unwrap();
            paper
                .synthesize(&paper_coefs, &mut paper_y, &mut paper_scratch)
                .unwrap();
        })
    });
    drop((paper, paper_scratch, paper_coefs, paper_y));

    // CGLS: plain refit with 0 and with 5 iterations; one iteration = (t5 − t0) / 5.
    plan.analyze(&x, &mut coefs, &mut scratch).unwrap();
    let mags: Vec<f64> = coefs.iter().map(|z| z.norm()).collect();
    let kept = select(&mags, &plan.costs(), Keep::Fraction(0.04), LEN)
        .unwrap()
        .mask;
    apply_mask(&mut coefs, &kept).unwrap();
    let mut c = coefs.clone();
    for iterations in [0, 5] {
        let options = RefitOptions {
            max_iterations: iterations,
            tolerance: 0.0,
        };
        group.bench_function(format!("refit_{iterations}_iterations"), |b| {
            b.iter(|| {
                c.copy_from_slice(&coefs);
                refit(
                    &mut PgbzFrame::plain(&plan, &mut scratch),
                    &x,
                    &kept,
                    &mut c,
                    &mut y,
                    &options,
                )
                .unwrap()
            })
        });
    }
    // The preconditioner's set-up for this kept set, and the default re-fit (preconditioned,
    // RefitOptions::default()).
    group.bench_function("deflation_setup", |b| {
        b.iter(|| ZakDeflation::new(&plan, black_box(&kept), MAX_REAL_MODES).unwrap())
    });
    group.bench_function("refit_default", |b| {
        b.iter(|| {
            c.copy_from_slice(&coefs);
            refit(
                &mut PgbzFrame::new(&plan, &mut scratch),
                &x,
                &kept,
                &mut c,
                &mut y,
                &RefitOptions::default(),
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, transforms);
criterion_main!(benches);
