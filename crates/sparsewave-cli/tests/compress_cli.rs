//! `compress` and `sweep` end to end, fair budgets, and bad input.

use assert_cmd::Command;
use sparsewave::compress::analysis::{Analysis, Representation};
use sparsewave::compress::params::LatticeChoice;
use sparsewave::compress::sparsify::{budget_for_fraction, select_budget};
use std::path::Path;

const CLIP: &str = "../sparsewave/tests/data/formats/s16.wav";

fn sparsewave() -> Command {
    Command::cargo_bin("sparsewave").unwrap()
}

fn folk(n: usize) -> Vec<f64> {
    let a =
        sparsewave::audio::decode_file(Path::new("../sparsewave/tests/data/folk_4s.wav")).unwrap();
    a.channels[0][..n].to_vec()
}

fn representations() -> Vec<Representation> {
    vec![
        Representation::Pgbz {
            lattice: LatticeChoice::Fast,
            block: None,
        },
        Representation::Pgbz {
            lattice: LatticeChoice::Paper,
            block: Some(3000),
        },
        Representation::Stft { window_length: 512 },
        Representation::Dwt {
            wavelet: "db5".parse().unwrap(),
            mode: "periodization".parse().unwrap(),
            level: None,
        },
        Representation::Dwt {
            wavelet: "sym5".parse().unwrap(),
            mode: "symmetric".parse().unwrap(),
            level: Some(4),
        },
    ]
}

#[test]
fn keeping_everything_reconstructs_and_budgets_are_exact() {
    let x = folk(10_001);
    for rep in representations() {
        let mut a = Analysis::new(&rep, &x).unwrap();
        let n = a.rank_values().len();
        // Nothing dropped: the representation's own perfect reconstruction.
        let mut y = vec![0.0; x.len()];
        a.reconstruct(&vec![true; n], &mut y).unwrap();
        let err = x
            .iter()
            .zip(&y)
            .map(|(p, q)| (p - q).powi(2))
            .sum::<f64>()
            .sqrt();
        let norm = x.iter().map(|p| p * p).sum::<f64>().sqrt();
        assert!(err < 1e-10 * norm, "{rep:?}: {err:e}");
        // The fair count of the whole representation.
        let total = a.total_real_values();
        match rep {
            Representation::Pgbz {
                lattice,
                block: None,
            } => {
                // 10 001 samples: the fast side skips the primes 101 and 103 for 105 = 3·5·7.
                assert_eq!(lattice, LatticeChoice::Fast);
                assert_eq!(total, 105 * 105, "PGBZ holds exactly L real numbers");
            }
            Representation::Dwt { .. } => assert_eq!(total, n),
            _ => assert!(total > x.len()),
        }
        // A budget of K real numbers keeps K or K − 1 (a cost-2 entry that does not fit stops it).
        for f in [0.5, 0.04, 0.013] {
            let k = budget_for_fraction(f, x.len()).unwrap();
            let sel = select_budget(a.rank_values(), a.costs(), k).unwrap();
            assert!(
                sel.kept_reals == k || sel.kept_reals + 1 == k,
                "{rep:?} {f}: {} of {k}",
                sel.kept_reals
            );
            let counted: usize = sel
                .mask
                .iter()
                .zip(a.costs())
                .filter(|(m, _)| **m)
                .map(|(_, &c)| usize::from(c))
                .sum();
            assert_eq!(counted, sel.kept_reals);
        }
    }
}

