//! The `compress` job: analyse → keep under a fair budget → re-fit (PGBZ) → post-filter, on
//! every channel, with the report the command line prints as `--json`.

use super::analysis::{Analysis, Representation};
use super::params::{CompressMethod, CompressParams, PostFilter};
use super::refit::{RefitOptions, RefitReport};
use super::sparsify::select;
use crate::audio::Audio;
use crate::denoise::gate::{spectral_gate, GateConfig};
use crate::pipeline::{self, Report, Storage};
use crate::Result;
use serde_json::json;

/// A coefficient map as a magnitude image, `frames × bins`, time-major.
#[derive(Clone, Debug, PartialEq)]
pub struct CoefficientImage {
    /// `|c|` per cell, `magnitude[frame · bins + bin]`; 0 where a coefficient was dropped.
    pub magnitude: Vec<f64>,
    /// Columns (time).
    pub frames: usize,
    /// Rows (frequency).
    pub bins: usize,
    /// Seconds between columns.
    pub frame_step: f64,
}

/// Channel 0's coefficients before and after thresholding, for drawing on one dB scale.
#[derive(Clone, Debug, PartialEq)]
pub struct CoefficientImages {
    /// The representation's name ("pgbz", "stft", "dwt").
    pub representation: &'static str,
    /// Every coefficient.
    pub all: CoefficientImage,
    /// The kept coefficients only.
    pub kept: CoefficientImage,
    /// The largest magnitude of [`CoefficientImages::all`]: the common 0 dB reference.
    pub peak: f64,
}

/// What was kept, over all channels (the report's `kept`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Kept {
    /// Real numbers held by the kept coefficients.
    pub real_values: usize,
    /// `real_values` / input samples.
    pub fraction: f64,
    /// Kept coefficients.
    pub coefficients: usize,
}

/// What the least-squares re-fit did on channel 0 (the report's `refit`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct RefitSummary {
    /// The largest iteration count over the PGBZ blocks.
    pub iterations: usize,
    /// The mean SNR gain over the blocks, dB.
    pub gain_db: f64,
}

/// What the [`compress`] job returns.
#[derive(Clone, Debug)]
pub struct Compressed {
    /// The method that ran (the figures' label).
    pub method: CompressMethod,
    /// The reconstruction: same rate, channel count and length as the input.
    pub audio: Audio,
    /// The report (the CLI's `compress --json`): `kept` {`real_values`, `fraction`,
    /// `coefficients`}, `refit` {`iterations`, `gain_db`} (channel 0, when re-fitted),
    /// `representation_real_values`, `storage` and `params`.
    pub report: Report,
    /// What was kept (also in the report).
    pub kept: Kept,
    /// Channel 0's re-fit, when one ran (also in the report).
    pub refit: Option<RefitSummary>,
    /// Channel 0's coefficient images, when asked for.
    pub images: Option<CoefficientImages>,
}

#[cfg(feature = "plot")]
impl CoefficientImage {
    /// This map as a figure titled `title`, in dB against `peak` over 90 dB, linear frequency.
    pub fn figure(
        &self,
        title: String,
        sample_rate: u32,
        peak: f64,
    ) -> crate::plot::SpectrogramImage {
        crate::plot::SpectrogramImage {
            title,
            magnitude: self.magnitude.clone(),
            frames: self.frames,
            bins: self.bins,
            sample_rate,
            frame_step: self.frame_step,
            log_freq: false,
            range_db: 90.0,
            reference: Some(peak),
        }
    }
}

