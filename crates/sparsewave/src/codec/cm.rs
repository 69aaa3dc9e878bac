//! Version-5 coding of the sparse payloads: every binary decision predicted by mixing.
//! (Prototype.)

use super::context::UnitContext;
use super::entropy::{BitModel, IntCoder, Reader, Writer};
use super::mix::{stretch, Apm, Counter, Mixer};
use crate::Result;

/// Bucket decisions "b > j" coded by mixing; a bucket ≥ CAP is sent as 4 raw bits of b − CAP.
const CAP: usize = 20;
const J: usize = 16;
const TABLES: usize = 7;
const INPUTS: usize = TABLES + 1;

/// Tunables of the prototype.
#[derive(Clone, Copy, Debug)]
pub struct Tune {
    pub limits: [u16; TABLES],
    pub rate: i32,
    pub init: i32,
    pub off: u32,
    pub apm_rate: u32,
    pub apm_w: i32,
}

impl Default for Tune {
    fn default() -> Self {
        Tune {
            limits: [1023, 255, 1023, 1023, 1023, 20, 1023],
            rate: 8,
            init: 16000,
            off: 0,
            apm_rate: 7,
            apm_w: 2,
        }
    }
}

/// Both directions of the range coder.
pub trait Io {
    /// Code `bit` (writer) or decode one (reader) with P(1) = p1/4096.
    fn mixed(&mut self, p1: i32, bit: bool) -> Result<bool>;
    /// Code or decode a bit with an adaptive model.
    fn modelled(&mut self, m: &mut BitModel, bit: bool) -> Result<bool>;
    /// Code or decode `bits` raw bits.
    fn raw(&mut self, v: u32, bits: u32) -> Result<u32>;
}

impl Io for Writer {
    fn mixed(&mut self, p1: i32, bit: bool) -> Result<bool> {
        self.bit_p12(p1, bit);
        Ok(bit)
    }
    fn modelled(&mut self, m: &mut BitModel, bit: bool) -> Result<bool> {
        self.bit(m, bit);
        Ok(bit)
    }
    fn raw(&mut self, v: u32, bits: u32) -> Result<u32> {
        Writer::raw(self, v, bits);
        Ok(v)
    }
}

impl Io for Reader {
    fn mixed(&mut self, p1: i32, _: bool) -> Result<bool> {
        self.bit_p12(p1)
    }
    fn modelled(&mut self, m: &mut BitModel, _: bool) -> Result<bool> {
        self.bit(m)
    }
    fn raw(&mut self, _: u32, bits: u32) -> Result<u32> {
        Reader::raw(self, bits)
    }
}

pub struct Predictor {
    tables: [Vec<Counter>; TABLES],
    mixer: Mixer<INPUTS>,
    apm: Apm,
    tune: Tune,
    pub cost: f64,
}

impl Predictor {
    fn new(sizes: [usize; TABLES - 1], sets: usize, tune: Tune) -> Self {
        let mut init = [tune.init; INPUTS];
        init[TABLES] = 0;
        let sizes = [sizes[0], sizes[1], sizes[2], sizes[3], sizes[4], sizes[0], sizes[5]];
        Predictor {
            tables: sizes.map(|n| vec![Counter::default(); n]),
            mixer: Mixer::new(sets, init),
            apm: Apm::new(sizes[0]),
            cost: 0.0,
            tune,
        }
    }

    fn code<I: Io>(&mut self, io: &mut I, idx: [usize; TABLES - 1], set: usize, bit: bool) -> Result<bool> {
        let idx = [idx[0], idx[1], idx[2], idx[3], idx[4], idx[0], idx[5]];
        let mut s = [256; INPUTS];
        for i in 0..TABLES {
            s[i] = if self.tune.off >> i & 1 == 1 { 0 } else { stretch(self.tables[i][idx[i]].p12()) };
        }
        let p = self.mixer.mix(set, &s);
        let a = self.apm.refine(p, idx[0]);
        let aw = self.tune.apm_w % 10;
        let pf = (p * (4 - aw) + a * aw + 2) >> 2;
        let y = io.mixed(pf.clamp(1, 4095), bit)?;
        let pc = pf.clamp(1, 4095) as f64 / 4096.0;
        self.cost -= if y { pc.log2() } else { (1.0 - pc).log2() };
        self.apm.update(y, self.tune.apm_rate);
        for i in 0..TABLES {
            self.tables[i][idx[i]].update(y, self.tune.limits[i]);
        }
        self.mixer.update(set, &s, p, y, self.tune.rate);
        Ok(y)
    }
}

/// The version-5 models of one channel.
pub struct MixModels {
    pub fine_near: bool,
    pub sig: Predictor,
    pub first: Predictor,
    pub second: Predictor,
    mantissa: Vec<BitModel>,
    mantissa2: Vec<BitModel>,
    signs: Vec<BitModel>,
    lattice_signs: Vec<BitModel>,
}

