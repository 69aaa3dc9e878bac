//! The bad-input catalogue (README, "Bad input"): one test per class of hostile input. Every
//! refusal is checked for a non-zero exit, a message that names the user's file (or flag) and
//! the problem, no panic, nothing left behind in the working folder (no output, no temporary
//! file, no folder) and an unchanged input.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

const S16: &str = "../sparsewave/tests/data/formats/s16.wav";
const FOLK: &str = "../sparsewave/tests/data/folk_4s.wav";

mod common;

use common::{bin, json_of};

/// Every path under `dir` with its content (files) or `None` (folders).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.insert(p.clone(), None);
            out.extend(snapshot(&p));
        } else {
            out.insert(p.clone(), Some(std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// A working folder holding a copy of `source` as `in.wav`.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn with(source: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(source, dir.path().join("in.wav")).unwrap();
        Work { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Run `args` in this folder and check the refusal: exit 1 (2 for values the argument
    /// parser refuses), every needle in the message, and the folder exactly as before.
    fn refused(&self, args: &[&str], needles: &[&str]) {
        let before = snapshot(self.dir.path());
        let out = Command::new(bin())
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{args:?}: {:?} {stderr}",
            out.status
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        for n in needles {
            assert!(stderr.contains(n), "{args:?}: {stderr:?} lacks {n:?}");
        }
        assert_eq!(
            snapshot(self.dir.path()),
            before,
            "{args:?} changed the folder"
        );
    }
}

#[test]
fn sizes_beyond_the_memory_are_refused_before_allocating() {
    let w = Work::with(FOLK);
    w.refused(
        &["approx", "in.wav", "-o", "out.wav", "--n-fft", "1073741824"],
        &["in.wav", "STFT plan with n_fft 1073741824", "needs about"],
    );
    w.refused(
        &[
            "compress",
            "in.wav",
            "-o",
            "out.wav",
            "--method",
            "pgbz",
            "--lattice",
            "99999x99999",
        ],
        &[
            "in.wav",
            "99999x99999 lattice",
            "needs about",
            "of memory available on this machine (--max-memory sets another limit)",
        ],
    );
    w.refused(
        &[
            "denoise", "in.wav", "-o", "out.wav", "--method", "gaussian", "--sigma", "1e9",
        ],
        &["--sigma", "1000000000 samples is wider"],
    );
    // The same classes with the limit set by hand: a 4 s file does not fit in 1 MiB.
    w.refused(
        &["approx", "in.wav", "-o", "out.wav", "--max-memory", "1M"],
        &[
            "in.wav",
            "176400 frames",
            "the limit of 1.0 MiB set with --max-memory",
        ],
    );
    w.refused(
        &["approx", "in.wav", "-o", "out.wav", "--max-memory", "lots"],
        &["--max-memory", "'lots' is not a size"],
    );
}

#[test]
fn unbounded_inputs_end_with_a_clear_error() {
    let w = Work::with(S16);
    // A device that never ends and holds no audio.
    w.refused(
        &["approx", "/dev/zero", "-o", "out.wav"],
        &["/dev/zero", "not a recognised audio file"],
    );
    // A WAV header declaring an unknown length followed by an endless stream on a pipe: read
    // until the decoded samples would pass the limit, then refused.
    let mut header = b"RIFF\xff\xff\xff\xffWAVEfmt ".to_vec();
    for v in [16_u32.to_le_bytes().to_vec(), vec![1, 0, 1, 0]] {
        header.extend(v);
    }
    header.extend(44100_u32.to_le_bytes());
    header.extend(88200_u32.to_le_bytes());
    header.extend([2, 0, 16, 0]);
    header.extend(b"data\xff\xff\xff\xff");
    let mut child = std::process::Command::new(bin())
        .args([
            "approx",
            "/dev/stdin",
            "-o",
            "out.wav",
            "--max-memory",
            "16M",
        ])
        .current_dir(w.dir.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let zeros = vec![0_u8; 1 << 16];
        // Stops when the reader gives up (broken pipe) or after 1 GiB.
        let _ = stdin.write_all(&header);
        for _ in 0..(1 << 14) {
            if stdin.write_all(&zeros).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("/dev/stdin") && stderr.contains("limit of 16.0 MiB"),
        "{stderr}"
    );
    assert!(!w.path("out.wav").exists());
}

#[test]
fn outputs_other_tools_could_misread_or_that_replace_non_files_are_refused() {
    let w = Work::with(S16);
    for ext in ["flac", "mp3", "ogg"] {
        let name = format!("out.{ext}");
        w.refused(
            &["interp", "in.wav", "-o", &name, "--factor", "2"],
            &[&name, "name the output .wav"],
        );
    }
    // A device node is refused, not replaced by a regular file.
    w.refused(
        &["interp", "in.wav", "-o", "/dev/null", "--factor", "2"],
        &["/dev/null", "not a regular file"],
    );
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    // An output folder that is a file, named as the user gave it.
    std::fs::write(w.path("afile"), b"x").unwrap();
    w.refused(
        &["interp", "in.wav", "-o", "afile/out.wav", "--factor", "2"],
        &["afile/out.wav", "output folder does not exist"],
    );
}

#[test]
fn written_files_get_the_umask_or_keep_the_mode_they_replace() {
    use std::os::unix::fs::PermissionsExt;
    let w = Work::with(S16);
    let run = |umask: &str, out: &str| {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
            .arg(bin())
            .args(["interp", "in.wav", "-o", out, "--factor", "2"])
            .current_dir(w.dir.path())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::metadata(w.path(out)).unwrap().permissions().mode() & 0o777
    };
    assert_eq!(run("027", "new.wav"), 0o640);
    assert_eq!(run("022", "other.wav"), 0o644);
    std::fs::set_permissions(w.path("new.wav"), std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(run("022", "new.wav"), 0o600, "the replaced file's mode");
}

#[test]
fn commands_with_several_outputs_write_all_or_nothing() {
    let w = Work::with(S16);
    // The figure's name is taken by a folder: the audio must not be written either.
    std::fs::create_dir_all(w.path("figs/out_input_spectrogram.png")).unwrap();
    w.refused(
        &[
            "approx", "in.wav", "-o", "out.wav", "--rank", "2", "--plots", "figs",
        ],
        &["out_input_spectrogram.png", "is a directory"],
    );
    // A parameter that only the input can refuse: the plot folder is not created.
    w.refused(
        &[
            "compress", "in.wav", "-o", "out.wav", "--method", "dwt", "--level", "20", "--plots",
            "new_figs",
        ],
        &["in.wav", "--level", "too deep for 2205 samples"],
    );
    // A plot folder that cannot be one is refused before any work.
    std::fs::write(w.path("afile"), b"x").unwrap();
    w.refused(
        &["approx", "in.wav", "-o", "out.wav", "--plots", "afile/figs"],
        &["afile/figs", "afile is not a folder"],
    );
    // The second output of addnoise cannot be written: neither is written.
    w.refused(
        &[
            "addnoise",
            "in.wav",
            "-o",
            "noisy.wav",
            "--snr",
            "10",
            "--noise-out",
            "nowhere/noise.wav",
        ],
        &["nowhere/noise.wav"],
    );
    // sweep and rd: folders that cannot be made.
    w.refused(
        &["sweep", "in.wav", "-o", "afile/sweep"],
        &["afile/sweep", "not a folder"],
    );
    w.refused(
        &[
            "rd",
            "in.wav",
            "--methods",
            "dwt",
            "--bitrates",
            "64",
            "--out-dir",
            "afile/rd",
        ],
        &["afile/rd", "not a folder"],
    );
}

#[test]
fn demo_writes_its_folder_all_or_nothing() {
    let w = Work::with(S16);
    // A figure's name is taken by a folder: the run fails after its work and leaves no file
    // and no folder besides what was there.
    std::fs::create_dir_all(w.path("demo/plots/approx_k20_original_phase_waveform.png")).unwrap();
    let before = snapshot(w.dir.path());
    let out = Command::new(bin())
        .args(["demo", "-o", "demo"])
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("approx_k20_original_phase_waveform.png"));
    assert_eq!(snapshot(w.dir.path()), before);
}

/// Samples of a 16-bit or float WAV file, per channel, as the decoder scales them.
fn read_wav(path: &Path) -> Vec<Vec<f64>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let c = usize::from(spec.channels);
    let flat: Vec<f64> = match spec.sample_format {
        hound::SampleFormat::Int => r
            .samples::<i32>()
            .map(|s| f64::from(s.unwrap()) / f64::from(1_u32 << (spec.bits_per_sample - 1)))
            .collect(),
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| f64::from(s.unwrap())).collect(),
    };
    (0..c)
        .map(|k| flat.iter().skip(k).step_by(c).copied().collect())
        .collect()
}

fn write_wav(path: &Path, rate: u32, channels: &[Vec<f64>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for t in 0..channels[0].len() {
        for ch in channels {
            w.write_sample((ch[t] * 32767.0).round() as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

#[test]
fn reports_describe_the_file_as_written() {
    // At −60 dB most noisy samples clip: the SNR reported is the written file's.
    let w = Work::with(S16);
    let report = json_of(
        &[
            "addnoise",
            "in.wav",
            "-o",
            "noisy.wav",
            "--snr",
            "-60",
            "--seed",
            "1",
            "--json",
        ],
        w.dir.path(),
    );
    let clean = read_wav(&w.path("in.wav"));
    let noisy = read_wav(&w.path("noisy.wav"));
    let (signal, error) = clean[0]
        .iter()
        .zip(&noisy[0])
        .fold((0.0, 0.0), |(s, e), (x, y)| {
            (s + x * x, e + (x - y).powi(2))
        });
    let measured = 10.0 * (signal / error).log10();
    let reported = report["metrics"]["snr_db"].as_f64().unwrap();
    assert!(report["clipped_samples"].as_u64().unwrap() > 0);
    assert!(
        (reported - measured).abs() < 0.01,
        "{reported} vs {measured}"
    );
    let before = report["snr_before_clipping_db"].as_f64().unwrap();
    assert!((before + 60.0).abs() < 1e-6, "{before}");
    assert!(
        reported > before + 10.0,
        "clipping raised the SNR: {reported}"
    );
}

#[test]
fn a_silent_channel_is_accepted_beside_one_that_is_not() {
    let w = Work::with(S16);
    let mono = read_wav(&w.path("in.wav")).remove(0);
    let silent = vec![0.0; mono.len()];
    write_wav(&w.path("half.wav"), 44100, &[mono.clone(), silent.clone()]);
    json_of(
        &[
            "addnoise",
            "half.wav",
            "-o",
            "noisy.wav",
            "--snr",
            "10",
            "--json",
        ],
        w.dir.path(),
    );
    let noisy = read_wav(&w.path("noisy.wav"));
    // The silent side gets noise at the level of the other side's SNR.
    let energy = |x: &[f64]| x.iter().map(|v| v * v).sum::<f64>();
    let (signal, noise1) = (energy(&mono), energy(&noisy[1]));
    let ratio_db = 10.0 * (signal / noise1).log10();
    assert!((ratio_db - 10.0).abs() < 0.1, "{ratio_db}");
    // Every channel silent: refused, naming the file.
    write_wav(&w.path("quiet.wav"), 44100, &[silent.clone(), silent]);
    w.refused(
        &["addnoise", "quiet.wav", "-o", "q.wav", "--snr", "10"],
        &["quiet.wav", "silent in every channel"],
    );
}

#[test]
fn a_noise_clip_at_another_rate_is_refused() {
    let w = Work::with(S16);
    let mono = read_wav(&w.path("in.wav")).remove(0);
    write_wav(&w.path("clip22k.wav"), 22050, &[mono]);
    for method in ["gate", "lsa", "auto"] {
        w.refused(
            &[
                "denoise",
                "in.wav",
                "-o",
                "out.wav",
                "--method",
                method,
                "--noise-clip",
                "clip22k.wav",
            ],
            &["in.wav", "--noise-clip", "22050 Hz", "44100 Hz"],
        );
    }
}

/// A plain PCM WAV (format tag 1) of `channels` 8-bit channels and `frames` frames: the layout
/// the `load` fuzz target found decodable with 24 channels.
fn plain_pcm_wav(channels: u16, frames: u32) -> Vec<u8> {
    let data = u32::from(channels) * frames;
    let mut b = b"RIFF".to_vec();
    b.extend((36 + data).to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16_u32.to_le_bytes());
    b.extend(1_u16.to_le_bytes());
    b.extend(channels.to_le_bytes());
    b.extend(8000_u32.to_le_bytes());
    b.extend((8000 * u32::from(channels)).to_le_bytes());
    b.extend(channels.to_le_bytes());
    b.extend(8_u16.to_le_bytes());
    b.extend(b"data");
    b.extend(data.to_le_bytes());
    b.extend((0..data).map(|i| (128 + (i * 7 % 50)) as u8));
    b
}

#[test]
fn what_cannot_be_written_back_as_wav_is_refused_not_written() {
    let w = Work::with(S16);
    std::fs::write(w.path("many.wav"), plain_pcm_wav(24, 400)).unwrap();
    w.refused(
        &["interp", "many.wav", "-o", "out.wav", "--factor", "2"],
        &["many.wav", "24 channels cannot be written as WAV", "--mono"],
    );
    // With --mono it is one channel, written and read back.
    let report = json_of(
        &[
            "interp", "many.wav", "-o", "mono.wav", "--factor", "2", "--mono", "--json",
        ],
        w.dir.path(),
    );
    assert_eq!(report["channels"], 1);
    assert_eq!(read_wav(&w.path("mono.wav")).len(), 1);
}

/// Damaged segmented `.swz` files (format version 4): a truncated segment, a damaged one, a
/// segment count that does not match the length, an overlap of a whole segment. `decode` and
/// `info` refuse each naming the file and the problem, and `decode` leaves no output.
#[test]
fn damaged_segmented_files_are_refused() {
    let w = Work::with(FOLK);
    let made = Command::new(bin())
        .args([
            "encode",
            "in.wav",
            "-o",
            "seg.swz",
            "--segment-seconds",
            "1",
        ])
        .args(["--method", "dwt", "--snr", "15"])
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    assert!(made.status.success());
    let good = std::fs::read(w.path("seg.swz")).unwrap();
    // The outer header is 48 bytes; the parameter block holds L, V, K at 28, 32, 36.
    let with_header = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        edit(&mut b);
        let crc = crc32(&b[..44]);
        b[44..48].copy_from_slice(&crc.to_le_bytes());
        b
    };
    let first_len = u32::from_le_bytes(good[48..52].try_into().unwrap()) as usize;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.swz",
            good[..48 + 8 + first_len / 2].to_vec(),
            "truncated",
        ),
        (
            "damaged.swz",
            {
                let mut b = good.clone();
                b[48 + 8 + first_len / 2] ^= 1;
                b
            },
            "segment 0: CRC mismatch",
        ),
        (
            "count.swz",
            with_header(&|b| b[36..44].copy_from_slice(&u64::MAX.to_le_bytes())),
            "does not match",
        ),
        (
            "overlap.swz",
            with_header(&|b| {
                let l = b[28..32].to_vec();
                b[32..36].copy_from_slice(&l);
            }),
            "more than half the segment length",
        ),
    ];
    for (name, bytes, _) in &cases {
        std::fs::write(w.path(name), bytes).unwrap();
    }
    for (name, _, problem) in &cases {
        w.refused(&["decode", name, "-o", "out.wav"], &[name, problem]);
        w.refused(&["info", name], &[name, problem]);
    }
}

/// CRC-32/ISO-HDLC (the container's), bit by bit.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Damaged hybrid `.swz` files (method id 6: two layers, each a complete file): a truncated
/// layer, a damaged one, a missing second layer, a wrong layer count. `decode` and `info`
/// refuse each naming the file and the problem, and `decode` leaves no output; `rd` refuses
/// the hybrid (it sweeps bit rates), `encode` a hybrid with `--bitrate`.
#[test]
fn damaged_hybrid_files_are_refused() {
    let w = Work::with(FOLK);
    let made = Command::new(bin())
        .args(["encode", "in.wav", "-o", "hyb.swz"])
        .args(["--method", "hybrid", "--snr", "15"])
        .current_dir(w.dir.path())
        .output()
        .unwrap();
    assert!(made.status.success());
    let good = std::fs::read(w.path("hyb.swz")).unwrap();
    assert_eq!(good[6], 6);
    // The outer header is 33 bytes: the layer count at 28, its CRC at 29..33.
    let first_len = u32::from_le_bytes(good[33..37].try_into().unwrap()) as usize;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.swz",
            good[..33 + 8 + first_len / 2].to_vec(),
            "truncated",
        ),
        (
            "damaged.swz",
            {
                let mut b = good.clone();
                b[33 + 8 + first_len / 2] ^= 1;
                b
            },
            "layer 1: CRC mismatch",
        ),
        (
            "missing.swz",
            good[..33 + 8 + first_len].to_vec(),
            "layer 2 of 2 is missing",
        ),
        (
            "count.swz",
            {
                let mut b = good.clone();
                b[28] = 3;
                let crc = crc32(&b[..29]);
                b[29..33].copy_from_slice(&crc.to_le_bytes());
                b
            },
            "parameter block",
        ),
    ];
    for (name, bytes, _) in &cases {
        std::fs::write(w.path(name), bytes).unwrap();
    }
    for (name, _, problem) in &cases {
        w.refused(&["decode", name, "-o", "out.wav"], &[name, problem]);
        w.refused(&["info", name], &[name, problem]);
    }
    w.refused(
        &[
            "encode",
            "in.wav",
            "-o",
            "b.swz",
            "--method",
            "hybrid",
            "--bitrate",
            "16",
        ],
        &["--method", "--snr"],
    );
    w.refused(
        &["rd", "in.wav", "--methods", "hybrid"],
        &["--methods", "hybrid"],
    );
}

/// A reader that goes away (`sparsewave info f.swz | head -1`) ends the command quietly with
/// success, as Unix tools do; a stdout that cannot be written (a full disk) is an error that
/// says so. Never the panic of `println!`.
#[test]
fn a_closed_or_full_stdout_ends_without_a_panic() {
    let swz = "../sparsewave/tests/data/swz_v4/dwt_packets.swz";
    for args in [vec!["info", swz], vec!["metrics", S16, S16]] {
        let mut child = std::process::Command::new(bin())
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the child has started up, so that its first write meets no reader.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = std::process::Command::new(bin())
            .args(["info", swz])
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("cannot write to stdout"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
