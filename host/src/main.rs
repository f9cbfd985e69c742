use std::process::ExitCode;

fn main() -> ExitCode {
    perfwarden::cli::main()
}
