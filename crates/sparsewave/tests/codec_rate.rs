//! The current format version of the `.swz` codec on real audio: rate control within its stated
//! tolerances for every sparse method and `auto`, `auto` choosing the smaller file, and
//! decode(encode(x)) equal to the encoder's reconstruction bit for bit for random valid
//! parameters on short random and real inputs (a property test).

use proptest::prelude::*;
use sparsewave::audio::{decode_file, Audio};
use sparsewave::codec::rate::{BITRATE_TOLERANCE, SNR_TOLERANCE_DB};
use sparsewave::codec::{
    self, decode, encode, encode_best, inspect, ChannelCoding, Limits, MethodKind, MethodSettings,
    Target,
};
use sparsewave::metrics::joint_snr_db;
use std::path::Path;
use std::sync::OnceLock;

/// folk_4s.wav, 1.5 s from 1 s.
fn clip() -> &'static Audio {
    static CLIP: OnceLock<Audio> = OnceLock::new();
    CLIP.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/folk_4s.wav");
        let full = decode_file(&path).unwrap();
        let channels = full
            .channels
            .iter()
            .map(|c| c[44_100..44_100 + 66_150].to_vec())
            .collect();
        Audio::from_channels(full.sample_rate, channels)
    })
}

fn bit_exact(enc: &codec::Encoded) {
    let dec = decode(&enc.bytes, Limits::default()).unwrap();
    assert_eq!(dec.channels.len(), enc.audio.channels.len());
    for (a, b) in dec.channels.iter().zip(&enc.audio.channels) {
        assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
        assert_eq!(a.len(), b.len());
    }
    assert_eq!(
        inspect(&enc.bytes, Limits::default()).unwrap().version,
        codec::container::VERSION
    );
}

#[test]
fn snr_targets_are_delivered_within_a_tenth_of_a_db() {
    let audio = clip();
    let settings = MethodSettings::default();
    for kind in [MethodKind::Dwt, MethodKind::Pgbz, MethodKind::Auto] {
        for db in [20.0, 30.0] {
            let enc = encode_best(
                audio,
                &settings.candidates(kind).unwrap(),
                Target::Snr { db },
            )
            .unwrap();
            bit_exact(&enc);
            let snr = joint_snr_db(&audio.channels, &enc.audio.channels);
            assert!(enc.target_met, "{kind} at {db} dB");
            assert!(
                (db..=db + SNR_TOLERANCE_DB).contains(&snr),
                "{kind}: {snr:.3} dB delivered for a {db} dB target; search {}",
                serde_json::to_string(&enc.report.extra["search"]).unwrap()
            );
            let json = serde_json::to_value(&enc.report).unwrap();
            let search = json["search"].as_array().unwrap();
            assert!(!search.is_empty() && search.len() <= enc.trials, "{kind}");
        }
    }
}

#[test]
fn bitrate_targets_are_met_within_two_percent() {
    let audio = clip();
    let settings = MethodSettings::default();
    for kind in [MethodKind::Dwt, MethodKind::Pgbz, MethodKind::Auto] {
        for kbps in [24.0, 64.0] {
            let target = Target::Bitrate { kbps };
            let enc = encode_best(audio, &settings.candidates(kind).unwrap(), target).unwrap();
            bit_exact(&enc);
            let got = codec::kbps(enc.bytes.len(), audio.seconds());
            assert!(enc.target_met, "{kind} at {kbps} kbit/s");
            // The byte budget is ⌊B·duration/8⌋.
            let budget = (kbps * 1000.0 / 8.0 * audio.seconds()).floor();
            let bytes = enc.bytes.len() as f64;
            assert!(
                bytes <= budget && bytes >= (1.0 - BITRATE_TOLERANCE) * budget,
                "{kind}: {got:.3} kbit/s for a {kbps} kbit/s target"
            );
        }
    }
}

