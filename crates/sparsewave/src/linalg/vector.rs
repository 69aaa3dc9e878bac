//! Dense vector kernels shared by the Hankel operator, the Lanczos SVD and WSVD.

/// Runs `f` compiled for AVX2 when the CPU has it, else as built (SSE2 on x86-64).
///
/// Mark the closure `#[inline(always)]` (and the functions it calls, or rely on `#[inline]`
/// kernels such as this module's): what is inlined into the AVX2 copy is compiled for it, so
/// its loops use 4-lane vectors. No fused multiply-add is enabled, so both copies
/// round identically and results do not depend on the CPU.
#[inline(always)]
pub fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn run<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { run(f) };
        }
    }
    f()
}

/// `Σ a[i]·b[i]` over the common length, with four independent accumulators so the compiler
/// can vectorize it (the summation order, and so the rounding, is fixed: lanes of four, then
/// `(s₀ + s₁) + (s₂ + s₃)`, then the tail).
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `out[j] = dot(&x[j .. j + u.len()], u)` for every `j < out.len()` (a correlation; `x` must
/// hold at least `out.len() + u.len() − 1` values, `u` must not be empty).
///
/// Four `j` at a time with independent accumulators, so the additions of one do not wait for
/// the previous ones; each value is summed in [`dot`]'s order, so every `out[j]` equals
/// `dot(&x[j .. j + u.len()], u)` bit for bit. Always inlined, so that inside [`with_avx2`] it
/// is compiled for AVX2.
#[inline(always)]
pub fn sliding_dots(x: &[f64], u: &[f64], out: &mut [f64]) {
    let p = u.len();
    assert!(
        p > 0 && x.len() + 1 >= out.len() + p,
        "sliding_dots: {} values cannot give {} dots of length {p}",
        x.len(),
        out.len()
    );
    let body = p - p % 4;
    let (u_body, u_tail) = u.split_at(body);
    let count = out.len();
    let mut blocks = out.chunks_exact_mut(4);
    for (block, j) in (&mut blocks).zip((0..).step_by(4)) {
        let a: [&[f64]; 4] = std::array::from_fn(|m| &x[j + m..j + m + p]);
        let mut acc = [[0.0; 4]; 4];
        for ((((a0, a1), a2), a3), b) in a[0][..body]
            .chunks_exact(4)
            .zip(a[1][..body].chunks_exact(4))
            .zip(a[2][..body].chunks_exact(4))
            .zip(a[3][..body].chunks_exact(4))
            .zip(u_body.chunks_exact(4))
        {
            for k in 0..4 {
                acc[0][k] += a0[k] * b[k];
                acc[1][k] += a1[k] * b[k];
                acc[2][k] += a2[k] * b[k];
                acc[3][k] += a3[k] * b[k];
            }
        }
        for ((o, am), acc) in block.iter_mut().zip(a).zip(acc) {
            let tail: f64 = am[body..].iter().zip(u_tail).map(|(x, y)| x * y).sum();
            *o = (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail;
        }
    }
    let rest = blocks.into_remainder();
    let start = count - rest.len();
    for (o, j) in rest.iter_mut().zip(start..) {
        *o = dot(&x[j..j + p], u);
    }
}

/// `y += alpha·x` over the common length.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// The Euclidean norm `‖x‖₂ = √(x·x)` (by [`dot`]).
#[inline]
pub fn norm(x: &[f64]) -> f64 {
    dot(x, x).sqrt()
}

/// `x *= alpha`.
#[inline]
pub fn scale(alpha: f64, x: &mut [f64]) {
    x.iter_mut().for_each(|v| *v *= alpha);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_plain_loops() {
        let a: Vec<f64> = (0..11).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..11).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-15);
        assert!((norm(&a) - a.iter().map(|v| v * v).sum::<f64>().sqrt()).abs() < 1e-15);
        let mut y = b.clone();
        axpy(-2.0, &a, &mut y);
        assert!(y
            .iter()
            .zip(&a)
            .zip(&b)
            .all(|((y, a), b)| *y == b - 2.0 * a));
        let x: Vec<f64> = (0..40).map(|i| (i as f64 * 0.71).cos() + 0.1).collect();
        let u: Vec<f64> = (0..12).map(|i| (i as f64 * 0.37).sin() - 0.2).collect();
        for (p, count) in [(11, 30), (12, 29), (1, 40), (7, 5), (4, 3)] {
            let mut out = vec![f64::NAN; count];
            sliding_dots(&x, &u[..p], &mut out);
            for (j, o) in out.iter().enumerate() {
                assert_eq!(
                    o.to_bits(),
                    dot(&x[j..j + p], &u[..p]).to_bits(),
                    "p {p}, j {j}"
                );
            }
        }
        scale(0.5, &mut y);
        assert!(y
            .iter()
            .zip(&a)
            .zip(&b)
            .all(|((y, a), b)| *y == 0.5 * (b - 2.0 * a)));
    }
}
