//! PGBZ: golden vectors (LTFAT-checked), the direct O(L²) definitions, adjoint identity, fair
//! counting, budgets, CGLS re-fit, errors. Data in tests/data/pgbz/ (see PROVENANCE.md there).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rustfft::num_complex::Complex64;
use serde_json::Value;
use sparsewave::compress::refit::{refit, Frame, PgbzFrame, RefitOptions};
use sparsewave::compress::sparsify::{
    apply_mask, budget_for_fraction, select, select_budget, select_threshold, Keep, Ranking,
};
use sparsewave::transform::zak::{block_ranges, Pgbz, PgbzScratch};
use sparsewave::Error;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pgbz");

fn golden_cases() -> Vec<Value> {
    let text = std::fs::read_to_string(format!("{DATA}/pgbz_test_vectors.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn reals(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A complex matrix stored as {"re": [[..]], "im": [[..]]}, row-major.
fn complex_matrix(v: &Value) -> Vec<Vec<Complex64>> {
    let re = v["re"].as_array().unwrap();
    let im = v["im"].as_array().unwrap();
    re.iter()
        .zip(im)
        .map(|(r, i)| {
            reals(r)
                .into_iter()
                .zip(reals(i))
                .map(|(a, b)| Complex64::new(a, b))
                .collect()
        })
        .collect()
}

fn usize_of(v: &Value) -> usize {
    v.as_u64().unwrap() as usize
}

fn max_dev_real(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn max_dev_complex(a: &[Complex64], b: &[Complex64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).norm())
        .fold(0.0, f64::max)
}

fn random_signal(rng: &mut ChaCha8Rng, len: usize) -> Vec<f64> {
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// Random half-layout coefficients of a real signal (`m = 0` entries real).
fn random_coefs(rng: &mut ChaCha8Rng, plan: &Pgbz) -> Vec<Complex64> {
    let mh = plan.half_channels();
    (0..plan.coef_len())
        .map(|i| {
            let re = rng.random_range(-1.0..1.0);
            let im = if i % mh == 0 {
                0.0
            } else {
                rng.random_range(-1.0..1.0)
            };
            Complex64::new(re, im)
        })
        .collect()
}

fn magnitudes(c: &[Complex64]) -> Vec<f64> {
    c.iter().map(|z| z.norm()).collect()
}

const GOLDEN_TOL: f64 = 1e-10;

/// The plan of a golden case's lattice and length, and the case's tag ("MxN").
fn golden_plan(case: &Value) -> (Pgbz, String) {
    let (m, n) = (usize_of(&case["M"]), usize_of(&case["N"]));
    let plan = Pgbz::with_lattice(m, n, usize_of(&case["L0"])).unwrap();
    (plan, format!("{m}x{n}"))
}

#[test]
fn golden_window_zak_coefficients_dual_roundtrip() {
    for case in golden_cases() {
        let (plan, tag) = golden_plan(&case);
        let mut scratch = plan.make_scratch();
        let (m, n) = plan.lattice();
        let l0 = plan.signal_len();
        assert_eq!(plan.padded_len(), usize_of(&case["L"]));
        if m == n {
            assert_eq!(
                Pgbz::new(l0).unwrap().lattice(),
                (m, n),
                "{tag}: square lattice choice"
            );
        }
        let dev = max_dev_real(&plan.window(), &reals(&case["g"]));
        assert!(dev < GOLDEN_TOL, "{tag} g: {dev:e}");

        // Zg: the plan stores k = 0..(N+1)/2 per column j; the rest is the conjugate mirror.
        let zg_ref = complex_matrix(&case["Zg_kj"]);
        let nh = n.div_ceil(2);
        for (k, row) in zg_ref.iter().enumerate() {
            for (j, &want) in row.iter().enumerate() {
                let got = if k < nh {
                    plan.zak_window()[j * nh + k]
                } else {
                    plan.zak_window()[j * nh + (n - k)].conj()
                };
                assert!((got - want).norm() < GOLDEN_TOL, "{tag} Zg[{k},{j}]");
            }
        }

        let x0 = reals(&case["x0"]);
        let mut coefs = plan.make_coefficients();
        plan.analyze(&x0, &mut coefs, &mut scratch).unwrap();
        let ch_ref: Vec<Complex64> = complex_matrix(&case["Ch_nm"]).concat();
        let dev = max_dev_complex(&coefs, &ch_ref);
        assert!(dev < GOLDEN_TOL, "{tag} Ch: {dev:e}");

        let dev = max_dev_real(&plan.dual_window(), &reals(&case["gamma"]));
        assert!(dev < GOLDEN_TOL, "{tag} gamma: {dev:e}");

        let mut y = plan.make_signal();
        plan.synthesize(&coefs, &mut y, &mut scratch).unwrap();
        let dev = max_dev_real(&y, &reals(&case["y_roundtrip"]));
        assert!(dev < GOLDEN_TOL, "{tag} round trip: {dev:e}");
        assert!(
            max_dev_real(&y[..l0], &x0) < 1e-13,
            "{tag} round trip vs x0"
        );
    }
}

#[test]
fn golden_thresholding_and_least_squares_refit() {
    for case in golden_cases() {
        let (plan, tag) = golden_plan(&case);
        let mut scratch = plan.make_scratch();
        let l0 = plan.signal_len();
        let x0 = reals(&case["x0"]);
        let mut coefs = plan.make_coefficients();
        plan.analyze(&x0, &mut coefs, &mut scratch).unwrap();

        let budget = budget_for_fraction(0.2, l0).unwrap();
        assert_eq!(
            budget,
            usize_of(&case["threshold_budget_real_numbers"]),
            "{tag}"
        );
        let costs = plan.costs();
        let sel = select_budget(&magnitudes(&coefs), &costs, budget).unwrap();
        let mask_ref: Vec<bool> = case["kept_mask_nm"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| reals(row).into_iter().map(|v| v != 0.0))
            .collect();
        assert_eq!(sel.mask, mask_ref, "{tag} kept mask");
        let counted: usize = sel
            .mask
            .iter()
            .zip(&costs)
            .filter(|(&k, _)| k)
            .map(|(_, &c)| usize::from(c))
            .sum();
        assert_eq!(sel.kept_reals, counted, "{tag} kept count");
        let ranking = Ranking::new(&magnitudes(&coefs), &costs).unwrap();
        assert_eq!(ranking.selection(budget), sel, "{tag} ranking");

        let mut kept = coefs.clone();
        apply_mask(&mut kept, &sel.mask).unwrap();
        let mut y = plan.make_signal();
        plan.synthesize(&kept, &mut y, &mut scratch).unwrap();
        let dev = max_dev_real(&y, &reals(&case["y_thresholded"]));
        assert!(dev < GOLDEN_TOL, "{tag} y_thresholded: {dev:e}");

        let options = RefitOptions {
            max_iterations: 200,
            tolerance: 1e-14,
        };
        let report = refit(
            &mut PgbzFrame::new(&plan, &mut scratch),
            &x0,
            &sel.mask,
            &mut kept,
            &mut y,
            &options,
        )
        .unwrap();
        let dev = max_dev_complex(&kept, &complex_matrix(&case["C_ls_nm"]).concat());
        assert!(dev < GOLDEN_TOL, "{tag} C_ls: {dev:e} after {report:?}");
        let dev = max_dev_real(&y, &reals(&case["y_ls"]));
        assert!(dev < GOLDEN_TOL, "{tag} y_ls: {dev:e}");
        assert!(report.converged && report.gain_db > 0.0, "{tag} {report:?}");
        // The golden checks measure the relative error over all L padded samples.
        let l = plan.padded_len();
        let mut x = x0.clone();
        x.resize(l, 0.0);
        let err_pct = 100.0 * x.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum::<f64>()
            / x.iter().map(|a| a * a).sum::<f64>();
        let want = case["checks"]["rel_err_pct_ls"].as_f64().unwrap();
        assert!(
            (err_pct - want).abs() < 1e-8,
            "{tag} rel err {err_pct} vs {want}"
        );
    }
}

/// `c[m, n] = Σ_l x[l] g[(l − nM) mod L] e^{−2πi m l/M}` by the O(L²) sum.
fn direct_analysis(x: &[f64], g: &[f64], m: usize, n: usize) -> Vec<Complex64> {
    let l_total = m * n;
    let mh = m.div_ceil(2);
    let mut out = Vec::with_capacity(n * mh);
    for t in 0..n {
        for f in 0..mh {
            let mut acc = Complex64::default();
            for (l, &v) in x.iter().enumerate() {
                let phase = -2.0 * std::f64::consts::PI * ((f * l) % m) as f64 / m as f64;
                acc += Complex64::from_polar(v * g[(l + l_total - t * m) % l_total], phase);
            }
            out.push(acc);
        }
    }
    out
}

/// `y[l] = Σ_{m,n} c[m, n] γ[(l − nM) mod L] e^{+2πi m l/M}` over the full (Hermitian) c.
fn direct_synthesis(half: &[Complex64], gamma: &[f64], m: usize, n: usize) -> Vec<f64> {
    let l_total = m * n;
    let mh = m.div_ceil(2);
    let full = |t: usize, f: usize| {
        if f < mh {
            half[t * mh + f]
        } else {
            half[t * mh + (m - f)].conj()
        }
    };
    (0..l_total)
        .map(|l| {
            let mut acc = Complex64::default();
            for t in 0..n {
                let w = gamma[(l + l_total - t * m) % l_total];
                for f in 0..m {
                    let phase = 2.0 * std::f64::consts::PI * ((f * l) % m) as f64 / m as f64;
                    acc += full(t, f) * Complex64::from_polar(w, phase);
                }
            }
            acc.re
        })
        .collect()
}

/// Odd lattices, square and rectangular. With N ≤ 13 the analysis takes the Zak route, with N ≥ 21
/// the direct route over the window's significant rows: both are covered.
const LATTICES: [(usize, usize); 9] = [
    (1, 1),
    (3, 3),
    (5, 3),
    (3, 7),
    (9, 5),
    (11, 11),
    (7, 13),
    (41, 45),
    (25, 61),
];

#[test]
fn zak_route_equals_direct_definition() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for (m, n) in LATTICES {
        let l = m * n;
        // Shorter than L too, to exercise the zero padding.
        for len in [l, (l * 2).div_ceil(3)] {
            let x = random_signal(&mut rng, len);
            let plan = Pgbz::with_lattice(m, n, len).unwrap();
            let mut scratch = plan.make_scratch();
            let mut coefs = plan.make_coefficients();
            plan.analyze(&x, &mut coefs, &mut scratch).unwrap();
            let reference = direct_analysis(&x, &plan.window(), m, n);
            let dev = max_dev_complex(&coefs, &reference);
            assert!(dev < 1e-12, "{m}x{n} len {len}: analysis {dev:e}");

            let c = random_coefs(&mut rng, &plan);
            let mut y = plan.make_signal();
            plan.synthesize(&c, &mut y, &mut scratch).unwrap();
            let reference = direct_synthesis(&c, &plan.dual_window(), m, n);
            let dev = max_dev_real(&y, &reference);
            assert!(dev < 1e-11, "{m}x{n}: synthesis {dev:e}");
        }
    }
}

#[test]
fn dual_window_is_biorthogonal() {
    // ⟨γ, g_{m,n}⟩ = δ_{m,0} δ_{n,0}: the analysis of γ with g is a unit impulse.
    for (m, n) in LATTICES {
        let plan = Pgbz::with_lattice(m, n, m * n).unwrap();
        let mut scratch = plan.make_scratch();
        let mut c = plan.make_coefficients();
        plan.analyze(&plan.dual_window(), &mut c, &mut scratch)
            .unwrap();
        let mut want = plan.make_coefficients();
        want[0] = Complex64::new(1.0, 0.0);
        let dev = max_dev_complex(&c, &want);
        assert!(dev < 1e-12, "{m}x{n}: {dev:e}");
    }
}

#[test]
fn adjoint_identity_with_weighted_inner_product() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for (m, n) in LATTICES.into_iter().chain([(41, 45), (129, 129)]) {
        let plan = Pgbz::with_lattice(m, n, m * n).unwrap();
        let mut scratch = plan.make_scratch();
        let c = random_coefs(&mut rng, &plan);
        let y = random_signal(&mut rng, m * n);
        let mut dc = plan.make_signal();
        plan.synthesize(&c, &mut dc, &mut scratch).unwrap();
        let mut dy = plan.make_coefficients();
        plan.adjoint(&y, &mut dy, &mut scratch).unwrap();
        let lhs: f64 = dc.iter().zip(&y).map(|(a, b)| a * b).sum();
        let all: Vec<usize> = (0..plan.coef_len()).collect();
        let rhs = plan.weighted_dot(&all, &c, &dy);
        assert!(
            (lhs - rhs).abs() < 1e-12 * lhs.abs().max(1.0),
            "{m}x{n}: {lhs} vs {rhs}"
        );
        // The generic weighted sum (the trait's default formula) agrees with the structured one.
        let frame = PgbzFrame::new(&plan, &mut scratch);
        let generic: f64 = c
            .iter()
            .zip(&dy)
            .enumerate()
            .map(|(i, (a, b))| frame.weight(i) * (a.conj() * b).re)
            .sum();
        assert!((generic - rhs).abs() < 1e-12 * rhs.abs().max(1.0));
        // On a subset (channel 0 kept in some rows, rows with nothing kept), the dot of the
        // values there is the dot of the whole arrays zero elsewhere, bit for bit, and the
        // generic weighted sum (the formula of the trait's default dot) agrees.
        let at: Vec<usize> = all
            .iter()
            .copied()
            .filter(|i| (i * 7 + i / 5) % 3 == 0)
            .collect();
        let zero_off = |v: &[Complex64]| -> Vec<Complex64> {
            let mut z = vec![Complex64::default(); v.len()];
            for &i in &at {
                z[i] = v[i];
            }
            z
        };
        let on = |v: &[Complex64]| -> Vec<Complex64> { at.iter().map(|&i| v[i]).collect() };
        let whole = plan.weighted_dot(&all, &zero_off(&c), &zero_off(&dy));
        let subset = plan.weighted_dot(&at, &on(&c), &on(&dy));
        assert_eq!(whole.to_bits(), subset.to_bits(), "{m}x{n}");
        let frame = PgbzFrame::new(&plan, &mut scratch);
        let default_dot: f64 = at
            .iter()
            .zip(on(&c).iter().zip(&on(&dy)))
            .map(|(&i, (a, b))| frame.weight(i) * (a.conj() * b).re)
            .sum();
        assert!((default_dot - subset).abs() < 1e-12 * subset.abs().max(1.0));
    }
}

/// Analysis, synthesis and adjoint of `x` as raw bits, for exact comparisons.
fn transform_bits(plan: &Pgbz, x: &[f64], scratch: &mut PgbzScratch) -> Vec<u64> {
    let mut coefs = plan.make_coefficients();
    plan.analyze(x, &mut coefs, scratch).unwrap();
    let mut y = plan.make_signal();
    plan.synthesize(&coefs, &mut y, scratch).unwrap();
    let mut adjoint = plan.make_coefficients();
    plan.adjoint(x, &mut adjoint, scratch).unwrap();
    let complex = coefs.iter().chain(&adjoint).flat_map(|c| [c.re, c.im]);
    complex.chain(y).map(f64::to_bits).collect()
}

#[test]
fn one_plan_shared_by_threads_gives_the_single_thread_result_bit_for_bit() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    // Parallel lanes with smooth-length columns (211 is prime), the Zak-route analysis (7x13),
    // and a lattice in between.
    for (m, n) in [(211, 211), (41, 45), (7, 13)] {
        let plan = Pgbz::with_lattice(m, n, m * n).unwrap();
        let channels: Vec<Vec<f64>> = (0..6).map(|_| random_signal(&mut rng, m * n)).collect();
        let pool = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
        };
        // One thread, one scratch (one lane), channels in turn.
        let serial: Vec<Vec<u64>> = pool(1).install(|| {
            let mut scratch = plan.make_scratch();
            channels
                .iter()
                .map(|x| transform_bits(&plan, x, &mut scratch))
                .collect()
        });
        // Four threads over the channels, one shared plan, a scratch (four lanes) per thread.
        let parallel: Vec<Vec<u64>> = pool(4).install(|| {
            channels
                .par_iter()
                .map_init(|| plan.make_scratch(), |s, x| transform_bits(&plan, x, s))
                .collect()
        });
        assert!(serial == parallel, "{m}x{n}: results differ");
    }
    // A scratch made for another lattice is refused, not misused.
    let plan = Pgbz::with_lattice(7, 13, 91).unwrap();
    let mut other = Pgbz::with_lattice(13, 7, 91).unwrap().make_scratch();
    let mut c = plan.make_coefficients();
    assert!(plan.analyze(&[0.0; 91], &mut c, &mut other).is_err());
}

