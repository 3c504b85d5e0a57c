//! The scan of exported files, pushed down into polars as a database scan is pushed
//! down into SQL.
//!
//! In: both files opened lazily ([`Tables`]) and the spec. Out: a [`Dataset`] that
//! holds only what can carry a finding (every row and log row of the keys that can
//! have one, the NULL-key rows, the cross-key copies) with the totals counted over
//! both files, so what is kept grows with the findings, not with the files (polars'
//! groupings and joins hold a whole file's keys while they run). The class
//! pre-filters are the classes' own SQL; the counting queries mirror the SQL of
//! `queries/ansi/` named beside them, so that files and databases hand the scan the
//! same rows.
//!
//! Steps:
//! 1. At once: the log's status values and their row counts (`statuses.sql`), mapped
//!    onto the spec's spellings; the number of result rows, of NULL-key rows and of
//!    keys (`totals.sql`), and the duplicated keys (`keys_duplicated.sql`), from one
//!    pass that hashes each key rather than holding it.
//! 2. With a window (`--since`, `--until`): the keys touched in it and the window's
//!    totals (`touched.sql`, `totals_window.sql`), read in batches, every timestamp
//!    read as the scan reads it.
//! 3. The keys of the other checked classes: each class's own pre-filter, the SQL a
//!    database runs (`keys_*.sql`), run by polars' SQL engine over the files, one
//!    class and one part of the keys (split by a hash of the key) at a time, so that
//!    a join holds a part's keys; their union, kept to the touched keys over a window.
//! 4. Every result row and log row of those keys, picked by a filter polars pushes
//!    into the file's reader; for null-key, the NULL-key rows (`null_keys.sql`) are
//!    picked by the same pass over the results.
//! 5. Cross-key, when checked: every keyed payload hashed in batches, keeping 24 bytes
//!    a row (payload hash, key hash, row number); the rows whose payload appears under
//!    several keys are then read by row number, with the log rows of their keys.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use super::{polars_error, Tables};
use crate::canonical::Canonicalizer;
use crate::error::Error;
use crate::findings::Class;
use crate::model::{Counts, Dataset, Key, LogEntry, ResultRow};
use crate::progress::Progress;
use crate::source::views::{k, l, r, Spellings, LOG_VIEW, RESULTS_VIEW};
use crate::spec::{AuditSpec, TimeWindow};

/// The column holding a row's position in its file.
const ROW: &str = "row";

/// From this many result rows on, a scan that checks cross-key says what it costs.
const CROSS_KEY_NOTICE_ROWS: u64 = 1_000_000;

/// Most rows listed as non-JSON; must match the scan's own limit.
use crate::findings::NON_JSON_LISTED;

/// True when every expression is; `lit(true)` for none.
fn all_of(exprs: impl IntoIterator<Item = Expr>) -> Expr {
    exprs
        .into_iter()
        .reduce(|a, b| a.and(b))
        .unwrap_or(lit(true))
}

/// True when any expression is; `lit(false)` for none.
fn any_of(exprs: impl IntoIterator<Item = Expr>) -> Expr {
    exprs
        .into_iter()
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false))
}

/// `columns` of `frame` renamed by `name`, those at `text` cast to text, after the
/// row's position when `numbered`; with `slice` (offset, length), only those rows of
/// the file, which its reader alone reads.
fn renamed(
    frame: &LazyFrame,
    columns: &[String],
    types: &[DataType],
    name: fn(usize) -> String,
    text: &[usize],
    numbered: bool,
    slice: Option<(u64, u64)>,
) -> LazyFrame {
    let columns = columns.iter().zip(types).enumerate().map(|(i, (c, t))| {
        let column = col(c.as_str());
        // A cast, even to the same type, would keep polars from pushing the
        // queries' filters into the scan.
        match text.contains(&i) && *t != DataType::String {
            true => column.cast(DataType::String).alias(name(i)),
            false => column.alias(name(i)),
        }
    });
    let frame = match numbered {
        true => frame.clone().with_row_index(ROW, None),
        false => frame.clone(),
    };
    let frame = match slice {
        Some((offset, len)) => frame.slice(offset as i64, len as IdxSize),
        None => frame,
    };
    let head = numbered.then(|| col(ROW));
    frame.select(head.into_iter().chain(columns).collect::<Vec<_>>())
}

/// `row` and the columns `names` (of types `types`), every one cast to text: done on
/// the rows read, after the queries have picked them. See [`time_text`] for times.
fn as_text(frame: LazyFrame, names: &[String], types: &[DataType]) -> LazyFrame {
    as_text_reading(frame, names, types, &vec![true; names.len()])
}

/// [`as_text`], where the columns `read` marks false are NULL: neither decoded nor
/// written as text.
fn as_text_reading(
    frame: LazyFrame,
    names: &[String],
    types: &[DataType],
    read: &[bool],
) -> LazyFrame {
    let columns = names
        .iter()
        .zip(types)
        .zip(read)
        .map(|((n, t), &read)| match read {
            true => time_text(col(n.as_str()), t).alias(n.as_str()),
            false => lit(NULL).cast(DataType::String).alias(n.as_str()),
        });
    frame.select(std::iter::once(col(ROW)).chain(columns).collect::<Vec<_>>())
}

/// A text column with its strings copied out of the buffers they were read into.
/// polars' filters keep each string where it was read, and the page buffers it lies
/// in with it: the few rows a filter keeps out of a file would otherwise hold the
/// whole column in memory.
fn compacted(column: Expr) -> Expr {
    column.map(
        |c| {
            let text = c.str()?;
            let copy: StringChunked = text.iter().collect();
            Ok(copy.with_name(text.name().clone()).into_column())
        },
        |_, field| Ok(field.clone()),
    )
}

/// A column as text, as [`crate::model::Clock::parse`] reads it: a zoned datetime as
/// its instant in UTC (`…Z`), since the zone only says how to show it; a naive one
/// or a date without a zone, which the spec's `time_zone` (UTC by default) places.
/// Any other column is cast to text.
pub(super) fn time_text(column: Expr, dtype: &DataType) -> Expr {
    match dtype {
        DataType::Datetime(unit, Some(_)) => column
            .cast(DataType::Int64)
            .cast(DataType::Datetime(*unit, None))
            .dt()
            .to_string("%Y-%m-%dT%H:%M:%S%.fZ"),
        DataType::Datetime(_, None) => column.dt().to_string("%Y-%m-%dT%H:%M:%S%.f"),
        DataType::Date => column.dt().to_string("%Y-%m-%d"),
        _ => column.cast(DataType::String),
    }
}

/// How many rows of a file the class pre-filters read in one part (see
/// [`Tables::class_keys`]): a part's joins and groupings hold about 150 bytes for each
/// of its keys, so a part of this many rows stays near 300 MB.
const ROWS_PER_PART: u64 = 2_000_000;

/// The seed of the hash that splits the keys into parts.
const PART_SEED: u64 = 0x7061_7274_6b65_7973;

