//! The streamed `denoise --method auto|lsa|block|gaussian|wavelet|wsvd` against the whole-signal job:
//! the same output bytes and the same report numbers, bit for bit, on files many blocks long
//! (and, for wavelet shrinkage, many pieces of every level); failures leave no output.

use sparsewave::audio::{decode_file, write_wav, Audio, SampleFormat};
use sparsewave::denoise::block::BlockConfig;
use sparsewave::denoise::denoiser::{DenoiseMethod, DenoiseParams, WsvdOverrides};
use sparsewave::denoise::job::denoise;
use sparsewave::denoise::lsa::LsaConfig;
use sparsewave::noise::{add_noise, NoiseModel};
use sparsewave::stream::denoise::denoise_file;
use sparsewave::stream::StreamOptions;
use std::path::{Path, PathBuf};

/// Uniform noise in [−a, a] from a fixed linear congruential generator.
fn noise(n: usize, a: f64, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            a * (2.0 * ((s >> 11) as f64 / (1u64 << 53) as f64) - 1.0)
        })
        .collect()
}

/// The 4 s folk clip with noise: mono, or stereo (the second channel reversed and louder, so
/// the channels differ), written as WAV in `format`.
fn noisy_file(dir: &Path, channels: usize, format: SampleFormat) -> PathBuf {
    let clean = decode_file(Path::new("tests/data/folk_4s.wav")).unwrap();
    let x = &clean.channels[0];
    let mut chans = vec![x
        .iter()
        .zip(noise(x.len(), 0.02, 1))
        .map(|(a, b)| a + b)
        .collect::<Vec<f64>>()];
    if channels == 2 {
        chans.push(
            x.iter()
                .rev()
                .zip(noise(x.len(), 0.05, 2))
                .map(|(a, b)| 1.5 * a + b)
                .collect(),
        );
    }
    let mut audio = Audio::from_channels(clean.sample_rate, chans);
    audio.format = format;
    let path = dir.join(format!("noisy{channels}.wav"));
    write_wav(&path, &audio, None).unwrap();
    path
}

fn lsa(n_fft: usize) -> DenoiseParams {
    DenoiseParams {
        method: DenoiseMethod::Lsa,
        lsa: LsaConfig {
            n_fft,
            ..LsaConfig::default()
        },
        ..DenoiseParams::default()
    }
}

/// `auto` (the default) with segments of `segment` seconds.
fn auto(segment: f64) -> DenoiseParams {
    DenoiseParams {
        auto_segment: segment,
        ..DenoiseParams::default()
    }
}

fn block(n_fft: usize, delta: f64) -> DenoiseParams {
    DenoiseParams {
        method: DenoiseMethod::Block,
        block: BlockConfig { n_fft, delta },
        ..DenoiseParams::default()
    }
}

fn gaussian(sigma: f64) -> DenoiseParams {
    DenoiseParams {
        method: DenoiseMethod::Gaussian,
        sigma,
        ..DenoiseParams::default()
    }
}

fn wavelet(wavelet: &str, level: usize, rule: &str, threshold: &str, mode: &str) -> DenoiseParams {
    DenoiseParams {
        method: DenoiseMethod::Wavelet,
        wavelet: wavelet.parse().unwrap(),
        level,
        rule: rule.parse().unwrap(),
        threshold: threshold.parse().unwrap(),
        mode: mode.parse().unwrap(),
        ..DenoiseParams::default()
    }
}

/// WSVD in one band with cross-faded windows (the default) and `change` applied.
fn wsvd(change: impl FnOnce(&mut WsvdOverrides)) -> DenoiseParams {
    let mut wsvd = WsvdOverrides::default();
    change(&mut wsvd);
    DenoiseParams {
        method: DenoiseMethod::Wsvd,
        wsvd,
        ..DenoiseParams::default()
    }
}

/// Blocks of `block_frames` frames, channels kept.
fn options(block_frames: usize) -> StreamOptions {
    StreamOptions {
        block_frames,
        mono: false,
    }
}