/// Lattices `(M, N, L0)` on the three column routes: smooth-length columns (211 is prime), plain
/// columns and the Zak route; `L0` cuts a row in the middle (and past the last whole row of a
/// column block of 8).
const ROUTE_LATTICES: [(usize, usize, usize); 3] = [
    (211, 211, 211 * 203 + 5),
    (41, 45, 41 * 44 - 3),
    (7, 13, 80),
];

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Synthesis into a buffer of the signal's length gives the first `L0` samples of the full
/// `L`-sample synthesis bit for bit (the column passes leave out the rows past its end), on
/// [`ROUTE_LATTICES`]; lengths outside `L0..=L` are refused.
#[test]
fn synthesis_into_a_shorter_buffer_is_the_full_ones_prefix() {
    let mut rng = ChaCha8Rng::seed_from_u64(22);
    for (m, n, len) in ROUTE_LATTICES {
        let plan = Pgbz::with_lattice(m, n, len).unwrap();
        let mut scratch = plan.make_scratch();
        let coefs = random_coefs(&mut rng, &plan);
        let mut full = plan.make_signal();
        plan.synthesize(&coefs, &mut full, &mut scratch).unwrap();
        for short_len in [len, len + 1, m * n - 1] {
            let mut short = vec![f64::NAN; short_len];
            plan.synthesize(&coefs, &mut short, &mut scratch).unwrap();
            assert_eq!(
                bits(&short),
                bits(&full[..short_len]),
                "{m}x{n}, {short_len}"
            );
        }
        for bad in [len - 1, m * n + 1] {
            let mut y = vec![0.0; bad];
            let e = plan.synthesize(&coefs, &mut y, &mut scratch).unwrap_err();
            assert!(e.to_string().contains("samples"), "{e}");
        }
    }
}

