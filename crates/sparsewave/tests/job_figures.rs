//! The figure sets of the compress, approx, interp, sweep and rd results: names, titles and the
//! data drawn, checked against the job's own numbers.
#![cfg(feature = "plot")]

use sparsewave::approx::interp::{InterpKind, InterpMethod};
use sparsewave::approx::interp_job::{interp, Decimation};
use sparsewave::approx::job::{approx, ApproxParams, StftParams};
use sparsewave::audio::Audio;
use sparsewave::compress::job::compress;
use sparsewave::compress::params::{CompressMethod, CompressParams, RepresentationParams};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::Keep;
use sparsewave::compress::sweep::{sweep, SweepConfig, SweepMethod};
use sparsewave::linalg::rank_rule::RankRule;
use sparsewave::plot::{NamedPlot, Plot};

const RATE: u32 = 8000;

/// Two tones and a chirp, `n` samples, two different channels.
fn tones(n: usize) -> Audio {
    let channel = |f: f64| -> Vec<f64> {
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(RATE);
                0.4 * (2.0 * std::f64::consts::PI * f * t).sin()
                    + 0.2 * (2.0 * std::f64::consts::PI * (100.0 + 600.0 * t) * t).sin()
            })
            .collect()
    };
    Audio::from_channels(RATE, vec![channel(440.0), channel(660.0)])
}

fn names(plots: &[NamedPlot]) -> Vec<&str> {
    plots.iter().map(|p| p.name.as_str()).collect()
}

const COMPARISON: [&str; 4] = [
    "input_spectrogram",
    "output_spectrogram",
    "error_spectrogram",
    "waveform",
];

fn output_title(plots: &[NamedPlot]) -> &str {
    match &plots[1].plot {
        Plot::Spectrogram(s) => &s.title,
        other => panic!("output_spectrogram is {other:?}"),
    }
}

#[test]
fn compress_figures_are_the_comparison_and_the_coefficient_maps_on_one_scale() {
    let input = tones(4096);
    let params = CompressParams {
        method: CompressMethod::Stft,
        keep: Keep::Fraction(0.1),
        ..Default::default()
    };
    let job = compress(&input, &params, true).unwrap();
    let plots = job.figures(&input).unwrap();
    let mut expected = COMPARISON.to_vec();
    expected.extend(["coefficients", "coefficients_kept"]);
    assert_eq!(names(&plots), expected);
    assert_eq!(output_title(&plots), "stft: magnitude spectrogram");
    let images = job.images.as_ref().unwrap();
    let (Plot::Spectrogram(all), Plot::Spectrogram(kept)) = (&plots[4].plot, &plots[5].plot) else {
        panic!("coefficient maps are not images");
    };
    assert_eq!(all.title, "stft coefficients |c| (dB)");
    assert_eq!(kept.title, "stft coefficients kept (dB, same scale)");
    // One 0 dB reference: the largest coefficient of the full map.
    let peak = all.magnitude.iter().fold(0.0_f64, |m, v| m.max(*v));
    assert_eq!(all.reference, Some(peak));
    assert_eq!(kept.reference, Some(peak));
    assert_eq!(images.peak, peak);
    // The kept map is the full map with the dropped cells zeroed.
    assert_eq!(all.magnitude.len(), kept.magnitude.len());
    for (a, k) in all.magnitude.iter().zip(&kept.magnitude) {
        assert!(*k == 0.0 || k == a);
    }
    let nonzero = kept.magnitude.iter().filter(|v| **v > 0.0).count();
    assert!(nonzero > 0 && nonzero < all.magnitude.len());

    // Without the images, the comparison set only.
    let job = compress(&input, &params, false).unwrap();
    assert_eq!(names(&job.figures(&input).unwrap()), COMPARISON);
}

#[test]
fn approx_figures_draw_every_singular_value_and_the_rank_sweep() {
    let input = tones(4096);
    let params = ApproxParams {
        stft: StftParams {
            n_fft: 256,
            hop: 64,
            ..Default::default()
        },
        rank: RankRule::Fixed(3),
        sweep_ranks: Some(vec![1, 2, 5]),
        all_singular_values: true,
        ..Default::default()
    };
    let job = approx(&input, &params).unwrap();
    let plots = job.figures(&input).unwrap();
    let mut expected = COMPARISON.to_vec();
    expected.push("singular_values");
    assert_eq!(names(&plots), expected);
    assert_eq!(
        output_title(&plots),
        "rank-k approximation: magnitude spectrogram"
    );
    let Plot::Chart(sv) = &plots[4].plot else {
        panic!("singular_values is not a chart");
    };
    assert_eq!(
        sv.title,
        "singular values of |STFT| (channel 0; rank 3 kept)"
    );
    let points = &sv.series[0].points;
    assert_eq!(points.len(), job.shape.0.min(job.shape.1));
    for (i, (&(x, y), &s)) in points.iter().zip(&job.singular_values).enumerate() {
        assert_eq!((x, y), ((i + 1) as f64, s));
    }

    let sweep = job.rank_sweep_figure().unwrap();
    assert_eq!(sweep.name, "rank_sweep");
    let Plot::Chart(chart) = &sweep.plot else {
        panic!("rank_sweep is not a chart");
    };
    let rank_points = job.rank_sweep.as_ref().unwrap();
    let waveform: Vec<(f64, f64)> = rank_points
        .iter()
        .map(|p| (p.rank as f64, p.rel_error_pct))
        .collect();
    let spectrogram: Vec<(f64, f64)> = rank_points
        .iter()
        .map(|p| (p.rank as f64, 100.0 * p.frobenius_rel_error))
        .collect();
    assert_eq!(chart.series[0].points, waveform);
    assert_eq!(chart.series[1].points, spectrogram);

    let no_sweep = ApproxParams {
        sweep_ranks: None,
        ..params
    };
    assert!(approx(&input, &no_sweep)
        .unwrap()
        .rank_sweep_figure()
        .is_none());
}

