//! The memory budget: sizes that come from a file or a parameter are checked against it
//! before anything that large is allocated, so that a hostile or mistaken value (an `n_fft` of
//! 2³⁰, a 99999 × 99999 lattice, an endless input stream) is refused with the estimate and the
//! limit instead of being killed by the operating system.
//!
//! The limit is the process's: [`set_limit`] (the command line's `--max-memory`), or else the
//! memory the machine has available now (`MemAvailable` in `/proc/meminfo`; no limit where that
//! is unknown). Estimates are of the largest buffers a step holds at once, not exact counts.

use crate::{Error, Result};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

/// 0 = not set: use the machine's available memory.
static LIMIT: AtomicU64 = AtomicU64::new(0);

/// Set the process's memory limit in bytes (`None`: the machine's available memory).
pub fn set_limit(limit: Option<ByteSize>) {
    LIMIT.store(limit.map_or(0, |b| b.0.max(1)), Ordering::Relaxed);
}

/// Where the memory limit comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitOrigin {
    /// Set for the process with [`set_limit`] (the command line's `--max-memory`).
    Set,
    /// The memory the machine had available at the check (or none known: no limit).
    Available,
}

/// How an [`Error::OutOfMemory`] message ends for each [`LimitOrigin`], after the limit: callers
/// that name the setting (a command line's flag) can find it in a message that carries the
/// refusal as text (a decoder's error about its file).
pub const SET_LIMIT_TAIL: &str = "set for this process";
/// See [`SET_LIMIT_TAIL`].
pub const AVAILABLE_LIMIT_TAIL: &str = "of memory available on this machine";

/// The memory limit in bytes and where it comes from: [`set_limit`]'s, or the machine's
/// available memory, or `u64::MAX` when neither is known.
pub fn limit() -> (u64, LimitOrigin) {
    match LIMIT.load(Ordering::Relaxed) {
        0 => (available().unwrap_or(u64::MAX), LimitOrigin::Available),
        set => (set, LimitOrigin::Set),
    }
}

/// The machine's available memory (`MemAvailable`), where the system reports it.
fn available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Refuse a step whose buffers need about `bytes` (f64 so that products of sizes cannot
/// overflow) when that exceeds [`limit`]; `task` says what would need them.
pub fn check(task: impl FnOnce() -> String, bytes: f64) -> Result<()> {
    let (limit, origin) = limit();
    if bytes.is_finite() && bytes <= limit as f64 {
        return Ok(());
    }
    Err(Error::OutOfMemory {
        task: task(),
        needed: ByteSize(if bytes.is_finite() && bytes < u64::MAX as f64 {
            bytes as u64
        } else {
            u64::MAX
        }),
        limit: ByteSize(limit),
        origin,
    })
}

/// `len` zeros of a plain numeric type (`f64`, `Complex64`, …) for a large buffer that the
/// caller is about to fill: allocated zeroed (calloc), so the operating system maps zero pages
/// lazily, no zeros are written here, and the threads that fill the buffer take its page
/// faults in parallel (`vec![Complex64::default(); n]` writes every zero on one thread first:
/// filling the 85 MB spectrogram of 60 s took 92–100 ms that way against 53–78 ms).
pub fn zeroed_vec<T: bytemuck::Zeroable>(len: usize) -> Vec<T> {
    bytemuck::zeroed_vec(len)
}

/// A number of bytes, printed in binary units (`1.5 GiB`) and parsed from `4G`, `512M`,
/// `1.5GiB`, `800MB` or a plain count of bytes (K, M, G, T are powers of 1024).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
        let mut value = self.0 as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 {
            write!(f, "{} B", self.0)
        } else {
            write!(f, "{value:.1} {}", UNITS[unit])
        }
    }
}

impl FromStr for ByteSize {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::param(
                "max_memory",
                format!("'{s}' is not a size (examples: 4G, 512M, 1.5GiB, 1000000)"),
            )
        };
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let number: f64 = number.parse().map_err(|_| bad())?;
        let shift = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 0,
            "k" | "kb" | "kib" => 10,
            "m" | "mb" | "mib" => 20,
            "g" | "gb" | "gib" => 30,
            "t" | "tb" | "tib" => 40,
            _ => return Err(bad()),
        };
        let bytes = number * (1_u64 << shift) as f64;
        if !(bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64) {
            return Err(bad());
        }
        Ok(ByteSize(bytes as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units_and_print_back() {
        assert_eq!("4G".parse::<ByteSize>().unwrap(), ByteSize(4 << 30));
        assert_eq!("512 MiB".parse::<ByteSize>().unwrap(), ByteSize(512 << 20));
        assert_eq!("1.5gb".parse::<ByteSize>().unwrap(), ByteSize(3 << 29));
        assert_eq!("1000".parse::<ByteSize>().unwrap(), ByteSize(1000));
        for bad in ["", "G", "-1G", "4X", "1e9", "0"] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
        assert_eq!(ByteSize(3 << 29).to_string(), "1.5 GiB");
        assert_eq!(ByteSize(999).to_string(), "999 B");
    }

    #[test]
    fn a_refusal_says_where_its_limit_comes_from() {
        let refusal = |origin| {
            Error::OutOfMemory {
                task: "the plan".into(),
                needed: ByteSize(3 << 30),
                limit: ByteSize(1 << 30),
                origin,
            }
            .to_string()
        };
        assert_eq!(
            refusal(LimitOrigin::Set),
            "the plan needs about 3.0 GiB of memory, more than the limit of 1.0 GiB set for \
             this process"
        );
        assert_eq!(
            refusal(LimitOrigin::Available),
            "the plan needs about 3.0 GiB of memory, more than the 1.0 GiB of memory available \
             on this machine"
        );
        // No test sets the process's limit: an estimate beyond any is refused against the
        // machine's.
        assert!(matches!(
            check(|| "everything".into(), f64::INFINITY),
            Err(Error::OutOfMemory {
                origin: LimitOrigin::Available,
                needed: ByteSize(u64::MAX),
                ..
            })
        ));
    }

    #[test]
    fn zeroed_buffers_are_zero_and_writable() {
        for len in [0, 1, 1000, 1 << 20] {
            let mut v: Vec<f64> = zeroed_vec(len);
            assert_eq!(v.len(), len);
            assert!(v.iter().all(|&x| x == 0.0));
            v.iter_mut().enumerate().for_each(|(i, x)| *x = i as f64);
            assert!(v.iter().enumerate().all(|(i, &x)| x == i as f64));
        }
        let c: Vec<num_complex::Complex64> = zeroed_vec(1 << 20);
        assert!(c.iter().all(|z| z.re == 0.0 && z.im == 0.0));
    }

    #[test]
    fn the_machine_reports_its_available_memory() {
        // Every machine this project runs on is Linux with /proc/meminfo.
        let bytes = available().expect("MemAvailable");
        assert!(bytes > 1 << 20, "{bytes}");
    }

    #[test]
    fn an_estimate_above_the_limit_is_refused_with_both_figures() {
        let e = check(|| "a test buffer".into(), 1e30)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a test buffer") && e.contains("needs about"),
            "{e}"
        );
        assert!(check(|| unreachable!(), 1024.0).is_ok());
        assert!(check(|| "NaN".into(), f64::NAN).is_err());
    }
}
