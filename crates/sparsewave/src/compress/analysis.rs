//! One analysis of a signal by one of the compared representations (PGBZ, the paper's STFT,
//! DWT), ready to be thresholded at many budgets: a value ranked by its magnitude and a fair
//! cost per stored coefficient, and synthesis from any kept subset.
//!
//! | method | coefficients | cost of one stored coefficient |
//! | --- | --- | --- |
//! | PGBZ | half layout `C[n][m]`, `m = 0..(M−1)/2` (conjugate partners implied) | 1 for m = 0, else 2 |
//! | STFT | one-sided bins of the paper's STFT (hop = window/8, so ≈ 8× redundant) | 1 for DC and Nyquist, else 2 |
//! | DWT | wavedec coefficients (orthogonal, critically sampled + boundary extras) | 1 |

use super::params::LatticeChoice;
use super::refit::{refit, PgbzFrame, RefitOptions, RefitReport};
use super::sparsify::{apply_mask, MASK_CHUNK};
use crate::error::check_mask;
use crate::memory::zeroed_vec;
use crate::transform::stft::{magnitude, Spectrogram, Stft, StftConfig};
use crate::transform::wavelet::{Dwt, Mode, Wavelet, WaveletCoefs};
use crate::transform::zak::{block_ranges, Pgbz, PgbzScratch};
use crate::{Error, Result};
use rayon::prelude::*;
use realfft::num_complex::Complex64;
use std::ops::Range;

/// A representation and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Representation {
    /// Periodic Gabor via the Zak transform on the lattice `lattice` picks for the (block)
    /// length; `block` splits the signal into independent PGBZ blocks of that many samples (a
    /// documented variant for very long inputs).
    Pgbz {
        /// How the lattice is chosen.
        lattice: LatticeChoice,
        /// Samples per independent block; `None`: one block.
        block: Option<usize>,
    },
    /// The PGBZ paper's STFT baseline (Blackman–Harris analysis, Hamming synthesis, hop = w/8).
    Stft {
        /// Window length (a positive multiple of 8).
        window_length: usize,
    },
    /// Multilevel DWT (PyWavelets' wavedec); `level` None = PyWavelets' maximum, capped at 10.
    Dwt {
        /// The wavelet.
        wavelet: Wavelet,
        /// The boundary mode.
        mode: Mode,
        /// The decomposition level.
        level: Option<usize>,
    },
}

impl Representation {
    /// Short name for reports ("pgbz", "stft", "dwt").
    pub fn name(&self) -> &'static str {
        match self {
            Representation::Pgbz { .. } => "pgbz",
            Representation::Stft { .. } => "stft",
            Representation::Dwt { .. } => "dwt",
        }
    }
}

/// The fair cost of bin `k` of a one-sided STFT of `n_fft` points: 1 real number for the
/// self-conjugate bins (DC, and Nyquist when `n_fft` is even), 2 for every other bin.
pub(crate) fn stft_cost(k: usize, n_fft: usize) -> u8 {
    if k == 0 || (n_fft % 2 == 0 && k == n_fft / 2) {
        1
    } else {
        2
    }
}

/// The report's description of the STFT baseline `stft` ([`Analysis::describe`]).
pub(crate) fn stft_describe(stft: &Stft) -> serde_json::Value {
    serde_json::json!({
        "window_length": stft.config().n_fft, "hop": stft.config().hop,
        "analysis": "blackman-harris", "synthesis": "hamming",
    })
}

/// The report's description of the DWT `dwt` ([`Analysis::describe`]).
pub(crate) fn dwt_describe(dwt: &Dwt) -> serde_json::Value {
    serde_json::json!({
        "wavelet": dwt.wavelet().to_string(), "mode": dwt.mode().name(), "level": dwt.level(),
    })
}

/// One PGBZ block: its samples, its plan (index into the plans) and its coefficient slice.
struct PgbzBlock {
    samples: Range<usize>,
    plan: usize,
    coefs: Range<usize>,
}