#[cfg(feature = "plot")]
impl Compressed {
    /// The figures of this run against its `input`: the comparison set
    /// ([`crate::plot::report::comparison`], labelled with the method's name) and, when the
    /// coefficient images were computed, `coefficients` (every coefficient of channel 0) and
    /// `coefficients_kept` (the kept ones), both in dB against the largest coefficient.
    pub fn figures(&self, input: &Audio) -> Result<Vec<crate::plot::NamedPlot>> {
        use crate::plot::NamedPlot;
        let mut plots = crate::plot::report::comparison(input, &self.audio, self.method.name())?;
        if let Some(images) = &self.images {
            let (name, rate, peak) = (images.representation, input.sample_rate, images.peak);
            plots.push(NamedPlot::new(
                "coefficients",
                images
                    .all
                    .figure(format!("{name} coefficients |c| (dB)"), rate, peak),
            ));
            plots.push(NamedPlot::new(
                "coefficients_kept",
                images.kept.figure(
                    format!("{name} coefficients kept (dB, same scale)"),
                    rate,
                    peak,
                ),
            ));
        }
        Ok(plots)
    }
}

/// What compressing one channel produced.
struct ChannelInfo {
    kept_reals: usize,
    kept_entries: usize,
    total_reals: usize,
    refit: Option<RefitSummary>,
    describe: serde_json::Value,
    images: Option<CoefficientImages>,
}

/// Compress every channel of `input`: keep the largest coefficients of
/// `params.method`'s representation under the budget `params.keep`, re-fit them by least
/// squares (PGBZ, when `params.refit` is set), synthesise, and post-filter.
///
/// The budget is fair across methods: a complex coefficient costs 2 real numbers (1 when it is
/// self-conjugate), so keeping 4 % keeps 4 % of the channel's sample count in real numbers for
/// every method (the count actually kept is `K` or `K − 1`, see [`super::sparsify`]).
/// `kept.fraction` = kept real numbers / input samples over all channels; `refit.iterations` is
/// the largest block's iteration count and `refit.gain_db` the mean gain over the blocks.
/// `coefficient_images` also returns channel 0's coefficient maps for plots.
pub fn compress(
    input: &Audio,
    params: &CompressParams,
    coefficient_images: bool,
) -> Result<Compressed> {
    params.validate()?;
    let rep = params
        .representation
        .representation(params.method, input.sample_rate)?;
    let refit = params.effective_refit();
    let gate = params.postfilter.map(postfilter_config);
    let outcome = pipeline::process(input, |channel, x, rate| {
        let mut analysis = Analysis::new(&rep, x)?;
        let sel = select(
            analysis.rank_values(),
            analysis.costs(),
            params.keep,
            x.len(),
        )?;
        let images = (coefficient_images && channel == 0)
            .then(|| coefficient_images_of(&analysis, &rep, &sel.mask, rate));
        let describe = analysis.describe();
        let total_reals = analysis.total_real_values();
        let mut y = vec![0.0; x.len()];
        let reports = rebuild(
            &mut analysis,
            x,
            &sel.mask,
            refit.as_ref(),
            gate.as_ref(),
            rate,
            false,
            &mut y,
        )?;
        let refit = (!reports.is_empty()).then(|| {
            let iterations = reports.iter().map(|r| r.iterations).max().unwrap_or(0);
            let gain = reports.iter().map(|r| r.gain_db).sum::<f64>() / reports.len() as f64;
            RefitSummary {
                iterations,
                gain_db: gain,
            }
        });
        let info = ChannelInfo {
            kept_reals: sel.kept_reals,
            kept_entries: sel.kept_entries,
            total_reals,
            refit,
            describe,
            images,
        };
        Ok((y, info))
    })?;
    let first = &outcome.infos[0];
    let refit_summary = first.refit;
    let (report, kept) = finish_report(
        Report::new("compress", input, &outcome, serde_json::Value::Null),
        params,
        first.describe.clone(),
        Kept {
            real_values: outcome.infos.iter().map(|i| i.kept_reals).sum(),
            fraction: 0.0,
            coefficients: outcome.infos.iter().map(|i| i.kept_entries).sum(),
        },
        outcome.infos.iter().map(|i| i.total_reals).sum(),
        refit_summary,
    );
    let mut infos = outcome.infos;
    let images = infos.first_mut().and_then(|i| i.images.take());
    Ok(Compressed {
        method: params.method,
        audio: outcome.output,
        report,
        kept,
        refit: refit_summary,
        images,
    })
}

