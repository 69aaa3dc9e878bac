//! Error-vs-kept sweeps: one analysis per method, one ranking, one synthesis per level.
//!
//! For every method and keep fraction f the budget is K = round(f · L0) real numbers (fair
//! count), the same for every method; the SNR and relative error are measured jointly over all
//! channels. `seconds` of a point = the method's analysis time + that point's selection and
//! synthesis (and re-fit or gate) time: the CPU cost of compressing at that level alone, which
//! the PGBZ paper's NMSE (relative error × kept count × CPU seconds) multiplies in.
//!
//! Each level is reconstructed exactly as the [`compress`](super::job::compress) job does at
//! the same keep fraction (one shared reconstruction step), so a point's signal is the one the
//! job would write.

use super::analysis::{Analysis, Representation};
use super::job::rebuild;
use super::params::{validate_refit, CompressMethod, RepresentationParams};
use super::refit::RefitOptions;
use super::sparsify::{budget_for_fraction, Keep, Ranking};
use crate::choice::choice;
use crate::denoise::gate::GateConfig;
use crate::metrics::ErrorSums;
#[cfg(feature = "plot")]
use crate::{
    audio::Audio,
    plot::{LineChart, NamedPlot, Series, WaveformComparison},
};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::time::Instant;

choice! {
    /// A curve of the sweep.
    pub enum SweepMethod: "methods" {
        /// Plain PGBZ thresholding.
        Pgbz = "pgbz",
        /// PGBZ + least-squares re-fit of the kept coefficients.
        PgbzLs = "pgbz-ls",
        /// PGBZ + spectral-gate post-filter.
        PgbzGate = "pgbz-gate",
        /// The paper's STFT baseline.
        Stft = "stft",
        /// DWT; with several levels, the best level per point (as the paper did).
        Dwt = "dwt",
    }
}

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepConfig {
    /// The curves, in output order.
    pub methods: Vec<SweepMethod>,
    /// Keep fractions in (0, 1].
    pub keeps: Vec<f64>,
    /// PGBZ representation (lattice, blocks).
    pub pgbz: Representation,
    /// STFT representation.
    pub stft: Representation,
    /// DWT representations, one per candidate level (the best per point is reported).
    pub dwt: Vec<Representation>,
    /// The re-fit of `pgbz-ls`.
    pub refit: RefitOptions,
    /// The spectral gate of `pgbz-gate`.
    pub gate: GateConfig,
}

impl SweepConfig {
    /// The sweep of `methods` over `keeps` with the representations of `rep` at `rate` Hz;
    /// `levels` lists candidate DWT levels (`None`: `rep.level`), the gate has its defaults.
    pub fn new(
        methods: Vec<SweepMethod>,
        keeps: Vec<f64>,
        rep: &RepresentationParams,
        levels: Option<&[usize]>,
        refit: RefitOptions,
        rate: u32,
    ) -> Result<Self> {
        if methods.is_empty() {
            return Err(Error::param("methods", "nothing to sweep"));
        }
        if keeps.is_empty() {
            return Err(Error::param("keep", "nothing to sweep"));
        }
        let dwt = match levels {
            Some(levels) => levels
                .iter()
                .map(|&l| {
                    RepresentationParams {
                        level: Some(l),
                        ..rep.clone()
                    }
                    .representation(CompressMethod::Dwt, rate)
                })
                .collect::<Result<_>>()?,
            None => vec![rep.representation(CompressMethod::Dwt, rate)?],
        };
        Ok(SweepConfig {
            methods,
            keeps,
            pgbz: rep.representation(CompressMethod::Pgbz, rate)?,
            stft: rep.representation(CompressMethod::Stft, rate)?,
            dwt,
            refit,
            gate: GateConfig::default(),
        })
    }
}

/// One point of a curve.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SweepPoint {
    /// The method's name ([`SweepMethod::name`]).
    pub method: String,
    /// The keep fraction.
    pub keep_fraction: f64,
    /// Real numbers kept, summed over the channels.
    pub kept_real_values: usize,
    /// `10 log10(‖x‖² / ‖x − y‖²)` over all channels.
    pub snr_db: f64,
    /// `100 · ‖x − y‖² / ‖x‖²`.
    pub rel_error_pct: f64,
    /// Analysis + this level's selection and synthesis, seconds (summed over the channels).
    pub seconds: f64,
    /// The DWT level that won this point (DWT only; null otherwise).
    pub level: Option<usize>,
}

impl SweepPoint {
    /// The PGBZ paper's NMSE (its Table I): relative error × kept count × CPU seconds.
    pub fn nmse(&self) -> f64 {
        self.rel_error_pct / 100.0 * self.kept_real_values as f64 * self.seconds
    }
}

/// Channel 0 reconstructed by one method at the last keep level (the winning level for DWT).
#[derive(Clone, Debug, PartialEq)]
pub struct SweepWaveform {
    /// The method.
    pub method: SweepMethod,
    /// The keep fraction (the sweep's last).
    pub keep_fraction: f64,
    /// The reconstruction, the length of channel 0.
    pub samples: Vec<f64>,
}