enum State {
    Pgbz {
        plans: Vec<Pgbz>,
        /// One scratch per plan.
        scratches: Vec<PgbzScratch>,
        blocks: Vec<PgbzBlock>,
        coefs: Vec<Complex64>,
        /// [`Analysis::refit`]'s copy of the coefficients (the re-fit overwrites its start),
        /// kept from budget to budget: no fresh pages per level of a sweep.
        refit_start: Vec<Complex64>,
    },
    Stft {
        stft: Stft,
        spec: Spectrogram,
    },
    Dwt {
        dwt: Dwt,
        coefs: WaveletCoefs,
        /// [`Analysis::reconstruct`]'s masked coefficients, kept from budget to budget (their
        /// synthesis takes `coefs`' scratch space).
        masked: MaskedCoefficients,
    },
}

/// The DWT coefficients where the last mask was true and zeros elsewhere, kept from one
/// [`Analysis::reconstruct`] to the next: a sweep's next budget changes the mask only between
/// two cuts, so only the entries whose mask changed are rewritten, instead of a masked copy of
/// every coefficient per budget. (PGBZ and the STFT read the kept coefficients as they
/// synthesise and need no copy; the DWT's kernels read whole bands.)
#[derive(Default)]
struct MaskedCoefficients {
    /// The masked coefficients (made at the first update), and their mask.
    state: Option<(Vec<f64>, Vec<bool>)>,
}

/// Entries compared at once by [`MaskedCoefficients::update`]: runs whose masks are equal are
/// skipped whole.
const MASK_RUN: usize = 64;

impl MaskedCoefficients {
    /// `coefs` where `mask` is true and zero elsewhere (`coefs` and `mask` of equal lengths,
    /// those of every earlier update).
    fn update(&mut self, coefs: &[f64], mask: &[bool]) -> &[f64] {
        let (values, last) = self
            .state
            .get_or_insert_with(|| (zeroed_vec(coefs.len()), Vec::new()));
        if last.len() != mask.len() {
            // The first mask: every entry is written.
            *last = mask.iter().map(|&k| !k).collect();
        }
        values
            .par_chunks_mut(MASK_CHUNK)
            .zip(last.par_chunks_mut(MASK_CHUNK))
            .zip(
                coefs
                    .par_chunks(MASK_CHUNK)
                    .zip(mask.par_chunks(MASK_CHUNK)),
            )
            .for_each(|((values, last), (coefs, mask))| {
                let runs = values
                    .chunks_mut(MASK_RUN)
                    .zip(last.chunks_mut(MASK_RUN))
                    .zip(coefs.chunks(MASK_RUN).zip(mask.chunks(MASK_RUN)));
                for ((values, last), (coefs, mask)) in runs {
                    if last == mask {
                        continue;
                    }
                    for (((v, l), &c), &k) in
                        values.iter_mut().zip(last.iter_mut()).zip(coefs).zip(mask)
                    {
                        if *l != k {
                            *v = if k { c } else { 0.0 };
                            *l = k;
                        }
                    }
                }
            });
        values
    }
}

/// CGLS per PGBZ block on `coefs` (overwritten with the re-fitted coefficients).
#[allow(clippy::too_many_arguments)]
fn refit_blocks(
    plans: &[Pgbz],
    scratches: &mut [PgbzScratch],
    blocks: &[PgbzBlock],
    coefs: &mut [Complex64],
    x: &[f64],
    mask: &[bool],
    out: &mut [f64],
    options: &RefitOptions,
) -> Result<Vec<RefitReport>> {
    let mut reports = Vec::with_capacity(blocks.len());
    let mut y = Vec::new();
    for b in blocks {
        let plan = &plans[b.plan];
        y.resize(plan.padded_len(), 0.0);
        reports.push(refit(
            &mut PgbzFrame::new(plan, &mut scratches[b.plan]),
            &x[b.samples.clone()],
            &mask[b.coefs.clone()],
            &mut coefs[b.coefs.clone()],
            &mut y,
            options,
        )?);
        out[b.samples.clone()].copy_from_slice(&y[..b.samples.len()]);
    }
    Ok(reports)
}

