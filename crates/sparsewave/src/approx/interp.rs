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
use std::collections::VecDeque;
use std::ops::Range;

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
    let sites = Sites::new(n, factor)?;
    Ok((0..sites.count).map(|i| sites.site(i)).collect())
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
    let mut job = Reconstruction::new(x.len(), factor, method, Vec::new())?;
    job.push(x)?;
    job.solve()?;
    let mut signal = vec![0.0; x.len()];
    job.evaluate(0..x.len(), &mut signal)?;
    Ok(InterpOutput {
        signal,
        stored_real_values: job.stored_real_values(),
        knots: job.knots(),
    })
}

/// The kept samples' positions ("sites") of an `n`-sample signal decimated by R:
/// `site(i) = min(i·R, n − 1)` for `i < count`.
#[derive(Clone, Copy, Debug)]
struct Sites {
    n: usize,
    factor: usize,
    /// The multiples of R below n.
    regular: usize,
    /// `regular`, plus one when n − 1 is not a multiple of R.
    count: usize,
}

impl Sites {
    fn new(n: usize, factor: usize) -> Result<Self> {
        if factor == 0 {
            return Err(Error::param("factor", "must be at least 1"));
        }
        if n == 0 {
            return Err(Error::param("signal", "is empty"));
        }
        let regular = (n - 1) / factor + 1;
        let count = regular + usize::from((regular - 1) * factor != n - 1);
        Ok(Sites {
            n,
            factor,
            regular,
            count,
        })
    }

    fn site(&self, i: usize) -> usize {
        (i * self.factor).min(self.n - 1)
    }

    /// Site `i` as a coordinate (exact: sites are below 2⁵³).
    fn t(&self, i: usize) -> f64 {
        self.site(i) as f64
    }

    /// The interval `i ≤ count − 2` with `t(i) ≤ s < t(i + 1)` (the last one for `s = n − 1`):
    /// one less than the number of sites at or before `s`, clamped (needs `count ≥ 2`).
    fn interval(&self, s: usize) -> usize {
        let at_or_before = (s / self.factor + 1).min(self.regular)
            + usize::from(self.count > self.regular && s >= self.n - 1);
        (at_or_before.max(1) - 1).min(self.count - 2)
    }
}

/// Where [`Reconstruction`] keeps what grows with the signal: the knots' values, the solved
/// coefficients and the eliminated rows of a spline's system (in memory for
/// [`decimate_and_interpolate`], in a temporary file for the streamed job).
pub(crate) trait KnotStore {
    /// Write `values` at `at..at + values.len()`.
    fn write(&mut self, at: usize, values: &[f64]) -> Result<()>;
    /// Read `at..at + out.len()` (written before).
    fn read(&mut self, at: usize, out: &mut [f64]) -> Result<()>;
}

impl KnotStore for Vec<f64> {
    fn write(&mut self, at: usize, values: &[f64]) -> Result<()> {
        if self.len() < at + values.len() {
            self.resize(at + values.len(), 0.0);
        }
        self[at..at + values.len()].copy_from_slice(values);
        Ok(())
    }

    fn read(&mut self, at: usize, out: &mut [f64]) -> Result<()> {
        out.copy_from_slice(&self[at..at + out.len()]);
        Ok(())
    }
}

impl KnotStore for crate::stream::TempArray {
    fn write(&mut self, at: usize, values: &[f64]) -> Result<()> {
        crate::stream::TempArray::write(self, at, values)
    }

    fn read(&mut self, at: usize, out: &mut [f64]) -> Result<()> {
        crate::stream::TempArray::read(self, at, out)
    }
}

/// Rows per read of the eliminated system in the back substitution.
const PIECE: usize = 1 << 14;

