//! Spectrogram low-rank approximation and Griffin–Lim on a real clip, and the CLI end to end.

use sparsewave::approx::griffin_lim::{griffin_lim, PhaseInit};
use sparsewave::approx::lowrank::{magnitude_matrix, LowRankApprox, PhaseMode};
use sparsewave::linalg::dense::{truncated_svd, DenseSvd, SvdMethod};
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::linalg::triplets::SvdTriplets;
use sparsewave::metrics::{rel_error_pct, Metrics};
use sparsewave::transform::stft::{PadMode, Stft, StftConfig};
use sparsewave::transform::window::WindowKind;

fn clip(seconds: f64) -> Vec<f64> {
    let a = sparsewave::audio::decode_file(std::path::Path::new("tests/data/folk_4s.wav")).unwrap();
    a.channels[0][..(seconds * 44_100.0) as usize].to_vec()
}

fn stft(n_fft: usize, hop: usize) -> Stft {
    Stft::new(StftConfig::centered(n_fft, hop, n_fft, WindowKind::Hann, PadMode::Zero).unwrap())
        .unwrap()
}

#[test]
fn rank_k_error_is_the_eckart_young_tail() {
    let x = clip(1.0);
    let s = stft(512, 128);
    let plan = LowRankApprox::new(&s, &x, true).unwrap();
    let sv = plan.all_singular_values().unwrap().to_vec();
    let total: f64 = sv.iter().map(|v| v * v).sum();
    assert!(
        (total - plan.total_energy()).abs() < 1e-9 * total,
        "Σσ² = ‖A‖_F²"
    );
    for k in [1, 5, 20, 100] {
        let out = plan.run(RankRule::Fixed(k), PhaseMode::Original).unwrap();
        let tail: f64 = sv[k..].iter().map(|v| v * v).sum();
        let want = tail.sqrt();
        assert!(
            (out.frobenius_error - want).abs() < 1e-8 * total.sqrt(),
            "k {k}: {} vs {}",
            out.frobenius_error,
            want
        );
        assert_eq!(out.rank, k);
    }
}

#[test]
fn full_rank_returns_the_input() {
    let x = clip(0.5);
    let s = stft(1024, 256);
    let plan = LowRankApprox::new(&s, &x, false).unwrap();
    let kmax = plan.shape().0.min(plan.shape().1);
    let out = plan
        .run(RankRule::Fixed(kmax), PhaseMode::Original)
        .unwrap();
    let e = rel_error_pct(&x, &out.signal) / 100.0;
    assert!(e.sqrt() < 1e-9, "relative error {:e}", e.sqrt());
    assert_eq!(out.signal.len(), x.len());
}

#[test]
fn energy_rule_picks_the_smallest_sufficient_rank() {
    let x = clip(1.0);
    let s = stft(512, 128);
    let plan = LowRankApprox::new(&s, &x, true).unwrap();
    let sv = plan.all_singular_values().unwrap();
    let total: f64 = sv.iter().map(|v| v * v).sum();
    let k = plan.rank_for(RankRule::Energy(0.9)).unwrap();
    let kept = |k: usize| sv[..k].iter().map(|v| v * v).sum::<f64>() / total;
    assert!(kept(k) >= 0.9 && kept(k - 1) < 0.9);
}

#[test]
fn storage_counts_factors_and_phase() {
    let x = clip(0.5);
    let s = stft(1024, 256);
    let plan = LowRankApprox::new(&s, &x, false).unwrap();
    let (m, n) = plan.shape();
    let orig = plan.run(RankRule::Fixed(10), PhaseMode::Original).unwrap();
    assert_eq!(orig.stored_real_values, 10 * (m + n + 1) + m * n);
    let gl = plan
        .run(
            RankRule::Fixed(10),
            PhaseMode::GriffinLim {
                iters: 2,
                init: PhaseInit::Zero,
            },
        )
        .unwrap();
    assert_eq!(gl.stored_real_values, 10 * (m + n + 1));
    // The original phase alone already costs more real numbers than the input has samples.
    assert!(orig.stored_real_values > x.len());
}

