//! The denoising product API: denoiser choice and WSVD overrides, the `denoise` job against a
//! clean reference, and the Table 1 benchmark, checked against independent computations.

use serde_json::json;
use sparsewave::audio::{decode_file, Audio};
use sparsewave::denoise::auto::AutoConfig;
use sparsewave::denoise::bench::{bench_methods, denoise_bench, BenchParams};
use sparsewave::denoise::denoiser::{
    ChannelInfo, Cuts, DenoiseMethod, DenoiseParams, Denoiser, WsvdOverrides, WsvdPreset,
};
use sparsewave::denoise::gate::{spectral_gate, GateConfig, NoiseProfile};
use sparsewave::denoise::job::{denoise, mean_rank};
use sparsewave::denoise::shrink::{ThresholdKind, ThresholdRule};
use sparsewave::denoise::wsvd::{BandConfig, Junction, Mapping, SvdSolver, WsvdConfig};
use sparsewave::linalg::lanczos::DEFAULT_TOLERANCE;
use sparsewave::linalg::rank_rule::{Criterion, RankRule};
use sparsewave::metrics::Metrics;
use sparsewave::noise::{add_noise, NoiseModel};
use sparsewave::{Choice, Error};

const FOLK: &str = "tests/data/folk_4s.wav";

/// The first `seconds` of the bundled folk clip, mono.
fn folk(seconds: f64) -> Audio {
    let mut audio = decode_file(std::path::Path::new(FOLK)).unwrap().downmix();
    let n = (seconds * f64::from(audio.sample_rate)) as usize;
    audio.channels[0].truncate(n);
    audio
}

/// The name of the parameter an error blames.
fn blamed(e: Error) -> &'static str {
    match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("not a parameter error: {other}"),
    }
}

/// Independent NRR: 10·log10(var(noisy)/var(denoised)) over all samples.
fn nrr(noisy: &Audio, out: &Audio) -> f64 {
    let var = |a: &Audio| {
        let v: Vec<f64> = a.channels.concat();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64
    };
    10.0 * (var(noisy) / var(out)).log10()
}

/// Independent SNR: 10·log10(‖x‖²/‖x − y‖²) over all samples.
fn snr(x: &Audio, y: &Audio) -> f64 {
    let (x, y) = (x.channels.concat(), y.channels.concat());
    let e: f64 = x.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum();
    10.0 * (x.iter().map(|a| a * a).sum::<f64>() / e).log10()
}

#[test]
fn choices_parse_their_names_and_aliases() {
    assert_eq!(
        DenoiseMethod::NAMES,
        &["auto", "lsa", "block", "wsvd", "wavelet", "gaussian", "gate"]
    );
    assert_eq!(
        "Gate".parse::<DenoiseMethod>().unwrap(),
        DenoiseMethod::Gate
    );
    assert_eq!("paper".parse::<WsvdPreset>().unwrap(), WsvdPreset::Paper);
    assert_eq!(
        "anti-diagonal".parse::<Mapping>().unwrap(),
        Mapping::AntiDiagonal
    );
    assert_eq!(
        "visu".parse::<ThresholdRule>().unwrap(),
        ThresholdRule::Universal
    );
    assert_eq!(
        "HARD".parse::<ThresholdKind>().unwrap(),
        ThresholdKind::Hard
    );
    assert_eq!("mdl".parse::<Criterion>().unwrap(), Criterion::Mdl);
    assert_eq!(
        Junction::NAMES,
        &["xfade", "interleave", "meanfilt", "none"]
    );
    assert_eq!(SvdSolver::Dense.to_string(), "dense");
    let e = "fade".parse::<Junction>().unwrap_err().to_string();
    assert_eq!(
        e,
        "invalid junction: 'fade' is not one of xfade, interleave, meanfilt, none"
    );
    assert_eq!(blamed("fast".parse::<WsvdPreset>().unwrap_err()), "preset");
    assert_eq!(blamed("bic".parse::<Criterion>().unwrap_err()), "rank_rule");
}

