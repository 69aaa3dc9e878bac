//! The `.swz` codec: bit-exact round trips for every method and input kind, a decoder that
//! refuses every damaged file (every byte flipped, every truncation, crafted headers with valid
//! CRCs), rate control that meets its targets, and the encode/decode/info CLI.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sparsewave::approx::interp::InterpMethod;
use sparsewave::audio::{decode_file, Audio, SampleFormat};
use sparsewave::codec::container::{FIXED_HEADER, MAGIC};
use sparsewave::codec::{
    self, decode, encode, limits, rate_distortion, DwtParams, HybridParams, InterpParams, Limits,
    Method, MethodKind, MethodSettings, Packets, PgbzParams, RdPoint, StftParams, SvdParams,
    SvdPhase, Target,
};
use sparsewave::metrics::Metrics;
use sparsewave::transform::stft::PadMode;
use sparsewave::transform::window::WindowKind;
use sparsewave::{Choice, Error};
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
            packets: Packets::Best,
        }),
        Method::Dwt(DwtParams {
            wavelet: "sym5".parse().unwrap(),
            mode: "symmetric".parse().unwrap(),
            level: Some(4),
            packets: Packets::Dyadic,
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
        same_bits(&dec.channels, &enc.audio.channels),
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
            let snr = sparsewave::metrics::joint_snr_db(&audio.channels, &enc.audio.channels);
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
        let snr = sparsewave::metrics::joint_snr_db(&audio.channels, &enc.audio.channels);
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
    assert!(enc.audio.channels[0].iter().all(|&v| v == 0.0));
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
            got >= (1.0 - codec::rate::BITRATE_TOLERANCE) * kbps - 0.01,
            "{got} kbps for a {kbps} target: search too coarse"
        );
    }
    let enc = check_round_trip(&audio, dwt, Target::Snr { db: 25.0 });
    let snr = sparsewave::metrics::joint_snr_db(&audio.channels, &enc.audio.channels);
    assert!(enc.target_met && (25.0..=25.1).contains(&snr), "SNR {snr}");
    // More SNR costs more bits.
    let more = encode(&audio, dwt, Target::Snr { db: 35.0 }).unwrap();
    assert!(more.bytes.len() > enc.bytes.len());
}

/// The reason of a decoding failure, which must be an [`Error::Corrupt`].
fn corrupt<T: std::fmt::Debug>(result: sparsewave::Result<T>) -> String {
    match result {
        Err(Error::Corrupt(reason)) => reason,
        other => panic!("expected a Corrupt error, got {other:?}"),
    }
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
        let e = corrupt(decode(&bytes[..len], Limits::default()));
        assert!(!e.is_empty());
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(corrupt(decode(&longer, Limits::default())).contains("unexpected"));
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
        corrupt(decode(&b, Limits::default()))
    };
    let unknown = codec::container::VERSION + 1;
    assert!(edit(4, &unknown.to_le_bytes()).contains(&format!("version {unknown}")));
    assert!(edit(4, &0_u16.to_le_bytes()).contains("version 0"));
    assert!(edit(6, &[77]).contains("unknown method id 77"));
    assert!(edit(16, &u64::MAX.to_le_bytes()).contains("limit"));
    assert!(edit(16, &(1_u64 << 28).to_le_bytes()).contains("limit"));
    assert!(edit(8, &0_u16.to_le_bytes()).contains("channels"));
    assert!(edit(12, &0_u32.to_le_bytes()).contains("sample rate"));
    // The channel coding (bytes 10–11): 0 independent, 1 mid/side for two channels only; a
    // version-1 or -2 file has a reserved 0 there.
    assert!(edit(10, &2_u16.to_le_bytes()).contains("unknown channel coding 2"));
    assert!(edit(10, &0x100_u16.to_le_bytes()).contains("unknown channel coding 256"));
    let mut v2 = bytes.clone();
    v2[4..6].copy_from_slice(&2_u16.to_le_bytes());
    v2[10..12].copy_from_slice(&1_u16.to_le_bytes());
    fix_crcs(&mut v2);
    assert!(corrupt(decode(&v2, Limits::default())).contains("reserved header field"));
    let mut mono = encode(&synthetic(8000, 1, 600, 4), &methods()[0], fixed(0.2, 0.05))
        .unwrap()
        .bytes;
    mono[10..12].copy_from_slice(&1_u16.to_le_bytes());
    fix_crcs(&mut mono);
    assert!(corrupt(decode(&mono, Limits::default())).contains("needs 2 channels, the file has 1"));
    let mut wrong = bytes.clone();
    wrong[0] = b'X';
    assert!(corrupt(decode(&wrong, Limits::default())).contains("magic"));
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

