//! `audio::probe_file`: a header's rate and length, read without decoding, agree with the
//! decoded file (the length exactly for WAV and FLAC, whose headers declare it).

use sparsewave::audio::{decode_file, probe_file};
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new("tests/data/formats").join(name)
}

#[test]
fn headers_agree_with_the_decoded_audio() {
    for name in [
        "s16.wav",
        "s24.wav",
        "s32.wav",
        "f32.wav",
        "f64.wav",
        "u8.wav",
        "stereo_s16.wav",
        "s16.flac",
    ] {
        let header = probe_file(&fixture(name)).unwrap();
        let audio = decode_file(&fixture(name)).unwrap();
        assert_eq!(header.sample_rate, audio.sample_rate, "{name}");
        assert_eq!(header.frames, Some(audio.frames() as u64), "{name}");
        assert_eq!(header.seconds(), Some(audio.seconds()), "{name}");
        assert_eq!(header.container, audio.codec, "{name}");
    }
    // Lossy containers: the rate always; a declared length, when there is one, within a
    // codec frame of the decoded one.
    for name in ["s16.mp3", "s16.ogg"] {
        let header = probe_file(&fixture(name)).unwrap();
        let audio = decode_file(&fixture(name)).unwrap();
        assert_eq!(header.sample_rate, audio.sample_rate, "{name}");
        if let Some(frames) = header.frames {
            assert!(
                frames.abs_diff(audio.frames() as u64) <= 2304,
                "{name}: {frames}"
            );
        }
    }
}

#[test]
fn unreadable_files_are_errors_that_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"this is not audio at all").unwrap();
    let missing = dir.path().join("missing.wav");
    for (path, needle) in [
        (&empty, "file is empty"),
        (&junk, "not a recognised audio file"),
        (&missing, "missing.wav"),
    ] {
        let message = probe_file(path).unwrap_err().to_string();
        assert!(message.contains(needle), "{message}");
        assert!(
            message.contains(path.file_name().unwrap().to_str().unwrap()),
            "{message}"
        );
    }
}