#[test]
fn cuts_parse_a_list_or_none() {
    assert_eq!("none".parse::<Cuts>().unwrap(), Cuts(vec![]));
    assert_eq!(
        " 1000, 3500 ".parse::<Cuts>().unwrap(),
        Cuts(vec![1000.0, 3500.0])
    );
    assert_eq!(blamed("".parse::<Cuts>().unwrap_err()), "bands");
    assert_eq!(blamed("1000,x".parse::<Cuts>().unwrap_err()), "bands");
}

#[test]
fn paper_preset_is_the_documented_configuration() {
    let cfg = WsvdPreset::Paper.config();
    assert_eq!(cfg.cuts_hz, [1000.0, 3500.0]);
    let band = |window, ratio| BandConfig {
        window,
        rank: RankRule::Ratio(ratio),
    };
    assert_eq!(
        cfg.bands,
        [band(150, 0.08), band(100, 0.12), band(100, 0.01)]
    );
    assert_eq!(cfg.mapping, Mapping::Paper);
    assert_eq!(cfg.junction, Junction::MeanFilt);
    assert_eq!(cfg.solver, SvdSolver::Auto);
    assert_eq!(WsvdPreset::Default.config(), WsvdConfig::default());
    // No override: the preset itself.
    assert_eq!(
        WsvdOverrides::default().apply(WsvdPreset::Paper).unwrap(),
        cfg
    );
}

#[test]
fn overrides_broadcast_one_value_or_take_one_per_band() {
    let o = WsvdOverrides {
        cuts_hz: Some(vec![1000.0, 3500.0]),
        window: Some(vec![120]),
        ratio: Some(vec![0.08, 0.12, 0.01]),
        junction: Some(Junction::Xfade),
        svd: Some(SvdSolver::Dense),
        ..WsvdOverrides::default()
    };
    let cfg = o.apply(WsvdPreset::Default).unwrap();
    let windows: Vec<usize> = cfg.bands.iter().map(|b| b.window).collect();
    let rules: Vec<RankRule> = cfg.bands.iter().map(|b| b.rank).collect();
    assert_eq!(windows, [120, 120, 120]);
    assert_eq!(
        rules,
        [
            RankRule::Ratio(0.08),
            RankRule::Ratio(0.12),
            RankRule::Ratio(0.01)
        ]
    );
    assert_eq!(cfg.junction, Junction::Xfade);
    assert_eq!(cfg.solver, SvdSolver::Dense);
    assert_eq!(cfg.mapping, Mapping::AntiDiagonal);

    // The paper preset keeps its per-band values when the band count is unchanged.
    let cfg = WsvdOverrides {
        rank_rule: Some(Criterion::Mdl),
        ..WsvdOverrides::default()
    }
    .apply(WsvdPreset::Paper)
    .unwrap();
    let windows: Vec<usize> = cfg.bands.iter().map(|b| b.window).collect();
    assert_eq!(windows, [150, 100, 100]);
    assert!(cfg.bands.iter().all(|b| b.rank == RankRule::Mdl));
    // With another band count, every band takes the preset's first band.
    let cfg = WsvdOverrides {
        cuts_hz: Some(vec![2000.0]),
        ..WsvdOverrides::default()
    }
    .apply(WsvdPreset::Paper)
    .unwrap();
    assert_eq!(
        cfg.bands,
        vec![
            BandConfig {
                window: 150,
                rank: RankRule::Ratio(0.08)
            };
            2
        ]
    );
    // No division: one band.
    let cfg = WsvdOverrides {
        cuts_hz: Some(vec![]),
        rank: Some(vec![5]),
        ..WsvdOverrides::default()
    }
    .apply(WsvdPreset::Paper)
    .unwrap();
    assert_eq!(
        cfg.bands,
        [BandConfig {
            window: 150,
            rank: RankRule::Fixed(5)
        }]
    );
}

