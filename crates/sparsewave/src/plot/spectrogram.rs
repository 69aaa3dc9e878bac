//! Spectrogram images in dB with a colorbar.

use super::{text, DrawResult, Figure};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

/// A magnitude spectrogram (time-major, `frames × bins`) drawn as
/// 20 log10(|X| / max|X|) dB over `range_db` dB, with frequency on a linear or log axis.
#[derive(Clone, Debug)]
pub struct SpectrogramImage {
    /// Title above the image.
    pub title: String,
    /// |X|, time-major: `magnitude[t * bins + k]`.
    pub magnitude: Vec<f64>,
    /// Number of frames (image columns).
    pub frames: usize,
    /// Number of frequency bins from 0 to Nyquist (image rows).
    pub bins: usize,
    /// Sample rate in Hz, for the frequency axis.
    pub sample_rate: u32,
    /// Seconds between frames.
    pub frame_step: f64,
    /// Logarithmic frequency axis.
    pub log_freq: bool,
    /// Dynamic range shown, dB below the peak (or below `reference` when set).
    pub range_db: f64,
    /// Value that maps to 0 dB; the image's own peak when `None` (set it to compare images).
    pub reference: Option<f64>,
}

impl SpectrogramImage {
    fn db(&self, t: usize, k: usize, peak: f64) -> f64 {
        let m = self.magnitude[t * self.bins + k];
        (20.0 * (m / peak).max(1e-12).log10()).max(-self.range_db)
    }
}

impl Figure for SpectrogramImage {
    fn size(&self) -> (u32, u32) {
        (1200, 600)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let peak = self
            .reference
            .unwrap_or_else(|| self.magnitude.iter().fold(0.0_f64, |m, v| m.max(*v)))
            .max(f64::MIN_POSITIVE);
        let nyquist = f64::from(self.sample_rate) / 2.0;
        let seconds = self.frames as f64 * self.frame_step;
        let bin_hz = nyquist / (self.bins - 1).max(1) as f64;
        let (main, bar) = area.split_horizontally(1060);
        let f_lo = if self.log_freq { bin_hz.max(20.0) } else { 0.0 };
        let mut builder = ChartBuilder::on(&main);
        builder
            .caption(&self.title, text(24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80);
        macro_rules! body {
            ($chart:expr, $to_hz:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .disable_mesh()
                    .x_desc("time (s)")
                    .y_desc("frequency (Hz)")
                    .label_style(text(16))
                    .axis_desc_style(text(18))
                    .draw()?;
                // Fill the plotting area pixel by pixel (blocks of 2 px keep SVGs reasonable).
                let plot = chart.plotting_area().strip_coord_spec();
                let (xr, yr) = plot.get_pixel_range();
                let (w, h) = ((xr.end - xr.start) as usize, (yr.end - yr.start) as usize);
                let step = 2;
                for py in (0..h).step_by(step) {
                    let frac = 1.0 - (py as f64 + 0.5) / h as f64;
                    let hz: f64 = $to_hz(frac);
                    let k = ((hz / bin_hz).round() as usize).min(self.bins - 1);
                    for px in (0..w).step_by(step) {
                        let t = (((px as f64 + 0.5) / w as f64) * self.frames as f64) as usize;
                        let db = self.db(t.min(self.frames - 1), k, peak);
                        let c =
                            ViridisRGB::get_color_normalized(db as f32, -self.range_db as f32, 0.0);
                        plot.draw(&Rectangle::new(
                            [
                                (px as i32, py as i32),
                                ((px + step) as i32, (py + step) as i32),
                            ],
                            c.filled(),
                        ))?;
                    }
                }
            }};
        }
        if self.log_freq {
            let (a, b) = (f_lo.ln(), nyquist.ln());
            body!(
                builder.build_cartesian_2d(0.0..seconds, (f_lo..nyquist).log_scale())?,
                |frac: f64| (a + frac * (b - a)).exp()
            );
        } else {
            body!(
                builder.build_cartesian_2d(0.0..seconds, 0.0..nyquist)?,
                |frac: f64| frac * nyquist
            );
        }
        // Colorbar.
        let mut cb = ChartBuilder::on(&bar)
            .margin_top(55)
            .margin_bottom(65)
            .margin_right(10)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..1.0, -self.range_db..0.0)?;
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc("dB")
            .label_style(text(14))
            .axis_desc_style(text(16))
            .draw()?;
        let n = 120;
        cb.draw_series((0..n).map(|i| {
            let lo = -self.range_db + self.range_db * i as f64 / n as f64;
            let hi = lo + self.range_db / n as f64;
            let c = ViridisRGB::get_color_normalized(lo as f32, -self.range_db as f32, 0.0);
            Rectangle::new([(0.0, lo), (1.0, hi)], c.filled())
        }))?;
        Ok(())
    }
}
