//! The `.swz` codec: bit-exact round trips for every method and input kind, a decoder that
//! refuses every damaged file (every byte flipped, every truncation, crafted headers with valid
//! CRCs), rate control that meets its targets, and the encode/decode/info CLI.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sparsewave::approx::interp::InterpMethod;
use sparsewave::audio::{decode_file, Audio};
use sparsewave::codec::container::{FIXED_HEADER, MAGIC};
use sparsewave::codec::{
    self, decode, encode, DwtParams, InterpParams, Limits, Method, PgbzParams, StftParams,
    SvdParams, SvdPhase, Target,
};
use sparsewave::transform::stft::PadMode;
use sparsewave::transform::window::WindowKind;
use std::path::Path;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Tones, a chirp and noise: `channels` different signals of `len` samples.
fn synthetic(rate: u32, channels: usize, len: usize, seed: u64) -> Audio {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let fs = f64::from(rate);
    let chans = (0..channels)
        .map(|c| {
            (0..len)
                .map(|n| {
                    let t = n as f64 / fs;
                    0.3 * (2.0 * std::f64::consts::PI * (220.0 * (c + 1) as f64) * t).sin()
                        + 0.2 * (2.0 * std::f64::consts::PI * (50.0 + 900.0 * t) * t).sin()
                        + 0.02 * rng.random_range(-1.0..1.0)
                })
                .collect()
        })
        .collect();
    Audio::from_channels(rate, chans)
}

fn stft_params(n_fft: usize, hop: usize) -> StftParams {
    StftParams {
        n_fft,
        hop,
        win_length: n_fft,
        window: WindowKind::Hann,
        pad: PadMode::Zero,
    }
}

fn methods() -> Vec<Method> {
    vec![
        Method::Dwt(DwtParams {
            wavelet: "db4".parse().unwrap(),
            mode: "periodization".parse().unwrap(),
            level: None,
        }),
        Method::Dwt(DwtParams {
            wavelet: "sym5".parse().unwrap(),
            mode: "symmetric".parse().unwrap(),
            level: Some(4),
        }),
        Method::Stft(stft_params(256, 128)),
        Method::Stft(stft_params(255, 64)),
        Method::Pgbz(PgbzParams {
            lattice: None,
            refit: 0,
        }),
        Method::Pgbz(PgbzParams {
            lattice: Some((45, 101)),
            refit: 10,
        }),
        Method::Svd(SvdParams {
            stft: stft_params(256, 64),
            rank: 6,
            phase: SvdPhase::Quantized { bits: 5 },
        }),
        Method::Svd(SvdParams {
            stft: stft_params(256, 64),
            rank: 4,
            phase: SvdPhase::GriffinLim { iters: 4, seed: 7 },
        }),
        Method::Interp(InterpParams {
            factor: 3,
            method: InterpMethod::Cubic,
        }),
        Method::Interp(InterpParams {
            factor: 2,
            method: InterpMethod::Lagrange(3),
        }),
    ]
}

fn fixed(keep: f64, step: f64) -> Target {
    Target::Fixed {
        keep: Some(keep),
        step: Some(step),
    }
}

fn same_bits(a: &[Vec<f64>], b: &[Vec<f64>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len() && x.iter().zip(y).all(|(u, v)| u.to_bits() == v.to_bits())
        })
}

/// decode(encode(x)) is the encoder's own reconstruction, bit for bit, with the header facts.
fn check_round_trip(audio: &Audio, method: &Method, target: Target) -> codec::Encoded {
    let enc = encode(audio, method, target).unwrap();
    let dec = decode(&enc.bytes, Limits::default()).unwrap();
    assert!(
        same_bits(&dec.channels, &enc.decoded.channels),
        "{method:?}: decoder output differs from the encoder's reconstruction"
    );
    assert_eq!(dec.sample_rate, audio.sample_rate);
    assert_eq!(dec.format, audio.format);
    assert_eq!(dec.channel_count(), audio.channel_count());
    assert_eq!(dec.frames(), audio.frames());
    enc
}

