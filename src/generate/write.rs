//! Writing a generated incident as files: SQLite, CSV, Parquet and NDJSON, in a
//! [`Shape`], with the ground truth beside them.
//!
//! In: an [`Incident`], a shape and a folder. Out: the files, each column typed as the
//! shape says in the forms each format has: CSV and NDJSON write times as text (or
//! numbers, for integer times), Parquet keeps real types (integers, zoned or naive
//! datetimes). A 16-byte key is written as its hex in every file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::load::{load_incident, Tables};
use super::shape::{hex, local, Kind, Shape, Table, TimeForm, Value, ZONED_PARQUET_ZONE};
use super::GenFormat;
use super::{GroundTruth, Incident};
use crate::error::Error;

/// The file names of the results and the log, by extension.
pub fn file_names(ext: &str) -> (String, String) {
    (format!("results.{ext}"), format!("idempotency_log.{ext}"))
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// `incident.sqlite` in `dir`, replaced if it exists.
pub async fn sqlite(dir: &Path, incident: &Incident, shape: Shape) -> Result<PathBuf, Error> {
    let path = dir.join("incident.sqlite");
    if path.exists() {
        std::fs::remove_file(&path).map_err(io_error(&path))?;
    }
    // A fresh file gets SQLite's rollback journal, not WAL: the result is one
    // self-contained file.
    let url = format!("sqlite://{}", path.display());
    let tables = Tables {
        shape,
        ..Tables::default()
    };
    load_incident(&url, incident, &tables, false).await?;
    Ok(path)
}

/// A value as CSV text: empty for NULL.
fn text(value: &Value<'_>, time: TimeForm) -> String {
    match value {
        Value::Null => String::new(),
        Value::Int(n) => n.to_string(),
        Value::Text(t) => t.to_string(),
        Value::Bytes(b) => hex(b),
        Value::Time(t) => match time.value(*t) {
            Value::Int(n) => n.to_string(),
            Value::Text(t) => t.into_owned(),
            _ => unreachable!("a time is text or a number"),
        },
    }
}

/// A value as JSON: numbers for integers, strings for the rest.
fn json(value: &Value<'_>, time: TimeForm) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Int(n) => (*n).into(),
        Value::Time(t) => match time.value(*t) {
            Value::Int(n) => n.into(),
            other => text(&other, time).into(),
        },
        other => text(other, time).into(),
    }
}

/// `results.csv` and `idempotency_log.csv`.
pub fn csv(dir: &Path, incident: &Incident, shape: Shape) -> Result<Vec<PathBuf>, Error> {
    let (r, l) = file_names("csv");
    let results = incident.results.iter().map(|row| shape.result_values(row));
    let log = incident.log.iter().map(|row| shape.log_values(row));
    Ok(vec![
        csv_table(&dir.join(r), &shape.results(), results, shape.time)?,
        csv_table(&dir.join(l), &shape.log(), log, shape.time)?,
    ])
}

fn csv_table<'a>(
    path: &Path,
    table: &Table,
    rows: impl Iterator<Item = Vec<Value<'a>>>,
    time: TimeForm,
) -> Result<PathBuf, Error> {
    let mut w = csv::Writer::from_path(path).map_err(|e| write_error(path, e))?;
    w.write_record(table.columns.iter().map(|c| c.name))
        .map_err(|e| write_error(path, e))?;
    for row in rows {
        w.write_record(row.iter().map(|v| text(v, time)))
            .map_err(|e| write_error(path, e))?;
    }
    w.flush().map_err(|e| write_error(path, e))?;
    Ok(path.to_path_buf())
}

/// `results.ndjson` and `idempotency_log.ndjson`, text columns as JSON strings, as
/// most exporters write them.
pub fn ndjson(dir: &Path, incident: &Incident, shape: Shape) -> Result<Vec<PathBuf>, Error> {
    let (r, l) = file_names("ndjson");
    let results = incident.results.iter().map(|row| shape.result_values(row));
    let log = incident.log.iter().map(|row| shape.log_values(row));
    Ok(vec![
        ndjson_table(&dir.join(r), &shape.results(), results, shape.time)?,
        ndjson_table(&dir.join(l), &shape.log(), log, shape.time)?,
    ])
}

fn ndjson_table<'a>(
    path: &Path,
    table: &Table,
    rows: impl Iterator<Item = Vec<Value<'a>>>,
    time: TimeForm,
) -> Result<PathBuf, Error> {
    let mut w = BufWriter::new(File::create(path).map_err(io_error(path))?);
    for row in rows {
        let object: serde_json::Map<String, serde_json::Value> = table
            .columns
            .iter()
            .zip(&row)
            .map(|(c, v)| (c.name.to_string(), json(v, time)))
            .collect();
        writeln!(w, "{}", serde_json::Value::Object(object)).map_err(io_error(path))?;
    }
    w.flush().map_err(io_error(path))?;
    Ok(path.to_path_buf())
}

