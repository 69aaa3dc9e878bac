//! The PGBZ re-fit's Zak-domain deflation preconditioner on a real recording: preconditioned CG
//! reaches the same least-squares solution as plain CGLS in far fewer iterations, and the default
//! re-fit (8 preconditioned iterations) is at least as good as the former default (30 plain).

use sparsewave::compress::refit::{refit, PgbzFrame, RefitOptions, RefitReport};
use sparsewave::compress::sparsify::{apply_mask, select, Keep};
use sparsewave::transform::zak::Pgbz;

const CLIP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/folk_4s.wav");

/// The clip's first channel, its plan, the 4 % kept set and the thresholded coefficients.
fn setup() -> (
    Vec<f64>,
    Pgbz,
    Vec<bool>,
    Vec<rustfft::num_complex::Complex64>,
) {
    let audio = sparsewave::load(std::path::Path::new(CLIP)).unwrap();
    let x = audio.channels[0].clone();
    let plan = Pgbz::new(x.len()).unwrap();
    let mut scratch = plan.make_scratch();
    let mut coefs = plan.make_coefficients();
    plan.analyze(&x, &mut coefs, &mut scratch).unwrap();
    let mags: Vec<f64> = coefs.iter().map(|c| c.norm()).collect();
    let kept = select(&mags, &plan.costs(), Keep::Fraction(0.04), x.len())
        .unwrap()
        .mask;
    apply_mask(&mut coefs, &kept).unwrap();
    (x, plan, kept, coefs)
}

fn run(
    x: &[f64],
    plan: &Pgbz,
    kept: &[bool],
    start: &[rustfft::num_complex::Complex64],
    preconditioned: bool,
    options: RefitOptions,
) -> (RefitReport, Vec<f64>) {
    let mut scratch = plan.make_scratch();
    let mut coefs = start.to_vec();
    let mut y = plan.make_signal();
    let mut frame = if preconditioned {
        PgbzFrame::new(plan, &mut scratch)
    } else {
        PgbzFrame::plain(plan, &mut scratch)
    };
    let report = refit(&mut frame, x, kept, &mut coefs, &mut y, &options).unwrap();
    (report, y)
}

#[test]
fn preconditioned_cg_reaches_the_least_squares_solution_faster() {
    let (x, plan, kept, start) = setup();
    let tight = RefitOptions {
        max_iterations: 2000,
        tolerance: 1e-9,
    };
    let (plain, y_plain) = run(&x, &plan, &kept, &start, false, tight);
    let (fast, y_fast) = run(&x, &plan, &kept, &start, true, tight);
    assert!(plain.converged && fast.converged, "{plain:?} {fast:?}");
    assert!(
        3 * fast.iterations <= plain.iterations,
        "preconditioned {} vs plain {} iterations",
        fast.iterations,
        plain.iterations
    );
    // Same least-squares reconstruction.
    let energy: f64 = x.iter().map(|v| v * v).sum();
    let diff: f64 = y_plain
        .iter()
        .zip(&y_fast)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    assert!(
        diff / energy < 1e-12,
        "relative difference {:e}",
        diff / energy
    );
    assert!((plain.snr_after_db - fast.snr_after_db).abs() < 1e-6);
}

#[test]
fn default_refit_is_at_least_the_former_default() {
    let (x, plan, kept, start) = setup();
    let former = RefitOptions {
        max_iterations: 30,
        tolerance: 1e-6,
    };
    let (old, _) = run(&x, &plan, &kept, &start, false, former);
    let (new, _) = run(&x, &plan, &kept, &start, true, RefitOptions::default());
    assert!(new.iterations <= RefitOptions::DEFAULT_ITERATIONS);
    assert!(
        new.snr_after_db >= old.snr_after_db,
        "8 preconditioned: {new:?}, 30 plain: {old:?}"
    );
}