/// Synthesis of the kept coefficients (`synthesize_kept`, which masks as the row pass reads)
/// equals, bit for bit, the synthesis of a masked copy, on [`ROUTE_LATTICES`] and with
/// masks that keep everything, nothing, or a random part (mixed within row pairs); a mask of
/// another length is refused.
#[test]
fn synthesis_of_the_kept_coefficients_equals_that_of_a_masked_copy() {
    let mut rng = ChaCha8Rng::seed_from_u64(23);
    for (m, n, len) in ROUTE_LATTICES {
        let plan = Pgbz::with_lattice(m, n, len).unwrap();
        let mut scratch = plan.make_scratch();
        let coefs = random_coefs(&mut rng, &plan);
        for density in [1.0, 0.0, 0.3, 0.04] {
            let keep: Vec<bool> = coefs
                .iter()
                .map(|_| rng.random::<f64>() < density)
                .collect();
            let masked: Vec<Complex64> = coefs
                .iter()
                .zip(&keep)
                .map(|(&c, &k)| if k { c } else { Complex64::default() })
                .collect();
            let (mut a, mut b) = (vec![0.0; len], vec![0.0; len]);
            plan.synthesize(&masked, &mut a, &mut scratch).unwrap();
            plan.synthesize_kept(&coefs, &keep, &mut b, &mut scratch)
                .unwrap();
            assert_eq!(bits(&a), bits(&b), "{m}x{n}, density {density}");
        }
        let mut y = vec![0.0; len];
        let short = vec![true; coefs.len() - 1];
        let e = plan
            .synthesize_kept(&coefs, &short, &mut y, &mut scratch)
            .unwrap_err();
        assert!(e.to_string().contains("mask"), "{e}");
    }
}