/// True for the rows whose key (the text columns `key`) falls in part `part` of
/// `parts`: a 64-bit hash of the key's cells, modulo `parts`. The same key hashes
/// alike in both files, since both hand it over as text.
fn in_part(key: Vec<Expr>, part: u64, parts: u64) -> Expr {
    let mut key = key.into_iter();
    let first = key.next().expect("a key has at least one column");
    let rest: Vec<Expr> = key.collect();
    first.map_many(
        move |columns: &mut [Column]| {
            use std::hash::{BuildHasher, Hash, Hasher};
            let state = foldhash::quality::FixedState::with_seed(PART_SEED);
            let mut cells = columns
                .iter()
                .map(|c| c.str().map(|s| s.iter()))
                .collect::<PolarsResult<Vec<_>>>()?;
            let height = columns.first().map_or(0, Column::len);
            let mask: BooleanChunked = (0..height)
                .map(|_| {
                    let mut h = state.build_hasher();
                    for c in cells.iter_mut() {
                        c.next().flatten().hash(&mut h);
                    }
                    h.finish() % parts == part
                })
                .collect();
            Ok(mask
                .with_name(PlSmallStr::from_static("part"))
                .into_column())
        },
        &rest,
        |_, _| {
            Ok(Field::new(
                PlSmallStr::from_static("part"),
                DataType::Boolean,
            ))
        },
    )
}

fn streaming(frame: LazyFrame) -> PolarsResult<DataFrame> {
    frame
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
}

impl Tables {
    fn results_error(&self, e: PolarsError) -> Error {
        polars_error(&self.results_path, e)
    }

    fn log_error(&self, e: PolarsError) -> Error {
        polars_error(&self.log_path, e)
    }

    /// The results' columns renamed `r0`.. (in [`crate::model::ResultProjection`]
    /// order), with each row's position (`row`) when asked: rows are handed to the
    /// scan in file order, as a full read would. The key and the attempt are cast to
    /// text, since rows are matched and grouped on them as text; the other columns
    /// keep their type until the few rows read are cast ([`as_text`]).
    fn results_text(&self, numbered: bool) -> LazyFrame {
        let text = self.layout.r_text();
        renamed(
            &self.results,
            &self.rp.columns,
            &self.results_types,
            r,
            &text,
            numbered,
            None,
        )
    }

    /// [`Self::results_text`] numbered, of the rows `offset..offset + len` of the
    /// file alone.
    fn results_slice(&self, offset: u64, len: u64) -> LazyFrame {
        renamed(
            &self.results,
            &self.rp.columns,
            &self.results_types,
            r,
            &self.layout.r_text(),
            true,
            Some((offset, len)),
        )
    }

    /// The log's columns renamed `l0`.., the key, attempt and status cast to text,
    /// with `row` when asked.
    fn log_text(&self, numbered: bool) -> LazyFrame {
        let text = self.layout.l_text();
        renamed(
            &self.log,
            &self.lp.columns,
            &self.log_types,
            l,
            &text,
            numbered,
            None,
        )
    }

    /// The types of `r0`.. as [`Self::results_text`] leaves them.
    fn results_types(&self) -> Vec<DataType> {
        let mut types = self.results_types.clone();
        for i in self.layout.r_text() {
            types[i] = DataType::String;
        }
        types
    }

    /// The types of `l0`.. as [`Self::log_text`] leaves them.
    fn log_types(&self) -> Vec<DataType> {
        let mut types = self.log_types.clone();
        for i in self.layout.l_text() {
            types[i] = DataType::String;
        }
        types
    }

    fn r_key(&self) -> Vec<Expr> {
        (0..self.layout.r_key)
            .map(|j| col(r(self.layout.r_pk + j)))
            .collect()
    }

    fn l_key(&self) -> Vec<Expr> {
        (0..self.layout.r_key).map(|j| col(l(j))).collect()
    }

    fn key_names(&self) -> Vec<Expr> {
        (0..self.layout.r_key).map(|j| col(k(j))).collect()
    }

    fn r_key_not_null(&self) -> Expr {
        all_of(self.r_key().into_iter().map(|e| e.is_not_null()))
    }

    fn r_key_null(&self) -> Expr {
        any_of(self.r_key().into_iter().map(|e| e.is_null()))
    }

    /// The keys that can carry a finding of each checked class other than the
    /// duplicate classes (read in step 1), as `k0`..: each class's own pre-filter
    /// ([`crate::classes::Check::prefilter`]), the SQL a database runs, run by
    /// polars' SQL engine over the two files. The window is applied to their union
    /// afterwards, so the window's fragments are empty here.
    ///
    /// Each query reads only the rows of part `part` of `parts` of the keys, split by
    /// a hash of the key ([`in_part`]): the joins and groupings match rows on the key,
    /// so the union of every part's keys is the whole files' keys, and each part
    /// holds a `parts`th of the keys while it runs.
    fn class_keys(
        &self,
        checks: &BTreeSet<Class>,
        s: &Spellings,
        (part, parts): (u64, u64),
    ) -> Result<Vec<LazyFrame>, Error> {
        let (mut results, mut log) = (self.results_text(false), self.log_text(false));
        if parts > 1 {
            // The rows of the part, their text copied out of the file's buffers, so
            // that what the joins keep of a part holds nothing of the others.
            let own = |frame: LazyFrame, text: Vec<usize>, name: fn(usize) -> String| {
                frame.with_columns(
                    text.into_iter()
                        .map(|i| compacted(col(name(i))))
                        .collect::<Vec<_>>(),
                )
            };
            results = own(
                results.filter(in_part(self.r_key(), part, parts)),
                self.layout.r_text(),
                r,
            );
            log = own(
                log.filter(in_part(self.l_key(), part, parts)),
                self.layout.l_text(),
                l,
            );
        }
        let mut context = polars::sql::SQLContext::new();
        context.register(RESULTS_VIEW, results);
        context.register(LOG_VIEW, log);
        let fragments = self.layout.prefilter_fragments();
        let fragments: Vec<(&str, &str)> =
            fragments.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let lists = s.lists();
        crate::classes::prefilters(checks)
            .into_iter()
            .filter(|template| *template != crate::sql::queries::KEYS_DUPLICATED)
            .map(|template| {
                let sql = crate::sql::render_inline(
                    template,
                    &fragments,
                    &lists,
                    crate::sql::string_literal,
                );
                context
                    .execute(&sql)
                    .map(|keys| keys.select(self.key_names()))
                    .map_err(|e| self.results_error(e))
            })
            .collect()
    }
}

pub(super) fn read(t: &Tables, spec: &AuditSpec, progress: &Progress) -> Result<Dataset, Error> {
    read_in_parts(t, spec, progress, SIZES)
}