#[test]
fn overrides_refuse_wrong_counts_and_values_naming_the_parameter() {
    let three_bands = |o: WsvdOverrides| {
        WsvdOverrides {
            cuts_hz: Some(vec![1000.0, 3500.0]),
            ..o
        }
        .apply(WsvdPreset::Default)
    };
    let e = three_bands(WsvdOverrides {
        window: Some(vec![100, 100]),
        ..WsvdOverrides::default()
    })
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid window: 2 values for 3 band(s); give one value or one per band"
    );
    for (o, name) in [
        (
            WsvdOverrides {
                ratio: Some(vec![0.1, 0.1]),
                ..WsvdOverrides::default()
            },
            "ratio",
        ),
        (
            WsvdOverrides {
                rank: Some(vec![]),
                ..WsvdOverrides::default()
            },
            "rank",
        ),
        (
            WsvdOverrides {
                energy: Some(vec![0.9; 4]),
                ..WsvdOverrides::default()
            },
            "energy",
        ),
    ] {
        assert_eq!(blamed(three_bands(o).unwrap_err()), name);
    }
    let one_band = |o: WsvdOverrides| o.apply(WsvdPreset::Default).unwrap_err();
    let e = one_band(WsvdOverrides {
        window: Some(vec![3]),
        ..WsvdOverrides::default()
    });
    assert!(e.to_string().contains("at least 4"), "{e}");
    assert_eq!(blamed(e), "window");
    // w = 200: a 100 × 101 Hankel matrix.
    let e = one_band(WsvdOverrides {
        rank: Some(vec![101]),
        ..WsvdOverrides::default()
    });
    assert!(e.to_string().contains("1..=100"), "{e}");
    assert_eq!(
        blamed(one_band(WsvdOverrides {
            ratio: Some(vec![1.5]),
            ..WsvdOverrides::default()
        })),
        "ratio"
    );
    assert_eq!(
        blamed(one_band(WsvdOverrides {
            ratio: Some(vec![0.1]),
            rank_rule: Some(Criterion::Aic),
            ..WsvdOverrides::default()
        })),
        "rank"
    );
}

#[test]
fn params_validate_into_the_chosen_denoiser() {
    let default = DenoiseParams::default();
    let Denoiser::Auto { config, noise } = default.denoiser(None).unwrap() else {
        panic!("the default method is auto");
    };
    assert_eq!(config, AutoConfig::default());
    assert!(noise.clips.is_none());
    let wsvd = DenoiseParams {
        method: DenoiseMethod::Wsvd,
        ..DenoiseParams::default()
    };
    let Denoiser::Wsvd(cfg) = wsvd.denoiser(None).unwrap() else {
        panic!("method wsvd is WSVD");
    };
    assert_eq!(cfg, WsvdConfig::default());
    let with = |f: fn(&mut DenoiseParams)| {
        let mut p = DenoiseParams::default();
        f(&mut p);
        p.denoiser(None)
    };
    let wavelet = with(|p| p.method = DenoiseMethod::Wavelet).unwrap();
    assert_eq!(
        wavelet.params(),
        json!({"method": "wavelet", "wavelet": "db3", "level": 3, "mode": "symmetric",
               "rule": "bayes", "threshold": "soft"})
    );
    let e = with(|p| {
        p.method = DenoiseMethod::Wavelet;
        p.level = 0;
    });
    assert_eq!(blamed(e.unwrap_err()), "level");
    let e = with(|p| {
        p.method = DenoiseMethod::Gaussian;
        p.sigma = 0.0;
    });
    assert_eq!(blamed(e.unwrap_err()), "sigma");
    let e = with(|p| {
        p.method = DenoiseMethod::Gate;
        p.gate_attenuation = -5.0;
    });
    assert_eq!(blamed(e.unwrap_err()), "gate_attenuation");
    let e = with(|p| {
        p.method = DenoiseMethod::Gate;
        p.gate_percentile = 150.0;
    });
    assert_eq!(blamed(e.unwrap_err()), "gate_percentile");
    let gate = DenoiseParams {
        method: DenoiseMethod::Gate,
        ..DenoiseParams::default()
    };
    let empty = Audio::from_channels(44100, vec![vec![]]);
    assert_eq!(
        blamed(gate.denoiser(Some(&empty)).unwrap_err()),
        "noise_clip"
    );
}