/// What a sweep measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Every point, method by method, keeps in the configured order.
    pub points: Vec<SweepPoint>,
    /// One channel-0 reconstruction per method at the last keep level, for waveform figures.
    pub waveforms: Vec<SweepWaveform>,
}

impl Sweep {
    /// The points at the last keep level, as a Markdown table with their NMSE (the PGBZ
    /// paper's Table I: relative error × kept count × CPU seconds).
    pub fn nmse_table(&self) -> String {
        let Some(last) = self.points.last().map(|p| p.keep_fraction) else {
            return String::new();
        };
        let mut table = String::new();
        let _ = writeln!(
            table,
            "NMSE at {:.1} % kept (PGBZ paper, Table I: relative error × kept count × CPU seconds)\n",
            last * 100.0
        );
        let _ = writeln!(
            table,
            "| method | SNR (dB) | rel. error (%) | kept real values | CPU s | NMSE |"
        );
        let _ = writeln!(table, "| --- | ---: | ---: | ---: | ---: | ---: |");
        for p in self.points.iter().filter(|p| p.keep_fraction == last) {
            let _ = writeln!(
                table,
                "| {} | {:.2} | {:.4} | {} | {:.3} | {:.4e} |",
                p.method,
                p.snr_db,
                p.rel_error_pct,
                p.kept_real_values,
                p.seconds,
                p.nmse()
            );
        }
        table
    }
}

#[cfg(feature = "plot")]
impl Sweep {
    /// The figures of this sweep of `input`, titles prefixed with `name` (the recording's name):
    /// `sweep_snr` (SNR against kept real numbers in % of the input's samples, log x; SNRs above
    /// 100 dB drawn at 100), `sweep_rel_error` (relative error `100 · ‖x − y‖² / ‖x‖²`, log–log),
    /// one curve per method, and `waveform_<method>` (channel 0 against each method's
    /// reconstruction at the last keep level, zoomed at 40 % of the duration).
    ///
    /// The names are whole file stems: the command line writes `<name>.png`.
    pub fn figures(&self, input: &Audio, name: &str) -> Result<Vec<NamedPlot>> {
        let samples = (input.frames() * input.channel_count()) as f64;
        let curve =
            |title: &str, y_label: &str, value: fn(&SweepPoint) -> f64, log_y: bool| LineChart {
                title: format!("{name}: {title}"),
                x_label: "kept real numbers (% of the input's samples, log scale)".into(),
                y_label: y_label.into(),
                series: self
                    .waveforms
                    .iter()
                    .map(|w| Series {
                        label: w.method.name().into(),
                        points: self
                            .points
                            .iter()
                            .filter(|p| p.method == w.method.name())
                            .map(|p| (100.0 * p.kept_real_values as f64 / samples, value(p)))
                            .collect(),
                    })
                    .collect(),
                log_x: true,
                log_y,
            };
        let mut plots = vec![
            NamedPlot::new(
                "sweep_snr",
                // Perfect reconstruction gives round-off SNRs of 150–300 dB that would flatten
                // the curves.
                curve(
                    "SNR vs kept coefficients (above 100 dB drawn at 100)",
                    "SNR (dB)",
                    |p| p.snr_db.min(100.0),
                    false,
                ),
            ),
            NamedPlot::new(
                "sweep_rel_error",
                curve(
                    "relative error vs kept coefficients",
                    "relative error ‖x − y‖²/‖x‖² (%)",
                    |p| p.rel_error_pct,
                    true,
                ),
            ),
        ];
        let (x, rate) = (&input.channels[0], input.sample_rate);
        for w in &self.waveforms {
            plots.push(NamedPlot::new(
                format!("waveform_{}", w.method),
                WaveformComparison {
                    title: format!(
                        "{name}: {} at {:.1} % kept (channel 0)",
                        w.method,
                        w.keep_fraction * 100.0
                    ),
                    sample_rate: rate,
                    reference: x.clone(),
                    estimate: w.samples.clone(),
                    reference_label: "input".into(),
                    estimate_label: w.method.name().into(),
                    zoom_start: 0.4 * x.len() as f64 / f64::from(rate),
                    markers: Vec::new(),
                },
            ));
        }
        Ok(plots)
    }
}

/// Keep levels written in percent, comma-separated ("100,50,4" or "4%,2%"), as fractions
/// in (0, 1] (parameter `keep`).
pub fn keep_percentages(s: &str) -> Result<Vec<f64>> {
    let keeps =
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                let pct: f64 = p.trim_end_matches('%').trim().parse().map_err(|_| {
                    Error::param("keep", format!("'{p}' in '{s}' is not a percentage"))
                })?;
                let f = pct / 100.0;
                Keep::Fraction(f).validate()?;
                Ok(f)
            })
            .collect::<Result<Vec<_>>>()?;
    if keeps.is_empty() {
        return Err(Error::param("keep", "nothing to sweep"));
    }
    Ok(keeps)
}

