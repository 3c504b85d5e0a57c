//! CSV, Parquet and NDJSON exports, read with polars lazy scans.
//!
//! In: a results file, a log file and the spec. Out: a [`Dataset`] of what can carry
//! a finding, read by the queries of [`pushdown`] (or, for `explain`, one key's rows;
//! for a log kept in Redis, every result row). Only the spec's columns are read, every
//! one cast to text (CSV columns are never type-inferred, so `007` stays `007`). CSV
//! files are first checked record by record with the `csv` crate, because its errors
//! carry the line number the user needs and polars' do not.

use std::path::{Path, PathBuf};

use polars::prelude::*;

mod pushdown;

pub(crate) use pushdown::key_frame;

use crate::error::Error;
use crate::model::{Dataset, Key, LogProjection, ResultProjection, SourceInfo};
use crate::progress::Progress;
use crate::source::check_columns;
use crate::source::views::Layout;
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

    pub fn name(self) -> &'static str {
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

    /// The results file.
    pub fn results_path(&self) -> &Path {
        &self.results
    }

    /// The column names of the results file and of the log file.
    pub fn columns(&self) -> Result<(Vec<String>, Vec<String>), Error> {
        Ok((open(&self.results)?.1, open(&self.log)?.1))
    }

    /// The most frequent values of the log file's column `column` (read as text),
    /// with their rows, for `init`.
    pub fn log_values(&self, column: &str) -> Result<Vec<(String, u64)>, Error> {
        let (frame, schema) = open_typed(&self.log)?;
        let Some(dtype) = schema.get(column).cloned() else {
            return Ok(Vec::new());
        };
        let df = frame
            .select([pushdown::time_text(col(column), &dtype).alias("v")])
            .group_by([col("v")])
            .agg([len().alias("n")])
            .sort(
                ["n"],
                SortMultipleOptions::default().with_order_descending(true),
            )
            .limit(50)
            .collect()
            .map_err(|e| polars_error(&self.log, e))?;
        let values = df
            .column("v")
            .and_then(|c| c.str().cloned())
            .map_err(|e| polars_error(&self.log, e))?;
        let counts = df
            .column("n")
            .and_then(|c| c.cast(&DataType::UInt64))
            .map_err(|e| polars_error(&self.log, e))?;
        let counts = counts.u64().map_err(|e| polars_error(&self.log, e))?;
        Ok(values
            .iter()
            .zip(counts.iter())
            .filter_map(|(v, n)| Some((v?.to_string(), n.unwrap_or(0))))
            .collect())
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

    /// Reads what the scan needs: the totals, the rows and log rows of the keys that
    /// can carry a finding, and the cross-key copies (see [`pushdown`]).
    pub fn load(&self, spec: &AuditSpec, progress: &Progress) -> Result<Dataset, Error> {
        pushdown::read(&Tables::open(self, spec)?, spec, progress)
    }

    /// Every result row and log row of `keys`, for `explain` and the keys an
    /// incremental run carries over.
    pub fn load_keys(&self, spec: &AuditSpec, keys: &[Key]) -> Result<Dataset, Error> {
        let t = Tables::open(self, spec)?;
        let keys = pushdown::key_frame(spec.results.key.len(), keys)
            .map_err(|e| polars_error(&t.results_path, e))?;
        let pushdown::PickedRows { results, log, .. } =
            pushdown::rows_of_keys(&t, &keys, None, false)?;
        Ok(Dataset::complete(
            spec,
            t.payload_columns.clone(),
            results,
            log,
        ))
    }
}

/// Both files opened lazily, their columns checked against the spec, and the names
/// the queries give the projected columns: `r0`.. in [`ResultProjection`] order for
/// the results, `l0`.. in [`LogProjection`] order for the log, all cast to text.
pub(crate) struct Tables {
    results_path: PathBuf,
    log_path: PathBuf,
    results: LazyFrame,
    log: LazyFrame,
    rp: ResultProjection,
    lp: LogProjection,
    payload_columns: Vec<String>,
    /// The type of each column of `rp.columns` and `lp.columns` in the file.
    results_types: Vec<DataType>,
    log_types: Vec<DataType>,
    /// Where each column sits, as the pre-filters' fragments need it.
    layout: Layout,
}

