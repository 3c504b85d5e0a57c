//! The rows a source hands to the scan, in one representation for every source.
//!
//! In: cells read as text (every source casts its columns to text, so SQLite, a
//! server and a Parquet file look alike). Out: [`ResultRow`] and [`LogEntry`] values
//! with keys, statuses and timestamps interpreted according to the spec.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::findings::{MalformedRecord, RedisStats};
use crate::spec::{AuditSpec, LogSpec, Status};

pub use crate::spec::EpochUnit;

pub use crate::vocab::Key;

/// One row of the results table, projected onto the spec's columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultRow {
    /// Primary key values, as text, in the spec's column order.
    pub pk: Vec<String>,
    /// `None` when any key column is NULL: such rows are never grouped.
    pub key: Option<Key>,
    pub attempt: Option<String>,
    pub written_at: Option<DateTime<Utc>>,
    /// Payload values, as text, in the order of [`Dataset::payload_columns`].
    pub payload: Vec<Option<String>>,
}

/// One row of the idempotency log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub key: Option<Key>,
    pub attempt: Option<String>,
    pub status: Status,
    /// The status exactly as stored, for reports.
    pub raw_status: String,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// What a record of a log kept in Redis adds; `None` for a row of a table or file.
    pub record: Option<Box<Record>>,
}

/// What a record read from a log kept in Redis carries beyond a log row.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Its key in Redis.
    pub redis_key: String,
    /// Powertools' `in_progress_expiration`: when an INPROGRESS record stops
    /// blocking a retry (the function's deadline).
    pub in_progress_expiry: Option<DateTime<Utc>>,
    /// When Redis drops the record (from `PTTL`); `None`: no TTL.
    pub expires_at: Option<DateTime<Utc>>,
    /// The record's `validation` hash, when it has one.
    pub validation: Option<String>,
    /// A Powertools record of status EXPIRED, which Powertools treats as absent: it
    /// judges no attempt, it only tells that the key's record expired.
    pub expired: bool,
}

impl LogEntry {
    /// Whether the entry stands for an attempt (an expired Redis record does not).
    pub fn judged(&self) -> bool {
        !self.record.as_ref().is_some_and(|r| r.expired)
    }
}

/// Everything a scan reads from a source.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Names of the payload columns, in the order of [`ResultRow::payload`].
    pub payload_columns: Vec<String>,
    /// For each payload column: does the spec declare it JSON?
    pub json_columns: Vec<bool>,
    pub results: Vec<ResultRow>,
    pub log: Vec<LogEntry>,
    /// Totals counted by the source when it hands over only part of the rows (a
    /// database with the grouping pushed down). `None`: the dataset is complete and
    /// the scan counts for itself.
    pub counts: Option<Counts>,
}

impl Dataset {
    /// The dataset's columns and counts, without its rows.
    pub fn clone_shape(&self) -> Dataset {
        Dataset {
            payload_columns: self.payload_columns.clone(),
            json_columns: self.json_columns.clone(),
            results: Vec::new(),
            log: Vec::new(),
            counts: self.counts.clone(),
        }
    }

    /// Every row of a source, read whole: the scan counts the totals itself.
    pub fn complete(
        spec: &crate::spec::AuditSpec,
        payload_columns: Vec<String>,
        results: Vec<ResultRow>,
        log: Vec<LogEntry>,
    ) -> Dataset {
        Dataset {
            json_columns: payload_columns
                .iter()
                .map(|c| spec.results.json.contains(c))
                .collect(),
            payload_columns,
            results,
            log,
            counts: None,
        }
    }
}

/// Totals a source counted over the whole of its tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub result_rows: u64,
    /// `None` when the source did not count the log (no class checked reads it as a
    /// whole), as for `unknown_statuses`.
    pub log_rows: Option<u64>,
    pub keys: u64,
    pub null_key_rows: u64,
    /// Each status value the spec does not map, with its log rows (`NULL` for rows
    /// without a status).
    pub unknown_statuses: Option<Vec<(String, u64)>>,
    /// Non-JSON payloads over the whole table and the first rows that have one,
    /// when the source parsed every payload (the cross-key pass does).
    pub non_json_payloads: Option<(u64, Vec<Vec<String>>)>,
    /// The records of a log kept in Redis that cannot be read, with their key when
    /// it could be read.
    pub malformed: Vec<(Option<Key>, MalformedRecord)>,
    /// What the walk of a log kept in Redis met.
    pub redis: Option<RedisStats>,
}

