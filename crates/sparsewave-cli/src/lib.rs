//! The `sparsewave` command line as a library: the subcommands ([`commands::main`] is the
//! binary's whole `main`) and [`batch`], which runs a manifest of jobs, each exactly as the
//! single command would, in parallel and sharded for job arrays.

#![warn(missing_docs)]

pub mod batch;
pub mod commands;
mod serve;