/// The parameter an encoder error names; panics unless it is an `InvalidParameter`.
fn refused(audio: &Audio, method: &Method, target: Target) -> &'static str {
    match encode(audio, method, target) {
        Err(Error::InvalidParameter { name, .. }) => name,
        other => panic!("{method:?}: expected an invalid parameter, got {other:?}"),
    }
}

fn keep_all() -> Target {
    Target::Fixed {
        keep: None,
        step: None,
    }
}

fn svd(phase: SvdPhase) -> Method {
    Method::Svd(SvdParams {
        stft: stft_params(256, 64),
        rank: 3,
        phase,
    })
}

fn interp(factor: usize, method: InterpMethod) -> Method {
    Method::Interp(InterpParams { factor, method })
}

#[test]
fn svd_phase_limits_are_enforced_by_the_encoder() {
    let audio = synthetic(8000, 1, 1500, 6);
    for bits in [0, 17, 31, 32, 255] {
        let m = svd(SvdPhase::Quantized { bits });
        assert_eq!(refused(&audio, &m, keep_all()), "phase_bits", "{bits} bits");
        assert!(m.validate().is_err());
    }
    check_round_trip(&audio, &svd(SvdPhase::Quantized { bits: 16 }), keep_all());
    let over = svd(SvdPhase::GriffinLim {
        iters: limits::MAX_GL_ITERS + 1,
        seed: 1,
    });
    assert_eq!(refused(&audio, &over, keep_all()), "iters");
    let at = svd(SvdPhase::GriffinLim {
        iters: limits::MAX_GL_ITERS,
        seed: 1,
    });
    check_round_trip(&audio, &at, keep_all());
}

#[test]
fn interpolation_limits_are_enforced_by_the_encoder() {
    let audio = synthetic(8000, 1, 600, 7);
    let max = limits::MAX_INTERP_ORDER;
    assert_eq!(
        refused(
            &audio,
            &interp(2, InterpMethod::Lagrange(max + 1)),
            keep_all()
        ),
        "order"
    );
    let poly = InterpMethod::Poly {
        degree: 99,
        block: 400,
    };
    assert_eq!(refused(&audio, &interp(2, poly), keep_all()), "order");
    check_round_trip(&audio, &interp(2, InterpMethod::Lagrange(max)), keep_all());
    let poly_at_limit = InterpMethod::Poly {
        degree: max,
        block: 68,
    };
    check_round_trip(&audio, &interp(4, poly_at_limit), keep_all());
    // The factor is at most the length (a u32 field): one over, and beyond 2³².
    for factor in [0, 601, (1 << 32) + 2] {
        let m = interp(factor, InterpMethod::Linear);
        assert_eq!(refused(&audio, &m, keep_all()), "factor", "factor {factor}");
    }
    let enc = check_round_trip(&audio, &interp(600, InterpMethod::Linear), keep_all());
    assert_eq!(enc.kept_real_values, 2, "the first and the last sample");
}

#[test]
fn pgbz_limits_are_enforced_by_the_encoder() {
    let audio = synthetic(8000, 1, 1000, 8);
    let pgbz = |lattice, refit| Method::Pgbz(PgbzParams { lattice, refit });
    assert_eq!(
        refused(&audio, &pgbz(None, limits::MAX_REFIT + 1), keep_all()),
        "refit"
    );
    check_round_trip(&audio, &pgbz(None, limits::MAX_REFIT), fixed(0.2, 0.05));
    // M·N ≤ 2n + PGBZ_AREA_SLACK = 67 536 for n = 1000: 259² = 67 081 fits, 261² does not.
    assert_eq!(
        refused(&audio, &pgbz(Some((261, 261)), 0), keep_all()),
        "lattice"
    );
    check_round_trip(&audio, &pgbz(Some((259, 259)), 0), fixed(0.5, 0.05));
}

