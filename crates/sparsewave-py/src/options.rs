//! Keyword arguments into the library's parameter types. A keyword left at `None` takes the
//! library's default, so the Python defaults are the command line's by construction.

use crate::errors::{invalid, to_py};
use pyo3::prelude::*;
use sparsewave::compress::params::{Lattice, LatticeChoice};
use sparsewave::compress::sparsify::Keep;
use sparsewave::SampleFormat;
use std::str::FromStr;

/// A named choice (`method="wsvd"`, `window="hann"`, `wavelet="db5"`, …) parsed by the
/// library, or `default` when not given.
pub fn choice<T: FromStr<Err = sparsewave::Error>>(given: Option<&str>, default: T) -> PyResult<T> {
    given.map_or(Ok(default), |s| s.parse().map_err(to_py))
}

/// A value that Python may give as one item or as a sequence (`window=200` or
/// `window=[150, 100, 100]`): the per-band lists of WSVD.
#[derive(FromPyObject)]
pub enum OneOrMany<T> {
    /// One value for every band.
    One(T),
    /// One value per band.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values as a list.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A keep fraction: a number in (0, 1] or a string such as `"4%"` / `"0.04"`.
#[derive(FromPyObject)]
pub enum KeepArg {
    /// `keep=0.04`.
    Fraction(f64),
    /// `keep="4%"`.
    Text(String),
}

impl KeepArg {
    /// The library's [`Keep::Fraction`], validated.
    pub fn keep(self) -> PyResult<Keep> {
        let keep = match self {
            KeepArg::Fraction(f) => Keep::Fraction(f),
            KeepArg::Text(s) => s.parse().map_err(to_py)?,
        };
        keep.validate().map_err(to_py)?;
        Ok(keep)
    }

    /// The fraction itself.
    pub fn fraction(self) -> PyResult<f64> {
        match self.keep()? {
            Keep::Fraction(f) => Ok(f),
            other => Err(invalid("keep", format!("{other:?} is not a fraction"))),
        }
    }
}

/// A PGBZ lattice: `"665x665"` or `(665, 665)`; for `compress` also a rule, `"fast"` or
/// `"paper"`.
#[derive(FromPyObject)]
pub enum LatticeArg {
    /// `(M, N)`.
    Pair(usize, usize),
    /// `"MxN"`.
    Text(String),
}

impl LatticeArg {
    /// The library's [`Lattice`].
    pub fn lattice(self) -> PyResult<Lattice> {
        match self {
            LatticeArg::Pair(m, n) => Ok(Lattice { m, n }),
            LatticeArg::Text(s) => s.parse().map_err(to_py),
        }
    }

    /// The library's [`LatticeChoice`]: a rule by name or this lattice.
    pub fn choice(self) -> PyResult<LatticeChoice> {
        match self {
            LatticeArg::Pair(m, n) => Ok(LatticeChoice::Explicit(Lattice { m, n })),
            LatticeArg::Text(s) => s.parse().map_err(to_py),
        }
    }
}

/// A WAV sample format: `16`, `24`, `32`, `8` or `"32f"` (and the same numbers as strings).
#[derive(FromPyObject)]
pub enum BitsArg {
    /// `bits=16`.
    Number(u32),
    /// `bits="32f"`.
    Text(String),
}

impl BitsArg {
    /// The library's [`SampleFormat`].
    pub fn format(self) -> PyResult<SampleFormat> {
        match self {
            BitsArg::Number(n) => n.to_string().parse().map_err(to_py),
            BitsArg::Text(s) => s.parse().map_err(to_py),
        }
    }
}

/// An optional named choice that has no default (the library's `None` means "the preset's" or
/// "none").
pub fn optional<T: FromStr<Err = sparsewave::Error>>(given: Option<&str>) -> PyResult<Option<T>> {
    given.map(|s| s.parse().map_err(to_py)).transpose()
}
