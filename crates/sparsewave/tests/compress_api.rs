//! The compression product API (`compress::job::compress`, `compress::sweep`) against the
//! hand-written chain it replaces, on a real clip.

use sparsewave::audio::Audio;
use sparsewave::compress::analysis::{Analysis, Representation};
use sparsewave::compress::job::compress;
use sparsewave::compress::params::{
    CompressMethod, CompressParams, Lattice, LatticeChoice, PostFilter, RepresentationParams,
};
use sparsewave::compress::refit::RefitOptions;
use sparsewave::compress::sparsify::{budget_for_fraction, select, Keep};
use sparsewave::compress::sweep::{
    keep_percentages, parse_levels, sweep, SweepConfig, SweepMethod,
};
use sparsewave::denoise::gate::{spectral_gate, GateConfig};

const RATE: u32 = 44_100;

fn folk(start: usize, n: usize) -> Vec<f64> {
    let a = sparsewave::audio::decode_file(std::path::Path::new("tests/data/folk_4s.wav")).unwrap();
    a.channels[0][start..start + n].to_vec()
}

/// Two different channels of the clip: the job must treat each on its own.
fn stereo(n: usize) -> Audio {
    Audio::from_channels(RATE, vec![folk(0, n), folk(40_000, n)])
}

/// The chain the CLI ran before the job existed: analyse, select, reconstruct or re-fit,
/// post-filter.
fn by_hand(
    x: &[f64],
    rep: &Representation,
    keep: Keep,
    refit: Option<RefitOptions>,
    gate: bool,
) -> Vec<f64> {
    let mut analysis = Analysis::new(rep, x).unwrap();
    let sel = select(analysis.rank_values(), analysis.costs(), keep, x.len()).unwrap();
    let mut y = vec![0.0; x.len()];
    match refit {
        Some(options) => {
            analysis.refit(x, &sel.mask, &mut y, &options).unwrap();
        }
        None => analysis.reconstruct(&sel.mask, &mut y).unwrap(),
    }
    if gate {
        y = spectral_gate(&y, RATE, &GateConfig::default()).unwrap();
    }
    y
}

fn cases() -> Vec<CompressParams> {
    let base = CompressParams::default();
    vec![
        base.clone(),
        CompressParams {
            refit: None,
            ..base.clone()
        },
        CompressParams {
            refit: None,
            postfilter: Some(PostFilter::Gate),
            keep: Keep::RealNumbers(1234),
            representation: RepresentationParams {
                block_seconds: Some(0.1),
                ..Default::default()
            },
            ..base.clone()
        },
        CompressParams {
            method: CompressMethod::Stft,
            keep: Keep::Fraction(0.1),
            representation: RepresentationParams {
                window_length: 512,
                ..Default::default()
            },
            ..base.clone()
        },
        CompressParams {
            method: CompressMethod::Dwt,
            keep: Keep::Threshold(0.05),
            representation: RepresentationParams {
                wavelet: "sym5".parse().unwrap(),
                mode: "symmetric".parse().unwrap(),
                level: Some(4),
                ..Default::default()
            },
            ..base
        },
    ]
}

#[test]
fn the_job_is_the_hand_written_chain_sample_for_sample() {
    let input = stereo(9_000);
    for params in cases() {
        let job = compress(&input, &params, false).unwrap();
        let rep = params
            .representation
            .representation(params.method, RATE)
            .unwrap();
        for (c, x) in input.channels.iter().enumerate() {
            let want = by_hand(
                x,
                &rep,
                params.keep,
                params.effective_refit(),
                params.postfilter.is_some(),
            );
            assert_eq!(job.audio.channels[c], want, "{params:?}, channel {c}");
        }
        // The report's metrics are those of the returned audio.
        let snr = sparsewave::metrics::Metrics::compute(&input.channels, &job.audio.channels, RATE)
            .unwrap()
            .snr_db;
        let reported = job.report.metrics.snr_db;
        assert!((snr - reported).abs() < 1e-9, "{snr} vs {reported}");
    }
}

