//! Analysis windows: Hann, Hamming, 4-term Blackman–Harris and Gaussian, periodic or symmetric.
//!
//! A symmetric window of length N samples the continuous window at n = 0..N−1 over a period of
//! N − 1 (first and last samples equal); a periodic window uses a period of N (it is the
//! symmetric window of length N + 1 without its last sample), which is what spectral analysis
//! with overlap-add wants (scipy's `sym=False`, librosa's `fftbins=True`).

use crate::{Error, Result};
use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

/// The window families.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub enum WindowKind {
    /// w(x) = 0.5 − 0.5 cos(2πx).
    Hann,
    /// w(x) = 0.54 − 0.46 cos(2πx).
    Hamming,
    /// 4-term Blackman–Harris (Harris 1978, −92 dB sidelobes):
    /// 0.35875 − 0.48829 cos 2πx + 0.14128 cos 4πx − 0.01168 cos 6πx.
    BlackmanHarris,
    /// exp(−½ ((n − c)/σ)²) with σ = `std_fraction` · N samples (scipy's `gaussian(N, σ)`).
    Gaussian {
        /// σ as a fraction of the window length `N`.
        std_fraction: f64,
    },
}

/// Periodic (for spectral analysis) or symmetric (for filter design) sampling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Symmetry {
    /// DFT-even: the `len`-sample window is the first `len` samples of a `len + 1` symmetric one
    /// (for spectral analysis and overlap-add).
    Periodic,
    /// Symmetric about its centre (for filter design).
    Symmetric,
}

impl WindowKind {
    /// The window of `len` samples.
    pub fn build(self, len: usize, symmetry: Symmetry) -> Result<Vec<f64>> {
        if len == 0 {
            return Err(Error::param("window length", "must be at least 1"));
        }
        if let WindowKind::Gaussian { std_fraction } = self {
            if !(std_fraction.is_finite() && std_fraction > 0.0) {
                return Err(Error::param(
                    "gaussian window",
                    "the standard deviation must be positive",
                ));
            }
        }
        if len == 1 {
            return Ok(vec![1.0]);
        }
        // Period of the cosine terms, and the centre for the Gaussian.
        let period = match symmetry {
            Symmetry::Periodic => len as f64,
            Symmetry::Symmetric => (len - 1) as f64,
        };
        let cosine_sum = |a: &[f64], n: usize| {
            let x = 2.0 * PI * n as f64 / period;
            a.iter()
                .enumerate()
                .map(|(k, &ak)| if k % 2 == 0 { ak } else { -ak } * (k as f64 * x).cos())
                .sum::<f64>()
        };
        Ok((0..len)
            .map(|n| match self {
                WindowKind::Hann => cosine_sum(&[0.5, 0.5], n),
                WindowKind::Hamming => cosine_sum(&[0.54, 0.46], n),
                WindowKind::BlackmanHarris => cosine_sum(&[0.35875, 0.48829, 0.14128, 0.01168], n),
                WindowKind::Gaussian { std_fraction } => {
                    let sigma = std_fraction * len as f64;
                    let d = n as f64 - period / 2.0;
                    (-0.5 * (d / sigma).powi(2)).exp()
                }
            })
            .collect())
    }
}

impl FromStr for WindowKind {
    type Err = Error;

    /// `hann`, `hamming`, `blackman-harris` (or `blackmanharris`), `gaussian` (σ = N/8) or
    /// `gaussian:F` (σ = F·N).
    fn from_str(s: &str) -> Result<Self> {
        let lower = s.to_ascii_lowercase();
        match lower.as_str() {
            "hann" | "hanning" => Ok(WindowKind::Hann),
            "hamming" => Ok(WindowKind::Hamming),
            "blackman-harris" | "blackmanharris" | "bh" => Ok(WindowKind::BlackmanHarris),
            "gaussian" => Ok(WindowKind::Gaussian {
                std_fraction: 0.125,
            }),
            _ => {
                if let Some(f) = lower.strip_prefix("gaussian:") {
                    let std_fraction: f64 = f.parse().map_err(|_| {
                        Error::param("window", format!("'{f}' is not a number in '{s}'"))
                    })?;
                    return Ok(WindowKind::Gaussian { std_fraction });
                }
                Err(Error::param(
                    "window",
                    format!("'{s}' is not one of hann, hamming, blackman-harris, gaussian[:F]"),
                ))
            }
        }
    }
}

impl fmt::Display for WindowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WindowKind::Hann => write!(f, "hann"),
            WindowKind::Hamming => write!(f, "hamming"),
            WindowKind::BlackmanHarris => write!(f, "blackman-harris"),
            WindowKind::Gaussian { std_fraction } => write!(f, "gaussian:{std_fraction}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_is_symmetric_of_one_more_without_last() {
        for kind in [
            WindowKind::Hann,
            WindowKind::Hamming,
            WindowKind::BlackmanHarris,
            WindowKind::Gaussian { std_fraction: 0.2 },
        ] {
            let p = kind.build(16, Symmetry::Periodic).unwrap();
            let s = kind.build(17, Symmetry::Symmetric).unwrap();
            // The Gaussian's σ is relative to its own length, so compare cosine windows only.
            if !matches!(kind, WindowKind::Gaussian { .. }) {
                for (a, b) in p.iter().zip(&s) {
                    assert!((a - b).abs() < 1e-15);
                }
            }
            // Symmetric windows are mirror images of themselves.
            for n in 0..17 {
                assert!((s[n] - s[16 - n]).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn closed_form_values() {
        let h = WindowKind::Hann.build(4, Symmetry::Periodic).unwrap();
        for (a, b) in h.iter().zip([0.0, 0.5, 1.0, 0.5]) {
            assert!((a - b).abs() < 1e-15);
        }
        let bh = WindowKind::BlackmanHarris
            .build(3, Symmetry::Symmetric)
            .unwrap();
        // Ends: a0 − a1 + a2 − a3; middle: a0 + a1 + a2 + a3 = 1.
        assert!((bh[0] - 6.0e-5).abs() < 1e-15);
        assert!((bh[1] - 1.0).abs() < 1e-15);
        let hm = WindowKind::Hamming.build(5, Symmetry::Symmetric).unwrap();
        assert!((hm[0] - 0.08).abs() < 1e-15 && (hm[2] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn parse_names() {
        assert_eq!(
            "Blackman-Harris".parse::<WindowKind>().unwrap(),
            WindowKind::BlackmanHarris
        );
        assert!("kaiser".parse::<WindowKind>().is_err());
        assert_eq!(
            "gaussian:0.1".parse::<WindowKind>().unwrap(),
            WindowKind::Gaussian { std_fraction: 0.1 }
        );
    }
}
