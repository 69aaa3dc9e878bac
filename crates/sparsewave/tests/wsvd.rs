//! WSVD and its parts against independent references: dense SVDs (faer), closed forms,
//! invariants and SciPy golden vectors (tests/data/wsvd/make_golden.py).

use faer::{Mat, MatRef};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use sparsewave::denoise::bands::{band_of_bin, split_bands, BandSplitter};
use sparsewave::denoise::gaussian::{gaussian_filter, GaussianFilter};
use sparsewave::denoise::wsvd::{
    offset_grid, overlap_grid, plain_grid, wsvd_denoise, xfade_weight, xfade_weight_sum,
    BandConfig, Junction, Mapping, SvdSolver, WsvdConfig,
};
use sparsewave::linalg::dense::{DenseSvd, SymmetricEig};
use sparsewave::linalg::hankel::{
    antidiagonal_average, antidiagonal_count, fft_len, hankel_dims, hankel_gram_lower,
    hankel_matrix, HankelOp, HankelProduct, HankelScratch,
};
use sparsewave::linalg::lanczos::{LanczosSvd, LinearOperator};
use sparsewave::linalg::rank_rule::{aic_rank, mdl_rank, RankRule};
use sparsewave::linalg::triplets::SvdTriplets;

fn gaussian_vec(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.sample(StandardNormal)).collect()
}

fn speech_excerpt() -> Vec<f64> {
    let text = include_str!("data/wsvd/speech_excerpt.json");
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    v["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap() / 32768.0)
        .collect()
}

fn sinusoids(n: usize, comps: &[(f64, f64, f64)]) -> Vec<f64> {
    (0..n)
        .map(|t| {
            comps
                .iter()
                .map(|&(a, f, ph)| a * (2.0 * std::f64::consts::PI * f * t as f64 + ph).cos())
                .sum()
        })
        .collect()
}

const SINES: [(f64, f64, f64); 3] = [(1.0, 0.013, 0.3), (0.5, 0.071, 1.1), (0.25, 0.219, 2.0)];

/// ‖a − b‖ / ‖b‖.
fn relative_difference(a: &[f64], b: &[f64]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(u, v)| (u - v).powi(2)).sum();
    let norm: f64 = b.iter().map(|v| v * v).sum();
    (diff / norm).sqrt()
}

fn frob(m: MatRef<'_, f64>) -> f64 {
    m.norm_l2()
}

// ---------- Hankel ----------

#[test]
fn hankel_shape_and_antidiagonal_counts() {
    assert_eq!(hankel_dims(200), (100, 101));
    assert_eq!(hankel_dims(201), (101, 101));
    assert_eq!(hankel_dims(1000), (500, 501));
    assert_eq!(hankel_dims(1), (1, 1));
    for w in [4, 7, 10, 33] {
        let (p, q) = hankel_dims(w);
        for k in 0..w {
            let brute = (0..p).filter(|&i| k >= i && k - i < q).count();
            assert_eq!(antidiagonal_count(k, p, q), brute, "w {w} k {k}");
        }
    }
}

#[test]
fn antidiagonal_average_of_a_hankel_matrix_is_its_signal() {
    for w in [1, 2, 5, 64, 201] {
        let x = gaussian_vec(w, w as u64);
        let h = hankel_matrix(&x);
        let mut y = vec![0.0; w];
        antidiagonal_average(h.as_ref(), &mut y).unwrap();
        for (a, b) in x.iter().zip(&y) {
            // Each sample is the mean of up to ⌈w/2⌉ copies of itself: exact up to round-off.
            assert!((a - b).abs() <= 1e-14 * a.abs(), "w {w}");
        }
    }
}

#[test]
fn hankel_products_and_reconstructions_match_dense() {
    for w in [9, 50, 95, 96, 200, 1001] {
        let x = gaussian_vec(w, 100 + w as u64);
        let (p, q) = hankel_dims(w);
        let h = hankel_matrix(&x);
        let v = gaussian_vec(q, 1);
        let u = gaussian_vec(p, 2);
        let r = 3.min(p);
        let a = gaussian_vec(p * r, 3);
        let b = gaussian_vec(q * r, 4);
        let am = MatRef::from_column_major_slice(&a, p, r);
        let bm = MatRef::from_column_major_slice(&b, q, r);
        let hr = am * bm.transpose();
        let mut want = vec![0.0; w];
        antidiagonal_average(hr.as_ref(), &mut want).unwrap();
        let scale = frob(h.as_ref());
        for product in [HankelProduct::Direct, HankelProduct::Fft] {
            let plan = HankelOp::with_product(w, product).unwrap();
            let mut scratch = plan.make_scratch();
            let mut op = plan.with_window(&x, &mut scratch).unwrap();
            let mut hv = vec![0.0; p];
            let mut htu = vec![0.0; q];
            op.apply(&v, &mut hv);
            op.apply_transpose(&u, &mut htu);
            for i in 0..p {
                let d: f64 = (0..q).map(|j| h[(i, j)] * v[j]).sum();
                assert!((d - hv[i]).abs() < 1e-12 * scale, "{product:?} w {w} Hv");
            }
            for j in 0..q {
                let d: f64 = (0..p).map(|i| h[(i, j)] * u[i]).sum();
                assert!((d - htu[j]).abs() < 1e-12 * scale, "{product:?} w {w} Hᵀu");
            }
            let mut got = vec![0.0; w];
            plan.hankelize(&a, &b, r, &mut got, &mut scratch).unwrap();
            for (g, e) in got.iter().zip(&want) {
                assert!(
                    (g - e).abs() < 1e-12 * (1.0 + e.abs()),
                    "{product:?} w {w} hankelize"
                );
            }
            plan.paper_map(&a, &b, r, &mut got).unwrap();
            for i in 0..p {
                assert!((got[i] - hr[(i, 0)]).abs() < 1e-12);
            }
            for j in 1..q {
                assert!((got[p - 1 + j] - hr[(p - 1, j)]).abs() < 1e-12);
            }
        }
    }
}

