//! Wavelet packets and the Coifman–Wickerhauser best basis.
//!
//! A wavelet-packet tree splits a signal (the root node) with one level of the periodized DWT
//! ([`Mode::Periodization`]) into a low-pass and a high-pass child, and may split either child
//! again, down to a maximal depth. The dyadic DWT is the tree that splits only low-pass
//! children; the full tree splits everything. The coefficients of a tree are its leaves, in
//! pre-order (low-pass before high-pass).
//!
//! With an orthonormal wavelet (Daubechies, symlets, coiflets) and even node lengths, every
//! split is an orthonormal change of basis, so Σ (leaf coefficients)² = Σ x² (Parseval); a node
//! of odd length n is extended periodically to n + 1 samples first (⌈n/2⌉ coefficients per
//! child), and the synthesis still returns the node exactly.
//!
//! A node can be split when it is above the maximal depth and long enough for one level of the
//! wavelet ([`dwt_max_level`] ≥ 1). The tree is written as one bit per splittable node in
//! pre-order (1 = split); the nodes below a leaf have no bit.
//!
//! **Best basis** ([`best_basis`]): for an additive cost C (the cost of a set of leaves is the
//! sum of their costs), the tree of minimal cost is found bottom-up — a node is split when the
//! best costs of its two children sum below its own cost (Coifman & Wickerhauser 1992). The
//! dyadic tree is one of the trees searched, so the best tree's cost never exceeds the DWT's.

use super::wavelet::{dwt_max_level, Dwt, Mode, Wavelet, WaveletCoefs};
use crate::{Error, Result};

/// Most bits a tree holds: the full tree of depth [`MAX_DEPTH`].
pub const MAX_BITS: usize = (1 << MAX_DEPTH) - 1;
/// Deepest tree (the DWT's default depth cap).
pub const MAX_DEPTH: usize = super::wavelet::DEFAULT_LEVEL_CAP;

/// A wavelet-packet tree: which nodes are split, for one signal length, wavelet and maximal
/// depth (at most [`MAX_DEPTH`]). A small fixed-size value (`Copy`), so that codec parameters
/// can hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketTree {
    /// Number of bits.
    count: u16,
    /// One bit per splittable node in pre-order (module docs), bit i in word i / 64.
    words: [u64; MAX_BITS.div_ceil(64)],
}

impl PacketTree {
    fn empty() -> Self {
        PacketTree {
            count: 0,
            words: [0; MAX_BITS.div_ceil(64)],
        }
    }

    fn push(&mut self, bit: bool) {
        let i = usize::from(self.count);
        self.words[i / 64] |= u64::from(bit) << (i % 64);
        self.count += 1;
    }

    fn bit(&self, i: usize) -> Option<bool> {
        (i < usize::from(self.count)).then(|| self.words[i / 64] >> (i % 64) & 1 == 1)
    }

    /// The tree from its bits (pre-order, one per splittable node), checked against the
    /// geometry: `Err` when the depth exceeds [`MAX_DEPTH`], the bits run out before the tree
    /// is complete, or some are left over.
    pub fn from_bits(bits: &[bool], wavelet: Wavelet, depth: usize, len: usize) -> Result<Self> {
        let bad = |why: String| Err(Error::param("packet tree", why));
        if depth > MAX_DEPTH {
            return bad(format!("depth {depth} is above {MAX_DEPTH}"));
        }
        if bits.len() > MAX_BITS {
            return bad(format!("{} bits are more than {MAX_BITS}", bits.len()));
        }
        let mut tree = PacketTree::empty();
        for &b in bits {
            tree.push(b);
        }
        let mut used = 0;
        let complete = tree.walk(wavelet, depth, len, &mut used, &mut |_, _, _| {});
        if !complete || used != bits.len() {
            return bad(format!(
                "{} bits do not describe a tree of depth {depth} over {len} samples",
                bits.len()
            ));
        }
        Ok(tree)
    }