#[test]
fn params_json_keeps_the_report_shape() {
    assert_eq!(
        Denoiser::Wsvd(WsvdConfig::default()).params(),
        json!({"method": "wsvd", "cuts_hz": [], "bands": [{"window": 200, "rank_rule": "optimal"}],
               "junction": "xfade", "mapping": "antidiagonal", "svd": "auto",
               "tolerance": DEFAULT_TOLERANCE})
    );
    let paper = Denoiser::Wsvd(WsvdConfig::paper()).params();
    assert_eq!(
        paper["bands"][2],
        json!({"window": 100, "rank_rule": {"ratio": 0.01}})
    );
    assert_eq!(paper["mapping"], "paper");
    assert_eq!(paper["junction"], "meanfilt");
    assert_eq!(
        json!([RankRule::Fixed(7), RankRule::Energy(0.9), RankRule::Mdl]),
        json!([{"rank": 7}, {"energy": 0.9}, "mdl"])
    );
    assert_eq!(
        Denoiser::gaussian(2.0).unwrap().params(),
        json!({"method": "gaussian", "sigma": 2.0})
    );
    let clip = Audio::from_channels(8000, vec![vec![0.1; 4096]]);
    let gate = Denoiser::gate(GateConfig::default(), Some(&clip)).unwrap();
    let p = gate.params();
    assert_eq!(p["method"], "gate");
    assert_eq!(p["noise_clip"], true);
    assert_eq!(p["n_std"], 1.5);
    assert_eq!(p["config"]["attenuation_db"], 30.0);
}

#[test]
fn window_starts_follow_the_junction_grid() {
    let cfg = |junction| {
        Denoiser::Wsvd(WsvdConfig {
            junction,
            ..WsvdConfig::single_band(100, RankRule::Aic)
        })
    };
    // Plain grid with its 50-sample tail window.
    assert_eq!(
        cfg(Junction::None).window_starts(350, 0).unwrap(),
        [0, 100, 200, 300]
    );
    assert_eq!(
        cfg(Junction::MeanFilt).window_starts(350, 0).unwrap(),
        [0, 100, 200, 300]
    );
    // Hop 50, then the window [275, 375) that ends the signal.
    assert_eq!(
        cfg(Junction::Xfade).window_starts(375, 0).unwrap(),
        [0, 50, 100, 150, 200, 250, 275]
    );
    // Both grids: the plain one and the one offset by a 50-sample head.
    assert_eq!(
        cfg(Junction::Interleave).window_starts(350, 0).unwrap(),
        [0, 50, 100, 150, 200, 250, 300]
    );
    assert_eq!(cfg(Junction::None).window_starts(350, 1), None);
    assert_eq!(Denoiser::gaussian(1.0).unwrap().window_starts(350, 0), None);
}

#[test]
fn mean_rank_weights_channels_by_their_windows() {
    let info = |r, w| ChannelInfo {
        mean_rank: Some(r),
        windows: Some(w),
        ..ChannelInfo::default()
    };
    assert_eq!(mean_rank(&[info(2.0, 10), info(5.0, 30)]), Some(4.25));
    assert_eq!(mean_rank(&[info(2.0, 10), ChannelInfo::default()]), None);
}

