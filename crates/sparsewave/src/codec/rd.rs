//! Rate–distortion curves of the codec's methods: for each method the input is encoded once
//! per target bit rate as `encode` does ([`encode_best`], rate control with
//! [`Target::Bitrate`], the PGBZ lattice chosen per rate); each point is measured on its decoded audio. Two lossless references
//! come with the curves: the input's PCM bit rate and its FLAC size.

use super::{encode_best, flac_size, kbps, MethodKind, MethodSettings, Target};
use crate::audio::{Audio, SampleFormat};
#[cfg(feature = "plot")]
use crate::plot::{LineChart, NamedPlot, Series};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The methods `sparsewave rd` compares by default.
pub const DEFAULT_RD_METHODS: [MethodKind; 4] = [
    MethodKind::Pgbz,
    MethodKind::Dwt,
    MethodKind::Stft,
    MethodKind::Svd,
];

/// The target bit rates (kbit/s) `sparsewave rd` tries by default.
pub const DEFAULT_RD_BITRATES: [f64; 7] = [16.0, 24.0, 32.0, 48.0, 64.0, 96.0, 128.0];

/// One point of a curve: one rate-controlled encoding, measured on its decoded audio.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RdPoint {
    /// The method, as asked for.
    pub method: MethodKind,
    /// The target bit rate, kbit/s.
    pub target_kbps: f64,
    /// The file's bit rate, kbit/s (≤ `target_kbps` when `target_met`).
    pub kbps: f64,
    /// The file's size.
    pub bytes: usize,
    /// 8·bytes / (channels × samples per channel).
    pub bits_per_sample: f64,
    /// SNR of the decoded audio against the input, dB.
    pub snr_db: f64,
    /// Segmental SNR of the decoded audio against the input, dB.
    pub seg_snr_db: f64,
    /// False when no encoding fits the target (the smallest one is measured).
    pub target_met: bool,
}

/// The result of [`rate_distortion`], serialised as the `rd --json` report.
///
/// The file fields (`input`, `csv`, `plots`) are set by the layer that writes files
/// ([`RateDistortion::with_files`]).
#[derive(Clone, Debug, serde::Serialize)]
pub struct RateDistortion {
    /// Always `"rd"`.
    pub command: &'static str,
    /// The input file, when the audio came from one.
    pub input: Option<PathBuf>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: usize,
    /// Samples per channel.
    pub samples: usize,
    /// PCM bit rate of the input: rate × channels × bits per sample (32 for 32-bit float, 64 for
    /// 64-bit float) / 1000.
    pub pcm_kbps: f64,
    /// Size of the input encoded as FLAC ([`flac_size`]).
    pub flac_bytes: usize,
    /// Bit rate of that FLAC file, kbit/s.
    pub flac_kbps: f64,
    /// Bit depth of that FLAC file.
    pub flac_bits: u16,
    /// Every point, method by method in the order asked, bit rates in the order given.
    pub points: Vec<RdPoint>,
    /// The CSV table of the points, when one was written.
    pub csv: Option<PathBuf>,
    /// The figures written.
    pub plots: Vec<PathBuf>,
    /// The methods, in the order asked (one curve each in the figures; not serialised: the
    /// points name theirs).
    #[serde(skip)]
    pub methods: Vec<MethodKind>,
}

impl RateDistortion {
    /// Name the input file, the CSV table and the figures written.
    pub fn with_files(mut self, input: &Path, csv: &Path, plots: Vec<PathBuf>) -> Self {
        self.input = Some(input.to_path_buf());
        self.csv = Some(csv.to_path_buf());
        self.plots = plots;
        self
    }

    /// The points of one method, in bit-rate order.
    pub fn curve(&self, method: MethodKind) -> impl Iterator<Item = &RdPoint> {
        self.points.iter().filter(move |p| p.method == method)
    }
}