#[test]
fn stream_limits_are_enforced_by_the_encoder() {
    let dwt = &methods()[0];
    let max = limits::MAX_SAMPLE_RATE;
    let over = synthetic(max + 1, 1, 500, 9);
    assert_eq!(refused(&over, dwt, fixed(0.5, 0.05)), "sample_rate");
    let at = synthetic(max, 1, 500, 9);
    check_round_trip(&at, dwt, fixed(0.5, 0.05));

    let linear = interp(1, InterpMethod::Linear);
    let wide = |channels: usize| Audio::from_channels(8000, vec![vec![0.125; 8]; channels]);
    assert_eq!(
        refused(&wide(limits::MAX_CHANNELS + 1), &linear, keep_all()),
        "channels"
    );
    check_round_trip(&wide(limits::MAX_CHANNELS), &linear, keep_all());

    // channels × samples beyond what the default decoder accepts (checked without allocating).
    let l = Limits::default();
    assert!(l.check(2, l.max_samples / 2).is_ok());
    assert!(matches!(
        l.check(2, l.max_samples / 2 + 1),
        Err(Error::InvalidParameter { name: "input", .. })
    ));
}

#[test]
fn an_integer_depth_the_format_cannot_name_is_stored_as_the_next_one_up() {
    let mut audio = synthetic(8000, 1, 700, 10);
    audio.format = SampleFormat::Int(20);
    let enc = encode(&audio, &methods()[0], fixed(0.5, 0.05)).unwrap();
    let dec = decode(&enc.bytes, Limits::default()).unwrap();
    assert_eq!(dec.format, SampleFormat::Int(24));
    assert_eq!(enc.audio.format, SampleFormat::Int(24));
    assert!(same_bits(&dec.channels, &enc.audio.channels));
}

#[test]
fn method_settings_build_each_method_with_its_defaults() {
    let s = MethodSettings::default();
    let stft = |hop| StftParams {
        n_fft: 2048,
        hop,
        win_length: 2048,
        window: WindowKind::Hann,
        pad: PadMode::Zero,
    };
    let expected = [
        (
            MethodKind::Pgbz,
            Method::Pgbz(PgbzParams {
                lattice: None,
                refit: 0,
            }),
        ),
        (
            MethodKind::PgbzLs,
            Method::Pgbz(PgbzParams {
                lattice: None,
                refit: 30,
            }),
        ),
        (
            MethodKind::Dwt,
            Method::Dwt(DwtParams {
                wavelet: "sym16".parse().unwrap(),
                mode: "periodization".parse().unwrap(),
                level: None,
                packets: Packets::Best,
            }),
        ),
        (MethodKind::Stft, Method::Stft(stft(1024))),
        (
            MethodKind::Svd,
            Method::Svd(SvdParams {
                stft: stft(512),
                rank: 20,
                phase: SvdPhase::Quantized { bits: 5 },
            }),
        ),
        (
            MethodKind::Interp,
            Method::Interp(InterpParams {
                factor: 4,
                method: InterpMethod::Cubic,
            }),
        ),
        (
            MethodKind::Hybrid,
            Method::Hybrid(HybridParams {
                tonal: PgbzParams {
                    lattice: None,
                    refit: 0,
                },
                transient: DwtParams {
                    wavelet: "sym16".parse().unwrap(),
                    mode: "periodization".parse().unwrap(),
                    level: None,
                    packets: Packets::Best,
                },
            }),
        ),
    ];
    for (kind, method) in expected {
        assert_eq!(s.method(kind).unwrap(), method, "{kind}");
    }
    let gl = MethodSettings {
        phase: "griffin-lim".parse().unwrap(),
        ..s
    };
    assert_eq!(
        gl.method(MethodKind::Svd).unwrap(),
        Method::Svd(SvdParams {
            stft: stft(512),
            rank: 20,
            phase: SvdPhase::GriffinLim { iters: 50, seed: 0 },
        })
    );
    // Explicit values win over the per-method defaults.
    let explicit = MethodSettings {
        refit: Some(7),
        hop: Some(300),
        ..s
    };
    assert_eq!(
        explicit.method(MethodKind::PgbzLs).unwrap(),
        Method::Pgbz(PgbzParams {
            lattice: None,
            refit: 7
        })
    );
    assert_eq!(
        explicit.method(MethodKind::Stft).unwrap(),
        Method::Stft(stft(300))
    );
    // Names, and the builder refuses what the format cannot record.
    assert_eq!(
        MethodKind::NAMES,
        &["pgbz", "pgbz-ls", "dwt", "stft", "svd", "interp", "hybrid", "auto"]
    );
    assert_eq!("PGBZ-LS".parse::<MethodKind>().unwrap(), MethodKind::PgbzLs);
    let e = "mp3".parse::<MethodKind>().unwrap_err().to_string();
    assert!(e.starts_with("invalid method: 'mp3'"), "{e}");
    let bad = MethodSettings {
        phase_bits: 17,
        ..s
    };
    assert!(matches!(
        bad.method(MethodKind::Svd),
        Err(Error::InvalidParameter {
            name: "phase_bits",
            ..
        })
    ));
    // phase_bits only matters to the SVD.
    assert!(bad.method(MethodKind::Dwt).is_ok());
}

