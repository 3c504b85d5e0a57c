//! The CSV report: one line per group member (a result row, a log row, or a Redis
//! record that cannot be read), so a
//! spreadsheet or a script can filter and join it.

use std::collections::BTreeMap;
use std::io::{self, Seek, Write};

use super::Report;
use crate::findings::{key_text, Class, Finding};

const HEADER: [&str; 11] = [
    "class",
    "group",
    "key",
    "member",
    "primary_key",
    "attempt",
    "status",
    "written_at",
    "payload_hash",
    "group_surplus_rows",
    "note",
];

pub fn render(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("writing CSV to memory");
    for class in r.findings.checked.iter().copied() {
        for (n, f) in r.findings.of(class).enumerate() {
            write_finding(&mut w, f, n + 1).expect("writing CSV to memory");
        }
    }
    String::from_utf8(w.into_inner().expect("flushing CSV to memory"))
        .expect("CSV of UTF-8 fields is UTF-8")
}

/// The lines of `f`, the `n`th group (from 1) of its class.
fn write_finding<W: Write>(w: &mut csv::Writer<W>, f: &Finding, n: usize) -> csv::Result<()> {
    let class = f.class;
    let group = format!("{}-{n}", class.name());
    let surplus = f.surplus_rows.to_string();
    for row in &f.rows {
        w.write_record([
            class.name(),
            &group,
            &key_text(&row.key),
            "result",
            &row.pk.join(","),
            row.attempt.as_deref().unwrap_or(""),
            &row.attempt_status
                .map(|s| s.to_string())
                .unwrap_or_default(),
            &row.written_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            &row.payload_hash.to_string(),
            &surplus,
            &f.note,
        ])?;
    }
    if f.rows.is_empty() && f.attempts.is_empty() {
        // A record that could not be read: the note names its Redis key.
        w.write_record([
            class.name(),
            &group,
            &key_text(&f.key),
            "record",
            "",
            "",
            "",
            "",
            "",
            &surplus,
            &f.note,
        ])?;
    }
    if f.rows.is_empty() {
        for a in &f.attempts {
            w.write_record([
                class.name(),
                &group,
                &key_text(&f.key),
                "log",
                "",
                a.attempt.as_deref().unwrap_or(""),
                &a.raw_status,
                &a.updated_at
                    .or(a.created_at)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default(),
                "",
                &surplus,
                &f.note,
            ])?;
        }
    }
    Ok(())
}

/// A CSV report's lines, taken part by part as [`super::JsonSpool`] takes a JSON
/// report's findings: each class's lines go to an unnamed temporary file of their
/// own, numbered on from the groups of that class already taken, then are copied
/// after the header in the report's order of classes. Memory holds one part's
/// findings, whatever the number of groups.
#[derive(Default)]
pub struct CsvSpool {
    classes: BTreeMap<Class, (usize, csv::Writer<io::BufWriter<std::fs::File>>)>,
}

impl CsvSpool {
    /// Writes the lines of `findings`, in report order, after those already taken of
    /// their classes.
    pub fn add(&mut self, findings: &[Finding]) -> io::Result<()> {
        for f in findings {
            let (taken, w) = match self.classes.entry(f.class) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let file = io::BufWriter::new(tempfile::tempfile()?);
                    e.insert((0, csv::Writer::from_writer(file)))
                }
            };
            *taken += 1;
            write_finding(w, f, *taken)?;
        }
        Ok(())
    }

    /// Writes the report's header line, then every line taken, class by class in the
    /// order of `report`'s checked classes, as [`render`] does.
    pub fn write(mut self, report: &Report, w: &mut dyn Write) -> io::Result<()> {
        let mut header = csv::Writer::from_writer(Vec::new());
        header.write_record(HEADER)?;
        w.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
        for class in &report.findings.checked {
            let Some((_, lines)) = self.classes.remove(class) else {
                continue;
            };
            let buffered = lines.into_inner().map_err(|e| e.into_error())?;
            let mut file = buffered.into_inner().map_err(|e| e.into_error())?;
            file.seek(io::SeekFrom::Start(0))?;
            io::copy(&mut file, w)?;
        }
        Ok(())
    }
}
