//! The terminal report: what the on-call engineer reads first. Totals per class,
//! the window where duplicates concentrate, then the groups of each class.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use super::{header_lines, totals_line, window_sentence, RenderOptions, Report};
use crate::findings::{key_text, Class, Finding};

pub fn render(r: &Report, opts: RenderOptions) -> String {
    let f = &r.findings;
    let mut out = String::new();
    for line in header_lines(r) {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&totals_line(f));
    out.push_str("\n\n");

    let mut summary = new_table(&["class", "groups", "rows", "surplus rows", "meaning"]);
    for class in r.findings.checked.iter().copied() {
        let s = f.summary_of(class);
        summary.add_row(vec![
            Cell::new(class.name()),
            Cell::new(s.groups).set_alignment(CellAlignment::Right),
            Cell::new(s.rows).set_alignment(CellAlignment::Right),
            Cell::new(s.surplus_rows).set_alignment(CellAlignment::Right),
            Cell::new(class.meaning()),
        ]);
    }
    out.push_str(&summary.to_string());
    out.push_str("\n\n");
    for hint in crate::findings::hints(f, |s| format!("`{s}`")) {
        out.push_str(&format!("Hint: {hint}\n\n"));
    }
    match &f.window {
        Some(w) => out.push_str(&format!("Window: {}\n", window_sentence(w))),
        None => out.push_str(&format!(
            "Window: {}\n",
            crate::findings::no_window_sentence(f)
        )),
    }
    for line in super::timeline_lines(f) {
        out.push_str(&line);
        out.push('\n');
    }

    for class in r.findings.checked.iter().copied() {
        let all = super::for_people(r, class);
        if all.is_empty() {
            continue;
        }
        let shown = super::shown(all.len(), opts.limit);
        out.push_str(&format!(
            "\n{} ({} of {} groups)\n",
            class.name(),
            shown,
            all.len()
        ));
        let mut t = new_table(&["key", "rows", "surplus", "what happened"]);
        for finding in &all[..shown] {
            t.add_row(vec![
                Cell::new(keys_of(finding)),
                Cell::new(members(finding)),
                Cell::new(finding.surplus_rows).set_alignment(CellAlignment::Right),
                Cell::new(details(finding)),
            ]);
        }
        out.push_str(&t.to_string());
        out.push('\n');
        if shown < all.len() {
            out.push_str(&format!(
                "… {} more {} groups (--limit 0 lists all; --format csv or json gives every row)\n",
                all.len() - shown,
                class.name()
            ));
        }
    }
    out
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(header.to_vec());
    t
}

/// The key of a finding; for cross-key groups, every key involved.
pub(super) fn keys_of(f: &Finding) -> String {
    if f.class == Class::CrossKey {
        let mut keys: Vec<String> = f.rows.iter().map(|r| key_text(&r.key)).collect();
        keys.dedup();
        keys.join("\n")
    } else {
        key_text(&f.key)
    }
}

/// The result rows (or log rows) of a finding, one per line.
pub(super) fn members(f: &Finding) -> String {
    if f.rows.is_empty() {
        f.attempts
            .iter()
            .map(|a| {
                format!(
                    "attempt {} {}",
                    a.attempt.as_deref().unwrap_or("-"),
                    a.raw_status
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        f.rows
            .iter()
            .map(super::row_brief)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The note, plus the payload difference of a conflict.
pub(super) fn details(f: &Finding) -> String {
    let mut lines = vec![f.note.clone()];
    for d in f.payload_diff.iter().take(5) {
        let show = |v: &Option<serde_json::Value>| match v {
            Some(v) => truncate(&v.to_string(), 40),
            None => "(absent)".into(),
        };
        lines.push(format!(
            "{}: {} → {}",
            d.path,
            show(&d.left),
            show(&d.right)
        ));
    }
    if f.payload_diff.len() > 5 {
        lines.push(format!("… {} more differences", f.payload_diff.len() - 5));
    }
    lines.join("\n")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}
