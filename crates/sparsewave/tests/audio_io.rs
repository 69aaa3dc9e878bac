//! Decoding every supported format, WAV round trips, and atomic output.

use sparsewave::audio::{decode_file, encode_wav, write_wav, Audio, SampleFormat};
use std::path::Path;

fn pcm() -> Vec<i16> {
    let v: serde_json::Value = serde_json::from_str(include_str!("data/formats/pcm.json")).unwrap();
    v["int16"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_i64().unwrap() as i16)
        .collect()
}

fn decode(name: &str) -> Audio {
    decode_file(&Path::new("tests/data/formats").join(name)).unwrap()
}

#[test]
fn lossless_formats_decode_to_the_source_samples() {
    let want: Vec<f64> = pcm().iter().map(|&s| f64::from(s) / 32768.0).collect();
    for (name, format) in [
        ("s16.wav", SampleFormat::Int(16)),
        ("s24.wav", SampleFormat::Int(24)),
        ("s32.wav", SampleFormat::Int(32)),
        ("f32.wav", SampleFormat::Float32),
        ("f64.wav", SampleFormat::Float64),
        ("s16.flac", SampleFormat::Int(16)),
    ] {
        let a = decode(name);
        assert_eq!(a.sample_rate, 44_100, "{name}");
        assert_eq!(a.channels.len(), 1, "{name}");
        assert_eq!(a.format, format, "{name}");
        assert_eq!(a.channels[0], want, "{name}: samples differ");
    }
    // 8-bit: libsndfile stores round(127·x) + 128, the decoder reads (u − 128)/128, so the
    // value is off by at most one step plus the 127/128 scale.
    let a = decode("u8.wav");
    assert_eq!(a.format, SampleFormat::Int(8));
    for (got, s) in a.channels[0].iter().zip(pcm()) {
        assert!((got - f64::from(s) / 32768.0).abs() <= 2.0 / 128.0);
    }
    let st = decode("stereo_s16.wav");
    assert_eq!(st.channels.len(), 2);
    for (l, r) in st.channels[0].iter().zip(&st.channels[1]) {
        assert!((r + 0.5 * l).abs() <= 1.0 / 32768.0);
    }
}

#[test]
fn lossy_formats_agree_with_an_independent_decoder() {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("data/formats/lossy.json")).unwrap();
    for name in ["s16.mp3", "s16.ogg"] {
        let want: Vec<f64> = v[name]["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_f64().unwrap())
            .collect();
        let a = decode(name);
        assert_eq!(a.sample_rate, 44_100);
        let got = &a.channels[0];
        // Encoder delay handling may differ by a few samples; align on the best lag.
        let best = (-1200i64..=1200)
            .map(|lag| {
                let mut err = 0.0;
                let mut n = 0;
                for (i, w) in want.iter().enumerate() {
                    let j = i as i64 + lag;
                    if j >= 0 && (j as usize) < got.len() {
                        err += (got[j as usize] - w).powi(2);
                        n += 1;
                    }
                }
                (err / n.max(1) as f64, lag, n)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        let power = want.iter().map(|w| w * w).sum::<f64>() / want.len() as f64;
        assert!(best.2 > want.len() / 2, "{name}: too little overlap");
        assert!(
            best.0 < 1e-6 * power.max(1e-6),
            "{name}: mse {} at lag {}",
            best.0,
            best.1
        );
    }
}

#[test]
fn wav_round_trip_is_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "s16.wav",
        "s24.wav",
        "s32.wav",
        "f32.wav",
        "stereo_s16.wav",
        "u8.wav",
    ] {
        let a = decode(name);
        let out = dir.path().join(name);
        let report = write_wav(&out, &a, None).unwrap();
        assert_eq!(report.clipped_samples, 0);
        let b = decode_file(&out).unwrap();
        assert_eq!(a.channels, b.channels, "{name}");
        assert_eq!(a.format, b.format, "{name}");
        assert_eq!(a.sample_rate, b.sample_rate);
    }
}

#[test]
fn explicit_bits_and_clipping_are_reported() {
    let a = Audio::from_channels(8000, vec![vec![0.5, 1.5, -2.0, -0.25, 1.0]]);
    let (bytes, report) = encode_wav(&a, Some(SampleFormat::Int(16))).unwrap();
    assert_eq!(report.clipped_samples, 2);
    let b = sparsewave::audio::decode_reader(bytes, "wav").unwrap();
    assert_eq!(
        b.channels[0],
        vec![0.5, 32767.0 / 32768.0, -1.0, -0.25, 32767.0 / 32768.0]
    );
    assert_eq!(b.sample_rate, 8000);
}