/// Run both paths on `path` and compare bytes and report.
fn assert_streamed_equals_whole(path: &Path, params: &DenoiseParams, options: StreamOptions) {
    let dir = path.parent().unwrap();
    let denoiser = params.denoiser(None).unwrap();
    let mut noisy = decode_file(path).unwrap();
    if options.mono {
        noisy = noisy.downmix();
    }
    let whole = denoise(&noisy, &denoiser, None).unwrap();
    let whole_path = dir.join("whole.wav");
    let whole_write = write_wav(&whole_path, &whole.audio, Some(SampleFormat::Int(24))).unwrap();

    let streamed_path = dir.join("streamed.wav");
    let streamed = denoise_file(
        path,
        &streamed_path,
        &denoiser,
        Some(SampleFormat::Int(24)),
        &options,
    )
    .unwrap();
    let what = format!("{} {options:?}", path.display());
    assert_eq!(
        std::fs::read(&streamed_path).unwrap(),
        std::fs::read(&whole_path).unwrap(),
        "{what}"
    );
    assert_eq!(streamed.write, whole_write, "{what}");
    let (a, b) = (&streamed.report, &whole.report);
    assert_eq!(a.metrics, b.metrics, "{what}");
    assert!(a.metrics.nrr_db.is_some_and(f64::is_finite));
    assert_eq!(
        (a.sample_rate, a.channels, a.samples),
        (b.sample_rate, b.channels, b.samples)
    );
    assert_eq!(a.params, b.params);
    assert_eq!(a.extra, b.extra, "{what}");
    // The float output too, bit for bit: 24-bit rounding could hide a last-bit difference.
    let streamed_f32 = dir.join("streamed_f32.wav");
    denoise_file(
        path,
        &streamed_f32,
        &denoiser,
        Some(SampleFormat::Float32),
        &options,
    )
    .unwrap();
    let back = decode_file(&streamed_f32).unwrap();
    for (s, w) in back.channels.iter().zip(&whole.audio.channels) {
        assert!(
            s.iter().zip(w).all(|(s, w)| *s == (*w as f32) as f64),
            "{what}"
        );
    }
}

#[test]
fn streamed_lsa_equals_the_whole_signal_job_mono_and_stereo() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let mono = noisy_file(&dir, 1, SampleFormat::Int(16));
    let stereo = noisy_file(&dir, 2, SampleFormat::Float32);
    // 176 400 frames: blocks of 3001 frames are 59 blocks; the 2048-point STFT has 345
    // frames, six overlap-add blocks of 64; the 512-point one 1379 frames.
    for block_frames in [3001, 1 << 16] {
        let options = StreamOptions {
            block_frames,
            mono: false,
        };
        assert_streamed_equals_whole(&mono, &lsa(2048), options);
        assert_streamed_equals_whole(&stereo, &lsa(2048), options);
    }
    let small = StreamOptions {
        block_frames: 777,
        mono: false,
    };
    assert_streamed_equals_whole(&stereo, &lsa(512), small);
    assert_streamed_equals_whole(
        &stereo,
        &lsa(2048),
        StreamOptions {
            mono: true,
            ..small
        },
    );
}

#[test]
fn streamed_auto_equals_the_whole_signal_job_mono_and_stereo() {
    // 176 400 frames. Segments of 2 s (88 200 samples: two, the default) or 0.7 s (30 870:
    // six, the last short) end inside blocks of 3001 or 4999 frames; the 8192-point plane's
    // overlap-add blocks (131 072 samples) span many blocks and several segments.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let mono = noisy_file(&dir, 1, SampleFormat::Int(16));
    let stereo = noisy_file(&dir, 2, SampleFormat::Float32);
    assert_streamed_equals_whole(&mono, &auto(2.0), options(3001));
    assert_streamed_equals_whole(&stereo, &auto(0.7), options(4999));
    assert_streamed_equals_whole(&stereo, &auto(0.7), options(1 << 16));
    // The report holds every segment's weights and the candidates' risks.
    let whole = denoise(
        &decode_file(&stereo).unwrap(),
        &auto(0.7).denoiser(None).unwrap(),
        None,
    )
    .unwrap();
    let weights = &whole.report.extra["channel_info"][1]["auto"]["weights"];
    assert_eq!(weights.as_array().unwrap().len(), 6);
}

#[test]
fn streamed_block_thresholding_equals_the_whole_signal_job() {
    // Block thresholding's macroblock rows (8 frames) against runs of 64-frame blocks, and a
    // last row cut short (345 frames at n_fft 2048, 1379 at 512).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let mono = noisy_file(&dir, 1, SampleFormat::Int(16));
    let stereo = noisy_file(&dir, 2, SampleFormat::Float32);
    assert_streamed_equals_whole(&mono, &block(2048, 0.1), options(3001));
    assert_streamed_equals_whole(&stereo, &block(512, 0.05), options(777));
}

