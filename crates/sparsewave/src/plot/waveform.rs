//! Waveform comparison: overlay, pointwise error f_ea, cumulative error f_cea, and a zoom.

use super::chart::PALETTE;
use super::{text, DrawResult, Figure};
use crate::metrics::{cumulative_error, pointwise_error};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Four stacked panels comparing a reference with an estimate (one channel).
#[derive(Clone, Debug)]
pub struct WaveformComparison {
    /// Figure title.
    pub title: String,
    /// Sample rate of both signals, Hz.
    pub sample_rate: u32,
    /// The reference signal.
    pub reference: Vec<f64>,
    /// The signal compared with it (same length).
    pub estimate: Vec<f64>,
    /// Legend label of the reference.
    pub reference_label: String,
    /// Legend label of the estimate.
    pub estimate_label: String,
    /// Start of the zoomed window, seconds (its length is `ZOOM_SECONDS`, 0.2 s).
    pub zoom_start: f64,
    /// Extra vertical markers (seconds), e.g. WSVD window boundaries, drawn in the zoom.
    pub markers: Vec<f64>,
}

/// Length of the zoomed panel.
pub const ZOOM_SECONDS: f64 = 0.2;

/// Index of the first sample of the loudest `len`-sample stretch of `x` (largest `Σ x²`),
/// searched with hop `⌊len/2⌋`; `len` is clamped to `[1, x.len()]`, and ties go to the latest
/// start. 0 for an empty signal.
fn loudest_start(x: &[f64], len: usize) -> usize {
    let len = len.clamp(1, x.len().max(1));
    let hop = (len / 2).max(1);
    (0..=x.len().saturating_sub(len))
        .step_by(hop)
        .max_by(|&a, &b| {
            let e = |s: usize| x[s..s + len].iter().map(|v| v * v).sum::<f64>();
            e(a).total_cmp(&e(b))
        })
        .unwrap_or(0)
}

impl WaveformComparison {
    /// A comparison zoomed on the loudest 0.2 s (`ZOOM_SECONDS`) of `reference` (the stretch of
    /// largest `Σ x²` among starts on a grid of half its length), with the `marks` (sample
    /// indices) that fall inside the zoom drawn as markers.
    pub fn zoomed_on_loudest(
        title: String,
        sample_rate: u32,
        (reference, reference_label): (&[f64], &str),
        (estimate, estimate_label): (&[f64], &str),
        marks: &[usize],
    ) -> Self {
        let fs = f64::from(sample_rate);
        let zoom_len = (ZOOM_SECONDS * fs) as usize;
        let start = loudest_start(reference, zoom_len);
        WaveformComparison {
            title,
            sample_rate,
            reference: reference.to_vec(),
            estimate: estimate.to_vec(),
            reference_label: reference_label.into(),
            estimate_label: estimate_label.into(),
            zoom_start: start as f64 / fs,
            markers: marks
                .iter()
                .filter(|&&m| m >= start && m <= start + zoom_len)
                .map(|&m| m as f64 / fs)
                .collect(),
        }
    }
}

/// Min/max envelope of `v` over `cols` columns (keeps peaks visible on long signals).
fn envelope(v: &[f64], start: usize, end: usize, cols: usize, rate: f64) -> Vec<(f64, f64)> {
    let n = end - start;
    if n <= 2 * cols {
        return (start..end).map(|i| (i as f64 / rate, v[i])).collect();
    }
    let mut pts = Vec::with_capacity(2 * cols);
    for c in 0..cols {
        let a = start + c * n / cols;
        let b = (start + (c + 1) * n / cols).max(a + 1);
        let (lo, hi) = v[a..b]
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                (l.min(x), h.max(x))
            });
        pts.push((a as f64 / rate, lo));
        pts.push((a as f64 / rate, hi));
    }
    pts
}

