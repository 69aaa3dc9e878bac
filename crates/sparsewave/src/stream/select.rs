//! The budget selection of [`select_budget`](crate::compress::sparsify::select_budget) over
//! coefficients that are made again on each pass instead of being held: a radix selection of
//! the cut in a few passes, in memory that does not grow with their number.
//!
//! The ranking is that of [`crate::compress::sparsify`]: magnitude descending, ties by
//! ascending storage index; a budget of `K` real numbers keeps the longest prefix whose costs
//! sum to at most `K`. Every entry is a pair (key, index) with the key
//! `descending_key(|c|)` (a `u64` that sorts ascending as the magnitude sorts descending),
//! so the kept set is every entry before the first one that does not fit, the [`Cut`]:
//! `(key, index) < (cut.key, cut.index)` lexicographically.
//!
//! [`CutSearch`] finds the cut: each pass visits every entry in storage order. A histogram pass
//! counts the entries and sums their costs per value of the next 16 bits of the key among the
//! candidates (the entries whose key starts with the bits fixed so far); the bucket where the
//! running cost first exceeds the budget holds the cut, and fixes 16 more bits. Once the
//! candidates are few ([`COLLECT_LIMIT`]), a pass collects them and sorts them by (key,
//! index); once all 64 bits are fixed (the candidates share one magnitude), a pass walks them
//! in index order. Memory: two 2¹⁶-entry tables, or the collected candidates.

use crate::compress::sparsify::descending_key;

/// The first entry of the ranking a selection does not keep: entry `(key, index)` is kept when
/// `(key, index) < (self.key, self.index)` lexicographically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// The key of the first entry not kept (`descending_key` of its magnitude: the bits of
    /// `|v|`, in reverse order).
    pub key: u64,
    /// Its storage index.
    pub index: u64,
}

impl Cut {
    /// Keep everything.
    pub const ALL: Cut = Cut {
        key: u64::MAX,
        index: u64::MAX,
    };

    /// The cut of [`Keep::Threshold`](crate::compress::sparsify::Keep::Threshold): every entry
    /// with magnitude `≥ threshold` (finite, `≥ 0`), whatever it costs.
    pub fn threshold(threshold: f64) -> Cut {
        Cut {
            key: descending_key(threshold),
            index: u64::MAX,
        }
    }

    /// The magnitude of the first entry not kept (magnitudes are `≥ 0`; not meaningful for
    /// [`Cut::ALL`]): the inverse of `descending_key` on them.
    pub fn magnitude(&self) -> f64 {
        f64::from_bits(!self.key ^ (1 << 63))
    }

    /// Whether the entry of value `value` (not NaN; ranked by its magnitude `|value|`) at
    /// storage index `index` is kept.
    #[inline]
    pub fn keeps(&self, value: f64, index: u64) -> bool {
        (descending_key(value), index) < (self.key, self.index)
    }
}

/// Bits of the key one histogram pass fixes.
const RADIX_BITS: u32 = 16;

/// Candidates at most this many are collected and sorted in one pass (24 bytes each) instead
/// of histogrammed again.
pub const COLLECT_LIMIT: u64 = 1 << 19;

/// One candidate entry, collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    key: u64,
    index: u64,
    cost: u8,
}

/// What the next pass does.
#[derive(Clone, Debug)]
enum Step {
    /// Count the candidates and sum their costs per value of the next [`RADIX_BITS`] bits.
    Histogram { counts: Vec<u64>, costs: Vec<u64> },
    /// Collect the candidates.
    Collect(Vec<Candidate>),
    /// The candidates share one key: walk them in index order to the first that does not fit.
    Walk { spent: u64 },
    /// Found.
    Done(Cut),
}

