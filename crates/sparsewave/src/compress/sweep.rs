//! Error-vs-kept sweeps: one analysis per method, one sort, one synthesis per level.
//!
//! For every method and keep fraction f the budget is K = round(f · L0) real numbers (fair
//! count), the same for every method; the SNR and relative error are measured jointly over all
//! channels. `seconds` of a point = the method's analysis time + that point's selection and
//! synthesis (and re-fit or gate) time: the CPU cost of compressing at that level alone, which
//! the PGBZ paper's NMSE (relative error × kept count × CPU seconds) multiplies in.

use super::analysis::{Analysis, Representation};
use super::refit::RefitOptions;
use super::sparsify::{budget_for_fraction, Ranking};
use crate::denoise::gate::{spectral_gate, GateConfig};
use crate::{Error, Result};
use std::time::Instant;

/// A curve of the sweep.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepMethod {
    /// Plain PGBZ thresholding.
    Pgbz,
    /// PGBZ + least-squares re-fit of the kept coefficients.
    PgbzLs,
    /// PGBZ + spectral-gate post-filter.
    PgbzGate,
    /// The paper's STFT baseline.
    Stft,
    /// DWT; with several levels, the best level per point (as the paper did).
    Dwt,
}

impl SweepMethod {
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pgbz" => SweepMethod::Pgbz,
            "pgbz-ls" => SweepMethod::PgbzLs,
            "pgbz-gate" => SweepMethod::PgbzGate,
            "stft" => SweepMethod::Stft,
            "dwt" => SweepMethod::Dwt,
            _ => {
                return Err(Error::param(
                    "--methods",
                    format!("'{s}' is not one of pgbz, pgbz-ls, pgbz-gate, stft, dwt"),
                ))
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            SweepMethod::Pgbz => "pgbz",
            SweepMethod::PgbzLs => "pgbz-ls",
            SweepMethod::PgbzGate => "pgbz-gate",
            SweepMethod::Stft => "stft",
            SweepMethod::Dwt => "dwt",
        }
    }
}

/// What to sweep.
#[derive(Clone, Debug)]
pub struct SweepConfig {
    pub methods: Vec<SweepMethod>,
    /// Keep fractions in (0, 1].
    pub keeps: Vec<f64>,
    /// PGBZ representation (lattice, blocks).
    pub pgbz: Representation,
    /// STFT representation.
    pub stft: Representation,
    /// DWT representations, one per candidate level (the best per point is reported).
    pub dwt: Vec<Representation>,
    pub refit: RefitOptions,
    pub gate: GateConfig,
}

/// One point of a curve.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SweepPoint {
    pub method: String,
    pub keep_fraction: f64,
    pub kept_real_values: usize,
    pub snr_db: f64,
    pub rel_error_pct: f64,
    pub seconds: f64,
    /// The DWT level that won this point (DWT only; null otherwise).
    pub level: Option<usize>,
}

/// Sweep all `cfg.methods` over `cfg.keeps` on `channels` (sample rate `rate`).
pub fn sweep(channels: &[Vec<f64>], rate: u32, cfg: &SweepConfig) -> Result<Vec<SweepPoint>> {
    if let Some(&bad) = cfg.keeps.iter().find(|&&f| !(f > 0.0 && f <= 1.0)) {
        return Err(Error::param(
            "--keep",
            format!("{} % is outside (0, 100] %", bad * 100.0),
        ));
    }
    let energy: f64 = channels.iter().flatten().map(|v| v * v).sum();
    let mut points = Vec::new();
    for method in &cfg.methods {
        let reps: Vec<&Representation> = match method {
            SweepMethod::Pgbz | SweepMethod::PgbzLs | SweepMethod::PgbzGate => vec![&cfg.pgbz],
            SweepMethod::Stft => vec![&cfg.stft],
            SweepMethod::Dwt => cfg.dwt.iter().collect(),
        };
        // best[keep index] over the candidate representations (levels).
        let mut best: Vec<Option<SweepPoint>> = vec![None; cfg.keeps.len()];
        for rep in reps {
            let mut err = vec![0.0; cfg.keeps.len()];
            let mut kept = vec![0usize; cfg.keeps.len()];
            let mut secs = vec![0.0; cfg.keeps.len()];
            let mut level = None;
            for x in channels {
                let t0 = Instant::now();
                let mut analysis = Analysis::new(rep, x)?;
                let ranking = Ranking::new(analysis.magnitudes(), analysis.costs())?;
                let analysis_seconds = t0.elapsed().as_secs_f64();
                if matches!(rep, Representation::Dwt { .. }) {
                    level = analysis.describe()["level"].as_u64().map(|l| l as usize);
                }
                let mut mask = vec![false; ranking.len()];
                let mut y = vec![0.0; x.len()];
                for (i, &f) in cfg.keeps.iter().enumerate() {
                    let t1 = Instant::now();
                    let budget = budget_for_fraction(f, x.len())?;
                    kept[i] += ranking.fill_mask(budget, &mut mask)?;
                    match method {
                        SweepMethod::PgbzLs => {
                            analysis.refit(x, &mask, &mut y, &cfg.refit)?;
                        }
                        SweepMethod::PgbzGate => {
                            analysis.reconstruct(&mask, &mut y)?;
                            y = spectral_gate(&y, rate, &cfg.gate)?;
                        }
                        _ => analysis.reconstruct(&mask, &mut y)?,
                    }
                    secs[i] += analysis_seconds + t1.elapsed().as_secs_f64();
                    err[i] += x
                        .iter()
                        .zip(&y)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f64>();
                }
            }
            for (i, &f) in cfg.keeps.iter().enumerate() {
                let p = SweepPoint {
                    method: method.name().to_string(),
                    keep_fraction: f,
                    kept_real_values: kept[i],
                    snr_db: 10.0 * (energy / err[i]).log10(),
                    rel_error_pct: 100.0 * err[i] / energy,
                    seconds: secs[i],
                    level,
                };
                if best[i].as_ref().is_none_or(|b| p.snr_db > b.snr_db) {
                    best[i] = Some(p);
                }
            }
        }
        points.extend(best.into_iter().flatten());
    }
    Ok(points)
}
