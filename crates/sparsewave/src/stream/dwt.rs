//! The multilevel DWT ([`Dwt`]) of a signal held in temporary files instead of memory, with
//! the coefficients and samples of [`Dwt::analyze`] and [`Dwt::synthesize`] bit for bit.
//!
//! Each level is computed in pieces of [`PIECE`] outputs ([`Dwt::analyze_piece`],
//! [`Dwt::synthesize_piece`]) from its input read piece by piece from a [`TempArray`]; the
//! boundary extension reads the first and last few values of the input ([`Ends`], loaded
//! once per level), so periodization's wrap-around costs nothing extra. The approximations
//! between levels go to two scratch arrays in turn.
//!
//! Memory: a few pieces (about 3 MB). Disk: the signal, the coefficients (`coef_len`, about
//! the signal's length) and the two scratch arrays (half and a quarter of it), 8 bytes each.

use super::select::Cut;
use super::spill::TempArray;
use crate::denoise::shrink::ThresholdKind;
use crate::metrics::ChannelMetrics;
use crate::transform::wavelet::{Dwt, Mode};
use crate::Result;
use std::ops::Range;

/// Outputs of a level computed per piece.
const PIECE: usize = 1 << 16;

/// One channel's decomposition in temporary files.
pub(crate) struct DiskDwt<'a> {
    dwt: &'a Dwt,
    /// The signal (`signal_len` samples).
    signal: TempArray,
    /// `[cA_L, cD_L, …, cD_1]`, PyWavelets' order ([`crate::transform::wavelet::WaveletCoefs`]).
    coefs: TempArray,
    /// Approximations between levels, in turn.
    scratch: [TempArray; 2],
    /// Where each segment of `coefs` starts (`L + 2` entries).
    offsets: Vec<usize>,
    /// Buffers of one piece.
    piece: Pieces,
    /// The synthesis's reading of the coefficients (set by [`Self::synthesize_to_level_one`]).
    reading: Option<Reading>,
}

/// The buffers of one piece, reused from piece to piece.
#[derive(Default)]
struct Pieces {
    ext: [Vec<f64>; 2],
    out: [Vec<f64>; 2],
    split: Vec<f64>,
}

/// Where an array of values lies and how it is read: values `offset..offset + len` of one of
/// the [`DiskDwt`]'s files, extended by `mode` outside `0..len`; coefficients are read as the
/// synthesis's [`Reading`] rule gives them, the others as stored.
#[derive(Clone, Copy)]
struct Source {
    array: Array,
    offset: usize,
    len: usize,
    mode: Mode,
    /// The segment of `[cA_L, cD_L, …, cD_1]` these coefficients are (`None`: not
    /// coefficients).
    segment: Option<usize>,
}

/// What the synthesis makes of each stored coefficient.
#[derive(Clone, Debug)]
pub(crate) enum Reading {
    /// The coefficients a budget's cut keeps (storage index `i`: kept when
    /// [`Cut::keeps`]`(|c|, i)`), the others 0.
    Cut(Cut),
    /// `cA_L` as it is, the details shrunk: `kind.apply(c, lambdas[s − 1])` in segment
    /// `s ≥ 1` (`cD_L` first, the order of the segments).
    Shrunk {
        kind: ThresholdKind,
        lambdas: Vec<f64>,
    },
}

impl Reading {
    /// `values` of `segment`, the first at storage index `first`, as the synthesis reads them.
    fn apply(&self, segment: usize, first: u64, values: &mut [f64]) {
        match self {
            Reading::Cut(cut) => {
                for (i, v) in values.iter_mut().enumerate() {
                    if !cut.keeps(*v, first + i as u64) {
                        *v = 0.0;
                    }
                }
            }
            Reading::Shrunk { .. } if segment == 0 => {}
            Reading::Shrunk { kind, lambdas } => {
                let lambda = lambdas[segment - 1];
                for v in values.iter_mut() {
                    *v = kind.apply(*v, lambda);
                }
            }
        }
    }
}