#[test]
fn compress_json_and_refit_gain() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.wav");
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "compress",
            "../sparsewave/tests/data/folk_4s.wav",
            "-o",
            out.to_str().unwrap(),
            "--json",
            "--keep",
            "4%",
        ];
        args.extend_from_slice(extra);
        let o = sparsewave().args(&args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let plain = run(&["--method", "pgbz", "--no-refit"]);
    let ls = run(&["--method", "pgbz"]);
    let stft = run(&["--method", "stft"]);
    let dwt = run(&["--method", "dwt"]);
    for v in [&plain, &ls, &stft, &dwt] {
        assert_eq!(v["command"], "compress");
        let kept = v["kept"]["real_values"].as_u64().unwrap();
        assert!(
            kept == 7056 || kept == 7055,
            "4 % of 176400 = 7056, got {kept}"
        );
        assert!((v["kept"]["fraction"].as_f64().unwrap() - 0.04).abs() < 1e-5);
    }
    let snr = |v: &serde_json::Value| v["metrics"]["snr_db"].as_f64().unwrap();
    // The re-fit is a least-squares improvement over plain thresholding.
    assert!(
        snr(&ls) > snr(&plain) + 1.0,
        "{} vs {}",
        snr(&ls),
        snr(&plain)
    );
    assert!(ls["refit"]["gain_db"].as_f64().unwrap() > 1.0);
    // The paper's ordering on sustained music: PGBZ ahead of the STFT baseline.
    assert!(snr(&plain) > snr(&stft) + 3.0);
}

#[test]
fn sweep_writes_its_points() {
    let dir = tempfile::tempdir().unwrap();
    let o = sparsewave()
        .args([
            "sweep",
            CLIP,
            "-o",
            dir.path().to_str().unwrap(),
            "--methods",
            "pgbz,pgbz-ls,stft,dwt",
            "--keep",
            "50,10,4",
            "--levels",
            "2..4",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let pts = v.as_array().unwrap();
    assert_eq!(pts.len(), 12);
    for p in pts {
        for key in [
            "method",
            "keep_fraction",
            "kept_real_values",
            "snr_db",
            "rel_error_pct",
            "seconds",
        ] {
            assert!(!p[key].is_null(), "{key}");
        }
        let snr = p["snr_db"].as_f64().unwrap();
        let rel = p["rel_error_pct"].as_f64().unwrap();
        assert!(
            (snr + 10.0 * (rel / 100.0).log10()).abs() < 1e-9,
            "SNR and relative error agree"
        );
    }
    // More kept, less error, for every method.
    for m in ["pgbz", "pgbz-ls", "stft", "dwt"] {
        let s: Vec<f64> = pts
            .iter()
            .filter(|p| p["method"] == m)
            .map(|p| p["snr_db"].as_f64().unwrap())
            .collect();
        assert!(s[0] > s[1] && s[1] > s[2], "{m}: {s:?}");
    }
    for f in [
        "sweep.csv",
        "sweep.json",
        "sweep_snr.png",
        "sweep_rel_error.png",
        "nmse.md",
        "waveform_pgbz.png",
    ] {
        assert!(dir.path().join(f).metadata().unwrap().len() > 0, "{f}");
    }
}

#[test]
fn bad_compression_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.wav");
    let o = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--keep", "0%"], "--keep"),
        (&["--keep", "150%"], "--keep"),
        (&["--keep=-3"], "--keep"),
        (&["--method", "dwt", "--wavelet", "db99"], "db99"),
        (&["--method", "dwt", "--mode", "smooth"], "smooth"),
        (&["--method", "dwt", "--level", "30"], "level"),
        (&["--method", "pgbz", "--lattice", "48x48"], "odd"),
        (&["--method", "pgbz", "--lattice", "5x5"], "25"),
        (&["--method", "wavelets"], "--method"),
        (&["--postfilter", "wiener"], "--postfilter"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["compress", CLIP, "-o", o];
        args.extend_from_slice(extra);
        let a = sparsewave().args(&args).assert().failure();
        // 2: clap refused the value (a choice or a keep fraction); 1: the library did.
        let code = a.get_output().status.code();
        assert!(matches!(code, Some(1 | 2)), "{extra:?}: exit code {code:?}");
        let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(err.contains(needle), "{extra:?}: {err}");
        assert!(!err.contains("panicked"));
        assert!(!out.exists());
    }
}
