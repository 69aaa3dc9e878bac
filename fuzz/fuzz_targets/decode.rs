//! The `.swz` decoder on arbitrary bytes: it must return Ok or Err, never panic, and never
//! allocate beyond its limits. Each input is decoded as given and once more with its CRCs
//! recomputed, so that mutations get past the checksums into the parameter and payload
//! decoders of every format version. Run: `cargo +nightly fuzz run decode --
//! -max_total_time=600`, seeded with files of every version:
//! `mkdir -p fuzz/corpus/decode && cp fuzz/seeds/decode/*.swz
//! crates/sparsewave/tests/data/swz_v1/*.swz fuzz/corpus/decode/` (`*_segmented_v4.swz`:
//! segmented files from `sparsewave encode --segment-seconds 0.05`, one with `auto`'s mixed
//! methods; `hybrid_*_v4.swz`: hybrid files (method id 6, two layer files inside, whose CRCs
//! `fix_crcs` recomputes too) from `sparsewave encode --method hybrid --snr 20|25` of 50 ms of
//! folk_4s and 0.15 s of synthetic 8 kHz stereo; `*_v3.swz` from the version-3 encoder, among them a mid/side stereo file;
//! `*_v2.swz` from the version-2 encoder, version 1 from the version-1 encoder).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sparsewave::codec::container::FIXED_HEADER;
use sparsewave::codec::{decode, inspect, Limits};

/// Rewrite the header CRC and every chunk CRC to match the bytes present (inside the segments
/// of a segmented file too, whose chunks are whole files).
fn fix_crcs(bytes: &mut [u8]) {
    if bytes.len() < FIXED_HEADER {
        return;
    }
    let params = u32::from_le_bytes(bytes[24..28].try_into().unwrap()) as usize;
    let Some(h) = FIXED_HEADER.checked_add(params).filter(|h| h + 4 <= bytes.len()) else {
        return;
    };
    let crc = crc32(&bytes[..h]);
    bytes[h..h + 4].copy_from_slice(&crc.to_le_bytes());
    let mut pos = h + 4;
    while pos + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let end = (pos + 8).saturating_add(len).min(bytes.len());
        if bytes[pos + 8..end].starts_with(b"SWZ\x1a") {
            fix_crcs(&mut bytes[pos + 8..end]);
        }
        let crc = crc32(&bytes[pos + 8..end]);
        bytes[pos + 4..pos + 8].copy_from_slice(&crc.to_le_bytes());
        pos = end;
    }
}

/// CRC-32/ISO-HDLC, bitwise (the fuzz crate has no dependency but sparsewave).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_samples: 1 << 18,
    };
    let _ = inspect(data, limits);
    let _ = decode(data, limits);
    let mut fixed = data.to_vec();
    fix_crcs(&mut fixed);
    let _ = decode(&fixed, limits);
});