/// Complete the common part `head` of a compress report (its `samples` and `channels` those of
/// the input) with the parameters, `describe` (channel 0's representation), what was `kept`
/// over all channels (its `fraction` set here: kept real numbers / input samples), the
/// representation's `total_reals` over all channels, the storage and channel 0's re-fit: the
/// report of [`compress`] and of the streamed job
/// ([`crate::stream::compress::compress_file`]) alike.
pub(crate) fn finish_report(
    head: Report,
    params: &CompressParams,
    describe: serde_json::Value,
    kept: Kept,
    total_reals: usize,
    refit_summary: Option<RefitSummary>,
) -> (Report, Kept) {
    let refit = params.effective_refit();
    let samples = head.samples * head.channels;
    let kept = Kept {
        fraction: kept.real_values as f64 / samples as f64,
        ..kept
    };
    let mut report = Report {
        params: json!({
            "method": params.method,
            "keep": format!("{:?}", params.keep),
            "refit": refit.map(|r| json!({"max_iterations": r.max_iterations, "tolerance": r.tolerance})),
            "postfilter": params.postfilter,
            "representation": describe,
        }),
        ..head
    }
    .with("kept", kept)
    .with("representation_real_values", total_reals);
    if let Some(summary) = refit_summary {
        report = report.with("refit", summary);
    }
    report.storage = Some(Storage::new(kept.real_values, samples));
    (report, kept)
}

/// The configuration of a post-filter.
fn postfilter_config(filter: PostFilter) -> GateConfig {
    match filter {
        PostFilter::Gate => GateConfig::default(),
    }
}

/// How a kept set becomes a signal, for the compress job and the sweep alike: synthesis from
/// the kept coefficients, or their least-squares re-fit (`refit`, PGBZ only), then the spectral
/// gate (`gate`). Writes the signal into `out` (the channel's length) and returns the re-fit's
/// per-block reports (empty without re-fit). `reuse` keeps the analysis usable for further
/// masks; otherwise the re-fit or the synthesis works in place to save memory
/// ([`Analysis::refit_in_place`], [`Analysis::reconstruct_in_place`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn rebuild(
    analysis: &mut Analysis,
    x: &[f64],
    mask: &[bool],
    refit: Option<&RefitOptions>,
    gate: Option<&GateConfig>,
    rate: u32,
    reuse: bool,
    out: &mut Vec<f64>,
) -> Result<Vec<RefitReport>> {
    let reports = match refit {
        Some(options) => {
            if reuse {
                analysis.refit(x, mask, out, options)?
            } else {
                analysis.refit_in_place(x, mask, out, options)?
            }
        }
        None => {
            if reuse {
                analysis.reconstruct(mask, out)?;
            } else {
                analysis.reconstruct_in_place(mask, out)?;
            }
            Vec::new()
        }
    };
    if let Some(cfg) = gate {
        *out = spectral_gate(out, rate, cfg)?;
    }
    Ok(reports)
}

/// The coefficient map before and after thresholding, with the peak as common reference.
fn coefficient_images_of(
    analysis: &Analysis,
    rep: &Representation,
    mask: &[bool],
    rate: u32,
) -> CoefficientImages {
    let image = |mask: Option<&[bool]>| {
        let (magnitude, frames, bins, frame_step) = analysis.coefficient_image(mask, rate);
        CoefficientImage {
            magnitude,
            frames,
            bins,
            frame_step,
        }
    };
    let all = image(None);
    let peak = all.magnitude.iter().fold(0.0_f64, |m, v| m.max(*v));
    CoefficientImages {
        representation: rep.name(),
        kept: image(Some(mask)),
        all,
        peak,
    }
}
