//! Family 2: keep 4 % of the real degrees of freedom with PGBZ (plus the least-squares re-fit),
//! the STFT baseline and the DWT, and compare.
//!
//! ```text
//! cargo run --release --example compress -- [FILE]
//! ```
//!
//! Without FILE, the bundled 4 s folk clip.

use sparsewave::{compress, load, CompressMethod, CompressParams, Keep};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/folk_4s.wav").into());
    let input = load(path.as_ref())?;
    println!("{path}: 4 % of the real degrees of freedom kept");
    for method in [
        CompressMethod::Pgbz,
        CompressMethod::Stft,
        CompressMethod::Dwt,
    ] {
        let params = CompressParams {
            method,
            keep: Keep::Fraction(0.04),
            ..CompressParams::default()
        };
        let result = compress(&input, &params, false)?;
        let refit = result.refit.map_or(String::new(), |r| {
            format!(" (least-squares re-fit: {:+.2} dB)", r.gain_db)
        });
        println!(
            "  {method:<5} kept {:>7} real values, SNR {:6.2} dB{refit}",
            result.kept.real_values, result.report.metrics.snr_db
        );
    }
    Ok(())
}
