//! Rows of a large scan kept on disk, in parts of a key range each, until the scan
//! takes them one part at a time ([`crate::scan::scan_each`]).
//!
//! In: the keys a source is about to read the rows of, then those rows, in any
//! order. Out: per part, in key order, its result rows (each with its position in
//! the order the rows came), and its log rows, as a [`Dataset`] holds them. The
//! NULL-key rows are the first part. Each part of each side is an unnamed temporary
//! file, which the system removes when it is closed.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{Dataset, Key, LogEntry, ResultRow};
use crate::spec::Status;

/// Most parts a scan is split into, so that their files (two a part) stay well
/// within the open files a process may have.
const MOST_PARTS: usize = 256;

/// Where each key's rows go: the first key of each part after the NULL-key one.
pub struct Parting {
    bounds: Vec<Key>,
}

impl Parting {
    /// Parts of about `keys_per_part` of `keys` each (more when there would be more
    /// than [`MOST_PARTS`]), in key order.
    pub fn new<'a>(keys: impl Iterator<Item = &'a Key>, keys_per_part: usize) -> Parting {
        let mut keys: Vec<&Key> = keys.collect();
        keys.sort_unstable();
        keys.dedup();
        let per_part = keys_per_part.max(keys.len().div_ceil(MOST_PARTS)).max(1);
        Parting {
            bounds: keys.iter().step_by(per_part).map(|&k| k.clone()).collect(),
        }
    }

    /// How many parts there are, the NULL-key one included.
    pub fn count(&self) -> usize {
        self.bounds.len() + 1
    }

    /// The part of a row with this key.
    pub fn part_of(&self, key: &Option<Key>) -> usize {
        match key {
            None => 0,
            Some(k) => self.bounds.partition_point(|b| b <= k),
        }
    }
}

/// The rows of one side (results or log), written to the file of their part.
pub struct Shelf {
    files: Vec<Option<BufWriter<File>>>,
    buf: Vec<u8>,
    count: u64,
}

impl Shelf {
    pub fn new(parting: &Parting) -> Shelf {
        Shelf {
            files: (0..parting.count()).map(|_| None).collect(),
            buf: Vec::with_capacity(1024),
            count: 0,
        }
    }

    fn put(&mut self, part: usize) -> io::Result<()> {
        let file = match &mut self.files[part] {
            Some(f) => f,
            empty => empty.insert(BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?)),
        };
        file.write_all(&self.buf)?;
        self.buf.clear();
        self.count += 1;
        Ok(())
    }

    /// Adds a result row, numbered by the order the rows come in.
    pub fn result(&mut self, parting: &Parting, row: &ResultRow) -> io::Result<()> {
        let b = &mut self.buf;
        b.extend_from_slice(&self.count.to_le_bytes());
        strings(b, &row.pk);
        option(b, &row.key, |b, k| strings(b, k));
        option(b, &row.attempt, |b, a| string(b, a));
        time(b, row.written_at);
        b.extend_from_slice(&(row.payload.len() as u32).to_le_bytes());
        for cell in &row.payload {
            option(b, cell, |b, c| string(b, c));
        }
        self.put(parting.part_of(&row.key))
    }

    /// Adds a log row.
    pub fn log(&mut self, parting: &Parting, entry: &LogEntry) -> io::Result<()> {
        let b = &mut self.buf;
        option(b, &entry.key, |b, k| strings(b, k));
        option(b, &entry.attempt, |b, a| string(b, a));
        b.push(match entry.status {
            Status::Processing => 0,
            Status::Completed => 1,
            Status::Failed => 2,
            Status::Unknown => 3,
        });
        string(b, &entry.raw_status);
        time(b, entry.created_at);
        time(b, entry.updated_at);
        self.put(parting.part_of(&entry.key))
    }

    /// The text of part `i`, and the file closed (and so removed).
    fn take(&mut self, i: usize) -> io::Result<Vec<u8>> {
        let mut text = Vec::new();
        if let Some(file) = self.files[i].take() {
            let mut file = file.into_inner().map_err(|e| e.into_error())?;
            file.seek(io::SeekFrom::Start(0))?;
            file.read_to_end(&mut text)?;
        }
        Ok(text)
    }
}

/// A source's rows, on disk by part: results and log.
pub struct Spilled {
    pub results: Shelf,
    pub log: Shelf,
}

