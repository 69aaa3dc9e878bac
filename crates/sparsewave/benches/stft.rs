//! STFT + inverse STFT of 60 s at 44.1 kHz (n_fft 2048, hop 512, Hann), against the FFT work
//! it cannot avoid.
//!
//! - `stft_60s/{stft+istft,stft,istft}`: the library's STFT and inverse.
//! - `stft_60s/fft_floor_{forward,inverse}`: the floor of that STFT: the same number of
//!   2048-point real FFTs (one per frame, [`Stft::frame_count`]), forward and inverse, over
//!   preallocated frames, split over rayon's threads as the STFT splits its frames. Forward: copy
//!   each frame's 2048 samples (unwindowed, unpadded) into a thread's buffer and transform it
//!   into its row of a preallocated spectrum; inverse: copy each row into a thread's buffer and
//!   transform it into its row of preallocated time frames (no window, no overlap-add).
//! - `stft_60s/stft_into`: the forward STFT into a spectrogram buffer allocated once, outside
//!   the loop ([`Stft::forward_frames_into`]), as the floor's FFTs write theirs.
//! - `stft_60s/first_touch_of_the_results`: the memory floor of a transform that returns fresh
//!   results: allocate a spectrogram and a signal of the STFT's sizes and write every value
//!   once, in parallel (the kernel maps and zeroes each page on first touch), then free them.
//! - `stft_60s/one_{rfft,irfft}_of_the_signal`: one real FFT of the whole signal's length, each
//!   direction (the forward restores its input with a memcpy, included): issue 11 states the
//!   floor as (n_fft/hop) of these in each direction.
//!
//! Input: the WAV named by `SPARSEWAVE_BENCH_AUDIO` (first channel, at most 60 s), else the
//! synthetic signal of `benches/common`. `scripts/bench_vs_peers.sh` reads the medians.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use rayon::prelude::*;
use realfft::num_complex::Complex64;
use realfft::RealFftPlanner;
use sparsewave::transform::stft::{PadMode, Stft, StftConfig};
use sparsewave::transform::window::WindowKind;

const N_FFT: usize = 2048;
const HOP: usize = 512;

fn bench(c: &mut Criterion) {
    let x = common::bench_signal(60.0);
    let stft = Stft::new(
        StftConfig::centered(N_FFT, HOP, N_FFT, WindowKind::Hann, PadMode::Zero).unwrap(),
    )
    .unwrap();
    let mut g = c.benchmark_group("stft_60s");
    g.sample_size(10);
    g.bench_function("stft+istft", |b| {
        b.iter(|| {
            let spec = stft.forward(&x).unwrap();
            stft.inverse(&spec, x.len()).unwrap()
        })
    });
    let spec = stft.forward(&x).unwrap();
    g.bench_function("stft", |b| b.iter(|| stft.forward(&x).unwrap()));
    let mut reused = spec.data.clone();
    g.bench_function("stft_into", |b| {
        b.iter(|| {
            stft.forward_frames_into(&x, 0..spec.frames, &mut reused)
                .unwrap()
        })
    });
    g.bench_function("istft", |b| {
        b.iter(|| stft.inverse(&spec, x.len()).unwrap())
    });

    let mut planner = RealFftPlanner::<f64>::new();
    let frames = stft.frame_count(x.len());
    let bins = N_FFT / 2 + 1;
    let frame_forward = planner.plan_fft_forward(N_FFT);
    let frame_inverse = planner.plan_fft_inverse(N_FFT);
    let mut spectrum = vec![Complex64::default(); frames * bins];
    g.bench_function("fft_floor_forward", |b| {
        b.iter(|| {
            spectrum.par_chunks_mut(bins).enumerate().for_each_init(
                || {
                    (
                        frame_forward.make_input_vec(),
                        frame_forward.make_scratch_vec(),
                    )
                },
                |(buf, scratch), (t, row)| {
                    let start = (t * HOP).min(x.len() - N_FFT);
                    buf.copy_from_slice(&x[start..start + N_FFT]);
                    frame_forward
                        .process_with_scratch(buf, row, scratch)
                        .unwrap();
                },
            )
        })
    });
    g.bench_function("first_touch_of_the_results", |b| {
        b.iter(|| {
            let mut spectrogram: Vec<Complex64> = bytemuck::zeroed_vec(frames * bins);
            spectrogram
                .par_chunks_mut(bins)
                .for_each(|row| row.fill(Complex64::new(1.0, 0.0)));
            let mut signal: Vec<f64> = bytemuck::zeroed_vec(x.len());
            signal.par_chunks_mut(1 << 16).for_each(|c| c.fill(1.0));
            (spectrogram, signal)
        })
    });
    let mut time_frames = vec![0.0; frames * N_FFT];
    g.bench_function("fft_floor_inverse", |b| {
        b.iter(|| {
            time_frames
                .par_chunks_mut(N_FFT)
                .zip(spectrum.par_chunks(bins))
                .for_each_init(
                    || {
                        (
                            frame_inverse.make_input_vec(),
                            frame_inverse.make_scratch_vec(),
                        )
                    },
                    |(buf, scratch), (out, row)| {
                        buf.copy_from_slice(row);
                        buf[0].im = 0.0;
                        buf[N_FFT / 2].im = 0.0;
                        frame_inverse
                            .process_with_scratch(buf, out, scratch)
                            .unwrap();
                    },
                )
        })
    });

    let forward = planner.plan_fft_forward(x.len());
    let mut input = x.clone();
    let mut out = forward.make_output_vec();
    let mut scratch = forward.make_scratch_vec();
    g.bench_function("one_rfft_of_the_signal", |b| {
        b.iter(|| {
            input.copy_from_slice(&x);
            forward
                .process_with_scratch(&mut input, &mut out, &mut scratch)
                .unwrap()
        })
    });
    let inverse = planner.plan_fft_inverse(x.len());
    let mut whole_spectrum = inverse.make_input_vec();
    let mut signal = inverse.make_output_vec();
    let mut scratch = inverse.make_scratch_vec();
    g.bench_function("one_irfft_of_the_signal", |b| {
        b.iter(|| {
            whole_spectrum.copy_from_slice(&out);
            whole_spectrum[0].im = 0.0;
            if x.len() % 2 == 0 {
                whole_spectrum[x.len() / 2].im = 0.0;
            }
            inverse
                .process_with_scratch(&mut whole_spectrum, &mut signal, &mut scratch)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