#[test]
fn griffin_lim_reduces_spectral_inconsistency() {
    let x = clip(0.5);
    let s = stft(512, 128);
    let spec = s.forward(&x).unwrap();
    let mag = spec.magnitude();
    let spectral_snr = |y: &[f64]| {
        Metrics::compute(std::slice::from_ref(&x), &[y.to_vec()], 44_100)
            .unwrap()
            .spectral_snr_db
    };
    let run = |iters| {
        griffin_lim(
            &s,
            &mag,
            spec.frames,
            x.len(),
            iters,
            PhaseInit::Random { seed: 3 },
            None,
        )
        .unwrap()
    };
    let (a, b) = (spectral_snr(&run(2)), spectral_snr(&run(40)));
    assert!(
        b > a + 3.0,
        "2 iterations {a:.2} dB, 40 iterations {b:.2} dB"
    );
    // Seeded: the same seed gives the same signal.
    assert_eq!(run(3), run(3));
    // Started from the true phase with 0 iterations it is the plain inverse.
    let y = griffin_lim(
        &s,
        &mag,
        spec.frames,
        x.len(),
        0,
        PhaseInit::Given,
        Some(&spec),
    )
    .unwrap();
    assert!(rel_error_pct(&x, &y) < 1e-20);
}

/// The spectrogram route of the crate's Lanczos SVD (the one WSVD uses) against the dense thin
/// SVD on the bundled clip at the demo's STFT and rank 20: same singular values and the same
/// rank-20 matrix to 1e-9 (relative), so the demo's figures do not depend on the route.
#[test]
fn lanczos_route_matches_the_thin_svd_on_the_clip() {
    let x = clip(4.0);
    let s = sparsewave::metrics::metric_stft();
    assert_lanczos_matches_the_thin_svd(&magnitude_matrix(&s.forward(&x).unwrap()));
}

/// `truncated_svd` at rank 20 takes the Lanczos route and gives the thin SVD's singular values
/// (to 1e-9·σ₁) and rank-20 matrix (to 1e-9, relative).
fn assert_lanczos_matches_the_thin_svd(a: &faer::Mat<f64>) {
    let (lanczos, method) = truncated_svd(a.as_ref(), 20).unwrap();
    assert_eq!(method, SvdMethod::Lanczos);
    let mut thin = SvdTriplets::default();
    DenseSvd::parallel().compute(a.as_ref(), &mut thin).unwrap();
    let s1 = thin.values[0];
    for (i, (l, t)) in lanczos.s.iter().zip(&thin.values).enumerate() {
        assert!((l - t).abs() < 1e-9 * s1, "σ{i}: {l} vs {t}");
    }
    thin.truncate(20);
    let reference = thin.to_matrix();
    let diff = (lanczos.reconstruct(20) - &reference).norm_l2() / reference.norm_l2();
    assert!(diff < 1e-9, "rank-20 matrices differ by {diff:e}");
}

// The product API: the `approx` and `interp` jobs.

mod jobs {
    use super::clip;
    use sparsewave::approx::interp::{decimate_and_interpolate, InterpKind, InterpMethod};
    use sparsewave::approx::interp_job::{interp, Decimation};
    use sparsewave::approx::job::{approx, ApproxParams, Phase, PhaseStart, StftParams};
    use sparsewave::audio::Audio;
    use sparsewave::linalg::rank_rule::RankRule;

    fn stereo(seconds: f64) -> Audio {
        let x = clip(seconds);
        let reversed: Vec<f64> = x.iter().rev().copied().collect();
        Audio::from_channels(44_100, vec![x, reversed])
    }

    fn small_stft() -> StftParams {
        StftParams {
            n_fft: 512,
            hop: 128,
            ..Default::default()
        }
    }

