//! The `sparsewave` command line: parse, call the library, print. See `sparsewave --help`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
