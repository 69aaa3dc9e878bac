//! The manifest: one job per JSON line (`.jsonl`, any other extension) or CSV row (`.csv`),
//! with the columns `command`, `input`, `output` and the command's parameters under their
//! flag names (`rank`, `n-fft` or `n_fft`, `--hop`). Relative paths are relative to the
//! manifest's folder. The whole manifest is validated before any job runs.

use crate::commands::{Cli, Command};
use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The subcommands a manifest may name: those that read one input and write one output.
pub const COMMANDS: &[&str] = &[
    "approx", "interp", "compress", "encode", "decode", "denoise", "addnoise",
];

/// Parameters whose path names a file the job writes (besides `output`): checked against the
/// other jobs' inputs and outputs. `plots` names a folder that jobs may share.
const WRITTEN_PARAMS: &[&str] = &["noise-out"];
/// Parameters whose path is not a file the job reads.
const NOT_READ_PARAMS: &[&str] = &["noise-out", "plots"];

/// A loaded manifest: its rows, not yet validated.
#[derive(Clone, Debug)]
pub struct Manifest {
    path: PathBuf,
    base: PathBuf,
    rows: Vec<Row>,
}

/// One non-empty line or record: its 1-based line number and its fields, or why it could not
/// be read.
#[derive(Clone, Debug)]
struct Row {
    line: usize,
    fields: std::result::Result<Vec<(String, Value)>, String>,
}

/// One validated job.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// 0-based index among the manifest's jobs (the shard rule's i).
    pub index: usize,
    /// 1-based line of the manifest it came from.
    pub line: usize,
    /// The subcommand.
    pub command: String,
    /// The subcommand's arguments (paths resolved): `[command, input, -o, output, --flag=value…]`.
    /// The job runs exactly as `sparsewave ARGS` would.
    pub args: Vec<String>,
    /// Every file the job reads: `input` first, then `clean` and `noise-clip` when given.
    pub inputs: Vec<PathBuf>,
    /// Every file the job writes: `output`, then `noise-out` when given.
    pub outputs: Vec<PathBuf>,
}

/// Every problem of a manifest, each with its line number.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestError {
    /// The manifest file.
    pub path: PathBuf,
    /// The problems, in line order.
    pub problems: Vec<Problem>,
}

/// A problem of one manifest line.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "{}: {n} problem{} (no job was run):",
            self.path.display(),
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  line {}: {}", p.line, p.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}

