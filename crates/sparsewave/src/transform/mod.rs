//! The representations: each a planned object built once for a length and its parameters.

pub mod stft;
pub mod wavelet;
pub mod wavelet_filters;
pub mod wavelet_packet;
pub mod window;
pub mod zak;