/// `fft_len(w)` is the smallest even 2^a·3^b ≥ w, by exhaustive search.
#[test]
fn fft_len_is_the_smallest_even_3_smooth_length() {
    let smooth = |mut l: usize| {
        for f in [2, 3] {
            while l % f == 0 {
                l /= f;
            }
        }
        l == 1
    };
    for w in 1..3000 {
        let want = (w.max(2)..).find(|&l| l % 2 == 0 && smooth(l)).unwrap();
        assert_eq!(fft_len(w), want, "w {w}");
    }
}

#[test]
fn sum_of_n_sinusoids_has_hankel_rank_2n() {
    let x = sinusoids(400, &SINES);
    let h = hankel_matrix(&x);
    let mut s = Vec::new();
    DenseSvd::new().singular_values(h.as_ref(), &mut s).unwrap();
    let n2 = 2 * SINES.len();
    assert!(s[n2 - 1] > 1e-3 * s[0], "{:?}", &s[..8]);
    assert!(s[n2] < 1e-12 * s[0], "{:?}", &s[..8]);
}

#[test]
fn wsvd_at_rank_2n_returns_a_sum_of_sinusoids() {
    let x = sinusoids(3000, &SINES);
    let r = 2 * SINES.len();
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for solver in [SvdSolver::Lanczos, SvdSolver::Dense, SvdSolver::Auto] {
        for junction in [
            Junction::Xfade,
            Junction::Interleave,
            Junction::MeanFilt,
            Junction::None,
        ] {
            for mapping in [Mapping::AntiDiagonal, Mapping::Paper] {
                if junction == Junction::MeanFilt {
                    continue; // the mean filter smooths a correct signal too: checked below
                }
                let cfg = WsvdConfig {
                    junction,
                    mapping,
                    solver,
                    ..WsvdConfig::single_band(200, RankRule::Fixed(r))
                };
                let out = wsvd_denoise(&x, 44100.0, &cfg).unwrap();
                let err = x
                    .iter()
                    .zip(&out.signal)
                    .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
                assert!(
                    err < 1e-8 * peak,
                    "{solver:?} {junction:?} {mapping:?}: {err}"
                );
            }
        }
    }
}

/// Products, a truncated SVD and both reconstructions of window `x` through `plan`, as bits.
fn hankel_bits(plan: &HankelOp, x: &[f64], scratch: &mut HankelScratch) -> Vec<u64> {
    let (p, q) = plan.dims();
    let mut op = plan.with_window(x, scratch).unwrap();
    let (mut hv, mut htu) = (vec![0.0; p], vec![0.0; q]);
    op.apply(&vec![1.0; q], &mut hv);
    op.apply_transpose(&vec![-0.5; p], &mut htu);
    let mut svd = SvdTriplets::default();
    LanczosSvd::new().compute(&mut op, 3, &mut svd).unwrap();
    let mut averaged = vec![0.0; x.len()];
    plan.hankelize(&svd.left, &svd.right, 3, &mut averaged, scratch)
        .unwrap();
    let mut paper = vec![0.0; x.len()];
    plan.paper_map(&svd.left, &svd.right, 3, &mut paper)
        .unwrap();
    [hv, htu, svd.values, averaged, paper]
        .concat()
        .into_iter()
        .map(f64::to_bits)
        .collect()
}

#[test]
fn one_hankel_plan_shared_by_threads_gives_the_serial_result_bit_for_bit() {
    for product in [HankelProduct::Direct, HankelProduct::Fft] {
        let w = 200;
        let plan = HankelOp::with_product(w, product).unwrap();
        let windows: Vec<Vec<f64>> = (0..16).map(|i| gaussian_vec(w, 500 + i)).collect();
        let mut scratch = plan.make_scratch();
        let serial: Vec<Vec<u64>> = windows
            .iter()
            .map(|x| hankel_bits(&plan, x, &mut scratch))
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let parallel: Vec<Vec<u64>> = pool.install(|| {
            windows
                .par_iter()
                .map_init(|| plan.make_scratch(), |s, x| hankel_bits(&plan, x, s))
                .collect()
        });
        assert!(serial == parallel, "{product:?}: results differ");
    }
    // A scratch of another plan is refused.
    let plan = HankelOp::new(100).unwrap();
    let mut other = HankelOp::new(101).unwrap().make_scratch();
    assert!(plan.with_window(&[0.0; 100], &mut other).is_err());
}

// ---------- Lanczos against dense ----------