/// `results.parquet` and `idempotency_log.parquet`, with real types: integers,
/// datetimes zoned or not as the shape stores them.
pub fn parquet(dir: &Path, incident: &Incident, shape: Shape) -> Result<Vec<PathBuf>, Error> {
    let (r, l) = file_names("parquet");
    let results: Vec<Vec<Value>> = incident
        .results
        .iter()
        .map(|row| shape.result_values(row))
        .collect();
    let log: Vec<Vec<Value>> = incident
        .log
        .iter()
        .map(|row| shape.log_values(row))
        .collect();
    Ok(vec![
        parquet_table(&dir.join(r), &shape.results(), &results, shape.time)?,
        parquet_table(&dir.join(l), &shape.log(), &log, shape.time)?,
    ])
}

fn parquet_table(
    path: &Path,
    table: &Table,
    rows: &[Vec<Value>],
    time: TimeForm,
) -> Result<PathBuf, Error> {
    let columns = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| parquet_column(c.name, c.kind, time, rows.iter().map(|r| &r[i])))
        .collect::<PolarsResult<Vec<Column>>>()
        .map_err(|e| write_error(path, e))?;
    let mut df = DataFrame::new_infer_height(columns).map_err(|e| write_error(path, e))?;
    let file = File::create(path).map_err(io_error(path))?;
    ParquetWriter::new(file)
        .finish(&mut df)
        .map_err(|e| write_error(path, e))?;
    Ok(path.to_path_buf())
}

fn parquet_column<'a>(
    name: &str,
    kind: Kind,
    time: TimeForm,
    values: impl Iterator<Item = &'a Value<'a>>,
) -> PolarsResult<Column> {
    let ints = |values: Vec<Option<i64>>| Series::new(name.into(), values);
    Ok(match kind {
        Kind::Id | Kind::Integer => ints(
            values
                .map(|v| match v {
                    Value::Int(n) => Some(*n),
                    _ => None,
                })
                .collect(),
        )
        .into(),
        Kind::Time => {
            let instants: Vec<_> = values
                .map(|v| match v {
                    Value::Time(t) => *t,
                    _ => unreachable!("a time column holds times"),
                })
                .collect();
            match time {
                TimeForm::EpochMillis => Series::new(
                    name.into(),
                    instants
                        .iter()
                        .map(|t| t.timestamp_millis())
                        .collect::<Vec<_>>(),
                )
                .into(),
                TimeForm::Naive => Series::new(
                    name.into(),
                    instants
                        .iter()
                        .map(|t| t.timestamp_millis())
                        .collect::<Vec<_>>(),
                )
                .cast(&DataType::Datetime(
                    TimeUnit::Milliseconds,
                    Some(polars::prelude::TimeZone::UTC),
                ))?
                .into(),
                TimeForm::Zoned => Series::new(
                    name.into(),
                    instants
                        .iter()
                        .map(|t| t.timestamp_micros())
                        .collect::<Vec<_>>(),
                )
                // SAFETY: a zone name of the IANA database, which is what the type
                // must hold.
                .cast(&DataType::Datetime(
                    TimeUnit::Microseconds,
                    Some(unsafe { polars::prelude::TimeZone::from_static(ZONED_PARQUET_ZONE) }),
                ))?
                .into(),
                TimeForm::Local => Series::new(
                    name.into(),
                    instants
                        .iter()
                        .map(|t| local(*t).and_utc().timestamp_micros())
                        .collect::<Vec<_>>(),
                )
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
                .into(),
            }
        }
        _ => Series::new(
            name.into(),
            values
                .map(|v| match v {
                    Value::Null => None,
                    other => Some(text(other, time)),
                })
                .collect::<Vec<Option<String>>>(),
        )
        .into(),
    })
}

/// `ground-truth.json`.
pub fn truth(dir: &Path, truth: &GroundTruth) -> Result<PathBuf, Error> {
    let path = dir.join("ground-truth.json");
    let text = serde_json::to_string_pretty(truth).expect("ground truth serialises") + "\n";
    std::fs::write(&path, text).map_err(io_error(&path))?;
    Ok(path)
}

/// `dupaudit.toml`: the shape's spec, its `[source]` the SQLite file when one was
/// written, else the first pair of files.
pub fn spec(dir: &Path, shape: Shape, formats: &[GenFormat]) -> Result<PathBuf, Error> {
    let path = dir.join("dupaudit.toml");
    let source = match formats.first() {
        None => String::new(),
        Some(_) if formats.contains(&GenFormat::Sqlite) => {
            "[source]\ndatabase_url = \"sqlite://incident.sqlite\"\n".to_string()
        }
        Some(format) => {
            let ext = match format {
                GenFormat::Csv => "csv",
                GenFormat::Parquet => "parquet",
                GenFormat::Ndjson | GenFormat::Sqlite => "ndjson",
            };
            let (r, l) = file_names(ext);
            format!("[source]\nresults_file = \"{r}\"\nlog_file = \"{l}\"\n")
        }
    };
    let text = format!(
        "{}\n{source}{}",
        shape.spec_header(),
        shape.spec_body("results", "idempotency_log")
    );
    std::fs::write(&path, text).map_err(io_error(&path))?;
    Ok(path)
}
