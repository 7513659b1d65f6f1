//! The `lookalike` binary: CLI subcommands, or the GUI when none is given.

fn main() -> std::process::ExitCode {
    lookalike::core::timeline::mark("started");
    lookalike::cli::main()
}