#[test]
fn streamed_gaussian_filter_equals_the_whole_signal_job() {
    // Kernel radii 4 (σ 1, the default), 3000 (σ 750: the window spans blocks of 777 frames)
    // and, on a 1000-sample file, 1200 (σ 300: longer than the signal, reflected twice).
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let stereo = noisy_file(&dir, 2, SampleFormat::Float32);
    assert_streamed_equals_whole(&stereo, &gaussian(1.0), options(3001));
    assert_streamed_equals_whole(&stereo, &gaussian(750.0), options(777));
    let short = dir.join("short.wav");
    let x = noise(1000, 0.3, 5);
    let y: Vec<f64> = x.iter().rev().map(|v| 0.5 * v).collect();
    write_wav(&short, &Audio::from_channels(8000, vec![x, y]), None).unwrap();
    assert_streamed_equals_whole(&short, &gaussian(300.0), options(77));
    assert_streamed_equals_whole(&short, &gaussian(2.0), options(77));
}

#[test]
fn streamed_wavelet_shrinkage_equals_the_whole_signal_job() {
    // BayesShrink and the universal threshold, soft and hard, every boundary mode, short and
    // long filters; the 4 s clip's finest band holds 88 202 coefficients or so (an even and
    // an odd count: both medians), more than one piece of every level.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let stereo = noisy_file(&dir, 2, SampleFormat::Float32);
    assert_streamed_equals_whole(
        &stereo,
        &wavelet("db3", 3, "bayes", "soft", "symmetric"),
        options(3001),
    );
    for (name, level, rule, threshold, mode) in [
        ("haar", 1, "universal", "hard", "periodization"),
        ("sym8", 6, "bayes", "hard", "zero"),
        ("coif5", 4, "universal", "soft", "reflect"),
        ("db2", 10, "bayes", "soft", "periodic"),
        ("db5", 5, "bayes", "soft", "periodization"),
    ] {
        let params = wavelet(name, level, rule, threshold, mode);
        assert_streamed_equals_whole(&stereo, &params, options(4096));
    }
    // Odd lengths: a finest band of odd and of even count.
    for n in [20_001, 20_003] {
        let odd = dir.join(format!("odd{n}.wav"));
        let x: Vec<f64> = noise(n, 0.3, 7)
            .iter()
            .enumerate()
            .map(|(i, v)| v + (0.01 * i as f64).sin())
            .collect();
        write_wav(&odd, &Audio::from_channels(8000, vec![x]), None).unwrap();
        for mode in ["symmetric", "periodization"] {
            let params = wavelet("db4", 4, "bayes", "soft", mode);
            assert_streamed_equals_whole(&odd, &params, options(999));
        }
    }
}

#[test]
fn streamed_wsvd_equals_the_whole_signal_job() {
    use sparsewave::linalg::rank_rule::Criterion;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let stereo = noisy_file(&dir, 2, SampleFormat::Float32);
    // The default (w = 200, the optimal rank at the estimated noise), in blocks shorter and
    // longer than a window; AIC (no noise estimate); a fixed rank with odd windows and the
    // paper's mapping; Lanczos.
    assert_streamed_equals_whole(&stereo, &wsvd(|_| {}), options(4096));
    assert_streamed_equals_whole(&stereo, &wsvd(|_| {}), options(77));
    assert_streamed_equals_whole(
        &stereo,
        &wsvd(|o| o.rank_rule = Some(Criterion::Aic)),
        options(1000),
    );
    assert_streamed_equals_whole(
        &stereo,
        &wsvd(|o| {
            o.window = Some(vec![151]);
            o.rank = Some(vec![6]);
            o.mapping = Some("paper".parse().unwrap());
        }),
        options(3001),
    );
    assert_streamed_equals_whole(
        &stereo,
        &wsvd(|o| {
            o.window = Some(vec![400]);
            o.rank = Some(vec![4]);
            o.svd = Some("lanczos".parse().unwrap());
        }),
        options(5000),
    );
    // As long as a window (one window, the whole signal), and a length whose last window is
    // off the grid.
    for n in [200, 20_037] {
        let short = dir.join(format!("short{n}.wav"));
        let x = noise(n, 0.3, 9);
        write_wav(&short, &Audio::from_channels(8000, vec![x]), None).unwrap();
        let params = wsvd(|o| o.rank_rule = Some(Criterion::Aic));
        assert_streamed_equals_whole(&short, &params, options(64));
    }
}

