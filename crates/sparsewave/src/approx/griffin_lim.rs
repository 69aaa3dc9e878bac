//! Griffin–Lim phase reconstruction, librosa's "fast" variant (Perraudin et al. 2013).
//!
//! Given a target magnitude S, iterate
//!
//! ```text
//! X_i   = STFT(ISTFT(S · e^{iφ_i}))
//! c_i   = X_i − (μ / (1 + μ)) · X_{i−1}          (X_0 = 0, so no momentum on the first step)
//! φ_i+1 = arg c_i
//! ```
//!
//! with momentum μ = 0.99, and return ISTFT(S · e^{iφ_n}).

use crate::transform::stft::{Spectrogram, Stft};
use crate::Result;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use realfft::num_complex::Complex64;

/// Where the phase iteration starts.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum PhaseInit {
    /// Uniform random phase from a seeded ChaCha8 generator.
    Random {
        /// The generator's seed.
        seed: u64,
    },
    /// The phase of the given spectrogram (the signal's own).
    Given,
    /// φ = 0 everywhere (librosa's `init=None`), for parity tests.
    Zero,
}

/// librosa's default momentum.
pub const MOMENTUM: f64 = 0.99;

/// Reconstruct a signal of `len` samples whose STFT magnitude approximates `target`
/// (time-major, like [`Spectrogram`]). `phase_source` supplies the phase for
/// [`PhaseInit::Given`].
pub fn griffin_lim(
    stft: &Stft,
    target: &[f64],
    frames: usize,
    len: usize,
    iters: usize,
    init: PhaseInit,
    phase_source: Option<&Spectrogram>,
) -> Result<Vec<f64>> {
    let bins = stft.bins();
    let mut angles: Vec<Complex64> = match (init, phase_source) {
        (PhaseInit::Given, Some(src)) => src
            .data
            .iter()
            .map(|c| {
                // `norm` (hypot), not `magnitude`: decoders of version-1 `.swz` files run
                // this loop and must reproduce their output bit for bit.
                let n = c.norm();
                if n > 0.0 {
                    c / n
                } else {
                    Complex64::new(1.0, 0.0)
                }
            })
            .collect(),
        (PhaseInit::Random { seed }, _) => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..frames * bins)
                .map(|_| Complex64::from_polar(1.0, rng.random_range(0.0..std::f64::consts::TAU)))
                .collect()
        }
        _ => vec![Complex64::new(1.0, 0.0); frames * bins],
    };
    // G = angles ⊙ target, made frame by frame inside the inverse.
    let synthesize = |angles: &[Complex64]| {
        stft.inverse_with(
            frames,
            len,
            || (),
            |_, t, out| {
                let range = t * bins..(t + 1) * bins;
                for ((o, a), &m) in out
                    .iter_mut()
                    .zip(&angles[range.clone()])
                    .zip(&target[range])
                {
                    *o = a * m;
                }
            },
        )
    };
    let mut rebuilt = vec![Complex64::default(); frames * bins];
    let mut previous = vec![Complex64::default(); frames * bins];
    let carry = MOMENTUM / (1.0 + MOMENTUM);
    for _ in 0..iters {
        let y = synthesize(&angles);
        stft.forward_frames_into(&y, 0..frames, &mut rebuilt)?;
        for ((a, r), p) in angles.iter_mut().zip(&rebuilt).zip(&previous) {
            let c = r - p * carry;
            // librosa divides by |c| + tiny; a zero stays zero.
            *a = c / (c.norm() + f64::MIN_POSITIVE);
        }
        std::mem::swap(&mut previous, &mut rebuilt);
    }
    Ok(synthesize(&angles))
}
