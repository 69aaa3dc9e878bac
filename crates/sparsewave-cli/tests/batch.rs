//! `sparsewave batch` end to end: shards, resumption, failures, manifest errors, job arrays'
//! environment, and that a batch job equals the single command.
//!
//! The corpus: 30 slices of 0.5 s cut from the bundled clip at different offsets, with jobs of
//! every batch command.

use assert_cmd::Command;
use serde_json::{json, Value};
use sparsewave_cli::batch::Shard;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

const FILES: usize = 30;

/// The binary with no job-array variables inherited from the machine running the tests.
fn bin() -> Command {
    let mut cmd = Command::cargo_bin("sparsewave").unwrap();
    for var in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: Output) -> Output {
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

/// The 0.5 s slice of the bundled clip starting at `offset` × 0.1 s.
fn write_slice(path: &Path, offset: usize) {
    let clip = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sparsewave/tests/data/folk_4s.wav");
    let mut reader = hound::WavReader::open(clip).unwrap();
    let spec = reader.spec();
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let channels = usize::from(spec.channels);
    let rate = spec.sample_rate as usize;
    let start = offset * rate / 10 * channels;
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for &s in &samples[start..start + rate / 2 * channels] {
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
}

/// Job `i` of the corpus, cycling through every batch command.
fn job(i: usize) -> Value {
    let input = format!("in/clip{i:02}.wav");
    let out = |ext: &str| format!("out/job{i:02}.{ext}");
    match i % 7 {
        0 => json!({"command": "approx", "input": input, "output": out("wav"),
                    "rank": 4, "n_fft": 512, "--hop": 128}),
        1 => json!({"command": "interp", "input": input, "output": out("wav"),
                    "factor": 2, "method": "cubic"}),
        2 => json!({"command": "compress", "input": input, "output": out("wav"),
                    "method": "dwt", "keep": "4%", "mono": true}),
        3 => json!({"command": "addnoise", "input": input, "output": out("wav"),
                    "snr": 10, "seed": i, "mono": false}),
        4 => json!({"command": "denoise", "input": input, "output": out("wav"),
                    "method": "wavelet", "level": 3}),
        5 => json!({"command": "encode", "input": input, "output": out("swz"),
                    "method": "dwt", "keep": "10%", "step": 0.05}),
        _ => json!({"command": "decode", "input": "in/pre.swz", "output": out("wav"),
                    "bits": 16}),
    }
}

/// A folder with the corpus's inputs, an empty `out/` and `jobs.jsonl`.
fn corpus() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("in")).unwrap();
    std::fs::create_dir(root.join("out")).unwrap();
    for i in 0..FILES {
        write_slice(&root.join(format!("in/clip{i:02}.wav")), i);
    }
    ok(run(
        root,
        &[
            "encode",
            "in/clip00.wav",
            "-o",
            "in/pre.swz",
            "--method",
            "stft",
        ],
    ));
    let lines: Vec<String> = (0..FILES).map(|i| job(i).to_string()).collect();
    std::fs::write(root.join("jobs.jsonl"), lines.join("\n") + "\n").unwrap();
    dir
}