impl MixModels {
    /// Fresh models.
    pub fn new(tune: Tune) -> Self {
        MixModels {
            fine_near: tune.apm_w >= 10,
            sig: Predictor::new([80, 10, 512, 256, 192, 200], 10, tune),
            first: Predictor::new([80 * J, 10 * J, 256 * J, 32 * J, 24 * J, 20 * J], J, tune),
            second: Predictor::new([64 * J, 16 * J, 256 * J, 32 * J, 24 * 12 * J, 20 * J], J, tune),
            mantissa: vec![BitModel::default(); IntCoder::BUCKETS],
            mantissa2: vec![BitModel::default(); 2 * IntCoder::BUCKETS],
            signs: vec![BitModel::default(); 72],
            lattice_signs: vec![BitModel::default(); 81 * 4],
        }
    }

    /// Code (or decode) the significance of a unit.
    pub fn significance<I: Io>(&mut self, io: &mut I, cx: UnitContext, wide: usize, s: bool) -> Result<bool> {
        let near = usize::from(cx.near[0]) * 8 + usize::from(cx.near[1]);
        let idx = [
            cx.class * 10 + cx.level,
            cx.level,
            near * 8 + usize::from(cx.light),
            cx.fine * 8 + cx.level.min(7),
            cx.class * 24 + usize::from(cx.est),
            wide * 10 + cx.level,
        ];
        self.sig.code(io, idx, cx.level, s)
    }

    /// Code (or decode) the values of a significant unit; `values` holds them (writer) or
    /// receives them (reader).
    pub fn values<I: Io>(&mut self, io: &mut I, cx: UnitContext, wide: usize, values: &mut [i64]) -> Result<()> {
        let near = usize::from(cx.near[0]) * 8 + usize::from(cx.near[1]);
        let complex = values.len() > 1;
        let near = if self.fine_near {
            usize::from(cx.near_fine[0]) * 16 + usize::from(cx.near_fine[1])
        } else {
            near
        };
        // The first value of a real unit is non-zero.
        let start = usize::from(!complex);
        let b1 = {
            let base = [
                (cx.class * 10 + cx.level) * J,
                cx.level * J,
                near * J,
                cx.fine * J,
                usize::from(cx.est) * J,
                wide * J,
            ];
            let target = IntCoder::bucket(values[0]);
            let first = &mut self.first;
            bucket(io, start, target, |io, j, bit| {
                let jj = j.min(J - 1);
                first.code(io, base.map(|b| b + jj), jj, bit)
            })?
        };
        let quad = usize::from(cx.quads[0]) * 9 + usize::from(cx.quads[1]);
        let sign1 = match cx.sign {
            Some(c) => Some(c),
            None if complex => Some(72 + quad),
            None => None,
        };
        values[0] = self.rest(io, b1, values[0], sign1)?;
        if complex {
            let base = [
                (cx.level.min(7) * 8 + b1.min(7)) * J,
                b1.min(15) * J,
                near * J,
                cx.fine * J,
                (usize::from(cx.est) * 12 + b1.min(11)) * J,
                wide * J,
            ];
            let target = IntCoder::bucket(values[1]);
            let second = &mut self.second;
            let b2 = bucket(io, usize::from(b1 == 0), target, |io, j, bit| {
                let jj = j.min(J - 1);
                second.code(io, base.map(|b| b + jj), jj, bit)
            })?;
            let s1 = match values[0] {
                0 => 0,
                v if v > 0 => 1,
                _ => 2,
            };
            values[1] = self.rest(io, b2, values[1], Some(72 + 81 + s1 * 81 + quad))?;
        }
        Ok(())
    }

    /// Mantissa and sign of a value of bucket b.
    fn rest<I: Io>(&mut self, io: &mut I, b: usize, q: i64, sign: Option<usize>) -> Result<i64> {
        if b == 0 {
            return Ok(0);
        }
        let m = q.unsigned_abs() as u32;
        let mut out = 1_i64 << (b - 1);
        if b > 1 {
            let bit = io.modelled(&mut self.mantissa[b], (m >> (b - 2)) & 1 == 1)?;
            out |= i64::from(bit) << (b - 2);
            if b > 2 {
                let m2 = &mut self.mantissa2[2 * b + usize::from(bit)];
                let bit2 = io.modelled(m2, (m >> (b - 3)) & 1 == 1)?;
                out |= i64::from(bit2) << (b - 3);
                if b > 3 {
                    let low = io.raw(m & ((1 << (b - 3)) - 1), b as u32 - 3)?;
                    out |= i64::from(low);
                }
            }
        }
        let negative = match sign {
            Some(c) if c >= 72 => io.modelled(&mut self.lattice_signs[c - 72], q < 0)?,
            Some(c) => io.modelled(&mut self.signs[c], q < 0)?,
            None => io.raw(u32::from(q < 0), 1)? == 1,
        };
        Ok(if negative { -out } else { out })
    }
}