/// [`read`], reading the files by `sizes`.
fn read_in_parts(
    t: &Tables,
    spec: &AuditSpec,
    progress: &Progress,
    sizes: Sizes,
) -> Result<Dataset, Error> {
    let checks = spec.scan.checks();
    let duplicates = checks.contains(&Class::Exact) || checks.contains(&Class::Conflict);
    // The status values also count the log, which only a class that reads the log
    // as a whole needs.
    let log_counted = crate::classes::needs(&checks).whole_log;
    let window = spec.scan.window;

    // 1.
    progress.phase(match log_counted {
        true => "counting rows and keys, reading the log's status values",
        false => "counting rows and keys",
    });
    let statuses = t
        .log_text(false)
        .group_by([col(l(t.layout.l_status))])
        .agg([len().cast(DataType::UInt64).alias("n")]);
    // The rows, the NULL-key rows and the keys are counted by the pass that finds the
    // duplicated keys (keys_duplicated.sql), which holds 16 bytes a row where a
    // grouping would hold every key (totals.sql), while the log's statuses are
    // counted.
    let (statuses, found) = std::thread::scope(|scope| {
        let found = scope.spawn(|| duplicated_keys(t, progress, u64::MAX));
        let statuses = log_counted.then(|| streaming(statuses));
        let found = found
            .join()
            .unwrap_or_else(|_| Err(Error::Runtime("the pass over the keys panicked".into())));
        (statuses, found)
    });
    let spellings = match statuses {
        Some(statuses) => Some(spellings(t, spec, &statuses.map_err(|e| t.log_error(e))?)?),
        None => None,
    };
    let found = found?;
    let result_rows = found.rows;
    let mut null_key_rows = found.null_rows;
    // Every keyed row is either the only row of its key or one of the rows of a
    // duplicated key, of which all but one are surplus.
    let mut keys = found.rows - found.null_rows - found.surplus;
    let duplicated = duplicates.then(|| found.keys.lazy());
    let mut counts = Counts {
        result_rows,
        log_rows: spellings.as_ref().map(|s| s.rows),
        keys: 0,
        null_key_rows: 0,
        unknown_statuses: spellings
            .as_ref()
            .map(|s| s.unknown_values.clone().into_iter().collect()),
        non_json_payloads: None,
        malformed: Vec::new(),
        redis: None,
    };

    // 2.
    let touched = match window {
        Some(w) => {
            progress.phase("reading the keys touched in the window");
            let touched = touched(t, w, progress)?;
            counts.result_rows = touched.result_rows;
            counts.log_rows = Some(touched.log_rows);
            null_key_rows = touched.null_key_rows;
            keys = touched.keys.len() as u64;
            Some(
                key_frame(
                    t.layout.r_key,
                    &touched.keys.into_iter().collect::<Vec<_>>(),
                )
                .map_err(|e| t.results_error(e))?,
            )
        }
        None => None,
    };
    counts.keys = keys;
    counts.null_key_rows = null_key_rows;

    // 3.
    progress.phase("reading the keys that can carry a finding");
    let spellings = spellings.unwrap_or_default();
    // One pre-filter and one part of the keys at a time: the join of the log checks
    // holds the keys of its part of both files while it runs.
    let parts = result_rows.max(spellings.rows).div_ceil(sizes.part).max(1);
    tracing::debug!("the class pre-filters read the keys in {parts} parts");
    let mut found = Vec::new();
    for part in 0..parts {
        // A part's pre-filters run together, sharing their reads of the files.
        let plans: Vec<DslPlan> = t
            .class_keys(&checks, &spellings, (part, parts))?
            .into_iter()
            .map(|frame| frame.unique(None, UniqueKeepStrategy::Any).logical_plan)
            .collect();
        if plans.is_empty() {
            continue;
        }
        let keys = LazyFrame::collect_all_with_engine(
            plans,
            Engine::Streaming,
            t.results.get_current_optimizations(),
        )
        .map_err(|e| t.results_error(e))?;
        found.extend(keys.into_iter().map(DataFrame::lazy));
    }
    found.extend(duplicated);
    let interesting = if found.is_empty() {
        DataFrame::empty()
    } else {
        let mut interesting = concat(found, UnionArgs::default())
            .map_err(|e| t.results_error(e))?
            .unique(None, UniqueKeepStrategy::Any);
        if let Some(touched) = &touched {
            interesting = interesting.join(
                touched.clone().lazy(),
                t.key_names(),
                t.key_names(),
                JoinArgs::new(JoinType::Inner),
            );
        }
        streaming(interesting).map_err(|e| t.results_error(e))?
    };

    // 4. The rows of those keys and, for null-key, the rows whose key is NULL, in one
    // pass over the results.
    let null_keyed = checks.contains(&Class::NullKey);
    match (interesting.height(), null_keyed) {
        (0, false) => {}
        (0, true) => progress.phase("reading rows whose key is NULL"),
        (n, true) => progress.phase(&format!(
            "reading the rows of {n} keys and the rows whose key is NULL"
        )),
        (n, false) => progress.phase(&format!("reading the rows of {n} keys")),
    }
    let PickedRows {
        mut results,
        null_keyed,
        mut log,
    } = rows_of_keys(t, &interesting, Some((result_rows, sizes.pick)), null_keyed)?;
    results.extend(null_keyed.into_iter().filter(|row| match window {
        Some(w) => row.written_at.is_some_and(|at| w.contains(at)),
        None => true,
    }));

    // 5.
    if checks.contains(&Class::CrossKey) {
        if counts.result_rows >= CROSS_KEY_NOTICE_ROWS {
            tracing::warn!(
                "cross-key detection reads and hashes every one of the {} payloads: \
                 on files this size it takes longer than all the other checks together; \
                 `--classes` without cross-key, or `[scan] cross_key = false` in the spec, skips it",
                counts.result_rows
            );
        }
        let json_columns: Vec<bool> = t
            .payload_columns
            .iter()
            .map(|c| spec.results.json.contains(c))
            .collect();
        let canon = Canonicalizer::new(json_columns, &spec.results.ignore_fields);
        let (copies, non_json) = cross_key_rows(t, &canon, window, (result_rows, sizes), progress)?;
        counts.non_json_payloads = Some(non_json);
        let new_keys = crate::source::add_copies(&mut results, &log, copies);
        if !new_keys.is_empty() {
            let keys = key_frame(t.layout.r_key, &new_keys).map_err(|e| t.results_error(e))?;
            log.extend(log_entries_of(t, log_rows_for(t, &keys))?);
        }
    }

    let json_columns = t
        .payload_columns
        .iter()
        .map(|c| spec.results.json.contains(c))
        .collect();
    Ok(Dataset {
        payload_columns: t.payload_columns.clone(),
        json_columns,
        results,
        log,
        counts: Some(counts),
    })
}

/// The keys of several result rows, as [`duplicated_keys`] finds them.
struct DuplicatedKeys {
    /// Every result row.
    rows: u64,
    /// Result rows with a NULL key column.
    null_rows: u64,
    /// The rows of the duplicated keys but one of each.
    surplus: u64,
    /// The duplicated keys, a frame of `k0`...
    keys: DataFrame,
}

