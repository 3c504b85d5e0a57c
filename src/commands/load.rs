//! `dupaudit load`: generates the incident and writes it into a database, so that
//! dupaudit can be tried against a real server in one line.
//!
//! In: the parsed arguments. Out: two filled tables and a one-line summary on stderr.

use std::time::Instant;

use crate::cli::LoadArgs;
use crate::error::{exit, Error};
use crate::generate::generate;
use crate::generate::load::{load_incident, Tables};
use crate::source::redact_url;

pub async fn run(args: &LoadArgs) -> Result<u8, Error> {
    let incident = generate(args.seed, args.rows);
    let shape = args.shape.shape();
    let tables = Tables {
        results: args.results_table.clone(),
        log: args.log_table.clone(),
        shape,
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
    if let Some(path) = &args.write_spec {
        let spec = format!(
            "{}\n{}",
            shape.spec_header(),
            shape.spec_body(&args.results_table, &args.log_table)
        );
        std::fs::write(path, spec).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        eprintln!("wrote the spec that reads them to {}", path.display());
    }
    Ok(exit::CLEAN)
}
