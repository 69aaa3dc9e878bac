//! The noise-blind denoisers against independent references: the LSA gain against its closed
//! form with E₁ computed by quadrature here, the decision-directed recursion by hand, block
//! thresholding on a hand-checked macroblock, Stein's risk against the true error on synthetic
//! Gaussian cases, and the noise estimators against known σ and PSD.

use sparsewave::audio::{decode_file, Audio};
use sparsewave::denoise::auto::{auto_denoise, AutoConfig, Estimator};
use sparsewave::denoise::block::{block_gains, block_rule, BlockConfig, SHAPES};
use sparsewave::denoise::denoiser::{DenoiseMethod, DenoiseParams};
use sparsewave::denoise::job::denoise;
use sparsewave::denoise::lsa::{exp_integral_e1, half_e1_exp, lsa_gain, lsa_gains, LsaConfig};
use sparsewave::denoise::noise_estimate::{gamma_quantile, NoiseEstimate, NoiseModelEstimate};
use sparsewave::noise::{add_noise, make_noise, sample_noise, NoiseModel};
use sparsewave::transform::stft::Spectrogram;
use sparsewave::Error;

use realfft::num_complex::Complex64;

const FOLK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/folk_4s.wav");

fn folk() -> Audio {
    decode_file(std::path::Path::new(FOLK)).unwrap().downmix()
}

/// Composite Simpson's rule of `f` on `[a, b]` with `n` (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut s = f(a) + f(b);
    for i in 1..n {
        s += f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    s * h / 3.0
}

/// E₁(x) by quadrature, independent of the library's series and continued fraction:
/// `E₁(x) = −γ_E − ln x + ∫₀ˣ (1 − e^{−s})/s ds` for x ≤ 2, and
/// `E₁(x) = e^{−x} ∫₀^∞ e^{−x·u}/(1 + u) du` (cut at x·u = 60) above.
fn e1_quadrature(x: f64) -> f64 {
    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
    if x <= 2.0 {
        let g = |s: f64| if s == 0.0 { 1.0 } else { -(-s).exp_m1() / s };
        -EULER_GAMMA - x.ln() + simpson(g, 0.0, x, 2000)
    } else {
        (-x).exp() * simpson(|u| (-x * u).exp() / (1.0 + u), 0.0, 60.0 / x, 40_000)
    }
}

#[test]
fn e1_matches_quadrature_and_tables() {
    // Abramowitz & Stegun, table 5.1.
    for (x, want) in [
        (0.1, 1.822_923_958_419_39),
        (1.0, 0.219_383_934_395_520),
        (10.0, 4.156_968_929_685_32e-6),
    ] {
        assert!((exp_integral_e1(x) / want - 1.0).abs() < 1e-13, "E1({x})");
    }
    for i in 0..200 {
        let x = 10f64.powf(-6.0 + i as f64 * 7.5 / 199.0);
        let (got, want) = (exp_integral_e1(x), e1_quadrature(x));
        assert!(
            (got / want - 1.0).abs() < 1e-9,
            "E1({x}) = {got}, quadrature {want}"
        );
    }
}

#[test]
fn lsa_gain_matches_its_closed_form() {
    // G(ξ, γ) = ξ/(1+ξ)·exp(½E₁(ξγ/(1+ξ))) (Ephraim–Malah 1985, eq. 20).
    for xi_db in [-25.0, -10.0, 0.0, 10.0, 30.0] {
        for gamma_db in [-20.0, -5.0, 0.0, 5.0, 15.0, 30.0] {
            let xi = 10f64.powf(xi_db / 10.0);
            let gamma = 10f64.powf(gamma_db / 10.0);
            let v = xi * gamma / (1.0 + xi);
            let want = xi / (1.0 + xi) * (0.5 * e1_quadrature(v)).exp();
            let got = lsa_gain(xi, gamma);
            assert!(
                (got / want - 1.0).abs() < 2e-6,
                "ξ {xi_db} dB, γ {gamma_db} dB: {got} vs {want}"
            );
        }
    }
    // At high SNR it tends to the Wiener gain ξ/(1+ξ).
    assert!((lsa_gain(1e3, 1e3) - 1e3 / 1001.0).abs() < 1e-12);
    // The tabulated factor stays within its documented 1.6e-6 everywhere.
    for i in 0..5000 {
        let v = 10f64.powf(-10.0 + i as f64 * 12.0 / 4999.0);
        let want = (0.5 * exp_integral_e1(v)).exp();
        assert!((half_e1_exp(v) / want - 1.0).abs() < 1.6e-6, "v = {v}");
    }
}

