//! Noise models: sample statistics on 10⁶ draws against their closed forms.
//!
//! Tolerances are about five standard errors of each estimate (stated per test), so a correct
//! generator fails with negligible probability and the seeds are fixed anyway.

use serde_json::json;
use sparsewave::audio::Audio;
use sparsewave::noise::{add_noise, make_noise, sample_noise, NoiseKind, NoiseModel, NoiseParams};
use sparsewave::{Choice, Error};

const N: usize = 1_000_000;

fn moments(e: &[f64]) -> (f64, f64, f64) {
    let n = e.len() as f64;
    let mean = e.iter().sum::<f64>() / n;
    let m2 = e.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let m4 = e.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    (mean, m2, m4 / (m2 * m2))
}

fn fraction_above(e: &[f64], c: f64) -> f64 {
    e.iter().filter(|v| v.abs() > c).count() as f64 / e.len() as f64
}

/// erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit), ample for
/// probabilities checked to ~1e-3.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807
                            + t * (-1.13520398
                                + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// P(|N(0, s²)| > c).
fn gaussian_tail(c: f64, s: f64) -> f64 {
    erfc(c / (s * std::f64::consts::SQRT_2))
}

fn signal(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| (i as f64 * 0.01).sin() + 0.3 * (i as f64 * 0.173).cos())
        .collect()
}

fn snr_db(x: &[f64], e: &[f64]) -> f64 {
    let px: f64 = x.iter().map(|v| v * v).sum();
    let pe: f64 = e.iter().map(|v| v * v).sum();
    10.0 * (px / pe).log10()
}

#[test]
fn awgn_input_snr_is_exact_and_noise_is_gaussian() {
    let x = signal(N);
    for &snr in &[24.0, 10.0, -3.5] {
        let e = make_noise(NoiseModel::Awgn, &x, snr, 7).unwrap();
        assert!((snr_db(&x, &e) - snr).abs() < 1e-9, "snr {snr}");
    }
    let e = sample_noise(NoiseModel::Awgn, N, 2.0, 11).unwrap();
    let (mean, var, kurt) = moments(&e);
    // Standard errors: mean 2e-3, variance 4·sqrt(2/N) = 5.7e-3, kurtosis sqrt(24/N) = 4.9e-3.
    assert!(mean.abs() < 0.01, "mean {mean}");
    assert!((var - 4.0).abs() < 0.03, "variance {var}");
    assert!((kurt - 3.0).abs() < 0.025, "kurtosis {kurt}");
    // P(|z| > 1.96σ) = 0.05, standard error 2.2e-4.
    let f = fraction_above(&e, 1.959963984540054 * 2.0);
    assert!((f - 0.05).abs() < 1.1e-3, "tail fraction {f}");
}

#[test]
fn noise_is_reproducible_from_its_seed() {
    let models = [
        NoiseModel::Awgn,
        NoiseModel::GaussianMixture {
            epsilon: 0.1,
            kappa: 10.0,
        },
        NoiseModel::AlphaStable { alpha: 1.3 },
        NoiseModel::MiddletonA { a: 0.5, gamma: 0.1 },
    ];
    for m in models {
        let a = sample_noise(m, 1000, 1.0, 42).unwrap();
        let b = sample_noise(m, 1000, 1.0, 42).unwrap();
        let c = sample_noise(m, 1000, 1.0, 43).unwrap();
        assert_eq!(a, b, "{m:?}");
        assert_ne!(a, c, "{m:?}");
    }
}

