//! A signal arriving in blocks, filtered by gains in the STFT domain (Hann, hop `n_fft/4`, the
//! plane of the STFT-domain denoisers, [`hann_quarter_hop`]) and handed out as soon as no later
//! frame reaches the samples: the frames of [`StreamFrames`] in runs of whole overlap-add
//! blocks ([`OLA_BLOCK`] frames), each run's gains from a [`GainRule`] that carries its state
//! across runs, the overlap-add of [`OverlapAdder`]. Several rules can share one STFT of the
//! signal (`auto`'s candidates of one FFT size); each has its own output.
//!
//! The samples are the whole-signal inverse STFT's bit for bit: the frames, the gains, the
//! block segments and their sums are the same computations in the same order
//! ([`Stft::inverse_with`] is the same overlap-add over all the frames).

use crate::denoise::auto::{hann_quarter_hop, Estimator};
use crate::denoise::block::{block_gains, BlockConfig, MACRO_FRAMES};
use crate::denoise::lsa::{LsaConfig, LsaRecursion};
use crate::transform::stft::{OverlapAdder, Spectrogram, Stft, StreamFrames, OLA_BLOCK};
use crate::Result;
use rayon::prelude::*;
use realfft::num_complex::Complex64;

// Block thresholding's macroblock rows (MACRO_FRAMES frames from frame 0) never straddle two
// runs: a run starts at a multiple of OLA_BLOCK.
const _: () = assert!(OLA_BLOCK % MACRO_FRAMES == 0);

/// The gains of one run of frames (a run starts at a multiple of [`OLA_BLOCK`] frames), and
/// the state a rule carries from run to run.
pub(crate) enum GainRule {
    /// LSA: the decision-directed recursion ([`LsaRecursion`]).
    Lsa(LsaConfig, LsaRecursion),
    /// Block thresholding: rows of macroblocks, which a run holds whole
    /// ([`block_gains`]; no state).
    Block(BlockConfig),
    /// A fixed gain per bin (`auto`'s coloured probe).
    Fixed(Vec<f64>),
}

impl GainRule {
    /// The rule of `estimator` before the first frame, for `bins` bins.
    pub(crate) fn of(estimator: &Estimator, bins: usize) -> Self {
        match estimator {
            Estimator::Lsa(cfg) => GainRule::Lsa(*cfg, LsaRecursion::new(bins)),
            Estimator::Block(cfg) => GainRule::Block(*cfg),
        }
    }

    /// The gains of the run `spec` (layout of `spec`), advancing the state.
    fn gains(&mut self, spec: &Spectrogram, noise_power: &[f64]) -> Vec<f64> {
        match self {
            GainRule::Lsa(cfg, recursion) => recursion.gains(spec, noise_power, cfg),
            GainRule::Block(cfg) => block_gains(spec, noise_power, cfg),
            GainRule::Fixed(gain) => {
                let mut gains = Vec::with_capacity(spec.data.len());
                for _ in 0..spec.frames {
                    gains.extend_from_slice(gain);
                }
                gains
            }
        }
    }
}

/// One signal through one STFT plane and one or more gain rules (module documentation).
pub(crate) struct StftFilter {
    stft: Stft,
    noise_power: Vec<f64>,
    frames: StreamFrames,
    /// Each rule with its overlap-add.
    rules: Vec<(GainRule, OverlapAdder)>,
    /// Overlap-add blocks done.
    blocks_done: usize,
}

impl StftFilter {
    /// A filter of a signal of `len` samples in the plane of `n_fft`, with noise power
    /// `noise_power[k]` per bin, and `rules`.
    pub(crate) fn new(
        n_fft: usize,
        noise_power: Vec<f64>,
        len: usize,
        rules: Vec<GainRule>,
    ) -> Result<Self> {
        let stft = hann_quarter_hop(n_fft)?;
        Ok(StftFilter {
            frames: StreamFrames::new(&stft, len)?,
            rules: rules
                .into_iter()
                .map(|rule| (rule, OverlapAdder::new(&stft, len)))
                .collect(),
            stft,
            noise_power,
            blocks_done: 0,
        })
    }

    /// The next input samples; returns, per rule, the output samples now final (in order; as
    /// many for every rule).
    pub(crate) fn push(&mut self, x: &[f64]) -> Result<Vec<Vec<f64>>> {
        self.frames.push(x)?;
        let total = self.frames.frame_count();
        let blocks = self.frames.ready_blocks(OLA_BLOCK);
        if blocks <= self.blocks_done {
            return Ok(vec![Vec::new(); self.rules.len()]);
        }
        let (t0, t1) = (
            self.blocks_done * OLA_BLOCK,
            (blocks * OLA_BLOCK).min(total),
        );
        let bins = self.stft.bins();
        let mut spec = Spectrogram {
            frames: t1 - t0,
            bins,
            data: vec![Complex64::default(); (t1 - t0) * bins],
        };
        let (stft, frames) = (&self.stft, &self.frames);
        spec.data.par_chunks_mut(bins).enumerate().for_each_init(
            || stft.frame_scratch(),
            |scratch, (i, out)| stft.forward_padded_frame(frames.frame(t0 + i), scratch, out),
        );
        let until = if blocks * OLA_BLOCK >= total {
            usize::MAX
        } else {
            blocks * OLA_BLOCK * self.stft.config().hop
        };
        let mut outputs = Vec::with_capacity(self.rules.len());
        for (rule, adder) in &mut self.rules {
            let gains = rule.gains(&spec, &self.noise_power);
            let segments = self.stft.overlap_add_blocks(
                self.blocks_done..blocks,
                total,
                || (),
                |_, t, out| {
                    let i = t - t0;
                    let g = &gains[i * bins..(i + 1) * bins];
                    for ((o, c), g) in out.iter_mut().zip(spec.frame(i)).zip(g) {
                        *o = c * g;
                    }
                },
            );
            adder.add(&segments);
            outputs.push(adder.take_until(until));
        }
        self.blocks_done = blocks;
        self.frames.release(t1);
        Ok(outputs)
    }
}