/// The analysis of one signal, reusable for many budgets.
pub struct Analysis {
    state: State,
    len: usize,
    /// `|c|` of the complex (PGBZ, STFT) coefficients; empty for the DWT, whose real
    /// coefficients rank as they are ([`Analysis::rank_values`]).
    magnitudes: Vec<f64>,
    /// One per coefficient; emptied when the coefficients are spent
    /// ([`Analysis::reconstruct_in_place`]).
    costs: Vec<u8>,
}

impl Analysis {
    /// Analyse `x` with `rep`.
    pub fn new(rep: &Representation, x: &[f64]) -> Result<Self> {
        if x.is_empty() {
            return Err(Error::param("signal", "is empty"));
        }
        let len = x.len();
        let (state, magnitudes, costs) = match rep {
            Representation::Pgbz { lattice, block } => {
                let ranges = match block {
                    Some(b) => block_ranges(len, *b)?,
                    None => std::iter::once(0..len).collect(),
                };
                let mut plans: Vec<Pgbz> = Vec::new();
                let mut scratches: Vec<PgbzScratch> = Vec::new();
                let mut blocks = Vec::with_capacity(ranges.len());
                let mut costs = Vec::new();
                let mut coef_len = 0;
                for r in ranges {
                    let plan = match plans.iter().position(|p| p.signal_len() == r.len()) {
                        Some(i) => i,
                        None => {
                            let l = lattice.resolve(r.len());
                            let plan = Pgbz::with_lattice(l.m, l.n, r.len())?;
                            scratches.push(plan.make_scratch());
                            plans.push(plan);
                            plans.len() - 1
                        }
                    };
                    let p = &plans[plan];
                    costs.extend(p.costs());
                    blocks.push(PgbzBlock {
                        samples: r,
                        plan,
                        coefs: coef_len..coef_len + p.coef_len(),
                    });
                    coef_len += p.coef_len();
                }
                // Every coefficient is written by its block's analysis, which also takes the
                // pages' first touches, in parallel.
                let mut coefs = crate::memory::zeroed_vec(coef_len);
                for b in &blocks {
                    plans[b.plan].analyze(
                        &x[b.samples.clone()],
                        &mut coefs[b.coefs.clone()],
                        &mut scratches[b.plan],
                    )?;
                }
                let mags = coefs.par_iter().map(|&c| magnitude(c)).collect();
                (
                    State::Pgbz {
                        plans,
                        scratches,
                        blocks,
                        coefs,
                        refit_start: Vec::new(),
                    },
                    mags,
                    costs,
                )
            }
            Representation::Stft { window_length } => {
                let stft = Stft::new(StftConfig::paper_baseline(*window_length)?)?;
                let spec = stft.forward(x)?;
                let bins = spec.bins;
                let n_fft = stft.config().n_fft;
                let costs = (0..spec.data.len())
                    .map(|i| stft_cost(i % bins, n_fft))
                    .collect();
                let magnitudes = spec.magnitude();
                (State::Stft { stft, spec }, magnitudes, costs)
            }
            Representation::Dwt {
                wavelet,
                mode,
                level,
            } => {
                let dwt = Dwt::new(*wavelet, *mode, *level, len)?;
                let mut coefs = dwt.make_coefficients();
                dwt.analyze(x, &mut coefs)?;
                let costs = vec![1; coefs.as_slice().len()];
                (
                    State::Dwt {
                        dwt,
                        coefs,
                        masked: MaskedCoefficients::default(),
                    },
                    Vec::new(),
                    costs,
                )
            }
        };
        Ok(Analysis {
            state,
            len,
            magnitudes,
            costs,
        })
    }

    /// One value per stored coefficient whose magnitude `|v|` ranks it, as
    /// [`select`](super::sparsify::select) and [`Ranking`](super::sparsify::Ranking) take them:
    /// `|c|` of PGBZ's and the STFT's complex coefficients, the DWT's real coefficients
    /// themselves (no coefficient-sized copy). Empty once the coefficients are spent.
    pub fn rank_values(&self) -> &[f64] {
        if self.costs.is_empty() {
            return &[];
        }
        match &self.state {
            State::Dwt { coefs, .. } => coefs.as_slice(),
            _ => &self.magnitudes,
        }
    }

