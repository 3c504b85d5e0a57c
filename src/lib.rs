//! dupaudit finds and safely repairs the records a pipeline wrote twice.
//!
//! The pipeline is visible in the modules: [`spec`] → [`source`] → [`scan`] →
//! [`findings`] → [`report`]. [`run`] is the whole program; `main.rs` only parses
//! the command line and prints errors.

pub mod canonical;
pub mod cli;
mod commands;
pub mod error;
pub mod explain;
pub mod findings;
pub mod generate;
pub mod load;
pub mod model;
pub mod report;
pub mod scan;
pub mod source;
pub mod spec;
pub mod sql;

pub use error::Error;

/// Runs one command and returns the process exit code (see [`error::exit`]).
pub fn run(cli: cli::Cli) -> Result<u8, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        match &cli.command {
            cli::Command::Scan(args) => commands::scan::run(&cli, args).await,
            cli::Command::Explain(args) => commands::explain::run(&cli, args).await,
            cli::Command::Generate(args) => commands::generate::run(args).await,
            cli::Command::Load(args) => commands::load::run(args).await,
        }
    })
}