/// The keys of several result rows (keys_duplicated.sql), found without holding
/// every key: each row's key is hashed to 64 bits beside its position in the file
/// (16 bytes a row), the hashes are sorted, the rows of every hash seen more than
/// once are read back for their keys, and those keys are counted, so that two keys
/// that share a hash are told apart. Only the bits of `mask` are kept of each hash
/// (all of them but in tests, which make keys share hashes).
fn duplicated_keys(t: &Tables, progress: &Progress, mask: u64) -> Result<DuplicatedKeys, Error> {
    use std::hash::{BuildHasher, Hash, Hasher};

    #[derive(Default)]
    struct Pass {
        /// Each keyed row's hash and position.
        hashed: Vec<(u64, u32)>,
        rows: u64,
        null_rows: u64,
    }
    let names: Vec<String> = (t.layout.r_pk..t.layout.r_pk + t.layout.r_key)
        .map(r)
        .collect();
    let selected = |frame: LazyFrame| {
        frame.select(
            std::iter::once(col(ROW))
                .chain(t.r_key())
                .collect::<Vec<_>>(),
        )
    };
    let pass = Arc::new(Mutex::new(Pass::default()));
    let (into, path, shown, columns_of) = (
        Arc::clone(&pass),
        t.results_path.clone(),
        progress.clone(),
        names.clone(),
    );
    let state = foldhash::quality::FixedState::with_seed(0x6475_7061_7564_6974);
    batches(&t.results_path, selected(t.results_text(true)), move |df| {
        shown.rows(df.height() as u64);
        let positions = row_positions(&path, df)?;
        let columns = text_columns(&path, df, &columns_of)?;
        let mut batch = Pass {
            hashed: Vec::with_capacity(positions.len()),
            rows: positions.len() as u64,
            null_rows: 0,
        };
        for (i, &position) in positions.iter().enumerate() {
            let mut h = state.build_hasher();
            let mut null = false;
            for c in &columns {
                let cell = c.get(i);
                null |= cell.is_none();
                cell.hash(&mut h);
            }
            match null {
                true => batch.null_rows += 1,
                false => batch.hashed.push((h.finish() & mask, position)),
            }
        }
        let mut pass = into.lock().expect("never poisoned");
        pass.hashed.extend_from_slice(&batch.hashed);
        pass.rows += batch.rows;
        pass.null_rows += batch.null_rows;
        Ok(())
    })?;
    let Pass {
        mut hashed,
        rows,
        null_rows,
    } = std::mem::take(&mut *pass.lock().expect("never poisoned"));
    {
        use rayon::slice::ParallelSliceMut;
        hashed.par_sort_unstable_by_key(|h| h.0);
    }
    let mut shared: Vec<u32> = hashed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|same| same.len() > 1)
        .flat_map(|same| same.iter().map(|h| h.1))
        .collect();
    drop(hashed);
    let mut surplus = 0;
    let mut keys: Vec<Key> = Vec::new();
    if !shared.is_empty() {
        shared.sort_unstable();
        let wanted = Column::new(ROW.into(), shared)
            .cast(&IDX_DTYPE)
            .map_err(|e| t.results_error(e))?
            .as_materialized_series()
            .clone();
        // The filter is pushed into the scan, so only these rows' keys are read again.
        let frame = selected(
            t.results_text(true)
                .filter(col(ROW).is_in(lit(wanted).implode(false), false)),
        );
        let df = streaming(frame).map_err(|e| t.results_error(e))?;
        let columns = text_columns(&t.results_path, &df, &names)?;
        let mut counts: foldhash::HashMap<Key, u64> = foldhash::HashMap::default();
        for i in 0..df.height() {
            let key = columns
                .iter()
                .map(|c| c.get(i).unwrap_or_default().to_string())
                .collect();
            *counts.entry(key).or_default() += 1;
        }
        for (key, n) in counts {
            if n > 1 {
                surplus += n - 1;
                keys.push(key);
            }
        }
    }
    Ok(DuplicatedKeys {
        rows,
        null_rows,
        surplus,
        keys: key_frame(t.layout.r_key, &keys).map_err(|e| t.results_error(e))?,
    })
}

/// The positions in the file (`row`) of a batch's rows.
fn row_positions(path: &Path, df: &DataFrame) -> Result<Vec<u32>, Error> {
    df.column(ROW)
        .and_then(|c| c.cast(&DataType::UInt32))
        .and_then(|c| Ok(c.u32()?.into_no_null_iter().collect()))
        .map_err(|e| polars_error(path, e))
}

/// The u64 column `name` of a small frame.
fn u64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    let c = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(c.u64()?.iter().map(|v| v.unwrap_or(0)).collect())
}

/// The status values of the log mapped onto the spec's spellings (`statuses.sql`).
fn spellings(t: &Tables, spec: &AuditSpec, statuses: &DataFrame) -> Result<Spellings, Error> {
    let values = statuses
        .column(&l(t.layout.l_status))
        .and_then(|c| c.str().cloned())
        .map_err(|e| t.log_error(e))?;
    let counts = u64s(statuses, "n").map_err(|e| t.log_error(e))?;
    Ok(Spellings::of(spec, values.iter().zip(counts)))
}

/// A frame of keys of `arity` columns, `k0`...
pub(crate) fn key_frame(arity: usize, keys: &[Key]) -> PolarsResult<DataFrame> {
    let columns = (0..arity)
        .map(|j| {
            Column::new(
                k(j).into(),
                keys.iter().map(|key| key[j].as_str()).collect::<Vec<_>>(),
            )
        })
        .collect();
    DataFrame::new(keys.len(), columns)
}

/// Every result row and log row of `keys` (a frame of `k0`..), in file order; with
/// `null_keyed`, the result rows whose key has a NULL column too, read by the same
/// pass over the results.
///
/// With the number of result rows and a slice's, the results are read a slice at a
/// time (see [`result_rows_picked`]).
pub(super) fn rows_of_keys(
    t: &Tables,
    keys: &DataFrame,
    slices: Option<(u64, u64)>,
    null_keyed: bool,
) -> Result<PickedRows, Error> {
    let keyed = keys.height() > 0 && keys.width() > 0;
    if !keyed && !null_keyed {
        return Ok(PickedRows::default());
    }
    // A filter on each key column, then the exact keys: a key of several columns
    // whose every value is among the keys' is not always one of them.
    let wanted: HashSet<Key> = match keyed {
        true => text_columns(
            &t.results_path,
            keys,
            &(0..keys.width()).map(k).collect::<Vec<_>>(),
        )
        .map(|columns| {
            (0..keys.height())
                .map(|i| {
                    columns
                        .iter()
                        .map(|c| c.get(i).unwrap_or_default().to_string())
                        .collect()
                })
                .collect()
        })?,
        false => HashSet::new(),
    };
    let rows = result_rows_picked(t, slices, |frame| {
        let of_keys = match keyed {
            true => picked_test(t.r_key(), keys),
            false => lit(false),
        };
        match null_keyed {
            true => frame.filter(of_keys.or(t.r_key_null())),
            false => frame.filter(of_keys),
        }
    })?;
    let mut picked = PickedRows::default();
    for row in rows {
        match &row.key {
            None => picked.null_keyed.push(row),
            Some(key) if wanted.contains(key) => picked.results.push(row),
            Some(_) => {}
        }
    }
    if keyed {
        picked.log = log_entries_of(t, log_rows_for(t, keys))?;
    }
    Ok(picked)
}