#[test]
fn encode_report_has_the_cli_keys_and_measures_the_decoded_audio() {
    let audio = synthetic(16_000, 2, 4000, 11);
    let enc = encode(&audio, &methods()[2], Target::Bitrate { kbps: 40.0 }).unwrap();
    let json = serde_json::to_value(&enc.report).unwrap();
    assert_eq!(json["command"], "encode");
    assert_eq!(json["bytes"], enc.bytes.len());
    assert_eq!(json["target_met"], enc.target_met);
    assert_eq!(json["trials"], enc.trials);
    assert_eq!(json["kept_real_values"], enc.kept_real_values);
    assert_eq!(json["nonzero_values"], enc.nonzero_values);
    let kbps = 8.0 * enc.bytes.len() as f64 / audio.seconds() / 1000.0;
    assert_eq!(json["kbps"].as_f64().unwrap(), kbps);
    assert!(enc.target_met && kbps <= 40.0);
    let bps = 8.0 * enc.bytes.len() as f64 / 8000.0;
    assert_eq!(json["bits_per_sample"].as_f64().unwrap(), bps);
    assert_eq!(json["params"]["method"], "stft");
    assert_eq!(json["params"]["step"].as_f64().unwrap(), enc.quant.step);
    assert_eq!(json["params"]["keep"].as_f64().unwrap(), enc.quant.keep);
    assert_eq!(
        json["params"]["relative_step"].as_f64().unwrap(),
        enc.relative_step
    );
    assert!(json["params"]["target"].is_object());
    let m = Metrics::compute(&audio.channels, &enc.audio.channels, audio.sample_rate).unwrap();
    assert_eq!(enc.report.metrics.snr_db, m.snr_db);
    assert_eq!(
        m.snr_db,
        sparsewave::metrics::joint_snr_db(&audio.channels, &enc.audio.channels)
    );
}

#[test]
fn rate_distortion_points_meet_their_targets_and_equal_independent_encodings() {
    let audio = synthetic(16_000, 1, 8000, 12);
    let settings = MethodSettings {
        n_fft: 256,
        ..MethodSettings::default()
    };
    let kinds = [MethodKind::Dwt, MethodKind::Stft, MethodKind::Auto];
    let rates = [12.0, 48.0];
    let rd = rate_distortion(&audio, &kinds, &settings, &rates).unwrap();
    assert_eq!(rd.points.len(), 6);
    // 32-bit float PCM at 16 kHz mono.
    assert_eq!(rd.pcm_kbps, 512.0);
    assert_eq!(
        (rd.flac_bytes, rd.flac_bits),
        codec::flac_size(&audio).unwrap()
    );
    assert_eq!(
        rd.flac_bits, 24,
        "float sources are measured as 24-bit FLAC"
    );
    assert_eq!(rd.flac_kbps, codec::kbps(rd.flac_bytes, audio.seconds()));
    for p in &rd.points {
        assert!(p.target_met, "{p:?}");
        assert!(p.kbps <= p.target_kbps, "{p:?}");
        let candidates = settings.candidates(p.method).unwrap();
        let enc = codec::encode_best(
            &audio,
            &candidates,
            Target::Bitrate {
                kbps: p.target_kbps,
            },
        )
        .unwrap();
        let dec = decode(&enc.bytes, Limits::default()).unwrap();
        let m = Metrics::compute(&audio.channels, &dec.channels, audio.sample_rate).unwrap();
        assert_eq!(p.bytes, enc.bytes.len());
        assert_eq!(p.kbps, codec::kbps(enc.bytes.len(), audio.seconds()));
        assert_eq!(p.snr_db, m.snr_db);
        assert_eq!(p.seg_snr_db, m.seg_snr_db);
    }
    assert_eq!(rd.curve(MethodKind::Stft).count(), 2);
    // Higher rates give better SNR on each curve.
    for kind in kinds {
        let c: Vec<&RdPoint> = rd.curve(kind).collect();
        assert!(c[1].snr_db > c[0].snr_db, "{kind}");
    }
    let e = rate_distortion(&audio, &kinds, &settings, &[32.0, -1.0]).unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidParameter {
            name: "bitrates",
            ..
        }
    ));
}

