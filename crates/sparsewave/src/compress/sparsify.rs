//! Keep the largest coefficients under a fair budget of real numbers.
//!
//! Generic over the representation (PGBZ, STFT, DWT): the caller supplies one value and one
//! cost per stored coefficient; the value ranks the coefficient by its magnitude `|v|`, so a
//! transform with real coefficients (the DWT) hands over the coefficients themselves, and one
//! with complex coefficients their moduli. The cost is the number of real numbers the coefficient holds
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

use crate::error::check_mask;
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
pub fn select(values: &[f64], costs: &[u8], keep: Keep, signal_len: usize) -> Result<Selection> {
    match keep {
        Keep::Fraction(f) => select_budget(values, costs, budget_for_fraction(f, signal_len)?),
        Keep::RealNumbers(k) => select_budget(values, costs, k),
        Keep::Threshold(t) => select_threshold(values, costs, t),
    }
}

/// Keeps the longest prefix of the ranking (magnitude descending, ties by ascending index) whose
/// costs sum to at most `budget` real numbers.
///
/// Runs in `O(n)` passes without an index vector or a sort of the entries: the first entry not
/// kept (the [`Cut`](crate::stream::select::Cut)) is found by the radix search of [`CutSearch`] (a 16-bit histogram of the
/// magnitudes' bit patterns, then a sort of the few entries of the crossing bucket), and the
/// mask is every entry ranked before it.
pub fn select_budget(values: &[f64], costs: &[u8], budget: usize) -> Result<Selection> {
    validate(values, costs)?;
    let mut search = CutSearch::new(budget as u64);
    let cut = loop {
        if let Some(cut) = search.cut() {
            break cut;
        }
        if search.visits_in_parts() {
            // Each part holds two 2¹⁶-entry tables (1 MiB): more parts than threads cost more
            // in zeroing and merging than they gain in balance.
            let chunk = part_len(values.len());
            let parts: Vec<CutSearch> = values
                .par_chunks(chunk)
                .zip(costs.par_chunks(chunk))
                .enumerate()
                .map(|(c, (values, costs))| {
                    let mut part = search.part();
                    let first = c * chunk;
                    for (i, (&m, &k)) in values.iter().zip(costs).enumerate() {
                        part.visit(m, (first + i) as u64, k);
                    }
                    part
                })
                .collect();
            parts.into_iter().for_each(|part| search.merge(part));
        } else {
            for (i, (&m, &c)) in values.iter().zip(costs).enumerate() {
                search.visit(m, i as u64, c);
            }
        }
        search.end_pass();
    };
    let mask: Vec<bool> = values
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

/// The fewest entries a parallel part of [`select_budget`] or [`Ranking::new`] visits.
const SELECT_CHUNK: usize = 1 << 16;

/// Entries per part for a pass over `len` entries in one part per thread (parts of at least
/// [`SELECT_CHUNK`]): the passes whose parts carry 2¹⁶-entry tables.
fn part_len(len: usize) -> usize {
    len.div_ceil(rayon::current_num_threads()).max(SELECT_CHUNK)
}

/// Keeps every entry with magnitude `≥ threshold`.
pub fn select_threshold(values: &[f64], costs: &[u8], threshold: f64) -> Result<Selection> {
    validate(values, costs)?;
    if threshold.is_nan() {
        return Err(Error::param("threshold", "NaN is not a threshold"));
    }
    let mask: Vec<bool> = values.iter().map(|&a| a.abs() >= threshold).collect();
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

/// Entries per parallel task of the passes that apply a mask.
pub(crate) const MASK_CHUNK: usize = 1 << 16;

/// Zeroes every entry of `coefs` whose `mask` entry is false, in parallel chunks of 2¹⁶
/// entries.
pub fn apply_mask<T: Default + Send>(coefs: &mut [T], mask: &[bool]) -> Result<()> {
    check_mask(mask, coefs.len(), "coefficients")?;
    coefs
        .par_chunks_mut(MASK_CHUNK)
        .zip(mask.par_chunks(MASK_CHUNK))
        .for_each(|(coefs, mask)| {
            for (c, &keep) in coefs.iter_mut().zip(mask) {
                if !keep {
                    *c = T::default();
                }
            }
        });
    Ok(())
}

/// The ranking of the entries, sorted once, answering "which entries for budget K" for many `K`
/// (error-versus-kept sweeps).
///
/// The entries are distributed by the top 16 bits of their key into buckets, in ranking order
/// (every entry of a bucket ranks before every entry of the next). A budget keeps whole the
/// buckets before the one where the running cost first exceeds it, in any order, so only that
/// crossing bucket needs sorting: [`Ranking::for_budgets`] sorts the crossing buckets of the
/// budgets it is made for, [`Ranking::new`] every bucket.
#[derive(Clone, Debug)]
pub struct Ranking {
    /// Indices of the ranked entries: every entry, or (see [`Ranking::for_budgets`]) the
    /// leading buckets holding at least as many entries as the largest budget could keep;
    /// bucket after bucket, each in ranking order when it is sorted (in index order otherwise).
    indices: Vec<u32>,
    /// The ranked buckets, in ranking order.
    buckets: Vec<Bucket>,
    /// All entries, ranked or not (the length of a mask).
    entries: usize,
    /// Total cost of all entries.
    total: u64,
    /// The largest budget the ranking answers.
    max_budget: usize,
}

/// One bucket of a [`Ranking`]: `indices[start..end]`.
#[derive(Clone, Debug)]
struct Bucket {
    start: usize,
    end: usize,
    /// Total cost of the entries ranked before the bucket.
    cost_before: u64,
    /// `cost_before` plus the cost of the bucket's entries.
    cost_end: u64,
    /// When the bucket is sorted: `cumulative[i]` = the total cost of the entries ranked up to
    /// `indices[start + i]`.
    cumulative: Option<Vec<u64>>,
}

/// Which buckets [`Ranking::build`] sorts.
enum Sorted<'a> {
    All,
    Crossing(&'a [usize]),
}

impl Ranking {
    /// Ranks every entry (magnitude descending, ties by ascending index), sorting once, in
    /// parallel.
    pub fn new(values: &[f64], costs: &[u8]) -> Result<Self> {
        Self::build(values, costs, usize::MAX, Sorted::All)
    }

    /// The ranking that answers the budgets `budgets` (real numbers), as [`Ranking::new`] would:
    /// as every entry costs at least one real number, no budget keeps more entries than the
    /// largest, so only the leading buckets are held, and only the bucket each budget's cut
    /// falls in is sorted. An STFT swept up to 100 % of the signal's length keeps at most 1/8
    /// of its entries (hop = window/8); a sweep of a critically sampled transform up to 100 %
    /// sorts a few buckets instead of every entry.
    pub fn for_budgets(values: &[f64], costs: &[u8], budgets: &[usize]) -> Result<Self> {
        let max_budget = budgets.iter().copied().max().unwrap_or(0);
        Self::build(values, costs, max_budget, Sorted::Crossing(budgets))
    }

    fn build(values: &[f64], costs: &[u8], max_budget: usize, sorted: Sorted) -> Result<Self> {
        validate(values, costs)?;
        u32::try_from(values.len()).map_err(|_| {
            Error::param(
                "coefficients",
                format!("{} entries exceed the ranking's 2^32 limit", values.len()),
            )
        })?;
        // One counting pass distributes the indices by the top 16 bits of their magnitude's key
        // (an MSD radix step, in index order), then the buckets that need it — small and
        // cache-resident for real signals — are sorted, in parallel ([`Ranking::sort_buckets`]).
        // Buckets past the one that completes `max_budget` entries are not needed.
        let bucket = |i: usize| (descending_key(values[i]) >> (u64::BITS - RADIX_BITS)) as usize;
        // The counting pass in contiguous parts, one per thread; each part then writes its
        // entries, in index order, from its own offset in each bucket (the parts before it
        // first), so every bucket holds its entries in index order as a serial pass would.
        let chunk = part_len(values.len());
        let parts: Vec<std::ops::Range<usize>> = (0..values.len())
            .step_by(chunk)
            .map(|a| a..(a + chunk).min(values.len()))
            .collect();
        let counted: Vec<(Vec<usize>, Vec<u64>)> = parts
            .par_iter()
            .map(|r| {
                let mut counts = vec![0usize; 1 << RADIX_BITS];
                let mut bucket_costs = vec![0u64; 1 << RADIX_BITS];
                r.clone().for_each(|i| {
                    let b = bucket(i);
                    counts[b] += 1;
                    bucket_costs[b] += u64::from(costs[i]);
                });
                (counts, bucket_costs)
            })
            .collect();
        let mut sizes = vec![0usize; 1 << RADIX_BITS];
        let mut bucket_costs = vec![0u64; 1 << RADIX_BITS];
        for (counts, part_costs) in &counted {
            sizes.iter_mut().zip(counts).for_each(|(s, c)| *s += c);
            bucket_costs
                .iter_mut()
                .zip(part_costs)
                .for_each(|(s, c)| *s += c);
        }
        let mut part_counts: Vec<Vec<usize>> = counted.into_iter().map(|(c, _)| c).collect();
        // Bucket starts; buckets past the one that completes `max_budget` entries are dropped.
        let mut start = 0;
        let mut cost = 0;
        let mut starts = vec![0usize; 1 << RADIX_BITS];
        let mut buckets = Vec::new();
        for ((slot, size), &bucket_cost) in starts.iter_mut().zip(&mut sizes).zip(&bucket_costs) {
            if start >= max_budget {
                *size = 0;
            }
            *slot = start;
            if *size > 0 {
                buckets.push(Bucket {
                    start,
                    end: start + *size,
                    cost_before: cost,
                    cost_end: cost + bucket_cost,
                    cumulative: None,
                });
                cost += bucket_cost;
            }
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
        let mut indices = vec![0u32; ranked];
        let writer = IndexWriter(indices.as_mut_ptr());
        parts.par_iter().zip(part_counts).for_each(|(r, mut next)| {
            let writer = &writer;
            for i in r.clone() {
                let b = bucket(i);
                if sizes[b] > 0 {
                    // SAFETY: the offsets of different parts and buckets are disjoint ranges
                    // inside `indices` (each part has `count` slots per kept bucket, laid out
                    // above), so every slot is written once, by one thread. `i < 2^32`
                    // (checked above).
                    unsafe { writer.0.add(next[b]).write(i as u32) };
                    next[b] += 1;
                }
            }
        });
        let mut ranking = Ranking {
            indices,
            buckets,
            entries: values.len(),
            total: costs.iter().map(|&c| u64::from(c)).sum(),
            max_budget,
        };
        let wanted: Vec<usize> = match sorted {
            Sorted::All => (0..ranking.buckets.len()).collect(),
            Sorted::Crossing(budgets) => {
                let mut wanted: Vec<usize> = budgets
                    .iter()
                    .map(|&b| ranking.crossing(b))
                    .filter(|&b| b < ranking.buckets.len())
                    .collect();
                wanted.sort_unstable();
                wanted.dedup();
                wanted
            }
        };
        ranking.sort_buckets(&wanted, values, costs);
        Ok(ranking)
    }

    /// Sort the buckets `wanted` (ascending) and note their cumulative costs.
    ///
    /// A bucket is sorted as self-contained keys `descending_key(m) << 32 | index` (magnitude
    /// and index in one integer: no cache miss per comparison, as indices compared through
    /// `magnitudes` would take), made for it alone and turned back into indices. The keys are
    /// distinct (index tie-break), so the order is deterministic. Only the sorted buckets hold
    /// keys (16 bytes per entry), and only while they are sorted; the ranking keeps 4.
    fn sort_buckets(&mut self, wanted: &[usize], values: &[f64], costs: &[u8]) {
        let mut slices = Vec::with_capacity(wanted.len());
        let mut rest = self.indices.as_mut_slice();
        let mut at = 0;
        for &b in wanted {
            let bucket = &self.buckets[b];
            let (_, tail) = rest.split_at_mut(bucket.start - at);
            let (indices, tail) = tail.split_at_mut(bucket.end - bucket.start);
            slices.push((indices, bucket.cost_before));
            (rest, at) = (tail, bucket.end);
        }
        let key = |i: u32| (u128::from(descending_key(values[i as usize])) << 32) | u128::from(i);
        let cumulative: Vec<Vec<u64>> = slices
            .into_par_iter()
            // One key buffer per task, reused from bucket to bucket.
            .map_init(Vec::new, |keys: &mut Vec<u128>, (indices, cost_before)| {
                keys.clear();
                keys.extend(indices.iter().map(|&i| key(i)));
                if keys.len() > LARGE_BUCKET {
                    keys.par_sort_unstable();
                } else {
                    keys.sort_unstable();
                }
                for (index, &k) in indices.iter_mut().zip(keys.iter()) {
                    *index = k as u32;
                }
                indices
                    .iter()
                    .scan(cost_before, |total, &i| {
                        *total += u64::from(costs[i as usize]);
                        Some(*total)
                    })
                    .collect()
            })
            .collect();
        for (&b, cumulative) in wanted.iter().zip(cumulative) {
            self.buckets[b].cumulative = Some(cumulative);
        }
    }

    /// The bucket where the running cost first exceeds `budget` (the number of buckets when
    /// every ranked entry fits).
    fn crossing(&self, budget: usize) -> usize {
        self.buckets
            .partition_point(|b| b.cost_end <= budget as u64)
    }

    /// Number of entries (ranked or not: the length of a mask).
    pub fn len(&self) -> usize {
        self.entries
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The ranked entries' indices, best first (all of them for [`Ranking::new`]), or `None`
    /// when some bucket is not sorted ([`Ranking::for_budgets`]).
    pub fn order(&self) -> Option<Vec<u32>> {
        self.buckets
            .iter()
            .all(|b| b.cumulative.is_some())
            .then(|| self.indices.clone())
    }

    /// Total cost of all entries (for PGBZ: the padded length `L`).
    pub fn total_reals(&self) -> usize {
        self.total as usize
    }

    /// How many leading entries of the ranking fit in `budget` real numbers, and their cost.
    ///
    /// # Panics
    /// If `budget` exceeds the largest budget of [`Ranking::for_budgets`], or its cut falls in
    /// a bucket that was not sorted (a budget the ranking was not made for).
    fn prefix(&self, budget: usize) -> (usize, u64) {
        assert!(
            budget <= self.max_budget,
            "budget {budget} beyond the ranking's {}",
            self.max_budget
        );
        let b = self.crossing(budget);
        let Some(bucket) = self.buckets.get(b) else {
            return (
                self.indices.len(),
                self.buckets.last().map_or(0, |b| b.cost_end),
            );
        };
        let cumulative = bucket
            .cumulative
            .as_ref()
            .expect("the ranking was sorted for this budget");
        let q = cumulative.partition_point(|&c| c <= budget as u64);
        let cost = if q == 0 {
            bucket.cost_before
        } else {
            cumulative[q - 1]
        };
        (bucket.start + q, cost)
    }

    /// How many leading entries of the ranking fit in `budget` real numbers.
    ///
    /// # Panics
    /// As [`Ranking::fill_mask`] errs (a budget the ranking was not made for).
    pub fn prefix_len(&self, budget: usize) -> usize {
        self.prefix(budget).0
    }

    /// Real numbers actually kept for `budget` (≤ budget).
    ///
    /// # Panics
    /// As [`Ranking::prefix_len`].
    pub fn kept_reals(&self, budget: usize) -> usize {
        self.prefix(budget).1 as usize
    }

    /// Writes the kept mask for `budget` into `mask` (length [`Ranking::len`]) and returns the
    /// real numbers kept. Costs O(len) for clearing plus O(kept). Errors: a mask of another
    /// length, a budget beyond the largest the ranking was made for or whose cut falls in a
    /// bucket it did not sort.
    pub fn fill_mask(&self, budget: usize, mask: &mut [bool]) -> Result<usize> {
        self.check(budget, mask)?;
        let (len, cost) = self.prefix(budget);
        mask.fill(false);
        for &i in &self.indices[..len] {
            mask[i as usize] = true;
        }
        Ok(cost as usize)
    }

    /// Changes `mask`, the kept mask of budget `from` ([`Ranking::fill_mask`]), into that of
    /// `to`, and returns the real numbers `to` keeps. Costs O(entries between the two cuts):
    /// a sweep's next level. Errors: as [`Ranking::fill_mask`], for either budget.
    pub fn update_mask(&self, from: usize, to: usize, mask: &mut [bool]) -> Result<usize> {
        self.check(from, mask)?;
        self.check(to, mask)?;
        let (old, _) = self.prefix(from);
        let (new, cost) = self.prefix(to);
        let (changed, kept) = if new < old {
            (&self.indices[new..old], false)
        } else {
            (&self.indices[old..new], true)
        };
        for &i in changed {
            mask[i as usize] = kept;
        }
        Ok(cost as usize)
    }

    /// Refuse a mask of another length than the entries', and a budget the ranking was not
    /// made for.
    fn check(&self, budget: usize, mask: &[bool]) -> Result<()> {
        check_mask(mask, self.len(), "ranked entries")?;
        let sorted_for = |b: usize| self.buckets.get(b).is_none_or(|b| b.cumulative.is_some());
        if budget > self.max_budget || !sorted_for(self.crossing(budget)) {
            return Err(Error::param(
                "budget",
                format!(
                    "{budget} real numbers, a budget this ranking was not sorted for (largest {})",
                    self.max_budget
                ),
            ));
        }
        Ok(())
    }

    /// The selection for `budget`, as [`select_budget`] would return it.
    ///
    /// # Panics
    /// As [`Ranking::prefix_len`].
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

/// The ranking's index array, written from several threads at disjoint positions.
struct IndexWriter(*mut u32);

// SAFETY: only `Ranking::build` writes through it, each slot from one thread.
unsafe impl Sync for IndexWriter {}

/// A bucket of more entries than this is sorted on all threads.
const LARGE_BUCKET: usize = 1 << 16;

/// An integer that sorts ascending exactly as the magnitude `|v|` sorts descending.
///
/// The bit pattern of a non-negative float (NaN aside) sorts as its value, so setting the sign
/// bit of `|v|`'s bits (`f64::total_cmp`'s order for non-negative values) and inverting them
/// reverses the order.
#[inline]
pub(crate) fn descending_key(v: f64) -> u64 {
    !(v.abs().to_bits() | (1 << 63))
}

fn validate(values: &[f64], costs: &[u8]) -> Result<()> {
    if values.len() != costs.len() {
        return Err(Error::param(
            "costs",
            format!("{} costs for {} values", costs.len(), values.len()),
        ));
    }
    // A branch-free scan of parallel chunks first (a pass over every entry); the position only
    // when it fails.
    let nan = |c: &[f64]| c.iter().fold(false, |any, a| any | a.is_nan());
    let free = |c: &[u8]| c.iter().fold(false, |any, &k| any | (k == 0));
    if values.par_chunks(SELECT_CHUNK).any(nan) {
        let i = values.iter().position(|a| a.is_nan()).unwrap_or(0);
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

    #[test]
    fn apply_mask_zeroes_exactly_the_dropped_entries_across_chunks() {
        // Three whole chunks and a partial one; every 7th entry kept.
        let len = 3 * MASK_CHUNK + 5;
        let mask: Vec<bool> = (0..len).map(|i| i % 7 == 3).collect();
        let mut coefs: Vec<f64> = (0..len).map(|i| i as f64 + 0.5).collect();
        apply_mask(&mut coefs, &mask).unwrap();
        for (i, &c) in coefs.iter().enumerate() {
            let want = if i % 7 == 3 { i as f64 + 0.5 } else { 0.0 };
            assert_eq!(c.to_bits(), want.to_bits(), "entry {i}");
        }
        let err = apply_mask(&mut coefs, &mask[1..]).unwrap_err().to_string();
        assert!(
            err.contains(&format!("{} mask entries for {len} coefficients", len - 1)),
            "{err}"
        );
    }

    /// Ranking order: larger magnitude `|v|` first, then smaller index.
    fn rank_order(values: &[f64], a: usize, b: usize) -> Ordering {
        values[b].abs().total_cmp(&values[a].abs()).then(a.cmp(&b))
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
    fn a_ranking_for_some_budgets_answers_as_the_whole_ranking() {
        // Magnitudes spread over many exponents (many radix buckets), costs 1 and 2.
        let n = 20_000;
        let mags: Vec<f64> = (0..n)
            .map(|i| ((i * 7919 % 10_007) as f64 / 500.0).exp2() * 1e-6)
            .collect();
        let costs: Vec<u8> = (0..n).map(|i| 1 + (i % 3 == 0) as u8).collect();
        let whole = Ranking::new(&mags, &costs).unwrap();
        let whole_order = whole.order().unwrap();
        assert_eq!(whole_order.len(), n);
        for max_budget in [0, 1, 7, 1_000, n / 3, n, 2 * n] {
            let budgets: Vec<usize> = [0, 1, max_budget / 2, max_budget.saturating_sub(1)]
                .into_iter()
                .filter(|&b| b <= max_budget)
                .chain([max_budget])
                .collect();
            let part = Ranking::for_budgets(&mags, &costs, &budgets).unwrap();
            assert!(part.indices.len() >= max_budget.min(n), "max {max_budget}");
            assert_eq!((part.len(), part.total_reals()), (n, whole.total_reals()));
            for &budget in &budgets {
                assert_eq!(part.selection(budget), whole.selection(budget), "{budget}");
            }
            let mut mask = vec![false; n];
            assert!(part.fill_mask(max_budget + 1, &mut mask).is_err());
            // Level to level, down and back up: the mask of each budget.
            let mut from = budgets[0];
            part.fill_mask(from, &mut mask).unwrap();
            for &to in budgets.iter().rev().chain(&budgets) {
                let kept = part.update_mask(from, to, &mut mask).unwrap();
                let want = whole.selection(to);
                assert_eq!(
                    (&mask, kept),
                    (&want.mask, want.kept_reals),
                    "{from} -> {to}"
                );
                from = to;
            }
        }
        // Only the leading buckets are held, and only the crossing ones sorted: a budget whose
        // cut falls in another bucket is refused.
        let part = Ranking::for_budgets(&mags, &costs, &[n / 3]).unwrap();
        assert!(part.indices.len() < n / 2);
        assert!(part.order().is_none());
        let sorted = part
            .buckets
            .iter()
            .filter(|b| b.cumulative.is_some())
            .count();
        assert_eq!(sorted, 1);
        let mut mask = vec![false; n];
        let unsorted = (0..n / 3)
            .find(|&b| part.buckets[part.crossing(b)].cumulative.is_none())
            .unwrap();
        assert!(part.fill_mask(unsorted, &mut mask).is_err());
    }

    /// Enough entries for several counting parts (`SELECT_CHUNK` each at least), on pools of one
    /// to four threads: the order is the sorted one (magnitude descending, ties by index), with
    /// many ties; a ranking for a few budgets (which drops buckets and sorts few) keeps the
    /// sorted order's prefixes.
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
            let r = pool.install(|| Ranking::new(&mags, &costs).unwrap());
            assert_eq!(r.order().unwrap(), sorted, "{threads} threads");
            let budgets = [n / 7, n / 9, n + n / 5];
            let r = pool.install(|| Ranking::for_budgets(&mags, &costs, &budgets).unwrap());
            for budget in budgets {
                // The prefix of the sorted order whose costs fit.
                let mut spent = 0;
                let kept = sorted
                    .iter()
                    .take_while(|&&i| {
                        spent += usize::from(costs[i as usize]);
                        spent <= budget
                    })
                    .count();
                let mut want = vec![false; n];
                sorted[..kept].iter().for_each(|&i| want[i as usize] = true);
                let mut mask = vec![false; n];
                r.fill_mask(budget, &mut mask).unwrap();
                assert_eq!(mask, want, "{threads} threads, budget {budget}");
                assert_eq!(r.prefix_len(budget), kept);
            }
        }
    }

    #[test]
    fn ranking_key_follows_the_magnitude() {
        // Strictly decreasing magnitudes: the keys strictly increase.
        let values = [f64::INFINITY, -3.5, 1.0, -f64::MIN_POSITIVE, 0.0];
        for (i, a) in values.iter().enumerate() {
            for b in &values[i + 1..] {
                assert!(descending_key(*a) < descending_key(*b), "{a} vs {b}");
            }
        }
        // A value and its negation are one magnitude.
        for v in [0.0, 1.0, 2.5e-300, f64::MAX, f64::INFINITY] {
            assert_eq!(descending_key(v), descending_key(-v), "{v}");
        }
        // Signed values rank as their magnitudes, ties by index; a threshold keeps |v| ≥ T.
        let values = [0.5, -2.0, 7.0, -0.5, 0.0, -0.0, -7.0];
        let mags = values.map(f64::abs);
        let r = Ranking::new(&values, &[1; 7]).unwrap();
        let mut expected: Vec<u32> = (0..7).collect();
        expected.sort_by(|&a, &b| rank_order(&values, a as usize, b as usize));
        assert_eq!(expected, [2, 6, 1, 0, 3, 4, 5]);
        assert_eq!(r.order().unwrap(), expected);
        assert_eq!(
            Ranking::new(&mags, &[1; 7]).unwrap().order().unwrap(),
            expected
        );
        for budget in 0..=7 {
            let signed = select_budget(&values, &[1; 7], budget).unwrap();
            assert_eq!(
                signed.mask,
                select_budget(&mags, &[1; 7], budget).unwrap().mask
            );
        }
        let kept = select_threshold(&values, &[1; 7], 0.5).unwrap().mask;
        assert_eq!(kept, [true, true, true, true, false, false, true]);
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