fn assert_matches_dense(a: MatRef<'_, f64>, r: usize, what: &str) {
    let mut dense = SvdTriplets::default();
    DenseSvd::new().compute(a, &mut dense).unwrap();
    let mut op = a;
    let mut lz = SvdTriplets::default();
    LanczosSvd::new().compute(&mut op, r, &mut lz).unwrap();
    let s1 = dense.values[0];
    for i in 0..r {
        assert!(
            (lz.values[i] - dense.values[i]).abs() < 1e-9 * s1,
            "{what}: σ{i} {} vs {}",
            lz.values[i],
            dense.values[i]
        );
    }
    dense.truncate(r);
    let diff = lz.to_matrix() - dense.to_matrix();
    let rel = frob(diff.as_ref()) / frob(dense.to_matrix().as_ref());
    assert!(rel < 1e-9, "{what}: rank-{r} matrices differ by {rel:e}");
    // The accepted triplets really are triplets: ‖A v − σ u‖, ‖Aᵀ u − σ v‖ ≤ 1e-10·σ₁.
    let (m, n) = (a.nrows(), a.ncols());
    for i in 0..r {
        let u = &lz.left[i * m..(i + 1) * m];
        let v = &lz.right[i * n..(i + 1) * n];
        let mut av = vec![0.0; m];
        let mut atu = vec![0.0; n];
        op.apply(v, &mut av);
        op.apply_transpose(u, &mut atu);
        let res1: f64 = av
            .iter()
            .zip(u)
            .map(|(x, y)| (x - lz.values[i] * y).powi(2))
            .sum();
        let res2: f64 = atu
            .iter()
            .zip(v)
            .map(|(x, y)| (x - lz.values[i] * y).powi(2))
            .sum();
        assert!(
            res1.sqrt() < 1e-10 * s1 && res2.sqrt() < 1e-10 * s1,
            "{what}: residual"
        );
    }
}

#[test]
fn lanczos_matches_dense_on_random_hankel_and_dense_matrices() {
    // White-noise windows: the cut falls among the noise values, where k = 2r is not enough.
    for (w, r) in [(200, 10), (200, 31), (201, 60), (1000, 51)] {
        let x = gaussian_vec(w, w as u64 + r as u64);
        let h = hankel_matrix(&x);
        assert_matches_dense(h.as_ref(), r, &format!("noise Hankel w {w} r {r}"));
    }
    let g = gaussian_vec(80 * 50, 5);
    let a = MatRef::from_column_major_slice(&g, 80, 50);
    assert_matches_dense(a, 12, "random 80×50");
    assert_matches_dense(a.transpose(), 12, "random 50×80");
    assert_matches_dense(a, 50, "random 80×50, full rank");
}

#[test]
fn lanczos_matches_dense_on_real_speech_windows() {
    let x = speech_excerpt();
    for (start, w, r) in [
        (0, 200, 11),
        (1000, 200, 31),
        (2000, 400, 20),
        (3000, 1000, 51),
    ] {
        let h = hankel_matrix(&x[start..start + w]);
        assert_matches_dense(h.as_ref(), r, &format!("speech at {start}, w {w}, r {r}"));
    }
}

#[test]
fn lanczos_matches_dense_with_clustered_singular_values() {
    // A = Q₁ diag(s) Q₂ᵀ with clusters inside the kept set and a gap at the cut.
    let (m, n) = (120, 90);
    let mut q = SvdTriplets::default();
    let g = gaussian_vec(m * n, 77);
    DenseSvd::new()
        .compute(MatRef::from_column_major_slice(&g, m, n), &mut q)
        .unwrap();
    let mut s = vec![0.0; n];
    for (i, v) in s.iter_mut().enumerate() {
        *v = match i {
            0..=2 => 10.0 * (1.0 + 1e-12 * i as f64),
            3..=6 => 5.0 * (1.0 + 1e-9 * i as f64),
            7 => 4.0,
            _ => 1.0 / (i as f64),
        };
    }
    let a = Mat::from_fn(m, n, |i, j| {
        (0..n)
            .map(|l| q.left[l * m + i] * s[l] * q.right[l * n + j])
            .sum::<f64>()
    });
    assert_matches_dense(a.as_ref(), 3, "clustered, r 3");
    assert_matches_dense(a.as_ref(), 8, "clustered, r 8");
    // A matrix of exact rank 5 asked for more: the Krylov space is exhausted early.
    let low = Mat::from_fn(m, n, |i, j| {
        (0..5)
            .map(|l| q.left[l * m + i] * s[l] * q.right[l * n + j])
            .sum::<f64>()
    });
    let mut op = low.as_ref();
    let mut out = SvdTriplets::default();
    LanczosSvd::new().compute(&mut op, 7, &mut out).unwrap();
    // The bidiagonal SVD goes through BᵀB: zero singular values come out at ~√ε·σ₁, not 0.
    assert!(out.values[5] < 1e-7 * out.values[0] && out.values[6] < 1e-7 * out.values[0]);
    let mut kept = s[..5].to_vec();
    kept.sort_by(|a, b| b.total_cmp(a));
    for i in 0..5 {
        assert!(
            (out.values[i] - kept[i]).abs() < 1e-12 * kept[0],
            "{} vs {}",
            out.values[i],
            kept[i]
        );
    }
}

#[test]
fn lanczos_rejects_bad_ranks() {
    let g = gaussian_vec(20 * 10, 1);
    let mut a = MatRef::from_column_major_slice(&g, 20, 10);
    let mut out = SvdTriplets::default();
    assert!(LanczosSvd::new().compute(&mut a, 0, &mut out).is_err());
    assert!(LanczosSvd::new().compute(&mut a, 11, &mut out).is_err());
    assert!(LanczosSvd::new().with_tolerance(0.0).is_err());
}

// ---------- Rank rules ----------