/// One of the [`DiskDwt`]'s files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Array {
    Signal,
    Coefs,
    Scratch(usize),
}

/// The first and last values of a [`Source`] (all of it when short): every value its
/// boundary extension reads, loaded once.
struct Ends {
    len: usize,
    head: Vec<f64>,
    tail: Vec<f64>,
}

impl Ends {
    /// `value(s)` for a source index `s` some extension reads.
    fn value(&self, s: usize) -> f64 {
        if s < self.head.len() {
            self.head[s]
        } else {
            self.tail[s + self.tail.len() - self.len]
        }
    }
}

impl<'a> DiskDwt<'a> {
    /// An empty decomposition of a signal for the plan `dwt`.
    pub(crate) fn new(dwt: &'a Dwt) -> Result<Self> {
        Ok(DiskDwt {
            dwt,
            signal: TempArray::new()?,
            coefs: TempArray::new()?,
            scratch: [TempArray::new()?, TempArray::new()?],
            offsets: dwt.segment_offsets(),
            piece: Pieces::default(),
            reading: None,
        })
    }

    /// Write signal samples `at..at + x.len()`.
    pub(crate) fn write_signal(&mut self, at: usize, x: &[f64]) -> Result<()> {
        self.signal.write(at, x)
    }

    /// Read signal samples `at..at + out.len()`.
    pub(crate) fn read_signal(&mut self, at: usize, out: &mut [f64]) -> Result<()> {
        self.signal.read(at, out)
    }

    /// The segment of `cD_j` in the coefficients.
    fn detail(&self, j: usize) -> Range<usize> {
        let i = self.dwt.level() - j + 1;
        self.offsets[i]..self.offsets[i + 1]
    }

    fn array(&mut self, array: Array) -> &mut TempArray {
        match array {
            Array::Signal => &mut self.signal,
            Array::Coefs => &mut self.coefs,
            Array::Scratch(i) => &mut self.scratch[i],
        }
    }

    /// Read `source` values `at..at + out.len()` (inside it), coefficients as [`Reading`].
    fn read(&mut self, source: &Source, at: usize, out: &mut [f64]) -> Result<()> {
        self.array(source.array).read(source.offset + at, out)?;
        if let (Some(segment), Some(reading)) = (source.segment, &self.reading) {
            reading.apply(segment, (source.offset + at) as u64, out);
        }
        Ok(())
    }

    /// The values of `source` its extension reads.
    fn ends(&mut self, source: &Source) -> Result<Ends> {
        // Every extension here reads less than a filter length past an end.
        let reach = 2 * self.dwt.wavelet().filter_len();
        let n = source.len;
        let head_len = n.min(2 * reach);
        let mut head = vec![0.0; head_len];
        self.read(source, 0, &mut head)?;
        let tail_len = if n > head_len { reach } else { 0 };
        let mut tail = vec![0.0; tail_len];
        self.read(source, n - tail_len, &mut tail)?;
        Ok(Ends { len: n, head, tail })
    }

    /// `out` = the extended `source` over `reads` (indices that may lie outside it).
    fn gather(
        &mut self,
        source: &Source,
        ends: &Ends,
        reads: Range<isize>,
        out: &mut Vec<f64>,
    ) -> Result<()> {
        out.resize(reads.len(), 0.0);
        let inside = reads.start.max(0)..reads.end.min(source.len as isize);
        if !inside.is_empty() {
            let at = (inside.start - reads.start) as usize;
            let slot = &mut out[at..at + inside.len()];
            self.read(source, inside.start as usize, slot)?;
        }
        for i in reads.clone().filter(|i| !inside.contains(i)) {
            out[(i - reads.start) as usize] = source
                .mode
                .source_index(source.len, i)
                .map_or(0.0, |s| ends.value(s));
        }
        Ok(())
    }

