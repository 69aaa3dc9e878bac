//! The `sparsewave` command line: parse, call the library, print. See `sparsewave --help`.

fn main() -> std::process::ExitCode {
    sparsewave_cli::commands::main()
}