/// Decimation and reconstruction of one signal whose samples arrive in order:
/// [`push`](Self::push) them all (the knots' values are kept, and a spline's banded system is
/// eliminated row by row as they arrive), [`solve`](Self::solve) (back substitution, from the
/// last row), then [`evaluate`](Self::evaluate) any range of samples, reading only the knots
/// near it. What grows with the signal is in the [`KnotStore`] `S`: `k` values, `k`
/// coefficients and the eliminated rows (2 per knot for `cubic`, `degree + 2` for the
/// B-splines), for `k` knots. [`decimate_and_interpolate`] and the streamed job run this same
/// code, so their outputs are the same bit for bit.
///
/// The store's layout: values at `0..k`, coefficients (B-spline coefficients, or the natural
/// spline's second derivatives) at `k..2k`, rows from `2k` on.
pub(crate) struct Reconstruction<S> {
    method: InterpMethod,
    sites: Sites,
    store: S,
    /// Samples pushed.
    pushed: usize,
    /// The system of `cubic`, `quadratic` and `cubic-nak`, eliminated as the knots arrive.
    forward: Forward,
    /// The knot values of the current push, written to the store at its end.
    staged: Vec<f64>,
    /// The rows the current push eliminated, written to the store at its end.
    staged_rows: Vec<f64>,
    solved: bool,
    /// Rows per read of the back substitution ([`PIECE`]; fewer in tests).
    piece: usize,
    /// The knot values and coefficients an evaluation reads.
    values: Vec<f64>,
    coefs: Vec<f64>,
}

/// The forward elimination of a spline's system.
enum Forward {
    /// No system: linear, Lagrange, poly, and `cubic` on two knots (a straight line).
    None,
    /// The natural cubic spline's tridiagonal system in its interior second derivatives
    /// `M_1 … M_{k−2}`.
    Natural(NaturalRows),
    /// The B-spline collocation matrix (band `w = degree` on each side).
    Band(BandRows),
}

impl<S: KnotStore> Reconstruction<S> {
    /// The reconstruction of an `n`-sample signal decimated by `factor` with `method`.
    ///
    /// Errors: a `method` that [`InterpMethod::validate`] refuses, factor 0, an empty signal,
    /// fewer knots than the method needs.
    pub(crate) fn new(n: usize, factor: usize, method: InterpMethod, store: S) -> Result<Self> {
        method.validate()?;
        let sites = Sites::new(n, factor)?;
        let k = sites.count;
        let need = |m: usize, what: &str| -> Result<()> {
            if k < m {
                Err(Error::param(
                    "factor",
                    format!("{what} needs at least {m} kept samples, factor {factor} keeps {k}"),
                ))
            } else {
                Ok(())
            }
        };
        let forward = match method {
            InterpMethod::Linear => Forward::None,
            InterpMethod::Quadratic => {
                need(3, "a quadratic spline")?;
                Forward::Band(BandRows::new(sites, 2))
            }
            InterpMethod::CubicNotAKnot => {
                need(4, "a not-a-knot cubic spline")?;
                Forward::Band(BandRows::new(sites, 3))
            }
            InterpMethod::Cubic => {
                need(2, "a cubic spline")?;
                if k == 2 {
                    Forward::None
                } else {
                    Forward::Natural(NaturalRows::default())
                }
            }
            InterpMethod::Lagrange(order) => {
                need(order + 1, "Lagrange interpolation of this order")?;
                Forward::None
            }
            InterpMethod::Poly { degree, .. } => {
                need(degree + 1, "a polynomial of this degree")?;
                Forward::None
            }
        };
        Ok(Reconstruction {
            method,
            sites,
            store,
            pushed: 0,
            forward,
            staged: Vec::new(),
            staged_rows: Vec::new(),
            solved: false,
            piece: PIECE,
            values: Vec::new(),
            coefs: Vec::new(),
        })
    }

    /// Kept samples (knots).
    pub(crate) fn knots(&self) -> usize {
        self.sites.count
    }

    /// Real numbers stored: the knots, or the polynomial coefficients for `poly`.
    pub(crate) fn stored_real_values(&self) -> usize {
        match self.method {
            InterpMethod::Poly { degree, block } => poly_blocks(self.sites.count, block)
                .map(|(start, end)| degree.min(end - start) + 1)
                .sum(),
            _ => self.sites.count,
        }
    }

    /// The next samples of the signal (in order).
    ///
    /// Errors: more samples than announced; a singular collocation matrix; the store's.
    pub(crate) fn push(&mut self, x: &[f64]) -> Result<()> {
        let (from, to) = (self.pushed, self.pushed + x.len());
        if to > self.sites.n {
            return Err(Error::param(
                "signal",
                format!("more than the {} samples announced", self.sites.n),
            ));
        }
        let k = self.sites.count;
        // The knots in from..to: the first site at or after `from`, then on.
        let mut i = from.div_ceil(self.sites.factor).min(k - 1);
        if self.sites.site(i) < from {
            i += 1;
        }
        let first = i;
        self.staged.clear();
        self.staged_rows.clear();
        while i < k && self.sites.site(i) < to {
            let v = x[self.sites.site(i) - from];
            self.staged.push(v);
            match &mut self.forward {
                Forward::None => {}
                Forward::Natural(rows) => rows.take(&self.sites, i, v, &mut self.staged_rows),
                Forward::Band(rows) => rows.take(i, v, &mut self.staged_rows)?,
            }
            i += 1;
        }
        if !self.staged.is_empty() {
            self.store.write(first, &self.staged)?;
            self.write_rows()?;
        }
        self.pushed = to;
        Ok(())
    }

