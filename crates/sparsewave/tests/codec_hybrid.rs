//! Hybrid `.swz` files (method id 6, format version 4): PGBZ at a coarser target, then the DWT
//! on its residual. The file is the documented layout (outer header, two length- and
//! CRC-prefixed complete files whose decodings add), the decoder returns the encoder's
//! reconstruction bit for bit, `--snr D` lands in [D, D + 0.1], `auto` considers the hybrid
//! for SNR targets only, and damaged or crafted hybrid files are refused naming the problem.

use sparsewave::audio::{decode_file, Audio};
use sparsewave::codec::container::{chunk_prefix, CHUNK_PREFIX, FIXED_HEADER};
use sparsewave::codec::{
    self, decode, encode, encode_best, encode_best_with, inspect, Limits, Method, MethodKind,
    MethodSettings, Segmenting, Target,
};
use sparsewave::metrics::joint_snr_db;
use sparsewave::Error;
use std::path::Path;

fn folk() -> Audio {
    decode_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/folk_4s.wav")).unwrap()
}

/// The first 1.5 s of folk_4s.wav on the left, the 1.5 s after them on the right.
fn stereo_folk() -> Audio {
    let x = folk().channels.remove(0);
    let n = 66_150;
    Audio {
        channels: vec![x[..n].to_vec(), x[n..2 * n].to_vec()],
        ..folk()
    }
}

fn hybrid() -> Method {
    MethodSettings::default()
        .method(MethodKind::Hybrid)
        .unwrap()
}

fn snr(db: f64) -> Target {
    Target::Snr { db }
}

fn same_bits(a: &[Vec<f64>], b: &[Vec<f64>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len() && x.iter().zip(y).all(|(u, v)| u.to_bits() == v.to_bits())
        })
}

/// The layers' files of a hybrid file, read by the layout of FORMAT.md (not by the library's
/// parser): a 33-byte outer header (parameter block: the one byte 2), then two chunks.
fn layers(bytes: &[u8]) -> Vec<&[u8]> {
    let params = u32::from_le_bytes(bytes[24..28].try_into().unwrap()) as usize;
    assert_eq!(params, 1);
    assert_eq!(bytes[FIXED_HEADER], 2, "layer count");
    let mut pos = FIXED_HEADER + params + 4;
    let mut out = Vec::new();
    while pos < bytes.len() {
        let len = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let file = &bytes[pos + CHUNK_PREFIX..pos + CHUNK_PREFIX + len];
        assert_eq!(bytes[pos..pos + CHUNK_PREFIX], chunk_prefix(file));
        out.push(file);
        pos += CHUNK_PREFIX + len;
    }
    assert_eq!(pos, bytes.len());
    out
}