#[test]
fn denoise_job_measures_against_the_clean_reference() {
    let clean = folk(1.0);
    let noisy = add_noise(&clean, NoiseModel::Awgn, 10.0, 0).unwrap().audio;
    let denoiser = Denoiser::Wsvd(WsvdConfig::default());
    let job = denoise(&noisy, &denoiser, Some(&clean)).unwrap();
    let reference =
        Metrics::compute(&clean.channels, &job.audio.channels, clean.sample_rate).unwrap();
    let m = &job.report.metrics;
    assert_eq!(m.snr_db, reference.snr_db);
    assert_eq!(m.rmse, reference.rmse);
    assert_eq!(m.ncc, reference.ncc);
    assert!((m.snr_db - snr(&clean, &job.audio)).abs() < 1e-9);
    assert!((m.nrr_db.unwrap() - nrr(&noisy, &job.audio)).abs() < 1e-9);
    assert!(
        m.snr_db > 12.0,
        "WSVD improves on the 10 dB input: {}",
        m.snr_db
    );
    let input = job.input_metrics.as_ref().unwrap();
    assert!((input.snr_db - 10.0).abs() < 1e-9, "{}", input.snr_db);
    // The same samples as the denoiser run on the channel directly.
    let (direct, info) = denoiser
        .denoise_channel(&noisy.channels[0], noisy.sample_rate, 0)
        .unwrap();
    assert_eq!(job.audio.channels[0], direct);
    assert_eq!(job.mean_rank, info.mean_rank);
    assert_eq!(info.windows, Some(440));

    let r = serde_json::to_value(&job.report).unwrap();
    assert_eq!(r["command"], "denoise");
    assert_eq!(r["reference"], "clean");
    assert_eq!(r["params"]["method"], "wsvd");
    assert_eq!(r["channel_info"][0]["windows"], 440);
    assert_eq!(r["channel_info"][0]["bands"][0]["window"], 200);
    assert_eq!(r["input_metrics"]["snr_db"], json!(input.snr_db));
    assert_eq!(r["mean_rank"], json!(job.mean_rank));

    // Without a reference: metrics against the noisy input, NRR the same.
    let alone = denoise(&noisy, &denoiser, None).unwrap();
    assert_eq!(alone.audio, job.audio);
    assert!((alone.report.metrics.snr_db - snr(&noisy, &alone.audio)).abs() < 1e-9);
    assert_eq!(alone.report.metrics.nrr_db, m.nrr_db);
    assert!(alone.input_metrics.is_none());
    assert_eq!(
        serde_json::to_value(&alone.report).unwrap()["reference"],
        "input"
    );
}

#[test]
fn denoise_job_refuses_a_mismatched_reference() {
    let clean = folk(0.5);
    let noisy = add_noise(&clean, NoiseModel::Awgn, 10.0, 0).unwrap().audio;
    let gaussian = Denoiser::gaussian(1.0).unwrap();
    let short = folk(0.25);
    let other_rate = Audio {
        sample_rate: 22050,
        ..clean.clone()
    };
    let stereo = Audio::from_channels(
        clean.sample_rate,
        vec![clean.channels[0].clone(), clean.channels[0].clone()],
    );
    for reference in [short, other_rate, stereo] {
        let e = denoise(&noisy, &gaussian, Some(&reference)).unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");
        assert_eq!(blamed(e), "clean");
    }
}

#[test]
fn gate_noise_clip_serves_channels_in_order_then_the_last() {
    let clean = folk(0.5);
    let x = &clean.channels[0];
    let stereo = Audio::from_channels(
        clean.sample_rate,
        vec![x.clone(), x.iter().rev().copied().collect()],
    );
    let noisy = add_noise(&stereo, NoiseModel::Awgn, 10.0, 3).unwrap();
    let mono_clip = Audio::from_channels(clean.sample_rate, vec![noisy.noise.channels[1].clone()]);
    let gate = Denoiser::gate(GateConfig::default(), Some(&mono_clip)).unwrap();
    let job = denoise(&noisy.audio, &gate, None).unwrap();
    let with_clip = GateConfig {
        profile: NoiseProfile::Clip {
            noise: noisy.noise.channels[1].clone(),
            n_std: 1.5,
        },
        ..GateConfig::default()
    };
    for c in 0..2 {
        let direct =
            spectral_gate(&noisy.audio.channels[c], clean.sample_rate, &with_clip).unwrap();
        assert_eq!(job.audio.channels[c], direct, "channel {c}");
    }
    assert_eq!(job.mean_rank, None);
}

