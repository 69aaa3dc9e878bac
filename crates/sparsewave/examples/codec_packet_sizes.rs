//! Measures what a wavelet-packet best basis would save on `.swz` DWT payloads, with the
//! codec's own payload coder (context models, rate–distortion optimized quantizer), before
//! the format carries packet trees (issue 15).
//!
//! For each WAV and SNR target: the channels as the encoder stores them (mid/side when it
//! would), the sym16 periodized transform at the codec's default depth, both as the dyadic
//! tree and as the best basis for an additive cost, each coded as the codec codes them (format
//! version 5: bands scanned by frequency); the
//! largest relative step whose decoded SNR reaches the target is found by bisection (16
//! halvings of the log₂ step bracket), the payload bytes (+ the tree bits) are printed.
//!
//! ```sh
//! cargo run --release -p sparsewave --example codec_packet_sizes -- 20,30 clip1.wav clip2.wav
//! ```
//!
//! Costs of the best basis (per coefficient c of a node, at the dyadic tree's step Δ at the
//! target and its share p of non-zero values): `bits` = log₂(|c|/Δ) + 2 − log₂ p when
//! |c| ≥ Δ, else −log₂(1 − p); `l1` = |c|.

use sparsewave::audio::{decode_file, Audio};
use sparsewave::codec::sparse::{dequantize, encode_rdo, Layout, RDO_LAMBDA};
use sparsewave::codec::{channel_coding, ChannelCoding};
use sparsewave::metrics::joint_snr_db;
use sparsewave::transform::wavelet::{dwt_max_level, Wavelet, DEFAULT_LEVEL_CAP};
use sparsewave::transform::wavelet_packet::{analyze, best_basis, synthesize, PacketTree};
use std::path::Path;

/// One coded version of the channels under per-channel trees at relative step `step`:
/// (payload bytes, decoded channels, non-zero share).
fn code(
    channels: &[Vec<f64>],
    trees: &[PacketTree],
    w: Wavelet,
    depth: usize,
    step: f64,
) -> (usize, Vec<Vec<f64>>, f64) {
    let (mut bytes, mut nonzero, mut total) = (0, 0, 0);
    let mut out = Vec::new();
    for (x, tree) in channels.iter().zip(trees) {
        let leaves = analyze(tree, w, depth, x).unwrap();
        let lens: Vec<usize> = leaves.iter().map(Vec::len).collect();
        let slots: Vec<f64> = leaves.concat();
        let layout = Layout::Bands {
            lens: lens.clone(),
            order: tree.leaves_by_frequency(w, depth, x.len()),
        };
        let all: Vec<u32> = (0..slots.len() as u32).collect();
        let (q, payload) = encode_rdo(&layout, &slots, &all, step, RDO_LAMBDA, None).unwrap();
        bytes += payload.len() + tree.bits().len().div_ceil(8);
        nonzero += q.iter().filter(|&&v| v != 0).count();
        total += q.len();
        let deq = dequantize(&q, step);
        let mut at = 0;
        let rebuilt: Vec<Vec<f64>> = lens
            .iter()
            .map(|&n| {
                at += n;
                deq[at - n..at].to_vec()
            })
            .collect();
        out.push(synthesize(tree, w, depth, rebuilt, x.len()).unwrap());
    }
    (bytes, out, nonzero as f64 / total.max(1) as f64)
}

/// The largest absolute step reaching `db` (bisection on log₂), with its bytes and share.
fn at_target(
    channels: &[Vec<f64>],
    trees: &[PacketTree],
    w: Wavelet,
    depth: usize,
    db: f64,
    rms: f64,
) -> (f64, usize, f64) {
    let (mut lo, mut hi) = (-14.0f64, 4.0f64);
    let mut best = None;
    for _ in 0..16 {
        let mid = 0.5 * (lo + hi);
        let step = mid.exp2() * rms;
        let (bytes, y, share) = code(channels, trees, w, depth, step);
        if joint_snr_db(channels, &y) >= db {
            best = Some((step, bytes, share));
            lo = mid;
        } else {
            hi = mid;
        }
    }
    best.expect("a fine enough step reaches the target")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let targets: Vec<f64> = args[0].split(',').map(|t| t.parse().unwrap()).collect();
    let w: Wavelet = "sym16".parse().unwrap();
    println!("| file | target dB | dyadic bytes | best basis (bits) bytes | change | best basis (l1) bytes | change | leaves |");
    println!("|---|---|---|---|---|---|---|---|");
    for path in &args[1..] {
        let audio: Audio = decode_file(Path::new(path)).unwrap();
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let channels: Vec<Vec<f64>> = match (channel_coding(&audio), audio.channels.as_slice()) {
            (ChannelCoding::MidSide, [l, r]) => vec![
                l.iter().zip(r).map(|(a, b)| (a + b) * h).collect(),
                l.iter().zip(r).map(|(a, b)| (a - b) * h).collect(),
            ],
            _ => audio.channels.clone(),
        };
        let len = audio.frames();
        let depth = dwt_max_level(len, w.filter_len()).min(DEFAULT_LEVEL_CAP);
        let count = (len * channels.len()) as f64;
        let rms = (channels.iter().flatten().map(|v| v * v).sum::<f64>() / count).sqrt();
        let dyadic = vec![PacketTree::dyadic(w, depth, len); channels.len()];
        for &db in &targets {
            let (step, dy_bytes, share) = at_target(&channels, &dyadic, w, depth, db, rms);
            let p = share.clamp(1e-6, 0.5);
            let bits = move |c: &[f64]| -> f64 {
                c.iter()
                    .map(|v| {
                        if v.abs() >= step {
                            (v.abs() / step).log2() + 2.0 - p.log2()
                        } else {
                            -(1.0 - p).log2()
                        }
                    })
                    .sum()
            };
            let l1 = |c: &[f64]| -> f64 { c.iter().map(|v| v.abs()).sum() };
            // One best tree per channel under `cost`.
            let trees = |cost: &dyn Fn(&[f64]) -> f64| -> Vec<PacketTree> {
                channels
                    .iter()
                    .map(|x| {
                        best_basis(w, depth, std::slice::from_ref(x), &cost)
                            .unwrap()
                            .0
                    })
                    .collect()
            };
            let (trees_bits, trees_l1) = (trees(&bits), trees(&l1));
            let (_, b_bytes, _) = at_target(&channels, &trees_bits, w, depth, db, rms);
            let (_, l_bytes, _) = at_target(&channels, &trees_l1, w, depth, db, rms);
            let leaves: usize = trees_bits
                .iter()
                .map(|t| t.leaf_lens(w, depth, len).len())
                .sum();
            let change = |b: usize| 100.0 * (b as f64 / dy_bytes as f64 - 1.0);
            println!(
                "| {} | {db} | {dy_bytes} | {b_bytes} | {:+.1} % | {l_bytes} | {:+.1} % | {leaves} |",
                Path::new(path).file_name().unwrap().to_string_lossy(),
                change(b_bytes),
                change(l_bytes)
            );
        }
    }
}
