//! Keep the largest coefficients under a fair budget of real numbers.
//!
//! Generic over the representation (PGBZ, STFT, DWT): the caller supplies one magnitude and one
//! cost per stored coefficient. The cost is the number of real numbers the coefficient holds
//! under fair counting: 1 for a real (self-conjugate) coefficient, 2 for a complex one that also
//! fixes its conjugate partner.
//!
//! # Ranking and budget convention
//!
//! Entries are ranked by magnitude, largest first; equal magnitudes rank by ascending storage
//! index. A budget of `K` real numbers keeps the longest *prefix* of that ranking whose costs sum to
//! at most `K`: selection stops at the first entry that does not fit, even if a later, cheaper
//! entry would (so the kept set is always "every entry above a magnitude level", and the count
//! actually kept may be `K − 1`). This is the convention of the PGBZ golden vectors (7×7 case:
//! with 1 unit left, the next entry costs 2 and a later `m = 0` entry of cost 1 is *not* taken).
//!
//! For a fraction, `K = round(fraction · L0)` (half away from zero), with `L0` the original
//! signal length: see [`budget_for_fraction`].

use std::str::FromStr;

use rayon::prelude::*;

use crate::stream::select::CutSearch;
use crate::{Error, Result};

/// What to keep of a representation.
///
/// Parsed ([`FromStr`]) from a keep fraction: `"4%"`, `"4 %"` or `"0.04"`, in (0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Keep {
    /// A budget of `round(fraction · L0)` real numbers, `L0` the channel's length; `fraction ∈ (0, 1]`.
    Fraction(f64),
    /// A budget of this many real numbers per channel.
    RealNumbers(usize),
    /// Every coefficient with `|c| ≥ T`, whatever it costs; `T` finite and `≥ 0`.
    Threshold(f64),
}

impl Default for Keep {
    /// 4 % of the input's real degrees of freedom.
    fn default() -> Self {
        Keep::Fraction(0.04)
    }
}

impl Keep {
    /// Checks the value: a fraction in (0, 1] (parameter `keep`), a finite threshold `≥ 0`
    /// (parameter `threshold`).
    pub fn validate(&self) -> Result<()> {
        match *self {
            Keep::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::param(
                "keep",
                format!("{} % is outside (0 %, 100 %]", f * 100.0),
            )),
            Keep::Threshold(t) if !(t.is_finite() && t >= 0.0) => Err(Error::param(
                "threshold",
                format!("{t} is not a finite number ≥ 0"),
            )),
            _ => Ok(()),
        }
    }
}

impl FromStr for Keep {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        let fraction = match t.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
            None => t.parse::<f64>(),
        }
        .map_err(|_| {
            Error::param(
                "keep",
                format!("'{s}' is not a percentage like 4% or a fraction like 0.04"),
            )
        })?;
        let keep = Keep::Fraction(fraction);
        keep.validate()?;
        Ok(keep)
    }
}

/// The outcome of a selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// `mask[i]` is true when entry `i` is kept.
    pub mask: Vec<bool>,
    /// Real numbers held by the kept entries (sum of their costs).
    pub kept_reals: usize,
    /// Number of kept entries.
    pub kept_entries: usize,
}

/// The budget in real numbers for keeping `fraction` of a signal of `signal_len` samples:
/// `round(fraction · signal_len)`, halves rounded away from zero.
pub fn budget_for_fraction(fraction: f64, signal_len: usize) -> Result<usize> {
    if !(0.0..=1.0).contains(&fraction) {
        return Err(Error::param(
            "keep fraction",
            format!("{fraction} is not in [0, 1]"),
        ));
    }
    Ok((fraction * signal_len as f64).round() as usize)
}

/// Selects entries according to `keep`; `signal_len` (`L0`) converts a fraction into a budget.
pub fn select(
    magnitudes: &[f64],
    costs: &[u8],
    keep: Keep,
    signal_len: usize,
) -> Result<Selection> {
    match keep {
        Keep::Fraction(f) => select_budget(magnitudes, costs, budget_for_fraction(f, signal_len)?),
        Keep::RealNumbers(k) => select_budget(magnitudes, costs, k),
        Keep::Threshold(t) => select_threshold(magnitudes, costs, t),
    }
}