#[test]
fn rank_from_ratio_examples() {
    let r = |w: usize, ratio: f64| {
        let (p, q) = hankel_dims(w);
        RankRule::Ratio(ratio).rank(p, q, &[]).unwrap()
    };
    assert_eq!(
        [
            r(200, 0.1),
            r(200, 0.3),
            r(200, 0.05),
            r(150, 0.08),
            r(100, 0.12),
            r(100, 0.01),
            r(1000, 0.1)
        ],
        [11, 31, 6, 7, 7, 1, 51]
    );
    assert_eq!(r(200, 1.0), 100); // clamped to min(p, q)
    assert!(RankRule::Ratio(0.0).validate(100, 101).is_err());
    assert!(RankRule::Ratio(1.01).validate(100, 101).is_err());
    assert!(RankRule::Fixed(0).validate(100, 101).is_err());
    assert!(RankRule::Fixed(101).validate(100, 101).is_err());
    assert!(RankRule::Fixed(100).validate(100, 101).is_ok());
}

#[test]
fn aic_and_mdl_find_the_rank_of_low_rank_plus_white_noise() {
    // Wax–Kailath assume many snapshots per dimension (N ≫ m), so that the noise eigenvalues
    // cluster; a square matrix spreads them (Marchenko–Pastur) and the criteria over-estimate.
    let (m, n) = (20, 500);
    let mut basis = SvdTriplets::default();
    let g = gaussian_vec(m * n, 9);
    DenseSvd::new()
        .compute(MatRef::from_column_major_slice(&g, m, n), &mut basis)
        .unwrap();
    for (true_rank, noise) in [(5, 0.05), (12, 0.02), (1, 0.1)] {
        let e = gaussian_vec(m * n, 10 + true_rank as u64);
        let a = Mat::from_fn(m, n, |i, j| {
            let low: f64 = (0..true_rank)
                .map(|l| basis.left[l * m + i] * (10.0 - 0.5 * l as f64) * basis.right[l * n + j])
                .sum();
            low + noise * e[j * m + i]
        });
        let mut s = Vec::new();
        DenseSvd::new().singular_values(a.as_ref(), &mut s).unwrap();
        assert_eq!(aic_rank(&s, n), true_rank, "AIC");
        assert_eq!(mdl_rank(&s, n), true_rank, "MDL");
        assert_eq!(RankRule::Aic.rank(m, n, &s).unwrap(), true_rank);
    }
    // Silence: every λ is zero, the criteria keep rank 1.
    assert_eq!(aic_rank(&[0.0; 10], 11), 1);
    // Energy rule: 3² + 4² = 25 of 26.
    assert_eq!(
        RankRule::Energy(0.9).rank(3, 3, &[4.0, 3.0, 1.0]).unwrap(),
        2
    );
    assert_eq!(
        RankRule::Energy(1.0).rank(3, 3, &[4.0, 3.0, 1.0]).unwrap(),
        3
    );
}

// ---------- Bands ----------

#[test]
fn band_split_sums_to_the_input_and_follows_the_membership_rule() {
    let fs = 44100.0;
    for n in [441, 1000, 4096, 4097] {
        let x = gaussian_vec(n, n as u64);
        let bands = split_bands(&x, fs, &[1000.0, 3500.0]).unwrap();
        assert_eq!(bands.len(), 3);
        for t in 0..n {
            let s: f64 = bands.iter().map(|b| b[t]).sum();
            assert!((s - x[t]).abs() < 1e-12, "n {n} t {t}");
        }
    }
    // n = 441 at 44.1 kHz: bins are 100 Hz apart; a cut exactly on bin 10 opens the next band.
    assert_eq!(band_of_bin(9, 441, fs, &[1000.0, 3500.0]), 0);
    assert_eq!(band_of_bin(10, 441, fs, &[1000.0, 3500.0]), 1);
    assert_eq!(band_of_bin(35, 441, fs, &[1000.0, 3500.0]), 2);
    assert_eq!(band_of_bin(220, 441, fs, &[1000.0, 3500.0]), 2);
    // A 500 Hz and a 2000 Hz tone on exact bins land in bands 0 and 1 only.
    let x = sinusoids(441, &[(1.0, 500.0 / fs, 0.0), (0.7, 2000.0 / fs, 0.4)]);
    let b = split_bands(&x, fs, &[1000.0, 3500.0]).unwrap();
    let low = sinusoids(441, &[(1.0, 500.0 / fs, 0.0)]);
    for t in 0..441 {
        assert!((b[0][t] - low[t]).abs() < 1e-12);
        assert!(b[2][t].abs() < 1e-12);
    }
}

#[test]
fn band_split_rejects_bad_cuts() {
    let x = vec![0.0; 100];
    for cuts in [
        vec![3500.0, 1000.0],
        vec![1000.0, 1000.0],
        vec![0.0],
        vec![-5.0],
        vec![22050.0],
        vec![f64::NAN],
    ] {
        assert!(split_bands(&x, 44100.0, &cuts).is_err(), "{cuts:?}");
    }
    assert!(BandSplitter::new(100, 0.0, &[]).is_err());
    assert!(split_bands(&x, 44100.0, &[]).is_ok());
}

// ---------- Grids and junctions ----------