/// Every file of `dir/out` and its bytes.
fn outputs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The result lines of a file.
fn results(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Result lines by job index, without the fields that differ from run to run (timing) or by
/// shard; each job must appear once.
fn by_job(lines: &[Value]) -> BTreeMap<u64, Value> {
    let mut map = BTreeMap::new();
    for line in lines {
        let mut line = line.clone();
        let obj = line.as_object_mut().unwrap();
        for key in ["seconds", "realtime_factor", "shard"] {
            obj.remove(key);
        }
        let job = obj["job"].as_u64().unwrap();
        assert!(map.insert(job, line).is_none(), "job {job} recorded twice");
    }
    map
}

#[test]
fn three_shards_equal_one_unsharded_run() {
    let dir = corpus();
    let root = dir.path();
    let out = ok(run(
        root,
        &[
            "batch",
            "jobs.jsonl",
            "--jobs",
            "2",
            "--results",
            "all.jsonl",
        ],
    ));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("30 jobs: 30 done, 0 skipped, 0 failed"),
        "{summary}"
    );
    let whole_files = outputs(root);
    assert_eq!(whole_files.len(), FILES);
    let whole = results(&root.join("all.jsonl"));
    assert!(whole
        .iter()
        .all(|r| r["status"] == "ok" && r["error"].is_null()));

    for name in whole_files.keys() {
        std::fs::remove_file(root.join("out").join(name)).unwrap();
    }
    let mut sharded = Vec::new();
    for i in 0..3 {
        let shard = format!("{i}/3");
        let file = format!("shard{i}.jsonl");
        ok(run(
            root,
            &["batch", "jobs.jsonl", "--shard", &shard, "--results", &file],
        ));
        let lines = results(&root.join(&file));
        assert_eq!(lines.len(), FILES / 3);
        for line in &lines {
            assert_eq!(line["shard"], shard);
            assert_eq!(line["job"].as_u64().unwrap() % 3, i);
        }
        sharded.extend(lines);
    }
    // The union is the manifest, without overlap (`by_job` rejects a job seen twice), and
    // the files and results are those of the unsharded run.
    assert_eq!(by_job(&sharded), by_job(&whole));
    assert_eq!(outputs(root), whole_files);
}

