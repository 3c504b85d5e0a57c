use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = dupaudit::cli::Cli::parse();
    match dupaudit::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