#[test]
fn atomic_write_leaves_nothing_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.bin");
    let r = sparsewave::audio::output::write_atomic_with(&target, |_| {
        Err(std::io::Error::other("simulated failure"))
    });
    assert!(r.is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A one-channel 8 kHz clip of 100 samples.
fn tiny() -> Audio {
    Audio::from_channels(8000, vec![vec![0.25; 100]])
}

#[cfg(unix)]
#[test]
fn outputs_get_the_umask_mode_or_keep_the_replaced_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // What a plain create gives here (0666 less this process's umask).
    let probe = dir.path().join("probe");
    std::fs::File::create(&probe).unwrap();
    let plain = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
    let new = dir.path().join("new.wav");
    write_wav(&new, &tiny(), None).unwrap();
    assert_eq!(
        std::fs::metadata(&new).unwrap().permissions().mode() & 0o777,
        plain
    );
    // Replacing a 0640 file keeps 0640.
    let old = dir.path().join("old.wav");
    std::fs::write(&old, b"x").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
    write_wav(&old, &tiny(), None).unwrap();
    assert_eq!(
        std::fs::metadata(&old).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(decode_file(&old).unwrap().frames(), 100);
}

#[cfg(unix)]
#[test]
fn a_target_that_is_not_a_regular_file_is_refused_and_left_alone() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.wav");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system: nothing to test
    }
    let e = write_wav(&fifo, &tiny(), None).unwrap_err().to_string();
    assert!(
        e.contains("pipe.wav") && e.contains("not a regular file"),
        "{e}"
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temporary file left"
    );
}

#[test]
fn wav_is_not_written_under_another_formats_name() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["flac", "mp3", "ogg", "FLAC"] {
        let p = dir.path().join(format!("out.{ext}"));
        let e = write_wav(&p, &tiny(), None).unwrap_err().to_string();
        assert!(
            e.contains(&format!("out.{ext}")) && e.contains("writes WAV"),
            "{e}"
        );
        assert!(!p.exists());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_unwritable_target_is_named_in_the_error_not_the_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("missing-folder").join("out.wav");
    let e = write_wav(&p, &tiny(), None).unwrap_err().to_string();
    assert!(e.contains("missing-folder/out.wav"), "{e}");
    assert!(!e.contains(".sparsewave-"), "{e}");
}

#[test]
fn a_sample_rate_whose_byte_rate_overflows_the_wav_header_is_refused() {
    // 4 GHz × 1 channel × 16 bits = 8 GB/s: more than the header's 32-bit byte rate.
    let audio = Audio::from_channels(4_000_000_000, vec![vec![0.0; 10]]);
    let e = encode_wav(&audio, Some(SampleFormat::Int(16)))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("invalid sample_rate:"), "{e}");
    // 192 kHz stereo float is fine and round-trips its header.
    let audio = Audio::from_channels(192_000, vec![vec![0.5; 10], vec![-0.5; 10]]);
    let (bytes, _) = encode_wav(&audio, Some(SampleFormat::Float32)).unwrap();
    let spec = hound::WavReader::new(std::io::Cursor::new(bytes))
        .unwrap()
        .spec();
    assert_eq!((spec.sample_rate, spec.channels), (192_000, 2));
}

/// A mono 8 kHz WAVE_FORMAT_EXTENSIBLE PCM file with `valid` significant bits in a
/// `container`-bit word (left-justified, as the format requires), built byte by byte.
fn extensible_pcm(container: u16, valid: u16, samples: &[i32]) -> Vec<u8> {
    let block = container / 8;
    let mut data = Vec::new();
    for &s in samples {
        let word = s << (container - valid);
        data.extend_from_slice(&word.to_le_bytes()[..usize::from(block)]);
    }
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&0xFFFEu16.to_le_bytes()); // WAVE_FORMAT_EXTENSIBLE
    fmt.extend_from_slice(&1u16.to_le_bytes()); // channels
    fmt.extend_from_slice(&8000u32.to_le_bytes());
    fmt.extend_from_slice(&(8000 * u32::from(block)).to_le_bytes());
    fmt.extend_from_slice(&block.to_le_bytes());
    fmt.extend_from_slice(&container.to_le_bytes());
    fmt.extend_from_slice(&22u16.to_le_bytes()); // extension size
    fmt.extend_from_slice(&valid.to_le_bytes());
    fmt.extend_from_slice(&4u32.to_le_bytes()); // channel mask: front centre
                                                // KSDATAFORMAT_SUBTYPE_PCM
    fmt.extend_from_slice(&[
        1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
    ]);
    let mut body = b"WAVEfmt ".to_vec();
    body.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    body.extend_from_slice(&fmt);
    body.extend_from_slice(b"data");
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(&data);
    let mut file = b"RIFF".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend_from_slice(&body);
    file
}