    /// The decomposition of the signal (written whole before) into the coefficients.
    pub(crate) fn analyze(&mut self) -> Result<()> {
        let (dwt, level) = (self.dwt, self.dwt.level());
        let lens = dwt.level_lens().to_vec();
        for j in 1..=level {
            let input = Source {
                array: if j == 1 {
                    Array::Signal
                } else {
                    Array::Scratch(j % 2)
                },
                offset: 0,
                len: lens[j - 1],
                mode: dwt.mode(),
                segment: None,
            };
            // cA_j goes to the scratch the next level reads, or to the coefficients' front.
            let (approx_array, detail_at) = (
                if j == level {
                    Array::Coefs
                } else {
                    Array::Scratch((j + 1) % 2)
                },
                self.detail(j).start,
            );
            let ends = self.ends(&input)?;
            let mut p = std::mem::take(&mut self.piece);
            for o in (0..lens[j]).step_by(PIECE) {
                let outputs = o..(o + PIECE).min(lens[j]);
                self.gather(
                    &input,
                    &ends,
                    dwt.analysis_reads(outputs.clone()),
                    &mut p.ext[0],
                )?;
                let [approx, detail] = &mut p.out;
                approx.resize(outputs.len(), 0.0);
                detail.resize(outputs.len(), 0.0);
                dwt.analyze_piece(&p.ext[0], &mut p.split, approx, detail);
                self.array(approx_array).write(o, approx)?;
                self.coefs.write(detail_at + o, detail)?;
            }
            self.piece = p;
        }
        Ok(())
    }

    /// Visit the coefficients of segment `segment` of `[cA_L, cD_L, …, cD_1]` (`None`: all) in
    /// storage order, in pieces: `visit(values, storage index of the first)`.
    pub(crate) fn visit_coefficients(
        &mut self,
        segment: Option<usize>,
        mut visit: impl FnMut(&[f64], u64),
    ) -> Result<()> {
        let span = match segment {
            Some(s) => self.offsets[s]..self.offsets[s + 1],
            None => 0..*self.offsets.last().expect("offsets"),
        };
        let mut piece = std::mem::take(&mut self.piece.ext[0]);
        for at in span.clone().step_by(PIECE) {
            piece.resize(PIECE.min(span.end - at), 0.0);
            self.coefs.read(at, &mut piece)?;
            visit(&piece, at as u64);
        }
        self.piece.ext[0] = piece;
        Ok(())
    }