/// DWT candidate levels: a range "5..10" (inclusive, starting at 1 or more) or a list "8,10"
/// (parameter `levels`).
pub fn parse_levels(s: &str) -> Result<Vec<usize>> {
    let bad = || {
        Error::param(
            "levels",
            format!("'{s}' is not a range like 5..10 or a list like 8,10"),
        )
    };
    if let Some((a, b)) = s.split_once("..") {
        let a: usize = a.trim().parse().map_err(|_| bad())?;
        let b: usize = b.trim().parse().map_err(|_| bad())?;
        if a == 0 || a > b {
            return Err(bad());
        }
        return Ok((a..=b).collect());
    }
    let levels = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().map_err(|_| bad()))
        .collect::<Result<Vec<usize>>>()?;
    if levels.is_empty() {
        return Err(bad());
    }
    Ok(levels)
}

/// Sweep all `cfg.methods` over `cfg.keeps` on `channels` (sample rate `rate`).
pub fn sweep(channels: &[Vec<f64>], rate: u32, cfg: &SweepConfig) -> Result<Sweep> {
    for &f in &cfg.keeps {
        Keep::Fraction(f).validate()?;
    }
    validate_refit(&cfg.refit)?;
    let last = cfg.keeps.len().saturating_sub(1);
    let mut points = Vec::new();
    let mut waveforms = Vec::new();
    for &method in &cfg.methods {
        let reps: Vec<&Representation> = match method {
            SweepMethod::Pgbz | SweepMethod::PgbzLs | SweepMethod::PgbzGate => vec![&cfg.pgbz],
            SweepMethod::Stft => vec![&cfg.stft],
            SweepMethod::Dwt => cfg.dwt.iter().collect(),
        };
        let refit = (method == SweepMethod::PgbzLs).then_some(&cfg.refit);
        let gate = (method == SweepMethod::PgbzGate).then_some(&cfg.gate);
        // best[keep index] over the candidate representations (levels), with channel 0's
        // reconstruction at the last level of the winner.
        let mut best: Vec<Option<SweepPoint>> = vec![None; cfg.keeps.len()];
        let mut best_waveform = Vec::new();
        for rep in reps {
            // Summed as the metrics sum them: a point's SNR is the `compress` report's.
            let mut errors: Vec<ErrorSums> =
                cfg.keeps.iter().map(|_| ErrorSums::default()).collect();
            let mut kept = vec![0usize; cfg.keeps.len()];
            let mut secs = vec![0.0; cfg.keeps.len()];
            let mut level = None;
            let mut waveform = Vec::new();
            for (c, x) in channels.iter().enumerate() {
                let t0 = Instant::now();
                let mut analysis = Analysis::new(rep, x)?;
                let budgets = cfg
                    .keeps
                    .iter()
                    .map(|&f| budget_for_fraction(f, x.len()))
                    .collect::<Result<Vec<_>>>()?;
                let ranking =
                    Ranking::for_budgets(analysis.rank_values(), analysis.costs(), &budgets)?;
                let analysis_seconds = t0.elapsed().as_secs_f64();
                if matches!(rep, Representation::Dwt { .. }) {
                    level = analysis.describe()["level"].as_u64().map(|l| l as usize);
                }
                let mut mask = vec![false; ranking.len()];
                let mut y = vec![0.0; x.len()];
                for (i, &budget) in budgets.iter().enumerate() {
                    let t1 = Instant::now();
                    // The mask of the level before, changed where the two cuts differ.
                    kept[i] += match i {
                        0 => ranking.fill_mask(budget, &mut mask)?,
                        _ => ranking.update_mask(budgets[i - 1], budget, &mut mask)?,
                    };
                    rebuild(&mut analysis, x, &mask, refit, gate, rate, true, &mut y)?;
                    secs[i] += analysis_seconds + t1.elapsed().as_secs_f64();
                    errors[i].add(x, &y);
                    if c == 0 && i == last {
                        // The last level: `y` is not read again (a copy would cost a
                        // signal-sized array of fresh pages).
                        waveform = std::mem::take(&mut y);
                    }
                }
            }
            for (i, &f) in cfg.keeps.iter().enumerate() {
                let p = SweepPoint {
                    method: method.name().to_string(),
                    keep_fraction: f,
                    kept_real_values: kept[i],
                    snr_db: errors[i].snr_db(),
                    rel_error_pct: errors[i].rel_error_pct(),
                    seconds: secs[i],
                    level,
                };
                if best[i].as_ref().is_none_or(|b| p.snr_db > b.snr_db) {
                    best[i] = Some(p);
                    if i == last {
                        best_waveform = std::mem::take(&mut waveform);
                    }
                }
            }
        }
        if let Some(&keep_fraction) = cfg.keeps.last() {
            waveforms.push(SweepWaveform {
                method,
                keep_fraction,
                samples: best_waveform,
            });
        }
        points.extend(best.into_iter().flatten());
    }
    Ok(Sweep { points, waveforms })
}