#[test]
fn gaussian_mixture_variance_weights_and_kurtosis() {
    let (eps, kappa) = (0.1, 10.0);
    let model = NoiseModel::GaussianMixture {
        epsilon: eps,
        kappa,
    };
    let e = sample_noise(model, N, 1.0, 3).unwrap();
    let (mean, var, kurt) = moments(&e);
    // Var(X²) = E X⁴ − 1 ≈ 8.1: standard error of the variance 2.8e-3.
    assert!(mean.abs() < 0.005, "mean {mean}");
    assert!((var - 1.0).abs() < 0.015, "variance {var}");
    // Kurtosis 3(1 − ε + εκ²)/(1 − ε + εκ)² = 9.058; standard error ≈ 0.09.
    let kurt_expected = 3.0 * (1.0 - eps + eps * kappa * kappa) / (1.0 - eps + eps * kappa).powi(2);
    assert!(
        (kurt - kurt_expected).abs() < 0.45,
        "kurtosis {kurt} vs {kurt_expected}"
    );
    // The mixture weights: P(|X| > c) = (1 − ε)·P(|N(0,σ²)| > c) + ε·P(|N(0,κσ²)| > c).
    let sigma = 1.0 / (1.0 - eps + eps * kappa).sqrt();
    for &c in &[0.5, 1.5, 3.0] {
        let expected =
            (1.0 - eps) * gaussian_tail(c, sigma) + eps * gaussian_tail(c, sigma * kappa.sqrt());
        let f = fraction_above(&e, c);
        let se = (expected * (1.0 - expected) / N as f64).sqrt();
        assert!((f - expected).abs() < 5.0 * se, "c {c}: {f} vs {expected}");
    }
    // Exact SNR holds for the mixture too (finite variance).
    let x = signal(10_000);
    let e = make_noise(model, &x, 12.0, 5).unwrap();
    assert!((snr_db(&x, &e) - 12.0).abs() < 1e-9);
}

#[test]
fn alpha_stable_characteristic_function_tail_index_and_dispersion() {
    for &alpha in &[0.8, 1.0, 1.5, 2.0] {
        let e = sample_noise(NoiseModel::AlphaStable { alpha }, N, 1.0, 17).unwrap();
        // E cos(tX) = exp(−|t|^α); standard error ≤ 1/sqrt(2N) = 7e-4.
        for &t in &[0.5f64, 1.0, 2.0] {
            let cf = e.iter().map(|v| (t * v).cos()).sum::<f64>() / N as f64;
            let expected = (-t.powf(alpha)).exp();
            assert!(
                (cf - expected).abs() < 4e-3,
                "alpha {alpha}, t {t}: {cf} vs {expected}"
            );
        }
        if alpha < 2.0 {
            // Hill estimator on the 1000 largest |X|: standard error α/sqrt(1000) ≈ 0.03·α, plus
            // a second-order bias that grows as α approaches 2.
            let mut a: Vec<f64> = e.iter().map(|v| v.abs()).collect();
            a.sort_by(|x, y| y.total_cmp(x));
            let k = 1000;
            let hill = k as f64 / (0..k).map(|i| (a[i] / a[k]).ln()).sum::<f64>();
            assert!(
                (hill - alpha).abs() < 0.12 * alpha,
                "alpha {alpha}: Hill {hill}"
            );
        } else {
            // α = 2 is N(0, 2γ²).
            let (_, var, _) = moments(&e);
            assert!((var - 2.0).abs() < 0.02, "variance {var}");
        }
    }
    // Cauchy: median |X| = γ (standard error π/(2·sqrt(N)) = 1.6e-3).
    let e = sample_noise(NoiseModel::AlphaStable { alpha: 1.0 }, N, 0.25, 8).unwrap();
    assert!((median_abs(&e) - 0.25).abs() < 0.25 * 8e-3);
}

fn median_abs(e: &[f64]) -> f64 {
    let mut a: Vec<f64> = e.iter().map(|v| v.abs()).collect();
    a.sort_by(|x, y| x.total_cmp(y));
    a[a.len() / 2]
}

