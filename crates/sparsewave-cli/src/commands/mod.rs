//! Subcommands: one file each. Parsing (clap) → validated library configuration → run → print.

pub(crate) mod addnoise;
pub(crate) mod approx;
mod batch;
pub(crate) mod common;
pub(crate) mod compress;
pub(crate) mod decode;
mod demo;
pub(crate) mod denoise;
mod denoise_bench;
pub(crate) mod encode;
mod info;
pub(crate) mod interp;
mod metrics;
mod rd;
mod serve;
mod spectrogram;
mod sweep;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use sparsewave::memory::{AVAILABLE_LIMIT_TAIL, SET_LIMIT_TAIL};
use std::process::ExitCode;

/// Approximate, compress and denoise audio with time–frequency and low-rank methods.
#[derive(Parser)]
#[command(name = "sparsewave", version, about, long_about = None, after_help = "\
Examples:
  sparsewave demo                                  run every method on the bundled clip
  sparsewave approx song.wav -o song_k20.wav --rank 20 --plots figs/
  sparsewave interp song.wav -o song_r4.wav --factor 4 --method cubic
  sparsewave compress song.wav -o song_pgbz.wav --method pgbz --keep 4%
  sparsewave sweep song.wav --methods pgbz,pgbz-ls,stft,dwt
  sparsewave addnoise clean.wav -o noisy.wav --model awgn --snr 10 --seed 0
  sparsewave denoise noisy.wav -o denoised.wav --method wsvd --clean clean.wav
  sparsewave denoise-bench clean.wav --snr 24,10
  sparsewave encode song.wav -o song.swz --method dwt --bitrate 32
  sparsewave decode song.swz -o song_decoded.wav
  sparsewave rd song.wav --methods pgbz,dwt,stft,svd --bitrates 16,32,64
  sparsewave metrics song.wav song_k20.wav --json
  sparsewave batch jobs.jsonl --jobs 8 --shard 0/4")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Refuse work whose estimated memory exceeds SIZE (4G, 512M, …) with a clear error instead
    /// of being killed; default: the memory available when the command starts.
    #[arg(long, global = true, value_name = "SIZE")]
    max_memory: Option<sparsewave::memory::ByteSize>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    Approx(approx::Args),
    Interp(interp::Args),
    Compress(compress::Args),
    Encode(encode::Args),
    Decode(decode::Args),
    Rd(rd::Args),
    Sweep(sweep::Args),
    Metrics(metrics::Args),
    Spectrogram(spectrogram::Args),
    Info(info::Args),
    Demo(demo::Args),
    Denoise(denoise::Args),
    DenoiseBench(denoise_bench::Args),
    Addnoise(addnoise::Args),
    Batch(batch::Args),
    Serve(serve::Args),
}

/// Parse, run, and turn errors into a message on stderr and exit code 1.
pub fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    sparsewave::memory::set_limit(cli.max_memory);
    let result = match cli.command {
        Command::Approx(a) => approx::run(a),
        Command::Interp(a) => interp::run(a),
        Command::Compress(a) => compress::run(a),
        Command::Encode(a) => encode::run(a),
        Command::Decode(a) => decode::run(a),
        Command::Rd(a) => rd::run(a),
        Command::Sweep(a) => sweep::run(a),
        Command::Metrics(a) => metrics::run(a),
        Command::Spectrogram(a) => spectrogram::run(a),
        Command::Info(a) => info::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Denoise(a) => denoise::run(a),
        Command::DenoiseBench(a) => denoise_bench::run(a),
        Command::Addnoise(a) => addnoise::run(a),
        Command::Batch(a) => batch::run(a),
        Command::Serve(a) => serve::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of stdout went away (`| head`): the outputs are written, nothing is left
        // to say.
        Err(e)
            if e.downcast_ref::<crate::StdoutClosed>()
                .is_some_and(crate::StdoutClosed::is_broken_pipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let message = with_flag_names(&e, matches.subcommand_name());
            let message = with_input_name(&e, message, &matches);
            eprintln!("sparsewave: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `message` prefixed with the subcommand's input file when the error does not already name a
/// file: a parameter that the input's length, rate or content makes invalid (a DWT level too
/// deep for a short file, a lattice too large for the memory) is reported against that file.
fn with_input_name(e: &anyhow::Error, message: String, matches: &clap::ArgMatches) -> String {
    let names_a_file = e.chain().any(|cause| {
        matches!(
            cause.downcast_ref(),
            Some(sparsewave::Error::Io { .. } | sparsewave::Error::BadInput { .. })
        ) || cause.is::<crate::StdoutClosed>()
    });
    let input = matches.subcommand().and_then(|(_, m)| {
        ["input", "clean"]
            .into_iter()
            .find_map(|id| m.try_get_one::<std::path::PathBuf>(id).ok().flatten())
    });
    match input {
        Some(path) if !names_a_file && !message.contains(&*path.to_string_lossy()) => {
            format!("{}: {message}", path.display())
        }
        _ => message,
    }
}

/// The error chain as text, with the library's parameter names (`hop`) replaced by the flags
/// of `subcommand` that set them (`--hop`), and a memory limit's origin told as the flag that
/// sets it.
pub(crate) fn with_flag_names(e: &anyhow::Error, subcommand: Option<&str>) -> String {
    let mut message = format!("{e:#}");
    // A refusal may come as the text of another error (a decoder's, about its file).
    if message.contains(SET_LIMIT_TAIL) {
        message = message.replacen(SET_LIMIT_TAIL, "set with --max-memory", 1);
    } else if message.contains(AVAILABLE_LIMIT_TAIL) {
        message.push_str(" (--max-memory sets another limit)");
    }
    let Some(sub) = subcommand.and_then(|s| Cli::command().find_subcommand(s).cloned()) else {
        return message;
    };
    for cause in e.chain() {
        if let Some(sparsewave::Error::InvalidParameter { name, .. }) = cause.downcast_ref() {
            let long = name.replace('_', "-");
            if sub
                .get_arguments()
                .any(|a| a.get_long() == Some(long.as_str()))
            {
                message = message.replacen(
                    &format!("invalid {name}:"),
                    &format!("invalid --{long}:"),
                    1,
                );
            }
        }
    }
    message
}