impl Spilled {
    pub fn new(parting: &Parting) -> Spilled {
        Spilled {
            results: Shelf::new(parting),
            log: Shelf::new(parting),
        }
    }

    /// The parts, in key order, each as a dataset shaped like `shape` (without
    /// counts) with the positions of its result rows in the order they came.
    pub fn parts(
        mut self,
        shape: &Dataset,
    ) -> impl Iterator<Item = io::Result<(Dataset, Vec<usize>)>> + '_ {
        (0..self.results.files.len()).map(move |i| {
            let mut part = Dataset {
                counts: None,
                ..shape.clone_shape()
            };
            let mut origin = Vec::new();
            let text = self.results.take(i)?;
            let mut r = Reader(&text);
            while !r.0.is_empty() {
                origin.push(r.u64()? as usize);
                let pk = r.strings()?;
                let key = r.option(Reader::strings)?;
                let attempt = r.option(Reader::string)?;
                let written_at = r.time()?;
                let n = r.u32()?;
                let payload = (0..n)
                    .map(|_| r.option(Reader::string))
                    .collect::<io::Result<_>>()?;
                part.results.push(ResultRow {
                    pk,
                    key,
                    attempt,
                    written_at,
                    payload,
                });
            }
            let text = self.log.take(i)?;
            let mut r = Reader(&text);
            while !r.0.is_empty() {
                let key = r.option(Reader::strings)?;
                let attempt = r.option(Reader::string)?;
                let status = match r.bytes(1)?[0] {
                    0 => Status::Processing,
                    1 => Status::Completed,
                    2 => Status::Failed,
                    _ => Status::Unknown,
                };
                part.log.push(LogEntry {
                    key,
                    attempt,
                    status,
                    raw_status: r.string()?,
                    created_at: r.time()?,
                    updated_at: r.time()?,
                });
            }
            Ok((part, origin))
        })
    }
}

/// What a source read for a scan.
pub enum Parts {
    /// In memory: the scan splits them itself.
    Whole(Dataset),
    /// On disk by part; `shape` holds the columns and what the source counted.
    Spilled { shape: Dataset, rows: Spilled },
    /// Handed over part by part as they were read; `shape` as above.
    Streamed { shape: Dataset },
}

/// Where a source puts the rows it reads: in memory, or on disk by part.
pub enum Kept {
    Memory {
        results: Vec<ResultRow>,
        log: Vec<LogEntry>,
    },
    Disk {
        parting: Arc<Parting>,
        rows: Spilled,
    },
}

impl Kept {
    pub fn memory() -> Kept {
        Kept::Memory {
            results: Vec::new(),
            log: Vec::new(),
        }
    }

    pub fn disk(parting: Arc<Parting>) -> Kept {
        Kept::Disk {
            rows: Spilled::new(&parting),
            parting,
        }
    }

    pub fn result(&mut self, row: ResultRow) -> io::Result<()> {
        match self {
            Kept::Memory { results, .. } => {
                results.push(row);
                Ok(())
            }
            Kept::Disk { parting, rows } => rows.results.result(parting, &row),
        }
    }

    pub fn log(&mut self, entry: LogEntry) -> io::Result<()> {
        match self {
            Kept::Memory { log, .. } => {
                log.push(entry);
                Ok(())
            }
            Kept::Disk { parting, rows } => rows.log.log(parting, &entry),
        }
    }

    /// This one's result rows with `other`'s log rows, when each of two readers
    /// read one side.
    pub fn with_log_of(mut self, other: Kept) -> io::Result<Kept> {
        match (&mut self, other) {
            (Kept::Memory { log, .. }, Kept::Memory { log: theirs, .. }) => *log = theirs,
            (Kept::Disk { rows, .. }, Kept::Disk { rows: theirs, .. }) => rows.log = theirs.log,
            (_, other) => {
                return Err(io::Error::other(format!(
                    "log rows kept {} cannot join result rows kept {}",
                    other.place(),
                    self.place()
                )))
            }
        }
        Ok(self)
    }

    fn place(&self) -> &'static str {
        match self {
            Kept::Memory { .. } => "in memory",
            Kept::Disk { .. } => "on disk",
        }
    }

    /// Adds rows read into memory.
    pub fn extend(&mut self, other: Kept) -> io::Result<()> {
        match other {
            Kept::Memory { results, log } => {
                for row in results {
                    self.result(row)?;
                }
                for entry in log {
                    self.log(entry)?;
                }
                Ok(())
            }
            Kept::Disk { .. } => Err(io::Error::other(
                "rows kept on disk cannot be added to other rows",
            )),
        }
    }
}