#[test]
fn interp_figures_are_labelled_by_method_and_factor() {
    let input = tones(2000);
    let decimation = Decimation {
        factor: 3,
        method: InterpMethod::new(InterpKind::Lagrange, Some(5), None).unwrap(),
    };
    let job = interp(&input, &decimation).unwrap();
    let plots = job.figures(&input).unwrap();
    assert_eq!(names(&plots), COMPARISON);
    assert_eq!(output_title(&plots), "lagrange ×3: magnitude spectrogram");
    let Plot::Waveform(w) = &plots[3].plot else {
        panic!("waveform is not a waveform comparison");
    };
    assert_eq!(w.reference, input.channels[0]);
    assert_eq!(w.estimate, job.audio.channels[0]);
}

#[test]
fn sweep_figures_have_one_curve_per_method_in_order() {
    let input = tones(4096);
    let methods = vec![SweepMethod::Dwt, SweepMethod::Stft];
    let keeps = vec![1.0, 0.2, 0.05];
    let cfg = SweepConfig::new(
        methods.clone(),
        keeps.clone(),
        &RepresentationParams::default(),
        None,
        RefitOptions::default(),
        RATE,
    )
    .unwrap();
    let result = sweep(&input.channels, RATE, &cfg).unwrap();
    let plots = result.figures(&input, "tones").unwrap();
    assert_eq!(
        names(&plots),
        [
            "sweep_snr",
            "sweep_rel_error",
            "waveform_dwt",
            "waveform_stft"
        ]
    );
    let (Plot::Chart(snr), Plot::Chart(rel)) = (&plots[0].plot, &plots[1].plot) else {
        panic!("curves are not charts");
    };
    assert_eq!(
        snr.title,
        "tones: SNR vs kept coefficients (above 100 dB drawn at 100)"
    );
    let samples = (2 * 4096) as f64;
    for (i, method) in methods.iter().enumerate() {
        assert_eq!(snr.series[i].label, method.name());
        let points: Vec<_> = result
            .points
            .iter()
            .filter(|p| p.method == method.name())
            .collect();
        assert_eq!(points.len(), keeps.len());
        for (j, p) in points.iter().enumerate() {
            let x = 100.0 * p.kept_real_values as f64 / samples;
            assert_eq!(snr.series[i].points[j], (x, p.snr_db.min(100.0)));
            assert_eq!(rel.series[i].points[j], (x, p.rel_error_pct));
        }
    }
    // Keeping every (orthogonal) DWT coefficient reconstructs to round-off: drawn at 100 dB.
    assert!(result.points[0].snr_db > 100.0);
    assert_eq!(snr.series[0].points[0].1, 100.0);
    let Plot::Waveform(w) = &plots[3].plot else {
        panic!("waveform_stft is not a waveform comparison");
    };
    assert_eq!(w.title, "tones: stft at 5.0 % kept (channel 0)");
    assert_eq!(w.estimate, result.waveforms[1].samples);
    assert_eq!(w.zoom_start, 0.4 * 4096.0 / f64::from(RATE));
}

#[cfg(feature = "codec")]
#[test]
fn rd_figures_draw_each_method_and_the_lossless_references() {
    use sparsewave::codec::{rate_distortion, MethodKind, MethodSettings};
    let input = tones(8000);
    let settings = MethodSettings {
        n_fft: 256,
        ..MethodSettings::default()
    };
    let kinds = [MethodKind::Stft, MethodKind::Dwt];
    let rd = rate_distortion(&input, &kinds, &settings, &[12.0, 48.0]).unwrap();
    let plots = rd.figures().unwrap();
    assert_eq!(names(&plots), ["rd_snr", "rd_segsnr"]);
    let Plot::Chart(snr) = &plots[0].plot else {
        panic!("rd_snr is not a chart");
    };
    assert_eq!(snr.series.len(), kinds.len() + 2);
    for (series, kind) in snr.series.iter().zip(kinds) {
        assert_eq!(series.label, kind.to_string());
        let expected: Vec<(f64, f64)> = rd.curve(kind).map(|p| (p.kbps, p.snr_db)).collect();
        assert_eq!(series.points, expected);
    }
    // The references are vertical segments from min(0, lowest SNR) to the highest SNR.
    let lo = rd.points.iter().map(|p| p.snr_db).fold(0.0, f64::min);
    let hi = rd
        .points
        .iter()
        .map(|p| p.snr_db)
        .fold(f64::MIN, f64::max)
        .max(lo + 1.0);
    assert_eq!(snr.series[2].points, [(rd.pcm_kbps, lo), (rd.pcm_kbps, hi)]);
    assert_eq!(
        snr.series[3].points,
        [(rd.flac_kbps, lo), (rd.flac_kbps, hi)]
    );
    // Not part of the JSON report.
    let json = serde_json::to_value(&rd).unwrap();
    assert!(json.get("methods").is_none());
}