/// What [`rows_of_keys`] read, each in file order.
#[derive(Default)]
pub(super) struct PickedRows {
    /// The result rows of the keys.
    pub results: Vec<ResultRow>,
    /// The result rows whose key has a NULL column, when asked for.
    pub null_keyed: Vec<ResultRow>,
    /// The log rows of the keys.
    pub log: Vec<LogEntry>,
}

fn log_rows_for(t: &Tables, keys: &DataFrame) -> LazyFrame {
    picked(t.log_text(true), t.l_key(), keys).join(
        keys.clone().lazy(),
        t.l_key(),
        t.key_names(),
        JoinArgs::new(JoinType::Inner),
    )
}

/// The rows of `frame` whose key column `columns[j]` holds a value of `k{j}` in
/// `keys`, for each j: the join that follows keeps the exact keys. Said as a filter,
/// polars pushes it into the scan, which then reads the other columns (the
/// payload) of the matching rows only.
fn picked(frame: LazyFrame, columns: Vec<Expr>, keys: &DataFrame) -> LazyFrame {
    frame.filter(picked_test(columns, keys))
}

/// The test of [`picked`].
fn picked_test(columns: Vec<Expr>, keys: &DataFrame) -> Expr {
    let tests = columns.into_iter().enumerate().map(|(j, c)| {
        let values = keys
            .column(&k(j))
            .map(|v| v.as_materialized_series().clone())
            .unwrap_or_else(|_| Series::new_empty(k(j).into(), &DataType::String));
        c.is_in(lit(values).implode(false), false)
    });
    all_of(tests)
}

/// Collects a small frame of numbered text cells, in file order.
fn ordered_cells(
    path: &Path,
    frame: LazyFrame,
    names: &[String],
    types: &[DataType],
) -> Result<Vec<Vec<Option<String>>>, Error> {
    let frame = as_text(frame, names, types).select(
        std::iter::once(col(ROW))
            .chain(names.iter().map(|n| compacted(col(n.as_str()))))
            .collect::<Vec<_>>(),
    );
    let df = streaming(frame).map_err(|e| polars_error(path, e))?;
    let rows: Vec<u32> = df
        .column(ROW)
        .and_then(|c| c.cast(&DataType::UInt32))
        .and_then(|c| Ok(c.u32()?.into_no_null_iter().collect()))
        .map_err(|e| polars_error(path, e))?;
    let columns = text_columns(path, &df, names)?;
    let mut order: Vec<usize> = (0..df.height()).collect();
    order.sort_by_key(|&i| rows[i]);
    Ok(order
        .into_iter()
        .map(|i| columns.iter().map(|c| c.get(i).map(String::from)).collect())
        .collect())
}

/// The text columns `names` of a collected frame.
fn text_columns(
    path: &Path,
    df: &DataFrame,
    names: &[String],
) -> Result<Vec<StringChunked>, Error> {
    names
        .iter()
        .map(|name| {
            let column = df.column(name).map_err(|e| polars_error(path, e))?;
            column
                .str()
                .map(|s| s.rechunk().into_owned())
                .map_err(|e| Error::File {
                    file: path.to_path_buf(),
                    message: format!("column `{name}` cannot be read as text: {e}"),
                })
        })
        .collect()
}

/// The result rows `pick` keeps of the numbered results, in file order: with
/// `slices`, the file's number of rows and a slice's ([`PICK_SLICE_ROWS`]), picked
/// from one slice at a time, so that what the reader decodes, and the pages it maps,
/// are a slice's.
fn result_rows_picked(
    t: &Tables,
    slices: Option<(u64, u64)>,
    pick: impl Fn(LazyFrame) -> LazyFrame,
) -> Result<Vec<ResultRow>, Error> {
    let Some((rows, size)) = slices else {
        return result_rows_of(t, pick(t.results_text(true)));
    };
    let mut picked = Vec::new();
    for offset in (0..rows).step_by(size as usize) {
        let slice = t.results_slice(offset, size.min(rows - offset));
        picked.extend(result_rows_of(t, pick(slice))?);
    }
    Ok(picked)
}

fn result_rows_of(t: &Tables, frame: LazyFrame) -> Result<Vec<ResultRow>, Error> {
    let names: Vec<String> = (0..t.rp.columns.len()).map(r).collect();
    ordered_cells(&t.results_path, frame, &names, &t.results_types())?
        .into_iter()
        .map(|cells| t.rp.row(cells))
        .collect()
}

fn log_entries_of(t: &Tables, frame: LazyFrame) -> Result<Vec<LogEntry>, Error> {
    let names: Vec<String> = (0..t.lp.columns.len()).map(l).collect();
    ordered_cells(&t.log_path, frame, &names, &t.log_types())?
        .into_iter()
        .map(|cells| t.lp.entry(cells))
        .collect()
}