#[test]
fn lsa_gains_follow_the_decision_directed_recursion() {
    // One bin over three frames, noise power 2, α 0.9, ξ_min −20 dB, worked by hand.
    let cfg = LsaConfig {
        n_fft: 16,
        alpha: 0.9,
        xi_min_db: -20.0,
    };
    let bins = 9;
    let powers: [f64; 3] = [18.0, 1.0, 8.0];
    let mut data = vec![Complex64::new(0.0, 0.0); 3 * bins];
    for (t, p) in powers.iter().enumerate() {
        data[t * bins + 3] = Complex64::new(0.0, p.sqrt());
    }
    let spec = Spectrogram {
        frames: 3,
        bins,
        data,
    };
    let mut noise = vec![0.0; bins];
    noise[3] = 2.0;
    let g = lsa_gains(&spec, &noise, &cfg);
    // Frame 0: γ = 9, ξ = 0.1·8 = 0.8.
    let g0 = lsa_gain(0.8, 9.0);
    // Frame 1: γ = 0.5, ξ = max(0.01, 0.9·g0²·18/2 + 0).
    let xi1 = (0.9 * g0 * g0 * 9.0_f64).max(0.01);
    let g1 = lsa_gain(xi1, 0.5);
    // Frame 2: γ = 4, ξ = 0.9·g1²·1/2 + 0.1·3.
    let xi2 = 0.9 * g1 * g1 * 0.5 + 0.1 * 3.0;
    let g2 = lsa_gain(xi2, 4.0);
    for (t, want) in [g0, g1, g2].into_iter().enumerate() {
        assert!((g[t * bins + 3] - want).abs() < 1e-14, "frame {t}");
        // Bins with zero noise power pass unchanged.
        assert_eq!(g[t * bins + 4], 1.0);
    }
    // The hand values themselves: G(0.8, 9) = 0.8/1.8 · exp(½E₁(4)), E₁(4) = 0.003779352.
    let want = 0.8 / 1.8 * (0.5 * 0.003_779_352_409_848_9_f64).exp();
    assert!((g0 / want - 1.0).abs() < 1.6e-6);
}

#[test]
fn gamma_quantiles_match_chi_square_tables() {
    // Q_Gamma(m, 1/m)(q) = χ²_{2m}(q) / (2m).
    assert!((gamma_quantile(1, 0.9) - 10f64.ln()).abs() < 1e-12);
    assert!((gamma_quantile(4, 0.05) - 2.732_637 / 8.0).abs() < 1e-6);
    assert!((gamma_quantile(4, 0.95) - 15.507_313 / 8.0).abs() < 1e-6);
    assert!((gamma_quantile(8, 0.9) - 23.541_828 / 16.0).abs() < 1e-6);
}

#[test]
fn block_rule_is_steins_risk_of_the_block() {
    // S² = 40 over B = 4, λ = 2: c = 8, a = 1 − 8/40, risk 4 + (64 − 48)/40.
    let (a, r) = block_rule(40.0, 4, 2.0);
    assert!((a - 0.8).abs() < 1e-15 && (r - 4.4).abs() < 1e-15);
    // Below the threshold: killed, risk S² − B.
    assert_eq!(block_rule(6.0, 4, 2.0), (0.0, 2.0));
}

