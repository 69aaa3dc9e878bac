//! Logistic mixing of binary predictions (format version 5), in integer arithmetic only.
//!
//! Probabilities are 12-bit: p ∈ [1, 4095] stands for P(bit = 1) = p/4096. The logistic
//! domain is 8-bit fixed point: d ∈ [−2047, 2047] stands for ln(P/(1 − P)) = d/256.
//!
//! - [`squash`]: d ↦ 4096/(1 + e^(−d/256)), by linear interpolation in a 33-entry table
//!   T[i] ≈ squash((i − 16)·128): squash(d) = (T[j]·(128 − w) + T[j+1]·w + 64) >> 7 with
//!   j = (d >> 7) + 16, w = d & 127 (d clamped to [−2047, 2047]);
//! - [`stretch`]: its inverse on [0, 4095], stretch(p) = the smallest d with squash(d) ≥ p
//!   (2047 when there is none);
//! - [`Counter`]: an adaptive P(1) in 16 bits with a hit count n; after a bit y,
//!   p ← p + ⌊(65535·y − p)·R[n] / 2¹⁶⌋ with R[n] = ⌊2¹⁷/(2n + 3)⌋ (rate 1/(n + 1.5)), and
//!   n ← min(n + 1, limit): a fresh counter learns like a frequency count, an old one forgets
//!   at rate ≈ 1/limit;
//! - [`Mixer`]: selected weight vector w (16 fractional bits) over the inputs' stretched
//!   predictions s_i: p = squash(clamp(Σ w_i·s_i >> 16)); after the bit y,
//!   w_i ← w_i + ((s_i·(4096·y − p)·η) >> 10) (η the learning rate), the gradient step on
//!   the coding cost.

/// Interpolation nodes of [`squash`].
const SQUASH_NODES: [i32; 33] = [
    1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348,
    3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094,
];

/// 4096/(1 + e^(−d/256)) of the module docs, in [1, 4095].
pub const fn squash(d: i32) -> i32 {
    let d = if d > 2047 {
        2047
    } else if d < -2047 {
        -2047
    } else {
        d
    };
    let w = d & 127;
    let j = ((d >> 7) + 16) as usize;
    (SQUASH_NODES[j] * (128 - w) + SQUASH_NODES[j + 1] * w + 64) >> 7
}

const fn stretch_table() -> [i16; 4096] {
    let mut t = [2047_i16; 4096];
    let mut pi = 0;
    let mut x = -2047;
    while x <= 2047 {
        let v = squash(x);
        let mut j = pi;
        while j <= v {
            t[j as usize] = x as i16;
            j += 1;
        }
        if v + 1 > pi {
            pi = v + 1;
        }
        x += 1;
    }
    t
}

const STRETCH: [i16; 4096] = stretch_table();

/// The inverse of [`squash`] of the module docs.
pub fn stretch(p: i32) -> i32 {
    i32::from(STRETCH[p as usize])
}

const fn reciprocal_table() -> [u32; 1024] {
    let mut t = [0_u32; 1024];
    let mut n = 0;
    while n < 1024 {
        t[n] = (1 << 17) / (2 * n as u32 + 3);
        n += 1;
    }
    t
}

/// R[n] of the module docs.
const RECIPROCAL: [u32; 1024] = reciprocal_table();

/// An adaptive probability of a 1 with a hit count.
#[derive(Clone, Copy, Debug)]
pub struct Counter {
    p: u16,
    n: u16,
}

impl Default for Counter {
    fn default() -> Self {
        Counter { p: 1 << 15, n: 0 }
    }
}

impl Counter {
    /// P(1) in 12 bits, in [1, 4095].
    pub fn p12(self) -> i32 {
        (i32::from(self.p) >> 4).clamp(1, 4095)
    }

    /// Move towards `bit`; `limit` < 1024 bounds the hit count.
    pub fn update(&mut self, bit: bool, limit: u16) {
        let target = if bit { 65535 } else { 0 };
        let p = i64::from(self.p);
        let step = ((target - p) * i64::from(RECIPROCAL[usize::from(self.n)])) >> 16;
        self.p = (p + step) as u16;
        if self.n < limit {
            self.n += 1;
        }
    }
}

/// Weights stay in [−2²⁰, 2²⁰] (±16.0).
const WEIGHT_BOUND: i32 = 1 << 20;

/// Weight vectors over `N` inputs, one per selector value.
#[derive(Clone, Debug)]
pub struct Mixer<const N: usize> {
    weights: Vec<[i32; N]>,
}

impl<const N: usize> Mixer<N> {
    /// `sets` weight vectors, every weight `init` (16 fractional bits).
    pub fn new(sets: usize, init: [i32; N]) -> Self {
        Mixer {
            weights: vec![init; sets],
        }
    }

    /// The mixed 12-bit probability of inputs `s` (stretched) with weight vector `set`.
    pub fn mix(&self, set: usize, s: &[i32; N]) -> i32 {
        let w = &self.weights[set];
        let dot: i64 = (0..N).map(|i| i64::from(w[i]) * i64::from(s[i])).sum();
        squash((dot >> 16).clamp(-2047, 2047) as i32)
    }

    /// The gradient step after `bit` was coded with probability `p` from inputs `s`.
    pub fn update(&mut self, set: usize, s: &[i32; N], p: i32, bit: bool, rate: i32) {
        let err = (i32::from(bit) << 12) - p;
        let w = &mut self.weights[set];
        for i in 0..N {
            w[i] = (w[i] + ((s[i] * err * rate) >> 14)).clamp(-WEIGHT_BOUND, WEIGHT_BOUND);
        }
    }
}

/// Secondary estimation: a refined probability per context, interpolated between 33 nodes
/// of the stretched input probability.
#[derive(Clone, Debug)]
pub struct Apm {
    t: Vec<u16>,
    idx: usize,
}

impl Apm {
    /// `contexts` tables, each starting as the identity.
    pub fn new(contexts: usize) -> Self {
        let row: Vec<u16> = (0..33).map(|j| (squash((j - 16) * 128) * 16) as u16).collect();
        Apm {
            t: row.iter().copied().cycle().take(33 * contexts).collect(),
            idx: 0,
        }
    }

    /// The refined probability of `p` in context `cx`.
    pub fn refine(&mut self, p: i32, cx: usize) -> i32 {
        let s = stretch(p) + 2048;
        let lo = (s >> 7) as usize;
        let w = s & 127;
        let base = cx * 33 + lo;
        self.idx = base + usize::from(w >= 64);
        ((i32::from(self.t[base]) * (128 - w) + i32::from(self.t[base + 1]) * w) >> 11).clamp(1, 4095)
    }

    /// Move the node nearest to the last refined probability towards `bit`.
    pub fn update(&mut self, bit: bool, rate: u32) {
        let g = if bit { 65535 } else { 0 };
        let t = i32::from(self.t[self.idx]);
        self.t[self.idx] = (t + ((g - t) >> rate)) as u16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_and_stretch_are_inverse() {
        assert_eq!(squash(0), 2047);
        assert_eq!(squash(-2047), 1);
        assert_eq!(squash(2047), 4094);
        for p in 1..4095 {
            let d = stretch(p);
            assert!(squash(d) >= p, "p {p}");
            assert!(d == -2047 || squash(d - 1) < p, "p {p}");
        }
    }
}
