//! Segmented `.swz` files (format version 4): the taper and overlap-add reconstruct exactly
//! without coding, the streamed and in-memory encoders and decoders agree bit for bit, rate
//! targets hold for the whole file, segment joins are not audible in the error, `auto` picks
//! per segment, and damaged segmented files are refused with a message naming the problem.

use sparsewave::audio::{decode_file, write_wav, Audio, SampleFormat};
use sparsewave::codec::container::{chunk_prefix, SegmentedHeader, CHUNK_PREFIX, SEGMENTED_HEADER};
use sparsewave::codec::segment::{Geometry, OverlapAdd, Taper};
use sparsewave::codec::{
    self, decode, encode_best, encode_best_with, inspect, Limits, Method, MethodKind,
    MethodSettings, Segmenting, Target,
};
use sparsewave::metrics::{snr_db, Metrics};
use sparsewave::stream::codec::{decode_file as stream_decode, encode_file};
use sparsewave::stream::StreamOptions;
use sparsewave::Error;
use std::path::Path;

fn folk() -> Audio {
    decode_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/folk_4s.wav")).unwrap()
}

/// folk_4s.wav on the left, the same 1.5 s later on the right (a stereo file of 4 s).
fn stereo_folk() -> Audio {
    let x = folk().channels.remove(0);
    let shift = 66_150;
    let right = x[shift..].iter().chain(&x[..shift]).copied().collect();
    Audio {
        channels: vec![x, right],
        ..folk()
    }
}

fn dwt() -> Method {
    MethodSettings::default().method(MethodKind::Dwt).unwrap()
}

/// Short segments for tests: 0.5 s overlapping by 50 ms at 44.1 kHz (8 segments of folk).
const SHORT: Segmenting = Segmenting {
    samples: 22_050,
    overlap: 2_205,
};

/// Without coding: the library's analysis taper, then its synthesis (taper again and
/// overlap-add), gives the signal back to 1e-12 (sin² + cos² = 1 in the overlaps), and the
/// taper is sin/cos of π/2 · (j + ½)/V as documented.
#[test]
fn taper_and_overlap_add_reconstruct_without_coding() {
    let x = folk().channels.remove(0);
    for (l, v) in [(22_050, 2_205), (1000, 500), (4410, 1)] {
        let g = Geometry::new(x.len() as u64, l, v).unwrap();
        let taper = Taper::new(v as usize);
        let mut synthesis = OverlapAdd::new(g);
        let mut y = Vec::new();
        for i in 0..g.count {
            let start = (i * g.hop()) as usize;
            let mut s = x[start..start + g.len(i)].to_vec();
            taper.apply(&g, i, &mut s);
            if i == 1 {
                let theta = |j: usize| std::f64::consts::FRAC_PI_2 * (j as f64 + 0.5) / v as f64;
                assert_eq!(s[0], x[start] * theta(0).sin());
                let last = g.len(i) - 1;
                assert_eq!(s[last], x[start + last] * theta(v as usize - 1).cos());
                if 2 * v < l {
                    assert_eq!(s[v as usize], x[start + v as usize]);
                }
            }
            y.extend(synthesis.add(vec![s]).remove(0));
        }
        assert_eq!(y.len(), x.len());
        let max = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(max <= 1e-12, "{l} {v}: {max}");
        assert!(max > 0.0 || v == 1, "the taper was applied");
    }
}