#[test]
fn alpha_stable_snr_goes_through_the_scale_parameter() {
    let x = signal(N);
    let snr = 20.0;
    let px = x.iter().map(|v| v * v).sum::<f64>() / N as f64;
    let gamma = (px / 10f64.powf(snr / 10.0) / 2.0).sqrt();
    let e = make_noise(NoiseModel::AlphaStable { alpha: 1.0 }, &x, snr, 9).unwrap();
    assert!((median_abs(&e) - gamma).abs() < gamma * 8e-3);
    // α = 2 has finite variance: the SNR is then exact.
    let e = make_noise(NoiseModel::AlphaStable { alpha: 2.0 }, &x, snr, 9).unwrap();
    assert!((snr_db(&x, &e) - snr).abs() < 1e-9);
}

#[test]
fn middleton_class_a_variance_and_kurtosis() {
    for &(a, gamma, tol_var, tol_kurt) in &[(1.0, 0.5, 0.01, 0.1), (0.1, 0.1, 0.06, 2.5)] {
        let e = sample_noise(NoiseModel::MiddletonA { a, gamma }, N, 1.0, 21).unwrap();
        let (mean, var, kurt) = moments(&e);
        // E X⁴ = 3·E[σ_k⁴] = 3(1 + 1/(A(1 + Γ)²)) for unit total variance.
        let kurt_expected = 3.0 * (1.0 + 1.0 / (a * (1.0 + gamma) * (1.0 + gamma)));
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < tol_var, "A {a}: variance {var}");
        assert!(
            (kurt - kurt_expected).abs() < tol_kurt,
            "A {a}: kurtosis {kurt} vs {kurt_expected}"
        );
    }
    let x = signal(10_000);
    let model = NoiseModel::MiddletonA { a: 0.3, gamma: 0.2 };
    let e = make_noise(model, &x, 5.0, 2).unwrap();
    assert!((snr_db(&x, &e) - 5.0).abs() < 1e-9);
}

#[test]
fn invalid_parameters_are_rejected() {
    let x = signal(100);
    assert!(make_noise(NoiseModel::Awgn, &x, f64::NAN, 0).is_err());
    assert!(make_noise(NoiseModel::Awgn, &x, f64::INFINITY, 0).is_err());
    assert!(make_noise(NoiseModel::Awgn, &[0.0; 10], 10.0, 0).is_err());
    assert!(make_noise(NoiseModel::Awgn, &[], 10.0, 0).is_err());
    let bad = [
        NoiseModel::AlphaStable { alpha: 0.0 },
        NoiseModel::AlphaStable { alpha: 2.01 },
        NoiseModel::AlphaStable { alpha: f64::NAN },
        NoiseModel::GaussianMixture {
            epsilon: -0.1,
            kappa: 10.0,
        },
        NoiseModel::GaussianMixture {
            epsilon: 1.1,
            kappa: 10.0,
        },
        NoiseModel::GaussianMixture {
            epsilon: 0.1,
            kappa: 0.0,
        },
        NoiseModel::MiddletonA { a: 0.0, gamma: 0.1 },
        NoiseModel::MiddletonA {
            a: 1.0,
            gamma: -1.0,
        },
    ];
    for m in bad {
        assert!(make_noise(m, &x, 10.0, 0).is_err(), "{m:?}");
        assert!(sample_noise(m, 10, 1.0, 0).is_err(), "{m:?}");
    }
    assert!(sample_noise(NoiseModel::Awgn, 10, -1.0, 0).is_err());
}

