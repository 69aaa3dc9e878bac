//! `encode`, `decode` and `info` of segmented `.swz` files: the CLI writes the library's
//! segmented bytes (its streamed path), reports per segment, and decodes them to the samples of
//! the library's decoder.

use assert_cmd::Command;
use sparsewave::codec::{
    decode, encode_best_with, Limits, MethodKind, MethodSettings, Segmenting, Target,
};
use std::path::Path;

const FOLK: &str = "../sparsewave/tests/data/folk_4s.wav";

mod common;

use common::{bin, json_of};

#[test]
fn encode_decode_and_info_of_a_segmented_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = std::fs::canonicalize(FOLK).unwrap();
    let input = input.to_str().unwrap();
    let report = json_of(
        &[
            "encode",
            input,
            "-o",
            "out.swz",
            "--method",
            "dwt",
            "--snr",
            "20",
            "--segment-seconds",
            "0.5",
            "--json",
        ],
        dir.path(),
    );
    // 0.5 s segments overlapping by 50 ms: 9 segments of 4 s.
    assert_eq!(report["segments"]["count"], 9);
    assert_eq!(report["segments"]["samples"], 22_050);
    assert_eq!(report["segments"]["overlap"], 2_205);
    assert_eq!(report["segments"]["methods"]["dwt"], 9);
    assert!(report["metrics"]["snr_db"].as_f64().unwrap() >= 20.0);
    let bytes = std::fs::read(dir.path().join("out.swz")).unwrap();
    assert_eq!(report["bytes"], bytes.len());
    // The library's in-memory encoder writes the same bytes.
    let audio = sparsewave::audio::decode_file(Path::new(input)).unwrap();
    let seg = Segmenting::seconds(0.5, 44_100).unwrap();
    let dwt = MethodSettings::default().method(MethodKind::Dwt).unwrap();
    let enc = encode_best_with(&audio, &[dwt], Target::Snr { db: 20.0 }, seg).unwrap();
    assert_eq!(enc.bytes, bytes);

    let info = json_of(&["info", "out.swz", "--json"], dir.path());
    assert_eq!(info["version"], 5);
    assert_eq!(info["segments"]["count"], 9);
    assert_eq!(info["samples"], 176_400);

    let decoded = json_of(
        &[
            "decode", "out.swz", "-o", "out.wav", "--bits", "32f", "--json",
        ],
        dir.path(),
    );
    assert_eq!(decoded["segmented"], true);
    assert_eq!(decoded["samples"], 176_400);
    let wav = sparsewave::audio::decode_file(&dir.path().join("out.wav")).unwrap();
    let expected = decode(&bytes, Limits::default()).unwrap();
    for (a, b) in wav.channels[0].iter().zip(&expected.channels[0]) {
        assert_eq!(*a, *b as f32 as f64);
    }
}

#[test]
fn a_segment_length_of_no_samples_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let input = std::fs::canonicalize(FOLK).unwrap();
    let out = Command::new(bin())
        .args(["encode", input.to_str().unwrap(), "-o", "out.swz"])
        .args(["--segment-seconds", "0", "--snr", "20"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--segment-seconds"), "{stderr}");
    assert!(!dir.path().join("out.swz").exists());
}
