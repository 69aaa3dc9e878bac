//! Decimation and reconstruction by interpolation.
//!
//! Keep every R-th sample of x (indices 0, R, 2R, …) and the last one, then rebuild all n
//! samples from the kept ones ("knots") with one of:
//!
//! - `linear`: piecewise linear;
//! - `quadratic`: the interpolating quadratic B-spline with knots at the midpoints between data
//!   sites (SciPy's `make_interp_spline(k=2)`), a well-conditioned tridiagonal system;
//! - `cubic`: the natural cubic spline (s'' = 0 at both ends; SciPy's `CubicSpline(bc_type=
//!   "natural")`), which reproduces straight lines;
//! - `cubic-nak`: the not-a-knot cubic spline (SciPy's `CubicSpline` default), which reproduces
//!   every cubic polynomial;
//! - `lagrange`: local Lagrange interpolation of order n through the n + 1 knots centred on the
//!   interval, shifted inwards at the ends;
//! - `poly`: piecewise least-squares polynomials of degree d, one per block of B knot intervals
//!   (the blocks share their boundary knots); only the coefficients are stored.

use crate::choice::choice;
use crate::{Error, Result};
use faer::linalg::solvers::SolveLstsq;
use faer::Mat;

choice! {
    /// The name of a reconstruction method (its order and block are separate parameters; see
    /// [`InterpMethod::new`]).
    pub enum InterpKind: "method" {
        /// Piecewise linear.
        Linear = "linear",
        /// Interpolating quadratic B-spline.
        Quadratic = "quadratic",
        /// Natural cubic spline.
        Cubic = "cubic",
        /// Not-a-knot cubic spline.
        CubicNotAKnot = "cubic-nak",
        /// Local Lagrange interpolation of a given order.
        Lagrange = "lagrange",
        /// Piecewise least-squares polynomials of a given degree.
        Poly = "poly",
    }
}

/// The reconstruction method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum InterpMethod {
    /// Piecewise linear.
    Linear,
    /// Interpolating quadratic B-spline (knots at the midpoints between data sites).
    Quadratic,
    /// Natural cubic spline.
    Cubic,
    /// Not-a-knot cubic spline.
    CubicNotAKnot,
    /// Local Lagrange of this order (≥ 1).
    Lagrange(usize),
    /// Least-squares polynomial of `degree` per block of `block` knot intervals.
    Poly {
        /// Polynomial degree d.
        degree: usize,
        /// Knot intervals per block (at least 1 and at least `degree`).
        block: usize,
    },
}

impl InterpMethod {
    /// The method `kind` with its order (Lagrange order or polynomial degree, default 3) and,
    /// for `poly`, its block (default 4·(d + 1)); checked with [`InterpMethod::validate`].
    pub fn new(kind: InterpKind, order: Option<usize>, block: Option<usize>) -> Result<Self> {
        let order = order.unwrap_or(3);
        let method = match kind {
            InterpKind::Linear => InterpMethod::Linear,
            InterpKind::Quadratic => InterpMethod::Quadratic,
            InterpKind::Cubic => InterpMethod::Cubic,
            InterpKind::CubicNotAKnot => InterpMethod::CubicNotAKnot,
            InterpKind::Lagrange => InterpMethod::Lagrange(order),
            InterpKind::Poly => InterpMethod::Poly {
                degree: order,
                block: block.unwrap_or(4 * (order + 1)),
            },
        };
        method.validate()?;
        Ok(method)
    }

    /// The method's name, without its order and block.
    pub fn kind(&self) -> InterpKind {
        match self {
            InterpMethod::Linear => InterpKind::Linear,
            InterpMethod::Quadratic => InterpKind::Quadratic,
            InterpMethod::Cubic => InterpKind::Cubic,
            InterpMethod::CubicNotAKnot => InterpKind::CubicNotAKnot,
            InterpMethod::Lagrange(_) => InterpKind::Lagrange,
            InterpMethod::Poly { .. } => InterpKind::Poly,
        }
    }