/// Runs `frame` in the streaming engine and hands each batch to `each`, in file
/// order; the first error stops the run and is returned.
fn batches(
    path: &Path,
    frame: LazyFrame,
    each: impl FnMut(&DataFrame) -> Result<(), Error> + Send + 'static,
) -> Result<(), Error> {
    let state = Arc::new(Mutex::new((each, None::<Error>)));
    let inner = Arc::clone(&state);
    let sink = frame
        .sink_batches(
            PlanCallback::new(move |df: DataFrame| {
                let mut guard = inner.lock().expect("the batch state is never poisoned");
                let (each, failed) = &mut *guard;
                if failed.is_some() {
                    return Ok(true);
                }
                match each(&df) {
                    Ok(()) => Ok(false),
                    Err(e) => {
                        *failed = Some(e);
                        Ok(true)
                    }
                }
            }),
            true,
            None,
        )
        .map_err(|e| polars_error(path, e))?;
    sink.collect_with_engine(Engine::Streaming)
        .map_err(|e| polars_error(path, e))?;
    let failed = state
        .lock()
        .expect("the batch state is never poisoned")
        .1
        .take();
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// How many rows of the results the passes over every payload read at a time.
const SLICE_ROWS: u64 = 500_000;

/// How many rows of the results the reads of rows picked among all (by key, by row
/// number) read at a time: each slice is a query of its own, which builds its
/// filter's set of keys again.
const PICK_SLICE_ROWS: u64 = 2_000_000;

/// How many rows of the files each step reads at a time: [`ROWS_PER_PART`],
/// [`SLICE_ROWS`], [`PICK_SLICE_ROWS`] (tests make them a few rows).
#[derive(Debug, Clone, Copy)]
struct Sizes {
    part: u64,
    slice: u64,
    pick: u64,
}

const SIZES: Sizes = Sizes {
    part: ROWS_PER_PART,
    slice: SLICE_ROWS,
    pick: PICK_SLICE_ROWS,
};

/// Calls `each` on the rows of `frame(offset, length)` for consecutive slices of
/// `size` rows ([`SLICE_ROWS`]) of the file's `rows`, in file order, the next slice read while
/// `each` runs. polars' reader decodes a file's row groups as fast as it can, ahead
/// of a slower consumer, so that a pass over a whole column would hold most of it
/// decoded at once; a slice at a time, two slices are held.
fn in_slices(
    path: &Path,
    (rows, size): (u64, u64),
    frame: impl Fn(u64, u64) -> LazyFrame + Send,
    mut each: impl FnMut(&DataFrame) -> Result<(), Error>,
) -> Result<(), Error> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(0);
        scope.spawn(move || {
            for offset in (0..rows).step_by(size as usize) {
                let read = streaming(frame(offset, size.min(rows - offset)));
                let failed = read.is_err();
                if tx.send(read).is_err() || failed {
                    break;
                }
            }
        });
        for read in rx {
            each(&read.map_err(|e| polars_error(path, e))?)?;
        }
        Ok(())
    })
}

/// What a window touches: its keys and its totals (`touched.sql`, `totals_window.sql`).
#[derive(Default)]
struct Touched {
    keys: HashSet<Key>,
    result_rows: u64,
    null_key_rows: u64,
    log_rows: u64,
}

/// Reads every row's key and times in batches; the payload is left unread.
fn touched(t: &Tables, w: TimeWindow, progress: &Progress) -> Result<Touched, Error> {
    let found = Arc::new(Mutex::new(Touched::default()));
    let inside =
        move |at: Option<chrono::DateTime<chrono::Utc>>| at.is_some_and(|at| w.contains(at));

    let head = t.rp.columns.len() - t.payload_columns.len();
    let names: Vec<String> = (0..head).map(r).collect();
    let frame = as_text(t.results_text(true), &names, &t.results_types());
    let (rp, into, path, shown) = (
        t.rp.clone(),
        Arc::clone(&found),
        t.results_path.clone(),
        progress.clone(),
    );
    batches(&t.results_path, frame, move |df| {
        shown.rows(df.height() as u64);
        let columns = text_columns(&path, df, &names)?;
        let mut found = into.lock().expect("never poisoned");
        for i in 0..df.height() {
            let row = rp.row(columns.iter().map(|c| c.get(i).map(String::from)).collect())?;
            if inside(row.written_at) {
                found.result_rows += 1;
                match row.key {
                    Some(key) => {
                        found.keys.insert(key);
                    }
                    None => found.null_key_rows += 1,
                }
            }
        }
        Ok(())
    })?;

    let names: Vec<String> = (0..t.lp.columns.len()).map(l).collect();
    let (lp, into, path, shown) = (
        t.lp.clone(),
        Arc::clone(&found),
        t.log_path.clone(),
        progress.clone(),
    );
    let frame = as_text(t.log_text(true), &names, &t.log_types());
    batches(&t.log_path, frame, move |df| {
        shown.rows(df.height() as u64);
        let columns = text_columns(&path, df, &names)?;
        let mut found = into.lock().expect("never poisoned");
        for i in 0..df.height() {
            let e = lp.entry(columns.iter().map(|c| c.get(i).map(String::from)).collect())?;
            if inside(e.created_at) {
                found.log_rows += 1;
            }
            if inside(e.created_at) || inside(e.updated_at) {
                if let Some(key) = e.key {
                    found.keys.insert(key);
                }
            }
        }
        Ok(())
    })?;
    let touched = std::mem::take(&mut *found.lock().expect("never poisoned"));
    Ok(touched)
}

/// One keyed row of pass 1: its payload hash and key hash, cut to 64 bits, and its
/// position in the file.
type Hashed = (u64, u64, u32);

/// The non-JSON payloads among the rows hashed, and the primary keys of the first.
type NonJson = (u64, Vec<Vec<String>>);

