//! `.swz` encode and decode of 60 s of 44.1 kHz mono (the signal of benches/common, or the
//! file named by SPARSEWAVE_BENCH_AUDIO) with PGBZ and DWT at a fixed keep/step (one trial,
//! no rate search). Real-time factor = 60 s / measured time.
//!
//! Run: `cargo bench --bench codec`

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use sparsewave::audio::Audio;
use sparsewave::codec::{decode, encode, DwtParams, Limits, Method, Packets, PgbzParams, Target};
use std::hint::black_box;

fn methods() -> Vec<(&'static str, Method)> {
    vec![
        (
            "pgbz",
            Method::Pgbz(PgbzParams {
                lattice: None,
                refit: 0,
            }),
        ),
        (
            "dwt",
            Method::Dwt(DwtParams {
                wavelet: "db8".parse().expect("db8 exists"),
                mode: "periodization".parse().expect("valid mode"),
                level: None,
                packets: Packets::Dyadic,
            }),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let audio = Audio::from_channels(common::RATE as u32, vec![common::bench_signal(60.0)]);
    let target = Target::Fixed {
        keep: Some(0.1),
        step: Some(0.1),
    };
    let mut group = c.benchmark_group("codec_60s");
    group.sample_size(10);
    for (name, method) in methods() {
        let bytes = encode(&audio, &method, target).expect("encodes").bytes;
        group.bench_function(format!("encode_{name}"), |b| {
            b.iter(|| encode(black_box(&audio), &method, target).expect("encodes"))
        });
        group.bench_function(format!("decode_{name}"), |b| {
            b.iter(|| decode(black_box(&bytes), Limits::default()).expect("decodes"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
