//! The `interp` job: decimation and reconstruction by interpolation (see [`super::interp`]) on
//! every channel, with the report the command line prints as `--json`.

use super::interp::{decimate_and_interpolate, InterpMethod};
use crate::audio::Audio;
use crate::pipeline::{self, Report, Storage};
use crate::{Error, Result};
use serde_json::json;

/// Everything the [`interp`] job needs besides the audio.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decimation {
    /// Decimation factor R ≥ 1: samples 0, R, 2R, … and the last are kept.
    pub factor: usize,
    /// How the dropped samples are rebuilt.
    pub method: InterpMethod,
}

impl Decimation {
    /// Checks the factor (parameter `factor`) and the method's order and block.
    pub fn validate(&self) -> Result<()> {
        if self.factor == 0 {
            return Err(Error::param("factor", "must be at least 1"));
        }
        self.method.validate()
    }
}

/// What the [`interp`] job returns.
#[derive(Clone, Debug)]
pub struct Interpolated {
    /// The decimation that ran (the figures' label).
    pub decimation: Decimation,
    /// The reconstruction: same rate, channel count and length as the input.
    pub audio: Audio,
    /// The report (the CLI's `interp --json`): `kept_samples` (per channel), `storage` (kept
    /// samples, or polynomial coefficients for `poly`, over all channels), `params`.
    pub report: Report,
}

#[cfg(feature = "plot")]
impl Interpolated {
    /// The comparison set of this run against its `input` ([`crate::plot::report::comparison`]),
    /// labelled `"<method> ×<factor>"` (e.g. "cubic ×4").
    pub fn figures(&self, input: &Audio) -> Result<Vec<crate::plot::NamedPlot>> {
        let Decimation { factor, method } = self.decimation;
        let label = format!("{} ×{factor}", method.kind());
        crate::plot::report::comparison(input, &self.audio, &label)
    }
}

/// The report of an `interp` job from its `head` ([`Report::of_signal`]): `params`, the real
/// values `stored` over all channels and the knots per channel (`kept_samples`).
pub(crate) fn finish_report(
    head: Report,
    params: &Decimation,
    stored: usize,
    knots: usize,
) -> Report {
    let samples = head.samples * head.channels;
    let mut report = Report {
        params: json!({"factor": params.factor, "method": params.method}),
        ..head
    }
    .with("kept_samples", knots);
    report.storage = Some(Storage::new(stored, samples));
    report
}

/// Decimate every channel of `input` and rebuild it by interpolation.
pub fn interp(input: &Audio, params: &Decimation) -> Result<Interpolated> {
    params.validate()?;
    let outcome = pipeline::process(input, |_, x, _| {
        let out = decimate_and_interpolate(x, params.factor, params.method)?;
        Ok((out.signal, (out.stored_real_values, out.knots)))
    })?;
    let stored: usize = outcome.infos.iter().map(|&(stored, _)| stored).sum();
    let head = Report::new("interp", input, &outcome, serde_json::Value::Null);
    let report = finish_report(head, params, stored, outcome.infos[0].1);
    Ok(Interpolated {
        decimation: *params,
        audio: outcome.output,
        report,
    })
}