    /// The dyadic DWT's tree: every low-pass node split down to `depth` (or as far as the
    /// lengths allow); `depth` is capped at [`MAX_DEPTH`].
    pub fn dyadic(wavelet: Wavelet, depth: usize, len: usize) -> Self {
        let mut tree = PacketTree::empty();
        dyadic_bits(wavelet, depth.min(MAX_DEPTH), len, true, &mut tree);
        tree
    }

    /// The bits (pre-order, one per splittable node).
    pub fn bits(&self) -> Vec<bool> {
        (0..usize::from(self.count))
            .filter_map(|i| self.bit(i))
            .collect()
    }

    /// Number of leaves (bands).
    pub fn leaf_count(&self) -> usize {
        // A binary tree has one leaf more than split nodes.
        1 + self.bits().iter().filter(|&&b| b).count()
    }

    /// Lengths of the leaves, in pre-order.
    pub fn leaf_lens(&self, wavelet: Wavelet, depth: usize, len: usize) -> Vec<usize> {
        let mut lens = Vec::new();
        self.walk(wavelet, depth, len, &mut 0, &mut |_, n, leaf| {
            if leaf {
                lens.push(n);
            }
        });
        lens
    }

    /// The leaves (indices in pre-order) by increasing frequency. A split gives the low-pass
    /// child the lower half of its node's band and the high-pass child the upper half
    /// *mirrored* (decimating the high-pass output folds the upper band down), so below a
    /// high-pass child the order of the halves flips: the leaf reached by the splits
    /// b₁…b_d (0 low-pass, 1 high-pass) holds band f of 2^d, where bit i of f (from the top)
    /// is b₁ ⊕ … ⊕ b_i (the inverse Gray code of b: the "sequency" order). The dyadic tree's
    /// pre-order is already by frequency.
    pub fn leaves_by_frequency(&self, wavelet: Wavelet, depth: usize, len: usize) -> Vec<usize> {
        // (band start in units of 2^-MAX_DEPTH, leaf index); `path` holds b₁…b_level.
        let mut keyed: Vec<(u64, usize)> = Vec::new();
        let mut path = 0_u64;
        let mut at = 0;
        self.walk(wavelet, depth, len, &mut 0, &mut |level, _, leaf| {
            path = match level {
                0 => 0,
                // Pre-order: one level down is the low-pass child of the node just visited;
                // otherwise this is the high-pass child of the ancestor at level − 1.
                _ if level > at => path << 1,
                _ => (path >> (at + 1 - level)) << 1 | 1,
            };
            at = level;
            if leaf {
                let mut band = path;
                let mut shift = 1;
                while shift < level {
                    band ^= band >> shift;
                    shift <<= 1;
                }
                keyed.push((band << (MAX_DEPTH - level), keyed.len()));
            }
        });
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, leaf)| leaf).collect()
    }

    /// Visit the nodes in pre-order with (depth, length, is a leaf); reads the bits from
    /// `*used` on. Returns false when the bits run out.
    fn walk(
        &self,
        wavelet: Wavelet,
        depth: usize,
        len: usize,
        used: &mut usize,
        visit: &mut impl FnMut(usize, usize, bool),
    ) -> bool {
        fn go(
            t: &PacketTree,
            w: Wavelet,
            level: usize,
            depth: usize,
            n: usize,
            used: &mut usize,
            visit: &mut impl FnMut(usize, usize, bool),
        ) -> bool {
            if !splittable(w, level, depth, n) {
                visit(level, n, true);
                return true;
            }
            let Some(split) = t.bit(*used) else {
                return false;
            };
            *used += 1;
            visit(level, n, !split);
            if !split {
                return true;
            }
            let half = n.div_ceil(2);
            go(t, w, level + 1, depth, half, used, visit)
                && go(t, w, level + 1, depth, half, used, visit)
        }
        go(self, wavelet, 0, depth, len, used, visit)
    }
}