impl Manifest {
    /// Read a manifest: CSV when the name ends in `.csv` (a header row, then one job per row;
    /// empty cells are absent parameters), else JSON Lines (one object per line; blank lines
    /// are ignored). Only reading errors are reported here; see [`Manifest::validate`].
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the manifest", path.display()))?;
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let rows = if is_csv {
            csv_rows(&text)
        } else {
            jsonl_rows(&text)
        };
        let absolute = std::path::absolute(path)
            .with_context(|| format!("{}: cannot resolve the path", path.display()))?;
        let base = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Manifest {
            path: path.to_path_buf(),
            base,
            rows,
        })
    }

    /// The manifest file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Check every line and return the jobs, or one error listing every bad line: unreadable
    /// line, missing or unknown `command`, missing `input` or `output`, an output whose folder
    /// does not exist, a parameter the command does not have or a bad value (clap's own
    /// message), a duplicate output, an output that is an input of any job. (A missing input
    /// is not a manifest error: that job fails and the others run.)
    pub fn validate(&self) -> std::result::Result<Vec<Job>, ManifestError> {
        let mut problems = Vec::new();
        let mut jobs = Vec::new();
        let cli = Cli::command();
        for (index, row) in self.rows.iter().enumerate() {
            let job = row
                .fields
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|fields| self.job(&cli, index, row.line, fields));
            match job {
                Ok(job) => jobs.push(job),
                Err(message) => problems.push(Problem {
                    line: row.line,
                    message,
                }),
            }
        }
        problems.extend(clashes(&jobs));
        if problems.is_empty() {
            Ok(jobs)
        } else {
            problems.sort_by_key(|p| p.line);
            Err(ManifestError {
                path: self.path.clone(),
                problems,
            })
        }
    }

    /// A row as a job: its arguments, parsed by the subcommand's own clap definition (a
    /// subcommand of `cli`).
    fn job(
        &self,
        cli: &clap::Command,
        index: usize,
        line: usize,
        fields: &[(String, Value)],
    ) -> std::result::Result<Job, String> {
        let mut named: HashMap<String, &Value> = HashMap::new();
        let mut order = Vec::new();
        for (key, value) in fields {
            let flag = key.trim_start_matches("--").replace('_', "-");
            if named.insert(flag.clone(), value).is_some() {
                return Err(format!("parameter '{flag}' is given twice"));
            }
            order.push(flag);
        }
        let text_field = |name: &str| -> std::result::Result<String, String> {
            match named.get(name) {
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                Some(Value::Null) | None => Err(format!("missing '{name}'")),
                Some(Value::String(_)) => Err(format!("'{name}' is empty")),
                Some(other) => Err(format!("'{name}' must be a string, not {other}")),
            }
        };
        let command = text_field("command")?;
        if !COMMANDS.contains(&command.as_str()) {
            return Err(format!(
                "unknown command '{command}' (a batch job is one of: {})",
                COMMANDS.join(", ")
            ));
        }
        let input = self.resolve(&text_field("input")?);
        let output = self.resolve(&text_field("output")?);
        let sub = cli
            .find_subcommand(&command)
            .ok_or_else(|| format!("unknown command '{command}'"))?;

        let mut args = vec![
            command.clone(),
            path_arg(&input),
            "-o".to_string(),
            path_arg(&output),
        ];
        let mut inputs = vec![input];
        let mut outputs = vec![output];
        for flag in order
            .iter()
            .filter(|f| !["command", "input", "output"].contains(&f.as_str()))
        {
            let value = named[flag];
            let arg = sub.get_arguments().find(|a| a.get_long() == Some(flag));
            let is_switch = arg.is_some_and(|a| !a.get_action().takes_values());
            if is_switch {
                if switch_value(flag, value)? {
                    args.push(format!("--{flag}"));
                }
                continue;
            }
            let Some(mut text) = value_text(flag, value)? else {
                continue;
            };
            let is_path = arg.is_some_and(|a| {
                a.get_value_parser().type_id() == std::any::TypeId::of::<PathBuf>()
            });
            if is_path {
                let path = self.resolve(&text);
                text = path_arg(&path);
                if WRITTEN_PARAMS.contains(&flag.as_str()) {
                    outputs.push(path);
                } else if !NOT_READ_PARAMS.contains(&flag.as_str()) {
                    inputs.push(path);
                }
            }
            args.push(format!("--{flag}={text}"));
        }
        if let Some(out) = outputs
            .iter()
            .find(|p| !p.parent().is_some_and(Path::is_dir))
        {
            return Err(format!(
                "the folder of output {} does not exist",
                out.display()
            ));
        }
        // The subcommand alone parses `args` as `sparsewave ARGS` would (its name stands in
        // for the program's), at a fraction of the cost of the whole command line.
        if let Err(e) = sub.clone().try_get_matches_from(&args) {
            return Err(clap_message(&e));
        }
        Ok(Job {
            index,
            line,
            command,
            args,
            inputs,
            outputs,
        })
    }

    /// `path` relative to the manifest's folder (absolute paths are kept).
    fn resolve(&self, path: &str) -> PathBuf {
        normalize(&self.base.join(path))
    }
}