    /// Write the rows this push eliminated.
    fn write_rows(&mut self) -> Result<()> {
        let at = match &mut self.forward {
            Forward::None => return Ok(()),
            Forward::Natural(rows) => rows.flush_at(),
            Forward::Band(rows) => rows.flush_at(),
        };
        let k = self.sites.count;
        self.store.write(2 * k + at, &self.staged_rows)
    }

    /// Solve the spline's system by back substitution (after every sample was pushed).
    ///
    /// Errors: samples missing; a singular collocation matrix; the store's.
    pub(crate) fn solve(&mut self) -> Result<()> {
        if self.pushed != self.sites.n {
            return Err(Error::param(
                "signal",
                format!("{} of the {} samples announced", self.pushed, self.sites.n),
            ));
        }
        let k = self.sites.count;
        self.staged_rows.clear();
        match &mut self.forward {
            Forward::None => {}
            Forward::Natural(_) => {
                self.write_rows()?;
                natural_back_substitution(&self.sites, &mut self.store, self.piece)?;
            }
            Forward::Band(rows) => {
                rows.finish(&mut self.staged_rows);
                let w = rows.w;
                self.write_rows()?;
                band_back_substitution(k, w, &mut self.store, self.piece)?;
            }
        }
        self.solved = true;
        Ok(())
    }

    /// Samples `range` of the reconstruction into `out` (after [`solve`](Self::solve)).
    ///
    /// Errors: not solved; a range outside the signal; the store's.
    pub(crate) fn evaluate(&mut self, range: Range<usize>, out: &mut [f64]) -> Result<()> {
        if !self.solved || range.end > self.sites.n || out.len() != range.len() {
            return Err(Error::param(
                "range",
                "outside the signal, or evaluated before the system was solved",
            ));
        }
        if range.is_empty() {
            return Ok(());
        }
        let sites = self.sites;
        let k = sites.count;
        let (s0, last) = (range.start, range.end - 1);
        match self.method {
            InterpMethod::Quadratic | InterpMethod::CubicNotAKnot => {
                let Forward::Band(rows) = &self.forward else {
                    unreachable!("the B-splines eliminate a band system")
                };
                let knots = rows.knots;
                let (lo, hi) = knots.coefficient_range(s0, last);
                let coefs = read(&mut self.store, k, lo..hi, &mut self.coefs)?;
                knots.evaluate(coefs, lo, s0, out);
            }
            InterpMethod::Cubic if k > 2 => {
                let (lo, hi) = (sites.interval(s0), sites.interval(last) + 2);
                let v = read(&mut self.store, 0, lo..hi, &mut self.values)?;
                let m = read(&mut self.store, k, lo..hi, &mut self.coefs)?;
                natural_cubic(&sites, v, m, lo, s0, out);
            }
            InterpMethod::Lagrange(order) => {
                let first = |s| lagrange_first_node(&sites, order, s);
                let (lo, hi) = (first(s0), first(last) + order + 1);
                let v = read(&mut self.store, 0, lo..hi, &mut self.values)?;
                lagrange(&sites, order, v, lo, s0, out);
            }
            InterpMethod::Poly { degree, block } => {
                let blocks = poly_blocks_around(k, block, &sites, s0, last);
                let (lo, hi) = match (blocks.first(), blocks.last()) {
                    (Some(&(lo, _)), Some(&(_, hi))) => (lo, hi + 1),
                    _ => unreachable!("every sample lies in a block"),
                };
                let v = read(&mut self.store, 0, lo..hi, &mut self.values)?;
                block_polynomials(&sites, &blocks, v, lo, degree, s0, out);
            }
            InterpMethod::Linear | InterpMethod::Cubic => {
                // The piecewise linear spline (`cubic` through two knots is their line); of
                // degree 0 for a one-sample signal.
                let knots = Knots {
                    sites,
                    degree: usize::from(k > 1),
                };
                let (lo, hi) = knots.coefficient_range(s0, last);
                let coefs = read(&mut self.store, 0, lo..hi, &mut self.values)?;
                knots.evaluate(coefs, lo, s0, out);
            }
        }
        Ok(())
    }
}

