//! Logistic mixing of binary predictions (format version 5), in integer arithmetic only, so
//! that encoder and decoder compute the same probabilities on every platform.
//!
//! Probabilities are 12-bit: p ∈ [1, 4095] stands for P(bit = 1) = p/4096. The logistic
//! ("stretched") domain is 8-bit fixed point: d ∈ [−2047, 2047] stands for
//! ln(P/(1 − P)) = d/256.
//!
//! - [`squash`]: d ↦ ≈ 4096/(1 + e^(−d/256)), by linear interpolation between the nodes
//!   T[i] (i = 0..=32) at d = 128·(i − 16): with d clamped to [−2047, 2047], j = (d >> 7) + 16
//!   and w = d & 127 (arithmetic shift, two's complement), squash(d) =
//!   (T[j]·(128 − w) + T[j+1]·w + 64) >> 7, which lies in [1, 4094];
//! - [`stretch`]: its inverse on [0, 4095]: the smallest d ∈ [−2047, 2047] with squash(d) ≥ p,
//!   2047 when there is none;
//! - [`Counter`]: an adaptive P(1) = p/2²² (p ∈ [0, 2²² − 1], starting at 2²¹) with a count
//!   n (starting at 0): after a bit y, p ← p + ⌊((2²² − 1)·y − p)·R[n] / 2¹⁶⌋ (floor of a
//!   signed quotient) with R[n] = ⌊2¹⁷/(2n + 3)⌋, i.e. rate 1/(n + 1.5), then
//!   n ← min(n + 1, 1023): a fresh counter learns like a frequency count, an old one forgets
//!   at a rate of about 1/1024. Its prediction is min(max(p >> 10, 1), 4095);
//! - [`Mixer`]: weight vectors w (16 fractional bits, starting at [`Mixer::INIT`] except the
//!   last input's, 0), one per selector value, over stretched predictions s_i:
//!   p = squash(clamp(⌊Σ w_i·s_i / 2¹⁶⌋, −2047, 2047)); after the bit y, with
//!   e = 4096·y − p, w_i ← clamp(w_i + ⌊s_i·e / 2¹¹⌋, −2²⁰, 2²⁰): a gradient step on the
//!   coding cost −log₂ P(y), learning rate 2⁻¹¹ in these units.

/// T of [`squash`].
const SQUASH_NODES: [i32; 33] = [
    1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348,
    3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094,
];

/// ≈ 4096/(1 + e^(−d/256)), in [1, 4094] (module docs).
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
    let mut p = 0;
    let mut d = -2047;
    // squash is non-decreasing: each p up to squash(d) not yet covered gets d.
    while d <= 2047 {
        let v = squash(d);
        while p <= v {
            t[p as usize] = d as i16;
            p += 1;
        }
        d += 1;
    }
    t
}

const STRETCH: [i16; 4096] = stretch_table();

/// The smallest d with squash(d) ≥ p, for p ∈ [0, 4095] (module docs).
pub fn stretch(p: i32) -> i32 {
    i32::from(STRETCH[p as usize])
}

/// Counts beyond this do not slow a [`Counter`] further.
const COUNT_LIMIT: u16 = 1023;

const fn reciprocal_table() -> [i32; COUNT_LIMIT as usize + 1] {
    let mut t = [0; COUNT_LIMIT as usize + 1];
    let mut n = 0;
    while n <= COUNT_LIMIT as usize {
        t[n] = (1 << 17) / (2 * n as i32 + 3);
        n += 1;
    }
    t
}

/// R[n] = ⌊2¹⁷/(2n + 3)⌋ of the module docs.
const RECIPROCAL: [i32; COUNT_LIMIT as usize + 1] = reciprocal_table();

/// An adaptive probability of a 1 (module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    p: u32,
    n: u16,
}

impl Default for Counter {
    fn default() -> Self {
        Counter { p: 1 << 21, n: 0 }
    }
}

impl Counter {
    /// P(1) in 12 bits, in [1, 4095].
    pub fn p12(self) -> i32 {
        ((self.p >> 10) as i32).clamp(1, 4095)
    }

    /// Move towards `bit`.
    pub fn update(&mut self, bit: bool) {
        let p = i64::from(self.p);
        let target = if bit { (1 << 22) - 1 } else { 0 };
        // |target − p| < 2²² and R < 2¹⁶: the product fits in i64, the step in
        // [−p, 2²² − 1 − p].
        let step = ((target - p) * i64::from(RECIPROCAL[usize::from(self.n)])) >> 16;
        self.p = (p + step) as u32;
        self.n = (self.n + 1).min(COUNT_LIMIT);
    }
}

/// Weights stay in [−2²⁰, 2²⁰] (±16.0).
const WEIGHT_BOUND: i32 = 1 << 20;

/// Weight vectors over `N` stretched inputs, one per selector value (module docs).
#[derive(Clone, Debug)]
pub struct Mixer<const N: usize> {
    weights: Vec<[i32; N]>,
}