/// Write `bytes` with the parameter block edited at `offset` (CRCs recomputed).
fn with_params_edit(bytes: &[u8], offset: usize, v: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let at = FIXED_HEADER + offset;
    b[at..at + v.len()].copy_from_slice(v);
    fix_crcs(&mut b);
    b
}

#[test]
fn crafted_parameters_are_corrupt_errors_that_name_the_field() {
    let audio = synthetic(8000, 1, 1500, 13);
    let svd_file = encode(&audio, &svd(SvdPhase::Quantized { bits: 5 }), keep_all())
        .unwrap()
        .bytes;
    // SVD block: STFT block (22 bytes), u32 rank, u8 phase kind, u8 phase bits, u32 iterations.
    let e = corrupt(decode(
        &with_params_edit(&svd_file, 27, &[17]),
        Limits::default(),
    ));
    assert!(e.contains("phase_bits") && e.contains("17"), "{e}");
    let e = corrupt(decode(
        &with_params_edit(&svd_file, 22, &[0; 4]),
        Limits::default(),
    ));
    assert!(e.contains("rank"), "{e}");
    let gl = with_params_edit(&svd_file, 26, &[1]);
    let e = corrupt(decode(
        &with_params_edit(&gl, 28, &(limits::MAX_GL_ITERS + 1).to_le_bytes()),
        Limits::default(),
    ));
    assert!(e.contains("iters"), "{e}");
    let interp_file = encode(&audio, &interp(3, InterpMethod::Lagrange(3)), keep_all())
        .unwrap()
        .bytes;
    // Interp block: u32 factor, u8 method, u16 order, u32 block.
    let e = corrupt(decode(
        &with_params_edit(&interp_file, 5, &17_u16.to_le_bytes()),
        Limits::default(),
    ));
    assert!(e.contains("order"), "{e}");
    let e = corrupt(decode(
        &with_params_edit(&interp_file, 0, &1501_u32.to_le_bytes()),
        Limits::default(),
    ));
    assert!(e.contains("factor"), "{e}");
    // A payload error names the channel.
    let mut b = interp_file.clone();
    let last = b.len() - 1;
    b[last] ^= 0x55;
    fix_crcs(&mut b);
    let e = corrupt(decode(&b, Limits::default()));
    assert!(e.starts_with("channel 0:"), "{e}");
}