#[test]
fn add_noise_hits_the_snr_per_channel_with_seed_plus_channel() {
    let x = signal(20_000);
    let y: Vec<f64> = x.iter().rev().map(|v| 0.25 * v).collect();
    let stereo = Audio::from_channels(8000, vec![x.clone(), y.clone()]);
    let model = NoiseModel::GaussianMixture {
        epsilon: 0.05,
        kappa: 50.0,
    };
    let out = add_noise(&stereo, model, 7.5, 11).unwrap();
    for (c, clean) in [&x, &y].into_iter().enumerate() {
        let e = &out.noise.channels[c];
        assert!((snr_db(clean, e) - 7.5).abs() < 1e-9, "channel {c}");
        let sum: Vec<f64> = clean.iter().zip(e).map(|(a, b)| a + b).collect();
        assert_eq!(out.audio.channels[c], sum);
        // Channel c draws from seed + c.
        assert_eq!(e, &make_noise(model, clean, 7.5, 11 + c as u64).unwrap());
    }
    // Channel 1 of the stereo run is a mono run of that channel with seed + 1.
    let mono = add_noise(&Audio::from_channels(8000, vec![y.clone()]), model, 7.5, 12).unwrap();
    assert_eq!(mono.audio.channels[0], out.audio.channels[1]);
    assert_eq!(mono.noise.channels[0], out.noise.channels[1]);
    assert_eq!(out.noise.sample_rate, 8000);
    // The report: the achieved SNR over both channels (equal per channel, so equal overall)
    // and the model's parameters.
    assert!((out.report.metrics.snr_db - 7.5).abs() < 1e-9);
    assert_eq!(out.report.command, "addnoise");
    assert_eq!(
        out.report.params,
        json!({"model": "mixture", "epsilon": 0.05, "kappa": 50.0, "snr_db": 7.5, "seed": 11})
    );
    // The seed wraps instead of overflowing.
    assert!(add_noise(&stereo, NoiseModel::Awgn, 10.0, u64::MAX).is_ok());
}

#[test]
fn model_names_parameters_and_json() {
    assert_eq!(
        NoiseKind::NAMES,
        &["awgn", "pink", "mixture", "alpha-stable", "middleton"]
    );
    for (name, kind) in [
        ("white", NoiseKind::Awgn),
        ("Gaussian", NoiseKind::Awgn),
        ("gaussian-mixture", NoiseKind::Mixture),
        ("stable", NoiseKind::AlphaStable),
        ("alpha", NoiseKind::AlphaStable),
        ("middleton-a", NoiseKind::Middleton),
    ] {
        assert_eq!(name.parse::<NoiseKind>().unwrap(), kind, "{name}");
    }
    let e = "brown".parse::<NoiseKind>().unwrap_err().to_string();
    assert_eq!(
        e,
        "invalid model: 'brown' is not one of awgn, pink, mixture, alpha-stable, middleton"
    );
    let p = NoiseParams::default();
    let json_of = |kind| serde_json::to_value(NoiseModel::new(kind, &p).unwrap()).unwrap();
    assert_eq!(json_of(NoiseKind::Awgn), json!({"model": "awgn"}));
    assert_eq!(
        json_of(NoiseKind::Mixture),
        json!({"model": "mixture", "epsilon": 0.1, "kappa": 100.0})
    );
    assert_eq!(
        json_of(NoiseKind::AlphaStable),
        json!({"model": "alpha-stable", "alpha": 1.5})
    );
    assert_eq!(
        json_of(NoiseKind::Middleton),
        json!({"model": "middleton", "a": 0.1, "gamma": 0.01})
    );
    for kind in [
        NoiseKind::Awgn,
        NoiseKind::Mixture,
        NoiseKind::AlphaStable,
        NoiseKind::Middleton,
    ] {
        assert_eq!(NoiseModel::new(kind, &p).unwrap().kind(), kind);
    }
    let blamed = |kind, p: NoiseParams| match NoiseModel::new(kind, &p).unwrap_err() {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("{other}"),
    };
    assert_eq!(
        blamed(NoiseKind::AlphaStable, NoiseParams { alpha: 2.5, ..p }),
        "alpha"
    );
    assert_eq!(
        blamed(NoiseKind::Mixture, NoiseParams { epsilon: 1.5, ..p }),
        "epsilon"
    );
    assert_eq!(
        blamed(NoiseKind::Mixture, NoiseParams { kappa: 0.0, ..p }),
        "kappa"
    );
    assert_eq!(
        blamed(NoiseKind::Middleton, NoiseParams { a: 0.0, ..p }),
        "a"
    );
    assert_eq!(
        blamed(NoiseKind::Middleton, NoiseParams { gamma: 0.0, ..p }),
        "gamma"
    );
    // Parameters of other models are not looked at.
    assert!(NoiseModel::new(NoiseKind::Awgn, &NoiseParams { alpha: 9.0, ..p }).is_ok());
}

