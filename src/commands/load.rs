//! `dupaudit load`: generates the incident and writes it into a database, so that
//! dupaudit can be tried against a real server in one line.
//!
//! In: the parsed arguments. Out: two filled tables and a one-line summary on stderr.

use std::time::Instant;

use crate::cli::LoadArgs;
use crate::error::{exit, Error};
use crate::generate::generate;
use crate::load::{load_incident, Tables};
use crate::source::redact_url;

pub async fn run(args: &LoadArgs) -> Result<u8, Error> {
    let incident = generate(args.seed, args.rows);
    let tables = Tables {
        results: args.results_table.clone(),
        log: args.log_table.clone(),
    };
    let started = Instant::now();
    let stats = load_incident(&args.database_url, &incident, &tables, args.replace).await?;
    eprintln!(
        "loaded {} result rows into `{}` and {} log rows into `{}` at {} in {:.1}s (seed {})",
        stats.result_rows,
        tables.results,
        stats.log_rows,
        tables.log,
        redact_url(&args.database_url),
        started.elapsed().as_secs_f64(),
        args.seed
    );
    Ok(exit::CLEAN)
}