#[test]
fn block_thresholding_on_a_hand_checked_macroblock() {
    // One macroblock (8 frames × 16 bins of an n_fft 32 STFT, bins 0..16; bin 16 is a second,
    // one-bin-wide macroblock) with unit noise power. Every coefficient has |Z|² = 0 except
    // one, at frame 2, bin 5, with |Z|² = 400.
    let cfg = BlockConfig {
        n_fft: 32,
        delta: 0.1,
    };
    let bins = 17;
    let mut data = vec![Complex64::new(0.0, 0.0); 8 * bins];
    data[2 * bins + 5] = Complex64::new(20.0, 0.0);
    let spec = Spectrogram {
        frames: 8,
        bins,
        data,
    };
    let g = block_gains(&spec, &vec![1.0; bins], &cfg);
    // Risk of shape L × W: the block holding the peak (B = L·W, c = λ_B·B) has
    // B + (c² − 2(B − 1)c)/400, every other block S² − B = −B: total
    // −128 + 2B + (c² − 2(B−1)c)/400, smallest for the smallest block, 1 × 4 (B = 4,
    // λ₄ = χ²₈(0.9)/8 = 13.361566/8): the peak's block keeps 1 − 4λ₄/400, the rest is 0.
    let lambda4 = 13.361_566 / 8.0;
    let totals: Vec<f64> = SHAPES
        .iter()
        .map(|&(l, w)| {
            let b = (l * w) as f64;
            let lam = gamma_quantile(l * w, 0.9);
            let c = lam * b;
            -128.0 + 2.0 * b + (c * c - 2.0 * (b - 1.0) * c) / 400.0
        })
        .collect();
    let best = totals
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    assert_eq!(SHAPES[best], (1, 4));
    let keep = 1.0 - 4.0 * lambda4 / 400.0;
    for t in 0..8 {
        for k in 0..16 {
            let want = if t == 2 && (4..8).contains(&k) {
                keep
            } else {
                0.0
            };
            assert!((g[t * bins + k] - want).abs() < 1e-6, "({t}, {k})");
        }
    }
}

/// A synthetic test signal: a few sinusoids with slowly varying amplitudes.
fn tones(n: usize, rate: f64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            0.3 * (2.0 * std::f64::consts::PI * 220.0 * t).sin() * (1.0 + 0.5 * (3.0 * t).sin())
                + 0.2 * (2.0 * std::f64::consts::PI * 1375.0 * t).sin()
                + 0.1 * (2.0 * std::f64::consts::PI * 4410.0 * t).sin() * (0.7 * t).cos()
        })
        .collect()
}

#[test]
fn sure_equals_the_true_error_within_its_standard_error() {
    // y = x + N(0, σ²) with σ known, over 150 noise draws: SURE of each candidate is unbiased,
    // so its mean difference from the actual squared error must be within three standard
    // errors of zero. (SURE of these non-linear estimators is right-skewed: single draws
    // scatter by tens of per cent, which is why `auto` decides on segments of seconds.)
    let rate = 16_000u32;
    let n = 4096;
    let x = tones(n, f64::from(rate));
    let sigma = 0.1;
    let noise = NoiseEstimate::white(sigma, rate);
    let candidates = [
        Estimator::Lsa(LsaConfig {
            n_fft: 256,
            ..LsaConfig::default()
        }),
        Estimator::Lsa(LsaConfig {
            n_fft: 256,
            alpha: 0.9,
            ..LsaConfig::default()
        }),
        Estimator::Block(BlockConfig {
            n_fft: 256,
            ..BlockConfig::default()
        }),
    ];
    let draws = 150;
    let mut diffs = vec![Vec::new(); candidates.len()];
    let mut mses = vec![0.0; candidates.len()];
    for seed in 0..draws {
        let e = sample_noise(NoiseModel::Awgn, n, sigma, 1000 + seed).unwrap();
        let y: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
        let cfg = AutoConfig {
            candidates: candidates.to_vec(),
            seed,
            ..AutoConfig::default()
        };
        let (_, report) = auto_denoise(&y, rate, &noise, &cfg).unwrap();
        for (j, c) in candidates.iter().enumerate() {
            let f = c.denoise(&y, &noise).unwrap();
            let mse = f.iter().zip(&x).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n as f64;
            mses[j] += mse / draws as f64;
            diffs[j].push(report.candidates[j].sure_mse - mse);
        }
    }
    for (j, d) in diffs.iter().enumerate() {
        let m = d.iter().sum::<f64>() / d.len() as f64;
        let sd = (d.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (d.len() - 1) as f64).sqrt();
        let se = sd / (d.len() as f64).sqrt();
        assert!(
            m.abs() <= 3.0 * se,
            "{}: mean SURE − MSE {m:e}, standard error {se:e}",
            candidates[j].name()
        );
        // And the standard error is small against the risk itself: the test can fail.
        assert!(se < 0.05 * mses[j], "{}", candidates[j].name());
    }
}

