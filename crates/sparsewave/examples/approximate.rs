//! Family 1: rank-k approximation of the magnitude spectrogram, with the error-vs-rank curve.
//!
//! ```text
//! cargo run --release --example approximate -- [FILE] [RANK]
//! ```
//!
//! Without FILE, the bundled 4 s folk clip. Writes `approx_k<RANK>.wav` in the current folder.

use sparsewave::{approx, load, write_wav, ApproxParams, RankRule};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/folk_4s.wav").into());
    let rank: usize = args.next().map_or(Ok(20), |r| r.parse())?;
    let input = load(path.as_ref())?;
    let params = ApproxParams {
        rank: RankRule::Fixed(rank),
        sweep_ranks: Some(vec![1, 5, 10, 20, 50, 100]),
        ..ApproxParams::default()
    };
    let result = approx(&input, &params)?;
    let out = format!("approx_k{rank}.wav");
    write_wav(out.as_ref(), &result.audio, None)?;
    let (bins, frames) = result.shape;
    println!("{path}: rank {rank} of a {bins}×{frames} magnitude spectrogram → {out}");
    println!("  SNR {:.2} dB", result.report.metrics.snr_db);
    println!("  rank  SNR (dB)  ‖A − A_k‖/‖A‖  Eckart–Young optimum");
    for p in result.rank_sweep.iter().flatten() {
        println!(
            "  {:>4}  {:>8.2}  {:>13.5}  {:>20.5}",
            p.rank, p.snr_db, p.frobenius_rel_error, p.eckart_young_rel_error
        );
    }
    Ok(())
}