/// Keeps the longest prefix of the ranking (magnitude descending, ties by ascending index) whose
/// costs sum to at most `budget` real numbers.
///
/// Runs in `O(n)` passes without an index vector or a sort of the entries: the first entry not
/// kept (the [`Cut`](crate::stream::select::Cut)) is found by the radix search of [`CutSearch`] (a 16-bit histogram of the
/// magnitudes' bit patterns, then a sort of the few entries of the crossing bucket), and the
/// mask is every entry ranked before it.
pub fn select_budget(magnitudes: &[f64], costs: &[u8], budget: usize) -> Result<Selection> {
    validate(magnitudes, costs)?;
    let mut search = CutSearch::new(budget as u64);
    let cut = loop {
        if let Some(cut) = search.cut() {
            break cut;
        }
        if search.visits_in_parts() {
            // Each part holds two 2¹⁶-entry tables (1 MiB): more parts than threads cost more
            // in zeroing and merging than they gain in balance.
            let chunk = part_len(magnitudes.len());
            let parts: Vec<CutSearch> = magnitudes
                .par_chunks(chunk)
                .zip(costs.par_chunks(chunk))
                .enumerate()
                .map(|(c, (magnitudes, costs))| {
                    let mut part = search.part();
                    let first = c * chunk;
                    for (i, (&m, &k)) in magnitudes.iter().zip(costs).enumerate() {
                        part.visit(m, (first + i) as u64, k);
                    }
                    part
                })
                .collect();
            parts.into_iter().for_each(|part| search.merge(part));
        } else {
            for (i, (&m, &c)) in magnitudes.iter().zip(costs).enumerate() {
                search.visit(m, i as u64, c);
            }
        }
        search.end_pass();
    };
    let mask: Vec<bool> = magnitudes
        .par_iter()
        .enumerate()
        .map(|(i, &m)| cut.keeps(m, i as u64))
        .collect();
    let (kept_reals, kept_entries) = mask
        .par_iter()
        .zip(costs)
        .filter(|(&keep, _)| keep)
        .map(|(_, &c)| (usize::from(c), 1))
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    Ok(Selection {
        mask,
        kept_reals,
        kept_entries,
    })
}

/// The fewest entries a parallel part of [`select_budget`] or [`Ranking::up_to`] visits.
const SELECT_CHUNK: usize = 1 << 16;

/// Entries per part for a pass over `len` entries in one part per thread (parts of at least
/// [`SELECT_CHUNK`]): the passes whose parts carry 2¹⁶-entry tables.
fn part_len(len: usize) -> usize {
    len.div_ceil(rayon::current_num_threads()).max(SELECT_CHUNK)
}

/// Keeps every entry with magnitude `≥ threshold`.
pub fn select_threshold(magnitudes: &[f64], costs: &[u8], threshold: f64) -> Result<Selection> {
    validate(magnitudes, costs)?;
    if threshold.is_nan() {
        return Err(Error::param("threshold", "NaN is not a threshold"));
    }
    let mask: Vec<bool> = magnitudes.iter().map(|&a| a >= threshold).collect();
    let (kept_reals, kept_entries) = mask
        .iter()
        .zip(costs)
        .filter(|(&k, _)| k)
        .fold((0, 0), |(r, e), (_, &c)| (r + usize::from(c), e + 1));
    Ok(Selection {
        mask,
        kept_reals,
        kept_entries,
    })
}

/// Zeroes every entry of `coefs` whose `mask` entry is false.
pub fn apply_mask<T: Default>(coefs: &mut [T], mask: &[bool]) -> Result<()> {
    if coefs.len() != mask.len() {
        return Err(Error::param(
            "mask",
            format!(
                "{} mask entries for {} coefficients",
                mask.len(),
                coefs.len()
            ),
        ));
    }
    for (c, &keep) in coefs.iter_mut().zip(mask) {
        if !keep {
            *c = T::default();
        }
    }
    Ok(())
}

/// The ranking of the entries, sorted once, answering "which entries for budget K" for many `K`
/// (error-versus-kept sweeps) by a binary search over prefix costs.
#[derive(Clone, Debug)]
pub struct Ranking {
    /// Entry indices, best first: every entry, or (see [`Ranking::up_to`]) a leading part
    /// holding at least as many entries as the largest budget could keep.
    order: Vec<u32>,
    /// `cumulative[p]` = total cost of `order[..=p]`.
    cumulative: Vec<u64>,
    /// All entries, ranked or not (the length of a mask).
    entries: usize,
    /// Total cost of all entries.
    total: u64,
    /// The largest budget the ranking answers.
    max_budget: usize,
}