/// Where a source describes itself in reports. Never holds a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// `sqlite`, `postgres`, `mysql`, `csv`, `parquet` or `ndjson`.
    pub kind: String,
    /// URL with the password removed, or the results file path.
    pub location: String,
    /// Results table name, or results file.
    pub results: String,
    /// Log table name, or log file.
    pub log: String,
}

/// The order in which a source must deliver result columns, and how to turn the
/// cells back into a [`ResultRow`].
#[derive(Debug, Clone)]
pub struct ResultProjection {
    /// Column names to read, in order.
    pub columns: Vec<String>,
    /// For error messages: which spec field asked for each column.
    pub fields: Vec<String>,
    pk: usize,
    key: usize,
    attempt: bool,
    timestamp: bool,
    table: String,
    clock: Clock,
}

impl ResultProjection {
    /// Builds the projection; `payload` is the resolved list of payload columns.
    pub fn new(spec: &AuditSpec, payload: &[String]) -> ResultProjection {
        let r = &spec.results;
        let mut columns = Vec::new();
        let mut fields = Vec::new();
        let mut push = |c: &String, f: &str| {
            columns.push(c.clone());
            fields.push(f.to_string());
        };
        r.primary_key
            .iter()
            .for_each(|c| push(c, "results.primary_key"));
        r.key.iter().for_each(|c| push(c, "results.key"));
        r.attempt.iter().for_each(|c| push(c, "results.attempt"));
        r.timestamp
            .iter()
            .for_each(|c| push(c, "results.timestamp"));
        payload.iter().for_each(|c| push(c, "results.payload"));
        ResultProjection {
            columns,
            fields,
            pk: r.primary_key.len(),
            key: r.key.len(),
            attempt: r.attempt.is_some(),
            timestamp: r.timestamp.is_some(),
            table: r.table.clone(),
            clock: Clock::of(r.time_zone.as_deref(), r.epoch_unit),
        }
    }

    /// How this table's times are read.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Which of [`Self::columns`] a pass that only hashes payloads reads: the
    /// primary key (to name a row), the key and the payload, not the attempt or the
    /// time.
    pub fn hashed_columns(&self) -> Vec<bool> {
        let skipped = self.pk + self.key
            ..self.pk + self.key + self.attempt as usize + self.timestamp as usize;
        (0..self.columns.len())
            .map(|i| !skipped.contains(&i))
            .collect()
    }

    /// Turns one row of cells (in [`Self::columns`] order) into a [`ResultRow`].
    pub fn row(&self, mut cells: Vec<Option<String>>) -> Result<ResultRow, Error> {
        let payload =
            cells.split_off(self.pk + self.key + self.attempt as usize + self.timestamp as usize);
        let mut cells = cells.into_iter();
        let pk: Vec<String> = cells
            .by_ref()
            .take(self.pk)
            .map(|c| c.unwrap_or_else(|| "NULL".to_string()))
            .collect();
        let key: Vec<Option<String>> = cells.by_ref().take(self.key).collect();
        let key = key.into_iter().collect::<Option<Vec<String>>>();
        let attempt = if self.attempt {
            cells.next().flatten()
        } else {
            None
        };
        let written_at = if self.timestamp {
            let column = &self.columns[self.pk + self.key + self.attempt as usize];
            match cells.next().flatten() {
                Some(v) => Some(self.clock.parse(&v).ok_or_else(|| Error::BadTimestamp {
                    table: self.table.clone(),
                    column: column.clone(),
                    value: v.clone(),
                    row: pk.join(","),
                })?),
                None => None,
            }
        } else {
            None
        };
        Ok(ResultRow {
            pk,
            key,
            attempt,
            written_at,
            payload,
        })
    }
}

/// The column order for the log, and how to turn cells into a [`LogEntry`].
#[derive(Debug, Clone)]
pub struct LogProjection {
    pub columns: Vec<String>,
    pub fields: Vec<String>,
    spec: LogSpec,
    clock: Clock,
}

impl LogProjection {
    pub fn new(spec: &AuditSpec) -> LogProjection {
        let l = &spec.log;
        let mut columns = Vec::new();
        let mut fields = Vec::new();
        for c in &l.key {
            columns.push(c.clone());
            fields.push("log.key".to_string());
        }
        for (c, f) in [
            (l.attempt.as_ref(), "log.attempt"),
            (Some(&l.status), "log.status"),
            (Some(&l.created_at), "log.created_at"),
            (l.updated_at.as_ref(), "log.updated_at"),
        ] {
            if let Some(c) = c {
                columns.push(c.clone());
                fields.push(f.to_string());
            }
        }
        LogProjection {
            columns,
            fields,
            clock: Clock::of(l.time_zone.as_deref(), l.epoch_unit),
            spec: l.clone(),
        }
    }

