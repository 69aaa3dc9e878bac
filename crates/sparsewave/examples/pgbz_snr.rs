//! SNR of PGBZ at a fixed fraction of real numbers kept, plain and with the CGLS re-fit.
//!
//! ```text
//! cargo run --release --example pgbz_snr -- [--keep 0.04] [--iterations 30] FILE.wav...
//! ```
//!
//! Reads 16-bit WAV files (channel 0 of multichannel files), keeps the largest coefficients
//! under the fair budget `round(keep · L0)`, and prints one Markdown table row per file.

use std::time::Instant;

use sparsewave::compress::refit::{refit, PgbzFrame, RefitOptions};
use sparsewave::compress::sparsify::{apply_mask, select, Keep};
use sparsewave::transform::zak::Pgbz;

fn channel0(path: &str) -> Result<(Vec<f64>, u32), Box<dyn std::error::Error>> {
    let mut reader = hound::WavReader::open(path)?;
    let spec = reader.spec();
    if spec.bits_per_sample != 16 || spec.sample_format != hound::SampleFormat::Int {
        return Err(format!("{path}: expected 16-bit integer PCM").into());
    }
    let channels = usize::from(spec.channels);
    let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>()?;
    let x = samples
        .iter()
        .step_by(channels)
        .map(|&s| f64::from(s) / 32768.0)
        .collect();
    Ok((x, spec.sample_rate))
}

fn snr_db(x: &[f64], y: &[f64]) -> f64 {
    let signal: f64 = x.iter().map(|v| v * v).sum();
    let error: f64 = x.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum();
    10.0 * (signal / error).log10()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut keep = 0.04;
    let mut iterations = 30;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--keep" => keep = args.next().ok_or("--keep needs a value")?.parse()?,
            "--iterations" => {
                iterations = args.next().ok_or("--iterations needs a value")?.parse()?
            }
            _ => files.push(arg),
        }
    }
    println!(
        "| file | samples | lattice | kept reals | SNR plain (dB) | SNR + LS (dB) | gain (dB) | CGLS iterations | analysis+synthesis (s) | re-fit (s) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for path in &files {
        let (x, _rate) = channel0(path)?;
        let start = Instant::now();
        let plan = Pgbz::new(x.len())?;
        let mut scratch = plan.make_scratch();
        let mut coefs = plan.make_coefficients();
        plan.analyze(&x, &mut coefs, &mut scratch)?;
        let magnitudes: Vec<f64> = coefs.iter().map(|c| c.norm()).collect();
        let selection = select(&magnitudes, &plan.costs(), Keep::Fraction(keep), x.len())?;
        apply_mask(&mut coefs, &selection.mask)?;
        let mut y = plan.make_signal();
        plan.synthesize(&coefs, &mut y, &mut scratch)?;
        let transform_time = start.elapsed().as_secs_f64();
        let plain = snr_db(&x, &y[..x.len()]);

        let start = Instant::now();
        let options = RefitOptions {
            max_iterations: iterations,
            tolerance: 0.0,
        };
        let report = refit(
            &mut PgbzFrame::new(&plan, &mut scratch),
            &x,
            &selection.mask,
            &mut coefs,
            &mut y,
            &options,
        )?;
        let refit_time = start.elapsed().as_secs_f64();
        let (m, n) = plan.lattice();
        let name = std::path::Path::new(path)
            .file_name()
            .map_or(path.clone(), |f| f.to_string_lossy().into_owned());
        println!(
            "| {name} | {} | {m}x{n} | {} | {plain:.2} | {:.2} | {:+.2} | {} | {transform_time:.2} | {refit_time:.2} |",
            x.len(),
            selection.kept_reals,
            report.snr_after_db,
            report.snr_after_db - plain,
            report.iterations,
        );
    }
    Ok(())
}