/// Segment geometry: the count, each segment's length, and the layout on disk: an outer header
/// of 48 bytes, then one length- and CRC-prefixed complete file per segment.
#[test]
fn segmented_layout_is_as_documented() {
    let audio = folk();
    let n = audio.frames() as u64;
    let enc = encode_best_with(&audio, &[dwt()], Target::Snr { db: 20.0 }, SHORT).unwrap();
    let g = Geometry::new(n, 22_050, 2_205).unwrap();
    // K = 1 + ⌈(n − L)/H⌉ = 1 + ⌈154350/19845⌉ = 9.
    assert_eq!(g.count, 9);
    let header = SegmentedHeader {
        source_format: 16,
        channels: 1,
        sample_rate: 44_100,
        geometry: g,
    };
    assert_eq!(enc.bytes[..SEGMENTED_HEADER], header.to_bytes()[..]);
    assert_eq!(u16::from_le_bytes([enc.bytes[4], enc.bytes[5]]), 5);
    assert_eq!(enc.bytes[6], 0, "method id 0: segmented");
    let mut pos = SEGMENTED_HEADER;
    for i in 0..g.count {
        let len = u32::from_le_bytes(enc.bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let file = &enc.bytes[pos + CHUNK_PREFIX..pos + CHUNK_PREFIX + len];
        assert_eq!(chunk_prefix(file), enc.bytes[pos..pos + CHUNK_PREFIX]);
        let info = inspect(file, Limits::default()).unwrap();
        assert_eq!(info.samples, g.len(i), "segment {i}");
        assert_eq!((info.version, info.method), (5, "dwt"));
        pos += CHUNK_PREFIX + len;
    }
    assert_eq!(pos, enc.bytes.len());
    let info = inspect(&enc.bytes, Limits::default()).unwrap();
    let segments = info.segments.unwrap();
    assert_eq!(
        (segments.count, segments.samples, segments.overlap),
        (9, 22_050, 2_205)
    );
    assert_eq!(info.samples, audio.frames());
    assert_eq!(info.bytes, enc.bytes.len());
    assert_eq!(enc.report.extra["segments"]["count"], 9);
    // Below one segment nothing changes: the file is a single-segment one.
    let short = Segmenting {
        samples: audio.frames(),
        overlap: 100,
    };
    let whole = encode_best_with(&audio, &[dwt()], Target::Snr { db: 20.0 }, short).unwrap();
    let plain = codec::encode(&audio, &dwt(), Target::Snr { db: 20.0 }).unwrap();
    assert_eq!(whole.bytes, plain.bytes);
    assert!(inspect(&plain.bytes, Limits::default())
        .unwrap()
        .segments
        .is_none());
}

fn write_input(dir: &Path, audio: &Audio) -> std::path::PathBuf {
    let path = dir.join("in.wav");
    write_wav(&path, audio, None).unwrap();
    path
}

/// The streamed encoder (blocks of any size, the file read twice) writes the bytes of the
/// in-memory one, reports the same numbers, and the streamed decoder writes the samples of
/// the in-memory decoder, which are the encoder's own reconstruction.
#[test]
fn streamed_and_in_memory_agree_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let audio = stereo_folk();
    let input = write_input(dir.path(), &audio);
    // The input as read back (16-bit samples).
    let audio = decode_file(&input).unwrap();
    let target = Target::Snr { db: 25.0 };
    let memory = encode_best_with(&audio, &[dwt()], target, SHORT).unwrap();
    assert!(memory.report.extra["segments"]["count"].as_u64().unwrap() > 3);
    for block_frames in [1000, 1 << 16] {
        let out = dir.path().join("out.swz");
        let options = StreamOptions {
            block_frames,
            mono: false,
        };
        let streamed = encode_file(&input, &out, &[dwt()], target, Some(SHORT), &options).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), memory.bytes, "{block_frames}");
        assert_eq!(streamed.bytes, memory.bytes.len() as u64);
        assert_eq!(streamed.report.metrics, memory.report.metrics);
        let mut a = serde_json::to_value(&streamed.report).unwrap();
        let mut b = serde_json::to_value(&memory.report).unwrap();
        a["seconds"] = 0.into();
        b["seconds"] = 0.into();
        assert_eq!(a, b);
    }
    let decoded = decode(&memory.bytes, Limits::default()).unwrap();
    assert_eq!(decoded.channels, memory.audio.channels);
    let wav = dir.path().join("decoded.wav");
    let result = stream_decode(
        &dir.path().join("out.swz"),
        &wav,
        Some(SampleFormat::Float32),
        Limits::default(),
    )
    .unwrap();
    assert!(result.segmented);
    let mut expected = decoded.clone();
    expected.format = SampleFormat::Float32;
    let expected_wav = dir.path().join("expected.wav");
    write_wav(&expected_wav, &expected, Some(SampleFormat::Float32)).unwrap();
    assert_eq!(
        std::fs::read(&wav).unwrap(),
        std::fs::read(&expected_wav).unwrap()
    );
}

