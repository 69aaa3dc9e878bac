//! Version-1 to -4 `.swz` files decode unchanged: the files in `tests/data/swz_v1/` to
//! `tests/data/swz_v4/` were written by those versions' encoders (see `make.sh` there) and their
//! decoded samples fingerprinted by those versions' decoders; every later decoder must
//! reproduce them bit for bit.

use sparsewave::codec::{decode, inspect, Limits};
use std::path::Path;

/// FNV-1a (64-bit) over the little-endian bytes of every decoded sample, channel by channel.
fn fingerprint(channels: &[Vec<f64>]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in channels {
        for v in c {
            for b in v.to_bits().to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
    }
    h
}

/// (file, method as `inspect` names it, channels, samples, fingerprint of the version-1
/// decoder's output).
const FILES: [(&str, &str, usize, usize, u64); 7] = [
    ("dwt.swz", "dwt", 1, 8192, 0x5ECCA81A4DB46C16),
    ("stft.swz", "stft", 1, 8192, 0xB8CF253982EDE378),
    ("pgbz.swz", "pgbz", 1, 8192, 0xF6EE4CA8CDC8E582),
    ("pgbz_ls.swz", "pgbz", 1, 8192, 0x4C6A1C738C62F935),
    ("svd.swz", "svd", 1, 8192, 0x6B18E95B0EE70E16),
    ("svd_gl.swz", "svd", 1, 8192, 0x29658452191963FA),
    ("interp.swz", "interp", 1, 8192, 0x65B973FAECC83DA7),
];

/// Version-2 files (`tests/data/swz_v2/`, see `make.sh` there), fingerprinted by the version-2
/// decoder: only the sparse payloads differ from version 1.
const FILES_V2: [(&str, &str, usize, usize, u64); 4] = [
    ("dwt.swz", "dwt", 1, 8192, 0x151CB2DF7643DEDB),
    ("stft.swz", "stft", 1, 8192, 0x5D349BDABC84932E),
    ("pgbz.swz", "pgbz", 1, 8192, 0xE39006D73752E17F),
    ("pgbz_ls.swz", "pgbz", 1, 8192, 0x4C9AB7B177F7FCFD),
];

/// Version-3 files (`tests/data/swz_v3/`, see `make.sh` there), fingerprinted by the version-3
/// decoder: DWT classes and signs coded as version 3 does, and a stereo file in mid/side.
const FILES_V3: [(&str, &str, usize, usize, u64); 4] = [
    ("dwt.swz", "dwt", 1, 8192, 0x164E77896F585CDA),
    ("stft.swz", "stft", 1, 8192, 0x5D349BDABC84932E),
    ("pgbz.swz", "pgbz", 1, 8192, 0xE39006D73752E17F),
    ("dwt_mid_side.swz", "dwt", 2, 8192, 0xE617FC6BD40E40B9),
];

/// Version-4 files (`tests/data/swz_v4/`, see `make.sh` there), fingerprinted by the version-4
/// decoder: DWT leaves of wavelet-packet trees (mono and mid/side), a segmented file and a
/// hybrid file.
const FILES_V4: [(&str, &str, usize, usize, u64); 4] = [
    ("dwt_packets.swz", "dwt", 1, 8192, 0xFC51B9948F9EFCF2),
    ("dwt_mid_side.swz", "dwt", 2, 8192, 0xB2128826C6425F0A),
    ("dwt_segmented.swz", "dwt", 1, 176400, 0x0D55272AAC92E9CC),
    ("hybrid.swz", "hybrid", 1, 8192, 0xC4A667C39698C2A7),
];

#[test]
fn version_1_files_decode_bit_for_bit() {
    decode_bit_for_bit("tests/data/swz_v1", 1, &FILES);
}

#[test]
fn version_2_files_decode_bit_for_bit() {
    decode_bit_for_bit("tests/data/swz_v2", 2, &FILES_V2);
}

#[test]
fn version_3_files_decode_bit_for_bit() {
    decode_bit_for_bit("tests/data/swz_v3", 3, &FILES_V3);
}

#[test]
fn version_4_files_decode_bit_for_bit() {
    decode_bit_for_bit("tests/data/swz_v4", 4, &FILES_V4);
}

fn decode_bit_for_bit(dir: &str, version: u16, files: &[(&str, &str, usize, usize, u64)]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    for &(name, method, channels, samples, expected) in files {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let info = inspect(&bytes, Limits::default()).unwrap();
        assert_eq!(info.version, version, "{name}");
        assert_eq!(info.method, method, "{name}");
        let audio = decode(&bytes, Limits::default()).unwrap();
        assert_eq!(audio.channels.len(), channels, "{name}");
        assert_eq!(audio.channels[0].len(), samples, "{name}");
        assert_eq!(
            fingerprint(&audio.channels),
            expected,
            "{name}: {:#X}",
            fingerprint(&audio.channels)
        );
    }
}

/// Damage to a version-1 to -4 file is refused like damage to a current one: every
/// flipped byte (CRC-checked), every truncation.
#[test]
fn damaged_old_files_are_refused() {
    let old = FILES
        .iter()
        .map(|f| ("tests/data/swz_v1", f.0))
        .chain(FILES_V2.iter().map(|f| ("tests/data/swz_v2", f.0)))
        .chain(FILES_V3.iter().map(|f| ("tests/data/swz_v3", f.0)))
        .chain(FILES_V4.iter().map(|f| ("tests/data/swz_v4", f.0)));
    for (dir, name) in old {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let bytes = std::fs::read(dir.join(name)).unwrap();
        for i in (0..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(
                decode(&bad, Limits::default()).is_err(),
                "{name}: flip at {i}"
            );
        }
        for len in (0..bytes.len()).step_by(13) {
            assert!(
                decode(&bytes[..len], Limits::default()).is_err(),
                "{name}: {len} bytes"
            );
        }
    }
}