    #[test]
    fn rank_sweep_points_are_the_eckart_young_tail() {
        let input = stereo(0.5);
        let params = ApproxParams {
            stft: small_stft(),
            rank: RankRule::Fixed(7),
            sweep_ranks: Some(vec![1, 3, 10, 40]),
            ..Default::default()
        };
        let job = approx(&input, &params).unwrap();
        let sv = &job.singular_values;
        // Every singular value of channel 0 (a sweep needs them all).
        assert_eq!(sv.len(), job.shape.0.min(job.shape.1));
        let total: f64 = sv.iter().map(|s| s * s).sum();
        let tail = |k: usize| (sv[k..].iter().map(|s| s * s).sum::<f64>() / total).sqrt();
        let points = job.rank_sweep.as_ref().unwrap();
        assert_eq!(
            points.iter().map(|p| p.rank).collect::<Vec<_>>(),
            [1, 3, 10, 40]
        );
        for p in points {
            assert!(
                (p.eckart_young_rel_error - tail(p.rank)).abs() < 1e-12,
                "k {}",
                p.rank
            );
            // Measured before clipping negatives: the truncated SVD is Eckart–Young optimal.
            assert!(
                (p.frobenius_rel_error - tail(p.rank)).abs() < 1e-8,
                "k {}: {} vs {}",
                p.rank,
                p.frobenius_rel_error,
                tail(p.rank)
            );
            let (m, n) = job.shape;
            assert_eq!(p.stored_real_values, p.rank * (m + n + 1) + m * n);
        }
        // More rank, less error.
        assert!(points.windows(2).all(|w| w[1].snr_db > w[0].snr_db));
        // The report: per-channel ranks and errors, channel 0's equal to the tail at k = 7.
        let v = serde_json::to_value(&job.report).unwrap();
        assert_eq!(v["command"], "approx");
        assert_eq!(v["rank"], serde_json::json!([7, 7]));
        let fro = v["frobenius_rel_error"][0].as_f64().unwrap();
        assert!((fro - tail(7)).abs() < 1e-8, "{fro} vs {}", tail(7));
        assert_eq!(v["spectrogram_shape"][0], job.shape.0);
        assert!(v["svd_method"].is_string());
        assert_eq!(v["params"]["n_fft"], 512);
        assert_eq!(v["params"]["win_length"], 512);
        assert_eq!(v["params"]["window"], "hann");
        assert_eq!(v["params"]["pad"], "zero");
        let (m, n) = job.shape;
        assert_eq!(v["storage"]["real_values"], 2 * (7 * (m + n + 1) + m * n));
    }

    #[test]
    fn energy_rule_and_griffin_lim_through_the_job() {
        let input = stereo(0.25);
        let params = ApproxParams {
            stft: small_stft(),
            phase: "griffin-lim".parse().unwrap(),
            iters: 5,
            init_phase: "original".parse().unwrap(),
            ..Default::default()
        };
        assert_eq!(params.rank, RankRule::Energy(0.95));
        let job = approx(&input, &params).unwrap();
        let sv = &job.singular_values;
        let total: f64 = sv.iter().map(|s| s * s).sum();
        let kept: f64 = sv[..job.rank].iter().map(|s| s * s).sum();
        let fewer: f64 = sv[..job.rank - 1].iter().map(|s| s * s).sum();
        assert!(kept >= 0.95 * total && fewer < 0.95 * total);
        assert_eq!(job.audio.channels[0].len(), input.channels[0].len());
        let v = serde_json::to_value(&job.report).unwrap();
        assert!(v["params"]["phase"]["GriffinLim"].is_object());
    }

