//! Streaming audio I/O: the block reader gives exactly the samples of the whole-file decoder,
//! the block writer exactly the bytes of the whole-file encoder, failures leave nothing, and a
//! reading of a file that changed since it was measured is refused.

use sparsewave::audio::{
    decode_file, encode_wav, write_wav, Audio, BlockReader, SampleFormat, WavBlockWriter,
};
use std::path::Path;

/// Every block of `path` read in blocks of `block` frames, appended per channel.
fn read_in_blocks(path: &Path, block: usize) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut reader = BlockReader::open(path, block).unwrap();
    let mut channels: Vec<Vec<f64>> = Vec::new();
    let mut sizes = Vec::new();
    while let Some(b) = reader.next_block().unwrap() {
        if channels.is_empty() {
            channels = vec![Vec::new(); b.len()];
        }
        sizes.push(b[0].len());
        for (c, plane) in channels.iter_mut().zip(&b) {
            c.extend_from_slice(plane);
        }
    }
    (channels, sizes)
}

#[test]
fn blocks_concatenate_to_the_decoded_file_in_every_format() {
    for name in [
        "formats/s16.wav",
        "formats/s24.wav",
        "formats/f64.wav",
        "formats/u8.wav",
        "formats/s16.flac",
        "formats/s16.mp3",
        "formats/s16.ogg",
        "formats/stereo_s16.wav",
        "folk_4s.wav",
    ] {
        let path = Path::new("tests/data").join(name);
        let whole = decode_file(&path).unwrap();
        for block in [1, 333, 4096, 1 << 20] {
            let (channels, sizes) = read_in_blocks(&path, block);
            assert_eq!(channels, whole.channels, "{name}, blocks of {block}");
            // Every block but the last is full.
            let (last, full) = sizes.split_last().unwrap();
            assert!(full.iter().all(|&s| s == block) && *last <= block, "{name}");
        }
        let reader = BlockReader::open(&path, 100).unwrap();
        assert_eq!(reader.sample_rate(), whole.sample_rate);
        assert_eq!(reader.format(), whole.format);
        assert_eq!(reader.codec(), whole.codec);
        // WAV and FLAC state their length exactly; MP3 and Ogg do not (or not exactly).
        let exact = name.ends_with(".wav") || name.ends_with(".flac");
        assert_eq!(
            reader.exact_frames(),
            exact.then_some(whole.frames() as u64),
            "{name}"
        );
    }
}

#[test]
fn a_truncated_file_is_an_error_of_the_last_block_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let bytes = std::fs::read("tests/data/folk_4s.wav").unwrap();
    let path = dir.join("cut.wav");
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let mut reader = BlockReader::open(&path, 4096).unwrap();
    let mut blocks = 0;
    let err = loop {
        match reader.next_block() {
            Ok(Some(_)) => blocks += 1,
            Ok(None) => panic!("a truncated file read to its end"),
            Err(e) => break e.to_string(),
        }
    };
    assert!(
        blocks > 0,
        "the error comes at the end, after the blocks that are there"
    );
    assert!(
        err.contains("cut.wav") && err.contains("truncated"),
        "{err}"
    );
    assert!(
        matches!(reader.next_block(), Ok(None)),
        "nothing follows the error"
    );
}

#[test]
fn block_writer_bytes_equal_the_whole_file_encoder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let audio = decode_file(Path::new("tests/data/formats/stereo_s16.wav")).unwrap();
    // Some samples beyond full scale, so that clipping is counted.
    let mut loud = audio.clone();
    for ch in &mut loud.channels {
        for v in ch.iter_mut().step_by(7) {
            *v *= 40.0;
        }
    }
    for format in [
        SampleFormat::Int(8),
        SampleFormat::Int(16),
        SampleFormat::Int(24),
        SampleFormat::Int(32),
        SampleFormat::Float32,
        SampleFormat::Float64,
    ] {
        let (want, want_report) = encode_wav(&loud, Some(format)).unwrap();
        assert!(want_report.clipped_samples > 0);
        for block in [1, 97, 1 << 20] {
            let path = dir.join("out.wav");
            let _ = std::fs::remove_file(&path);
            let mut w = WavBlockWriter::create(&path, loud.sample_rate, 2, format).unwrap();
            for start in (0..loud.frames()).step_by(block) {
                let end = (start + block).min(loud.frames());
                let b: Vec<&[f64]> = loud.channels.iter().map(|c| &c[start..end]).collect();
                w.write(&b).unwrap();
            }
            assert_eq!(w.frames(), loud.frames());
            // Nothing at the destination until the file is complete.
            assert!(!path.exists());
            let report = w.finish().unwrap();
            assert_eq!(
                std::fs::read(&path).unwrap(),
                want,
                "{format:?}, blocks of {block}"
            );
            assert_eq!(report, want_report);
        }
    }
}