/// Entries `section + range` of `store` into `buf`.
fn read<'b, S: KnotStore>(
    store: &mut S,
    section: usize,
    range: Range<usize>,
    buf: &'b mut Vec<f64>,
) -> Result<&'b [f64]> {
    buf.resize(range.len(), 0.0);
    store.read(section + range.start, buf)?;
    Ok(buf)
}

/// The forward sweep of the natural spline's tridiagonal system, knot by knot (Thomas
/// algorithm): interior unknown `j` (knot `j + 1`) has diagonal `2(h_j + h_{j+1})` and
/// right-hand side `6(Δ_{j+1} − Δ_j)` (`h_j = t_{j+1} − t_j`, `Δ_j = (v_{j+1} − v_j)/h_j`), less
/// `f = h_j/diag_{j−1}` times row `j − 1`. Rows `(diag_j, rhs_j)` are written in order.
#[derive(Default)]
struct NaturalRows {
    /// The last two knot values.
    last: [f64; 2],
    /// The previous eliminated row `(diag, rhs)`.
    previous: (f64, f64),
    /// The first row of the rows staged since the last write.
    staged_from: usize,
    /// Rows eliminated.
    rows: usize,
}

impl NaturalRows {
    /// Knot `i` with value `v`; its row (that of knot `i − 1`) into `staged`.
    fn take(&mut self, sites: &Sites, i: usize, v: f64, staged: &mut Vec<f64>) {
        if i >= 2 {
            let j = i - 2;
            let h0 = sites.t(j + 1) - sites.t(j);
            let h1 = sites.t(j + 2) - sites.t(j + 1);
            let slope0 = (self.last[1] - self.last[0]) / h0;
            let slope1 = (v - self.last[1]) / h1;
            let mut diag = 2.0 * (h0 + h1);
            let mut rhs = 6.0 * (slope1 - slope0);
            if j >= 1 {
                let f = h0 / self.previous.0;
                diag -= f * h0;
                rhs -= f * self.previous.1;
            }
            self.previous = (diag, rhs);
            staged.extend([diag, rhs]);
            self.rows += 1;
        }
        self.last = [self.last[1], v];
    }

    /// The index in the rows section of the rows staged since the last call, which are being
    /// written; the next ones follow them.
    fn flush_at(&mut self) -> usize {
        let at = 2 * self.staged_from;
        self.staged_from = self.rows;
        at
    }
}

/// Back substitution of the natural spline's system, from the last interior row:
/// `M_{j+1} = (rhs_j − h_{j+1}·M_{j+2}) / diag_j`, `M_0 = M_{k−1} = 0`; the `M` go to the
/// coefficient section. The rows are read `piece` at a time.
fn natural_back_substitution<S: KnotStore>(
    sites: &Sites,
    store: &mut S,
    piece: usize,
) -> Result<()> {
    let k = sites.count;
    let interior = k - 2;
    let mut rows = vec![0.0; 2 * piece.min(interior)];
    let mut m = vec![0.0; piece.min(interior)];
    store.write(k, &[0.0])?;
    store.write(2 * k - 1, &[0.0])?;
    let mut next = 0.0; // M_{j+2}
    let mut end = interior;
    while end > 0 {
        let start = end.saturating_sub(piece);
        let rows = &mut rows[..2 * (end - start)];
        store.read(2 * k + 2 * start, rows)?;
        let m = &mut m[..end - start];
        for j in (start..end).rev() {
            let upper = if j + 1 < interior {
                (sites.t(j + 2) - sites.t(j + 1)) * next
            } else {
                0.0
            };
            let (diag, rhs) = (rows[2 * (j - start)], rows[2 * (j - start) + 1]);
            next = (rhs - upper) / diag;
            m[j - start] = next;
        }
        store.write(k + start + 1, m)?;
        end = start;
    }
    Ok(())
}

/// The knot vector of a B-spline of `degree` 0 to 3 through the sites, as SciPy's
/// `make_interp_spline` places it: the ends repeated `degree + 1` times; inside, the sites
/// (degree 1), the midpoints between sites but the outer two (2), the sites but the second
/// and the second-to-last (3: not-a-knot). `count + degree + 1` knots, `count` basis functions.
#[derive(Clone, Copy)]
struct Knots {
    sites: Sites,
    degree: usize,
}