/// Whether a node at `level` of length `n` can be split (module docs).
fn splittable(wavelet: Wavelet, level: usize, depth: usize, n: usize) -> bool {
    level < depth && dwt_max_level(n, wavelet.filter_len()) >= 1
}

fn dyadic_bits(wavelet: Wavelet, levels_left: usize, n: usize, low: bool, bits: &mut PacketTree) {
    if !splittable(wavelet, 0, levels_left, n) {
        return;
    }
    bits.push(low);
    if low {
        let half = n.div_ceil(2);
        dyadic_bits(wavelet, levels_left - 1, half, true, bits);
        dyadic_bits(wavelet, levels_left - 1, half, false, bits);
    }
}

/// One-level periodized DWT plans by node length, each with its coefficient buffer (the nodes of
/// one depth share a length, and lengths shrink with depth, so a tree needs at most depth + 1 of
/// them, one per depth): splitting and merging allocate nothing but their results.
struct Levels {
    wavelet: Wavelet,
    /// A plan and its buffer; the buffer is `None` while a merge at that depth is filling it.
    plans: Vec<(Dwt, Option<WaveletCoefs>)>,
}

impl Levels {
    fn new(wavelet: Wavelet) -> Self {
        Levels {
            wavelet,
            plans: Vec::new(),
        }
    }

    fn index(&mut self, n: usize) -> Result<usize> {
        if let Some(i) = self.plans.iter().position(|(d, _)| d.signal_len() == n) {
            return Ok(i);
        }
        let plan = Dwt::new(self.wavelet, Mode::Periodization, Some(1), n)?;
        let coefs = plan.make_coefficients();
        self.plans.push((plan, Some(coefs)));
        Ok(self.plans.len() - 1)
    }

    /// One periodized DWT level of `x`: (low-pass, high-pass), ⌈n/2⌉ coefficients each.
    fn split(&mut self, x: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        let i = self.index(x.len())?;
        let (dwt, c) = &mut self.plans[i];
        let c = c.as_mut().expect("no merge is under way while splitting");
        dwt.analyze(x, c)?;
        let half = x.len().div_ceil(2);
        let s = c.as_slice();
        Ok((s[..half].to_vec(), s[half..].to_vec()))
    }
}

/// The leaves of `tree` for `x` (pre-order).
pub fn analyze(
    tree: &PacketTree,
    wavelet: Wavelet,
    depth: usize,
    x: &[f64],
) -> Result<Vec<Vec<f64>>> {
    fn go(
        t: &PacketTree,
        plans: &mut Levels,
        level: usize,
        depth: usize,
        x: Vec<f64>,
        used: &mut usize,
        out: &mut Vec<Vec<f64>>,
    ) -> Result<()> {
        let w = plans.wavelet;
        if !splittable(w, level, depth, x.len()) || t.bit(*used) != Some(true) {
            if splittable(w, level, depth, x.len()) {
                *used += 1;
            }
            out.push(x);
            return Ok(());
        }
        *used += 1;
        let (a, d) = plans.split(&x)?;
        go(t, plans, level + 1, depth, a, used, out)?;
        go(t, plans, level + 1, depth, d, used, out)
    }
    let mut out = Vec::new();
    let mut plans = Levels::new(wavelet);
    go(tree, &mut plans, 0, depth, x.to_vec(), &mut 0, &mut out)?;
    Ok(out)
}

/// The signal of `len` samples whose leaves under `tree` are `leaves` (the inverse of
/// [`analyze`]); `Err` when the leaves do not have the tree's lengths.
pub fn synthesize(
    tree: &PacketTree,
    wavelet: Wavelet,
    depth: usize,
    leaves: Vec<Vec<f64>>,
    len: usize,
) -> Result<Vec<f64>> {
    let want = tree.leaf_lens(wavelet, depth, len);
    if leaves.len() != want.len() || leaves.iter().zip(&want).any(|(l, &n)| l.len() != n) {
        return Err(Error::param(
            "leaves",
            "do not have the lengths of the packet tree's leaves",
        ));
    }
    synthesize_concatenated(tree, wavelet, depth, &leaves.concat(), len)
}