impl<const N: usize> Mixer<N> {
    /// The starting weight of every input but the last (a constant bias): 0.25.
    pub const INIT: i32 = 1 << 14;

    /// `sets` weight vectors.
    pub fn new(sets: usize) -> Self {
        let mut init = [Self::INIT; N];
        init[N - 1] = 0;
        Mixer {
            weights: vec![init; sets],
        }
    }

    /// The mixed 12-bit probability of the stretched inputs `s` with weight vector `set`.
    pub fn mix(&self, set: usize, s: &[i32; N]) -> i32 {
        let w = &self.weights[set];
        let dot: i64 = w.iter().zip(s).map(|(&w, &s)| i64::from(w) * i64::from(s)).sum();
        squash((dot >> 16).clamp(-2047, 2047) as i32)
    }

    /// The gradient step after `bit` was coded with probability `p` mixed from `s` by `set`.
    pub fn update(&mut self, set: usize, s: &[i32; N], p: i32, bit: bool) {
        let err = (i32::from(bit) << 12) - p;
        for (w, &s) in self.weights[set].iter_mut().zip(s) {
            // |s·err| < 2047·4096 < 2³¹.
            *w = (*w + ((s * err) >> 11)).clamp(-WEIGHT_BOUND, WEIGHT_BOUND);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squash_interpolates_its_nodes() {
        assert_eq!(squash(0), 2047);
        assert_eq!(squash(-2047), 1);
        assert_eq!(squash(2047), 4094);
        assert_eq!(squash(5000), 4094);
        // d = 100: j = 16, w = 100: (2047·28 + 2549·100 + 64) >> 7 = 312 280 >> 7 = 2439.
        assert_eq!(squash(100), 2439);
        // d = −300: j = (−300 >> 7) + 16 = −3 + 16 = 13, w = −300 & 127 = 84:
        // (747·44 + 1101·84 + 64) >> 7 = 125 416 >> 7 = 979.
        assert_eq!(squash(-300), 979);
    }

    #[test]
    fn stretch_inverts_squash() {
        for p in 1..4095 {
            let d = stretch(p);
            assert!(squash(d) >= p, "p {p}");
            assert!(d == -2047 || squash(d - 1) < p, "p {p}");
        }
        assert_eq!(stretch(4095), 2047);
        assert_eq!(stretch(2047), 0);
    }

    /// Three updates of a fresh counter, by hand.
    #[test]
    fn counter_updates_by_hand() {
        let mut c = Counter::default();
        assert_eq!(c.p12(), 2048);
        // n = 0: R = ⌊2¹⁷/3⌋ = 43690; (4 194 303 − 2 097 152)·43690 = 91 624 527 190,
        // ⌊/2¹⁶⌋ = 1 398 079 → p = 3 495 231.
        c.update(true);
        assert_eq!(c, Counter { p: 3_495_231, n: 1 });
        // n = 1: R = 26214; −3 495 231·26214 = −91 623 985 434, ⌊/2¹⁶⌋ = −1 398 072
        // → p = 2 097 159.
        c.update(false);
        assert_eq!(c, Counter { p: 2_097_159, n: 2 });
        // n = 2: R = 18724; −2 097 159·18724 = −39 267 205 116, ⌊/2¹⁶⌋ = −599 170
        // → p = 1 497 989; p12 = 1 497 989 >> 10 = 1462.
        c.update(false);
        assert_eq!(c, Counter { p: 1_497_989, n: 3 });
        assert_eq!(c.p12(), 1462);
        // A long run of ones: the count saturates, p stops where a step rounds to 0
        // ((2²² − 1 − p)·R[1023] < 2¹⁶, R[1023] = 63): p12 = 4094.
        for _ in 0..5000 {
            c.update(true);
        }
        assert_eq!(c.n, COUNT_LIMIT);
        assert_eq!(c.p12(), 4094);
    }

    /// One mix and one update of a two-input mixer, by hand.
    #[test]
    fn mixer_step_by_hand() {
        let mut m = Mixer::<2>::new(1);
        // Weights [16384, 0]; inputs s = [512, 256]: dot = 16384·512 = 8 388 608, >> 16 = 128;
        // squash(128) = T[17] = 2549.
        let s = [512, 256];
        assert_eq!(m.mix(0, &s), 2549);
        // A 1: e = 4096 − 2549 = 1547; Δw = ⌊512·1547 / 2048⌋ = 386, ⌊256·1547 / 2048⌋ = 193.
        m.update(0, &s, 2549, true);
        assert_eq!(m.weights[0], [16770, 193]);
        // dot = 16770·512 + 193·256 = 8 586 240 + 49 408 = 8 635 648, >> 16 = 131;
        // squash(131): j = 17, w = 3: (2549·125 + 2994·3 + 64) >> 7 = 327 671 >> 7 = 2559.
        assert_eq!(m.mix(0, &s), 2559);
    }
}