impl Knots {
    fn knot(&self, j: usize) -> f64 {
        let (p, k) = (self.degree, self.sites.count);
        if j <= p {
            self.sites.t(0)
        } else if j >= k {
            self.sites.t(k - 1)
        } else {
            match p {
                1 => self.sites.t(j - 1),
                2 => 0.5 * (self.sites.t(j - 2) + self.sites.t(j - 1)),
                _ => self.sites.t(j - 2),
            }
        }
    }

    /// The knot span `j` (`p ≤ j < count`) with `knot(j) ≤ x < knot(j + 1)`; the last span
    /// for `x` at the right end.
    fn span(&self, x: f64) -> usize {
        let (p, nb) = (self.degree, self.sites.count);
        if x >= self.knot(nb) {
            return nb - 1;
        }
        if x <= self.knot(p) {
            return p;
        }
        // Largest j ≤ nb with knot(j) ≤ x (the knots do not decrease).
        let (mut lo, mut hi) = (0, nb + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.knot(mid) <= x {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo - 1).clamp(p, nb - 1)
    }

    /// The span of `x` from the span of an earlier point: the same as [`Self::span`], since
    /// the knots do not decrease.
    fn advance(&self, mut span: usize, x: f64) -> usize {
        while span + 1 < self.sites.count && self.knot(span + 1) <= x {
            span += 1;
        }
        span
    }

    /// The coefficients samples `s0 ..= last` read.
    fn coefficient_range(&self, s0: usize, last: usize) -> (usize, usize) {
        let p = self.degree;
        let first = self.span(s0 as f64) - p;
        (first, self.span(last as f64) + 1)
    }

    /// Cox–de Boor: the `p + 1` non-zero basis functions `N_{span−p..=span, p}(x)` (The NURBS
    /// Book, A2.2).
    fn basis(&self, span: usize, x: f64, out: &mut [f64]) {
        let p = self.degree;
        let mut left = [0.0; 4];
        let mut right = [0.0; 4];
        out[0] = 1.0;
        for j in 1..=p {
            left[j] = x - self.knot(span + 1 - j);
            right[j] = self.knot(span + j) - x;
            let mut saved = 0.0;
            for r in 0..j {
                let temp = out[r] / (right[r + 1] + left[j - r]);
                out[r] = saved + right[r + 1] * temp;
                saved = left[j - r] * temp;
            }
            out[j] = saved;
        }
    }

    /// Samples `s0 .. s0 + out.len()` of the spline whose coefficients from `first` on are
    /// `coefs`.
    fn evaluate(&self, coefs: &[f64], first: usize, s0: usize, out: &mut [f64]) {
        let p = self.degree;
        let mut basis = [0.0; 4];
        let basis = &mut basis[..=p];
        let mut span = self.span(s0 as f64);
        for (s, o) in (s0..).zip(out.iter_mut()) {
            let x = s as f64;
            span = self.advance(span, x);
            self.basis(span, x, basis);
            *o = basis
                .iter()
                .enumerate()
                .map(|(r, b)| b * coefs[span - p + r - first])
                .sum();
        }
    }
}

/// The B-spline collocation system `N(t_i)·c = v_i`, eliminated row by row as the knots
/// arrive (Gaussian elimination without pivoting, safe for B-spline collocation matrices,
/// which are totally positive). Row `i` has the band `i − w ..= i + w`; it is reduced by rows
/// `i − w … i − 1` in order (what the row-by-row elimination of the whole matrix does to it),
/// and row `r` is written (`c_r`'s diagonal and the `w` entries right of it, then its
/// right-hand side: `w + 2` values) once row `r + w` no longer needs it.
struct BandRows {
    knots: Knots,
    w: usize,
    /// The rows not written yet, oldest first.
    open: VecDeque<BandRow>,
    /// The first row of the rows staged since the last write.
    staged_from: usize,
    /// Rows staged so far.
    staged_to: usize,
}

/// The widest band of [`BandRows`]: the cubic B-spline's.
const MAX_BAND: usize = 3;

/// One row of the band system: its index `i`, its band (`2w + 1` values from column `i − w`)
/// and its right-hand side.
struct BandRow {
    index: usize,
    band: [f64; 2 * MAX_BAND + 1],
    rhs: f64,
}

impl BandRow {
    /// Entry `(index, j)` of a row of band `w` in an `n × n` matrix (0 outside both).
    fn get(&self, w: usize, n: usize, j: usize) -> f64 {
        let i = self.index;
        if j + w < i || j > i + w || j >= n {
            0.0
        } else {
            self.band[j + w - i]
        }
    }
}

impl BandRows {
    fn new(sites: Sites, degree: usize) -> Self {
        debug_assert!(degree <= MAX_BAND);
        BandRows {
            knots: Knots { sites, degree },
            w: degree,
            open: VecDeque::with_capacity(degree + 1),
            staged_from: 0,
            staged_to: 0,
        }
    }

