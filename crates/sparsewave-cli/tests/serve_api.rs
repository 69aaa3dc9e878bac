//! `sparsewave serve` end to end over real HTTP on a loopback port: upload the bundled clip, run
//! one job of each family, poll it to done, and check that the API's report and output equal the
//! command line's for the same parameters; bad uploads and parameters give the library's message
//! with a 4xx; oversize uploads 413; path traversal 404; a foreign `Host` is refused; the job
//! files live in a private folder that deleting a job and stopping the server remove.

use assert_cmd::cargo::cargo_bin;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FOLK: &str = "../sparsewave/tests/data/folk_4s.wav";

/// A server child process; stopped with SIGTERM (its clean shutdown) when dropped.
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
    /// `127.0.0.1:PORT`
    addr: String,
    /// The private folder of its job files.
    jobs_dir: PathBuf,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(cargo_bin("sparsewave"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        let mut err_line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut err_line)
            .unwrap();
        let jobs_dir = PathBuf::from(
            err_line
                .split(" kept in ")
                .nth(1)
                .and_then(|s| s.split(" until").next())
                .unwrap_or_else(|| panic!("no folder in {err_line:?}")),
        );
        let addr = base.trim_start_matches("http://").to_string();
        Server {
            child,
            base,
            addr,
            jobs_dir,
        }
    }

    /// Stop with SIGTERM and wait for the process to end.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let t0 = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "server did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.stop();
        }
    }
}

/// A multipart body with the parts (name, file name or "", bytes).
fn multipart(parts: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "sparsewave-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
        )
        .unwrap();
        if !file.is_empty() {
            write!(body, "; filename=\"{file}\"").unwrap();
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Status code and body of a response, error statuses included.
fn answer(result: Result<ureq::Response, ureq::Error>) -> (u16, Vec<u8>) {
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let status = response.status();
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).unwrap();
    (status, body)
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(body)))
}

/// POST a job: (status, JSON answer).
fn post_job(server: &Server, params: &Value, parts: &[(&str, &str, &[u8])]) -> (u16, Value) {
    let params = params.to_string();
    let mut all = vec![("params", "", params.as_bytes())];
    all.extend_from_slice(parts);
    let (content_type, body) = multipart(&all);
    let (status, body) = answer(
        ureq::post(&server.url("/api/jobs"))
            .set("Content-Type", &content_type)
            .send_bytes(&body),
    );
    (status, json_of(&body))
}

/// Run a job on the folk clip (plus `parts`) to the end; its final status.
fn run_job(server: &Server, params: Value, parts: &[(&str, &str, &[u8])]) -> Value {
    let folk = std::fs::read(FOLK).unwrap();
    let mut all = vec![("file", "folk_4s.wav", folk.as_slice())];
    all.extend_from_slice(parts);
    let (status, answer) = post_job(server, &params, &all);
    assert_eq!(status, 202, "{answer}");
    let id = answer["id"].as_str().unwrap().to_string();
    let t0 = Instant::now();
    loop {
        let job = get_json(server, &format!("/api/jobs/{id}"));
        match job["state"].as_str().unwrap() {
            // The result comes first, its figures after.
            "done" if job["figures_pending"] == false => {
                assert_eq!(job["progress"], 1.0);
                return job;
            }
            "done" => assert!(!job["report"].is_null()),
            "failed" => panic!("job failed: {}", job["error"]),
            "queued" | "running" => assert!(job["report"].is_null()),
            other => panic!("state {other}"),
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "job did not finish"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn get_json(server: &Server, path: &str) -> Value {
    let (status, body) = answer(ureq::get(&server.url(path)).call());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    json_of(&body)
}

fn download(server: &Server, job: &Value, name: &str) -> Vec<u8> {
    let id = job["id"].as_str().unwrap();
    let (status, body) =
        answer(ureq::get(&server.url(&format!("/api/jobs/{id}/files/{name}"))).call());
    assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&body));
    body
}

/// The command line's `--json` report for `args` (`-o dir/out.wav` added), and the output path.
fn cli(dir: &Path, output: &str, args: &[&str]) -> (Value, PathBuf) {
    let out = dir.join(output);
    let result = Command::new(cargo_bin("sparsewave"))
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    (serde_json::from_slice(&result.stdout).unwrap(), out)
}

/// The samples of a WAV file (any format) as f64, interleaved.
fn wav_samples(bytes: &[u8]) -> Vec<f64> {
    let mut r = hound::WavReader::new(bytes).unwrap();
    let spec = r.spec();
    match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| f64::from(s.unwrap())).collect(),
        hound::SampleFormat::Int => r.samples::<i32>().map(|s| f64::from(s.unwrap())).collect(),
    }
}

