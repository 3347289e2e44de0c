use std::process::ExitCode;

fn main() -> ExitCode {
    klimaspor::memory::limit_arenas();
    klimaspor::cli::main()
}