#[test]
fn a_non_finite_sample_or_an_abandoned_writer_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let path = dir.join("out.wav");
    let mut w = WavBlockWriter::create(&path, 8000, 1, SampleFormat::Int(16)).unwrap();
    w.write(&[vec![0.25; 100]]).unwrap();
    let err = w.write(&[vec![0.5, f64::NAN]]).unwrap_err().to_string();
    assert!(
        err.contains("not finite") && err.contains("sample 101"),
        "{err}"
    );
    drop(w);
    // A wrong channel count is refused too.
    let mut w = WavBlockWriter::create(&path, 8000, 2, SampleFormat::Float32).unwrap();
    assert!(w.write(&[vec![0.0; 4]]).is_err());
    drop(w);
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    // The whole-file encoder refuses non-finite samples as well.
    let nan = Audio::from_channels(8000, vec![vec![0.0, f64::INFINITY]]);
    assert!(encode_wav(&nan, None).is_err());
}

#[test]
fn a_whole_file_is_written_as_encoded_and_a_non_finite_one_not_at_all() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("out.wav");
    // Two channels, samples beyond [−1, 1] (clipped and counted), every written format.
    let channels: Vec<Vec<f64>> = (0..2)
        .map(|c| {
            (0..5003)
                .map(|i| 1.3 * ((i * (c + 3)) as f64 * 0.01).sin())
                .collect()
        })
        .collect();
    let audio = Audio::from_channels(22050, channels);
    for format in [
        SampleFormat::Int(16),
        SampleFormat::Int(24),
        SampleFormat::Float32,
    ] {
        let (want, want_report) = encode_wav(&audio, Some(format)).unwrap();
        let report = write_wav(&path, &audio, Some(format)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), want, "{format:?}");
        assert_eq!(report, want_report);
        assert!(report.clipped_samples > 0);
    }
    // A non-finite sample: the encoder's own error (not an I/O error of the file), the file
    // already there untouched, and no temporary file left.
    let before = std::fs::read(&path).unwrap();
    let mut bad = audio.clone();
    bad.channels[1][4000] = f64::NAN;
    let err = write_wav(&path, &bad, None).unwrap_err();
    assert!(
        matches!(err, sparsewave::Error::Numerical(_)) && err.to_string().contains("sample 4000"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

/// A reading of a file that changed since it was measured: more frames than measured, or
/// another channel count than an earlier reading's, is refused, naming the file.
#[test]
fn a_reading_past_the_measured_length_or_with_other_channels_is_refused() {
    use sparsewave::stream::{Pass, StreamOptions};
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("stereo.wav");
    let left: Vec<f64> = (0..10_000).map(|i| (i as f64 * 0.01).sin() * 0.5).collect();
    let right: Vec<f64> = left.iter().map(|v| -v).collect();
    write_wav(&path, &Audio::from_channels(8000, vec![left, right]), None).unwrap();
    let options = StreamOptions {
        block_frames: 3000,
        mono: false,
    };
    let len = Pass::length(&path, &options).unwrap();
    assert_eq!(len, 10_000);
    let read_all = |measured: usize, channels: Option<usize>| -> sparsewave::Result<usize> {
        let mut pass = Pass::open(&path, &options)?;
        let mut blocks = 0;
        while let Some(block) = pass.next_block_within(measured, channels)? {
            blocks += 1;
            pass.recycle(block);
        }
        pass.check_length(measured)?;
        Ok(blocks)
    };
    assert_eq!(read_all(len, None).unwrap(), 4);
    assert_eq!(read_all(len, Some(2)).unwrap(), 4);
    for (measured, channels, says) in [
        (7_000, None, "changed while it was being read"),
        (len, Some(1), "has 2 channel(s) where 1 were expected"),
        (10_001, Some(2), "changed while it was being read"),
    ] {
        let err = read_all(measured, channels).unwrap_err().to_string();
        assert!(err.contains("stereo.wav") && err.contains(says), "{err}");
    }
}