/// The bucket as decisions "b > j" for j = start.., then the escape.
fn bucket<I: Io>(
    io: &mut I,
    start: usize,
    target: usize,
    mut decide: impl FnMut(&mut I, usize, bool) -> Result<bool>,
) -> Result<usize> {
    let mut b = start;
    while b < CAP {
        if !decide(io, b, target > b)? {
            return Ok(b);
        }
        b += 1;
    }
    let extra = io.raw(target.saturating_sub(CAP) as u32, 4)? as usize;
    Ok(CAP + extra)
}

#[cfg(test)]
mod eval {
    use super::*;
    use crate::codec::container::parse_file;
    use crate::codec::context::{self, Coding};
    use crate::codec::params::{read_params, Method};
    use crate::codec::plan::SparsePlan;
    use crate::codec::sparse::{decode_payload, Layout};
    use crate::codec::Limits;

    fn write_v3(layout: &Layout, q: &[i64]) -> usize {
        let spu = layout.slots_per_unit();
        let mut coded = context::Coded::new(layout, Coding::V3);
        let mut m = context::Models::default();
        let mut w = Writer::default();
        let _ = context::scan(layout, Coding::V3, |u, class, n| -> Result<(), ()> {
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

    fn write_v5(layout: &Layout, q: &[i64], tune: Tune, check: bool) -> usize {
        let spu = layout.slots_per_unit();
        let mut coded = context::Coded::new(layout, Coding::V5);
        let mut m = MixModels::new(tune);
        let mut w = Writer::default();
        let _ = context::scan(layout, Coding::V5, |u, class, n| -> Result<(), ()> {
            let cx = coded.context(class, n);
            let nv = if layout.self_conjugate(u) { 1 } else { spu };
            let mut v = [0_i64; 2];
            v[..nv].copy_from_slice(&q[u * spu..u * spu + nv]);
            let s = v.iter().any(|&x| x != 0);
            let wide = coded.wide(u, n);
            m.significance(&mut w, cx, wide, s).unwrap();
            if s {
                m.values(&mut w, cx, wide, &mut v[..nv]).unwrap();
                coded.record(u, &v[..nv]);
            }
            Ok(())
        });
        let bytes = w.finish();
        if check {
            println!("  sig {:.0} first {:.0} second {:.0} bytes of {}", m.sig.cost / 8.0, m.first.cost / 8.0, m.second.cost / 8.0, bytes.len());
            let mut r = Reader::new(&bytes).unwrap();
            let mut coded = context::Coded::new(layout, Coding::V5);
            let mut m = MixModels::new(tune);
            let _ = context::scan(layout, Coding::V5, |u, class, n| -> Result<(), ()> {
                let cx = coded.context(class, n);
                let nv = if layout.self_conjugate(u) { 1 } else { spu };
                let mut v = [0_i64; 2];
                let wide = coded.wide(u, n);
                if m.significance(&mut r, cx, wide, false).unwrap() {
                    m.values(&mut r, cx, wide, &mut v[..nv]).unwrap();
                    coded.record(u, &v[..nv]);
                }
                assert_eq!(&v[..nv], &q[u * spu..u * spu + nv]);
                Ok(())
            });
            assert!(r.exhausted());
        }
        bytes.len()
    }

    /// Reconstruction-offset estimate: SNR at the file's step with q·Δ and with
    /// sign(q)(|q| − δ_b)Δ, δ_b the centroid offset per bucket.
    #[test]
    #[ignore]
    fn offsets() {
        let dir = std::env::var("CM_DIR").unwrap();
        for name in ["speech_3s", "drums_8s", "cello_6s", "folk_10s", "orchestra_60s"] {
            let audio = crate::pipeline::load(std::path::Path::new(&format!("{dir}/{name}.wav")), false).unwrap();
            let x = &audio.channels[0];
            let ex: f64 = x.iter().map(|v| v * v).sum();
            for m in ["pgbz", "dwt"] {
                for t in [20, 30] {
                    let bytes = std::fs::read(format!("{dir}/{name}_{m}_{t}.swz")).unwrap();
                    let parsed = parse_file(&bytes, Limits::default()).unwrap();
                    let len = parsed.header.frames as usize;
                    let (method, quant) = read_params(parsed.header.method, &parsed.header.params, len).unwrap();
                    let plan = match &method {
                        Method::Dwt(p) => SparsePlan::dwt(p, len).unwrap(),
                        Method::Pgbz(p) => SparsePlan::pgbz(p, len).unwrap(),
                        _ => continue,
                    };
                    let layout = plan.layout();
                    let q = decode_payload(&layout, parsed.payloads[0], parsed.version).unwrap();
                    let c = plan.analyze(x).unwrap();
                    let step = quant.step;
                    let mut sum = [0.0; 34];
                    let mut cnt = [0.0; 34];
                    for (&qv, &cv) in q.iter().zip(&c) {
                        if qv != 0 {
                            let b = IntCoder::bucket(qv);
                            sum[b] += qv.unsigned_abs() as f64 - cv.abs() / step;
                            cnt[b] += 1.0;
                        }
                    }
                    let delta: Vec<f64> = (0..34).map(|b| if cnt[b] > 0.0 { sum[b] / cnt[b] } else { 0.0 }).collect();
                    let snr = |rec: &[f64]| {
                        let y = plan.synthesize(rec).unwrap();
                        let e: f64 = x.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum();
                        10.0 * (ex / e).log10()
                    };
                    let plain: Vec<f64> = q.iter().map(|&v| v as f64 * step).collect();
                    let off: Vec<f64> = q
                        .iter()
                        .map(|&v| {
                            if v == 0 {
                                0.0
                            } else {
                                v.signum() as f64 * (v.unsigned_abs() as f64 - delta[IntCoder::bucket(v)]) * step
                            }
                        })
                        .collect();
                    let (a, b) = (snr(&plain), snr(&off));
                    println!("{name:14} {m:5} {t} snr {a:.3} -> {b:.3} (+{:.3} dB) delta {:?}", b - a,
                        delta[1..6].iter().map(|d| format!("{d:.3}")).collect::<Vec<_>>());
                }
            }
        }
    }

    /// CM_DIR=dir CM_TUNES="limits0,l1,l2,l3,rate,init;..." cargo test --release --lib cm::eval -- --ignored --nocapture
    #[test]
    #[ignore]
    fn sizes() {
        let dir = std::env::var("CM_DIR").unwrap();
        let tunes: Vec<Tune> = std::env::var("CM_TUNES")
            .map(|t| {
                t.split(';')
                    .map(|x| {
                        let v: Vec<i32> = x.split(',').map(|y| y.parse().unwrap()).collect();
                        Tune {
                            limits: [v[0] as u16, v[1] as u16, v[2] as u16, v[3] as u16, v[4] as u16, v[5] as u16, v[6] as u16],
                            rate: v[7],
                            init: v[8],
                            off: v[9] as u32,
                            apm_rate: v[10] as u32,
                            apm_w: v[11],
                        }
                    })
                    .collect()
            })
            .unwrap_or_else(|_| vec![Tune::default()]);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "swz"))
            .collect();
        names.sort();
        let mut totals = vec![0.0; tunes.len()];
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
            let mut old = 0;
            let mut new = vec![0; tunes.len()];
            for payload in &parsed.payloads {
                let q = decode_payload(&layout, payload, parsed.version).unwrap();
                let t0 = std::time::Instant::now();
                let o = write_v3(&layout, &q);
                let t1 = t0.elapsed().as_secs_f64();
                let t0 = std::time::Instant::now();
                write_v5(&layout, &q, tunes[0], false);
                let t2 = t0.elapsed().as_secs_f64();
                println!("  time v3 {:.1} ms v5 {:.1} ms", t1 * 1e3, t2 * 1e3);
                assert_eq!(o, payload.len());
                old += o;
                for (k, &t) in tunes.iter().enumerate() {
                    new[k] += write_v5(&layout, &q, t, k == 0);
                }
            }
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            let mut st = [0usize; 4];
            for payload in &parsed.payloads {
                let q = decode_payload(&layout, payload, parsed.version).unwrap();
                st[0] += layout.units();
                for v in q.iter().filter(|&&v| v != 0) {
                    let b = IntCoder::bucket(*v);
                    st[1] += 1;
                    st[2] += b.saturating_sub(2);
                    st[3] += b;
                }
            }
            println!("  units {} nonzero {} raw-mantissa bytes {} sign bytes {} mean bucket {:.2}", st[0], st[1], st[2] / 8, st[1] / 8, st[3] as f64 / st[1] as f64);
            let mut line = format!("{name:24} {:8} {old:8}", bytes.len());
            for (k, &n) in new.iter().enumerate() {
                let rel = 100.0 * (n as f64 - old as f64) / bytes.len() as f64;
                totals[k] += rel;
                line += &format!(" {n:8} {rel:+6.1}%");
            }
            println!("{line}");
        }
        println!("mean file change: {:?}", totals.iter().map(|t| format!("{:+.2}", t / 24.0)).collect::<Vec<_>>());
    }
}
