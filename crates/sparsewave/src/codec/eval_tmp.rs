//! TEMPORARY evaluation harness (not for commit to main).
use super::container::parse_file;
use super::context::{self, Coding};
use super::entropy::{Reader, Writer};
use super::mixed::MixModels;
use super::params::{read_params, Method};
use super::plan::SparsePlan;
use super::sparse::{decode_payload, Layout};
use super::Limits;

fn write_v5(layout: &Layout, q: &[i64], check: bool) -> usize {
    let spu = layout.slots_per_unit();
    let mut coded = context::Coded::new(layout, Coding::V5);
    let mut m = MixModels::default();
    let mut w = Writer::default();
    let _ = context::scan(layout, Coding::V5, |u, class, n| -> crate::Result<()> {
        let cx = coded.context(class, n);
        let mx = coded.mix_context(u, n);
        let nv = if layout.self_conjugate(u) { 1 } else { spu };
        let mut v = [0_i64; 2];
        v[..nv].copy_from_slice(&q[u * spu..u * spu + nv]);
        let s = v.iter().any(|&x| x != 0);
        m.significance(&mut w, cx, mx, s)?;
        if s {
            m.values(&mut w, cx, mx, (nv == 2).then(|| coded.phase(n)), &mut v[..nv])?;
            coded.record(u, &v[..nv]);
        }
        Ok(())
    });
    let bytes = w.finish();
    if check {
        let mut r = Reader::new(&bytes).unwrap();
        let mut coded = context::Coded::new(layout, Coding::V5);
        let mut m = MixModels::default();
        let _ = context::scan(layout, Coding::V5, |u, class, n| -> crate::Result<()> {
            let cx = coded.context(class, n);
            let mx = coded.mix_context(u, n);
            let nv = if layout.self_conjugate(u) { 1 } else { spu };
            let mut v = [0_i64; 2];
            if m.significance(&mut r, cx, mx, false)? {
                m.values(&mut r, cx, mx, (nv == 2).then(|| coded.phase(n)), &mut v[..nv])?;
                coded.record(u, &v[..nv]);
            }
            assert_eq!(&v[..nv], &q[u * spu..u * spu + nv]);
            Ok(())
        });
        assert!(r.exhausted());
    }
    bytes.len()
}

#[test]
#[ignore]
fn sizes() {
    let dir = std::env::var("CM_DIR").unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "swz"))
        .collect();
    names.sort();
    let mut total = 0.0;
    let (mut t3, mut t5) = (0.0, 0.0);
    for path in names {
        let bytes = std::fs::read(&path).unwrap();
        let parsed = parse_file(&bytes, Limits::default()).unwrap();
        let len = parsed.header.frames as usize;
        let (method, _) = read_params(parsed.header.method, &parsed.header.params, len).unwrap();
        let plan = match &method {
            Method::Dwt(p) => SparsePlan::dwt(p, len).unwrap(),
            Method::Pgbz(p) => SparsePlan::pgbz(p, len).unwrap(),
            _ => continue,
        };
        let layout = plan.layout();
        let (mut old, mut new) = (0, 0);
        for payload in &parsed.payloads {
            let t0 = std::time::Instant::now();
            let q = decode_payload(&layout, payload, parsed.version).unwrap();
            t3 += t0.elapsed().as_secs_f64();
            old += payload.len();
            let t0 = std::time::Instant::now();
            new += write_v5(&layout, &q, false);
            t5 += t0.elapsed().as_secs_f64();
            write_v5(&layout, &q, true);
        }
        let rel = 100.0 * (new as f64 - old as f64) / bytes.len() as f64;
        total += rel;
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        println!("{name:24} {:8} {old:8} {new:8} {rel:+6.2}%", bytes.len());
    }
    println!("mean {:+.3}  time v3-decode {:.0} ms v5-encode {:.0} ms", total / 24.0, t3 * 1e3, t5 * 1e3);
}

fn write_v3(layout: &Layout, q: &[i64]) -> usize {
    let spu = layout.slots_per_unit();
    let mut coded = context::Coded::new(layout, Coding::V3);
    let mut m = context::Models::default();
    let mut w = Writer::default();
    let _ = context::scan(layout, Coding::V3, |u, class, n| -> crate::Result<()> {
        let cx = coded.context(class, n);
        let nv = if layout.self_conjugate(u) { 1 } else { spu };
        let v = &q[u * spu..u * spu + nv];
        let s = v.iter().any(|&x| x != 0);
        m.write_significance(&mut w, cx, s);
        if s {
            m.write_values(&mut w, cx, v);
            coded.record(u, v);
        }
        Ok(())
    });
    w.finish().len()
}

#[test]
#[ignore]
fn bench() {
    let dir = std::env::var("CM_DIR").unwrap();
    for name in ["drums_8s_pgbz_30", "drums_8s_dwt_20", "speech_3s_pgbz_30"] {
        let bytes = std::fs::read(format!("{dir}/{name}.swz")).unwrap();
        let parsed = parse_file(&bytes, Limits::default()).unwrap();
        let len = parsed.header.frames as usize;
        let (method, _) = read_params(parsed.header.method, &parsed.header.params, len).unwrap();
        let plan = match &method {
            Method::Dwt(p) => SparsePlan::dwt(p, len).unwrap(),
            Method::Pgbz(p) => SparsePlan::pgbz(p, len).unwrap(),
            _ => continue,
        };
        let layout = plan.layout();
        let q = decode_payload(&layout, parsed.payloads[0], parsed.version).unwrap();
        let mut t3 = f64::MAX;
        let mut t5 = f64::MAX;
        for _ in 0..8 {
            let t0 = std::time::Instant::now();
            std::hint::black_box(write_v3(&layout, &q));
            t3 = t3.min(t0.elapsed().as_secs_f64());
            let t0 = std::time::Instant::now();
            std::hint::black_box(write_v5(&layout, &q, false));
            t5 = t5.min(t0.elapsed().as_secs_f64());
        }
        println!("{name:20} v3 {:.1} ms v5 {:.1} ms ratio {:.2}", t3 * 1e3, t5 * 1e3, t5 / t3);
    }
}
