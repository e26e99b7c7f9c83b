use std::process::ExitCode;

fn main() -> ExitCode {
    bibliotheque::cli::main()
}