/// A job's report and output WAV equal the command line's for the same parameters.
fn assert_same_as_cli(server: &Server, job: &Value, cli_report: &Value, cli_out: &Path) {
    let report = &job["report"];
    assert_eq!(report["command"], cli_report["command"]);
    for key in ["snr_db", "rel_error_pct", "seg_snr_db", "lsd_db", "ncc"] {
        assert_eq!(
            report["metrics"][key], cli_report["metrics"][key],
            "{} {key}",
            report["command"]
        );
    }
    let mut cli_params = cli_report["params"].clone();
    cli_params["mono"] = false.into();
    assert_eq!(report["params"], cli_params);
    let web = download(server, job, "output.wav");
    let cli = std::fs::read(cli_out).unwrap();
    assert_eq!(
        wav_samples(&web),
        wav_samples(&cli),
        "{} output samples",
        report["command"]
    );
    assert_eq!(report, &json_of(&download(server, job, "report.json")));
}

#[test]
fn every_family_matches_the_command_line() {
    let server = Server::start(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let plots = dir.join("plots");
    let plots = plots.to_str().unwrap();

    // Family 1: spectrogram low rank (figures always drawn, as with --plots), interpolation.
    let job = run_job(&server, json!({"command": "approx", "rank": "20"}), &[]);
    let (cli_report, out) = cli(
        dir,
        "approx.wav",
        &["approx", FOLK, "--rank", "20", "--plots", plots],
    );
    assert_same_as_cli(&server, &job, &cli_report, &out);
    assert_eq!(job["report"]["rank"], 20);
    for f in [
        "output.wav",
        "residual.wav",
        "input_spectrogram.png",
        "output_spectrogram.png",
        "error_spectrogram.png",
        "waveform.png",
        "singular_values.png",
        "report.json",
    ] {
        assert!(
            job["files"].as_array().unwrap().contains(&json!(f)),
            "{f} in {}",
            job["files"]
        );
    }
    let png = download(&server, &job, "waveform.png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    let job = run_job(
        &server,
        json!({"command": "interp", "factor": 4, "method": "cubic"}),
        &[],
    );
    let (cli_report, out) = cli(
        dir,
        "interp.wav",
        &["interp", FOLK, "--factor", "4", "--method", "cubic"],
    );
    assert_same_as_cli(&server, &job, &cli_report, &out);

    // Family 2: compression ("4%" as the command line writes it), the codec.
    let job = run_job(
        &server,
        json!({"command": "compress", "method": "pgbz", "keep": "4%"}),
        &[],
    );
    let (cli_report, out) = cli(
        dir,
        "pgbz.wav",
        &[
            "compress", FOLK, "--method", "pgbz", "--keep", "4%", "--plots", plots,
        ],
    );
    assert_same_as_cli(&server, &job, &cli_report, &out);
    assert_eq!(job["report"]["storage"], cli_report["storage"]);

    let job = run_job(
        &server,
        json!({"command": "encode", "method": "dwt", "bitrate": 32}),
        &[],
    );
    let (cli_report, swz) = cli(
        dir,
        "folk.swz",
        &["encode", FOLK, "--method", "dwt", "--bitrate", "32"],
    );
    assert_eq!(
        download(&server, &job, "output.swz"),
        std::fs::read(&swz).unwrap()
    );
    assert_eq!(job["report"]["kbps"], cli_report["kbps"]);
    assert_eq!(
        job["report"]["metrics"]["snr_db"],
        cli_report["metrics"]["snr_db"]
    );
    // The WAV is what the decoder reads from the .swz.
    let (_, decoded) = {
        let out = dir.join("decoded.wav");
        let ok = Command::new(cargo_bin("sparsewave"))
            .args(["decode", swz.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(ok.status.success());
        ((), out)
    };
    assert_eq!(
        wav_samples(&download(&server, &job, "output.wav")),
        wav_samples(&std::fs::read(decoded).unwrap())
    );

    // Family 3: noise, then denoising against the clean reference.
    let job = run_job(
        &server,
        json!({"command": "addnoise", "snr": 10, "seed": 3}),
        &[],
    );
    let (cli_report, noisy) = cli(
        dir,
        "noisy.wav",
        &["addnoise", FOLK, "--snr", "10", "--seed", "3"],
    );
    assert_same_as_cli(&server, &job, &cli_report, &noisy);
    let noisy_bytes = download(&server, &job, "output.wav");

    let folk = std::fs::read(FOLK).unwrap();
    let (status, answer) = post_job(
        &server,
        &json!({"command": "denoise", "method": "wavelet", "wavelet": "sym4", "level": 4}),
        &[
            ("file", "noisy.wav", &noisy_bytes),
            ("clean", "folk_4s.wav", &folk),
        ],
    );
    assert_eq!(status, 202, "{answer}");
    let id = answer["id"].as_str().unwrap();
    let job = loop {
        let job = get_json(&server, &format!("/api/jobs/{id}"));
        if job["state"] == "done" && job["figures_pending"] == false {
            break job;
        }
        assert_ne!(job["state"], "failed", "{}", job["error"]);
        std::thread::sleep(Duration::from_millis(100));
    };
    let (cli_report, out) = cli(
        dir,
        "denoised.wav",
        &[
            "denoise",
            noisy.to_str().unwrap(),
            "--clean",
            FOLK,
            "--method",
            "wavelet",
            "--wavelet",
            "sym4",
            "--level",
            "4",
        ],
    );
    assert_same_as_cli(&server, &job, &cli_report, &out);
    assert_eq!(job["report"]["input_metrics"], cli_report["input_metrics"]);
    assert!(job["report"]["metrics"]["snr_db"].as_f64().unwrap() > 10.5);

    // residual.wav = input − output (32-bit float).
    let residual = wav_samples(&download(&server, &job, "residual.wav"));
    let noisy_samples = wav_samples(&noisy_bytes);
    let output = wav_samples(&download(&server, &job, "output.wav"));
    let scale = 1.0 / 32768.0;
    for ((r, x), y) in residual.iter().zip(&noisy_samples).zip(&output).step_by(97) {
        assert!(
            (r - (x - y) * scale).abs() < 2.0 * scale,
            "{r} vs {}",
            (x - y) * scale
        );
    }
}

#[test]
fn bad_input_gives_the_library_error_and_files_are_private_and_cleaned() {
    let mut server = Server::start(&["--max-upload-mb", "1"]);
    assert!(server.jobs_dir.is_dir());
    let folk = std::fs::read(FOLK).unwrap();
    let denoise = json!({"command": "denoise"});

    // Not audio: the decoder's message, naming the uploaded file.
    let garbage: Vec<u8> = (0..4000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let (status, answer) = post_job(&server, &denoise, &[("file", "garbage.wav", &garbage)]);
    assert_eq!(status, 400);
    assert_eq!(
        answer["error"],
        "garbage.wav: not a recognised audio file (expected WAV, FLAC, MP3 or Ogg Vorbis)"
    );
    // Bad parameters: the library's messages.
    let (status, answer) = post_job(
        &server,
        &json!({"command": "denoise", "junction": "glue"}),
        &[("file", "a.wav", &folk)],
    );
    assert_eq!(status, 400);
    assert_eq!(
        answer["error"],
        "invalid junction: 'glue' is not one of xfade, interleave, meanfilt, none"
    );
    let (status, answer) = post_job(
        &server,
        &json!({"command": "compress", "keep": "140%"}),
        &[("file", "a.wav", &folk)],
    );
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid keep:"),
        "{answer}"
    );
    let (status, answer) = post_job(
        &server,
        &json!({"command": "approx", "hop": "abc"}),
        &[("file", "a.wav", &folk)],
    );
    assert_eq!(status, 400);
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid hop: 'abc'"),
        "{answer}"
    );
    let (status, answer) = post_job(
        &server,
        &json!({"command": "interp"}),
        &[("file", "a.wav", &folk)],
    );
    assert_eq!(
        (status, answer["error"].as_str().unwrap()),
        (400, "invalid factor: is required")
    );
    let (status, answer) = post_job(
        &server,
        &json!({"command": "denoise", "clean": "x"}),
        &[("file", "a.wav", &folk)],
    );
    assert_eq!(status, 400, "{answer}");
    let short = &folk[..folk.len() / 2];
    let (status, answer) = post_job(
        &server,
        &denoise,
        &[("file", "a.wav", &folk), ("clean", "short.wav", short)],
    );
    assert_eq!(status, 400);
    assert!(
        answer["error"].as_str().unwrap().starts_with("short.wav: "),
        "{answer}"
    );

    // Beyond --max-upload-mb: 413 with a message that names the limit, before the body is read.
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    write!(
        stream,
        "POST /api/jobs HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary=b\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        server.addr,
        1536 * 1024
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(
        response.contains("upload too large: the limit is 1 MB"),
        "{response}"
    );

    // A job's files: only the names it lists; nothing else reaches the file system.
    let job = run_job(&server, json!({"command": "info"}), &[]);
    assert_eq!(job["report"]["sample_rate"], 44100);
    assert_eq!(job["report"]["channels"], 1);
    let id = job["id"].as_str().unwrap();
    let job_dir = server.jobs_dir.join(format!("job-{id}"));
    // Figures are drawn when first asked for, into the job's folder.
    assert!(job_dir.join("report.json").is_file());
    assert!(!job_dir.join("spectrogram.png").exists());
    let png = download(&server, &job, "spectrogram.png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(std::fs::read(job_dir.join("spectrogram.png")).unwrap(), png);
    std::fs::write(server.jobs_dir.join("secret.txt"), "x").unwrap();
    for path in [
        format!("/api/jobs/{id}/files/..%2Fsecret.txt"),
        format!("/api/jobs/{id}/files/%2Fetc%2Fpasswd"),
        format!("/api/jobs/{id}/files/../secret.txt"),
        format!("/api/jobs/{id}/files/..%2F..%2F..%2F..%2Fetc%2Fpasswd"),
        format!("/api/jobs/{id}/../../secret.txt"),
        "/api/jobs/..%2Fsecret.txt/files/x".to_string(),
        "/../../etc/passwd".to_string(),
    ] {
        let (status, _) = raw_request(&server.addr, &server.addr, "GET", &path);
        assert_eq!(status, 404, "{path}");
    }

    // A Host that is not the server's address is refused (DNS rebinding); its own works.
    let (status, body) = raw_request(&server.addr, "evil.example", "GET", "/api/schema");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("DNS rebinding"), "{body}");
    let (status, _) = raw_request(&server.addr, "evil.example:80", "GET", "/");
    assert_eq!(status, 403);
    let port = server.addr.rsplit(':').next().unwrap();
    let (status, _) = raw_request(&server.addr, &format!("localhost:{port}"), "GET", "/");
    assert_eq!(status, 200);

    // Deleting a job removes its folder and its files from the API.
    let (status, _) = raw_request(
        &server.addr,
        &server.addr,
        "DELETE",
        &format!("/api/jobs/{id}"),
    );
    assert_eq!(status, 204);
    assert!(!job_dir.exists());
    let (status, _) = raw_request(
        &server.addr,
        &server.addr,
        "GET",
        &format!("/api/jobs/{id}"),
    );
    assert_eq!(status, 404);

    // Stopping the server removes the private folder.
    let jobs_dir = server.jobs_dir.clone();
    server.stop();
    assert!(!jobs_dir.exists(), "{} left behind", jobs_dir.display());
}

#[test]
fn the_schema_lists_the_library_choices_and_defaults() {
    use sparsewave::Choice;
    let server = Server::start(&[]);
    let schema = get_json(&server, "/api/schema");
    let command = |name: &str| -> Value {
        schema["commands"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .clone()
    };
    let field = |c: &Value, name: &str| -> Value {
        c["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    let denoise = command("denoise");
    let method = field(&denoise, "method");
    assert_eq!(method["choices"], json!(sparsewave::DenoiseMethod::NAMES));
    assert_eq!(
        method["default"],
        sparsewave::DenoiseParams::default().method.to_string()
    );
    assert_eq!(field(&command("compress"), "keep")["default"], "4%");
    assert_eq!(
        field(&command("encode"), "method")["choices"],
        json!(sparsewave::MethodKind::NAMES)
    );
    assert_eq!(
        field(&command("addnoise"), "model")["choices"],
        json!(sparsewave::NoiseKind::NAMES)
    );
    assert_eq!(
        field(&command("interp"), "method")["choices"],
        json!(sparsewave::InterpKind::NAMES)
    );
    assert_eq!(field(&command("interp"), "factor")["required"], true);
    assert_eq!(schema["max_upload_bytes"], 200 * 1024 * 1024);
    // The page is served, with its assets, from the binary.
    let (status, body) = raw_request(&server.addr, &server.addr, "GET", "/");
    assert_eq!(status, 200);
    assert!(body.contains("<script src=\"/app.js\">"));
    let (status, body) = raw_request(&server.addr, &server.addr, "GET", "/app.js");
    assert_eq!(status, 200);
    assert!(body.contains("/api/jobs"));
}

/// One HTTP/1.1 request with this exact path and `Host`, on a fresh connection: status and body.
fn raw_request(addr: &str, host: &str, method: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {response:?}"));
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}
