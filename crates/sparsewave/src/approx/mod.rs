//! The spectrogram low-rank approximation family: rank-k SVD of the STFT magnitude with the
//! original or a Griffin–Lim phase, and decimation with interpolation.
//!
//! [`job::approx`] and [`interp_job::interp`] are the product API (one recording in, its
//! approximation and report out).

pub mod griffin_lim;
pub mod interp;
pub mod interp_job;
pub mod job;
pub mod lowrank;