#[test]
fn auto_is_no_worse_than_its_best_candidate() {
    // The combination minimises SURE over the simplex, which holds every candidate alone.
    let rate = 16_000u32;
    let x = tones(32_000, f64::from(rate));
    let e = sample_noise(NoiseModel::Awgn, x.len(), 0.05, 3).unwrap();
    let y: Vec<f64> = x.iter().zip(&e).map(|(a, b)| a + b).collect();
    let noise = NoiseEstimate::white(0.05, rate);
    let (_, report) = auto_denoise(&y, rate, &noise, &AutoConfig::default()).unwrap();
    for c in &report.candidates {
        assert!(report.sure_mse <= c.sure_mse + 1e-12, "{}", c.name);
    }
    for w in &report.weights {
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(w.iter().all(|v| *v >= 0.0));
    }
}

#[test]
fn white_sigma_is_estimated_within_ten_percent() {
    // Noise alone, a tonal synthetic signal and a real recording, at known σ.
    let rate = 44_100u32;
    let alone = sample_noise(NoiseModel::Awgn, 88_200, 0.05, 1).unwrap();
    let est = NoiseEstimate::estimate(&alone, rate).unwrap();
    assert!(est.is_white());
    assert!((est.sigma() / 0.05 - 1.0).abs() < 0.05, "{}", est.sigma());
    let x = tones(88_200, f64::from(rate));
    let clip = folk();
    for (name, signal) in [("tones", &x), ("folk", &clip.channels[0])] {
        for snr in [24.0, 10.0] {
            let e = make_noise(NoiseModel::Awgn, signal, snr, 5).unwrap();
            let y: Vec<f64> = signal.iter().zip(&e).map(|(a, b)| a + b).collect();
            let sigma = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
            let est = NoiseEstimate::estimate(&y, rate).unwrap();
            let ratio = est.sigma() / sigma;
            assert!(est.is_white(), "{name} {snr} dB");
            assert!((ratio - 1.0).abs() < 0.1, "{name} {snr} dB: σ̂/σ = {ratio}");
        }
    }
}

#[test]
fn pink_noise_psd_is_estimated() {
    // Pink noise alone: a coloured model with slope ≈ −1 and the PSD of 1/f noise, within
    // 25 % per octave band above 200 Hz; the same from a noise clip of it.
    let rate = 44_100u32;
    let n = 4 * 44_100;
    let e = sample_noise(NoiseModel::Pink, n, 0.1, 2).unwrap();
    let clip = NoiseEstimate::from_clip(&e, rate).unwrap();
    let est = NoiseEstimate::estimate(&e, rate).unwrap();
    let NoiseModelEstimate::Coloured { slope, .. } = est.model else {
        panic!("pink noise called white");
    };
    assert!((slope + 1.0).abs() < 0.15, "slope {slope}");
    let clip_psd = clip.psd_at(512);
    let est_psd = est.psd_at(512);
    // The clip's PSD falls as 1/f: octave means halve.
    let octave = |p: &[f64], lo: usize| p[lo..2 * lo].iter().sum::<f64>() / lo as f64;
    for lo in [4usize, 8, 16, 32, 64] {
        let r = octave(&clip_psd, 2 * lo) / octave(&clip_psd, lo);
        assert!((r - 0.5).abs() < 0.08, "octave {lo}: ratio {r}");
        let q = octave(&est_psd, lo) / octave(&clip_psd, lo);
        assert!((q - 1.0).abs() < 0.25, "octave {lo}: estimate/clip {q}");
    }
}