    /// Checks the order (Lagrange order ≥ 1, parameter `order`) and the poly block (at least 1
    /// and at least the degree, parameter `block`).
    pub fn validate(&self) -> Result<()> {
        match *self {
            InterpMethod::Lagrange(0) => {
                Err(Error::param("order", "Lagrange order must be at least 1"))
            }
            InterpMethod::Poly { degree, block } if block == 0 || block < degree => {
                Err(Error::param(
                    "block",
                    format!("a block of {block} intervals cannot fit a degree-{degree} polynomial"),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Kept sample indices: 0, R, 2R, … and n − 1.
pub fn knot_indices(n: usize, factor: usize) -> Result<Vec<usize>> {
    if factor == 0 {
        return Err(Error::param("factor", "must be at least 1"));
    }
    if n == 0 {
        return Err(Error::param("signal", "is empty"));
    }
    let mut idx: Vec<usize> = (0..n).step_by(factor).collect();
    if *idx.last().unwrap() != n - 1 {
        idx.push(n - 1);
    }
    Ok(idx)
}

/// The result of decimation + reconstruction.
#[derive(Clone, Debug)]
pub struct InterpOutput {
    /// The reconstruction, the input's length.
    pub signal: Vec<f64>,
    /// Real numbers stored: kept samples, or polynomial coefficients for `poly`.
    pub stored_real_values: usize,
    /// Kept samples (knots).
    pub knots: usize,
}

/// Decimate `x` by `factor` and rebuild it with `method`.
pub fn decimate_and_interpolate(
    x: &[f64],
    factor: usize,
    method: InterpMethod,
) -> Result<InterpOutput> {
    method.validate()?;
    let idx = knot_indices(x.len(), factor)?;
    let t: Vec<f64> = idx.iter().map(|&i| i as f64).collect();
    let v: Vec<f64> = idx.iter().map(|&i| x[i]).collect();
    let n = x.len();
    let need = |k: usize, what: &str| -> Result<()> {
        if t.len() < k {
            Err(Error::param(
                "factor",
                format!(
                    "{what} needs at least {k} kept samples, factor {factor} keeps {}",
                    t.len()
                ),
            ))
        } else {
            Ok(())
        }
    };
    let (signal, stored) = match method {
        InterpMethod::Linear => {
            need(2, "linear interpolation").or_else(|_| need(1, "linear"))?;
            (Spline::linear(&t, &v).sample(n), t.len())
        }
        InterpMethod::Quadratic => {
            need(3, "a quadratic spline")?;
            (Spline::bspline(&t, &v, 2)?.sample(n), t.len())
        }
        InterpMethod::CubicNotAKnot => {
            need(4, "a not-a-knot cubic spline")?;
            (Spline::bspline(&t, &v, 3)?.sample(n), t.len())
        }
        InterpMethod::Cubic => {
            need(2, "a cubic spline")?;
            (natural_cubic(&t, &v, n), t.len())
        }
        InterpMethod::Lagrange(order) => {
            need(order + 1, "Lagrange interpolation of this order")?;
            (lagrange(&t, &v, order, n), t.len())
        }
        InterpMethod::Poly { degree, block } => {
            need(degree + 1, "a polynomial of this degree")?;
            block_polynomials(&t, &v, degree, block, n)?
        }
    };
    Ok(InterpOutput {
        signal,
        stored_real_values: stored,
        knots: t.len(),
    })
}

/// A piecewise polynomial in B-spline form (degree 1 is the linear interpolant).
struct Spline {
    knots: Vec<f64>,
    coefs: Vec<f64>,
    degree: usize,
}

impl Spline {
    fn linear(t: &[f64], v: &[f64]) -> Self {
        if t.len() == 1 {
            return Spline {
                knots: vec![t[0], t[0] + 1.0],
                coefs: vec![v[0]],
                degree: 0,
            };
        }
        let mut knots = vec![t[0]];
        knots.extend_from_slice(t);
        knots.push(*t.last().unwrap());
        Spline {
            knots,
            coefs: v.to_vec(),
            degree: 1,
        }
    }

    /// Interpolating B-spline of degree 2 (interior knots at midpoints of the sites, dropping
    /// the outer two) or 3 (interior knots at the sites but the second and the second-to-last:
    /// not-a-knot), as SciPy's `make_interp_spline` places them.
    fn bspline(t: &[f64], v: &[f64], degree: usize) -> Result<Self> {
        let n = t.len();
        let (a, b) = (t[0], t[n - 1]);
        let mut knots = vec![a; degree + 1];
        match degree {
            2 => knots.extend((1..n - 2).map(|i| 0.5 * (t[i] + t[i + 1]))),
            3 => knots.extend_from_slice(&t[2..n - 2]),
            _ => unreachable!("only degrees 2 and 3 are used"),
        }
        knots.extend(std::iter::repeat_n(b, degree + 1));
        debug_assert_eq!(knots.len(), n + degree + 1);
        // Collocation: row i has the degree + 1 basis functions non-zero at t[i].
        let p = degree;
        let mut band = BandMatrix::new(n, p);
        let mut basis = vec![0.0; p + 1];
        for (i, &ti) in t.iter().enumerate() {
            let span = find_span(&knots, p, n, ti);
            basis_functions(&knots, p, span, ti, &mut basis);
            for (r, &bv) in basis.iter().enumerate() {
                band.set(i, span - p + r, bv);
            }
        }
        let coefs = band.solve(v)?;
        Ok(Spline {
            knots,
            coefs,
            degree,
        })
    }

    /// Values at 0, 1, …, n − 1.
    fn sample(&self, n: usize) -> Vec<f64> {
        let p = self.degree;
        let nb = self.coefs.len();
        let mut basis = vec![0.0; p + 1];
        (0..n)
            .map(|i| {
                let x = i as f64;
                let span = find_span(&self.knots, p, nb, x);
                basis_functions(&self.knots, p, span, x, &mut basis);
                basis
                    .iter()
                    .enumerate()
                    .map(|(r, b)| b * self.coefs[span - p + r])
                    .sum()
            })
            .collect()
    }
}

/// The knot span j (p ≤ j < n_basis) with knots[j] ≤ x < knots[j + 1]; the last span for x at
/// the right end.
fn find_span(knots: &[f64], p: usize, n_basis: usize, x: f64) -> usize {
    if x >= knots[n_basis] {
        return n_basis - 1;
    }
    if x <= knots[p] {
        return p;
    }
    // Largest j with knots[j] ≤ x.
    let j = knots[..=n_basis].partition_point(|&k| k <= x) - 1;
    j.clamp(p, n_basis - 1)
}

/// Cox–de Boor: the p + 1 non-zero basis functions N_{span−p..=span, p}(x) (The NURBS Book, A2.2).
fn basis_functions(knots: &[f64], p: usize, span: usize, x: f64, out: &mut [f64]) {
    let mut left = [0.0; 8];
    let mut right = [0.0; 8];
    out[0] = 1.0;
    for j in 1..=p {
        left[j] = x - knots[span + 1 - j];
        right[j] = knots[span + j] - x;
        let mut saved = 0.0;
        for r in 0..j {
            let temp = out[r] / (right[r + 1] + left[j - r]);
            out[r] = saved + right[r + 1] * temp;
            saved = left[j - r] * temp;
        }
        out[j] = saved;
    }
}

/// A square band matrix with `w` diagonals on each side, solved by Gaussian elimination without
/// pivoting (safe for B-spline collocation matrices, which are totally positive).
struct BandMatrix {
    n: usize,
    w: usize,
    /// Row i holds columns i − w ..= i + w.
    rows: Vec<f64>,
}

impl BandMatrix {
    fn new(n: usize, w: usize) -> Self {
        BandMatrix {
            n,
            w,
            rows: vec![0.0; n * (2 * w + 1)],
        }
    }

    fn idx(&self, i: usize, j: usize) -> usize {
        i * (2 * self.w + 1) + (j + self.w - i)
    }

    fn set(&mut self, i: usize, j: usize, v: f64) {
        let k = self.idx(i, j);
        self.rows[k] = v;
    }

    fn get(&self, i: usize, j: usize) -> f64 {
        if j + self.w < i || j > i + self.w || j >= self.n {
            0.0
        } else {
            self.rows[self.idx(i, j)]
        }
    }

    fn solve(mut self, rhs: &[f64]) -> Result<Vec<f64>> {
        let (n, w) = (self.n, self.w);
        let mut b = rhs.to_vec();
        for k in 0..n {
            let pivot = self.get(k, k);
            if pivot.abs() < 1e-300 {
                return Err(Error::Numerical(
                    "singular spline collocation matrix".into(),
                ));
            }
            for i in k + 1..(k + w + 1).min(n) {
                let f = self.get(i, k) / pivot;
                if f == 0.0 {
                    continue;
                }
                for j in k..(k + w + 1).min(n) {
                    let v = self.get(i, j) - f * self.get(k, j);
                    if j + w >= i && j <= i + w {
                        self.set(i, j, v);
                    }
                }
                b[i] -= f * b[k];
            }
        }
        for k in (0..n).rev() {
            let hi = (k + w + 1).min(n);
            let s = b[k] - (k + 1..hi).map(|j| self.get(k, j) * b[j]).sum::<f64>();
            b[k] = s / self.get(k, k);
        }
        Ok(b)
    }
}

/// Natural cubic spline through (t, v), sampled at 0..n. Second derivatives M solve
/// h_{i−1} M_{i−1} + 2(h_{i−1} + h_i) M_i + h_i M_{i+1} = 6(Δ_i − Δ_{i−1}), M_0 = M_last = 0.
fn natural_cubic(t: &[f64], v: &[f64], n: usize) -> Vec<f64> {
    let k = t.len();
    if k == 2 {
        return Spline::linear(t, v).sample(n);
    }
    let h: Vec<f64> = t.windows(2).map(|w| w[1] - w[0]).collect();
    let slope: Vec<f64> = (0..k - 1).map(|i| (v[i + 1] - v[i]) / h[i]).collect();
    // Thomas algorithm on the interior unknowns M_1..M_{k−2}.
    let m_int = k - 2;
    let mut diag: Vec<f64> = (1..k - 1).map(|i| 2.0 * (h[i - 1] + h[i])).collect();
    let mut rhs: Vec<f64> = (1..k - 1)
        .map(|i| 6.0 * (slope[i] - slope[i - 1]))
        .collect();
    for j in 1..m_int {
        let f = h[j] / diag[j - 1];
        diag[j] -= f * h[j];
        rhs[j] -= f * rhs[j - 1];
    }
    let mut m = vec![0.0; k];
    for j in (0..m_int).rev() {
        let upper = if j + 1 < m_int {
            h[j + 1] * m[j + 2]
        } else {
            0.0
        };
        m[j + 1] = (rhs[j] - upper) / diag[j];
    }
    (0..n)
        .map(|s| {
            let x = s as f64;
            let i = (t.partition_point(|&tk| tk <= x).max(1) - 1).min(k - 2);
            let (a, b) = (t[i + 1] - x, x - t[i]);
            let hi = h[i];
            m[i] * a * a * a / (6.0 * hi)
                + m[i + 1] * b * b * b / (6.0 * hi)
                + (v[i] / hi - m[i] * hi / 6.0) * a
                + (v[i + 1] / hi - m[i + 1] * hi / 6.0) * b
        })
        .collect()
}

/// Local Lagrange interpolation of `order` through knots j0..=j0+order around each interval.
fn lagrange(t: &[f64], v: &[f64], order: usize, n: usize) -> Vec<f64> {
    let k = t.len();
    (0..n)
        .map(|s| {
            let x = s as f64;
            let i = (t.partition_point(|&tk| tk <= x).max(1) - 1).min(k - 2);
            let j0 = (i + 1).saturating_sub(order.div_ceil(2)).min(k - 1 - order);
            let nodes = &t[j0..=j0 + order];
            let vals = &v[j0..=j0 + order];
            nodes
                .iter()
                .enumerate()
                .map(|(a, &ta)| {
                    let w: f64 = nodes
                        .iter()
                        .enumerate()
                        .filter(|&(b, _)| b != a)
                        .map(|(_, &tb)| (x - tb) / (ta - tb))
                        .product();
                    w * vals[a]
                })
                .sum()
        })
        .collect()
}

/// Least-squares polynomial of `degree` per block of `block` knot intervals.
fn block_polynomials(
    t: &[f64],
    v: &[f64],
    degree: usize,
    block: usize,
    n: usize,
) -> Result<(Vec<f64>, usize)> {
    let k = t.len();
    let mut out = vec![0.0; n];
    let mut stored = 0;
    let mut start = 0;
    while start < k - 1 {
        // Knots start..=end; a short final block is merged into the previous one.
        let mut end = (start + block).min(k - 1);
        if k - 1 - end < block / 2 {
            end = k - 1;
        }
        let pts = end - start + 1;
        let deg = degree.min(pts - 1);
        // Local coordinate u in [−1, 1] keeps the Vandermonde matrix well conditioned.
        let (a, b) = (t[start], t[end]);
        let scale = 2.0 / (b - a);
        let a_mat = Mat::from_fn(pts, deg + 1, |r, c| {
            ((t[start + r] - a) * scale - 1.0).powi(c as i32)
        });
        let rhs = Mat::from_fn(pts, 1, |r, _| v[start + r]);
        let coef = a_mat.qr().solve_lstsq(&rhs);
        stored += deg + 1;
        let lo = t[start] as usize;
        let hi = t[end] as usize;
        for (s, o) in out.iter_mut().enumerate().take(hi + 1).skip(lo) {
            let u = (s as f64 - a) * scale - 1.0;
            // Horner.
            *o = (0..=deg).rev().fold(0.0, |acc, c| acc * u + coef[(c, 0)]);
        }
        start = end;
    }
    Ok((out, stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poly(c: &[f64], n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let x = i as f64 / n as f64;
                c.iter().rev().fold(0.0, |a, k| a * x + k)
            })
            .collect()
    }

    fn max_dev(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .fold(0.0, |m, (x, y)| f64::max(m, (x - y).abs()))
    }

    #[test]
    fn methods_reproduce_their_polynomials() {
        let n = 1003; // odd length: the last knot interval is short
        let line = poly(&[0.3, -1.2], n);
        let quad = poly(&[0.1, 0.5, -2.0], n);
        let cubic = poly(&[0.1, 0.5, -2.0, 1.5], n);
        let run = |x: &[f64], m| decimate_and_interpolate(x, 10, m).unwrap().signal;
        assert!(max_dev(&run(&line, InterpMethod::Linear), &line) < 1e-12);
        assert!(max_dev(&run(&line, InterpMethod::Cubic), &line) < 1e-12);
        assert!(max_dev(&run(&quad, InterpMethod::Quadratic), &quad) < 1e-11);
        assert!(max_dev(&run(&cubic, InterpMethod::CubicNotAKnot), &cubic) < 1e-11);
        assert!(max_dev(&run(&cubic, InterpMethod::Lagrange(3)), &cubic) < 1e-11);
        let p = InterpMethod::Poly {
            degree: 3,
            block: 8,
        };
        assert!(max_dev(&run(&cubic, p), &cubic) < 1e-11);
    }

    #[test]
    fn knots_are_kept_exactly() {
        let x: Vec<f64> = (0..500).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
        for m in [
            InterpMethod::Linear,
            InterpMethod::Quadratic,
            InterpMethod::Cubic,
            InterpMethod::CubicNotAKnot,
            InterpMethod::Lagrange(4),
        ] {
            let y = decimate_and_interpolate(&x, 7, m).unwrap().signal;
            for i in knot_indices(500, 7).unwrap() {
                assert!((y[i] - x[i]).abs() < 1e-9, "{m:?} at {i}");
            }
        }
    }

    #[test]
    fn bad_parameters() {
        let x = vec![0.0; 10];
        assert!(decimate_and_interpolate(&x, 0, InterpMethod::Linear).is_err());
        assert!(decimate_and_interpolate(&x, 9, InterpMethod::CubicNotAKnot).is_err());
        assert!("sinc".parse::<InterpKind>().is_err());
    }
}