    /// Fair cost (real numbers) per stored coefficient.
    pub fn costs(&self) -> &[u8] {
        &self.costs
    }

    /// Σ costs: the real numbers of the full representation (= L for PGBZ).
    pub fn total_real_values(&self) -> usize {
        self.costs.iter().map(|&c| usize::from(c)).sum()
    }

    /// Human description of the effective parameters (lattice, level, …).
    pub fn describe(&self) -> serde_json::Value {
        match &self.state {
            State::Pgbz { plans, blocks, .. } => serde_json::json!({
                "lattice": plans.iter().map(|p| p.lattice()).collect::<Vec<_>>(),
                "blocks": blocks.len(),
                "condition_number": plans[0].condition_number(),
            }),
            State::Stft { stft, .. } => stft_describe(stft),
            State::Dwt { dwt, .. } => dwt_describe(dwt),
        }
    }

    /// Synthesise from the coefficients where `mask` is true into `out` (the signal's length).
    pub fn reconstruct(&mut self, mask: &[bool], out: &mut [f64]) -> Result<()> {
        self.check(mask, out)?;
        match &mut self.state {
            State::Pgbz {
                plans,
                scratches,
                blocks,
                coefs,
                ..
            } => {
                // The synthesis reads only the kept coefficients: no masked copy.
                for b in blocks.iter() {
                    plans[b.plan].synthesize_kept(
                        &coefs[b.coefs.clone()],
                        &mask[b.coefs.clone()],
                        &mut out[b.samples.clone()],
                        &mut scratches[b.plan],
                    )?;
                }
            }
            State::Stft { stft, spec } => {
                // Each frame is masked as the inverse transforms it: no masked copy of the
                // spectrogram, and only the kept coefficients are read.
                let bins = spec.bins;
                stft.inverse_with_into(
                    spec.frames,
                    out,
                    || (),
                    |_, t, frame| {
                        let at = t * bins..(t + 1) * bins;
                        frame.fill(Complex64::default());
                        for (k, _) in mask[at.clone()].iter().enumerate().filter(|(_, &m)| m) {
                            frame[k] = spec.data[at.start + k];
                        }
                    },
                );
            }
            State::Dwt { dwt, coefs, masked } => {
                let masked = masked.update(coefs.as_slice(), mask);
                dwt.synthesize_values(masked, coefs, out)?;
            }
        }
        Ok(())
    }

    /// [`Analysis::reconstruct`] for the last use of the analysis: the DWT zeroes the dropped
    /// coefficients of the analysis itself and synthesises from them, saving a
    /// coefficient-sized copy (PGBZ and the STFT mask as they synthesise and need none). The
    /// output is the same; afterwards the analysis refuses every mask.
    pub fn reconstruct_in_place(&mut self, mask: &[bool], out: &mut [f64]) -> Result<()> {
        self.check(mask, out)?;
        match &mut self.state {
            State::Stft { .. } | State::Pgbz { .. } => self.reconstruct(mask, out)?,
            State::Dwt { dwt, coefs, .. } => {
                apply_mask(coefs.as_mut_slice(), mask)?;
                dwt.synthesize(coefs, out)?;
            }
        }
        self.magnitudes = Vec::new();
        self.costs = Vec::new();
        Ok(())
    }

    /// Least-squares re-fit of the kept PGBZ coefficients (CGLS, per block), writing the
    /// re-fitted signal into `out`; the analysis is kept for further budgets. Only PGBZ has a
    /// re-fit (the paper compares it for PGBZ; the DWT is orthogonal, so thresholding is
    /// already least squares).
    pub fn refit(
        &mut self,
        x: &[f64],
        mask: &[bool],
        out: &mut [f64],
        options: &RefitOptions,
    ) -> Result<Vec<RefitReport>> {
        self.check(mask, out)?;
        let (plans, scratches, blocks, coefs, start) = self.pgbz_parts()?;
        start.clear();
        start.extend_from_slice(coefs);
        refit_blocks(plans, scratches, blocks, start, x, mask, out, options)
    }