#[test]
fn a_stopped_run_resumes_without_redoing_jobs() {
    let dir = corpus();
    let root = dir.path();
    let reference = corpus();
    ok(run(reference.path(), &["batch", "jobs.jsonl"]));

    // Stopped after 7 jobs, as if killed: those 7 are recorded and written, nothing else.
    let out = run(
        root,
        &["batch", "jobs.jsonl", "--jobs", "2", "--stop-after", "7"],
    );
    assert!(!out.status.success());
    let first = results(&root.join("jobs.results.jsonl"));
    assert_eq!(first.len(), 7);
    assert_eq!(outputs(root).len(), 7);
    let written: BTreeMap<String, std::time::SystemTime> = outputs(root)
        .keys()
        .map(|n| {
            let t = std::fs::metadata(root.join("out").join(n))
                .unwrap()
                .modified();
            (n.clone(), t.unwrap())
        })
        .collect();

    let out = ok(run(root, &["batch", "jobs.jsonl", "--jobs", "2"]));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("30 jobs: 23 done, 7 skipped, 0 failed"),
        "{summary}"
    );
    let all = results(&root.join("jobs.results.jsonl"));
    assert_eq!(all.len(), FILES);
    assert_eq!(by_job(&all).len(), FILES); // every job once
    for (name, time) in &written {
        let now = std::fs::metadata(root.join("out").join(name))
            .unwrap()
            .modified();
        assert_eq!(&now.unwrap(), time, "{name} was written again");
    }
    assert_eq!(outputs(root), outputs(reference.path()));

    // Done means done: a third run skips everything; --force redoes everything.
    let out = ok(run(root, &["batch", "jobs.jsonl"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 done, 30 skipped"));
    let out = ok(run(root, &["batch", "jobs.jsonl", "--force"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("30 done, 0 skipped"));
    // A job whose output was deleted is redone even though its result is recorded.
    std::fs::remove_file(root.join("out/job03.wav")).unwrap();
    let out = ok(run(root, &["batch", "jobs.jsonl"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 done, 29 skipped"));
    assert_eq!(outputs(root), outputs(reference.path()));
}

#[test]
fn a_killed_run_leaves_no_partial_output_and_a_rerun_finishes() {
    let dir = corpus();
    let root = dir.path();
    let reference = corpus();
    ok(run(reference.path(), &["batch", "jobs.jsonl"]));

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sparsewave"))
        .current_dir(root)
        .args(["batch", "jobs.jsonl", "--jobs", "1"])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let results_path = root.join("jobs.results.jsonl");
    let count = || std::fs::read_to_string(&results_path).map_or(0, |t| t.lines().count());
    while count() < 3 && child.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let killed_midway = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    // Whatever the kill interrupted: every recorded line is whole, every output file is
    // complete (equal to the reference), and no job is recorded twice.
    let before = results(&results_path);
    if killed_midway {
        assert!(before.len() < FILES, "the kill came after the last job");
    }
    let reference_files = outputs(reference.path());
    for (name, bytes) in outputs(root) {
        if name.starts_with("job") {
            assert_eq!(&bytes, &reference_files[&name], "{name} is partial");
        }
    }
    ok(run(root, &["batch", "jobs.jsonl"]));
    let after = results(&results_path);
    assert_eq!(by_job(&after).len(), FILES);
    assert_eq!(after.len(), FILES, "a job was recorded twice");
    assert!(after[..before.len()] == before[..]);
    let files: BTreeMap<_, _> = outputs(root)
        .into_iter()
        .filter(|(n, _)| n.starts_with("job"))
        .collect();
    assert_eq!(files, reference_files);
}

#[test]
fn corrupt_and_missing_inputs_fail_alone() {
    let dir = corpus();
    let root = dir.path();
    std::fs::write(root.join("in/clip04.wav"), b"RIFF\x10\0\0\0WAVEfmt garbage").unwrap();
    std::fs::remove_file(root.join("in/clip08.wav")).unwrap();
    let out = run(root, &["batch", "jobs.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("30 jobs: 28 done, 0 skipped, 2 failed"),
        "{summary}"
    );
    assert!(
        stderr(&out).contains("2 of 30 jobs failed"),
        "{}",
        stderr(&out)
    );
    let lines = by_job(&results(&root.join("jobs.results.jsonl")));
    assert_eq!(lines.len(), FILES);
    for (job, line) in &lines {
        let error = line["error"].as_str().unwrap_or_default();
        match job {
            4 => {
                assert_eq!(line["status"], "failed");
                assert!(error.contains("clip04.wav"), "{error}");
                assert_eq!(line["command"], "denoise");
            }
            8 => {
                assert_eq!(line["status"], "failed");
                assert!(error.contains("clip08.wav"), "{error}");
            }
            _ => assert_eq!(line["status"], "ok", "job {job}: {error}"),
        }
    }
    assert!(!root.join("out/job04.wav").exists());
    assert!(!root.join("out/job08.wav").exists());
    assert_eq!(outputs(root).len(), FILES - 2);

    // Fixed inputs: a re-run does exactly the two failed jobs.
    write_slice(&root.join("in/clip04.wav"), 4);
    write_slice(&root.join("in/clip08.wav"), 8);
    let out = ok(run(root, &["batch", "jobs.jsonl"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 done, 28 skipped, 0 failed"));
}

#[test]
fn every_manifest_error_is_reported_with_its_line() {
    let dir = corpus();
    let root = dir.path();
    let lines = [
        job(0).to_string(),                                                        // 1 ok
        "{not json".to_string(),                                                   // 2
        json!({"command": "sweep", "input": "in/clip01.wav", "output": "out/a.wav"}).to_string(), // 3
        json!({"input": "in/clip01.wav", "output": "out/b.wav"}).to_string(),      // 4
        json!({"command": "approx", "input": "in/clip01.wav"}).to_string(),        // 5
        json!({"command": "approx", "input": "in/clip01.wav", "output": "out/c.wav", "bogus": 1}).to_string(), // 6
        json!({"command": "approx", "input": "in/clip01.wav", "output": "out/d.wav", "rank": "many"}).to_string(), // 7
        String::new(),                                                             // 8 blank
        json!({"command": "interp", "input": "in/clip02.wav", "output": "out/job00.wav", "factor": 2}).to_string(), // 9
        json!({"command": "interp", "input": "in/clip02.wav", "output": "in/clip02.wav", "factor": 2}).to_string(), // 10
        json!({"command": "interp", "input": "in/clip03.wav", "output": "in/clip00.wav", "factor": 2}).to_string(), // 11
        json!({"command": "compress", "input": "in/clip03.wav", "output": "out/e.wav", "mono": "maybe"}).to_string(), // 12
        json!({"command": "interp", "input": "in/clip03.wav", "output": "out/f.wav"}).to_string(), // 13
        "[1, 2]".to_string(),                                                      // 14
        json!({"command": "interp", "input": "in/clip04.wav", "output": "nowhere/g.wav", "factor": 2}).to_string(), // 15
    ];
    std::fs::write(root.join("bad.jsonl"), lines.join("\n")).unwrap();
    let out = run(root, &["batch", "bad.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let expected = [
        (2, "not valid JSON"),
        (3, "unknown command 'sweep'"),
        (4, "missing 'command'"),
        (5, "missing 'output'"),
        (6, "unexpected argument '--bogus"),
        (7, "invalid value 'many' for '--rank"),
        (9, "is also written by line 1"),
        (10, "is its own input"),
        (11, "is the input of line 1"),
        (12, "'mono' is a switch"),
        (13, "--factor"),
        (14, "expected a JSON object"),
        (15, "nowhere/g.wav does not exist"),
    ];
    for (line, needle) in expected {
        let found = err
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("line {line}: ")) && l.contains(needle));
        assert!(found, "line {line}: '{needle}' not in\n{err}");
    }
    assert!(
        err.contains(&format!("{} problems (no job was run)", expected.len())),
        "{err}"
    );
    assert!(!root.join("bad.results.jsonl").exists());
    assert!(outputs(root).is_empty());

    // CSV: the same columns; line numbers count the header.
    let csv = "command,input,output,rank,factor\n\
               approx,in/clip00.wav,out/a.wav,4,\n\
               approx,in/clip01.wav,out/b.wav,,2\n\
               interp,in/clip02.wav,out/a.wav,,2\n";
    std::fs::write(root.join("bad.csv"), csv).unwrap();
    let err = stderr(&run(root, &["batch", "bad.csv"]));
    assert!(
        err.contains("line 3: unexpected argument '--factor"),
        "{err}"
    );
    assert!(err.contains("line 4: output"), "{err}");
    assert!(err.contains("is also written by line 2"), "{err}");
    assert!(!err.contains("line 2:"), "{err}");
}

#[test]
fn csv_and_jsonl_manifests_run_the_same_jobs() {
    let dir = corpus();
    let root = dir.path();
    let csv = "command,input,output,rank,n-fft,hop,factor,method,keep,mono\n\
               approx,in/clip00.wav,out/job00.wav,4,512,128,,,,\n\
               interp,in/clip01.wav,out/job01.wav,,,,2,cubic,,\n\
               compress,in/clip02.wav,out/job02.wav,,,,,dwt,4%,true\n";
    std::fs::write(root.join("jobs.csv"), csv).unwrap();
    ok(run(root, &["batch", "jobs.csv"]));
    let from_csv = outputs(root);
    let reference = corpus();
    ok(run(reference.path(), &["batch", "jobs.jsonl"]));
    let from_jsonl = outputs(reference.path());
    assert_eq!(from_csv.len(), 3);
    for (name, bytes) in from_csv {
        assert_eq!(bytes, from_jsonl[&name], "{name}");
    }
}

#[test]
fn a_batch_job_equals_the_single_command() {
    let dir = corpus();
    let root = dir.path();
    ok(run(root, &["batch", "jobs.jsonl"]));
    let recorded = by_job(&results(&root.join("jobs.results.jsonl")));
    std::fs::create_dir(root.join("single")).unwrap();
    for i in 0..7 {
        let spec = job(i);
        let line = &recorded[&(i as u64)];
        // The recorded arguments, with the output moved to `single/`.
        let mut args: Vec<String> = serde_json::from_value(line["args"].clone()).unwrap();
        let batch_out = PathBuf::from(&args[3]);
        let single_out = root.join("single").join(batch_out.file_name().unwrap());
        args[3] = single_out.to_string_lossy().into_owned();
        args.push("--json".into());
        let out = ok(bin().args(&args).output().unwrap());
        let mut single: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            std::fs::read(&single_out).unwrap(),
            std::fs::read(&batch_out).unwrap(),
            "{spec}"
        );
        let mut batch = line.clone();
        for v in [&mut single, &mut batch] {
            let obj = v.as_object_mut().unwrap();
            for key in [
                "seconds",
                "realtime_factor",
                "output",
                "job",
                "line",
                "status",
                "error",
                "args",
            ] {
                obj.remove(key);
            }
        }
        assert_eq!(single, batch, "{spec}");
    }
}

#[test]
fn job_array_environments_select_the_shard() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let shard = |i, n| Shard::new(i, n).unwrap();
    let slurm = env(&[
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
    ]);
    assert_eq!(Shard::select(None, None, slurm).unwrap(), shard(2, 3));
    // --array=1-3: the first task is shard 0.
    let slurm1 = env(&[
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
    ]);
    assert_eq!(Shard::select(None, None, slurm1).unwrap(), shard(0, 3));
    let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
    assert_eq!(Shard::select(None, Some(4), k8s).unwrap(), shard(1, 4));
    assert!(
        Shard::select(None, None, k8s).is_err(),
        "K8s needs --shards"
    );
    assert!(
        Shard::select(None, Some(4), slurm).is_err(),
        "Slurm count disagrees"
    );
    let k8s_out_of_range = env(&[("JOB_COMPLETION_INDEX", "4")]);
    assert!(Shard::select(None, Some(4), k8s_out_of_range).is_err());
    assert!(
        Shard::select(None, Some(4), env(&[])).is_err(),
        "--shards alone"
    );
    assert_eq!(Shard::select(None, None, env(&[])).unwrap(), Shard::ALL);
    assert_eq!(
        Shard::select(Some(shard(1, 2)), None, slurm).unwrap(),
        shard(1, 2)
    );
    assert_eq!("3/8".parse::<Shard>().unwrap(), shard(3, 8));
    for bad in ["3/3", "1/0", "x/2", "2"] {
        assert!(bad.parse::<Shard>().is_err(), "{bad}");
    }

    // The binary reads the variables: each environment runs the jobs i ≡ I (mod N).
    let dir = corpus();
    let root = dir.path();
    type Vars = &'static [(&'static str, &'static str)];
    let cases: [(Vars, &[&str], &str, u64, u64); 2] = [
        (
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
            &[],
            "jobs.results.shard-1-of-3.jsonl",
            1,
            3,
        ),
        (
            &[("JOB_COMPLETION_INDEX", "2")],
            &["--shards", "4"],
            "jobs.results.shard-2-of-4.jsonl",
            2,
            4,
        ),
    ];
    for (vars, extra, file, index, count) in cases {
        let mut cmd = bin();
        cmd.current_dir(root)
            .args(["batch", "jobs.jsonl"])
            .args(extra);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        ok(cmd.output().unwrap());
        let jobs: BTreeSet<u64> = results(&root.join(file))
            .iter()
            .map(|r| r["job"].as_u64().unwrap())
            .collect();
        let expected: BTreeSet<u64> = (0..FILES as u64).filter(|j| j % count == index).collect();
        assert_eq!(jobs, expected, "{vars:?}");
    }
}

#[test]
fn plan_counts_jobs_and_audio_seconds_per_shard() {
    let dir = corpus();
    let root = dir.path();
    std::fs::remove_file(root.join("in/clip05.wav")).unwrap();
    let out = ok(run(
        root,
        &["batch", "--plan", "jobs.jsonl", "--shards", "4", "--json"],
    ));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let shards = plan["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 4);
    // Jobs i ≡ I (mod 4): 8, 8, 7, 7. Every input holds 0.5 s (the .swz of the decode jobs
    // too); job 5's input is missing, so its duration is unknown.
    let seconds = |jobs: u64, unknown: u64| 0.5 * (jobs - unknown) as f64;
    for (i, s) in shards.iter().enumerate() {
        let jobs = (0..FILES).filter(|j| j % 4 == i).count() as u64;
        let unknown = u64::from(i == 1);
        assert_eq!(s["shard"]["index"], i);
        assert_eq!(s["jobs"], jobs);
        assert_eq!(s["unknown"], unknown);
        assert!((s["audio_seconds"].as_f64().unwrap() - seconds(jobs, unknown)).abs() < 1e-9);
    }
    // Nothing ran.
    assert!(outputs(root).is_empty());
    assert!(!root.join("jobs.results.jsonl").exists());
    let text = ok(run(
        root,
        &["batch", "--plan", "jobs.jsonl", "--shards", "2"],
    ));
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("total"), "{text}");
}