#[test]
fn bench_has_the_twelve_methods_of_table_1() {
    let noise = Audio::from_channels(8000, vec![vec![0.01; 100]]);
    let methods = bench_methods(&noise).unwrap();
    let ids: Vec<&str> = methods.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [
            "wsvd",
            "wsvd_paper",
            "wavelet_db3_l3",
            "wavelet_db3_l4",
            "wavelet_sym4_l3",
            "gaussian_s1",
            "gaussian_s2",
            "gate",
            "auto",
            "lsa",
            "block",
            "gate_oracle"
        ]
    );
    assert!(methods[11].label.contains("oracle"));
    assert!(matches!(
        &methods[8].denoiser,
        Denoiser::Auto { noise, .. } if noise.clips.is_none()
    ));
    assert!(matches!(
        &methods[11].denoiser,
        Denoiser::Gate { noise_clips: Some(c), .. } if c == &noise.channels
    ));
    assert!(matches!(
        &methods[7].denoiser,
        Denoiser::Gate {
            noise_clips: None,
            ..
        }
    ));
}

#[test]
fn bench_rows_equal_each_denoiser_run_directly() {
    let clean = folk(1.0);
    let params = BenchParams {
        snrs: vec![24.0, 10.0],
        noise: NoiseModel::Awgn,
        seed: 0,
        max_seconds: Some(0.5),
    };
    let bench = denoise_bench(&clean, &params).unwrap();
    assert_eq!(bench.clean.frames(), 22050);
    let clean = &bench.clean;
    for (level, snr_in) in bench.levels.iter().zip([24.0, 10.0]) {
        assert_eq!(level.input_snr_db, snr_in);
        assert_eq!(level.rows.len(), 13);
        assert_eq!(level.rows[0].method, "noisy input");
        assert!((level.rows[0].snr_db - snr_in).abs() < 1e-9);
        assert_eq!(level.rows[0].nrr_db, 0.0);
        let noisy = add_noise(clean, NoiseModel::Awgn, snr_in, 0).unwrap();
        assert_eq!(level.noisy, noisy.audio);
        let methods = bench_methods(&noisy.noise).unwrap();
        for ((method, row), output) in methods.iter().zip(&level.rows[1..]).zip(&level.outputs) {
            assert_eq!(row.method, method.label);
            assert_eq!(output.method.id, method.id);
            let direct = denoise(&noisy.audio, &method.denoiser, Some(clean)).unwrap();
            assert_eq!(output.audio, direct.audio, "{}", method.id);
            let m = &direct.report.metrics;
            assert!((row.snr_db - m.snr_db).abs() < 1e-9, "{}", method.id);
            assert!((row.snr_db - snr(clean, &direct.audio)).abs() < 1e-9);
            assert!((row.nrr_db - nrr(&noisy.audio, &direct.audio)).abs() < 1e-9);
            assert_eq!(row.rmse, m.rmse);
            assert_eq!(row.ncc, m.ncc);
            assert_eq!(row.mean_rank, direct.mean_rank);
        }
    }
    let md = bench.markdown("clean.wav");
    assert!(
        md.starts_with("Denoising clean.wav (0.50 s, 44100 Hz, 1 channel(s)); awgn noise, seed 0.")
    );
    assert!(md.contains("| noisy input | 24.00 |"), "{md}");
    let j = bench.json();
    assert_eq!(j["noise"], json!({"model": "awgn"}));
    assert_eq!(j["samples"], 22050);
    assert_eq!(j["levels"][1]["rows"][0]["method"], "noisy input");
    assert_eq!(j["levels"][0]["rows"].as_array().unwrap().len(), 13);
}

#[test]
fn bench_params_are_validated() {
    let ok = BenchParams {
        snrs: vec![10.0],
        noise: NoiseModel::Awgn,
        seed: 0,
        max_seconds: None,
    };
    assert!(ok.validate().is_ok());
    let bad = |f: fn(&mut BenchParams)| {
        let mut p = ok.clone();
        f(&mut p);
        blamed(p.validate().unwrap_err())
    };
    assert_eq!(bad(|p| p.snrs.clear()), "snr");
    assert_eq!(bad(|p| p.snrs.push(f64::INFINITY)), "snr");
    assert_eq!(bad(|p| p.max_seconds = Some(0.0)), "max_seconds");
    assert_eq!(
        bad(|p| p.noise = NoiseModel::AlphaStable { alpha: 3.0 }),
        "alpha"
    );
}