/// The search for the [`Cut`] of a budget of real numbers (module documentation): call
/// [`CutSearch::visit`] for every entry of a pass in storage order, then
/// [`CutSearch::end_pass`], until [`CutSearch::cut`] answers.
#[derive(Clone, Debug)]
pub struct CutSearch {
    /// What is left of the budget for the candidates (the entries before them fit).
    remaining: u64,
    /// The key bits fixed so far (the candidates' common prefix), right-aligned.
    prefix: u64,
    /// How many of the key's top bits are fixed.
    fixed: u32,
    step: Step,
}

impl CutSearch {
    /// A search for the cut of `budget` real numbers (0 keeps nothing; a budget the whole
    /// representation fits in keeps everything).
    pub fn new(budget: u64) -> Self {
        CutSearch {
            remaining: budget,
            prefix: 0,
            fixed: 0,
            step: match budget {
                0 => Step::Done(Cut { key: 0, index: 0 }),
                _ => histogram(),
            },
        }
    }

    /// A search that is over: its cut is `cut` (a threshold's, [`Cut::threshold`]).
    pub fn found(cut: Cut) -> Self {
        CutSearch {
            remaining: 0,
            prefix: 0,
            fixed: 0,
            step: Step::Done(cut),
        }
    }

    /// The cut once found.
    pub fn cut(&self) -> Option<Cut> {
        match self.step {
            Step::Done(cut) => Some(cut),
            _ => None,
        }
    }

    /// The entry at storage `index` (visited in ascending order within a pass) of value
    /// `value` (not NaN; ranked by its magnitude `|value|`) and `cost` real numbers (≥ 1).
    #[inline]
    pub fn visit(&mut self, value: f64, index: u64, cost: u8) {
        let key = descending_key(value);
        if top(key, self.fixed) != self.prefix {
            return;
        }
        match &mut self.step {
            Step::Histogram { counts, costs } => {
                let digit = digit(key, self.fixed);
                counts[digit] += 1;
                costs[digit] += u64::from(cost);
            }
            Step::Collect(candidates) => candidates.push(Candidate { key, index, cost }),
            Step::Walk { spent } => {
                if *spent + u64::from(cost) > self.remaining {
                    self.step = Step::Done(Cut { key, index });
                } else {
                    *spent += u64::from(cost);
                }
            }
            Step::Done(_) => {}
        }
    }

    /// Whether this pass may visit the entries in parts, in any order, on several threads
    /// ([`CutSearch::part`], [`CutSearch::merge`]): histogram and collect passes can; a walk
    /// (candidates of one key, visited in index order) cannot.
    pub fn visits_in_parts(&self) -> bool {
        matches!(self.step, Step::Histogram { .. } | Step::Collect(_))
    }

    /// An empty search at the same point of the same pass, to visit a part of the entries.
    pub fn part(&self) -> CutSearch {
        CutSearch {
            step: match &self.step {
                Step::Histogram { .. } => histogram(),
                Step::Collect(_) => Step::Collect(Vec::new()),
                other => other.clone(),
            },
            ..*self
        }
    }

    /// Add what `part` (from [`CutSearch::part`] of this search) visited: histogram counts and
    /// costs add up; collected candidates are sorted at the end of the pass, so their order
    /// does not matter.
    ///
    /// # Panics
    /// If the pass cannot be split ([`CutSearch::visits_in_parts`]) or `part` is of another
    /// pass.
    pub fn merge(&mut self, part: CutSearch) {
        match (&mut self.step, part.step) {
            (
                Step::Histogram { counts, costs },
                Step::Histogram {
                    counts: more_counts,
                    costs: more_costs,
                },
            ) => {
                counts
                    .iter_mut()
                    .zip(more_counts)
                    .for_each(|(a, b)| *a += b);
                costs.iter_mut().zip(more_costs).for_each(|(a, b)| *a += b);
            }
            (Step::Collect(all), Step::Collect(more)) => all.extend(more),
            _ => panic!("merge of a part of another pass"),
        }
    }