#[test]
fn kept_counts_respect_the_fair_budget_and_the_report_has_its_keys() {
    let input = stereo(10_001);
    for method in [
        CompressMethod::Pgbz,
        CompressMethod::Stft,
        CompressMethod::Dwt,
    ] {
        let params = CompressParams {
            method,
            keep: "4%".parse().unwrap(),
            ..Default::default()
        };
        let job = compress(&input, &params, true).unwrap();
        // Per channel K = round(0.04 · 10001) = 400; kept K or K − 1 (a cost-2 entry that
        // does not fit stops the selection).
        let k = budget_for_fraction(0.04, 10_001).unwrap();
        assert_eq!(k, 400);
        let kept = job.kept.real_values;
        assert!((2 * k - 2..=2 * k).contains(&kept), "{method}: {kept}");
        assert_eq!(job.kept.fraction, kept as f64 / 20_002.0);
        let v = serde_json::to_value(&job.report).unwrap();
        assert_eq!(v["command"], "compress");
        assert_eq!(v["kept"]["real_values"], kept);
        assert!(v["kept"]["coefficients"].as_u64().unwrap() > 0);
        assert_eq!(v["storage"]["real_values"], kept);
        assert!(v["representation_real_values"].as_u64().unwrap() >= 20_002);
        assert_eq!(v["params"]["method"], method.name());
        assert_eq!(v["refit"].is_object(), method == CompressMethod::Pgbz);
        if method == CompressMethod::Pgbz {
            assert!(v["refit"]["gain_db"].as_f64().unwrap() > 0.0);
            assert!(v["refit"]["iterations"].as_u64().unwrap() > 0);
        }
        let images = job.images.unwrap();
        assert_eq!(images.representation, method.name());
        let cells = images.all.frames * images.all.bins;
        assert_eq!(images.all.magnitude.len(), cells);
        assert_eq!(images.kept.magnitude.len(), cells);
        let peak = images.all.magnitude.iter().fold(0.0_f64, |m, v| m.max(*v));
        assert_eq!(images.peak, peak);
        // Kept cells are the original ones, dropped cells are zero.
        for (a, b) in images.all.magnitude.iter().zip(&images.kept.magnitude) {
            assert!(*b == 0.0 || b == a);
        }
    }
}

#[test]
fn bad_parameters_are_refused_with_their_names() {
    let input = stereo(2_000);
    let err = |params: CompressParams| compress(&input, &params, false).unwrap_err().to_string();
    let e = err(CompressParams {
        keep: Keep::Fraction(1.5),
        ..Default::default()
    });
    assert!(e.starts_with("invalid keep:"), "{e}");
    let e = err(CompressParams {
        representation: RepresentationParams {
            block_seconds: Some(-2.0),
            ..Default::default()
        },
        ..Default::default()
    });
    assert!(e.starts_with("invalid block:"), "{e}");
    let e = err(CompressParams {
        representation: RepresentationParams {
            lattice: LatticeChoice::Explicit(Lattice { m: 5, n: 5 }),
            ..Default::default()
        },
        ..Default::default()
    });
    assert!(e.contains("25"), "{e}");
    let e = "wavelets"
        .parse::<CompressMethod>()
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "invalid method: 'wavelets' is not one of pgbz, stft, dwt"
    );
    let e = "wiener".parse::<PostFilter>().unwrap_err().to_string();
    assert!(e.starts_with("invalid postfilter:"), "{e}");
}