#[cfg(feature = "plot")]
#[test]
fn addnoise_figures_compare_the_clean_input_with_the_noisy_output() {
    use sparsewave::plot::Plot;
    let rate = 8000;
    let x: Vec<f64> = (0..4000)
        .map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / f64::from(rate)).sin())
        .collect();
    let clean = Audio::from_channels(rate, vec![x]);
    let noisy = add_noise(&clean, NoiseModel::Awgn, 10.0, 0).unwrap();
    let figures = noisy.figures(&clean).unwrap();
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "input_spectrogram",
            "output_spectrogram",
            "error_spectrogram",
            "waveform"
        ]
    );
    let Plot::Waveform(w) = &figures[3].plot else {
        panic!("not a waveform");
    };
    assert_eq!(w.title, "input vs noisy (channel 0)");
    assert_eq!(w.reference, clean.channels[0]);
    assert_eq!(w.estimate, noisy.audio.channels[0]);
    assert_eq!(w.estimate_label, "noisy");
    // The error spectrogram is |F − G| of clean and noisy, i.e. the noise's own spectrum.
    let Plot::Spectrogram(error) = &figures[2].plot else {
        panic!("not a spectrogram");
    };
    let noise = sparsewave::metrics::metric_stft()
        .forward(&noisy.noise.channels[0])
        .unwrap()
        .magnitude();
    let worst = error
        .magnitude
        .iter()
        .zip(&noise)
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(worst < 1e-9, "{worst}");
}

#[test]
fn pink_noise_falls_3_db_per_octave_at_an_exact_snr() {
    use realfft::RealFftPlanner;
    let n = 1 << 18;
    let e = sample_noise(NoiseModel::Pink, n, 0.5, 4).unwrap();
    // Exactly the asked standard deviation, zero mean.
    let power = e.iter().map(|v| v * v).sum::<f64>() / n as f64;
    assert!((power.sqrt() - 0.5).abs() < 1e-12);
    assert!(e.iter().sum::<f64>().abs() / (n as f64) < 1e-12);
    // The periodogram's mean over octaves [k, 2k): a least-squares line through
    // (log2 k, 10·log10 mean) has slope −3.01 dB per octave (1/f power).
    let mut buf = e.clone();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec).unwrap();
    let points: Vec<(f64, f64)> = (4..16)
        .map(|o| {
            let k = 1usize << o;
            let mean = spec[k..2 * k].iter().map(|c| c.norm_sqr()).sum::<f64>() / k as f64;
            (o as f64, 10.0 * mean.log10())
        })
        .collect();
    let m = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / m, sy / m);
    let slope = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum::<f64>()
        / points.iter().map(|(x, _)| (x - mx).powi(2)).sum::<f64>();
    assert!(
        (slope + 10.0 * 2f64.log10()).abs() < 0.1,
        "{slope} dB/octave"
    );
    // At a target SNR the drawn noise meets it exactly.
    let x: Vec<f64> = (0..50_000).map(|i| (i as f64 * 0.01).sin()).collect();
    for snr in [24.0, 10.0, -3.0] {
        let e = make_noise(NoiseModel::Pink, &x, snr, 9).unwrap();
        let got = 10.0
            * (x.iter().map(|v| v * v).sum::<f64>() / e.iter().map(|v| v * v).sum::<f64>()).log10();
        assert!((got - snr).abs() < 1e-9, "{got} dB");
    }
    assert_eq!("pink".parse::<NoiseKind>().unwrap(), NoiseKind::Pink);
}