#[test]
fn every_method_round_trips_bit_exactly_mono_and_stereo_odd_lengths_several_rates() {
    for (i, method) in methods().iter().enumerate() {
        for (rate, channels, len) in [(8000, 1, 3001), (44_100, 2, 4410), (48_000, 3, 2999)] {
            let audio = synthetic(rate, channels, len, i as u64);
            let enc = check_round_trip(&audio, method, fixed(0.3, 0.05));
            let snr = codec::snr_all(&audio, &enc.decoded.channels);
            // Griffin–Lim rebuilds a magnitude, not the waveform: no SNR to expect.
            let gl =
                matches!(method, Method::Svd(p) if matches!(p.phase, SvdPhase::GriffinLim { .. }));
            assert!(gl || snr > 5.0, "{method:?} at {rate} Hz: SNR {snr:.1} dB");
        }
    }
}

/// Critically sampled methods keep everything at --keep 100 % (the STFT is redundant: a fair
/// budget of L real numbers holds only part of its coefficients).
#[test]
fn fine_quantization_keeping_everything_is_nearly_transparent() {
    let audio = synthetic(16_000, 1, 5000, 1);
    for method in [&methods()[0], &methods()[1], &methods()[4], &methods()[9]] {
        let enc = check_round_trip(&audio, method, fixed(1.0, 1e-4));
        let snr = codec::snr_all(&audio, &enc.decoded.channels);
        // PGBZ's synthesis amplifies coefficient errors by up to its condition number.
        assert!(snr > 60.0, "{method:?}: SNR {snr:.1} dB");
    }
}

#[test]
fn fair_budget_is_respected() {
    let audio = synthetic(16_000, 2, 4000, 2);
    for method in &methods()[..6] {
        let enc = encode(&audio, method, fixed(0.05, 1e-3)).unwrap();
        assert!(enc.kept_real_values <= (0.05 * 4000.0) as usize * 2);
        assert!(enc.kept_real_values >= (0.05 * 4000.0) as usize * 2 - 4);
    }
}

#[test]
fn integer_and_float_sources_keep_their_format() {
    for name in [
        "s16.wav",
        "s24.wav",
        "f32.wav",
        "stereo_s16.wav",
        "s16.flac",
    ] {
        let audio = decode_file(&data(&format!("formats/{name}"))).unwrap();
        for method in [&methods()[0], &methods()[2], &methods()[4], &methods()[8]] {
            check_round_trip(&audio, method, fixed(0.5, 0.02));
        }
    }
}

#[test]
fn silence_and_tiny_inputs_are_handled() {
    let silent = Audio::from_channels(8000, vec![vec![0.0; 1000]]);
    let enc = check_round_trip(&silent, &methods()[0], fixed(0.1, 0.1));
    assert!(enc.decoded.channels[0].iter().all(|&v| v == 0.0));
    let one = Audio::from_channels(8000, vec![vec![0.25]]);
    let interp = Method::Interp(InterpParams {
        factor: 1,
        method: InterpMethod::Linear,
    });
    check_round_trip(
        &one,
        &interp,
        Target::Fixed {
            keep: None,
            step: None,
        },
    );
    // Too short for the wavelet: a parameter error, not a panic.
    assert!(encode(&one, &methods()[0], fixed(0.1, 0.1)).is_err());
}

#[test]
fn bitrate_target_is_met_and_snr_target_is_reached() {
    let audio = synthetic(16_000, 1, 16_000, 3);
    let dwt = &methods()[0];
    for kbps in [8.0, 24.0] {
        let enc = check_round_trip(&audio, dwt, Target::Bitrate { kbps });
        assert!(enc.target_met);
        let got = codec::kbps(enc.bytes.len(), audio.seconds());
        assert!(got <= kbps, "{got} kbps for a {kbps} target");
        assert!(
            got > 0.8 * kbps,
            "{got} kbps for a {kbps} target: search too coarse"
        );
    }
    let enc = check_round_trip(&audio, dwt, Target::Snr { db: 25.0 });
    let snr = codec::snr_all(&audio, &enc.decoded.channels);
    assert!(enc.target_met && (25.0..27.0).contains(&snr), "SNR {snr}");
    // More SNR costs more bits.
    let more = encode(&audio, dwt, Target::Snr { db: 35.0 }).unwrap();
    assert!(more.bytes.len() > enc.bytes.len());
}