/// Pass 1 hashes every keyed payload (over a window, those written in it) in
/// batches, split over the cores, and keeps 24 bytes a row; sorted, the rows of one
/// payload are adjacent, and a payload is shared when they name two keys. Pass 2
/// reads the rows of shared payloads by position. The hashes are cut to 64 bits: a
/// payload collision can only add a row, which the scan then groups by the full
/// hash, so nothing is missed and nothing false is reported. Also counts the non-JSON
/// payloads and lists the first of them, since every payload is parsed anyway.
fn cross_key_rows(
    t: &Tables,
    canon: &Canonicalizer,
    window: Option<TimeWindow>,
    (rows, sizes): (u64, Sizes),
    progress: &Progress,
) -> Result<(Vec<ResultRow>, NonJson), Error> {
    progress.phase("cross-key pass 1 of 2: hashing every payload");
    #[derive(Default)]
    struct Pass {
        hashed: Vec<Hashed>,
        non_json: u64,
        listed: Vec<Vec<String>>,
    }
    let pass = Arc::new(Mutex::new(Pass {
        hashed: Vec::with_capacity(rows as usize),
        ..Pass::default()
    }));
    let head = t.rp.columns.len() - t.payload_columns.len();
    let (pk, arity, ts) = (t.layout.r_pk, t.layout.r_key, t.layout.r_ts);
    let clock = t.rp.clock();
    let names: Vec<String> = (0..t.rp.columns.len()).map(r).collect();
    let types = t.results_types();
    // What the pass hashes and names rows by, and the time where a window bounds it.
    let mut read = t.rp.hashed_columns();
    if let (Some(ts), Some(_)) = (ts, window) {
        read[ts] = true;
    }
    let frame = |offset, len| {
        as_text_reading(
            t.results_slice(offset, len).filter(t.r_key_not_null()),
            &names,
            &types,
            &read,
        )
    };
    let (into, path, shown, canon) = (
        Arc::clone(&pass),
        t.results_path.clone(),
        progress.clone(),
        canon.clone(),
    );
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    in_slices(&t.results_path, (rows, sizes.slice), frame, |df| {
        shown.rows(df.height() as u64);
        let positions = row_positions(&path, df)?;
        let columns = text_columns(&path, df, &names)?;
        let height = df.height();
        let chunk = height.div_ceil(threads).max(1);
        let parts: Vec<Pass> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..height)
                .step_by(chunk)
                .map(|start| {
                    let (columns, positions, canon) = (&columns, &positions, &canon);
                    scope.spawn(move || {
                        let mut out = Pass::default();
                        let mut payload: Vec<Option<&str>> = Vec::new();
                        let end = (start + chunk).min(height);
                        for (i, &position) in positions.iter().enumerate().take(end).skip(start) {
                            if let (Some(w), Some(ts)) = (window, ts) {
                                let at = columns[ts].get(i).and_then(|v| clock.parse(v));
                                if !at.is_some_and(|at| w.contains(at)) {
                                    continue;
                                }
                            }
                            payload.clear();
                            payload.extend(columns[head..].iter().map(|c| c.get(i)));
                            let c = canon.quick_hash(&payload);
                            if c.non_json {
                                out.non_json += 1;
                                if out.listed.len() < NON_JSON_LISTED {
                                    out.listed.push(
                                        columns[..pk]
                                            .iter()
                                            .map(|c| c.get(i).unwrap_or("NULL").to_string())
                                            .collect(),
                                    );
                                }
                            }
                            let key = crate::vocab::key_hash(
                                columns[pk..pk + arity]
                                    .iter()
                                    .map(|c| c.get(i).unwrap_or_default()),
                            );
                            out.hashed.push((c.hash, key, position));
                        }
                        out
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a hashing thread never panics"))
                .collect()
        });
        let mut pass = into.lock().expect("never poisoned");
        for part in parts {
            pass.hashed.extend(part.hashed);
            pass.non_json += part.non_json;
            let room = NON_JSON_LISTED - pass.listed.len();
            pass.listed.extend(part.listed.into_iter().take(room));
        }
        Ok(())
    })?;
    let Pass {
        mut hashed,
        non_json,
        listed,
    } = std::mem::take(&mut *pass.lock().expect("never poisoned"));
    hashed.sort_unstable();
    let mut shared: Vec<u32> = hashed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|same| same[0].1 != same[same.len() - 1].1)
        .flat_map(|same| same.iter().map(|h| h.2))
        .collect();
    drop(hashed);
    if shared.is_empty() {
        return Ok((Vec::new(), (non_json, listed)));
    }
    progress.phase(&format!(
        "cross-key pass 2 of 2: reading {} rows of shared payloads",
        shared.len()
    ));
    shared.sort_unstable();
    // The filter is pushed into the scan, so only these rows' payloads are read, a
    // slice of the file at a time (see [`in_slices`]).
    let mut copies = Vec::with_capacity(shared.len());
    let slice = |row: &u32| u64::from(*row) / sizes.pick;
    for within in shared.chunk_by(|a, b| slice(a) == slice(b)) {
        let offset = slice(&within[0]) * sizes.pick;
        let wanted = Column::new(ROW.into(), within)
            .cast(&IDX_DTYPE)
            .map_err(|e| t.results_error(e))?
            .as_materialized_series()
            .clone();
        let frame = t
            .results_slice(offset, sizes.pick)
            .filter(col(ROW).is_in(lit(wanted).implode(false), false));
        copies.extend(result_rows_of(t, frame)?);
    }
    Ok((copies, (non_json, listed)))
}

/// The first 64 bits of the key's digest ([`crate::vocab::key_digest`]).
#[cfg(test)]
mod tests {
    use super::*;

    /// The keys of `frame` (columns `a`, `b`) in each of `parts` parts.
    fn split(frame: &DataFrame, key: [&str; 2], parts: u64) -> Vec<Vec<(String, String)>> {
        (0..parts)
            .map(|part| {
                let picked = frame
                    .clone()
                    .lazy()
                    .filter(in_part(vec![col(key[0]), col(key[1])], part, parts))
                    .collect()
                    .unwrap();
                let (a, b) = (
                    picked.column(key[0]).unwrap().str().unwrap().clone(),
                    picked.column(key[1]).unwrap().str().unwrap().clone(),
                );
                let mut keys: Vec<(String, String)> = a
                    .iter()
                    .zip(b.iter())
                    .map(|(a, b)| (a.unwrap().to_string(), b.unwrap().to_string()))
                    .collect();
                keys.sort();
                keys
            })
            .collect()
    }

    #[test]
    fn every_key_falls_in_one_part_alike_in_both_files() {
        let keys: Vec<(String, String)> = (0..200)
            .map(|i| (format!("op{}", i % 3), format!("k{i}")))
            .collect();
        let frame = |a: &str, b: &str, extra: &str| {
            DataFrame::new(
                keys.len(),
                vec![
                    Column::new(extra.into(), vec![1u32; keys.len()]),
                    Column::new(
                        a.into(),
                        keys.iter().map(|k| k.0.clone()).collect::<Vec<_>>(),
                    ),
                    Column::new(
                        b.into(),
                        keys.iter().map(|k| k.1.clone()).collect::<Vec<_>>(),
                    ),
                ],
            )
            .unwrap()
        };
        // The results and the log name and order their columns apart.
        let results = split(&frame("r2", "r3", "r0"), ["r2", "r3"], 3);
        let log = split(&frame("l0", "l1", "l2"), ["l0", "l1"], 3);
        assert_eq!(results, log);
        let mut all: Vec<_> = results.concat();
        all.sort();
        let mut want = keys.clone();
        want.sort();
        assert_eq!(all, want, "each key in exactly one part");
        assert!(results.iter().all(|part| part.len() > 30), "{results:?}");
    }
}

#[cfg(test)]
mod properties {
    use chrono::{Duration, TimeZone, Utc};
    use proptest::prelude::*;

    use super::*;
    use crate::model::Dataset;
    use crate::scan::scan;
    use crate::source::FileSource;

    /// One result row: key parts (NULL when `None`), attempt, payload, minute.
    type Row = (Option<u8>, Option<u8>, Option<u8>, u8, u16);
    /// One log row: key, attempt (NULL when `None`), status, minute.
    type Log = (u8, Option<u8>, u8, u16);

    fn field(v: Option<String>) -> String {
        v.map(|v| format!("\"{}\"", v.replace('"', "\"\"")))
            .unwrap_or_default()
    }

