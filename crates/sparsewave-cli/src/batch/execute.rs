//! One job, run by its subcommand's `execute` exactly as `sparsewave ARGS` would run it.

use super::manifest::Job;
use crate::commands::{self, Command};
use serde_json::Value;

/// Run `job`: its report (the command's `--json` object), or the error message the single
/// command would print (with flag names, `--hop`, for the library's parameter names).
pub(super) fn execute(job: &Job) -> Result<Value, String> {
    run(job).map_err(|e| commands::with_flag_names(&e, Some(&job.command)))
}

fn run(job: &Job) -> anyhow::Result<Value> {
    let report = match job.parse()? {
        Command::Approx(a) => serde_json::to_value(commands::approx::execute(&a)?.report)?,
        Command::Interp(a) => serde_json::to_value(commands::interp::execute(&a)?.report)?,
        Command::Compress(a) => serde_json::to_value(commands::compress::execute(&a)?.report)?,
        Command::Encode(a) => serde_json::to_value(commands::encode::execute(&a)?.report)?,
        Command::Decode(a) => commands::decode::execute(&a)?.report,
        Command::Denoise(a) => serde_json::to_value(commands::denoise::execute(&a)?.report)?,
        Command::Addnoise(a) => serde_json::to_value(commands::addnoise::execute(&a)?.report)?,
        _ => anyhow::bail!("'{}' is not a batch command", job.command),
    };
    Ok(report)
}