    /// Knot `i` with value `v`: its row, reduced; rows no longer needed into `staged`.
    fn take(&mut self, i: usize, v: f64, staged: &mut Vec<f64>) -> Result<()> {
        let (p, w, n) = (self.knots.degree, self.w, self.knots.sites.count);
        let ti = self.knots.sites.t(i);
        let span = self.knots.span(ti);
        let mut basis = [0.0; 4];
        self.knots.basis(span, ti, &mut basis[..=p]);
        let mut row = BandRow {
            index: i,
            band: [0.0; 2 * MAX_BAND + 1],
            rhs: v,
        };
        for (r, &bv) in basis[..=p].iter().enumerate() {
            row.band[span - p + r + w - i] = bv;
        }
        for pivot_row in &self.open {
            let k = pivot_row.index;
            let f = row.get(w, n, k) / pivot_row.get(w, n, k);
            if f == 0.0 {
                continue;
            }
            for j in k..(k + w + 1).min(n) {
                let value = row.get(w, n, j) - f * pivot_row.get(w, n, j);
                if j + w >= i && j <= i + w {
                    row.band[j + w - i] = value;
                }
            }
            row.rhs -= f * pivot_row.rhs;
        }
        if row.get(w, n, i).abs() < 1e-300 {
            return Err(Error::Numerical(
                "singular spline collocation matrix".into(),
            ));
        }
        self.open.push_back(row);
        if self.open.len() > w {
            self.stage_front(staged);
        }
        Ok(())
    }

    /// Stage the oldest open row.
    fn stage_front(&mut self, staged: &mut Vec<f64>) {
        let (w, n) = (self.w, self.knots.sites.count);
        let row = self.open.pop_front().expect("an open row");
        let r = row.index;
        staged.extend((r..=r + w).map(|j| row.get(w, n, j)));
        staged.push(row.rhs);
        self.staged_to += 1;
    }

    /// Stage every open row (after the last knot).
    fn finish(&mut self, staged: &mut Vec<f64>) {
        while !self.open.is_empty() {
            self.stage_front(staged);
        }
    }

