//! The `sparsewave` command line: parse, call the library, print. See `sparsewave --help`.

mod commands;
mod serve;

fn main() -> std::process::ExitCode {
    commands::main()
}
