//! Line charts: error curves, singular-value spectra, sweeps.

use super::{text, DrawResult, Figure};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One named curve.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text (empty: no legend entry).
    pub label: String,
    /// (x, y) points, drawn in order.
    pub points: Vec<(f64, f64)>,
}

/// A line chart with markers, optional log axes and a legend.
#[derive(Clone, Debug)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// Label of the horizontal axis.
    pub x_label: String,
    /// Label of the vertical axis.
    pub y_label: String,
    /// The curves.
    pub series: Vec<Series>,
    /// Logarithmic horizontal axis (non-positive x are left out).
    pub log_x: bool,
    /// Logarithmic vertical axis (non-positive y are left out).
    pub log_y: bool,
}

/// Distinct colours for up to eight curves (Okabe–Ito, colour-blind safe).
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

impl LineChart {
    fn range(&self, pick: impl Fn(&(f64, f64)) -> f64, log: bool) -> (f64, f64) {
        let vals = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(&pick))
            .filter(|v| v.is_finite() && (!log || *v > 0.0));
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if !lo.is_finite() {
            return (if log { 1.0 } else { 0.0 }, 1.0);
        }
        if log {
            (lo / 1.5, hi * 1.5)
        } else {
            let pad = ((hi - lo) * 0.05).max(1e-9);
            (lo - pad, hi + pad)
        }
    }
}

impl Figure for LineChart {
    fn size(&self) -> (u32, u32) {
        (1100, 650)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (x0, x1) = self.range(|p| p.0, self.log_x);
        let (y0, y1) = self.range(|p| p.1, self.log_y);
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(&self.title, text(26))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(85);
        // Four combinations of linear/log axes give four chart types; one macro draws them all.
        macro_rules! body {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(self.x_label.as_str())
                    .y_desc(self.y_label.as_str())
                    .label_style(text(16))
                    .axis_desc_style(text(18))
                    .draw()?;
                for (i, s) in self.series.iter().enumerate() {
                    let color = PALETTE[i % PALETTE.len()];
                    let pts: Vec<(f64, f64)> = s
                        .points
                        .iter()
                        .copied()
                        .filter(|p| p.0.is_finite() && p.1.is_finite())
                        .filter(|p| (!self.log_x || p.0 > 0.0) && (!self.log_y || p.1 > 0.0))
                        .collect();
                    chart
                        .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
                        .label(s.label.as_str())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                        });
                    if pts.len() <= 60 {
                        chart
                            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
                    }
                }
                if self.series.len() > 1 || !self.series.first().is_some_and(|s| s.label.is_empty())
                {
                    chart
                        .configure_series_labels()
                        .label_font(text(16))
                        .background_style(WHITE.mix(0.85))
                        .border_style(BLACK)
                        .draw()?;
                }
            }};
        }
        match (self.log_x, self.log_y) {
            (false, false) => body!(builder.build_cartesian_2d(x0..x1, y0..y1)?),
            (true, false) => body!(builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1)?),
            (false, true) => body!(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())?),
            (true, true) => {
                body!(builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?)
            }
        }
        Ok(())
    }
}