#[test]
fn the_sweep_reconstructs_each_level_as_the_job_does() {
    let n = 12_000;
    let input = Audio::from_channels(RATE, vec![folk(20_000, n)]);
    let rep = RepresentationParams::default();
    let keeps = keep_percentages("50,10,4").unwrap();
    assert_eq!(keeps, vec![0.5, 0.1, 0.04]);
    let methods: Vec<SweepMethod> = "pgbz,pgbz-ls,pgbz-gate,stft,dwt"
        .split(',')
        .map(|m| m.parse().unwrap())
        .collect();
    let levels = parse_levels("3..5").unwrap();
    assert_eq!(levels, vec![3, 4, 5]);
    let cfg = SweepConfig::new(
        methods.clone(),
        keeps,
        &rep,
        Some(&levels),
        RefitOptions::default(),
        RATE,
    )
    .unwrap();
    let result = sweep(&input.channels, RATE, &cfg).unwrap();
    assert_eq!(result.points.len(), 15);
    assert_eq!(result.waveforms.len(), 5);
    for w in &result.waveforms {
        let point = result
            .points
            .iter()
            .find(|p| p.method == w.method.name() && p.keep_fraction == 0.04)
            .unwrap();
        let (method, refit, postfilter, level) = match w.method {
            SweepMethod::Pgbz => (CompressMethod::Pgbz, None, None, None),
            SweepMethod::PgbzLs => (
                CompressMethod::Pgbz,
                Some(RefitOptions::default()),
                None,
                None,
            ),
            SweepMethod::PgbzGate => (CompressMethod::Pgbz, None, Some(PostFilter::Gate), None),
            SweepMethod::Stft => (CompressMethod::Stft, None, None, None),
            SweepMethod::Dwt => (CompressMethod::Dwt, None, None, point.level),
        };
        let params = CompressParams {
            method,
            keep: Keep::Fraction(0.04),
            refit,
            postfilter,
            representation: RepresentationParams {
                level,
                ..rep.clone()
            },
        };
        let job = compress(&input, &params, false).unwrap();
        assert_eq!(job.audio.channels[0], w.samples, "{}", w.method);
        // The point's figures are those of that reconstruction, summed as the metrics sum
        // them: the same bits.
        assert_eq!(point.kept_real_values, job.kept.real_values, "{}", w.method);
        assert_eq!(
            point.snr_db.to_bits(),
            job.report.metrics.snr_db.to_bits(),
            "{}: {} vs {}",
            w.method,
            point.snr_db,
            job.report.metrics.snr_db
        );
        assert_eq!(
            point.rel_error_pct.to_bits(),
            job.report.metrics.rel_error_pct.to_bits(),
            "{}",
            w.method
        );
    }
    // DWT: the reported level is the best of the candidates at that keep.
    let dwt = result
        .points
        .iter()
        .find(|p| p.method == "dwt" && p.keep_fraction == 0.04)
        .unwrap();
    for l in levels {
        let params = CompressParams {
            method: CompressMethod::Dwt,
            keep: Keep::Fraction(0.04),
            representation: RepresentationParams {
                level: Some(l),
                ..rep.clone()
            },
            ..Default::default()
        };
        let snr = compress(&input, &params, false)
            .unwrap()
            .report
            .metrics
            .snr_db;
        assert!(
            snr <= dwt.snr_db + 1e-9,
            "level {l}: {snr} > {}",
            dwt.snr_db
        );
    }
    // The NMSE table lists every method at the last level with rel. error × kept × seconds.
    let table = result.nmse_table();
    assert!(table.starts_with("NMSE at 4.0 % kept"));
    assert_eq!(table.lines().filter(|l| l.starts_with("| pgbz")).count(), 3);
    for p in result.points.iter().filter(|p| p.keep_fraction == 0.04) {
        let want = p.rel_error_pct / 100.0 * p.kept_real_values as f64 * p.seconds;
        assert_eq!(p.nmse(), want);
        assert!(table.contains(&format!("{:.4e}", want)));
    }
}

#[test]
fn sweep_lists_are_validated() {
    for bad in ["0", "150", "abc", ""] {
        let e = keep_percentages(bad).unwrap_err().to_string();
        assert!(e.starts_with("invalid keep:"), "{bad}: {e}");
    }
    for bad in ["0..3", "5..2", "x", ""] {
        let e = parse_levels(bad).unwrap_err().to_string();
        assert!(e.starts_with("invalid levels:"), "{bad}: {e}");
    }
    assert_eq!(parse_levels("8,10").unwrap(), vec![8, 10]);
    let e = "pgbz-xx".parse::<SweepMethod>().unwrap_err().to_string();
    assert!(e.starts_with("invalid methods:"), "{e}");
    assert_eq!(
        "PGBZ-LS".parse::<SweepMethod>().unwrap(),
        SweepMethod::PgbzLs
    );
}