#[cfg(feature = "plot")]
#[test]
fn waveform_zoom_starts_at_the_loudest_stretch() {
    use sparsewave::plot::WaveformComparison;
    let rate = 1000;
    let mut x = vec![0.01; 2000];
    x[1300..1400].iter_mut().for_each(|v| *v = 1.0);
    // Zoom 0.2 s = 200 samples, searched on a 100-sample grid: [1200, 1400) and [1300, 1500)
    // both hold the whole burst, and ties go to the later start.
    let fig = WaveformComparison::zoomed_on_loudest(
        "t".into(),
        rate,
        (&x, "clean"),
        (&x, "denoised"),
        &[0, 1200, 1300, 1400, 1401],
    );
    assert_eq!(fig.zoom_start, 1.3);
    assert_eq!(fig.markers, [1.3, 1.4, 1.401]);
}

/// The names of a figure set, in order.
#[cfg(feature = "plot")]
fn names(figures: &[sparsewave::plot::NamedPlot]) -> Vec<&str> {
    figures.iter().map(|f| f.name.as_str()).collect()
}

/// The waveform figure of a set, by name.
#[cfg(feature = "plot")]
fn waveform<'a>(
    figures: &'a [sparsewave::plot::NamedPlot],
    name: &str,
) -> &'a sparsewave::plot::WaveformComparison {
    match figures.iter().find(|f| f.name == name).map(|f| &f.plot) {
        Some(sparsewave::plot::Plot::Waveform(w)) => w,
        _ => panic!("no waveform figure {name}"),
    }
}

/// The markers a zoomed figure should show: the marks in `[start, start + 0.2 s]`, in seconds.
#[cfg(feature = "plot")]
fn markers_in_zoom(fig: &sparsewave::plot::WaveformComparison, marks: &[usize]) -> Vec<f64> {
    let rate = f64::from(fig.sample_rate);
    let start = (fig.zoom_start * rate).round() as usize;
    let len = (0.2 * rate) as usize;
    marks
        .iter()
        .filter(|&&m| m >= start && m <= start + len)
        .map(|&m| m as f64 / rate)
        .collect()
}

#[cfg(feature = "plot")]
#[test]
fn denoise_figures_are_the_comparison_set_and_the_windows() {
    use sparsewave::plot::report::comparison;
    use sparsewave::plot::Plot;
    let clean = folk(1.0);
    let noisy = add_noise(&clean, NoiseModel::Awgn, 10.0, 0).unwrap().audio;
    let job = denoise(&noisy, &Denoiser::Wsvd(WsvdConfig::default()), Some(&clean)).unwrap();
    // w = 200 with a 50 % crossfade over 44 100 samples: starts every 100 samples, the last
    // window ending on the last sample.
    let starts: Vec<usize> = (0..440).map(|k| 100 * k).collect();
    assert_eq!(job.window_starts, starts);

    let figures = job.figures(&noisy, Some(&clean)).unwrap();
    assert_eq!(
        names(&figures),
        [
            "input_spectrogram",
            "output_spectrogram",
            "error_spectrogram",
            "waveform",
            "waveform_windows"
        ]
    );
    // The first four are the standard comparison of the noisy input with the output.
    for (fig, standard) in figures
        .iter()
        .zip(comparison(&noisy, &job.audio, "denoised").unwrap())
    {
        match (&fig.plot, &standard.plot) {
            (Plot::Spectrogram(a), Plot::Spectrogram(b)) => {
                assert_eq!((&a.title, &a.magnitude), (&b.title, &b.magnitude));
                assert_eq!(a.reference, b.reference);
            }
            (Plot::Waveform(a), Plot::Waveform(b)) => {
                assert_eq!((&a.title, &a.reference), (&b.title, &b.reference));
                assert_eq!(a.estimate, b.estimate);
            }
            _ => panic!("{} is not the standard figure", fig.name),
        }
    }
    // The last compares the output with the clean reference, window starts marked.
    let windows = waveform(&figures, "waveform_windows");
    assert_eq!(windows.reference, clean.channels[0]);
    assert_eq!(windows.estimate, job.audio.channels[0]);
    assert_eq!(
        (
            windows.reference_label.as_str(),
            windows.estimate_label.as_str()
        ),
        ("clean", "denoised")
    );
    assert_eq!(
        windows.title,
        "clean vs denoised (channel 0; window starts marked)"
    );
    let expected = markers_in_zoom(windows, &starts);
    assert!(expected.len() >= 88, "{} marks in 0.2 s", expected.len());
    assert_eq!(windows.markers, expected);

    // Without a reference the noisy input stands in; other methods have no windows to mark.
    let alone = denoise(&noisy, &Denoiser::gaussian(2.0).unwrap(), None).unwrap();
    assert!(alone.window_starts.is_empty());
    let figures = alone.figures(&noisy, None).unwrap();
    let windows = waveform(&figures, "waveform_windows");
    assert_eq!(windows.reference, noisy.channels[0]);
    assert_eq!(windows.reference_label, "noisy");
    assert!(windows.markers.is_empty());
}

