//! `dupaudit generate`: writes the incident as SQLite, CSV, Parquet and NDJSON, plus
//! `ground-truth.json`, the list of what a correct scan finds.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use polars::prelude::*;

use crate::cli::{GenFormat, GenerateArgs};
use crate::error::{exit, Error};
use crate::generate::{generate, text_time, GenLog, GenRow, Incident};
use crate::load::{load_incident, Tables};

pub async fn run(args: &GenerateArgs) -> Result<u8, Error> {
    std::fs::create_dir_all(&args.out).map_err(|source| Error::Write {
        path: args.out.clone(),
        source,
    })?;
    let incident = generate(args.seed, args.rows);
    let mut written = Vec::new();
    for format in &args.formats {
        match format {
            GenFormat::Sqlite => {
                written.push(write_sqlite(&args.out.join("incident.sqlite"), &incident).await?)
            }
            GenFormat::Csv => {
                written.push(write_csv(&args.out.join("results.csv"), &incident)?);
                written.push(write_log_csv(
                    &args.out.join("idempotency_log.csv"),
                    &incident,
                )?);
            }
            GenFormat::Parquet => written.extend(write_parquet(&args.out, &incident)?),
            GenFormat::Ndjson => written.extend(write_ndjson(&args.out, &incident)?),
        }
    }
    let truth = args.out.join("ground-truth.json");
    let text =
        serde_json::to_string_pretty(&incident.truth).expect("ground truth serialises") + "\n";
    std::fs::write(&truth, text).map_err(|source| Error::Write {
        path: truth.clone(),
        source,
    })?;
    written.push(truth);
    eprintln!(
        "generated {} result rows and {} log rows (seed {}):",
        incident.results.len(),
        incident.log.len(),
        args.seed
    );
    for path in written {
        eprintln!("  {}", path.display());
    }
    Ok(exit::CLEAN)
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

async fn write_sqlite(path: &Path, incident: &Incident) -> Result<PathBuf, Error> {
    if path.exists() {
        std::fs::remove_file(path).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })?;
    }
    // A fresh file gets SQLite's rollback journal, not WAL: the result is one
    // self-contained file.
    let url = format!("sqlite://{}", path.display());
    load_incident(&url, incident, &Tables::default(), false).await?;
    Ok(path.to_path_buf())
}

fn write_csv(path: &Path, incident: &Incident) -> Result<PathBuf, Error> {
    let mut w = csv::Writer::from_path(path).map_err(|e| write_error(path, e))?;
    w.write_record([
        "id",
        "operation_name",
        "idempotency_key",
        "attempt_id",
        "payload",
        "created_at",
    ])
    .map_err(|e| write_error(path, e))?;
    for r in &incident.results {
        w.write_record([
            r.id.to_string().as_str(),
            &r.operation_name,
            r.idempotency_key.as_deref().unwrap_or(""),
            &r.attempt_id,
            &r.payload.text(),
            &text_time(r.created_at),
        ])
        .map_err(|e| write_error(path, e))?;
    }
    w.flush().map_err(|e| write_error(path, e))?;
    Ok(path.to_path_buf())
}

fn write_log_csv(path: &Path, incident: &Incident) -> Result<PathBuf, Error> {
    let mut w = csv::Writer::from_path(path).map_err(|e| write_error(path, e))?;
    w.write_record([
        "idempotency_key",
        "attempt_id",
        "operation_name",
        "status",
        "created_at",
        "updated_at",
    ])
    .map_err(|e| write_error(path, e))?;
    for l in &incident.log {
        w.write_record([
            l.idempotency_key.as_str(),
            &l.attempt_id,
            &l.operation_name,
            l.status,
            &text_time(l.created_at),
            &text_time(l.updated_at),
        ])
        .map_err(|e| write_error(path, e))?;
    }
    w.flush().map_err(|e| write_error(path, e))?;
    Ok(path.to_path_buf())
}