/// Mono and stereo: the file is the outer header and two complete files (PGBZ, then DWT),
/// each of which decodes on its own; their decodings summed sample by sample are what
/// `decode` returns, bit for bit, and what the encoder reported; the SNR is in [D, D + 0.1].
#[test]
fn hybrid_files_are_two_layers_that_add_bit_exactly_and_meet_the_target() {
    for (audio, db) in [(folk(), 25.0), (stereo_folk(), 20.0)] {
        let enc = encode(&audio, &hybrid(), snr(db)).unwrap();
        assert_eq!(enc.bytes[6], 6, "method id 6: hybrid");
        assert_eq!(u16::from_le_bytes([enc.bytes[4], enc.bytes[5]]), 5);
        assert_eq!(enc.method.name(), "hybrid");
        let files = layers(&enc.bytes);
        assert_eq!(files.len(), 2);
        let l1 = decode(files[0], Limits::default()).unwrap();
        let l2 = decode(files[1], Limits::default()).unwrap();
        assert_eq!(inspect(files[0], Limits::default()).unwrap().method, "pgbz");
        assert_eq!(inspect(files[1], Limits::default()).unwrap().method, "dwt");
        let sum: Vec<Vec<f64>> = l1
            .channels
            .iter()
            .zip(&l2.channels)
            .map(|(a, b)| a.iter().zip(b).map(|(u, v)| u + v).collect())
            .collect();
        let dec = decode(&enc.bytes, Limits::default()).unwrap();
        assert!(same_bits(&dec.channels, &sum));
        assert!(same_bits(&dec.channels, &enc.audio.channels));
        assert_eq!(
            (dec.sample_rate, dec.format, dec.frames()),
            (audio.sample_rate, audio.format, audio.frames())
        );
        let delivered = joint_snr_db(&audio.channels, &dec.channels);
        assert!(
            (db..=db + 0.1).contains(&delivered),
            "{db} dB asked, {delivered} delivered"
        );
        assert!(enc.target_met);
        let search = enc.report.extra["search"].as_array().unwrap();
        assert!(!search.is_empty() && search.len() <= enc.trials);
        assert_eq!(enc.report.metrics.snr_db.to_bits(), delivered.to_bits());
        // The report: the layers and every split tried, the chosen one the smallest file
        // among those meeting the target; layer 1 at D minus its split.
        let extra = &enc.report.extra;
        let splits = extra["splits"].as_array().unwrap();
        assert_eq!(splits.len(), 3);
        let best = splits
            .iter()
            .filter(|s| s["snr_db"].as_f64().unwrap() >= db)
            .map(|s| s["bytes"].as_u64().unwrap())
            .min()
            .unwrap();
        assert_eq!(best as usize, enc.bytes.len());
        let layer = |i: usize, key: &str| extra["layers"][i][key].clone();
        assert_eq!(layer(0, "bytes").as_u64().unwrap() as usize, files[0].len());
        assert_eq!(layer(1, "bytes").as_u64().unwrap() as usize, files[1].len());
        let split = db - layer(0, "target_db").as_f64().unwrap();
        assert!([2.0, 3.0, 4.5, 6.0].contains(&split), "split {split}");
        assert_eq!(
            enc.bytes.len(),
            FIXED_HEADER + 1 + 4 + 2 * CHUNK_PREFIX + files[0].len() + files[1].len()
        );
        let info = inspect(&enc.bytes, Limits::default()).unwrap();
        assert_eq!(info.method, "hybrid");
        assert_eq!(info.payload_bytes, vec![files[0].len(), files[1].len()]);
        assert!(info.params.starts_with("layer 1: pgbz"), "{}", info.params);
    }
}