impl Tables {
    fn open(files: &FileSource, spec: &AuditSpec) -> Result<Tables, Error> {
        let opened = open_typed(&files.results)?;
        let results_columns = names(&opened.1);
        let payload_columns = spec.results.payload_columns(&results_columns);
        let rp = ResultProjection::new(spec, &payload_columns);
        check_columns(
            &files.results.display().to_string(),
            &results_columns,
            &rp.columns,
            &rp.fields,
        )?;
        let (results, results_schema) = as_text(&files.results, opened, &rp.columns)?;
        let opened = open_typed(&files.log)?;
        let log_columns = names(&opened.1);
        let lp = LogProjection::new(spec);
        check_columns(
            &files.log.display().to_string(),
            &log_columns,
            &lp.columns,
            &lp.fields,
        )?;
        let (log, log_schema) = as_text(&files.log, opened, &lp.columns)?;
        let layout = Layout::of(spec);
        let types = |schema: &SchemaRef, columns: &[String]| -> Vec<DataType> {
            columns
                .iter()
                .map(|c| schema.get(c.as_str()).cloned().unwrap_or(DataType::String))
                .collect()
        };
        Ok(Tables {
            results_types: types(&results_schema, &rp.columns),
            log_types: types(&log_schema, &lp.columns),
            results_path: files.results.clone(),
            log_path: files.log.clone(),
            results,
            log,
            rp,
            lp,
            payload_columns,
            layout,
        })
    }
}

/// Every row of a results file, with the payload column names: for a log kept
/// elsewhere (Redis).
pub fn load_results(
    path: &Path,
    spec: &AuditSpec,
) -> Result<(Vec<String>, Vec<crate::model::ResultRow>), Error> {
    FileFormat::of(path)?;
    let opened = open_typed(path)?;
    let columns = names(&opened.1);
    let payload_columns = spec.results.payload_columns(&columns);
    let projection = ResultProjection::new(spec, &payload_columns);
    check_columns(
        &path.display().to_string(),
        &columns,
        &projection.columns,
        &projection.fields,
    )?;
    let (frame, _) = as_text(path, opened, &projection.columns)?;
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
    open_typed(path).map(|(frame, schema)| (frame, names(&schema)))
}

/// `opened` ([`open_typed`] of `path`), where `text` (the columns read as text) hold
/// no objects or lists. In NDJSON, those that polars took for objects or lists are
/// read again as text: polars then hands each value over as its JSON, which is what
/// the scan compares, as it compares a database's JSON column. Elsewhere (a Parquet
/// struct or list) they are refused.
fn as_text(
    path: &Path,
    opened: (LazyFrame, SchemaRef),
    text: &[String],
) -> Result<(LazyFrame, SchemaRef), Error> {
    let nested: Vec<&String> = text
        .iter()
        .filter(|c| opened.1.get(c.as_str()).is_some_and(|t| t.is_nested()))
        .collect();
    let opened = match nested.is_empty() || FileFormat::of(path)? != FileFormat::Ndjson {
        true => opened,
        false => {
            let overwrite: Schema = nested
                .into_iter()
                .map(|c| Field::new(c.as_str().into(), DataType::String))
                .collect();
            open_as(path, Some(Arc::new(overwrite)))?
        }
    };
    check_flat(path, &opened.1, text)?;
    Ok(opened)
}

/// Opens a lazy scan of `path` and returns it with the file's schema.
fn open_typed(path: &Path) -> Result<(LazyFrame, SchemaRef), Error> {
    open_as(path, None)
}

/// [`open_typed`], with the types of `overwrite` imposed on an NDJSON file's columns.
fn open_as(path: &Path, overwrite: Option<SchemaRef>) -> Result<(LazyFrame, SchemaRef), Error> {
    if !path.exists() {
        return Err(Error::File {
            file: path.to_path_buf(),
            message: "no such file".into(),
        });
    }
    let pl_path = PlRefPath::from(path.to_string_lossy().as_ref());
    let frame = match FileFormat::of(path)? {
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
        FileFormat::Ndjson => LazyJsonLineReader::new(pl_path)
            .with_schema_overwrite(overwrite)
            .finish(),
    }
    .map_err(|e| polars_error(path, e))?;
    // The schema is read on a copy: the frame kept is still a plain scan, into which
    // polars can push the row numbering and the filters of the queries.
    let schema = frame
        .clone()
        .collect_schema()
        .map_err(|e| polars_error(path, e))?;
    Ok((frame, schema))
}