/// [`synthesize`] from the leaves concatenated in pre-order (as [`analyze`]'s output joined).
/// Each split node is one [`Dwt::synthesize`] level whose coefficient buffer (one per depth,
/// allocated once) its children are synthesized straight into, so every leaf is copied once
/// and every node written once; the root's two subtrees run in parallel (rayon). A node whose
/// leaves are all zero is zero (every output of the filter sums signed zeros onto +0.0), so it
/// is filled rather than filtered: sparse files skip most of their high-frequency subtrees,
/// with the same bits out. `Err` when `leaves` is not as long as the tree's leaves.
pub fn synthesize_concatenated(
    tree: &PacketTree,
    wavelet: Wavelet,
    depth: usize,
    leaves: &[f64],
    len: usize,
) -> Result<Vec<f64>> {
    synthesize_concatenated_with(tree, wavelet, depth, leaves, |v| v, len)
}

/// [`synthesize_concatenated`] of the leaf values `value(l)` for l in `leaves`, read as each
/// leaf is copied into its node: e.g. quantized integers and their step, without a buffer
/// of the dequantized values. A leaf is zero when all its values are `== 0.0`.
pub fn synthesize_concatenated_with<T: Copy + Sync>(
    tree: &PacketTree,
    wavelet: Wavelet,
    depth: usize,
    leaves: &[T],
    value: impl Fn(T) -> f64 + Sync,
    len: usize,
) -> Result<Vec<f64>> {
    let total: usize = tree.leaf_lens(wavelet, depth, len).iter().sum();
    if leaves.len() != total {
        return Err(Error::param(
            "leaves",
            format!(
                "hold {} values, not the {total} of the packet tree's leaves",
                leaves.len()
            ),
        ));
    }
    /// Writes the node of length `out.len()` whose leaves are at the front of `*leaves` to
    /// `out`, moves `*leaves` past them, and says whether the node is all zero.
    #[allow(clippy::too_many_arguments)]
    fn go<T: Copy + Sync>(
        t: &PacketTree,
        plans: &mut Levels,
        level: usize,
        depth: usize,
        used: &mut usize,
        leaves: &mut &[T],
        value: &(impl Fn(T) -> f64 + Sync),
        out: &mut [f64],
    ) -> Result<bool> {
        let (w, n) = (plans.wavelet, out.len());
        if !splittable(w, level, depth, n) || t.bit(*used) != Some(true) {
            if splittable(w, level, depth, n) {
                *used += 1;
            }
            let (leaf, rest) = leaves.split_at(n);
            let mut zero = true;
            for (o, &l) in out.iter_mut().zip(leaf) {
                *o = value(l);
                zero &= *o == 0.0;
            }
            *leaves = rest;
            return Ok(zero);
        }
        *used += 1;
        let i = plans.index(n)?;
        let mut c = plans.plans[i]
            .1
            .take()
            .expect("one node per depth is merged at a time");
        let half = n.div_ceil(2);
        let (low, high) = c.as_mut_slice().split_at_mut(half);
        let zero = if level == 0 && rayon::current_num_threads() > 1 {
            // The root's two subtrees in parallel, the high one with plans of its own.
            let (low_bits, low_values) = extent(t, w, level + 1, depth, half, *used);
            let (mut low_leaves, mut high_leaves) = leaves.split_at(low_values);
            let mut high_used = *used + low_bits;
            let mut high_plans = Levels::new(w);
            let (a, b) = rayon::join(
                || {
                    go(
                        t,
                        plans,
                        level + 1,
                        depth,
                        used,
                        &mut low_leaves,
                        value,
                        low,
                    )
                },
                || {
                    let next = level + 1;
                    go(
                        t,
                        &mut high_plans,
                        next,
                        depth,
                        &mut high_used,
                        &mut high_leaves,
                        value,
                        high,
                    )
                },
            );
            *used = high_used;
            *leaves = high_leaves;
            a? & b?
        } else {
            go(t, plans, level + 1, depth, used, leaves, value, low)?
                & go(t, plans, level + 1, depth, used, leaves, value, high)?
        };
        let (dwt, slot) = &mut plans.plans[i];
        let done = if zero {
            out.fill(0.0);
            Ok(())
        } else {
            dwt.synthesize(&mut c, out)
        };
        *slot = Some(c);
        done.map(|()| zero)
    }
    /// How many tree bits (from bit `used` on) and leaf values the subtree of the node of
    /// length `n` at `level` takes.
    fn extent(
        t: &PacketTree,
        w: Wavelet,
        level: usize,
        depth: usize,
        n: usize,
        used: usize,
    ) -> (usize, usize) {
        if !splittable(w, level, depth, n) {
            return (0, n);
        }
        if t.bit(used) != Some(true) {
            return (1, n);
        }
        let half = n.div_ceil(2);
        let (low_bits, low_values) = extent(t, w, level + 1, depth, half, used + 1);
        let (high_bits, high_values) = extent(t, w, level + 1, depth, half, used + 1 + low_bits);
        (1 + low_bits + high_bits, low_values + high_values)
    }
    let mut out = vec![0.0; len];
    let mut plans = Levels::new(wavelet);
    go(
        tree,
        &mut plans,
        0,
        depth,
        &mut 0,
        &mut &leaves[..],
        &value,
        &mut out,
    )?;
    Ok(out)
}

