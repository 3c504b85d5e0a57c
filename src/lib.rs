//! dupaudit finds and safely repairs the records a pipeline wrote twice.
//!
//! The pipeline is visible in the modules: [`spec`] → [`source`] → [`scan`] →
//! [`findings`] → [`report`], and for cleanup [`plan`] → [`apply`]. [`run`] is the whole program; `main.rs` only parses
//! the command line and prints errors.

pub mod apply;
pub mod audit;
pub mod backend;
pub mod canonical;
pub mod classes;
pub mod cli;
mod commands;
pub mod confirm;
pub mod error;
pub mod explain;
pub mod findings;
pub mod generate;
pub mod help;
pub mod init;
pub mod model;
pub mod output;
pub mod plan;
pub mod prevent;
pub mod progress;
pub mod report;
pub mod resolve;
pub mod scan;
pub mod source;
pub mod spec;
pub mod sql;
pub mod vocab;
pub mod watermark;

pub use error::Error;

/// Runs one command and returns the process exit code (see [`error::exit`]).
pub fn run(cli: cli::Cli) -> Result<u8, Error> {
    init_logging(&cli);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        match &cli.command {
            cli::Command::Scan(args) => commands::scan::run(&cli, args).await,
            cli::Command::Plan(args) => commands::plan::run(&cli, args).await,
            cli::Command::Apply(args) => commands::apply::run(args).await,
            cli::Command::Restore(args) => commands::restore::run(&cli, args).await,
            cli::Command::Runs(args) => commands::runs::run(&cli, args).await,
            cli::Command::Explain(args) => commands::explain::run(&cli, args).await,
            cli::Command::Generate(args) => commands::generate::run(args).await,
            cli::Command::Load(args) => commands::load::run(args).await,
            cli::Command::LoadRedis(args) => commands::load_redis::run(args).await,
            cli::Command::Init(args) => commands::init::run(args).await,
            cli::Command::SuggestConstraint(args) => commands::suggest::run(&cli, args).await,
            cli::Command::Completions { shell } => commands::docs::completions(*shell),
            cli::Command::Man { out } => commands::docs::man(out),
        }
    })
}

/// Log lines go to stderr: warnings by default, more with -v, none but errors with
/// --quiet; RUST_LOG, when set, decides.
fn init_logging(cli: &cli::Cli) {
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("dupaudit={level}")));
    // A second call (tests running several commands in one process) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
}