/// Refuses a column read as text whose values are nested (a Parquet struct or
/// list; NDJSON's are read as their JSON by [`as_text`]): polars would turn them
/// into text that is not their JSON, and every payload would then differ from what
/// a database holding the same JSON compares. Refuses too a decimal wider than
/// polars holds.
fn check_flat(path: &Path, schema: &SchemaRef, columns: &[String]) -> Result<(), Error> {
    for column in columns {
        match schema.get(column.as_str()) {
            Some(dtype) if dtype.is_nested() => {
                return Err(Error::File {
                    file: path.to_path_buf(),
                    message: format!(
                        "column `{column}` holds structs or lists ({dtype}), not text: \
                         dupaudit reads a JSON payload as a string holding its JSON; export \
                         the column as JSON text"
                    ),
                })
            }
            // polars holds decimals of up to 38 digits (128 bits); it names a wider
            // one (a Parquet decimal256) but fails on its first value.
            Some(DataType::Decimal(precision, scale)) if *precision > 38 => {
                return Err(Error::File {
                    file: path.to_path_buf(),
                    message: format!(
                        "column `{column}` (a decimal of {precision} digits, {scale} after the \
                         point) is wider than the 38 digits dupaudit reads; export it as text"
                    ),
                })
            }
            _ => {}
        }
    }
    Ok(())
}

fn names(schema: &SchemaRef) -> Vec<String> {
    schema.iter_names().map(|n| n.to_string()).collect()
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
    text_cells(frame, columns, &|message| Error::File {
        file: path.to_path_buf(),
        message,
    })
}

/// The columns `columns` of `frame`, each read as text as [`pushdown::time_text`]
/// reads it, row by row; `error` says where a failure happened.
pub(crate) fn text_cells(
    frame: LazyFrame,
    columns: &[String],
    error: &dyn Fn(String) -> Error,
) -> Result<Vec<Vec<Option<String>>>, Error> {
    let mut frame = frame;
    let schema = frame.collect_schema().map_err(|e| error(e.to_string()))?;
    let exprs: Vec<Expr> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let dtype = schema.get(c.as_str()).cloned().unwrap_or(DataType::String);
            pushdown::time_text(col(c.as_str()), &dtype).alias(format!("c{i}"))
        })
        .collect();
    let df = frame
        .select(exprs)
        .collect()
        .map_err(|e| error(e.to_string()))?;
    let mut series = Vec::with_capacity(columns.len());
    for (i, name) in columns.iter().enumerate() {
        let column = df
            .column(&format!("c{i}"))
            .map_err(|e| error(e.to_string()))?;
        let text = column
            .str()
            .map_err(|e| error(format!("column `{name}` cannot be read as text: {e}")))?;
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

/// At most `n` keys of the results file at `path` that begin as `key` does: those
/// sharing with it the longest prefix of its last column that any key shares
/// (see [`crate::vocab::prefixes`]), for the error of a key that is not there.
pub fn similar_keys(path: &Path, spec: &AuditSpec, key: &Key, n: usize) -> Result<Vec<Key>, Error> {
    let opened = open_typed(path)?;
    let columns = names(&opened.1);
    let wanted = &spec.results.key;
    check_columns(
        &path.display().to_string(),
        &columns,
        wanted,
        &vec!["results.key".to_string(); wanted.len()],
    )?;
    let (frame, _) = as_text(path, opened, wanted)?;
    let texts: Vec<Expr> = wanted
        .iter()
        .map(|c| col(c.as_str()).cast(DataType::String))
        .collect();
    let last = col(wanted[wanted.len() - 1].as_str()).cast(DataType::String);
    for prefix in crate::vocab::prefixes(&key[key.len() - 1]) {
        let found = frame
            .clone()
            .filter(last.clone().str().starts_with(lit(prefix.as_str())))
            .select(texts.clone())
            .unique(None, UniqueKeepStrategy::Any)
            .sort(
                wanted.iter().map(String::as_str).collect::<Vec<_>>(),
                Default::default(),
            )
            .limit(n as IdxSize);
        let keys = text_rows(path, found, wanted)?;
        let keys: Vec<Key> = keys
            .into_iter()
            .filter_map(|cells| cells.into_iter().collect::<Option<Key>>())
            .collect();
        if !keys.is_empty() {
            return Ok(keys);
        }
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_of_structs_or_lists_read_as_text_is_refused_by_name() {
        let schema: SchemaRef = Arc::new(Schema::from_iter([
            Field::new("id".into(), DataType::Int64),
            Field::new("payload".into(), DataType::List(Box::new(DataType::String))),
        ]));
        let path = Path::new("results.parquet");
        assert!(check_flat(path, &schema, &["id".to_string()]).is_ok());
        let refused = check_flat(path, &schema, &["id".to_string(), "payload".to_string()])
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("results.parquet") && refused.contains("column `payload`"),
            "{refused}"
        );
    }
}
