use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than the system allocator: a scan holds millions of small
/// strings (keys, primary keys, hashes), which it packs without a header each and
/// hands back to the system when freed, so peak memory stays near what is live.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