    #[test]
    fn approx_validation_names_the_parameter() {
        let input = stereo(0.1);
        let err = |p: ApproxParams| approx(&input, &p).unwrap_err().to_string();
        let e = err(ApproxParams {
            rank: RankRule::Energy(1.5),
            ..Default::default()
        });
        assert!(e.starts_with("invalid energy:"), "{e}");
        let e = err(ApproxParams {
            stft: small_stft(),
            rank: RankRule::Fixed(0),
            ..Default::default()
        });
        assert!(e.starts_with("invalid rank: 0 is outside"), "{e}");
        let e = err(ApproxParams {
            rank: RankRule::Aic,
            ..Default::default()
        });
        assert!(e.starts_with("invalid rank:"), "{e}");
        let e = err(ApproxParams {
            stft: StftParams {
                hop: 0,
                ..small_stft()
            },
            ..Default::default()
        });
        assert!(e.contains("hop") && e.contains("at least 1"), "{e}");
        let e = err(ApproxParams {
            stft: small_stft(),
            sweep_ranks: Some(vec![2, 100_000]),
            ..Default::default()
        });
        assert!(e.starts_with("invalid sweep_ranks: rank 100000"), "{e}");
        let e = "gl".parse::<Phase>().unwrap_err().to_string();
        assert!(e.starts_with("invalid phase:"), "{e}");
        let e = "zero".parse::<PhaseStart>().unwrap_err().to_string();
        assert!(e.starts_with("invalid init_phase:"), "{e}");
    }

    #[test]
    fn interp_job_is_per_channel_decimation() {
        let input = stereo(0.1);
        let params = Decimation {
            factor: 3,
            method: InterpMethod::new(InterpKind::Lagrange, Some(5), None).unwrap(),
        };
        let job = interp(&input, &params).unwrap();
        for (c, x) in input.channels.iter().enumerate() {
            let want = decimate_and_interpolate(x, 3, params.method).unwrap();
            assert_eq!(job.audio.channels[c], want.signal);
        }
        let n = input.channels[0].len();
        let knots = (n - 1) / 3 + 1 + usize::from((n - 1) % 3 != 0);
        let v = serde_json::to_value(&job.report).unwrap();
        assert_eq!(v["kept_samples"], knots);
        assert_eq!(v["storage"]["real_values"], 2 * knots);
        assert_eq!(v["params"]["factor"], 3);
        assert_eq!(v["params"]["method"]["Lagrange"], 5);
    }

    #[test]
    fn interp_validation_names_the_parameter() {
        let err = |d: Decimation| d.validate().unwrap_err().to_string();
        let e = err(Decimation {
            factor: 0,
            method: InterpMethod::Cubic,
        });
        assert_eq!(e, "invalid factor: must be at least 1");
        let e = InterpMethod::new(InterpKind::Lagrange, Some(0), None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid order:"), "{e}");
        let e = InterpMethod::new(InterpKind::Poly, Some(5), Some(3))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid block:"), "{e}");
        assert_eq!(
            InterpMethod::new(InterpKind::Poly, None, None).unwrap(),
            InterpMethod::Poly {
                degree: 3,
                block: 16
            }
        );
        let e = "sinc".parse::<InterpKind>().unwrap_err().to_string();
        assert!(e.starts_with("invalid method: 'sinc'"), "{e}");
        assert_eq!(
            InterpMethod::new("CUBIC-NAK".parse().unwrap(), None, None).unwrap(),
            InterpMethod::CubicNotAKnot
        );
        // Too few kept samples for the method: named by the factor that dropped them.
        let e = decimate_and_interpolate(&[0.0; 10], 9, InterpMethod::CubicNotAKnot)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid factor:"), "{e}");
    }
}

// The fused product AAᵀ·x that the Lanczos SVD uses on wide dense matrices (a spectrogram of
// more frames than bins): one pass over the matrix instead of two.

fn gaussian_matrix(m: usize, n: usize, seed: u64) -> faer::Mat<f64> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    faer::Mat::from_fn(m, n, |_, _| rng.sample(rand_distr::StandardNormal))
}