    /// [`Analysis::refit`] for the last use of the analysis: re-fits the stored coefficients in
    /// place and frees the ranking data first, saving a coefficient-sized copy (this is what
    /// keeps a 10-minute recording within 2 GB). Afterwards the analysis refuses every mask.
    pub fn refit_in_place(
        &mut self,
        x: &[f64],
        mask: &[bool],
        out: &mut [f64],
        options: &RefitOptions,
    ) -> Result<Vec<RefitReport>> {
        self.check(mask, out)?;
        self.magnitudes = Vec::new();
        self.costs = Vec::new();
        let (plans, scratches, blocks, coefs, _) = self.pgbz_parts()?;
        refit_blocks(plans, scratches, blocks, coefs, x, mask, out, options)
    }

    /// The PGBZ plans, scratches, blocks, coefficients and the re-fit's start, or the error that
    /// only PGBZ has a re-fit.
    #[allow(clippy::type_complexity)]
    fn pgbz_parts(
        &mut self,
    ) -> Result<(
        &[Pgbz],
        &mut [PgbzScratch],
        &[PgbzBlock],
        &mut [Complex64],
        &mut Vec<Complex64>,
    )> {
        match &mut self.state {
            State::Pgbz {
                plans,
                scratches,
                blocks,
                coefs,
                refit_start,
                ..
            } => Ok((plans, scratches, blocks, coefs, refit_start)),
            _ => Err(Error::param(
                "refit",
                "only PGBZ has a least-squares re-fit",
            )),
        }
    }

    /// Refuses a mask of another length than the coefficients (every mask once they are
    /// spent) and an output of another length than the signal.
    fn check(&self, mask: &[bool], out: &[f64]) -> Result<()> {
        check_mask(mask, self.costs.len(), "coefficients of the analysis")?;
        if out.len() != self.len {
            return Err(Error::param(
                "output",
                format!("{} samples for a signal of {}", out.len(), self.len),
            ));
        }
        Ok(())
    }