#[test]
fn grids_tile_the_signal_and_xfade_weights_normalise() {
    for (n, w) in [
        (1000, 200),
        (1001, 200),
        (1099, 200),
        (200, 200),
        (203, 200),
        (57, 4),
        (10_000, 1000),
        (999, 151),
    ] {
        // Overlap grid: every sample covered, raw weight sum > 0, normalized weights sum to 1.
        let sum = xfade_weight_sum(n, w);
        assert!(sum.iter().all(|&s| s > 0.0), "n {n} w {w}");
        let mut normalized = vec![0.0; n];
        for span in overlap_grid(n, w) {
            assert!(span.start + span.len <= n && span.len == w.min(n));
            for t in 0..span.len {
                normalized[span.start + t] += xfade_weight(t, span.len) / sum[span.start + t];
            }
        }
        assert!(normalized.iter().all(|&v| (v - 1.0).abs() < 1e-14));
        // Non-overlapping grids tile [0, n) in order.
        for grid in [plain_grid(n, w), offset_grid(n, w)] {
            let mut next = 0;
            for span in grid {
                assert_eq!(span.start, next);
                next += span.len;
            }
            assert_eq!(next, n);
        }
    }
    // Interior of a long grid: two windows overlap everywhere and sin² + cos² = 1 already.
    let sum = xfade_weight_sum(10_000, 200);
    assert!(sum[100..9800].iter().all(|&s| (s - 1.0).abs() < 1e-12));
}

#[test]
fn full_rank_wsvd_is_the_identity_for_every_junction() {
    let x = speech_excerpt();
    let x = &x[..3333];
    for junction in [Junction::Xfade, Junction::Interleave, Junction::None] {
        for solver in [SvdSolver::Dense, SvdSolver::Lanczos] {
            let cfg = WsvdConfig {
                junction,
                solver,
                ..WsvdConfig::single_band(64, RankRule::Ratio(1.0))
            };
            let out = wsvd_denoise(x, 44100.0, &cfg).unwrap();
            for (a, b) in x.iter().zip(&out.signal) {
                assert!((a - b).abs() < 1e-12, "{junction:?} {solver:?}");
            }
        }
    }
}

#[test]
fn paper_preset_uses_the_papers_ranks() {
    let x = gaussian_vec(44100, 3);
    let out = wsvd_denoise(&x, 44100.0, &WsvdConfig::paper()).unwrap();
    let ranks: Vec<f64> = out.bands.iter().map(|b| b.mean_rank).collect();
    assert_eq!(ranks, vec![7.0, 7.0, 1.0]);
    assert_eq!(out.windows, 294 + 441 + 441);
    assert_eq!(out.signal.len(), x.len());
}

#[test]
fn default_config_denoises_speech() {
    let x = speech_excerpt();
    let e =
        sparsewave::noise::make_noise(sparsewave::noise::NoiseModel::Awgn, &x, 10.0, 1).unwrap();
    let noisy: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
    let out = wsvd_denoise(&noisy, 44100.0, &WsvdConfig::default()).unwrap();
    let err: f64 = x
        .iter()
        .zip(&out.signal)
        .map(|(a, b)| (a - b).powi(2))
        .sum();
    let px: f64 = x.iter().map(|a| a * a).sum();
    let snr = 10.0 * (px / err).log10();
    assert!(snr > 13.0, "output SNR {snr} dB from 10 dB input");
    assert!(out.mean_rank > 1.0 && out.mean_rank < 50.0);
}

#[test]
fn wsvd_rejects_invalid_configurations() {
    let x = gaussian_vec(1000, 1);
    let fs = 44100.0;
    let single = |w, rule| WsvdConfig::single_band(w, rule);
    let bad = [
        single(3, RankRule::Aic),
        single(1001, RankRule::Aic),
        single(200, RankRule::Ratio(0.0)),
        single(200, RankRule::Ratio(1.5)),
        single(200, RankRule::Fixed(0)),
        single(200, RankRule::Fixed(101)),
        WsvdConfig {
            cuts_hz: vec![3500.0, 1000.0],
            ..WsvdConfig::paper()
        },
        WsvdConfig {
            cuts_hz: vec![1000.0, 22050.0],
            ..WsvdConfig::paper()
        },
        WsvdConfig {
            cuts_hz: vec![1000.0],
            ..WsvdConfig::paper()
        },
        WsvdConfig {
            bands: vec![BandConfig {
                window: 100,
                rank: RankRule::Aic,
            }],
            ..WsvdConfig::paper()
        },
    ];
    for cfg in &bad {
        assert!(wsvd_denoise(&x, fs, cfg).is_err(), "{cfg:?}");
    }
    assert!(wsvd_denoise(&[], fs, &WsvdConfig::default()).is_err());
    let mut nan = x.clone();
    nan[5] = f64::NAN;
    assert!(wsvd_denoise(&nan, fs, &WsvdConfig::default()).is_err());
}

// ---------- Gaussian filter ----------

#[test]
fn gaussian_filter_matches_scipy() {
    let text = include_str!("data/wsvd/gaussian_golden.json");
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let floats = |a: &serde_json::Value| -> Vec<f64> {
        a.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    for case in v["cases"].as_array().unwrap() {
        let sigma = case["sigma"].as_f64().unwrap();
        let x = floats(&case["x"]);
        let want = floats(&case["y"]);
        let got = gaussian_filter(&x, sigma).unwrap();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() < 1e-12,
                "sigma {sigma}, n {}: {g} vs {w}",
                x.len()
            );
        }
    }
    assert!(GaussianFilter::new(0.0).is_err());
    assert!(GaussianFilter::new(f64::NAN).is_err());
    assert_eq!(GaussianFilter::new(2.0).unwrap().radius(), 8);
}

// ---------- Gram route (SvdSolver::Auto with rules that need every singular value) ----------