#[test]
fn fused_normal_product_equals_the_two_products() {
    use sparsewave::linalg::lanczos::LinearOperator;
    // 37 × 1000 runs on one thread, 129 × 9000 (over 2²⁰ entries) on every core.
    for (m, n) in [(37, 1000), (129, 9000)] {
        let a = gaussian_matrix(m, n, 3);
        let mut op = a.as_ref();
        assert!(op.fuses_transpose_normal());
        let x: Vec<f64> = (0..m).map(|i| (i as f64 * 0.37).sin()).collect();
        let (mut y, mut z) = (vec![0.0; n], vec![0.0; m]);
        op.apply_transpose_normal(&x, &mut y, &mut z);
        let (mut y2, mut z2) = (vec![0.0; n], vec![0.0; m]);
        op.apply_transpose(&x, &mut y2);
        op.apply(&y2, &mut z2);
        let rel = |u: &[f64], v: &[f64]| {
            let d: f64 = u.iter().zip(v).map(|(p, q)| (p - q).powi(2)).sum();
            (d / v.iter().map(|q| q * q).sum::<f64>()).sqrt()
        };
        assert!(rel(&y, &y2) < 1e-14, "{m}×{n}: Aᵀx {:e}", rel(&y, &y2));
        assert!(rel(&z, &z2) < 1e-13, "{m}×{n}: AAᵀx {:e}", rel(&z, &z2));
    }
}

/// A spectrogram of more frames than bins (the long-signal case, where the Lanczos steps take
/// the fused product): same singular values and rank-20 matrix as the thin SVD to 1e-9.
#[test]
fn lanczos_route_matches_the_thin_svd_on_a_wide_spectrogram() {
    let x = clip(4.0);
    let a = magnitude_matrix(&stft(256, 64).forward(&x).unwrap());
    assert!(a.ncols() > 10 * a.nrows());
    assert_lanczos_matches_the_thin_svd(&a);
}

/// A wide matrix of exact rank 5 asked for 7 triplets: α_j collapses after 5 steps, so the
/// fused steps give way to applied products and random restarts; the 5 values are exact.
#[test]
fn lanczos_on_a_wide_matrix_of_exact_rank() {
    use sparsewave::linalg::lanczos::LanczosSvd;
    let (m, n) = (40, 600);
    let (l, r) = (gaussian_matrix(m, 5, 11), gaussian_matrix(5, n, 12));
    let a = &l * &r;
    let mut dense = SvdTriplets::default();
    DenseSvd::new().compute(a.as_ref(), &mut dense).unwrap();
    let mut out = SvdTriplets::default();
    LanczosSvd::new()
        .compute(&mut a.as_ref(), 7, &mut out)
        .unwrap();
    let s1 = dense.values[0];
    for i in 0..5 {
        assert!(
            (out.values[i] - dense.values[i]).abs() < 1e-12 * s1,
            "σ{i}: {} vs {}",
            out.values[i],
            dense.values[i]
        );
    }
    assert!(out.values[5] < 1e-7 * s1 && out.values[6] < 1e-7 * s1);
}

/// `interp`'s splines against SciPy's through the same kept samples
/// (tests/data/make_interp_golden.py): linear (np.interp), quadratic (make_interp_spline, k=2),
/// cubic (CubicSpline, natural), cubic-nak (CubicSpline, not-a-knot); factors 4 and 7 of 403
/// samples, so the last kept interval is short.
#[test]
fn interp_splines_match_scipy() {
    use sparsewave::approx::interp::{decimate_and_interpolate, InterpMethod};
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/interp_golden.json").unwrap())
            .unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_f64().unwrap())
            .collect()
    };
    let x = floats(&golden["x"]);
    for case in golden["cases"].as_array().unwrap() {
        let factor = case["factor"].as_u64().unwrap() as usize;
        for (name, method) in [
            ("linear", InterpMethod::Linear),
            ("quadratic", InterpMethod::Quadratic),
            ("cubic", InterpMethod::Cubic),
            ("cubic-nak", InterpMethod::CubicNotAKnot),
        ] {
            let want = floats(&case[name]);
            let got = decimate_and_interpolate(&x, factor, method).unwrap().signal;
            let worst = got
                .iter()
                .zip(&want)
                .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(worst < 1e-12, "{name} ×{factor}: max deviation {worst:e}");
        }
    }
}