    /// A time–frequency picture of the coefficients (optionally masked), as a magnitude image
    /// `frames × bins` (time-major) with its frame step in seconds: PGBZ's lattice (first block),
    /// the STFT's frames, or the DWT scalogram resampled onto 512 linear-frequency rows (each row
    /// shows the level whose octave band holds its frequency).
    pub fn coefficient_image(
        &self,
        mask: Option<&[bool]>,
        rate: u32,
    ) -> (Vec<f64>, usize, usize, f64) {
        let keep = |i: usize| mask.is_none_or(|m| m[i]);
        let values = self.rank_values();
        let mag = |i: usize| if keep(i) { values[i].abs() } else { 0.0 };
        match &self.state {
            State::Pgbz { plans, blocks, .. } => {
                let b = &blocks[0];
                let p = &plans[b.plan];
                let (m, n) = p.lattice();
                let mh = p.half_channels();
                let img = (0..n * mh).map(|i| mag(b.coefs.start + i)).collect();
                (img, n, mh, m as f64 / f64::from(rate))
            }
            State::Stft { stft, spec, .. } => {
                let img = (0..spec.data.len()).map(mag).collect();
                (
                    img,
                    spec.frames,
                    spec.bins,
                    stft.config().hop as f64 / f64::from(rate),
                )
            }
            State::Dwt { coefs, .. } => {
                let (cols, rows) = (1000usize, 512usize);
                let level = coefs.level();
                let offsets = coefs.offsets();
                let lens = coefs.level_lens();
                let mut img = vec![0.0; cols * rows];
                for r in 0..rows {
                    // Frequency as a fraction of Nyquist; detail level j covers (2^-j, 2^(1-j)].
                    let f = (r as f64 + 0.5) / rows as f64;
                    let j = ((-f.log2()).floor() as usize + 1).min(level + 1);
                    // Segment index in [cA_L, cD_L, …, cD_1]: cD_j is at L − j + 1, cA at 0.
                    let seg = if j > level { 0 } else { level - j + 1 };
                    let (off, len) = (offsets[seg], lens[seg]);
                    for c in 0..cols {
                        img[c * rows + r] = mag(off + (c * len / cols).min(len - 1));
                    }
                }
                (
                    img,
                    cols,
                    rows,
                    self.len as f64 / cols as f64 / f64::from(rate),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every representation for a signal of `len` samples: PGBZ in one block and in three, the
    /// STFT, the DWT with periodization and with symmetric extension.
    fn representations(len: usize) -> Vec<Representation> {
        let dwt = |mode| Representation::Dwt {
            wavelet: "db5".parse().unwrap(),
            mode,
            level: None,
        };
        vec![
            Representation::Pgbz {
                lattice: LatticeChoice::Fast,
                block: None,
            },
            Representation::Pgbz {
                lattice: LatticeChoice::Fast,
                block: Some(len / 3 + 1),
            },
            Representation::Stft { window_length: 256 },
            dwt(Mode::Periodization),
            dwt(Mode::Symmetric),
        ]
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|s| s.to_bits()).collect()
    }

    #[test]
    fn reconstructions_after_other_masks_equal_fresh_ones_bit_for_bit() {
        let x = crate::demo::clip_first_second();
        // Masks that shrink, grow again and change places (the masked copy is updated only
        // where the mask changed): every 3rd, 5th, 2nd, none, all, then 7th-or-11th entry.
        let masks = |n: usize| -> Vec<Vec<bool>> {
            let every = |m: usize| (0..n).map(|i| i % m == 0).collect();
            vec![
                every(3),
                every(5),
                every(2),
                vec![false; n],
                vec![true; n],
                (0..n).map(|i| i % 7 == 0 || i % 11 == 3).collect(),
            ]
        };
        for rep in &representations(x.len()) {
            let mut reused = Analysis::new(rep, &x).unwrap();
            for (i, mask) in masks(reused.costs().len()).iter().enumerate() {
                let mut got = vec![0.0; x.len()];
                reused.reconstruct(mask, &mut got).unwrap();
                let mut want = vec![0.0; x.len()];
                Analysis::new(rep, &x)
                    .unwrap()
                    .reconstruct(mask, &mut want)
                    .unwrap();
                assert_eq!(bits(&got), bits(&want), "{} mask {i}", rep.name());
                if let Representation::Pgbz { .. } = rep {
                    let options = RefitOptions::default();
                    reused.refit(&x, mask, &mut got, &options).unwrap();
                    Analysis::new(rep, &x)
                        .unwrap()
                        .refit(&x, mask, &mut want, &options)
                        .unwrap();
                    assert_eq!(bits(&got), bits(&want), "{} re-fit, mask {i}", rep.name());
                }
            }
        }
    }

    /// The last-use paths (`reconstruct_in_place`, `refit_in_place`) give the reusable ones'
    /// output bit for bit, for every representation.
    #[test]
    fn in_place_paths_equal_the_reusable_ones_bit_for_bit() {
        let x = crate::demo::clip_first_second();
        for rep in &representations(x.len()) {
            let kept_mask =
                |a: &Analysis| -> Vec<bool> { (0..a.costs().len()).map(|i| i % 7 == 0).collect() };
            let mut reusable = Analysis::new(rep, &x).unwrap();
            let mask = kept_mask(&reusable);
            let mut want = vec![0.0; x.len()];
            reusable.reconstruct(&mask, &mut want).unwrap();
            let mut once = Analysis::new(rep, &x).unwrap();
            let mut got = vec![0.0; x.len()];
            once.reconstruct_in_place(&mask, &mut got).unwrap();
            assert_eq!(bits(&got), bits(&want), "{}", rep.name());
            if let Representation::Pgbz { .. } = rep {
                let options = RefitOptions::default();
                reusable.refit(&x, &mask, &mut want, &options).unwrap();
                let mut once = Analysis::new(rep, &x).unwrap();
                once.refit_in_place(&x, &mask, &mut got, &options).unwrap();
                assert_eq!(bits(&got), bits(&want), "{} re-fit", rep.name());
            }
        }
    }
}