    /// After the last entry of a pass: narrow the search (module documentation).
    pub fn end_pass(&mut self) {
        let step = std::mem::replace(&mut self.step, Step::Done(Cut::ALL));
        self.step = match step {
            Step::Histogram { counts, costs } => {
                let mut spent = 0;
                let crossing = (0..counts.len()).find(|&d| {
                    if spent + costs[d] > self.remaining {
                        return true;
                    }
                    spent += costs[d];
                    false
                });
                // No bucket crosses: everything fits (only possible on the first pass).
                let Some(d) = crossing else {
                    return;
                };
                self.remaining -= spent;
                self.prefix = (self.prefix << RADIX_BITS) | d as u64;
                self.fixed += RADIX_BITS;
                if self.fixed == u64::BITS {
                    Step::Walk { spent: 0 }
                } else if counts[d] <= COLLECT_LIMIT {
                    Step::Collect(Vec::with_capacity(counts[d] as usize))
                } else {
                    histogram()
                }
            }
            Step::Collect(mut candidates) => {
                candidates.sort_unstable();
                let mut spent = 0;
                let first_out = candidates.iter().find(|c| {
                    spent += u64::from(c.cost);
                    spent > self.remaining
                });
                Step::Done(first_out.map_or(Cut::ALL, |c| Cut {
                    key: c.key,
                    index: c.index,
                }))
            }
            // Every candidate fitted: cannot happen after a crossing bucket; keep everything.
            Step::Walk { .. } => Step::Done(Cut::ALL),
            done @ Step::Done(_) => done,
        };
    }
}

/// A histogram step with empty tables.
fn histogram() -> Step {
    Step::Histogram {
        counts: vec![0; 1 << RADIX_BITS],
        costs: vec![0; 1 << RADIX_BITS],
    }
}

/// The top `bits` bits of `key`, right-aligned (0 for none).
#[inline]
fn top(key: u64, bits: u32) -> u64 {
    key.checked_shr(u64::BITS - bits).unwrap_or(0)
}

/// The [`RADIX_BITS`] bits of `key` after its top `fixed` bits.
#[inline]
fn digit(key: u64, fixed: u32) -> usize {
    ((key << fixed) >> (u64::BITS - RADIX_BITS)) as usize
}