#[test]
fn hankel_gram_matches_the_dense_product() {
    let x = speech_excerpt();
    let noise = gaussian_vec(301, 9);
    for (xw, what) in [
        (&x[1000..1200], "speech w 200"),
        (&x[2000..2151], "speech w 151"),
        (&noise[..], "gaussian w 301"),
        (&x[5..9], "speech w 4"),
    ] {
        let h = hankel_matrix(xw);
        let p = h.nrows();
        let g = &h * h.transpose();
        let mut lower = vec![f64::NAN; p * p];
        hankel_gram_lower(xw, &mut lower).unwrap();
        let scale = g.norm_max();
        for k in 0..p {
            for i in k..p {
                let err = (lower[i + k * p] - g[(i, k)]).abs();
                assert!(err <= 1e-13 * scale, "{what}: G[{i}][{k}] off by {err:e}");
            }
        }
    }
    assert!(hankel_gram_lower(&[], &mut []).is_err());
    assert!(hankel_gram_lower(&x[..10], &mut [0.0; 24]).is_err());
}

#[test]
fn symmetric_eig_is_descending_orthonormal_and_exact() {
    let a = Mat::from_fn(40, 40, |i, j| gaussian_vec(1600, 4)[i * 40 + j]);
    let s = &a + a.transpose();
    let mut eig = SymmetricEig::new();
    eig.compute(s.as_ref()).unwrap();
    let lambda = eig.values();
    assert!(lambda.windows(2).all(|w| w[0] >= w[1]), "not descending");
    let u = MatRef::from_column_major_slice(eig.leading_vectors(40), 40, 40);
    let ut_u = u.transpose() * u;
    assert!(frob((&ut_u - Mat::<f64>::identity(40, 40)).as_ref()) < 1e-12);
    let rebuilt = Mat::from_fn(40, 40, |i, j| {
        (0..40)
            .map(|l| u[(i, l)] * lambda[l] * u[(j, l)])
            .sum::<f64>()
    });
    assert!(frob((&rebuilt - &s).as_ref()) < 1e-12 * frob(s.as_ref()));
    assert!(eig.compute(a.as_ref().subcols(0, 30)).is_err());
}

/// The Gram route of `SvdSolver::Auto` against the dense-SVD route, window by window (same
/// singular values, same ranks) and end to end (same signal), on real audio with white noise.
#[test]
fn gram_route_equals_the_dense_svd_route_on_real_audio() {
    let (folk, fs) = read_mono(std::path::Path::new("tests/data/folk_4s.wav"), 1);
    let speech = speech_excerpt();
    let mut gram_windows = 0;
    let mut all_windows = 0;
    for (x, what) in [(&folk, "folk 1 s"), (&speech, "speech")] {
        for snr_in in [24.0, 10.0] {
            let e =
                sparsewave::noise::make_noise(sparsewave::noise::NoiseModel::Awgn, x, snr_in, 1)
                    .unwrap();
            let noisy: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
            let (p, q) = hankel_dims(200);
            let mut eig = SymmetricEig::new();
            let mut dense = DenseSvd::new();
            let mut gram = vec![0.0; p * p];
            let mut svd_values = Vec::new();
            for span in overlap_grid(noisy.len(), 200) {
                let xw = &noisy[span.start..span.start + span.len];
                hankel_gram_lower(xw, &mut gram).unwrap();
                eig.compute(MatRef::from_column_major_slice(&gram, p, p))
                    .unwrap();
                let lambda = eig.values();
                all_windows += 1;
                if lambda[p - 1] < sparsewave::denoise::wsvd::GRAM_MIN_SPREAD * lambda[0] {
                    continue;
                }
                gram_windows += 1;
                let values: Vec<f64> = lambda.iter().map(|l| l.sqrt()).collect();
                dense
                    .singular_values(hankel_matrix(xw).as_ref(), &mut svd_values)
                    .unwrap();
                // λ = σ² from H·Hᵀ carries an absolute error of about p·ε·λ₁ (the squared
                // condition number), so compare λ against λ₁, not against itself.
                for (k, (a, b)) in values.iter().zip(&svd_values).enumerate() {
                    assert!(
                        (a * a - b * b).abs() <= 1e-12 * lambda[0],
                        "{what} {snr_in} dB at {}: σ{k} {a} vs {b}",
                        span.start
                    );
                }
                for rule in [RankRule::Aic, RankRule::Mdl, RankRule::Energy(0.99)] {
                    assert_eq!(
                        rule.rank(p, q, &values).unwrap(),
                        rule.rank(p, q, &svd_values).unwrap(),
                        "{what} {snr_in} dB at {}: {rule:?}",
                        span.start
                    );
                }
            }
            for mapping in [Mapping::AntiDiagonal, Mapping::Paper] {
                let auto = WsvdConfig {
                    mapping,
                    ..WsvdConfig::default()
                };
                let reference = WsvdConfig {
                    solver: SvdSolver::Dense,
                    ..auto.clone()
                };
                let a = wsvd_denoise(&noisy, fs, &auto).unwrap();
                let b = wsvd_denoise(&noisy, fs, &reference).unwrap();
                assert_eq!(a.mean_rank, b.mean_rank, "{what} {snr_in} dB {mapping:?}");
                let rel = relative_difference(&a.signal, &b.signal);
                assert!(
                    rel < 1e-9,
                    "{what} {snr_in} dB {mapping:?}: relative difference {rel:e}"
                );
            }
        }
    }
    assert!(
        gram_windows * 10 >= all_windows * 9,
        "only {gram_windows} of {all_windows} windows took the Gram route"
    );
}

