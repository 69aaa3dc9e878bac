//! Family 3: add white noise at a chosen SNR, then run every denoiser of the WSVD paper's
//! comparison and rank them by SNR against the clean recording.
//!
//! ```text
//! cargo run --release --example denoise -- [FILE] [SNR_DB]
//! ```
//!
//! Without FILE, the bundled 4 s folk clip; the default input SNR is 10 dB.

use sparsewave::{denoise_bench, load, BenchParams, NoiseModel};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/folk_4s.wav").into());
    let snr: f64 = args.next().map_or(Ok(10.0), |s| s.parse())?;
    let clean = load(path.as_ref())?;
    let params = BenchParams {
        snrs: vec![snr],
        noise: NoiseModel::Awgn,
        seed: 0,
        max_seconds: None,
    };
    let bench = denoise_bench(&clean, &params)?;
    let mut rows = bench.levels[0].rows.clone();
    rows.sort_by(|a, b| b.snr_db.total_cmp(&a.snr_db));
    println!("{path} with white noise at {snr} dB; SNR against the clean recording:");
    for r in rows {
        println!("  {:>7.2} dB  {}", r.snr_db, r.method);
    }
    Ok(())
}