impl Ranking {
    /// Sorts the entries (magnitude descending, ties by ascending index) once, in parallel.
    pub fn new(magnitudes: &[f64], costs: &[u8]) -> Result<Self> {
        Self::up_to(magnitudes, costs, usize::MAX)
    }

    /// [`Ranking::new`] for budgets up to `max_budget` only: as every entry costs at least one
    /// real number, no such budget keeps more than `max_budget` entries, so only the leading
    /// ones are sorted (and held). An STFT swept up to 100 % of the signal's length keeps at
    /// most 1/8 of its entries (hop = window/8).
    pub fn up_to(magnitudes: &[f64], costs: &[u8], max_budget: usize) -> Result<Self> {
        validate(magnitudes, costs)?;
        u32::try_from(magnitudes.len()).map_err(|_| {
            Error::param(
                "coefficients",
                format!(
                    "{} entries exceed the ranking's 2^32 limit",
                    magnitudes.len()
                ),
            )
        })?;
        // Sorting self-contained keys (magnitude and index in one integer) instead of indices
        // compared through `magnitudes` avoids a cache miss per comparison. The keys are
        // distinct (index tie-break), so the order is deterministic. One counting pass
        // distributes them by their top 16 bits (an MSD radix step, in index order), then each
        // bucket — small and cache-resident for real signals — is sorted, in parallel. Buckets
        // past the one that completes `max_budget` entries are not needed.
        let key = |i: usize| (u128::from(descending_key(magnitudes[i])) << 32) | i as u128;
        let bucket =
            |i: usize| (descending_key(magnitudes[i]) >> (u64::BITS - RADIX_BITS)) as usize;
        // The counting pass in contiguous parts, one per thread; each part then writes its
        // entries, in index order, from its own offset in each bucket (the parts before it
        // first), so every bucket holds its entries in index order as a serial pass would.
        let chunk = part_len(magnitudes.len());
        let parts: Vec<std::ops::Range<usize>> = (0..magnitudes.len())
            .step_by(chunk)
            .map(|a| a..(a + chunk).min(magnitudes.len()))
            .collect();
        let mut part_counts: Vec<Vec<usize>> = parts
            .par_iter()
            .map(|r| {
                let mut counts = vec![0usize; 1 << RADIX_BITS];
                r.clone().for_each(|i| counts[bucket(i)] += 1);
                counts
            })
            .collect();
        let mut sizes = vec![0usize; 1 << RADIX_BITS];
        for counts in &part_counts {
            sizes.iter_mut().zip(counts).for_each(|(s, c)| *s += c);
        }
        // Bucket starts; buckets past the one that completes `max_budget` entries are dropped.
        let mut start = 0;
        let mut starts = vec![0usize; 1 << RADIX_BITS];
        for (slot, size) in starts.iter_mut().zip(&mut sizes) {
            if start >= max_budget {
                *size = 0;
            }
            *slot = start;
            start += *size;
        }
        let ranked = start;
        // Each part's write offset per bucket: the bucket's start plus the parts before it.
        for counts in &mut part_counts {
            for (b, (c, s)) in counts.iter_mut().zip(&mut starts).enumerate() {
                let n = std::mem::replace(c, *s);
                if sizes[b] > 0 {
                    *s += n;
                }
            }
        }
        let mut keys = vec![0u128; ranked];
        let writer = KeyWriter(keys.as_mut_ptr());
        parts.par_iter().zip(part_counts).for_each(|(r, mut next)| {
            let writer = &writer;
            for i in r.clone() {
                let b = bucket(i);
                if sizes[b] > 0 {
                    // SAFETY: the offsets of different parts and buckets are disjoint ranges
                    // inside `keys` (each part has `count` slots per kept bucket, laid out
                    // above), so every slot is written once, by one thread.
                    unsafe { writer.0.add(next[b]).write(key(i)) };
                    next[b] += 1;
                }
            }
        });
        let mut buckets = Vec::new();
        let mut rest = keys.as_mut_slice();
        for &size in &sizes {
            let (b, tail) = rest.split_at_mut(size);
            if size > 1 {
                buckets.push(b);
            }
            rest = tail;
        }
        buckets.into_par_iter().for_each(|b| {
            if b.len() > LARGE_BUCKET {
                b.par_sort_unstable();
            } else {
                b.sort_unstable();
            }
        });
        let order: Vec<u32> = keys.into_iter().map(|k| k as u32).collect();
        let cumulative = order
            .iter()
            .scan(0u64, |total, &i| {
                *total += u64::from(costs[i as usize]);
                Some(*total)
            })
            .collect();
        Ok(Ranking {
            order,
            cumulative,
            entries: magnitudes.len(),
            total: costs.iter().map(|&c| u64::from(c)).sum(),
            max_budget,
        })
    }