/// `--snr D`: the error budget 10^(−D/10)·‖x‖² is shared in proportion to the samples each
/// segment hands out, what the segments before leave unspent going to those after; each segment
/// meets its share on its tapered samples, hence the file (proof in docs/FORMAT.md), which lands
/// in [D, D + 0.1]. `--bitrate B`: the file, outer header included, is at most B and within 3 %
/// of it.
#[test]
fn rate_targets_hold_for_the_whole_file() {
    let audio = folk();
    let x = &audio.channels[0];
    let seg = Segmenting {
        samples: 22_050,
        overlap: 220,
    };
    let g = Geometry::new(x.len() as u64, seg.samples as u64, seg.overlap as u64).unwrap();
    let taper = Taper::new(seg.overlap);
    let energy = |v: &[f64]| v.iter().map(|v| v * v).sum::<f64>();
    for d in [15.0, 25.0] {
        let enc = encode_best_with(&audio, &[dwt()], Target::Snr { db: d }, seg).unwrap();
        let list = enc.report.extra["segments"]["list"]
            .as_array()
            .unwrap()
            .clone();
        // β_i = (β − S_i)·R_i / (n − Σ_{j<i} R_j), D_i = 10·log10(‖s_i‖² / β_i), S_i the error
        // already spent (S_0 = 0: the first segment's target is its plain share of the whole
        // budget β; later targets are at least their plain share's, since S_i ≥ 0).
        let whole = energy(x) * 10f64.powf(-d / 10.0);
        let mut handed_out = 0;
        for (i, s) in list.iter().enumerate() {
            let i = i as u64;
            let start = (i * g.hop()) as usize;
            let mut seg = x[start..start + g.len(i)].to_vec();
            taper.apply(&g, i, &mut seg);
            let target = s["target"]["Snr"]["db"].as_f64().unwrap();
            let plain = whole * g.ready(i) as f64 / (x.len() - handed_out) as f64;
            let plain_db = 10.0 * (energy(&seg) / plain).log10();
            if i == 0 {
                assert!((target - plain_db).abs() < 1e-9, "{s}");
            }
            assert!(target >= plain_db - 1e-9, "{s}");
            assert!(s["snr_db"].as_f64().unwrap() >= target, "{s}");
            handed_out += g.ready(i);
        }
        let snr = snr_db(x, &enc.audio.channels[0]);
        assert_eq!(snr, enc.report.metrics.snr_db);
        assert!(snr >= d && snr <= d + 0.1, "{d}: {snr}");
        assert!(enc.target_met);
    }
    for kbps in [24.0, 64.0] {
        let enc = encode_best_with(&audio, &[dwt()], Target::Bitrate { kbps }, SHORT).unwrap();
        let budget = kbps * 1000.0 / 8.0 * audio.seconds();
        let bytes = enc.bytes.len() as f64;
        assert!(
            bytes <= budget && bytes >= 0.97 * budget,
            "{kbps}: {bytes} of {budget}"
        );
    }
}

/// The error around each join (a window of 2V centred on the overlap) is not larger than
/// inside the segments: its RMS is at most twice the RMS error of the two segments it joins.
#[test]
fn joins_add_no_discontinuity() {
    let audio = folk();
    let x = &audio.channels[0];
    let enc = encode_best_with(&audio, &[dwt()], Target::Snr { db: 20.0 }, SHORT).unwrap();
    let y = &enc.audio.channels[0];
    let g = Geometry::new(x.len() as u64, SHORT.samples as u64, SHORT.overlap as u64).unwrap();
    let rms = |a: usize, b: usize| {
        ((a..b).map(|t| (x[t] - y[t]).powi(2)).sum::<f64>() / (b - a) as f64).sqrt()
    };
    let v = SHORT.overlap;
    for i in 1..g.count {
        let start = (i * g.hop()) as usize;
        let join = rms(
            start.saturating_sub(v / 2),
            (start + v + v / 2).min(x.len()),
        );
        let around = rms(start - g.hop() as usize, (start + g.len(i)).min(x.len()));
        assert!(join <= 2.0 * around, "join {i}: {join} against {around}");
    }
}