#[test]
fn twelve_and_twenty_bit_pcm_decode_exactly_and_write_back_losslessly() {
    for (container, valid, format) in [
        (16, 12, SampleFormat::Int(16)),
        (24, 20, SampleFormat::Int(24)),
    ] {
        let full = 1i32 << (valid - 1);
        let samples = [full / 2, -full / 4, full - 1, -full, 0, 3];
        let bytes = extensible_pcm(container, valid, &samples);
        let audio = sparsewave::audio::decode_reader(bytes, "wav").unwrap();
        assert_eq!(audio.format, format, "{valid}-bit");
        let want: Vec<f64> = samples
            .iter()
            .map(|&s| f64::from(s) / f64::from(full))
            .collect();
        assert_eq!(audio.channels[0], want, "{valid}-bit");
        // Written back in the next whole-byte depth, the samples survive bit for bit.
        let (wav, _) = encode_wav(&audio, None).unwrap();
        let again = sparsewave::audio::decode_reader(wav, "wav").unwrap();
        assert_eq!(again.channels[0], want, "{valid}-bit round trip");
    }
}

#[test]
fn staged_outputs_are_all_or_nothing() {
    use sparsewave::audio::output::Staged;
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.wav"), dir.path().join("b.csv"));
    // The second output cannot be written (its name is a folder): the first must not appear.
    std::fs::create_dir(&b).unwrap();
    let mut staged = Staged::default();
    sparsewave::audio::stage_wav(&mut staged, &a, &tiny(), None).unwrap();
    assert!(staged.add(&b, b"x").is_err());
    drop(staged);
    assert!(!a.exists());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        [std::ffi::OsString::from("b.csv")],
        "temporary files left: {names:?}"
    );
    // Committed, both appear with their content.
    std::fs::remove_dir(&b).unwrap();
    let mut staged = Staged::default();
    sparsewave::audio::stage_wav(&mut staged, &a, &tiny(), None).unwrap();
    staged.add(&b, b"x").unwrap();
    assert!(
        !a.exists() && !b.exists(),
        "nothing is visible before commit"
    );
    staged.commit().unwrap();
    assert_eq!(decode_file(&a).unwrap().frames(), 100);
    assert_eq!(std::fs::read(&b).unwrap(), b"x");
}

/// Found by the `load` fuzz target: a 24-channel input decoded fine, but the WAV written back
/// (WAVE_FORMAT_EXTENSIBLE with a speaker mask of 24 positions) was refused by the reader. Up to
/// the 18 standard positions the file reads back sample for sample; beyond, writing is refused.
#[test]
fn multichannel_wav_reads_back_up_to_the_standard_positions_and_is_refused_beyond() {
    use sparsewave::audio::{decode_reader, MAX_WAV_CHANNELS};
    let make = |channels: usize| {
        let mut audio = Audio::from_channels(
            8000,
            (0..channels)
                .map(|c| {
                    (0..64)
                        .map(|t| ((t * (c + 1)) % 17) as f64 / 32.0 - 0.25)
                        .collect()
                })
                .collect(),
        );
        audio.format = SampleFormat::Int(16);
        audio
    };
    let max = usize::from(MAX_WAV_CHANNELS);
    let audio = make(max);
    let (bytes, _) = encode_wav(&audio, None).unwrap();
    let back = decode_reader(bytes, "wav").unwrap();
    assert_eq!(back.channels, audio.channels);
    let e = encode_wav(&make(max + 1), None).unwrap_err().to_string();
    assert!(e.contains("19 channels cannot be written as WAV"), "{e}");
}
