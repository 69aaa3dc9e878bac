//! The benchmarks' input: the WAV file named by `SPARSEWAVE_BENCH_AUDIO` (first channel), or a
//! deterministic 60 s, 44.1 kHz music-like signal (harmonic tones with vibrato plus noise).

#![allow(dead_code)]

pub const RATE: usize = 44_100;

pub fn bench_signal(seconds: f64) -> Vec<f64> {
    let n = (seconds * RATE as f64) as usize;
    if let Ok(path) = std::env::var("SPARSEWAVE_BENCH_AUDIO") {
        let a = sparsewave::audio::decode_file(std::path::Path::new(&path)).expect("bench audio");
        let mut x = a.channels[0].clone();
        x.truncate(n);
        return x;
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|i| {
            let t = i as f64 / RATE as f64;
            let f0 = 220.0 * (1.0 + 0.01 * (2.0 * std::f64::consts::PI * 5.0 * t).sin());
            let tone: f64 = (1..8)
                .map(|h| (2.0 * std::f64::consts::PI * f0 * h as f64 * t).sin() / h as f64)
                .sum();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            0.2 * tone * (1.0 + 0.5 * (t * 0.7).sin()) + 0.01 * noise
        })
        .collect()
}