/// The tree of minimal total `cost` over the wavelet packets of `signals` (one tree for all,
/// the cost of a node being the sum over the signals) down to `depth` ≤ [`MAX_DEPTH`]
/// (module docs), and that cost. `cost` maps one node's coefficients to a number and must be
/// additive across nodes for the result to be the optimum.
pub fn best_basis(
    wavelet: Wavelet,
    depth: usize,
    signals: &[Vec<f64>],
    cost: &impl Fn(&[f64]) -> f64,
) -> Result<(PacketTree, f64)> {
    /// Best (bits of the subtree, cost) of the node whose coefficients are `xs`.
    fn go(
        plans: &mut Levels,
        level: usize,
        depth: usize,
        xs: &[Vec<f64>],
        cost: &impl Fn(&[f64]) -> f64,
    ) -> Result<(Vec<bool>, f64)> {
        let w = plans.wavelet;
        let own: f64 = xs.iter().map(|x| cost(x)).sum();
        let n = xs.first().map_or(0, Vec::len);
        if !splittable(w, level, depth, n) {
            return Ok((Vec::new(), own));
        }
        let (lows, highs): (Vec<Vec<f64>>, Vec<Vec<f64>>) = xs
            .iter()
            .map(|x| plans.split(x))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        let (bits_a, cost_a) = go(plans, level + 1, depth, &lows, cost)?;
        let (bits_d, cost_d) = go(plans, level + 1, depth, &highs, cost)?;
        if cost_a + cost_d < own {
            let mut bits = Vec::with_capacity(1 + bits_a.len() + bits_d.len());
            bits.push(true);
            bits.extend(bits_a);
            bits.extend(bits_d);
            Ok((bits, cost_a + cost_d))
        } else {
            Ok((vec![false], own))
        }
    }
    if signals.iter().any(|x| x.len() != signals[0].len()) {
        return Err(Error::param("signals", "have different lengths"));
    }
    let depth = depth.min(MAX_DEPTH);
    let (bits, c) = go(&mut Levels::new(wavelet), 0, depth, signals, cost)?;
    let len = signals.first().map_or(0, Vec::len);
    Ok((PacketTree::from_bits(&bits, wavelet, depth, len)?, c))
}