    /// Turns one row of cells (in [`Self::columns`] order) into a [`LogEntry`].
    pub fn entry(&self, cells: Vec<Option<String>>) -> Result<LogEntry, Error> {
        let l = &self.spec;
        let mut cells = cells.into_iter();
        let key: Vec<Option<String>> = cells.by_ref().take(l.key.len()).collect();
        let key = key.into_iter().collect::<Option<Vec<String>>>();
        let attempt = if l.attempt.is_some() {
            cells.next().flatten()
        } else {
            None
        };
        let raw_status = cells.next().flatten().unwrap_or_default();
        let row = || {
            format!(
                "key {}, attempt {}",
                key.as_ref()
                    .map(|k| k.join("/"))
                    .unwrap_or_else(|| "NULL".into()),
                attempt.as_deref().unwrap_or("NULL")
            )
        };
        let time = |value: Option<String>, column: &str| -> Result<_, Error> {
            match value {
                None => Ok(None),
                Some(v) => self
                    .clock
                    .parse(&v)
                    .map(Some)
                    .ok_or_else(|| Error::BadTimestamp {
                        table: l.table.clone(),
                        column: column.to_string(),
                        value: v.clone(),
                        row: row(),
                    }),
            }
        };
        let created_at = time(cells.next().flatten(), &l.created_at)?;
        let updated_at = match &l.updated_at {
            Some(c) => time(cells.next().flatten(), c)?,
            None => None,
        };
        Ok(LogEntry {
            record: None,
            status: l.statuses.classify(&raw_status),
            key,
            attempt,
            raw_status,
            created_at,
            updated_at,
        })
    }
}

/// How a table's times are read: the zone of times written without one, and what
/// an integer counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    /// `None`: UTC.
    pub zone: Option<chrono_tz::Tz>,
    pub epoch: EpochUnit,
}

impl Clock {
    /// The clock of a spec's table settings; the zone was checked when the spec
    /// was read, so a name that does not parse (never the case) counts as UTC.
    pub fn of(zone: Option<&str>, epoch: EpochUnit) -> Clock {
        Clock {
            zone: zone.and_then(|z| z.parse().ok()),
            epoch,
        }
    }

    /// Reads a timestamp the way databases and exports write them: RFC 3339, or
    /// `YYYY-MM-DD HH:MM:SS[.fff]` (with `T` or a space; or without seconds)
    /// optionally followed by `Z`, `+HH` or `+HH:MM` as PostgreSQL prints it, or an
    /// integer counting the clock's epoch unit. A time without a zone is in the
    /// clock's zone (UTC by default); a wall-clock time a zone's clocks went
    /// through twice is the earlier, one they skipped is refused.
    pub fn parse(&self, text: &str) -> Option<DateTime<Utc>> {
        let t = text.trim();
        if let Some((naive, offset)) = iso_timestamp(t.as_bytes()) {
            return self.place(naive, offset);
        }
        if let Ok(d) = DateTime::parse_from_rfc3339(t) {
            return Some(d.with_timezone(&Utc));
        }
        for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
            if let Ok(d) = DateTime::parse_from_str(t, fmt) {
                return Some(d.with_timezone(&Utc));
            }
        }
        if let Some(naive) = t.strip_suffix(" UTC") {
            return self.naive(naive).map(|n| Utc.from_utc_datetime(&n));
        }
        if let Some(n) = self.naive(t) {
            return self.place(n, None);
        }
        if let Ok(n) = t.parse::<i64>() {
            return self.epoch.instant(n);
        }
        None
    }

    fn naive(&self, t: &str) -> Option<NaiveDateTime> {
        [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
        ]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(t, fmt).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
    }

    /// A wall-clock time at `offset` seconds east of UTC, or in the clock's zone.
    fn place(&self, naive: NaiveDateTime, offset: Option<i64>) -> Option<DateTime<Utc>> {
        match (offset, self.zone) {
            (Some(secs), _) => {
                Some(Utc.from_utc_datetime(&(naive - chrono::Duration::seconds(secs))))
            }
            (None, None) => Some(Utc.from_utc_datetime(&naive)),
            (None, Some(zone)) => zone
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
        }
    }
}