impl Job {
    /// The parsed subcommand, exactly as `sparsewave ARGS` would parse it.
    pub(crate) fn parse(&self) -> Result<Command> {
        let argv = std::iter::once("sparsewave").chain(self.args.iter().map(String::as_str));
        Cli::try_parse_from(argv)
            .map(|cli| cli.command)
            .map_err(|e| anyhow::anyhow!(clap_message(&e)))
    }
}

/// Duplicate outputs, and outputs that are some job's input, reported on the later line.
fn clashes(jobs: &[Job]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut written: HashMap<&Path, usize> = HashMap::new();
    let mut read: HashMap<&Path, usize> = HashMap::new();
    for job in jobs {
        for input in &job.inputs {
            read.entry(input).or_insert(job.line);
        }
    }
    for job in jobs {
        for out in &job.outputs {
            if let Some(first) = written.insert(out, job.line) {
                problems.push(Problem {
                    line: job.line,
                    message: format!("output {} is also written by line {first}", out.display()),
                });
            }
            let whose = if job.inputs.contains(out) {
                Some("its own input".to_string())
            } else {
                read.get(out.as_path())
                    .map(|reader| format!("the input of line {reader}"))
            };
            if let Some(whose) = whose {
                problems.push(Problem {
                    line: job.line,
                    message: format!("output {} is {whose}", out.display()),
                });
            }
        }
    }
    problems
}

/// Rows of a JSON Lines text.
fn jsonl_rows(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Row {
            line: i + 1,
            fields: match serde_json::from_str::<Value>(l) {
                Ok(Value::Object(map)) => Ok(map.into_iter().collect()),
                Ok(other) => Err(format!("expected a JSON object, found {other}")),
                Err(e) => Err(format!("not valid JSON: {e}")),
            },
        })
        .collect()
}

/// Rows of a CSV text (first row: the column names; empty cells are absent).
fn csv_rows(text: &str) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return vec![Row {
                line: 1,
                fields: Err(format!("cannot read the CSV header: {e}")),
            }]
        }
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let row = match record {
            Ok(r) if r.iter().all(str::is_empty) => continue,
            Ok(r) => Row {
                line: r.position().map_or(0, |p| p.line() as usize),
                fields: Ok(headers
                    .iter()
                    .zip(r.iter())
                    .filter(|(_, cell)| !cell.is_empty())
                    .map(|(h, cell)| (h.to_string(), Value::String(cell.to_string())))
                    .collect()),
            },
            Err(e) => Row {
                line: e.position().map_or(0, |p| p.line() as usize),
                fields: Err(format!("cannot read the CSV record: {e}")),
            },
        };
        rows.push(row);
    }
    rows
}

/// A switch's value: JSON true/false or the text true/false/yes/no/1/0.
fn switch_value(flag: &str, value: &Value) -> std::result::Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(true),
            "false" | "no" | "0" => Ok(false),
            _ => Err(format!(
                "'{flag}' is a switch: give true or false, not '{s}'"
            )),
        },
        Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
        Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
        other => Err(format!(
            "'{flag}' is a switch: give true or false, not {other}"
        )),
    }
}

/// A parameter's value as flag text: strings as they are, numbers in JSON notation, lists
/// joined by commas; null is an absent parameter.
fn value_text(flag: &str, value: &Value) -> std::result::Result<Option<String>, String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    };
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                scalar(v).ok_or_else(|| format!("'{flag}': list items must be numbers or strings"))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(|parts| Some(parts.join(","))),
        Value::Object(_) => Err(format!("'{flag}' must be a number, a string or a list")),
        other => Ok(scalar(other)),
    }
}

/// A clap error on one line: its text up to the usage, without the `error: ` prefix.
fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("Usage:"))
        .map(str::trim)
        .collect();
    let joined = lines.join(" ");
    joined
        .strip_prefix("error: ")
        .unwrap_or(&joined)
        .to_string()
}

/// A path as an argument (paths that are not UTF-8 are passed lossily).
fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// `path` with `.` and `..` components folded (lexically; links are not followed).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}