#[test]
fn default_denoise_is_auto_and_reports_its_noise_and_choice() {
    let clean = folk();
    let noisy = add_noise(&clean, NoiseModel::Awgn, 10.0, 0).unwrap();
    let params = DenoiseParams::default();
    assert_eq!(params.method, DenoiseMethod::Auto);
    let d = params.denoiser(None).unwrap();
    let job = denoise(&noisy.audio, &d, Some(&clean)).unwrap();
    let r = serde_json::to_value(&job.report).unwrap();
    assert_eq!(r["params"]["method"], "auto");
    assert_eq!(r["noise"][0]["model"], "white");
    let sigma = r["noise"][0]["sigma"].as_f64().unwrap();
    let truth =
        (noisy.noise.channels[0].iter().map(|v| v * v).sum::<f64>() / clean.frames() as f64).sqrt();
    assert!((sigma / truth - 1.0).abs() < 0.1, "{sigma} vs {truth}");
    let auto = &r["channel_info"][0]["auto"];
    assert_eq!(auto["candidates"].as_array().unwrap().len(), 5);
    let picked = auto["picked"].as_str().unwrap();
    assert!(auto["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == picked));
    // It improves the 10 dB input by far more than the oracle-free baselines need.
    let snr = job.report.metrics.snr_db;
    assert!(snr > 18.0, "auto: {snr} dB");
    // Its own risk estimate says the same within 1 dB.
    let predicted = auto["sure_snr_db"].as_f64().unwrap();
    assert!(
        (predicted - snr).abs() < 1.0,
        "SURE {predicted} dB, true {snr} dB"
    );

    // A noise clip replaces the estimate.
    let lsa = DenoiseParams {
        method: DenoiseMethod::Lsa,
        ..DenoiseParams::default()
    };
    let with_clip = denoise(
        &noisy.audio,
        &lsa.denoiser(Some(&noisy.noise)).unwrap(),
        Some(&clean),
    )
    .unwrap();
    let r = serde_json::to_value(&with_clip.report).unwrap();
    assert_eq!(r["noise"][0]["source"], "clip");
    assert_eq!(r["noise"][0]["model"], "coloured");
    assert!(with_clip.report.metrics.snr_db > 18.0);
}

#[test]
fn bad_parameters_name_themselves() {
    let blamed = |p: DenoiseParams| match p.denoiser(None) {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("{other:?}"),
    };
    let with = |f: fn(&mut DenoiseParams)| {
        let mut p = DenoiseParams::default();
        f(&mut p);
        p
    };
    let lsa = |f: fn(&mut LsaConfig)| {
        let mut p = DenoiseParams {
            method: DenoiseMethod::Lsa,
            ..DenoiseParams::default()
        };
        f(&mut p.lsa);
        blamed(p)
    };
    assert_eq!(lsa(|c| c.alpha = 1.0), "lsa_alpha");
    assert_eq!(lsa(|c| c.n_fft = 7), "n_fft");
    assert_eq!(lsa(|c| c.xi_min_db = f64::NAN), "lsa_floor");
    let block = DenoiseParams {
        method: DenoiseMethod::Block,
        block: BlockConfig {
            delta: 0.0,
            ..BlockConfig::default()
        },
        ..DenoiseParams::default()
    };
    assert_eq!(blamed(block), "block_delta");
    assert_eq!(blamed(with(|p| p.auto_segment = -1.0)), "segment");
    assert_eq!(blamed(with(|p| p.wsvd.window = Some(vec![100]))), "method");
    // Too short to estimate the noise: an error naming the signal, not a panic.
    let d = DenoiseParams::default().denoiser(None).unwrap();
    let short = Audio {
        channels: vec![vec![0.1; 1000]],
        ..folk()
    };
    assert!(matches!(
        denoise(&short, &d, None),
        Err(Error::InvalidParameter { name: "signal", .. })
    ));
    // Digital silence: σ̂ = 0, the output is the input.
    let silent = Audio {
        channels: vec![vec![0.0; 8192]],
        ..folk()
    };
    let out = denoise(&silent, &d, None).unwrap();
    assert!(out.audio.channels[0].iter().all(|v| *v == 0.0));
    let _ = Estimator::Lsa(LsaConfig::default()).name();
}