impl EpochUnit {
    fn instant(self, n: i64) -> Option<DateTime<Utc>> {
        match self {
            EpochUnit::Seconds => DateTime::from_timestamp(n, 0),
            EpochUnit::Milliseconds => DateTime::from_timestamp_millis(n),
            EpochUnit::Microseconds => DateTime::from_timestamp_micros(n),
        }
    }
}

/// Reads a timestamp as a table whose settings are the defaults does: naive times
/// are UTC, integers are seconds (see [`Clock::parse`]).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    Clock::default().parse(text)
}

/// `YYYY-MM-DD HH:MM:SS[.f…]` (`T` or a space) with no zone, `Z`, `±HH` or `±HH:MM`,
/// read digit by digit: the forms databases print, which a scan reads for every row.
/// The wall-clock time and its offset east of UTC in seconds (`None` without a
/// zone); `None` for anything else, which [`Clock::parse`] then tries its other ways.
fn iso_timestamp(b: &[u8]) -> Option<(NaiveDateTime, Option<i64>)> {
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(r)?;
        digits.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let fixed = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if b.len() < 19 || fixed.iter().any(|&(i, c)| b[i] != c) || !matches!(b[10], b' ' | b'T') {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)?;
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        nanos *= 10u32.pow(9u32.saturating_sub((i - start) as u32));
    }
    let time = NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)?;
    let offset = match &b[i..] {
        [] => None,
        [b'Z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [_, _] => (num(i + 1..i + 3)?, 0),
                [_, _, b':', _, _] => (num(i + 1..i + 3)?, num(i + 4..i + 6)?),
                _ => return None,
            };
            let secs = (h * 3600 + m * 60) as i64;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => return None,
    };
    Some((NaiveDateTime::new(date, time), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digit_by_digit_reading_agrees_with_chrono() {
        for text in [
            "2026-10-14 14:02:10.123456+00",
            "2026-10-14T14:02:10.5Z",
            "2026-10-14 16:02:10-03:30",
            "2024-02-29 23:59:59+05",
            "2026-10-14T14:02:10",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text)
                .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z"))
                .map(|d| d.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                        .ok()
                        .map(|d| Utc.from_utc_datetime(&d))
                });
            assert!(chrono.is_some(), "{text}");
            let read = iso_timestamp(text.as_bytes())
                .and_then(|(n, offset)| Clock::default().place(n, offset));
            assert_eq!(read, chrono, "{text}");
        }
        for text in [
            "2026-02-30 10:00:00",
            "2026-10-14 25:00:00",
            "2026-10-14 14:02:10+0",
            "2026-10-14 14:02:10.",
        ] {
            assert_eq!(iso_timestamp(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn timestamps_in_common_database_renderings_are_read_as_utc() {
        let want = Utc.with_ymd_and_hms(2026, 10, 14, 14, 2, 10).unwrap();
        for text in [
            "2026-10-14T14:02:10Z",
            "2026-10-14 14:02:10",
            "2026-10-14T14:02:10",
            "2026-10-14 14:02:10.000",
            "2026-10-14 14:02:10+00",
            "2026-10-14 16:02:10+02:00",
            "1791986530",
        ] {
            assert_eq!(parse_timestamp(text), Some(want), "{text}");
        }
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn a_null_key_column_makes_the_whole_key_null() {
        let spec = AuditSpec::parse(
            "[results]\nkey=[\"op\",\"k\"]\n[log]\nkey=[\"op\",\"k\"]\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let p = ResultProjection::new(&spec, &["payload".to_string()]);
        let cells = vec![
            Some("1".into()),
            Some("summarize".into()),
            None,
            Some("a1".into()),
            Some("2026-10-14 14:02:10".into()),
            Some("{}".into()),
        ];
        let row = p.row(cells).unwrap();
        assert_eq!(row.key, None);
        assert_eq!(row.pk, vec!["1"]);
        assert_eq!(row.payload, vec![Some("{}".to_string())]);
    }

    #[test]
    fn an_unreadable_timestamp_names_table_column_and_row() {
        let spec = AuditSpec::default();
        let p = ResultProjection::new(&spec, &["payload".to_string()]);
        let cells = vec![
            Some("7".into()),
            Some("k".into()),
            Some("a1".into()),
            Some("last tuesday".into()),
            Some("{}".into()),
        ];
        let err = p.row(cells).unwrap_err().to_string();
        assert!(
            err.contains("results.created_at")
                && err.contains("last tuesday")
                && err.contains("row 7"),
            "{err}"
        );
    }
}
