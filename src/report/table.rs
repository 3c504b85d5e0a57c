//! The terminal report: what the on-call engineer reads first. Totals per class,
//! the window where duplicates concentrate, then the groups of each class.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};

use super::{header_lines, totals_line, window_sentence, RenderOptions, Report};
use crate::findings::{key_text, Class, Finding};

pub fn render(r: &Report, opts: RenderOptions) -> String {
    let f = &r.findings;
    let width = opts.width;
    let mut out = String::new();
    for line in header_lines(r) {
        push_wrapped(&mut out, &line, width);
    }
    push_wrapped(&mut out, &totals_line(f), width);
    out.push('\n');
    out.push_str(&summary_table(r, width));
    out.push_str("\n\n");
    for hint in crate::findings::hints(f, |s| format!("`{s}`")) {
        push_wrapped(&mut out, &format!("Hint: {hint}"), width);
        out.push('\n');
    }
    push_window(&mut out, r, width);

    match opts.details {
        true => push_classes(&mut out, r, &opts),
        false => push_keys(&mut out, r, &opts),
    }
    if opts.details {
        // The lists have scrolled the summary away: it comes again, before the verdict.
        out.push('\n');
        out.push_str(&summary_table(r, width));
        out.push('\n');
        push_window(&mut out, r, width);
    }
    out.push('\n');
    push_wrapped(&mut out, &verdict(r, &opts.fail_on), width);
    out
}

/// The line a table report ends with: whether the run fails, and on what.
pub fn verdict(r: &Report, fail_on: &[(Class, u64)]) -> String {
    let failing = r.failing(fail_on);
    let found: Vec<String> = r
        .findings
        .checked
        .iter()
        .map(|&c| (c, r.groups(c)))
        .filter(|&(_, n)| n > 0)
        .map(|(c, n)| format!("{c}={n}"))
        .collect();
    let mut found = match found.is_empty() {
        true => "no findings".to_string(),
        false => found.join(" "),
    };
    if let (Some(_), Some(o)) = (&r.audited_window, &r.outstanding) {
        let still: Vec<String> = (o.summary.iter())
            .filter(|(_, n)| n.groups > 0)
            .map(|(c, n)| format!("{c}={}", n.groups))
            .collect();
        found = match still.is_empty() {
            true => format!("{found} in this window; nothing still in the table"),
            false => format!(
                "{found} in this window; still in the table: {}",
                still.join(" ")
            ),
        };
    }
    match failing.is_empty() {
        true => format!("Done. PASS (exit 0): {found}."),
        false => {
            let on: Vec<String> = failing.iter().map(|(c, _)| c.to_string()).collect();
            format!("Done. FAIL (exit 1) on {}: {found}.", on.join(", "))
        }
    }
}

fn summary_table(r: &Report, width: Option<usize>) -> String {
    let f = &r.findings;
    let mut summary = new_table(
        &["class", "groups", "rows", "surplus rows", "meaning"],
        width,
    );
    for class in f.checked.iter().copied() {
        let s = f.summary_of(class);
        summary.add_row(vec![
            Cell::new(class.name()),
            Cell::new(s.groups).set_alignment(CellAlignment::Right),
            Cell::new(s.rows).set_alignment(CellAlignment::Right),
            Cell::new(s.surplus_rows).set_alignment(CellAlignment::Right),
            Cell::new(class.meaning()),
        ]);
    }
    summary.to_string()
}

fn push_window(out: &mut String, r: &Report, width: Option<usize>) {
    let f = &r.findings;
    let sentence = match &f.window {
        Some(w) => window_sentence(w),
        None => crate::findings::no_window_sentence(f),
    };
    push_wrapped(out, &format!("Window: {sentence}"), width);
    for line in super::timeline_lines(f, width) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// The default listing: one line per key, with every class it carries, the keys of
/// the duplicate classes first.
fn push_keys(out: &mut String, r: &Report, opts: &RenderOptions) {
    let mut order: Vec<String> = Vec::new();
    let mut by_key: std::collections::HashMap<String, Vec<&Finding>> = Default::default();
    for class in r.findings.checked.iter().copied() {
        for finding in super::for_people(r, class) {
            // Findings without one key (NULL keys, cross-key groups) stand alone.
            let key = match (&finding.key, finding.class) {
                (Some(_), c) if c != Class::CrossKey => keys_of(finding),
                _ => format!("{}\u{0}{}", keys_of(finding), order.len()),
            };
            let entry = by_key.entry(key.clone()).or_default();
            if entry.is_empty() {
                order.push(key);
            }
            entry.push(finding);
        }
    }
    if order.is_empty() {
        return;
    }
    let shown = super::shown(order.len(), opts.limit);
    out.push_str(&format!(
        "\nKeys with findings ({shown} of {}; --details lists every group of every class)\n",
        order.len()
    ));
    let mut t = new_table(
        &["key", "classes", "rows", "surplus", "what happened"],
        opts.width,
    );
    for key in &order[..shown] {
        let findings = &by_key[key];
        let mut classes: Vec<&str> = findings.iter().map(|f| f.class.name()).collect();
        classes.dedup();
        let rows = findings
            .iter()
            .map(|f| f.rows.len().max(f.attempts.len()))
            .max();
        let surplus: u64 = findings.iter().map(|f| f.surplus_rows).max().unwrap_or(0);
        // What happened, as the first (most telling) finding of the key says it;
        // --details gives each class's own words.
        let what = details(findings[0]);
        t.add_row(vec![
            Cell::new(keys_of(findings[0])),
            Cell::new(classes.join("\n")),
            Cell::new(rows.unwrap_or(0)).set_alignment(CellAlignment::Right),
            Cell::new(surplus).set_alignment(CellAlignment::Right),
            Cell::new(what),
        ]);
    }
    let keys: Vec<String> = order[..shown]
        .iter()
        .map(|k| keys_of(by_key[k][0]))
        .collect();
    keep_keys_whole(&mut t, keys.iter().map(String::as_str), opts.width);
    out.push_str(&t.to_string());
    out.push('\n');
    if shown < order.len() {
        push_wrapped(
            out,
            &format!(
                "… {} more keys (--limit 0 lists all; --format csv or json gives every row)",
                order.len() - shown
            ),
            opts.width,
        );
    }
}

/// `--details`: the groups of each class, with their rows.
fn push_classes(out: &mut String, r: &Report, opts: &RenderOptions) {
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
        let mut t = new_table(&["key", "rows", "surplus", "what happened"], opts.width);
        for finding in &all[..shown] {
            t.add_row(vec![
                Cell::new(keys_of(finding)),
                Cell::new(members(finding)),
                Cell::new(finding.surplus_rows).set_alignment(CellAlignment::Right),
                Cell::new(details(finding)),
            ]);
        }
        let keys: Vec<String> = all[..shown].iter().map(|f| keys_of(f)).collect();
        keep_keys_whole(&mut t, keys.iter().map(String::as_str), opts.width);
        out.push_str(&t.to_string());
        out.push('\n');
        if shown < all.len() {
            push_wrapped(
                out,
                &format!(
                    "… {} more {} groups (--limit 0 lists all; --format csv or json gives every row)",
                    all.len() - shown,
                    class.name()
                ),
                opts.width,
            );
        }
    }
}