/// Parquet keeps real types: integer ids and UTC datetimes, as an export would.
fn write_parquet(dir: &Path, incident: &Incident) -> Result<Vec<PathBuf>, Error> {
    let millis = |ts: &mut dyn Iterator<Item = DateTime<Utc>>| -> Vec<i64> {
        ts.map(|t| t.timestamp_millis()).collect()
    };
    let datetime = |name: &str, values: Vec<i64>| -> PolarsResult<Column> {
        Series::new(name.into(), values)
            .cast(&DataType::Datetime(
                TimeUnit::Milliseconds,
                Some(TimeZone::UTC),
            ))
            .map(Column::from)
    };
    let rs: &[GenRow] = &incident.results;
    let results = || -> PolarsResult<DataFrame> {
        DataFrame::new_infer_height(vec![
            Column::new("id".into(), rs.iter().map(|r| r.id).collect::<Vec<_>>()),
            Column::new(
                "operation_name".into(),
                rs.iter()
                    .map(|r| r.operation_name.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "idempotency_key".into(),
                rs.iter()
                    .map(|r| r.idempotency_key.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "attempt_id".into(),
                rs.iter().map(|r| r.attempt_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "payload".into(),
                rs.iter()
                    .map(|r| r.payload.text().into_owned())
                    .collect::<Vec<_>>(),
            ),
            datetime("created_at", millis(&mut rs.iter().map(|r| r.created_at)))?,
        ])
    };
    let ls: &[GenLog] = &incident.log;
    let log = || -> PolarsResult<DataFrame> {
        DataFrame::new_infer_height(vec![
            Column::new(
                "idempotency_key".into(),
                ls.iter()
                    .map(|l| l.idempotency_key.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "attempt_id".into(),
                ls.iter().map(|l| l.attempt_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "operation_name".into(),
                ls.iter()
                    .map(|l| l.operation_name.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "status".into(),
                ls.iter().map(|l| l.status).collect::<Vec<_>>(),
            ),
            datetime("created_at", millis(&mut ls.iter().map(|l| l.created_at)))?,
            datetime("updated_at", millis(&mut ls.iter().map(|l| l.updated_at)))?,
        ])
    };
    let mut written = Vec::new();
    for (name, frame) in [
        ("results.parquet", results()),
        ("idempotency_log.parquet", log()),
    ] {
        let path = dir.join(name);
        let mut df = frame.map_err(|e| write_error(&path, e))?;
        let file = File::create(&path).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        ParquetWriter::new(file)
            .finish(&mut df)
            .map_err(|e| write_error(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// NDJSON with the payload as a JSON string, as most exporters write text columns.
fn write_ndjson(dir: &Path, incident: &Incident) -> Result<Vec<PathBuf>, Error> {
    let results = dir.join("results.ndjson");
    let mut w = BufWriter::new(File::create(&results).map_err(|source| Error::Write {
        path: results.clone(),
        source,
    })?);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    for r in &incident.results {
        let line = serde_json::json!({
            "id": r.id,
            "operation_name": r.operation_name,
            "idempotency_key": r.idempotency_key,
            "attempt_id": r.attempt_id,
            "payload": r.payload.text(),
            "created_at": text_time(r.created_at),
        });
        writeln!(w, "{line}").map_err(io(&results))?;
    }
    w.flush().map_err(io(&results))?;
    let log = dir.join("idempotency_log.ndjson");
    let mut w = BufWriter::new(File::create(&log).map_err(io(&log))?);
    for l in &incident.log {
        let line = serde_json::json!({
            "idempotency_key": l.idempotency_key,
            "attempt_id": l.attempt_id,
            "operation_name": l.operation_name,
            "status": l.status,
            "created_at": text_time(l.created_at),
            "updated_at": text_time(l.updated_at),
        });
        writeln!(w, "{line}").map_err(io(&log))?;
    }
    w.flush().map_err(io(&log))?;
    Ok(vec![results, log])
}
