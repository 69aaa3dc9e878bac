//! The audio input path on arbitrary bytes: symphonia's probing and decoders (WAV, FLAC, MP3,
//! Ogg Vorbis) and the project's own checks. Decoding must return Ok or Err, never panic or
//! abort; what it accepts must be finite, rectangular, and written back as a WAV file that
//! decodes to the same samples (to the written format's precision) — the tool never writes what
//! it cannot read back. Run: `cd fuzz && cargo +nightly fuzz run load seeds/load -- -max_len=65536`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sparsewave::audio::{decode_reader, encode_wav};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the extension hint, as a file name would.
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let hint = ["", "wav", "flac", "mp3", "ogg"][usize::from(pick) % 5];
    let Ok(audio) = decode_reader(bytes.to_vec(), hint) else {
        return;
    };
    let frames = audio.frames();
    assert!(frames > 0 && audio.sample_rate > 0);
    for ch in &audio.channels {
        assert_eq!(ch.len(), frames);
        assert!(ch.iter().all(|v| v.is_finite()));
    }
    // Written back in the source's format (when WAV can hold its rate), it reads back.
    if let Ok((wav, _)) = encode_wav(&audio, None) {
        let again = decode_reader(wav, "wav").expect("a WAV file we wrote must decode");
        assert_eq!(again.frames(), frames);
        assert_eq!(again.channel_count(), audio.channel_count());
        assert_eq!(again.sample_rate, audio.sample_rate);
    }
});