fn cello() -> Vec<f64> {
    let mut reader = hound::WavReader::open(format!("{DATA}/cello_1s.wav")).unwrap();
    reader
        .samples::<i16>()
        .map(|s| f64::from(s.unwrap()) / 32768.0)
        .collect()
}

#[test]
fn round_trip_on_real_audio() {
    let x = cello();
    assert_eq!(x.len(), 44100);
    let plan = Pgbz::new(x.len()).unwrap();
    let mut scratch = plan.make_scratch();
    assert_eq!(plan.lattice(), (211, 211));
    let mut coefs = plan.make_coefficients();
    plan.analyze(&x, &mut coefs, &mut scratch).unwrap();
    let mut y = plan.make_signal();
    plan.synthesize(&coefs, &mut y, &mut scratch).unwrap();
    let peak = x.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let dev = max_dev_real(&y[..x.len()], &x) / peak;
    assert!(dev < 1e-12, "relative round-trip error {dev:e}");
    assert!(y[x.len()..].iter().all(|v| v.abs() < 1e-12 * peak));
    // Condition number ≈ 0.54·M (PGBZ.md).
    let cond = plan.condition_number();
    assert!((cond / 211.0 - 0.54).abs() < 0.03, "cond {cond}");
}

#[test]
fn refit_improves_real_audio_and_is_least_squares() {
    let x = cello();
    let plan = Pgbz::new(x.len()).unwrap();
    let mut scratch = plan.make_scratch();
    let mut coefs = plan.make_coefficients();
    plan.analyze(&x, &mut coefs, &mut scratch).unwrap();
    let sel = select(
        &magnitudes(&coefs),
        &plan.costs(),
        Keep::Fraction(0.04),
        x.len(),
    )
    .unwrap();
    assert!(sel.kept_reals + 1 >= 1764 && sel.kept_reals <= 1764);
    apply_mask(&mut coefs, &sel.mask).unwrap();
    let mut y = plan.make_signal();
    let options = RefitOptions {
        max_iterations: 300,
        tolerance: 1e-10,
    };
    let report = refit(
        &mut PgbzFrame::new(&plan, &mut scratch),
        &x,
        &sel.mask,
        &mut coefs,
        &mut y,
        &options,
    )
    .unwrap();
    assert!(report.converged, "{report:?}");
    assert!(report.gain_db > 1.0, "{report:?}");
    assert!(coefs
        .iter()
        .zip(&sel.mask)
        .all(|(c, &k)| k || *c == Complex64::default()));
    // Normal equations: the residual is orthogonal to every kept atom.
    let residual: Vec<f64> = (0..plan.padded_len())
        .map(|i| x.get(i).copied().unwrap_or(0.0) - y[i])
        .collect();
    let mut grad = plan.make_coefficients();
    plan.adjoint(&residual, &mut grad, &mut scratch).unwrap();
    let mut at_start = plan.make_coefficients();
    plan.adjoint(&x, &mut at_start, &mut scratch).unwrap();
    let scale = at_start.iter().map(|c| c.norm()).fold(0.0, f64::max);
    let worst = grad
        .iter()
        .zip(&sel.mask)
        .filter(|(_, &k)| k)
        .map(|(g, _)| g.norm())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-8 * scale,
        "kept-atom correlation {worst:e} vs {scale:e}"
    );
}