#[test]
fn gram_route_falls_back_to_dense_on_noise_free_and_silent_windows() {
    // Exactly rank 6 (three sinusoids): λ_7.. are round-off, so the Gram route must defer.
    let x = sinusoids(1000, &SINES);
    let mut silent = x.clone();
    silent[300..700].fill(0.0);
    for signal in [x, silent] {
        let aic = WsvdConfig::single_band(200, RankRule::Aic);
        let auto = wsvd_denoise(&signal, 44100.0, &aic).unwrap();
        let reference = WsvdConfig {
            solver: SvdSolver::Dense,
            ..aic
        };
        let dense = wsvd_denoise(&signal, 44100.0, &reference).unwrap();
        assert_eq!(auto.mean_rank, dense.mean_rank);
        let diff: f64 = auto
            .signal
            .iter()
            .zip(&dense.signal)
            .map(|(u, v)| (u - v).abs())
            .fold(0.0, f64::max);
        assert!(diff < 1e-12, "max difference {diff:e}");
    }
}

/// The first channel of a 16-bit WAV, at most `max_seconds`, and its sample rate.
fn read_mono(path: &std::path::Path, max_seconds: usize) -> (Vec<f64>, f64) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let ch = spec.channels as usize;
    let fs = spec.sample_rate as f64;
    let samples: Vec<f64> = reader
        .samples::<i16>()
        .step_by(ch)
        .take(max_seconds * spec.sample_rate as usize)
        .map(|s| s.unwrap() as f64 / 32768.0)
        .collect();
    (samples, fs)
}

/// The default configuration before and after the Gavish–Donoho rule became the default
/// (w = 200, 50 % crossfade, AIC or optimal rank, `SvdSolver::Auto`) on the whole of
/// folk_4s.wav plus white noise at 24 and 10 dB (seed 0) equals, to 1e-9 relative, the output
/// of the dense-SVD path (`SvdSolver::Dense`: faer's thin SVD of every window, the route the
/// default took before the Gram route), with the same rank in every window.
#[test]
fn default_on_folk_4s_equals_the_dense_svd_reference() {
    let (x, fs) = read_mono(std::path::Path::new("tests/data/folk_4s.wav"), 4);
    for (snr_in, rule) in [24.0, 10.0]
        .into_iter()
        .flat_map(|s| [(s, RankRule::Aic), (s, RankRule::Optimal)])
    {
        let e = sparsewave::noise::make_noise(sparsewave::noise::NoiseModel::Awgn, &x, snr_in, 0)
            .unwrap();
        let noisy: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
        let cfg = WsvdConfig::single_band(200, rule);
        let fast = wsvd_denoise(&noisy, fs, &cfg).unwrap();
        let reference = WsvdConfig {
            solver: SvdSolver::Dense,
            ..cfg
        };
        let slow = wsvd_denoise(&noisy, fs, &reference).unwrap();
        assert_eq!(fast.windows, slow.windows);
        assert_eq!(
            fast.mean_rank, slow.mean_rank,
            "{snr_in} dB {rule:?}: ranks differ"
        );
        let rel = relative_difference(&fast.signal, &slow.signal);
        assert!(
            rel < 1e-9,
            "{snr_in} dB {rule:?}: relative difference {rel:e}"
        );
    }
}

