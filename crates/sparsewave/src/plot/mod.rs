//! Figures as PNG (default) or SVG (when the file name ends in `.svg`).
//!
//! Text is drawn with the bundled DejaVu Sans through ab_glyph, so no system font library is
//! needed. Every figure implements [`Figure`]; [`save`] picks the backend from the extension and
//! writes atomically (render to a temporary file in the destination folder, then rename).

mod chart;
pub mod report;
mod spectrogram;
mod waveform;

pub use chart::{LineChart, Series};
pub use spectrogram::SpectrogramImage;
pub use waveform::WaveformComparison;

use crate::audio::output::Staged;
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// The font family name figures use.
pub(crate) const FONT: &str = "sans-serif";

static REGISTER_FONT: Once = Once::new();

fn ensure_font() {
    REGISTER_FONT.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        // The font is compiled in and known to be valid.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, bytes);
    });
}

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// Size in pixels.
    fn size(&self) -> (u32, u32) {
        (1200, 700)
    }

    /// Draw on `area` (already cleared to white).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// What drawing on backend `DB` returns.
pub type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Any figure the library draws: what a job's figure set holds, so that the command line, a web
/// server or the Python package render the same figures.
#[derive(Clone, Debug)]
pub enum Plot {
    /// Curves (error against rank, SNR against kept coefficients, rate–distortion, …).
    Chart(LineChart),
    /// A magnitude image (spectrogram, coefficient map).
    Spectrogram(SpectrogramImage),
    /// Reference against estimate with the error curves and a zoom.
    Waveform(WaveformComparison),
}

impl Figure for Plot {
    fn size(&self) -> (u32, u32) {
        match self {
            Plot::Chart(f) => f.size(),
            Plot::Spectrogram(f) => f.size(),
            Plot::Waveform(f) => f.size(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        match self {
            Plot::Chart(f) => f.draw(area),
            Plot::Spectrogram(f) => f.draw(area),
            Plot::Waveform(f) => f.draw(area),
        }
    }
}

impl From<LineChart> for Plot {
    fn from(f: LineChart) -> Self {
        Plot::Chart(f)
    }
}

impl From<SpectrogramImage> for Plot {
    fn from(f: SpectrogramImage) -> Self {
        Plot::Spectrogram(f)
    }
}

impl From<WaveformComparison> for Plot {
    fn from(f: WaveformComparison) -> Self {
        Plot::Waveform(f)
    }
}

/// A figure and the name it is saved under (`<stem>_<name>.png`).
#[derive(Clone, Debug)]
pub struct NamedPlot {
    /// Short file-name part (`input_spectrogram`, `singular_values`).
    pub name: String,
    /// The figure.
    pub plot: Plot,
}

impl NamedPlot {
    /// `plot` under `name`.
    pub fn new(name: impl Into<String>, plot: impl Into<Plot>) -> Self {
        NamedPlot {
            name: name.into(),
            plot: plot.into(),
        }
    }
}

/// Render every plot into `dir` (created if needed) as `<stem>_<name>.png`, all or nothing;
/// returns the paths in order.
pub fn save_all(dir: &Path, stem: &str, plots: &[NamedPlot]) -> Result<Vec<std::path::PathBuf>> {
    let mut staged = Staged::default();
    let paths = stage_all(&mut staged, dir, stem, plots)?;
    staged.commit()?;
    Ok(paths)
}

/// [`save_all`] as part of a larger set of outputs written all or nothing ([`Staged`]).
pub fn stage_all(
    staged: &mut Staged,
    dir: &Path,
    stem: &str,
    plots: &[NamedPlot],
) -> Result<Vec<std::path::PathBuf>> {
    staged.create_dir(dir)?;
    plots
        .iter()
        .map(|p| {
            let path = dir.join(format!("{stem}_{}.png", p.name));
            stage(staged, &path, &p.plot)?;
            Ok(path)
        })
        .collect()
}

/// Render `fig` to `path`: SVG when the extension is `svg`, PNG otherwise.
pub fn save(path: &Path, fig: &impl Figure) -> Result<()> {
    let mut staged = Staged::default();
    stage(&mut staged, path, fig)?;
    staged.commit()
}

/// [`save`] as one output of several written all or nothing ([`Staged`]).
pub fn stage(staged: &mut Staged, path: &Path, fig: &impl Figure) -> Result<()> {
    ensure_font();
    let size = fig.size();
    let draw_err = |e: String| Error::bad_input(path, format!("cannot draw figure: {e}"));
    let is_svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if is_svg {
        let mut svg = String::new();
        {
            let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
            area.fill(&WHITE).map_err(|e| draw_err(e.to_string()))?;
            fig.draw(&area).map_err(|e| draw_err(e.to_string()))?;
            area.present().map_err(|e| draw_err(e.to_string()))?;
        }
        staged.add(path, svg.as_bytes())
    } else {
        let (w, h) = size;
        let mut rgb = vec![0u8; (w * h * 3) as usize];
        {
            let area = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
            area.fill(&WHITE).map_err(|e| draw_err(e.to_string()))?;
            fig.draw(&area).map_err(|e| draw_err(e.to_string()))?;
            area.present().map_err(|e| draw_err(e.to_string()))?;
        }
        staged.add_with(path, |out| encode_png(out, w, h, &rgb))
    }
}

/// Encode an RGB8 buffer as PNG.
fn encode_png(out: &mut impl std::io::Write, w: u32, h: u32, rgb: &[u8]) -> std::io::Result<()> {
    use image::ImageEncoder;
    image::codecs::png::PngEncoder::new(out)
        .write_image(rgb, w, h, image::ColorType::Rgb8)
        .map_err(std::io::Error::other)
}

/// A text style in the bundled font.
pub(crate) fn text(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}