#[test]
fn fair_count_sums_to_padded_length() {
    for (m, n) in LATTICES.into_iter().chain([(211, 211), (101, 303)]) {
        let plan = Pgbz::with_lattice(m, n, m * n).unwrap();
        let total: usize = plan.costs().iter().map(|&c| usize::from(c)).sum();
        assert_eq!(total, m * n, "{m}x{n}");
        assert_eq!(plan.coef_len(), n * m.div_ceil(2));
    }
    assert_eq!((Pgbz::cost(0), Pgbz::cost(1), Pgbz::cost(7)), (1, 2, 2));
}

#[test]
fn budget_count_is_exact() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let plan = Pgbz::with_lattice(31, 33, 1000).unwrap();
    let costs = plan.costs();
    let mags: Vec<f64> = (0..plan.coef_len()).map(|_| rng.random::<f64>()).collect();
    let ranking = Ranking::new(&mags, &costs).unwrap();
    assert_eq!(ranking.total_reals(), plan.padded_len());
    let mut mask = vec![false; mags.len()];
    for budget in (0..=plan.padded_len() + 3).step_by(37) {
        let sel = select_budget(&mags, &costs, budget).unwrap();
        let counted: usize = sel
            .mask
            .iter()
            .zip(&costs)
            .filter(|(&k, _)| k)
            .map(|(_, &c)| usize::from(c))
            .sum();
        assert_eq!(sel.kept_reals, counted);
        // Stopping at the first misfit wastes at most one unit (costs are 1 or 2).
        let cap = budget.min(plan.padded_len());
        assert!(
            sel.kept_reals <= cap && sel.kept_reals + 1 >= cap,
            "budget {budget}"
        );
        assert_eq!(
            ranking.fill_mask(budget, &mut mask).unwrap(),
            sel.kept_reals
        );
        assert_eq!(mask, sel.mask);
        // Everything kept ranks above everything dropped.
        let lowest_kept = mags
            .iter()
            .zip(&sel.mask)
            .filter(|(_, &k)| k)
            .map(|(a, _)| *a)
            .fold(f64::INFINITY, f64::min);
        assert!(mags
            .iter()
            .zip(&sel.mask)
            .all(|(a, &k)| k || *a <= lowest_kept));
    }
    let sel = select_threshold(&mags, &costs, 0.9).unwrap();
    assert!(sel.mask.iter().zip(&mags).all(|(&k, &a)| k == (a >= 0.9)));
    assert_eq!(
        select(&mags, &costs, Keep::RealNumbers(100), 1000).unwrap(),
        select_budget(&mags, &costs, 100).unwrap()
    );
}

