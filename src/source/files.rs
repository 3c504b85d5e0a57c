//! CSV, Parquet and NDJSON exports, read with polars lazy scans.
//!
//! In: a results file, a log file and the spec. Out: a [`Dataset`]. Files are read
//! with only the spec's columns projected, every column cast to text (CSV columns are
//! never type-inferred, so `007` stays `007`). CSV files are first checked record by
//! record with the `csv` crate, because its errors carry the line number the user
//! needs and polars' do not.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::Error;
use crate::model::{Dataset, LogProjection, ResultProjection, SourceInfo};
use crate::source::check_columns;
use crate::spec::AuditSpec;

/// The export formats dupaudit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Parquet,
    Ndjson,
}

impl FileFormat {
    /// Picks the format from the file extension.
    pub fn of(path: &Path) -> Result<FileFormat, Error> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Ok(FileFormat::Csv),
            "parquet" | "pq" => Ok(FileFormat::Parquet),
            "ndjson" | "jsonl" => Ok(FileFormat::Ndjson),
            _ => Err(Error::File {
                file: path.to_path_buf(),
                message: "unknown file type; use .csv, .parquet or .ndjson/.jsonl".into(),
            }),
        }
    }

    fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Parquet => "parquet",
            FileFormat::Ndjson => "ndjson",
        }
    }
}

/// A pair of exported files: the results table and the idempotency log.
#[derive(Debug, Clone)]
pub struct FileSource {
    results: PathBuf,
    log: PathBuf,
}

impl FileSource {
    pub fn new(results: PathBuf, log: PathBuf) -> Result<FileSource, Error> {
        FileFormat::of(&results)?;
        FileFormat::of(&log)?;
        Ok(FileSource { results, log })
    }

    /// The column names of the results file and of the log file.
    pub fn columns(&self) -> Result<(Vec<String>, Vec<String>), Error> {
        Ok((open(&self.results)?.1, open(&self.log)?.1))
    }

    pub fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: FileFormat::of(&self.results)
                .map(FileFormat::name)
                .unwrap_or("file")
                .into(),
            location: self.results.display().to_string(),
            results: self.results.display().to_string(),
            log: self.log.display().to_string(),
        }
    }

    pub fn load(&self, spec: &AuditSpec) -> Result<Dataset, Error> {
        let (results_frame, results_columns) = open(&self.results)?;
        let payload_columns = spec.results.payload_columns(&results_columns);
        let results_proj = ResultProjection::new(spec, &payload_columns);
        check_columns(
            &self.results.display().to_string(),
            &results_columns,
            &results_proj.columns,
            &results_proj.fields,
        )?;
        let (log_frame, log_columns) = open(&self.log)?;
        let log_proj = LogProjection::new(spec);
        check_columns(
            &self.log.display().to_string(),
            &log_columns,
            &log_proj.columns,
            &log_proj.fields,
        )?;

        let mut results = Vec::new();
        for cells in text_rows(&self.results, results_frame, &results_proj.columns)? {
            results.push(results_proj.row(cells)?);
        }
        let mut log = Vec::new();
        for cells in text_rows(&self.log, log_frame, &log_proj.columns)? {
            log.push(log_proj.entry(cells)?);
        }
        Ok(Dataset::complete(spec, payload_columns, results, log))
    }
}

/// Every row of a results file, with the payload column names: for a log kept
/// elsewhere (Redis).
pub fn load_results(
    path: &Path,
    spec: &AuditSpec,
) -> Result<(Vec<String>, Vec<crate::model::ResultRow>), Error> {
    FileFormat::of(path)?;
    let (frame, columns) = open(path)?;
    let payload_columns = spec.results.payload_columns(&columns);
    let projection = ResultProjection::new(spec, &payload_columns);
    check_columns(
        &path.display().to_string(),
        &columns,
        &projection.columns,
        &projection.fields,
    )?;
    let mut results = Vec::new();
    for cells in text_rows(path, frame, &projection.columns)? {
        results.push(projection.row(cells)?);
    }
    Ok((payload_columns, results))
}

fn polars_error(file: &Path, e: PolarsError) -> Error {
    Error::File {
        file: file.to_path_buf(),
        message: e.to_string(),
    }
}

/// Opens a lazy scan of `path` and returns it with the file's column names.
fn open(path: &Path) -> Result<(LazyFrame, Vec<String>), Error> {
    if !path.exists() {
        return Err(Error::File {
            file: path.to_path_buf(),
            message: "no such file".into(),
        });
    }
    let pl_path = PlRefPath::from(path.to_string_lossy().as_ref());
    let mut frame = match FileFormat::of(path)? {
        FileFormat::Csv => {
            let header = check_csv(path)?;
            if header.is_empty() {
                return Err(Error::FileLine {
                    file: path.to_path_buf(),
                    line: 1,
                    message: "the file is empty; a CSV export needs a header line".into(),
                });
            }
            LazyCsvReader::new(pl_path)
                .with_has_header(true)
                // Read every column as text: no type guessing, values arrive verbatim.
                .with_infer_schema_length(Some(0))
                .with_glob(false)
                .finish()
        }
        FileFormat::Parquet => LazyFrame::scan_parquet(pl_path, ScanArgsParquet::default()),
        FileFormat::Ndjson => LazyJsonLineReader::new(pl_path).finish(),
    }
    .map_err(|e| polars_error(path, e))?;
    let schema = frame.collect_schema().map_err(|e| polars_error(path, e))?;
    let columns = schema.iter_names().map(|n| n.to_string()).collect();
    Ok((frame, columns))
}

/// Checks every CSV record with the `csv` crate and returns the header. An empty
/// file has an empty header.
fn check_csv(path: &Path) -> Result<Vec<String>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_path(path)
        .map_err(|e| Error::File {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, e))?
        .iter()
        .map(String::from)
        .collect();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(path, e)),
        }
    }
    Ok(header)
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields like the header, found {len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        _ => e.to_string(),
    };
    Error::FileLine {
        file: path.to_path_buf(),
        line,
        message,
    }
}

/// Collects the projected columns as text and yields one row of cells at a time.
fn text_rows(
    path: &Path,
    frame: LazyFrame,
    columns: &[String],
) -> Result<Vec<Vec<Option<String>>>, Error> {
    let exprs: Vec<Expr> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            col(c.as_str())
                .cast(DataType::String)
                .alias(format!("c{i}"))
        })
        .collect();
    let df = frame
        .select(exprs)
        .collect()
        .map_err(|e| polars_error(path, e))?;
    let mut series = Vec::with_capacity(columns.len());
    for (i, name) in columns.iter().enumerate() {
        let column = df
            .column(&format!("c{i}"))
            .map_err(|e| polars_error(path, e))?;
        let text = column.str().map_err(|e| Error::File {
            file: path.to_path_buf(),
            message: format!("column `{name}` cannot be read as text: {e}"),
        })?;
        series.push(text.clone());
    }
    let mut iters: Vec<_> = series.iter().map(|s| s.iter()).collect();
    let mut rows = Vec::with_capacity(df.height());
    for _ in 0..df.height() {
        rows.push(
            iters
                .iter_mut()
                .map(|it| it.next().flatten().map(String::from))
                .collect(),
        );
    }
    Ok(rows)
}