/// Two channels go mid/side exactly when the product of the mid and side energies is below
/// that of left and right; the rotation is undone bit for bit by the decoder and the joint
/// SNR target is met on the audio's own channels.
#[test]
fn correlated_stereo_is_stored_as_mid_side() {
    let mono = clip();
    let left = mono.channels[0].clone();
    let right: Vec<f64> = left
        .iter()
        .enumerate()
        .map(|(i, v)| 0.8 * v + 0.01 * (0.37 * i as f64).sin())
        .collect();
    let audio = Audio::from_channels(mono.sample_rate, vec![left, right]);
    assert_eq!(codec::channel_coding(&audio), ChannelCoding::MidSide);
    // Energies 2n and n/2 (product n²) against mid and side 1.25n each (1.5625 n²).
    let alternating = |a: f64, b: f64| -> Vec<f64> {
        (0..1000).map(|i| if i % 2 == 0 { a } else { b }).collect()
    };
    let apart = Audio::from_channels(8000, vec![alternating(2.0, 0.0), alternating(0.0, 1.0)]);
    assert_eq!(codec::channel_coding(&apart), ChannelCoding::Independent);
    assert_eq!(codec::channel_coding(mono), ChannelCoding::Independent);
    let settings = MethodSettings::default();
    for kind in [MethodKind::Dwt, MethodKind::Pgbz] {
        let db = 25.0;
        let enc = encode(&audio, &settings.method(kind).unwrap(), Target::Snr { db }).unwrap();
        bit_exact(&enc);
        let info = inspect(&enc.bytes, Limits::default()).unwrap();
        assert_eq!(info.channel_coding, ChannelCoding::MidSide, "{kind}");
        assert_eq!(enc.report.extra["channel_coding"], "MidSide", "{kind}");
        let snr = joint_snr_db(&audio.channels, &enc.audio.channels);
        assert!(
            (db..=db + SNR_TOLERANCE_DB).contains(&snr),
            "{kind}: {snr} dB"
        );
    }
}

#[test]
fn auto_keeps_the_smaller_file_and_says_which() {
    let audio = clip();
    let settings = MethodSettings::default();
    let target = Target::Snr { db: 25.0 };
    let each: Vec<_> = [MethodKind::Pgbz, MethodKind::Dwt, MethodKind::Hybrid]
        .iter()
        .map(|&k| encode(audio, &settings.method(k).unwrap(), target).unwrap())
        .collect();
    let auto = encode_best(
        audio,
        &settings.candidates(MethodKind::Auto).unwrap(),
        target,
    )
    .unwrap();
    let smallest = each.iter().min_by_key(|e| e.bytes.len()).unwrap();
    assert_eq!(auto.bytes, smallest.bytes);
    assert_eq!(auto.trials, each.iter().map(|e| e.trials).sum::<usize>());
    let json = serde_json::to_value(&auto.report).unwrap();
    assert_eq!(json["params"]["method"], smallest.method.name());
    let candidates = json["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 3);
    for (c, (e, name)) in candidates
        .iter()
        .zip(each.iter().zip(["pgbz", "dwt", "hybrid"]))
    {
        assert_eq!(c["method"], name);
        assert_eq!(c["bytes"], e.bytes.len());
    }
    // `auto` is not one method.
    assert!(settings.method(MethodKind::Auto).is_err());
}

/// Random valid parameters on short inputs: random noise with a tone, or a slice of real audio.
fn input() -> impl Strategy<Value = Audio> {
    let random = (1_usize..=2, 16_usize..1500, any::<u64>()).prop_map(|(channels, len, seed)| {
        let mut x = seed | 1;
        let chans = (0..channels)
            .map(|c| {
                (0..len)
                    .map(|n| {
                        // xorshift64
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        0.3 * (0.05 * (n * (c + 1)) as f64).sin()
                            + 0.1 * ((x >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
                    })
                    .collect()
            })
            .collect();
        Audio::from_channels(16_000, chans)
    });
    let real = (0_usize..60_000, 16_usize..3000).prop_map(|(start, len)| {
        let c = &clip().channels[0];
        Audio::from_channels(44_100, vec![c[start..start + len].to_vec()])
    });
    prop_oneof![random, real]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn decode_of_encode_is_the_encoders_reconstruction(
        audio in input(),
        kind in prop::sample::select(vec![MethodKind::Dwt, MethodKind::Pgbz, MethodKind::Stft]),
        keep in 0.01_f64..=1.0,
        step in 0.005_f64..3.0,
    ) {
        let settings = MethodSettings { n_fft: 256, ..MethodSettings::default() };
        let method = settings.method(kind).unwrap();
        let target = Target::Fixed { keep: Some(keep), step: Some(step) };
        let enc = encode(&audio, &method, target).unwrap();
        let dec = decode(&enc.bytes, Limits::default()).unwrap();
        prop_assert_eq!(dec.channels.len(), audio.channels.len());
        for (a, b) in dec.channels.iter().zip(&enc.audio.channels) {
            prop_assert_eq!(a.len(), audio.frames());
            prop_assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
        }
    }
}