    /// Number of entries (ranked or not: the length of a mask).
    pub fn len(&self) -> usize {
        self.entries
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The ranked entries' indices, best first (all of them, unless the ranking was made by
    /// [`Ranking::up_to`]).
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// Total cost of all entries (for PGBZ: the padded length `L`).
    pub fn total_reals(&self) -> usize {
        self.total as usize
    }

    /// How many leading entries of the ranking fit in `budget` real numbers.
    ///
    /// # Panics
    /// If `budget` exceeds the `max_budget` of [`Ranking::up_to`].
    pub fn prefix_len(&self, budget: usize) -> usize {
        assert!(
            budget <= self.max_budget,
            "budget {budget} beyond the ranking's {}",
            self.max_budget
        );
        self.cumulative.partition_point(|&c| c <= budget as u64)
    }

    /// Real numbers actually kept for `budget` (≤ budget).
    pub fn kept_reals(&self, budget: usize) -> usize {
        match self.prefix_len(budget) {
            0 => 0,
            p => self.cumulative[p - 1] as usize,
        }
    }

    /// Writes the kept mask for `budget` into `mask` (length [`Ranking::len`]) and returns the
    /// real numbers kept. Costs O(len) for clearing plus O(kept).
    pub fn fill_mask(&self, budget: usize, mask: &mut [bool]) -> Result<usize> {
        if mask.len() != self.len() {
            return Err(Error::param(
                "mask",
                format!(
                    "{} mask entries for {} ranked entries",
                    mask.len(),
                    self.len()
                ),
            ));
        }
        if budget > self.max_budget {
            return Err(Error::param(
                "budget",
                format!(
                    "{budget} real numbers, beyond the {} this ranking was sorted for",
                    self.max_budget
                ),
            ));
        }
        mask.fill(false);
        for &i in &self.order[..self.prefix_len(budget)] {
            mask[i as usize] = true;
        }
        Ok(self.kept_reals(budget))
    }

    /// The selection for `budget`, as [`select_budget`] would return it.
    ///
    /// # Panics
    /// If `budget` exceeds the `max_budget` of [`Ranking::up_to`].
    pub fn selection(&self, budget: usize) -> Selection {
        let mut mask = vec![false; self.len()];
        let kept_reals = self
            .fill_mask(budget, &mut mask)
            .expect("a mask of the ranking's length, a budget it was sorted for");
        Selection {
            mask,
            kept_reals,
            kept_entries: self.prefix_len(budget),
        }
    }
}

/// Bits of the magnitude key [`Ranking::new`] distributes the entries by before sorting.
const RADIX_BITS: u32 = 16;

/// The ranking's key array, written from several threads at disjoint positions.
struct KeyWriter(*mut u128);

// SAFETY: only `Ranking::up_to` writes through it, each slot from one thread.
unsafe impl Sync for KeyWriter {}

/// A bucket of more entries than this is sorted on all threads.
const LARGE_BUCKET: usize = 1 << 16;

/// An integer that sorts ascending exactly as `v` sorts descending under `f64::total_cmp`.
#[inline]
pub(crate) fn descending_key(v: f64) -> u64 {
    let bits = v.to_bits();
    // total_cmp's transform: flip the magnitude bits of negatives, then the sign bit, so that
    // unsigned order is total order; `!` reverses it.
    let ordered = (bits ^ ((((bits as i64) >> 63) as u64) >> 1)) ^ (1 << 63);
    !ordered
}

fn validate(magnitudes: &[f64], costs: &[u8]) -> Result<()> {
    if magnitudes.len() != costs.len() {
        return Err(Error::param(
            "costs",
            format!("{} costs for {} magnitudes", costs.len(), magnitudes.len()),
        ));
    }
    // A branch-free scan of parallel chunks first (a pass over every entry); the position only
    // when it fails.
    let nan = |c: &[f64]| c.iter().fold(false, |any, a| any | a.is_nan());
    let free = |c: &[u8]| c.iter().fold(false, |any, &k| any | (k == 0));
    if magnitudes.par_chunks(SELECT_CHUNK).any(nan) {
        let i = magnitudes.iter().position(|a| a.is_nan()).unwrap_or(0);
        return Err(Error::param(
            "coefficients",
            format!("magnitude {i} is NaN"),
        ));
    }
    if costs.par_chunks(SELECT_CHUNK).any(free) {
        let i = costs.iter().position(|&c| c == 0).unwrap_or(0);
        return Err(Error::param(
            "costs",
            format!("entry {i} costs 0 real numbers; every kept entry costs at least 1"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    /// Ranking order: larger magnitude first, then smaller index.
    fn rank_order(magnitudes: &[f64], a: usize, b: usize) -> Ordering {
        magnitudes[b].total_cmp(&magnitudes[a]).then(a.cmp(&b))
    }

    #[test]
    fn keep_parses_percentages_and_fractions() {
        assert_eq!("4%".parse::<Keep>().unwrap(), Keep::Fraction(0.04));
        assert_eq!(" 4 % ".parse::<Keep>().unwrap(), Keep::Fraction(0.04));
        assert_eq!("0.04".parse::<Keep>().unwrap(), Keep::Fraction(0.04));
        assert_eq!("100%".parse::<Keep>().unwrap(), Keep::Fraction(1.0));
        for bad in ["0%", "150%", "-3", "four", "", "NaN"] {
            let e = bad.parse::<Keep>().unwrap_err().to_string();
            assert!(e.starts_with("invalid keep:"), "{bad}: {e}");
        }
    }

    #[test]
    fn stops_at_first_entry_that_does_not_fit() {
        // Ranked 0 (cost 2), 1 (cost 2), 2 (cost 1), budget 3: entry 0 fits and leaves 1; entry 1
        // does not fit, so selection stops and entry 2 (cost 1) is not taken.
        let mags = [3.0, 2.0, 1.0];
        let costs = [2, 2, 1];
        let s = select_budget(&mags, &costs, 3).unwrap();
        assert_eq!(s.mask, vec![true, false, false]);
        assert_eq!((s.kept_reals, s.kept_entries), (2, 1));
        let r = Ranking::new(&mags, &costs).unwrap();
        assert_eq!(r.selection(3), s);
    }

    #[test]
    fn ties_rank_by_ascending_index() {
        let mags = [1.0, 5.0, 5.0, 5.0];
        let s = select_budget(&mags, &[1, 1, 1, 1], 2).unwrap();
        assert_eq!(s.mask, vec![false, true, true, false]);
    }

    #[test]
    fn partition_and_ranking_agree() {
        let mags: Vec<f64> = (0..500).map(|i| ((i * 37 % 101) as f64).sqrt()).collect();
        let costs: Vec<u8> = (0..500).map(|i| if i % 7 == 0 { 1 } else { 2 }).collect();
        let r = Ranking::new(&mags, &costs).unwrap();
        for budget in [0, 1, 2, 3, 10, 57, 200, 873, 10_000] {
            let s = select_budget(&mags, &costs, budget).unwrap();
            assert_eq!(r.selection(budget), s, "budget {budget}");
            assert!(s.kept_reals <= budget);
        }
    }

    #[test]
    fn the_selection_over_many_parts_equals_the_sorted_ranking() {
        // Several parallel parts (SELECT_CHUNK entries each); magnitudes with more exact ties
        // than the collect limit (the walk pass) and a wide spread (histogram, then collect
        // passes).
        let n = 11 * SELECT_CHUNK + 123;
        let mags: Vec<f64> = (0..n)
            .map(|i| match i % 5 {
                0 => ((i * 7919 % 100_003) as f64 / 3000.0).exp2() * 1e-9,
                _ => 0.25,
            })
            .collect();
        let costs: Vec<u8> = (0..n).map(|i| 1 + (i % 7 == 0) as u8).collect();
        let ranking = Ranking::new(&mags, &costs).unwrap();
        for budget in [0, 1, 1000, n / 20, n / 3, n / 2, n, 2 * n] {
            assert_eq!(
                select_budget(&mags, &costs, budget).unwrap(),
                ranking.selection(budget),
                "budget {budget}"
            );
        }
    }

    #[test]
    fn a_ranking_up_to_a_budget_answers_as_the_whole_ranking() {
        // Magnitudes spread over many exponents (many radix buckets), costs 1 and 2.
        let n = 20_000;
        let mags: Vec<f64> = (0..n)
            .map(|i| ((i * 7919 % 10_007) as f64 / 500.0).exp2() * 1e-6)
            .collect();
        let costs: Vec<u8> = (0..n).map(|i| 1 + (i % 3 == 0) as u8).collect();
        let whole = Ranking::new(&mags, &costs).unwrap();
        for max_budget in [0, 1, 7, 1_000, n / 3, 2 * n] {
            let part = Ranking::up_to(&mags, &costs, max_budget).unwrap();
            assert!(part.order().len() >= max_budget.min(n), "max {max_budget}");
            assert_eq!(part.order(), &whole.order()[..part.order().len()]);
            assert_eq!((part.len(), part.total_reals()), (n, whole.total_reals()));
            let budgets = [
                0,
                1,
                max_budget / 2,
                max_budget.saturating_sub(1),
                max_budget,
            ];
            for budget in budgets.into_iter().filter(|&b| b <= max_budget) {
                assert_eq!(part.selection(budget), whole.selection(budget), "{budget}");
            }
            let mut mask = vec![false; n];
            assert!(part.fill_mask(max_budget + 1, &mut mask).is_err());
        }
        assert!(Ranking::up_to(&mags, &costs, n / 3).unwrap().order().len() < n / 2);
    }

    /// Enough entries for several counting parts (`SELECT_CHUNK` each at least), on pools of one
    /// to four threads: the order is the sorted one (magnitude descending, ties by index), with
    /// many ties and a `max_budget` that drops buckets.
    #[test]
    fn the_ranking_in_parallel_parts_is_the_sorted_order() {
        let n = 5 * SELECT_CHUNK + 123;
        let mags: Vec<f64> = (0..n)
            .map(|i| ((i * 7919 % 4_001) as f64 / 300.0).exp2() * 1e-6)
            .collect();
        let costs: Vec<u8> = (0..n).map(|i| 1 + (i % 5 == 0) as u8).collect();
        let mut sorted: Vec<u32> = (0..n as u32).collect();
        sorted.sort_by(|&a, &b| rank_order(&mags, a as usize, b as usize));
        for threads in 1..=4 {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for max_budget in [usize::MAX, n / 7] {
                let r = pool.install(|| Ranking::up_to(&mags, &costs, max_budget).unwrap());
                let len = r.order().len();
                assert!(len >= max_budget.min(n), "{threads} threads");
                assert_eq!(
                    r.order(),
                    &sorted[..len],
                    "{threads} threads, max {max_budget}"
                );
            }
        }
    }

    #[test]
    fn ranking_key_follows_total_cmp() {
        let values = [
            f64::INFINITY,
            3.5,
            1.0,
            f64::MIN_POSITIVE,
            0.0,
            -0.0,
            -1.0,
            f64::NEG_INFINITY,
        ];
        for (i, a) in values.iter().enumerate() {
            for b in &values[i + 1..] {
                assert!(descending_key(*a) < descending_key(*b), "{a} vs {b}");
            }
        }
        let mags = [0.5, -2.0, 7.0, 0.5, 0.0, -0.0, 7.0];
        let r = Ranking::new(&mags, &[1; 7]).unwrap();
        let mut expected: Vec<u32> = (0..7).collect();
        expected.sort_by(|&a, &b| rank_order(&mags, a as usize, b as usize));
        assert_eq!(r.order(), expected);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(select_budget(&[1.0, f64::NAN], &[1, 1], 1).is_err());
        assert!(select_budget(&[1.0], &[1, 1], 1).is_err());
        assert!(select_budget(&[1.0], &[0], 1).is_err());
        assert!(select_threshold(&[1.0], &[1], f64::NAN).is_err());
        assert!(budget_for_fraction(1.5, 10).is_err());
        assert_eq!(budget_for_fraction(0.2, 23).unwrap(), 5);
        assert_eq!(budget_for_fraction(0.2, 77).unwrap(), 15);
    }
}