    /// The number of segments (`L + 1`: `cA_L`, then `cD_L` to `cD_1`).
    pub(crate) fn segments(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The coefficients in segment `segment`.
    pub(crate) fn segment_len(&self, segment: usize) -> usize {
        self.offsets[segment + 1] - self.offsets[segment]
    }

    /// The sources of level `j`'s synthesis: `cA_j` (the coefficients at the coarsest level,
    /// else the previous level's output) and `cD_j`, in the coordinates of
    /// [`Dwt::synthesis_reads`] less the synthesis pad (periodic outside: only periodization
    /// reads outside).
    fn synthesis_sources(&self, j: usize) -> [Source; 2] {
        let (lens, level) = (self.dwt.level_lens(), self.dwt.level());
        let approx = Source {
            array: if j == level {
                Array::Coefs
            } else {
                Array::Scratch(j % 2)
            },
            offset: 0,
            len: lens[j],
            mode: Mode::Periodic,
            segment: (j == level).then_some(0),
        };
        let detail = Source {
            array: Array::Coefs,
            offset: self.detail(j).start,
            len: lens[j],
            mode: Mode::Periodic,
            segment: Some(level - j + 1),
        };
        [approx, detail]
    }

    /// Samples `samples` (from an even sample) of a level's synthesis from `sources` into `out`.
    fn synthesize_samples(
        &mut self,
        sources: &[Source; 2],
        ends: &[Ends; 2],
        samples: Range<usize>,
        out: &mut [f64],
    ) -> Result<()> {
        let dwt = self.dwt;
        let reads = dwt.synthesis_reads(samples);
        let pad = dwt.synthesis_pad() as isize;
        let reads = reads.start as isize - pad..reads.end as isize - pad;
        let mut ext = std::mem::take(&mut self.piece.ext);
        for ((source, ends), ext) in sources.iter().zip(ends).zip(&mut ext) {
            self.gather(source, ends, reads.clone(), ext)?;
        }
        dwt.synthesize_piece([&ext[0], &ext[1]], out);
        self.piece.ext = ext;
        Ok(())
    }

    /// The synthesis from the coefficients as `reading` gives them, of every level but the
    /// finest, whose samples [`Self::level_one_samples`] then hands out in order.
    pub(crate) fn synthesize_to_level_one(&mut self, reading: Reading) -> Result<LevelOne> {
        self.reading = Some(reading);
        let lens = self.dwt.level_lens().to_vec();
        for j in (2..=self.dwt.level()).rev() {
            let sources = self.synthesis_sources(j);
            let ends = [self.ends(&sources[0])?, self.ends(&sources[1])?];
            let target = Array::Scratch((j - 1) % 2);
            let mut out = std::mem::take(&mut self.piece.out[0]);
            for p in (0..lens[j - 1]).step_by(2 * PIECE) {
                let samples = p..(p + 2 * PIECE).min(lens[j - 1]);
                out.resize(samples.len(), 0.0);
                self.synthesize_samples(&sources, &ends, samples, &mut out)?;
                self.array(target).write(p, &out)?;
            }
            self.piece.out[0] = out;
        }
        let sources = self.synthesis_sources(1);
        let ends = [self.ends(&sources[0])?, self.ends(&sources[1])?];
        Ok(LevelOne {
            sources,
            ends,
            done: 0,
        })
    }

    /// The next `out.len()` samples of the synthesis (even, but for the last piece).
    pub(crate) fn level_one_samples(
        &mut self,
        level: &mut LevelOne,
        out: &mut [f64],
    ) -> Result<()> {
        let samples = level.done..level.done + out.len();
        self.synthesize_samples(&level.sources, &level.ends, samples, out)?;
        level.done += out.len();
        Ok(())
    }
}

/// The finest synthesis level, handed out in order ([`DiskDwt::level_one_samples`]).
pub(crate) struct LevelOne {
    sources: [Source; 2],
    ends: [Ends; 2],
    done: usize,
}

/// Output samples handed out at a time by [`hand_out_finest`] (even: the synthesis works in
/// pairs).
const OUTPUT_PIECE: usize = 1 << 17;

/// The finest level of every channel `(decomposition, its finest level, its metrics)` side by
/// side, [`OUTPUT_PIECE`] samples at a time: each channel's samples go to its metrics (against
/// its signal), then all channels' to `emit`. Returns the metrics. `len`: the signal's length.
pub(crate) fn hand_out_finest(
    channels: Vec<(DiskDwt, LevelOne, ChannelMetrics)>,
    len: usize,
    mut emit: impl FnMut(&[Vec<f64>]) -> Result<()>,
) -> Result<Vec<ChannelMetrics>> {
    let mut channels = channels;
    let mut outputs = vec![Vec::new(); channels.len()];
    let mut x = Vec::new();
    for at in (0..len).step_by(OUTPUT_PIECE) {
        let n = OUTPUT_PIECE.min(len - at);
        x.resize(n, 0.0);
        for ((disk, level_one, metrics), y) in channels.iter_mut().zip(&mut outputs) {
            y.resize(n, 0.0);
            disk.level_one_samples(level_one, y)?;
            disk.read_signal(at, &mut x)?;
            metrics.push(&x, y)?;
        }
        emit(&outputs)?;
    }
    Ok(channels.into_iter().map(|(.., m)| m).collect())
}