/// Gives the key column (the first) room for its longest key, up to two fifths of
/// the width: a key cut across lines is hard to copy into `explain`.
fn keep_keys_whole<'a>(t: &mut Table, keys: impl Iterator<Item = &'a str>, width: Option<usize>) {
    let Some(width) = width else {
        return;
    };
    let longest = keys
        .flat_map(str::lines)
        .map(console::measure_text_width)
        .max()
        .unwrap_or(0);
    let room = (longest + 2).min(width * 2 / 5) as u16;
    if let Some(column) = t.column_mut(0) {
        column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(room)));
    }
}

/// `text` and a newline, its words wrapped to `width`.
fn push_wrapped(out: &mut String, text: &str, width: Option<usize>) {
    let Some(width) = width else {
        out.push_str(text);
        out.push('\n');
        return;
    };
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = console::measure_text_width(&line) + 1 + console::measure_text_width(word);
        if !line.is_empty() && needed > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        // A word longer than the line (a long path) is cut where the line ends.
        let mut rest = word;
        while console::measure_text_width(&line) + console::measure_text_width(rest) > width {
            let room = width
                .saturating_sub(console::measure_text_width(&line))
                .max(1);
            let cut = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
            line.push_str(&rest[..cut]);
            out.push_str(&line);
            out.push('\n');
            line.clear();
            rest = &rest[cut..];
        }
        line.push_str(rest);
    }
    out.push_str(&line);
    out.push('\n');
}

fn new_table(header: &[&str], width: Option<usize>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    match width {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::DynamicFullWidth)
                .set_width(w as u16);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
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
        let text = |v: &Option<serde_json::Value>| match v {
            Some(v) => v.to_string(),
            None => "(absent)".into(),
        };
        let (left, right) = around_difference(&text(&d.left), &text(&d.right), 40);
        lines.push(format!("{}: {left} → {right}", d.path));
    }
    if f.payload_diff.len() > 5 {
        lines.push(format!("… {} more differences", f.payload_diff.len() - 5));
    }
    lines.join("\n")
}

/// Two values cut to about `max` characters each around where they first differ,
/// so that what tells them apart is what shows.
fn around_difference(a: &str, b: &str, max: usize) -> (String, String) {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let first = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let start = first.saturating_sub(max / 4);
    let cut = |v: &[char]| {
        let end = (start + max).min(v.len());
        let mut s = String::new();
        if start > 0 {
            s.push('…');
        }
        s.extend(&v[start.min(v.len())..end]);
        if end < v.len() {
            s.push('…');
        }
        s
    };
    (cut(&a), cut(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_shows_where_the_values_part() {
        let (a, b) = around_difference(
            "\"renewal and invoice flagged for review by the billing team\"",
            "\"renewal and invoice sent to the customer by the billing team\"",
            24,
        );
        assert_eq!(a, "…voice flagged for review…");
        assert_eq!(b, "…voice sent to the custom…");
        let (a, b) = around_difference("1", "2", 24);
        assert_eq!((a.as_str(), b.as_str()), ("1", "2"));
    }

    #[test]
    fn wrapped_text_fits_its_width() {
        let mut out = String::new();
        let long = format!("source sqlite:///{} and more words here", "x".repeat(120));
        push_wrapped(&mut out, &long, Some(40));
        assert!(out.lines().all(|l| l.chars().count() <= 40), "{out}");
        assert_eq!(out.replace(['\n', ' '], ""), long.replace(' ', ""));
    }
}
