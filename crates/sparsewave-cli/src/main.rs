//! The `sparsewave` command line: parse, call the library, print. See `sparsewave --help`.

/// Large blocks on transparent huge pages: far fewer page faults on signal-sized buffers.
#[global_allocator]
static ALLOCATOR: sparsewave::memory::HugePageAllocator = sparsewave::memory::HugePageAllocator;

fn main() -> std::process::ExitCode {
    sparsewave_cli::commands::main()
}