/// `auto` encodes PGBZ, DWT and the hybrid for an SNR target and keeps the smallest file that
/// meets it; for a bitrate target the hybrid is not a candidate. `--method hybrid` refuses
/// a bitrate target and an SNR too low to split.
#[test]
fn auto_considers_the_hybrid_for_snr_targets_only() {
    let audio = folk();
    let settings = MethodSettings::default();
    let auto = encode_best(
        &audio,
        &settings.candidates(MethodKind::Auto).unwrap(),
        snr(20.0),
    )
    .unwrap();
    let listed = auto.report.extra["candidates"].as_array().unwrap();
    let names: Vec<&str> = listed
        .iter()
        .map(|c| c["method"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pgbz", "dwt", "hybrid"]);
    let smallest = listed
        .iter()
        .map(|c| c["bytes"].as_u64().unwrap())
        .min()
        .unwrap();
    assert_eq!(auto.bytes.len() as u64, smallest);
    let alone = encode(&audio, &hybrid(), snr(20.0)).unwrap();
    assert_eq!(
        listed[2]["bytes"].as_u64().unwrap() as usize,
        alone.bytes.len()
    );

    let by_rate = encode_best(
        &audio,
        &settings.candidates(MethodKind::Auto).unwrap(),
        Target::Bitrate { kbps: 16.0 },
    )
    .unwrap();
    assert_eq!(
        by_rate.report.extra["candidates"].as_array().unwrap().len(),
        2
    );

    let param = |r: sparsewave::Result<codec::Encoded>| match r {
        Err(Error::InvalidParameter { name, reason }) => (name, reason),
        other => panic!(
            "expected a parameter error, got {:?}",
            other.map(|e| e.bytes.len())
        ),
    };
    let (name, reason) = param(encode(&audio, &hybrid(), Target::Bitrate { kbps: 16.0 }));
    assert_eq!(name, "method");
    assert!(reason.contains("--snr"), "{reason}");
    let (name, reason) = param(encode(&audio, &hybrid(), snr(3.0)));
    assert_eq!(name, "snr");
    assert!(reason.contains("at least 4 dB"), "{reason}");
}

/// Segments of a segmented file can be hybrid files; the whole decodes to the encoder's
/// reconstruction bit for bit and meets the target.
#[test]
fn segments_can_be_hybrid_files() {
    let audio = folk();
    let segmenting = Segmenting::seconds(1.5, audio.sample_rate).unwrap();
    let enc = encode_best_with(&audio, &[hybrid()], snr(22.0), segmenting).unwrap();
    assert_eq!(enc.bytes[6], 0, "segmented");
    let dec = decode(&enc.bytes, Limits::default()).unwrap();
    assert!(same_bits(&dec.channels, &enc.audio.channels));
    let info = inspect(&enc.bytes, Limits::default()).unwrap();
    let segments = info.segments.unwrap();
    assert_eq!(
        segments.methods.get("hybrid"),
        Some(&(segments.count as usize))
    );
    assert!(joint_snr_db(&audio.channels, &dec.channels) >= 22.0);
}

fn corrupt(bytes: &[u8]) -> String {
    match decode(bytes, Limits::default()) {
        Err(Error::Corrupt(reason)) => {
            assert!(inspect(bytes, Limits::default()).is_err());
            reason
        }
        other => panic!(
            "expected a Corrupt error, got {:?}",
            other.map(|a| a.frames())
        ),
    }
}

/// A small hybrid file (0.3 s of folk).
fn small() -> Vec<u8> {
    let mut audio = folk();
    audio.channels[0].truncate(13_230);
    encode(&audio, &hybrid(), snr(15.0)).unwrap().bytes
}

/// Reassemble a hybrid file from an outer header (its CRC recomputed) and layer files.
fn assemble(header: &[u8], files: &[&[u8]]) -> Vec<u8> {
    let mut out = header.to_vec();
    let h = out.len() - 4;
    let crc = crc32fast::hash(&out[..h]);
    out[h..].copy_from_slice(&crc.to_le_bytes());
    for f in files {
        out.extend_from_slice(&chunk_prefix(f));
        out.extend_from_slice(f);
    }
    out
}

/// The corrupted-file catalogue for hybrid files: every truncation and flipped byte is refused;
/// crafted files with valid CRCs name what is wrong (parameter block, a missing, nested,
/// mismatched or other-version layer, trailing bytes, channel coding, version 3).
#[test]
fn damaged_and_crafted_hybrid_files_are_refused_naming_the_problem() {
    let bytes = small();
    for len in 0..bytes.len() {
        assert!(!corrupt(&bytes[..len]).is_empty());
    }
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x41;
        assert!(
            decode(&bad, Limits::default()).is_err(),
            "flip at byte {i} accepted"
        );
    }
    let files = layers(&bytes);
    let header = &bytes[..FIXED_HEADER + 1 + 4];
    assert!(same_bits(
        &decode(&assemble(header, &files), Limits::default())
            .unwrap()
            .channels,
        &decode(&bytes, Limits::default()).unwrap().channels
    ));

    let mut three = header.to_vec();
    three[FIXED_HEADER] = 3;
    assert!(corrupt(&assemble(&three, &files)).contains("parameter block"));
    assert!(corrupt(&assemble(header, &files[..1])).contains("layer 2 of 2 is missing"));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(corrupt(&longer).contains("unexpected bytes after the last layer"));
    assert!(corrupt(&assemble(header, &[files[0], &bytes])).contains("layer 2 is itself a hybrid"));

    // A layer of another length, or of another version.
    let mut other = folk();
    other.channels[0].truncate(13_000);
    let short = encode(
        &other,
        &MethodSettings::default().method(MethodKind::Dwt).unwrap(),
        snr(10.0),
    )
    .unwrap()
    .bytes;
    assert!(corrupt(&assemble(header, &[files[0], &short])).contains(
        "layer 2 differs from the file in channels, sample rate, source format or length"
    ));
    let mut v3 = files[1].to_vec();
    v3[4..6].copy_from_slice(&3_u16.to_le_bytes());
    let h = FIXED_HEADER + u32::from_le_bytes(v3[24..28].try_into().unwrap()) as usize;
    let crc = crc32fast::hash(&v3[..h]);
    v3[h..h + 4].copy_from_slice(&crc.to_le_bytes());
    assert!(
        corrupt(&assemble(header, &[files[0], &v3])).contains("layer 2 has version 3, the file 5")
    );

    // The outer header: mid/side is not a hybrid file's business; id 6 is new in version 4.
    let mut coded = header.to_vec();
    coded[10] = 1;
    assert!(corrupt(&assemble(&coded, &files)).contains("reserved header field"));
    let mut old = header.to_vec();
    old[4..6].copy_from_slice(&3_u16.to_le_bytes());
    assert!(corrupt(&assemble(&old, &files))
        .contains("method id 6 (hybrid) does not exist in format version 3"));
}
