//! The spectrogram low-rank approximation family: rank-k SVD of the STFT magnitude with the
//! original or a Griffin–Lim phase, and decimation with interpolation.

pub mod griffin_lim;
pub mod interp;
pub mod lowrank;