fn string(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as u32).to_le_bytes());
    b.extend_from_slice(s.as_bytes());
}

fn strings(b: &mut Vec<u8>, v: &[String]) {
    b.extend_from_slice(&(v.len() as u32).to_le_bytes());
    for s in v {
        string(b, s);
    }
}

fn option<T>(b: &mut Vec<u8>, v: &Option<T>, put: impl Fn(&mut Vec<u8>, &T)) {
    match v {
        None => b.push(0),
        Some(v) => {
            b.push(1);
            put(b, v);
        }
    }
}

fn time(b: &mut Vec<u8>, t: Option<DateTime<Utc>>) {
    option(b, &t, |b, t| {
        b.extend_from_slice(&t.timestamp().to_le_bytes());
        b.extend_from_slice(&t.timestamp_subsec_nanos().to_le_bytes());
    });
}

/// Reads back what the functions above wrote.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a spilled part ends inside a row",
            ));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(
            self.bytes(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(
            self.bytes(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn string(&mut self) -> io::Result<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.bytes(n)?.to_vec()).map_err(io::Error::other)
    }

    fn strings(&mut self) -> io::Result<Vec<String>> {
        let n = self.u32()?;
        (0..n).map(|_| self.string()).collect()
    }

    fn option<T>(&mut self, get: impl Fn(&mut Self) -> io::Result<T>) -> io::Result<Option<T>> {
        match self.bytes(1)?[0] {
            0 => Ok(None),
            _ => get(self).map(Some),
        }
    }

    fn time(&mut self) -> io::Result<Option<DateTime<Utc>>> {
        self.option(|r| {
            let secs = r.u64()? as i64;
            let nanos = r.u32()?;
            DateTime::from_timestamp(secs, nanos)
                .ok_or_else(|| io::Error::other("a spilled time is out of range"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rows_come_back_whole_by_part_in_key_order() {
        let key = |k: &str| Some(vec!["op".to_string(), k.to_string()]);
        let row = |pk: &str, k: Option<Key>, payload: Option<&str>| ResultRow {
            pk: vec![pk.into()],
            key: k,
            attempt: Some(format!("a-{pk}")),
            written_at: Some(Utc.with_ymd_and_hms(2026, 10, 14, 14, 2, 10).unwrap()),
            payload: vec![payload.map(String::from), Some("ünï\u{1f}".into())],
        };
        let rows = vec![
            row("1", key("c"), Some("{}")),
            row("2", None, None),
            row("3", key("a"), Some("")),
            row("4", key("c"), None),
            row("5", key("b"), Some("x")),
        ];
        let entry = LogEntry {
            key: key("b"),
            attempt: None,
            status: Status::Unknown,
            raw_status: "weird".into(),
            created_at: None,
            updated_at: Some(Utc.timestamp_opt(1_790_000_000, 123_456_789).unwrap()),
        };
        let keys: Vec<Key> = ["c", "a", "b", "a"]
            .iter()
            .map(|k| key(k).unwrap())
            .collect();
        let parting = Parting::new(keys.iter(), 2);
        assert_eq!(parting.count(), 3);
        let mut spilled = Spilled::new(&parting);
        for r in &rows {
            spilled.results.result(&parting, r).unwrap();
        }
        spilled.log.log(&parting, &entry).unwrap();
        let shape = Dataset {
            payload_columns: vec!["p".into(), "q".into()],
            json_columns: vec![true, false],
            ..Default::default()
        };
        let parts: Vec<(Dataset, Vec<usize>)> = spilled.parts(&shape).map(Result::unwrap).collect();
        let got: Vec<(Vec<ResultRow>, Vec<usize>, Vec<LogEntry>)> = parts
            .into_iter()
            .map(|(d, origin)| {
                assert_eq!(d.payload_columns, shape.payload_columns);
                (d.results, origin, d.log)
            })
            .collect();
        let pick = |i: &[usize]| i.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                (pick(&[1]), vec![1], vec![]),
                (pick(&[2, 4]), vec![2, 4], vec![entry.clone()]),
                (pick(&[0, 3]), vec![0, 3], vec![]),
            ]
        );
    }
}