fn small_file() -> Vec<u8> {
    let audio = synthetic(8000, 2, 600, 4);
    encode(&audio, &methods()[0], fixed(0.2, 0.05))
        .unwrap()
        .bytes
}

#[test]
fn every_flipped_byte_is_refused() {
    let bytes = small_file();
    assert!(bytes.len() < 2000, "{} bytes", bytes.len());
    for i in 0..bytes.len() {
        for mask in [0x01, 0x80, 0xff] {
            let mut bad = bytes.clone();
            bad[i] ^= mask;
            let e = decode(&bad, Limits::default());
            assert!(e.is_err(), "flip {mask:#x} at byte {i} was accepted");
        }
    }
}

#[test]
fn every_truncation_and_extension_is_refused() {
    let bytes = small_file();
    for len in 0..bytes.len() {
        let e = decode(&bytes[..len], Limits::default()).unwrap_err();
        assert!(!e.0.is_empty());
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode(&longer, Limits::default())
        .unwrap_err()
        .0
        .contains("unexpected"));
}

/// Recompute the header CRC and the chunk CRCs after an edit (a crafted, "valid" file).
fn fix_crcs(bytes: &mut [u8]) {
    let params = u32::from_le_bytes(bytes[24..28].try_into().unwrap()) as usize;
    let h = FIXED_HEADER + params;
    if h + 4 > bytes.len() {
        return;
    }
    let crc = crc32fast::hash(&bytes[..h]);
    bytes[h..h + 4].copy_from_slice(&crc.to_le_bytes());
    let mut pos = h + 4;
    while pos + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let end = (pos + 8 + len).min(bytes.len());
        let crc = crc32fast::hash(&bytes[pos + 8..end]);
        bytes[pos + 4..pos + 8].copy_from_slice(&crc.to_le_bytes());
        pos = end;
    }
}

#[test]
fn wrong_version_unknown_method_and_huge_sizes_give_clear_errors() {
    let bytes = small_file();
    assert_eq!(bytes[..4], MAGIC);
    let edit = |at: usize, v: &[u8]| {
        let mut b = bytes.clone();
        b[at..at + v.len()].copy_from_slice(v);
        fix_crcs(&mut b);
        decode(&b, Limits::default()).unwrap_err().0
    };
    assert!(edit(4, &2_u16.to_le_bytes()).contains("version 2"));
    assert!(edit(6, &[77]).contains("unknown method id 77"));
    assert!(edit(16, &u64::MAX.to_le_bytes()).contains("limit"));
    assert!(edit(16, &(1_u64 << 28).to_le_bytes()).contains("limit"));
    assert!(edit(8, &0_u16.to_le_bytes()).contains("channels"));
    assert!(edit(12, &0_u32.to_le_bytes()).contains("sample rate"));
    let mut wrong = bytes.clone();
    wrong[0] = b'X';
    assert!(decode(&wrong, Limits::default())
        .unwrap_err()
        .0
        .contains("magic"));
}

/// Random edits with the CRCs recomputed reach the parameter and payload decoders: they may
/// decode to something or fail, but never panic or allocate beyond the limits.
#[test]
fn crafted_files_with_valid_crcs_never_panic() {
    let limits = Limits {
        max_samples: 1 << 20,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let audio = synthetic(8000, 1, 700, 5);
    let files: Vec<Vec<u8>> = methods()
        .iter()
        .map(|m| encode(&audio, m, fixed(0.3, 0.1)).unwrap().bytes)
        .collect();
    for _ in 0..3000 {
        let mut b = files[rng.random_range(0..files.len())].clone();
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(4..b.len());
            b[i] = rng.random();
        }
        fix_crcs(&mut b);
        let _ = decode(&b, limits);
    }
}