/// `LeadingEig` (tridiagonalization, rational QL, inverse iteration) against faer's full
/// eigendecomposition (`SymmetricEig`): every eigenvalue to 1e-13·|λ₁|, and the projector
/// `U_r·U_rᵀ` onto the leading eigenvectors to 1e-11 whenever `λ_r − λ_{r+1}` is not tiny — on
/// Gram matrices of real audio windows and on hand-made matrices with repeated, clustered,
/// zero and negative eigenvalues.
#[test]
fn leading_eig_matches_the_full_eigendecomposition() {
    use sparsewave::linalg::leading_eig::LeadingEig;
    let check = |a: &Mat<f64>, r: usize, what: &str| -> bool {
        let n = a.nrows();
        let mut full = SymmetricEig::new();
        full.compute(a.as_ref()).unwrap();
        let mut lead = LeadingEig::new();
        lead.compute(a.as_ref()).unwrap();
        let scale = full.values()[0].abs().max(full.values()[n - 1].abs());
        for (k, (x, y)) in full.values().iter().zip(lead.values()).enumerate() {
            assert!((x - y).abs() <= 1e-13 * scale, "{what}: λ{k} {x} vs {y}");
        }
        let uf = full.leading_vectors(r).to_vec();
        let Some(ul) = lead.leading_vectors(r) else {
            return false;
        };
        let projector = |u: &[f64]| {
            Mat::from_fn(n, n, |i, j| {
                (0..r).map(|l| u[l * n + i] * u[l * n + j]).sum::<f64>()
            })
        };
        let (pf, pl) = (projector(&uf), projector(ul));
        let gap = if r < n {
            full.values()[r - 1] - full.values()[r]
        } else {
            scale
        };
        if gap > 1e-6 * scale {
            let diff = frob((&pf - &pl).as_ref());
            assert!(
                diff < 1e-11,
                "{what}: projectors differ by {diff:e} (r = {r})"
            );
        }
        let ult = MatRef::from_column_major_slice(ul, n, r);
        let gram = ult.transpose() * ult;
        assert!(
            frob((&gram - Mat::<f64>::identity(r, r)).as_ref()) < 1e-12,
            "{what}: not orthonormal"
        );
        true
    };
    let (folk, _) = read_mono(std::path::Path::new("tests/data/folk_4s.wav"), 2);
    let e =
        sparsewave::noise::make_noise(sparsewave::noise::NoiseModel::Awgn, &folk, 10.0, 3).unwrap();
    let noisy: Vec<f64> = folk.iter().zip(&e).map(|(a, b)| a + b).collect();
    let (mut ok, mut all) = (0, 0);
    for (i, start) in (0..noisy.len() - 200).step_by(997).enumerate() {
        let h = hankel_matrix(&noisy[start..start + 200]);
        let g = &h * h.transpose();
        all += 1;
        if check(&g, 5 + i % 40, "folk window") {
            ok += 1;
        }
    }
    assert!(
        ok * 100 >= all * 99,
        "inverse iteration refused {} of {all} windows",
        all - ok
    );
    // Repeated eigenvalues (3, 3, 3, 1, …), a zero block, negative values.
    let q = {
        let g = Mat::from_fn(12, 12, |i, j| gaussian_vec(144, 21)[i * 12 + j]);
        let mut out = SvdTriplets::default();
        DenseSvd::new().compute(g.as_ref(), &mut out).unwrap();
        Mat::from_fn(12, 12, |i, j| out.left[j * 12 + i])
    };
    let spectrum = [
        3.0,
        3.0,
        3.0,
        1.0,
        1.0 - 1e-9,
        0.5,
        0.0,
        0.0,
        0.0,
        -0.2,
        -1.0,
        -2.0,
    ];
    let a = Mat::from_fn(12, 12, |i, j| {
        (0..12)
            .map(|l| q[(i, l)] * spectrum[l] * q[(j, l)])
            .sum::<f64>()
    });
    for r in [1, 3, 4, 6, 12] {
        assert!(check(&a, r, "hand-made"), "refused r = {r}");
    }
    // Already diagonal (every reflector is the identity), 1 × 1, 2 × 2.
    let d = Mat::from_fn(5, 5, |i, j| {
        if i == j {
            [2.0, 7.0, 7.0, -1.0, 0.0][i]
        } else {
            0.0
        }
    });
    assert!(check(&d, 3, "diagonal"));
    assert!(check(&Mat::from_fn(1, 1, |_, _| 4.0), 1, "1×1"));
    assert!(check(
        &Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.5 }),
        1,
        "2×2"
    ));
}

/// The noise level the optimal rank rule sees per band: white noise of variance σ² splits over
/// the bands in proportion to their share of the (two-sided) spectrum, and the shares tile it.
#[test]
fn band_noise_sigma_splits_white_noise_by_bandwidth() {
    use sparsewave::denoise::noise_estimate::NoiseEstimate;
    use sparsewave::denoise::wsvd::band_noise_sigma;
    let sigma = 0.03;
    let white = NoiseEstimate::white(sigma, 44100);
    assert!((band_noise_sigma(&white, 44100.0, &[], 0) - sigma).abs() < 1e-15);
    // Cut at fs/4 on a 4096-point grid: band 0 holds bins 0 ..= 1023 (weights 1 + 2·1023).
    let low = band_noise_sigma(&white, 44100.0, &[11025.0], 0);
    let high = band_noise_sigma(&white, 44100.0, &[11025.0], 1);
    assert!((low * low - sigma * sigma * 2047.0 / 4096.0).abs() < 1e-15);
    assert!((low * low + high * high - sigma * sigma).abs() < 1e-15);
    let cuts = [1000.0, 3500.0];
    let total: f64 = (0..3)
        .map(|b| band_noise_sigma(&white, 44100.0, &cuts, b).powi(2))
        .sum();
    assert!((total - sigma * sigma).abs() < 1e-15);
}

/// The optimal rule (the default) estimates the noise from the signal: it reports the level
/// it used (within 10 % of the truth on real audio with white noise) and refuses a signal too
/// short to estimate it, which AIC accepts.
#[test]
fn optimal_rule_reports_its_noise_and_needs_a_long_enough_signal() {
    let (x, fs) = read_mono(std::path::Path::new("tests/data/folk_4s.wav"), 2);
    let e =
        sparsewave::noise::make_noise(sparsewave::noise::NoiseModel::Awgn, &x, 10.0, 0).unwrap();
    let truth = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
    let noisy: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
    let out = wsvd_denoise(&noisy, fs, &WsvdConfig::default()).unwrap();
    let sigma = out.bands[0].noise_sigma.unwrap();
    assert!((sigma / truth - 1.0).abs() < 0.1, "σ {sigma} vs {truth}");
    // One band: the band's level is the estimate's (up to the PSD integration's round-off).
    assert!((out.noise.unwrap().sigma() - sigma).abs() < 1e-12 * sigma);
    let aic = wsvd_denoise(&noisy, fs, &WsvdConfig::single_band(200, RankRule::Aic)).unwrap();
    assert!(aic.noise.is_none() && aic.bands[0].noise_sigma.is_none());
    assert!(
        out.mean_rank < aic.mean_rank,
        "the threshold keeps fewer noise components"
    );
    assert!(wsvd_denoise(&noisy[..1000], fs, &WsvdConfig::default()).is_err());
    assert!(wsvd_denoise(
        &noisy[..1000],
        fs,
        &WsvdConfig::single_band(200, RankRule::Aic)
    )
    .is_ok());
}