    /// The index in the rows section of the rows staged since the last call, which are being
    /// written; the next ones follow them.
    fn flush_at(&mut self) -> usize {
        let at = (self.w + 2) * self.staged_from;
        self.staged_from = self.staged_to;
        at
    }
}

/// Back substitution of the eliminated band system, from the last row:
/// `c_r = (rhs_r − Σ_{j=r+1}^{min(r+w, n−1)} a_rj·c_j) / a_rr`; the `c` go to the
/// coefficient section. The rows are read `piece ≥ w` at a time.
fn band_back_substitution<S: KnotStore>(
    n: usize,
    w: usize,
    store: &mut S,
    piece: usize,
) -> Result<()> {
    let width = w + 2;
    let mut rows = vec![0.0; width * piece.min(n)];
    let mut c = vec![0.0; piece.min(n)];
    // The solution right of the piece being solved: c_{end .. end + w}.
    let mut right: VecDeque<f64> = VecDeque::with_capacity(w);
    let mut end = n;
    while end > 0 {
        let start = end.saturating_sub(piece);
        let rows = &mut rows[..width * (end - start)];
        store.read(2 * n + width * start, rows)?;
        let c = &mut c[..end - start];
        for r in (start..end).rev() {
            let row = &rows[width * (r - start)..width * (r - start + 1)];
            let hi = (r + w + 1).min(n);
            let solution = |j: usize| {
                if j < end {
                    c[j - start]
                } else {
                    right[j - end]
                }
            };
            let s = row[w + 1] - (r + 1..hi).map(|j| row[j - r] * solution(j)).sum::<f64>();
            c[r - start] = s / row[0];
        }
        store.write(n + start, c)?;
        right.clear();
        right.extend(c.iter().take(w));
        end = start;
    }
    Ok(())
}

/// Samples `s0 .. s0 + out.len()` of the natural cubic spline through the sites with values
/// `v` and second derivatives `m` (knots `first ..` on).
fn natural_cubic(sites: &Sites, v: &[f64], m: &[f64], first: usize, s0: usize, out: &mut [f64]) {
    for (s, o) in (s0..).zip(out.iter_mut()) {
        let x = s as f64;
        let i = sites.interval(s);
        let (ti, ti1) = (sites.t(i), sites.t(i + 1));
        let (a, b) = (ti1 - x, x - ti);
        let hi = ti1 - ti;
        let l = i - first;
        *o = m[l] * a * a * a / (6.0 * hi)
            + m[l + 1] * b * b * b / (6.0 * hi)
            + (v[l] / hi - m[l] * hi / 6.0) * a
            + (v[l + 1] / hi - m[l + 1] * hi / 6.0) * b;
    }
}

/// The first of the `order + 1` knots through which Lagrange interpolation runs at sample
/// `s`: centred on its interval, shifted inwards at the ends.
fn lagrange_first_node(sites: &Sites, order: usize, s: usize) -> usize {
    let i = sites.interval(s);
    (i + 1)
        .saturating_sub(order.div_ceil(2))
        .min(sites.count - 1 - order)
}

/// Samples `s0 .. s0 + out.len()` of local Lagrange interpolation of `order` (knot values `v`
/// from knot `first` on).
fn lagrange(sites: &Sites, order: usize, v: &[f64], first: usize, s0: usize, out: &mut [f64]) {
    let mut nodes = vec![0.0; order + 1];
    let mut nodes_from = usize::MAX;
    for (s, o) in (s0..).zip(out.iter_mut()) {
        let x = s as f64;
        let j0 = lagrange_first_node(sites, order, s);
        if j0 != nodes_from {
            for (node, j) in nodes.iter_mut().zip(j0..) {
                *node = sites.t(j);
            }
            nodes_from = j0;
        }
        let vals = &v[j0 - first..=j0 - first + order];
        *o = nodes
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
            .sum();
    }
}

/// The blocks of `poly`: knots `start ..= end`, `block` intervals each from knot 0 (block `b`
/// starts at knot `b·block`), a short final block merged into the one before.
fn poly_blocks(k: usize, block: usize) -> impl Iterator<Item = (usize, usize)> {
    poly_blocks_from(k, block, 0)
}

fn poly_blocks_from(k: usize, block: usize, start: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut start = Some(start).filter(|&s| s < k - 1);
    std::iter::from_fn(move || {
        let s = start?;
        let mut end = (s + block).min(k - 1);
        if k - 1 - end < block / 2 {
            end = k - 1;
        }
        start = Some(end).filter(|&e| e < k - 1);
        Some((s, end))
    })
}

/// The blocks whose samples `t(start) ..= t(end)` meet samples `s0 ..= last`, in order.
fn poly_blocks_around(
    k: usize,
    block: usize,
    sites: &Sites,
    s0: usize,
    last: usize,
) -> Vec<(usize, usize)> {
    // The block of s0's interval starts at most one block before it (the merged last block).
    let from = (sites.interval(s0) / block).saturating_sub(1) * block;
    poly_blocks_from(k, block, from)
        .skip_while(|&(_, end)| sites.site(end) < s0)
        .take_while(|&(start, _)| sites.site(start) <= last)
        .collect()
}

/// Samples `s0 .. s0 + out.len()` of the least-squares polynomials of `degree` on `blocks`
/// (knot values `v` from knot `first` on); a sample shared by two blocks takes the later.
fn block_polynomials(
    sites: &Sites,
    blocks: &[(usize, usize)],
    v: &[f64],
    first: usize,
    degree: usize,
    s0: usize,
    out: &mut [f64],
) {
    let last = s0 + out.len() - 1;
    for &(start, end) in blocks {
        let pts = end - start + 1;
        let deg = degree.min(pts - 1);
        // Local coordinate u in [−1, 1] keeps the Vandermonde matrix well conditioned.
        let (a, b) = (sites.t(start), sites.t(end));
        let scale = 2.0 / (b - a);
        let a_mat = Mat::from_fn(pts, deg + 1, |r, c| {
            ((sites.t(start + r) - a) * scale - 1.0).powi(c as i32)
        });
        let rhs = Mat::from_fn(pts, 1, |r, _| v[start + r - first]);
        let coef = a_mat.qr().solve_lstsq(&rhs);
        let lo = sites.site(start).max(s0);
        let hi = sites.site(end).min(last);
        for s in lo..=hi {
            let u = (s as f64 - a) * scale - 1.0;
            // Horner.
            out[s - s0] = (0..=deg).rev().fold(0.0, |acc, c| acc * u + coef[(c, 0)]);
        }
    }
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
        // Odd lengths: the last knot interval is short. The second has more knots than a piece
        // of the back substitution.
        for n in [1003, 10 * PIECE + 2003] {
            reproduce_polynomials(n);
        }
    }