/// The magnitude of rank `rank` (0: the largest) among entries visited in passes: each call of
/// `pass(visit)` visits every entry once, `visit(magnitude, storage index)` with magnitudes
/// `≥ 0` and not NaN, in ascending index order. `rank` is less than the entries' count. The
/// magnitude is one of the entries' own (the order statistic, bit for bit).
pub fn nth_largest(
    rank: u64,
    mut pass: impl FnMut(&mut dyn FnMut(f64, u64)) -> crate::Result<()>,
) -> crate::Result<f64> {
    // A budget of 0 keeps nothing without a pass; the largest is one pass's maximum.
    if rank == 0 {
        let mut largest = 0.0_f64;
        pass(&mut |m, _| largest = largest.max(m))?;
        return Ok(largest);
    }
    // Every entry costs 1: a budget of `rank` keeps the `rank` largest, and the first entry
    // not kept has rank `rank`.
    let mut search = CutSearch::new(rank);
    while search.cut().is_none() {
        pass(&mut |m, i| search.visit(m, i, 1))?;
        search.end_pass();
    }
    Ok(search.cut().expect("the search ended").magnitude())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::sparsify::select_budget;

    /// Run the search to its end over the entries (every pass visits them all in order).
    fn search(magnitudes: &[f64], costs: &[u8], budget: u64) -> (Cut, usize) {
        let mut s = CutSearch::new(budget);
        let mut passes = 0;
        while s.cut().is_none() {
            for (i, (&m, &c)) in magnitudes.iter().zip(costs).enumerate() {
                s.visit(m, i as u64, c);
            }
            s.end_pass();
            passes += 1;
        }
        (s.cut().unwrap(), passes)
    }

    /// Uniform integers below `n` from a fixed linear congruential generator.
    fn lcg(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut s = seed;
        move |n| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 33) % n
        }
    }

    fn assert_same_as_sort(magnitudes: &[f64], costs: &[u8], budget: u64) -> usize {
        let (cut, passes) = search(magnitudes, costs, budget);
        let sorted = select_budget(magnitudes, costs, budget as usize).unwrap();
        let mask: Vec<bool> = magnitudes
            .iter()
            .enumerate()
            .map(|(i, &m)| cut.keeps(m, i as u64))
            .collect();
        assert_eq!(mask, sorted.mask, "budget {budget}");
        passes
    }

    #[test]
    fn radix_selection_equals_the_sort_on_random_data_with_ties() {
        let mut next = lcg(11);
        let n = 20_000;
        // Few distinct magnitudes (many ties), exact zeros, and a continuum.
        let tied: Vec<f64> = (0..n).map(|_| next(7) as f64 * 0.25).collect();
        let spread: Vec<f64> = (0..n)
            .map(|_| match next(10) {
                0 => 0.0,
                _ => (next(1 << 40) as f64).sqrt(),
            })
            .collect();
        let costs: Vec<u8> = (0..n).map(|_| 1 + next(2) as u8).collect();
        let total: u64 = costs.iter().map(|&c| u64::from(c)).sum();
        for magnitudes in [&tied, &spread] {
            for budget in [
                0,
                1,
                2,
                3,
                57,
                1000,
                4321,
                total / 2,
                total - 1,
                total,
                total + 9,
            ] {
                assert_same_as_sort(magnitudes, &costs, budget);
            }
        }
    }

    #[test]
    fn every_step_of_the_search_runs_and_agrees() {
        // More candidates than COLLECT_LIMIT in one 16-bit bucket forces a second histogram;
        // all of them equal forces the walk in index order after 4 histograms.
        let n = COLLECT_LIMIT as usize + 1000;
        let mut next = lcg(5);
        let equal = vec![1.5; n];
        let costs: Vec<u8> = (0..n).map(|_| 1 + next(2) as u8).collect();
        assert_eq!(assert_same_as_sort(&equal, &costs, 7777), 5);
        // Nearly equal magnitudes (the key's top 34 bits equal): two histograms find one
        // bucket each, the third spreads them, the fourth pass collects its crossing bucket.
        let close: Vec<f64> = (0..n)
            .map(|_| f64::from_bits(1.5f64.to_bits() + next(1 << 30)))
            .collect();
        assert_eq!(assert_same_as_sort(&close, &costs, 300_001), 4);
    }

    #[test]
    fn threshold_cut_keeps_magnitudes_at_or_above() {
        let cut = Cut::threshold(2.0);
        assert!(cut.keeps(2.0, u64::MAX - 1) && cut.keeps(3.0, 0));
        assert!(!cut.keeps(1.999_999, 0));
        assert!(Cut::ALL.keeps(0.0, u64::MAX - 1));
    }

    /// Every rank's magnitude is the sorted order's, bit for bit: ties, zeros, a tail of equal
    /// values, and more entries than a collect pass takes (histogram passes first).
    #[test]
    fn nth_largest_is_the_sorted_orders_entry() {
        let n = (COLLECT_LIMIT as usize) * 2 + 17;
        let values: Vec<f64> = (0..n)
            .map(|i| match i % 5 {
                0 => 0.0,
                1 => 0.25,
                _ => ((i as f64) * 0.618_033_988_7).fract() * 3.0,
            })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        for rank in [0, 1, 2, 1000, n / 2, n / 2 + 1, 3 * n / 5, n - 1] {
            let got = nth_largest(rank as u64, |visit| {
                for (i, &v) in values.iter().enumerate() {
                    visit(v, i as u64);
                }
                Ok(())
            })
            .unwrap();
            assert_eq!(got.to_bits(), sorted[rank].to_bits(), "rank {rank}");
        }
    }
}
