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
    let a = magnitude_matrix(&s.forward(&x).unwrap());
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
