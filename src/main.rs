use std::process::ExitCode;

fn main() -> ExitCode {
    klimaspor::cli::main()
}