#[cfg(feature = "plot")]
impl RateDistortion {
    /// The figures: `rd_snr` (SNR of the decoded audio against kbit/s) and `rd_segsnr`
    /// (segmental SNR), one curve per method on a log rate axis, with the PCM and FLAC rates
    /// drawn as vertical segments spanning the measured range (and 0 dB).
    pub fn figures(&self) -> Result<Vec<NamedPlot>> {
        Ok(vec![
            NamedPlot::new("rd_snr", self.chart(|p| p.snr_db, "SNR (dB)")),
            NamedPlot::new(
                "rd_segsnr",
                self.chart(|p| p.seg_snr_db, "segmental SNR (dB)"),
            ),
        ])
    }

    /// One curve per method of `value` against kbit/s (log axis), and the two lossless
    /// references as vertical segments from min(0, lowest value) to the highest value.
    fn chart(&self, value: fn(&RdPoint) -> f64, y_label: &str) -> LineChart {
        let (pcm_kbps, flac_kbps) = (self.pcm_kbps, self.flac_kbps);
        let ys: Vec<f64> = self
            .points
            .iter()
            .map(value)
            .filter(|v| v.is_finite())
            .collect();
        let lo = ys.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
        let hi = ys
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
            .max(lo + 1.0);
        let mut series: Vec<Series> = self
            .methods
            .iter()
            .map(|&m| Series {
                label: m.to_string(),
                points: self.curve(m).map(|p| (p.kbps, value(p))).collect(),
            })
            .collect();
        for (label, x) in [
            (format!("PCM ({pcm_kbps:.0} kbit/s)"), pcm_kbps),
            (format!("FLAC, lossless ({flac_kbps:.0} kbit/s)"), flac_kbps),
        ] {
            series.push(Series {
                label,
                points: vec![(x, lo), (x, hi)],
            });
        }
        LineChart {
            title: format!("rate–distortion: {y_label} of the decoded audio"),
            x_label: "bit rate (kbit/s)".into(),
            y_label: y_label.into(),
            series,
            log_x: true,
            log_y: false,
        }
    }
}

/// Rate–distortion points of `methods` (built from `settings`; [`MethodKind::Auto`] takes the
/// better of its candidates at each rate) at each target bit rate (kbit/s, all positive),
/// with the PCM and FLAC references.
pub fn rate_distortion(
    audio: &Audio,
    methods: &[MethodKind],
    settings: &MethodSettings,
    bitrates: &[f64],
) -> Result<RateDistortion> {
    if methods.contains(&MethodKind::Hybrid) {
        return Err(Error::param(
            "methods",
            "hybrid is rate-controlled by an SNR target only; rd sweeps bit rates",
        ));
    }
    let built = methods
        .iter()
        .map(|&kind| Ok((kind, settings.candidates(kind)?)))
        .collect::<Result<Vec<_>>>()?;
    if let Some(bad) = bitrates.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
        return Err(Error::param(
            "bitrates",
            format!("{bad} is not a positive rate"),
        ));
    }
    let pcm_bits = match audio.format {
        SampleFormat::Int(b) => u32::from(b),
        SampleFormat::Float32 => 32,
        SampleFormat::Float64 => 64,
    };
    let pcm_kbps =
        f64::from(audio.sample_rate) * audio.channel_count() as f64 * f64::from(pcm_bits) / 1000.0;
    let (flac_bytes, flac_bits) = flac_size(audio)?;
    let mut points = Vec::with_capacity(built.len() * bitrates.len());
    for (kind, candidates) in &built {
        for &rate in bitrates {
            let target = Target::Bitrate { kbps: rate };
            let enc = encode_best(audio, candidates, target)?;
            points.push(RdPoint {
                method: *kind,
                target_kbps: rate,
                kbps: enc.kbps,
                bytes: enc.bytes.len(),
                bits_per_sample: enc.bits_per_sample,
                snr_db: enc.report.metrics.snr_db,
                seg_snr_db: enc.report.metrics.seg_snr_db,
                target_met: enc.target_met,
            });
        }
    }
    Ok(RateDistortion {
        command: "rd",
        input: None,
        sample_rate: audio.sample_rate,
        channels: audio.channel_count(),
        samples: audio.frames(),
        pcm_kbps,
        flac_bytes,
        flac_kbps: kbps(flac_bytes, audio.seconds()),
        flac_bits,
        points,
        csv: None,
        plots: Vec::new(),
        methods: methods.to_vec(),
    })
}
