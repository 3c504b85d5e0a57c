//! The CSV report: one line per group member (a result row, a log row, or a Redis
//! record that cannot be read), so a
//! spreadsheet or a script can filter and join it.

use super::Report;
use crate::findings::key_text;

pub fn render(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
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
    ])
    .expect("writing CSV to memory");
    for class in r.findings.checked.iter().copied() {
        for (n, f) in r.findings.of(class).enumerate() {
            let group = format!("{}-{}", class.name(), n + 1);
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
                ])
                .expect("writing CSV to memory");
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
                ])
                .expect("writing CSV to memory");
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
                    ])
                    .expect("writing CSV to memory");
                }
            }
        }
    }
    String::from_utf8(w.into_inner().expect("flushing CSV to memory"))
        .expect("CSV of UTF-8 fields is UTF-8")
}