/// A tonal part then a drum part: `auto` codes the first with PGBZ and the second with DWT
/// (the hybrid may win a segment between), and the report counts the segments per method.
#[test]
fn auto_picks_per_segment() {
    let tonal = folk().channels.remove(0)[..88_200].to_vec();
    // Drums: a decaying noise burst every 0.25 s (sharp attacks, no stable partials).
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let drums: Vec<f64> = (0..88_200)
        .map(|t| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let since = (t % 11_025) as f64 / 44_100.0;
            0.8 * noise * (-since * 40.0).exp()
        })
        .collect();
    let audio = Audio::from_channels(44_100, vec![[tonal, drums].concat()]);
    let candidates = MethodSettings::default()
        .candidates(MethodKind::Auto)
        .unwrap();
    let seg = Segmenting {
        samples: 44_100,
        overlap: 2_205,
    };
    let enc = encode_best_with(&audio, &candidates, Target::Snr { db: 20.0 }, seg).unwrap();
    let list = enc.report.extra["segments"]["list"]
        .as_array()
        .unwrap()
        .clone();
    let methods: Vec<&str> = list.iter().map(|s| s["method"].as_str().unwrap()).collect();
    assert_eq!(methods[0], "pgbz", "{methods:?}");
    assert_eq!(methods[methods.len() - 1], "dwt", "{methods:?}");
    let counts = &enc.report.extra["segments"]["methods"];
    let count = |m: &str| counts[m].as_u64().unwrap_or(0);
    assert_eq!(
        count("pgbz") + count("dwt") + count("hybrid"),
        list.len() as u64
    );
    assert!(enc.report.metrics.snr_db >= 20.0);
}

/// A segmented file of folk with short segments, and its geometry.
fn segmented_file() -> (Vec<u8>, Geometry) {
    let audio = folk();
    let enc = encode_best_with(&audio, &[dwt()], Target::Snr { db: 15.0 }, SHORT).unwrap();
    let g = Geometry::new(audio.frames() as u64, 22_050, 2_205).unwrap();
    (enc.bytes, g)
}

fn corrupt_reason(bytes: &[u8]) -> String {
    match decode(bytes, Limits::default()) {
        Err(Error::Corrupt(reason)) => {
            // The streamed reader of `info` says the same.
            match inspect(bytes, Limits::default()) {
                Err(Error::Corrupt(r)) => assert_eq!(r, reason),
                other => panic!("inspect: {other:?}"),
            }
            reason
        }
        other => panic!("not a corrupt error: {other:?}"),
    }
}

/// The outer header with `params` (L, V, K) and a valid CRC.
fn with_geometry(bytes: &[u8], samples: u32, overlap: u32, count: u64) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[28..32].copy_from_slice(&samples.to_le_bytes());
    out[32..36].copy_from_slice(&overlap.to_le_bytes());
    out[36..44].copy_from_slice(&count.to_le_bytes());
    let crc = crc32fast::hash(&out[..44]);
    out[44..48].copy_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn damaged_segmented_files_are_refused_naming_the_problem() {
    let (bytes, g) = segmented_file();
    assert!(decode(&bytes, Limits::default()).is_ok());
    // The start of each segment's chunk.
    let mut pos = SEGMENTED_HEADER;
    let mut starts = Vec::new();
    for _ in 0..g.count {
        starts.push(pos);
        pos += CHUNK_PREFIX + u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
    }
    // Truncated inside the third segment's file.
    let r = corrupt_reason(&bytes[..starts[2] + 20]);
    assert!(r.contains("segment 2") && r.contains("truncated"), "{r}");
    let r = corrupt_reason(&bytes[..starts[3]]);
    assert!(r.contains("segment 3 of 9 is missing"), "{r}");
    // A flipped byte inside a segment's file.
    let mut bad = bytes.clone();
    bad[starts[4] + 40] ^= 0x40;
    let r = corrupt_reason(&bad);
    assert!(r.contains("segment 4: CRC mismatch"), "{r}");
    // Crafted geometries with valid CRCs.
    let r = corrupt_reason(&with_geometry(&bytes, 22_050, 2_205, 1 << 40));
    assert!(
        r.contains("segment count 1099511627776 does not match the 9"),
        "{r}"
    );
    let r = corrupt_reason(&with_geometry(&bytes, 22_050, 22_050, 9));
    assert!(r.contains("overlap 22050 is more than half"), "{r}");
    let r = corrupt_reason(&with_geometry(&bytes, u32::MAX, 2_205, 9));
    assert!(r.contains("nothing to segment"), "{r}");
    let r = corrupt_reason(&with_geometry(&bytes, 1, 0, 9));
    assert!(r.contains("segment length 1 is outside"), "{r}");
    // Huge length: segments beyond the limit are refused before anything is read.
    let mut huge = with_geometry(&bytes, 1 << 30, 2_205, 2);
    huge[16..24].copy_from_slice(&((1_u64 << 30) + 10).to_le_bytes());
    let crc = crc32fast::hash(&huge[..44]);
    huge[44..48].copy_from_slice(&crc.to_le_bytes());
    let r = corrupt_reason(&huge);
    assert!(r.contains("one segment") && r.contains("limit"), "{r}");
    // Trailing bytes.
    let mut long = bytes.clone();
    long.extend([0; 3]);
    let r = corrupt_reason(&long);
    assert!(
        r.contains("3 unexpected bytes after the last segment"),
        "{r}"
    );
    // Every flipped byte and every truncation is refused.
    for i in (0..bytes.len()).step_by(97) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x10;
        assert!(decode(&bad, Limits::default()).is_err(), "flip at {i}");
    }
    for len in (0..bytes.len()).step_by(89) {
        assert!(
            decode(&bytes[..len], Limits::default()).is_err(),
            "{len} bytes"
        );
    }
}