impl WaveformComparison {
    #[allow(clippy::too_many_arguments)]
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        title: &str,
        y_desc: &str,
        curves: &[(&str, &[f64], RGBColor)],
        range: (usize, usize),
        markers: bool,
    ) -> DrawResult<DB> {
        let rate = f64::from(self.sample_rate);
        let cols = 1400;
        let data: Vec<Vec<(f64, f64)>> = curves
            .iter()
            .map(|(_, v, _)| envelope(v, range.0, range.1, cols, rate))
            .collect();
        let (lo, hi) = data
            .iter()
            .flatten()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), p| {
                (l.min(p.1), h.max(p.1))
            });
        let pad = ((hi - lo) * 0.05).max(1e-9);
        let (t0, t1) = (
            range.0 as f64 / rate,
            (range.1.max(range.0 + 1)) as f64 / rate,
        );
        let mut chart = ChartBuilder::on(area)
            .caption(title, text(18))
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(t0..t1, (lo - pad)..(hi + pad))?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc(y_desc)
            .label_style(text(13))
            .axis_desc_style(text(14))
            .draw()?;
        for ((label, _, color), pts) in curves.iter().zip(data) {
            let color = *color;
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(1)))?
                .label(*label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
        }
        if markers {
            for &m in self.markers.iter().filter(|&&m| m >= t0 && m <= t1) {
                chart.draw_series(LineSeries::new(
                    vec![(m, lo - pad), (m, hi + pad)],
                    RGBColor(150, 150, 150).stroke_width(1),
                ))?;
            }
        }
        if curves.len() > 1 {
            chart
                .configure_series_labels()
                .label_font(text(13))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()?;
        }
        Ok(())
    }
}

impl Figure for WaveformComparison {
    fn size(&self) -> (u32, u32) {
        (1400, 1300)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let n = self.reference.len().min(self.estimate.len());
        let rate = f64::from(self.sample_rate);
        let (title_area, body) = area.split_vertically(40);
        title_area.titled(&self.title, text(24))?;
        let panels = body.split_evenly((4, 1));
        let ea = pointwise_error(&self.reference[..n], &self.estimate[..n]);
        let cea = cumulative_error(&self.reference[..n], &self.estimate[..n]);
        let (blue, orange, green) = (PALETTE[0], PALETTE[1], PALETTE[2]);
        self.panel(
            &panels[0],
            "waveforms",
            "amplitude",
            &[
                (self.reference_label.as_str(), &self.reference[..n], blue),
                (self.estimate_label.as_str(), &self.estimate[..n], orange),
            ],
            (0, n),
            false,
        )?;
        self.panel(
            &panels[1],
            "pointwise error f_ea(t) = |x(t) − y(t)|",
            "|error|",
            &[("f_ea", &ea, green)],
            (0, n),
            false,
        )?;
        self.panel(
            &panels[2],
            "cumulative error f_cea(t) = Σ_{s≤t} |x(s) − y(s)|",
            "Σ |error|",
            &[("f_cea", &cea, green)],
            (0, n),
            false,
        )?;
        let z0 = ((self.zoom_start * rate) as usize).min(n.saturating_sub(1));
        let z1 = (z0 + (ZOOM_SECONDS * rate) as usize).min(n);
        self.panel(
            &panels[3],
            &format!(
                "zoom: {:.2} s to {:.2} s",
                z0 as f64 / rate,
                z1 as f64 / rate
            ),
            "amplitude",
            &[
                (self.reference_label.as_str(), &self.reference[..n], blue),
                (self.estimate_label.as_str(), &self.estimate[..n], orange),
            ],
            (z0, z1),
            true,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::loudest_start;

    #[test]
    fn loudest_start_finds_the_burst_on_its_grid() {
        let mut x = vec![0.01; 2000];
        x[1300..1400].iter_mut().for_each(|v| *v = 1.0);
        // [1200, 1400) and [1300, 1500) both hold the burst: the later start wins.
        assert_eq!(loudest_start(&x, 200), 1300);
        assert_eq!(loudest_start(&x, 100), 1300);
        assert_eq!(loudest_start(&[], 200), 0);
        assert_eq!(loudest_start(&x[..50], 200), 0);
    }
}