#[test]
fn a_damaged_file_is_a_bad_input_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.swz");
    let mut b = small_file();
    let last = b.len() - 1;
    b[last] ^= 1;
    std::fs::write(&path, &b).unwrap();
    match codec::decode_file(&path, Limits::default()) {
        Err(Error::BadInput { path: p, reason }) => {
            assert_eq!(p, path);
            assert!(reason.contains("CRC"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        codec::inspect_file(&path, Limits::default()),
        Err(Error::BadInput { .. })
    ));
}

#[test]
fn a_signal_too_short_for_the_wavelet_uses_the_longest_of_its_family_that_fits() {
    // symN needs 2(2N − 1) samples for one level: 40 samples allow sym10 (38), 3 allow only
    // Haar (2); 62 samples allow the default sym16 itself.
    let method = MethodSettings::default().method(MethodKind::Dwt).unwrap();
    for (len, expected) in [(40, "sym10"), (3, "haar"), (62, "sym16")] {
        let audio = synthetic(44100, 2, len, 7);
        let enc = check_round_trip(&audio, &method, fixed(1.0, 0.05));
        let Method::Dwt(p) = enc.method else {
            panic!("{:?} is not DWT", enc.method)
        };
        assert_eq!(p.wavelet.to_string(), expected, "{len} samples");
        assert_eq!(p.level, Some(1), "{len} samples");
    }
}

/// The PGBZ lattice choice: the best [`codec::lattice::TRIALED`] candidates by the proxy are
/// trial-encoded and the best estimate wins; reusing its analysis and trials in the rate
/// control gives exactly the file of a plain encode on that lattice; the file round-trips.
#[test]
fn pgbz_lattice_choice_trials_the_proxys_best_and_reuses_their_trials() {
    let audio = synthetic(16_000, 2, 12_000, 21);
    let open = Method::Pgbz(PgbzParams {
        lattice: None,
        refit: 0,
    });
    for target in [Target::Snr { db: 22.0 }, Target::Bitrate { kbps: 24.0 }] {
        let enc = check_round_trip(&audio, &open, target);
        let json = serde_json::to_value(&enc.report).unwrap();
        let lattices = json["lattices"].as_array().unwrap();
        assert_eq!(lattices.len(), codec::lattice::candidates(12_000).len());
        let proxy = |e: &serde_json::Value| e["proxy"].as_f64().unwrap();
        let mut by_proxy: Vec<&serde_json::Value> = lattices.iter().collect();
        by_proxy.sort_by(|a, b| proxy(a).total_cmp(&proxy(b)));
        let (trialed, ranked_out) = by_proxy.split_at(codec::lattice::TRIALED);
        assert!(trialed.iter().all(|e| e["trials"].as_u64().unwrap() >= 2));
        assert!(ranked_out
            .iter()
            .all(|e| e["trials"] == 0 && e["estimate"].is_null()));
        let estimate = |e: &&serde_json::Value| e["estimate"].as_f64().unwrap();
        let best = match target {
            Target::Bitrate { .. } => trialed
                .iter()
                .max_by(|a, b| estimate(a).total_cmp(&estimate(b))),
            _ => trialed
                .iter()
                .min_by(|a, b| estimate(a).total_cmp(&estimate(b))),
        }
        .unwrap();
        let lattice = (
            best["m"].as_u64().unwrap() as usize,
            best["n"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            enc.method,
            Method::Pgbz(PgbzParams {
                lattice: Some(lattice),
                refit: 0
            })
        );
        let plain = encode(&audio, &enc.method, target).unwrap();
        assert_eq!(plain.bytes, enc.bytes, "{target:?}");
        assert_eq!(plain.relative_step, enc.relative_step);
    }
}

/// The DWT parameter block of version 4 holds a wavelet-packet tree (a flag in the level
/// byte, a u16 bit count, the bits): a tree whose bits disagree with the depth and length, a
/// tree in a mode other than periodization, or stray bits past the count are corrupt.
#[test]
fn crafted_packet_trees_are_corrupt_errors() {
    let audio = synthetic(8000, 1, 3000, 17);
    let enc = check_round_trip(&audio, &methods()[0], fixed(1.0, 0.05));
    let Method::Dwt(DwtParams {
        packets: Packets::Tree(tree),
        level: Some(level),
        ..
    }) = enc.method
    else {
        panic!("{:?}: the best basis was not chosen", enc.method)
    };
    let bits = tree.bits();
    assert!(bits.iter().any(|&b| b), "a tree that splits");
    assert_ne!(
        tree,
        sparsewave::transform::wavelet_packet::PacketTree::dyadic(
            "db4".parse().unwrap(),
            level,
            3000
        ),
        "the best basis of a tonal signal is not the dyadic DWT"
    );
    let file = enc.bytes;
    // Block: family, order, mode, level | 0x80, u16 count, ⌈count/8⌉ bytes of bits.
    assert_eq!(file[FIXED_HEADER + 3], level as u8 | 0x80);
    let count = u16::from_le_bytes([file[FIXED_HEADER + 4], file[FIXED_HEADER + 5]]);
    assert_eq!(usize::from(count), bits.len());
    // One bit fewer (the same bytes): the tree is incomplete, or a bit is left past the end.
    let e = corrupt(decode(
        &with_params_edit(&file, 4, &(count - 1).to_le_bytes()),
        Limits::default(),
    ));
    assert!(e.contains("packet tree"), "{e}");
    // A depth the bits do not describe.
    let e = corrupt(decode(
        &with_params_edit(&file, 3, &[(level as u8 - 1) | 0x80]),
        Limits::default(),
    ));
    assert!(e.contains("packet tree"), "{e}");
    // Symmetric mode with a tree.
    let e = corrupt(decode(&with_params_edit(&file, 2, &[1]), Limits::default()));
    assert!(e.contains("packet tree"), "{e}");
    // Without the flag the block is a dyadic one followed by bytes the reader does not expect.
    assert!(decode(
        &with_params_edit(&file, 3, &[level as u8]),
        Limits::default()
    )
    .is_err());
}