#[test]
fn coloured_noise_streams_with_its_measured_dc_lobe() {
    // Pink noise at 10 dB is estimated as coloured: the noise power of the STFT's two lowest
    // bins is measured in the signal's own frames, which pass one collects as they pass.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let clean = decode_file(Path::new("tests/data/folk_4s.wav")).unwrap();
    let noisy = add_noise(&clean, NoiseModel::Pink, 10.0, 3).unwrap().audio;
    let path = dir.join("pink.wav");
    write_wav(&path, &noisy, Some(SampleFormat::Float32)).unwrap();
    let denoiser = lsa(2048).denoiser(None).unwrap();
    let whole = denoise(&decode_file(&path).unwrap(), &denoiser, None).unwrap();
    assert_eq!(
        whole.report.extra["noise"][0]["model"], "coloured",
        "the test needs a coloured estimate"
    );
    for block_frames in [3001, 1 << 16] {
        let options = StreamOptions {
            block_frames,
            mono: false,
        };
        assert_streamed_equals_whole(&path, &lsa(2048), options);
    }
    // auto's probe is shaped by the coloured noise's power (a filter of its own).
    assert_streamed_equals_whole(
        &path,
        &auto(0.7),
        StreamOptions {
            block_frames: 3001,
            mono: false,
        },
    );
}

#[test]
fn a_noise_clip_streams_as_well() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let stereo = noisy_file(&dir, 2, SampleFormat::Int(16));
    let clip = Audio::from_channels(44_100, vec![noise(20_000, 0.02, 7), noise(20_000, 0.05, 8)]);
    let denoiser = lsa(1024).denoiser(Some(&clip)).unwrap();
    let noisy = decode_file(&stereo).unwrap();
    let whole = denoise(&noisy, &denoiser, None).unwrap();
    let out = dir.join("out.wav");
    let options = StreamOptions {
        block_frames: 5000,
        mono: false,
    };
    let streamed = denoise_file(&stereo, &out, &denoiser, None, &options).unwrap();
    assert_eq!(streamed.report.metrics, whole.report.metrics);
    assert_eq!(streamed.report.extra, whole.report.extra);
    // The input's format (16-bit), as the whole-signal output is written.
    let want = dir.join("want.wav");
    write_wav(&want, &whole.audio, None).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&want).unwrap());
    // auto with the clip's noise (its mean periodogram, a coloured model: the probe is shaped).
    let denoiser = auto(0.5).denoiser(Some(&clip)).unwrap();
    let whole = denoise(&noisy, &denoiser, None).unwrap();
    let streamed = denoise_file(&stereo, &out, &denoiser, None, &options).unwrap();
    assert_eq!(streamed.report.metrics, whole.report.metrics);
    assert_eq!(streamed.report.extra, whole.report.extra);
    write_wav(&want, &whole.audio, None).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&want).unwrap());
}

#[test]
fn a_truncated_or_corrupt_input_leaves_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let good = noisy_file(&dir, 2, SampleFormat::Float32);
    let bytes = std::fs::read(&good).unwrap();
    std::fs::remove_file(&good).unwrap();
    let denoiser = lsa(2048).denoiser(None).unwrap();
    let options = StreamOptions {
        block_frames: 4096,
        mono: false,
    };
    // Truncated: the header promises more frames than the file holds.
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 4]).unwrap();
    // Corrupt: a NaN (f32 0x7fc00000) in the middle of the samples.
    let mut nan = bytes.clone();
    let mid = (bytes.len() / 2) & !7;
    nan[mid..mid + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let corrupt = dir.join("corrupt.wav");
    std::fs::write(&corrupt, &nan).unwrap();
    for (input, expect, params) in [
        (&cut, "truncated", lsa(2048)),
        (&corrupt, "not a finite number", lsa(2048)),
        (&cut, "truncated", auto(1.0)),
        (&corrupt, "not a finite number", auto(1.0)),
        (
            &cut,
            "truncated",
            wavelet("db3", 3, "bayes", "soft", "symmetric"),
        ),
        (
            &corrupt,
            "not a finite number",
            wavelet("db3", 3, "bayes", "soft", "symmetric"),
        ),
    ] {
        let denoiser = params.denoiser(None).unwrap();
        let out = dir.join("out.wav");
        let err = denoise_file(input, &out, &denoiser, None, &options)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expect), "{err}");
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        assert!(err.contains(&name), "the error names the input: {err}");
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["corrupt.wav", "cut.wav"], "nothing else is left");
    }
    // An existing output is left as it was.
    let out = dir.join("out.wav");
    std::fs::write(&out, b"previous").unwrap();
    assert!(denoise_file(&cut, &out, &denoiser, None, &options).is_err());
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
}