    fn reproduce_polynomials(n: usize) {
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

    fn all_methods() -> Vec<InterpMethod> {
        vec![
            InterpMethod::Linear,
            InterpMethod::Quadratic,
            InterpMethod::Cubic,
            InterpMethod::CubicNotAKnot,
            InterpMethod::Lagrange(1),
            InterpMethod::Lagrange(4),
            InterpMethod::Poly {
                degree: 3,
                block: 16,
            },
            InterpMethod::Poly {
                degree: 2,
                block: 5,
            },
        ]
    }

    #[test]
    fn intervals_are_the_counts_of_sites_before() {
        for (n, factor) in [
            (1, 1),
            (2, 5),
            (10, 3),
            (10, 9),
            (13, 4),
            (100, 7),
            (101, 10),
        ] {
            let idx = knot_indices(n, factor).unwrap();
            let sites = Sites::new(n, factor).unwrap();
            assert_eq!(sites.count, idx.len());
            if idx.len() < 2 {
                continue;
            }
            for s in 0..n {
                let before = idx.partition_point(|&i| i <= s);
                assert_eq!(sites.interval(s), (before.max(1) - 1).min(idx.len() - 2));
            }
        }
    }

    /// The streamed job's way: samples pushed in uneven pieces, the system kept in a temporary
    /// file and solved in pieces of 7 rows, samples evaluated in uneven ranges, from the last.
    #[test]
    fn pieces_through_a_temporary_file_equal_the_whole_signal_bit_for_bit() {
        let n = 3001;
        let x: Vec<f64> = (0..n)
            .map(|i| {
                let t = i as f64;
                (t * 0.013).sin() + 0.3 * (t * 0.171).cos() + 1e-3 * ((i * 7919) % 101) as f64
            })
            .collect();
        let cuts = [0, 1, 77, 409, 2000, 2001, 2500, n];
        for method in all_methods() {
            for factor in [2, 3] {
                let whole = decimate_and_interpolate(&x, factor, method).unwrap();
                let store = crate::stream::TempArray::new().unwrap();
                let mut job = Reconstruction::new(n, factor, method, store).unwrap();
                job.piece = 7;
                for w in cuts.windows(2) {
                    job.push(&x[w[0]..w[1]]).unwrap();
                }
                job.solve().unwrap();
                let mut y = vec![f64::NAN; n];
                for w in cuts.windows(2).rev() {
                    job.evaluate(w[0]..w[1], &mut y[w[0]..w[1]]).unwrap();
                }
                let same = y
                    .iter()
                    .zip(&whole.signal)
                    .all(|(a, b)| a.to_bits() == b.to_bits());
                assert!(same, "{method:?}, factor {factor}");
                assert_eq!(job.stored_real_values(), whole.stored_real_values);
            }
        }
    }

    #[test]
    fn pushes_and_ranges_out_of_turn_are_refused() {
        let x = vec![0.5; 100];
        let mut job = Reconstruction::new(100, 3, InterpMethod::Cubic, Vec::new()).unwrap();
        job.push(&x[..60]).unwrap();
        let mut y = vec![0.0; 10];
        assert!(
            job.evaluate(0..10, &mut y).is_err(),
            "evaluated before solving"
        );
        assert!(job.solve().is_err(), "solved with samples missing");
        assert!(job.push(&x).is_err(), "more samples than announced");
        job.push(&x[60..]).unwrap();
        job.solve().unwrap();
        assert!(
            job.evaluate(95..105, &mut y).is_err(),
            "a range past the end"
        );
        job.evaluate(90..100, &mut y).unwrap();
        assert!(y.iter().all(|&v| (v - 0.5).abs() < 1e-12));
    }

    #[test]
    fn bad_parameters() {
        let x = vec![0.0; 10];
        assert!(decimate_and_interpolate(&x, 0, InterpMethod::Linear).is_err());
        assert!(decimate_and_interpolate(&x, 9, InterpMethod::CubicNotAKnot).is_err());
        assert!("sinc".parse::<InterpKind>().is_err());
    }
}