/// The streamed decoder refuses the same damage and leaves no output file.
#[test]
fn damaged_segmented_files_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _) = segmented_file();
    let input = dir.path().join("bad.swz");
    let mut bad = bytes.clone();
    let last = bad.len() - 10;
    bad[last] ^= 1;
    std::fs::write(&input, &bad).unwrap();
    let out = dir.path().join("out.wav");
    match stream_decode(&input, &out, None, Limits::default()) {
        Err(Error::BadInput { path, reason }) => {
            assert_eq!(path, input);
            assert!(reason.contains("segment 8: CRC mismatch"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the input remains");
}

/// The whole-file SNR is measured by the same metrics either way: a check that the report's
/// numbers are those of the decoded file.
#[test]
fn report_measures_the_decoded_file() {
    let audio = stereo_folk();
    let enc = encode_best_with(&audio, &[dwt()], Target::Snr { db: 18.0 }, SHORT).unwrap();
    let decoded = decode(&enc.bytes, Limits::default()).unwrap();
    let m = Metrics::compute(&audio.channels, &decoded.channels, audio.sample_rate).unwrap();
    assert_eq!(m, enc.report.metrics);
    assert_eq!(enc.report.extra["bytes"], enc.bytes.len());
}

/// Digital silence inside a long input: the silent segments have no SNR to reach and are
/// stored exactly (header only), the others meet the target, and the file does.
#[test]
fn silent_segments_are_stored_exactly() {
    let tone = |t: usize| 0.3 * (2.0 * std::f64::consts::PI * 440.0 * t as f64 / 44_100.0).sin();
    let x: Vec<f64> = (0..132_300)
        .map(|t| {
            if (44_100..88_200).contains(&t) {
                0.0
            } else {
                tone(t)
            }
        })
        .collect();
    let audio = Audio::from_channels(44_100, vec![x.clone()]);
    let enc = encode_best_with(&audio, &[dwt()], Target::Snr { db: 20.0 }, SHORT).unwrap();
    let list = enc.report.extra["segments"]["list"]
        .as_array()
        .unwrap()
        .clone();
    let silent: Vec<_> = list.iter().filter(|s| s["snr_db"].is_null()).collect();
    assert!(!silent.is_empty(), "{list:?}");
    assert!(silent.iter().all(|s| s["bytes"].as_u64().unwrap() < 100));
    assert!(enc.target_met);
    assert!(enc.report.metrics.snr_db >= 20.0);
    // Samples that only a silent segment covers (segment 3: 59535..81585, less the overlaps)
    // decode to exact zeros.
    let y = &enc.audio.channels[0];
    assert!(y[62_000..79_000].iter().all(|&v| v == 0.0));
}

/// A sample rate the format cannot record is a parameter error before anything is segmented
/// (the `encode_params` fuzz target found `encode_best` panicking on a rate of 0 Hz).
#[test]
fn an_invalid_sample_rate_is_an_error_not_a_panic() {
    for rate in [0, u32::MAX] {
        let audio = Audio {
            sample_rate: rate,
            ..folk()
        };
        let e = encode_best(&audio, &[dwt()], Target::Snr { db: 20.0 }).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidParameter { name, .. } if *name == "sample_rate"),
            "{e}"
        );
        assert!(Segmenting::default_for(rate).is_err());
    }
}