    fn time(minute: u16) -> String {
        (Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap() + Duration::minutes(minute.into()))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    /// Writes both files as CSV, with a key of two columns.
    fn write(dir: &Path, rows: &[Row], log: &[Log]) -> FileSource {
        let mut results = String::from("id,op,k,attempt,payload,at\n");
        for (i, (op, key, attempt, payload, minute)) in rows.iter().enumerate() {
            let payload = match payload {
                0 => "not json".to_string(),
                p => format!(r#"{{"v":{},"latency_ms":{i}}}"#, p % 3),
            };
            results.push_str(&format!(
                "{i},{},{},{},{},{}\n",
                field(op.map(|o| format!("op{o}"))),
                field(key.map(|k| format!("k{k}"))),
                field(attempt.map(|a| format!("a{a}"))),
                field(Some(payload)),
                time(*minute)
            ));
        }
        let statuses = [
            "COMPLETED",
            "FAILED",
            "PROCESSING",
            "completed ",
            "LOST",
            "",
        ];
        let mut text = String::from("op,k,attempt,status,created,updated\n");
        for (key, attempt, status, minute) in log {
            text.push_str(&format!(
                "op{},k{},{},{},{},{}\n",
                key % 2,
                key,
                field(attempt.map(|a| format!("a{a}"))),
                statuses[*status as usize % statuses.len()],
                time(*minute),
                time(minute + 5)
            ));
        }
        let (r, l) = (dir.join("results.csv"), dir.join("log.csv"));
        std::fs::write(&r, results).unwrap();
        std::fs::write(&l, text).unwrap();
        FileSource::new(r, l).unwrap()
    }

    fn spec(classes: &[Class], window: Option<(u16, u16)>) -> AuditSpec {
        let mut spec = AuditSpec::parse(
            r#"
            [results]
            primary_key = ["id"]
            key = ["op", "k"]
            attempt = "attempt"
            timestamp = "at"
            ignore_fields = ["latency_ms"]
            [log]
            key = ["op", "k"]
            attempt = "attempt"
            created_at = "created"
            updated_at = "updated"
            [log.statuses]
            completed = ["COMPLETED"]
            "#,
            Path::new("test.toml"),
        )
        .unwrap();
        spec.scan.classes = classes.to_vec();
        spec.scan.window = window.map(|(a, b)| TimeWindow {
            since: Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
                + Duration::minutes(a.into()),
            until: Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()
                + Duration::minutes(i64::from(a) + i64::from(b)),
        });
        spec
    }

    /// Every row of both files, as the scan read them before the push-down.
    fn whole(files: &FileSource, spec: &AuditSpec) -> Dataset {
        let t = Tables::open(files, spec).unwrap();
        let results = result_rows_of(&t, t.results_text(true)).unwrap();
        let log = log_entries_of(&t, t.log_text(true)).unwrap();
        Dataset::complete(spec, t.payload_columns.clone(), results, log)
    }

    fn rows() -> impl Strategy<Value = Vec<Row>> {
        let row = (
            proptest::option::weighted(0.95, 0u8..2),
            proptest::option::weighted(0.9, 0u8..8),
            proptest::option::weighted(0.9, 0u8..3),
            0u8..4,
            0u16..300,
        );
        prop::collection::vec(row, 0..30)
    }

    fn log() -> impl Strategy<Value = Vec<Log>> {
        let entry = (
            0u8..8,
            proptest::option::weighted(0.9, 0u8..3),
            0u8..6,
            0u16..300,
        );
        prop::collection::vec(entry, 0..30)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The rows read by the push-down give the findings and totals of a scan of
        /// every row, for every class, with or without a window.
        #[test]
        fn the_push_down_finds_what_a_scan_of_every_row_finds(
            rows in rows(),
            log in log(),
            window in proptest::option::of((0u16..300, 1u16..200)),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let files = write(dir.path(), &rows, &log);
            let spec = spec(&[], window);
            let as_of = Utc.with_ymd_and_hms(2026, 10, 1, 4, 0, 0).unwrap();
            let want = scan(&whole(&files, &spec), &spec, as_of);
            let got = scan(&files.load(&spec, &Progress::hidden()).unwrap(), &spec, as_of);
            prop_assert_eq!(&got.findings, &want.findings);
            prop_assert_eq!(&got.summary, &want.summary);
            prop_assert_eq!(&got.totals, &want.totals);
            prop_assert_eq!(&got.window, &want.window);
            // The files read in parts of the keys, and in slices of the rows, of a few
            // rows each.
            let t = Tables::open(&files, &spec).unwrap();
            let small = Sizes { part: 4, slice: 3, pick: 5 };
            let parted = read_in_parts(&t, &spec, &Progress::hidden(), small).unwrap();
            let parted = scan(&parted, &spec, as_of);
            prop_assert_eq!(&parted.findings, &want.findings);
            prop_assert_eq!(&parted.totals, &want.totals);
        }

        /// The duplicated keys found through 64-bit hashes are those found when
        /// every key shares one hash, or one of two, with the others.
        #[test]
        fn keys_that_share_a_hash_are_told_apart(rows in rows(), log in log()) {
            let dir = tempfile::tempdir().unwrap();
            let files = write(dir.path(), &rows, &log);
            let spec = spec(&[Class::Exact], None);
            let t = Tables::open(&files, &spec).unwrap();
            let found = |mask| {
                let d = duplicated_keys(&t, &Progress::hidden(), mask).unwrap();
                let columns = text_columns(&t.results_path, &d.keys, &[k(0), k(1)]).unwrap();
                let mut keys: Vec<Key> = (0..d.keys.height())
                    .map(|i| columns.iter().map(|c| c.get(i).unwrap().to_string()).collect())
                    .collect();
                keys.sort();
                (d.rows, d.null_rows, d.surplus, keys)
            };
            // Every key under one hash, or under one of two, finds what 64 bits do.
            let whole = found(u64::MAX);
            prop_assert_eq!(&found(0), &whole);
            prop_assert_eq!(&found(1), &whole);
            prop_assert_eq!(whole.0, rows.len() as u64);
        }

        /// With fewer classes, the same findings of those classes.
        #[test]
        fn fewer_classes_find_the_same_groups(rows in rows(), log in log()) {
            let dir = tempfile::tempdir().unwrap();
            let files = write(dir.path(), &rows, &log);
            let as_of = Utc.with_ymd_and_hms(2026, 10, 1, 4, 0, 0).unwrap();
            for classes in [
                vec![Class::Exact, Class::Conflict],
                vec![Class::LateWrite, Class::OrphanResult],
                vec![Class::MissingResult, Class::MultiComplete, Class::StaleProcessing],
                vec![Class::CrossKey],
            ] {
                let spec = spec(&classes, None);
                let want = scan(&whole(&files, &spec), &spec, as_of);
                let got = scan(&files.load(&spec, &Progress::hidden()).unwrap(), &spec, as_of);
                prop_assert_eq!(&got.findings, &want.findings, "{:?}", classes);
                let t = Tables::open(&files, &spec).unwrap();
                let small = Sizes { part: 3, slice: 2, pick: 4 };
                let parted = read_in_parts(&t, &spec, &Progress::hidden(), small).unwrap();
                let parted = scan(&parted, &spec, as_of);
                prop_assert_eq!(&parted.findings, &want.findings, "{:?} in parts", classes);
                prop_assert_eq!(&parted.totals, &got.totals);
                prop_assert_eq!(&got.summary, &want.summary);
                prop_assert_eq!(got.totals.keys, want.totals.keys);
                prop_assert_eq!(got.totals.result_rows, want.totals.result_rows);
                prop_assert_eq!(got.totals.null_key_rows, want.totals.null_key_rows);
                prop_assert_eq!(got.totals.log_rows, want.totals.log_rows);
                prop_assert_eq!(got.totals.unknown_statuses, want.totals.unknown_statuses);
            }
        }
    }
}