fn param_reason(err: Error) -> String {
    match err {
        Error::InvalidParameter { reason, .. } => reason,
        other => panic!("expected a parameter error, got {other}"),
    }
}

#[test]
fn refuses_even_and_too_small_lattices() {
    let reason = param_reason(Pgbz::with_lattice(6, 6, 30).unwrap_err());
    assert!(
        reason.contains("odd") && reason.contains("no stable dual window"),
        "{reason}"
    );
    assert!(reason.contains("Zak transform"), "{reason}");
    assert!(Pgbz::with_lattice(5, 6, 30).is_err());
    assert!(Pgbz::with_lattice(6, 5, 30).is_err());
    let reason = param_reason(Pgbz::with_lattice(5, 7, 36).unwrap_err());
    assert!(reason.contains("35") && reason.contains("36"), "{reason}");
    assert!(Pgbz::new(0).is_err());
    assert!(Pgbz::with_lattice(0, 3, 1).is_err());

    let plan = Pgbz::with_lattice(5, 5, 20).unwrap();
    let mut scratch = plan.make_scratch();
    let mut c = plan.make_coefficients();
    assert!(plan.analyze(&[0.0; 26], &mut c, &mut scratch).is_err());
    assert!(plan.analyze(&[0.0; 20], &mut c[1..], &mut scratch).is_err());
    // The output holds L0 = 20 to L = 25 samples.
    assert!(plan.synthesize(&c, &mut [0.0; 19], &mut scratch).is_err());
    assert!(plan.synthesize(&c, &mut [0.0; 26], &mut scratch).is_err());
    let mut y = plan.make_signal();
    let mask = vec![true; c.len()];
    let options = RefitOptions::default();
    assert!(refit(
        &mut PgbzFrame::new(&plan, &mut scratch),
        &[0.0; 26],
        &mask,
        &mut c,
        &mut y,
        &options
    )
    .is_err());
    assert!(refit(
        &mut PgbzFrame::new(&plan, &mut scratch),
        &[0.0; 20],
        &mask[1..],
        &mut c,
        &mut y,
        &options
    )
    .is_err());
}

#[test]
fn blocks_cover_the_signal_and_round_trip() {
    assert_eq!(block_ranges(10, 4).unwrap(), vec![0..4, 4..8, 8..10]);
    assert!(block_ranges(10, 0).is_err());
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let x = random_signal(&mut rng, 2500);
    let mut out = vec![0.0; x.len()];
    let mut lattices = Vec::new();
    let mut plans: Vec<Pgbz> = Vec::new();
    for range in block_ranges(x.len(), 1000).unwrap() {
        let block = &x[range.clone()];
        if plans.last().is_none_or(|p| p.signal_len() != block.len()) {
            plans.push(Pgbz::new(block.len()).unwrap());
        }
        let plan = plans.last().unwrap();
        lattices.push(plan.lattice());
        let mut scratch = plan.make_scratch();
        let mut c = plan.make_coefficients();
        plan.analyze(block, &mut c, &mut scratch).unwrap();
        let mut y = plan.make_signal();
        plan.synthesize(&c, &mut y, &mut scratch).unwrap();
        out[range].copy_from_slice(&y[..block.len()]);
    }
    assert_eq!(lattices, vec![(33, 33), (33, 33), (23, 23)]);
    assert!(max_dev_real(&out, &x) < 1e-12);
}