#[cfg(feature = "plot")]
#[test]
fn bench_figures_share_the_clean_db_scale_and_mark_the_wsvd_windows() {
    use sparsewave::metrics::metric_stft;
    use sparsewave::plot::Plot;
    let params = BenchParams {
        snrs: vec![24.0, -7.5],
        noise: NoiseModel::Awgn,
        seed: 0,
        max_seconds: Some(0.25),
    };
    let bench = denoise_bench(&folk(0.5), &params).unwrap();
    let level_names: Vec<String> = bench.levels.iter().map(|l| l.name()).collect();
    assert_eq!(level_names, ["snr24", "snrm7.5"]);

    let figures = bench.figures().unwrap();
    let mut expected = vec!["spectrogram_clean".to_string()];
    for level in &level_names {
        for name in [
            "spectrogram_noisy",
            "waveform_noisy",
            "waveform_wsvd",
            "spectrogram_wsvd",
            "waveform_wsvd_paper",
            "spectrogram_wsvd_paper",
        ] {
            expected.push(format!("{level}_{name}"));
        }
    }
    assert_eq!(names(&figures), expected);

    // 0 dB of every spectrogram is the peak of the clean recording's metric spectrogram.
    let stft = metric_stft();
    let magnitude = |x: &[f64]| stft.forward(x).unwrap().magnitude();
    let clean = &bench.clean.channels[0];
    let peak = magnitude(clean).iter().fold(0.0_f64, |m, v| m.max(*v));
    assert!(peak > 0.0);
    for fig in &figures {
        if let Plot::Spectrogram(s) = &fig.plot {
            assert_eq!(s.reference, Some(peak), "{}", fig.name);
        }
    }
    let Plot::Spectrogram(noisy) = &figures[1].plot else {
        panic!("not a spectrogram");
    };
    assert_eq!(
        noisy.magnitude,
        magnitude(&bench.levels[0].noisy.channels[0])
    );
    assert_eq!(
        noisy.title,
        "noisy input, 24 dB: magnitude spectrogram (channel 0)"
    );

    // Waveforms: clean against the noisy input (no marks), and against each WSVD output with
    // the window starts of its first band.
    let level = &bench.levels[1];
    let fig = waveform(&figures, "snrm7.5_waveform_noisy");
    assert_eq!(
        (&fig.reference, &fig.estimate),
        (clean, &level.noisy.channels[0])
    );
    assert!(fig.markers.is_empty());
    for output in &level.outputs[..2] {
        let fig = waveform(&figures, &format!("snrm7.5_waveform_{}", output.method.id));
        let y = &output.audio.channels[0];
        assert_eq!((&fig.reference, &fig.estimate), (clean, y));
        let starts = output.method.denoiser.window_starts(y.len(), 0).unwrap();
        let expected = markers_in_zoom(fig, &starts);
        assert!(!expected.is_empty());
        assert_eq!(fig.markers, expected);
    }
}
