//! STFT: perfect reconstruction and parity with librosa (golden magnitudes).

use sparsewave::transform::stft::{PadMode, Stft, StftConfig};
use sparsewave::transform::window::WindowKind;

fn test_signal(len: usize) -> Vec<f64> {
    // A deterministic, broadband, non-periodic signal.
    (0..len)
        .map(|n| {
            let t = n as f64;
            (0.013 * t * t / len as f64).sin()
                + 0.3 * (0.7 * t).cos()
                + 0.1 * ((n * 7919) % 101) as f64 / 101.0
        })
        .collect()
}

fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    let den: f64 = a.iter().map(|x| x * x).sum();
    (num / den).sqrt()
}

#[test]
fn perfect_reconstruction_for_windows_hops_and_odd_lengths() {
    let kinds = [
        WindowKind::Hann,
        WindowKind::Hamming,
        WindowKind::BlackmanHarris,
        WindowKind::Gaussian {
            std_fraction: 0.125,
        },
    ];
    for kind in kinds {
        for (n_fft, win, hop) in [
            (512, 512, 128),
            (256, 200, 50),
            (255, 255, 64),
            (64, 33, 1),
            (1024, 1024, 700),
            // The inverse overlap-adds blocks of 64 frames: here a sample is covered by frames
            // of three and four consecutive blocks (n_fft − hop > 64·hop).
            (256, 256, 2),
            (512, 300, 3),
        ] {
            for len in [1, 7, 1001, 4097] {
                for pad_mode in [PadMode::Zero, PadMode::Reflect] {
                    let x = test_signal(len);
                    let stft =
                        Stft::new(StftConfig::centered(n_fft, hop, win, kind, pad_mode).unwrap())
                            .unwrap();
                    let spec = stft.forward(&x).unwrap();
                    let y = stft.inverse(&spec, len).unwrap();
                    assert_eq!(y.len(), len);
                    let e = rel_err(&x, &y);
                    assert!(
                        e < 1e-12,
                        "{kind} n_fft {n_fft} win {win} hop {hop} len {len}: {e:e}"
                    );
                }
            }
        }
    }
}

#[test]
fn paper_baseline_reconstructs_and_has_constant_window_product() {
    let x = test_signal(10_007);
    let stft = Stft::new(StftConfig::paper_baseline(1024).unwrap()).unwrap();
    let spec = stft.forward(&x).unwrap();
    assert_eq!(spec.bins, 513);
    let y = stft.inverse(&spec, x.len()).unwrap();
    assert!(rel_err(&x, &y) < 1e-12);
    // Σ_k a[n + k·hop]·s[n + k·hop] is the same for every n (exact COLA of the product).
    let cfg = stft.config();
    let s = cfg.synthesis.as_ref().unwrap();
    let sums: Vec<f64> = (0..cfg.hop)
        .map(|n| {
            (0..8)
                .map(|k| cfg.window[n + k * cfg.hop] * s[n + k * cfg.hop])
                .sum()
        })
        .collect();
    for v in &sums {
        assert!((v - sums[0]).abs() < 1e-12 * sums[0]);
    }
    assert!(StftConfig::paper_baseline(1001).is_err());
}

#[test]
fn frame_count_matches_librosa() {
    let stft =
        Stft::new(StftConfig::centered(2048, 512, 2048, WindowKind::Hann, PadMode::Zero).unwrap())
            .unwrap();
    for len in [2048, 44100, 100_000] {
        assert_eq!(stft.frame_count(len), 1 + len / 512);
    }
}

#[test]
fn magnitudes_equal_librosa_on_a_real_clip() {
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("data/stft_golden.json")).unwrap();
    // The signal: 4096 samples of the bundled clip from 2.0 s (folk_10s from 5.0 s).
    let audio =
        sparsewave::audio::decode_file(std::path::Path::new("tests/data/folk_4s.wav")).unwrap();
    let x = &audio.channels[0][88_200..88_200 + 4096];
    for case in golden["cases"].as_array().unwrap() {
        let n_fft = case["n_fft"].as_u64().unwrap() as usize;
        let hop = case["hop"].as_u64().unwrap() as usize;
        let win = case["win_length"].as_u64().unwrap() as usize;
        let kind: WindowKind = case["window"].as_str().unwrap().parse().unwrap();
        let pad_mode = match case["pad_mode"].as_str().unwrap() {
            "constant" => PadMode::Zero,
            _ => PadMode::Reflect,
        };
        let stft =
            Stft::new(StftConfig::centered(n_fft, hop, win, kind, pad_mode).unwrap()).unwrap();
        let spec = stft.forward(x).unwrap();
        assert_eq!(spec.frames, case["frames"].as_u64().unwrap() as usize);
        assert_eq!(spec.bins, case["bins"].as_u64().unwrap() as usize);
        let want: Vec<f64> = case["magnitude"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let got = spec.magnitude();
        let scale = want.iter().fold(0.0_f64, |m, v| m.max(*v));
        let worst = got
            .iter()
            .zip(&want)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst <= 1e-9 * scale.max(1.0),
            "{n_fft}/{hop}: max deviation {worst:e}"
        );
    }
}

#[test]
fn bad_parameters_are_errors() {
    assert!(StftConfig::centered(256, 64, 512, WindowKind::Hann, PadMode::Zero).is_err());
    let cfg = StftConfig::centered(256, 0, 256, WindowKind::Hann, PadMode::Zero).unwrap();
    assert!(Stft::new(cfg).is_err());
}

#[test]
fn a_hop_longer_than_the_window_is_refused() {
    // 1024-sample window, hop 1025: every 1025th sample would be seen by no frame.
    let cfg = StftConfig::centered(1024, 1025, 1024, WindowKind::Hann, PadMode::Zero).unwrap();
    let e = Stft::new(cfg).err().expect("hop 1025 refused").to_string();
    assert!(e.starts_with("invalid hop:") && e.contains("window"), "{e}");
    let ok = StftConfig::centered(1024, 1024, 1024, WindowKind::Hann, PadMode::Zero).unwrap();
    assert!(Stft::new(ok).is_ok());
}

#[test]
fn forward_into_a_caller_buffer_equals_forward() {
    let stft =
        Stft::new(StftConfig::centered(512, 128, 400, WindowKind::Hann, PadMode::Reflect).unwrap())
            .unwrap();
    let x = test_signal(5000);
    let whole = stft.forward(&x).unwrap();
    // All frames, then a block in the middle, into buffers the caller made.
    let mut out = vec![Default::default(); whole.frames * whole.bins];
    stft.forward_frames_into(&x, 0..whole.frames, &mut out)
        .unwrap();
    assert_eq!(out, whole.data);
    let mut block = vec![Default::default(); 7 * whole.bins];
    stft.forward_frames_into(&x, 10..17, &mut block).unwrap();
    assert_eq!(block[..], whole.data[10 * whole.bins..17 * whole.bins]);
    // A buffer of the wrong size is an error naming it, and nothing is written.
    let mut short = vec![Default::default(); whole.bins];
    let err = stft.forward_frames_into(&x, 0..2, &mut short).unwrap_err();
    assert!(err.to_string().starts_with("invalid output:"), "{err}");
}
