//! What `init` reads of the user's tables or files before it writes a starter spec:
//! which tables are the results and the log, their columns, the log's status
//! values, and the foreign keys and unique keys that say how they are keyed.

use crate::cli::InitArgs;
use crate::error::Error;
use crate::source::{redact_url, InitFacts, Source, SourceOptions};
use crate::sql::TableName;

use super::{guess_tables, status_column, Origin, Tables};

/// Reads the tables (or files) of `source`, as `args` names them.
pub async fn survey(
    source: &Source,
    opts: &SourceOptions,
    args: &InitArgs,
) -> Result<(Origin, Tables), Error> {
    Ok(match source {
        Source::Redis(_) => {
            return Err(Error::Usage(
                "init reads the tables of a database or the columns of files; a log kept in Redis is described by hand in [log.redis] (see docs/sources.md)".into(),
            ))
        }
        Source::Spark(_) => {
            return Err(Error::Usage(
                "init reads the tables of a database or the columns of local files; for data on Spark, run init on a local export of a sample (--results-file, --log-file) and add [source] spark to the spec it writes (see docs/spark.md)".into(),
            ))
        }
        Source::Database(db) => {
            let schema = args.schema.as_deref();
            let all = db.tables(schema).await?;
            let (guess_results, guess_log) = guess_tables(&all);
            let pick = |given: &Option<String>, guess: Option<&String>, what: &str| {
                given.clone().or_else(|| guess.cloned()).ok_or_else(|| {
                    Error::Usage(format!(
                        "cannot tell which table is the {what}; name it with --{}; tables there: {}",
                        if what == "results table" { "table" } else { "log-table" },
                        all.join(", ")
                    ))
                })
            };
            let results = pick(&args.table, guess_results, "results table")?;
            let log = pick(&args.log_table, guess_log, "idempotency log")?;
            let (results_table, log_table) = (
                TableName::new(schema, &results),
                TableName::new(schema, &log),
            );
            let log_columns = db.table_columns(&log_table).await?;
            let facts = db
                .init_facts(
                    &results_table,
                    &log_table,
                    status_column(&log_columns).map(String::as_str),
                )
                .await?;
            let tables = Tables {
                schema: args.schema.clone(),
                results_columns: db.table_columns(&results_table).await?,
                log_columns,
                results,
                log,
                facts,
            };
            let url = redact_url(opts.database_url.as_deref().unwrap_or_default());
            (Origin::Url(url), tables)
        }
        Source::Files(files) => {
            if let Some(schema) = &args.schema {
                return Err(Error::Usage(format!(
                    "--schema {schema} names a database schema, but init is reading files"
                )));
            }
            let (results_columns, log_columns) = files.columns()?;
            let statuses = match status_column(&log_columns) {
                Some(c) => files.log_values(c)?,
                None => Vec::new(),
            };
            let (r, l) = (
                opts.results_file.clone().unwrap(),
                opts.log_file.clone().unwrap(),
            );
            // Table names do not matter for files; the defaults keep the spec valid.
            let tables = Tables {
                schema: None,
                results: "results".into(),
                results_columns,
                log: "idempotency_log".into(),
                log_columns,
                facts: InitFacts {
                    statuses,
                    ..InitFacts::default()
                },
            };
            let absolute = |p: &std::path::Path| {
                std::fs::canonicalize(p)
                    .unwrap_or_else(|_| p.to_path_buf())
                    .display()
                    .to_string()
            };
            (
                Origin::Files {
                    results: absolute(&r),
                    log: absolute(&l),
                },
                tables,
            )
        }
    })
}
