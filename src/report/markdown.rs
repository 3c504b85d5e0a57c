//! The Markdown report, for tickets and postmortems.

use super::table::{details, keys_of};
use super::{header_lines, totals_line, window_sentence, RenderOptions, Report};

pub fn render(r: &Report, opts: RenderOptions) -> String {
    let f = &r.findings;
    let mut out = String::from("# dupaudit scan\n\n");
    for line in header_lines(r) {
        out.push_str(&format!("{}  \n", escape(&line)));
    }
    out.push_str(&format!("{}\n\n", escape(&totals_line(f))));
    out.push_str("| class | groups | rows | surplus rows | meaning |\n|---|---:|---:|---:|---|\n");
    for class in r.findings.checked.iter().copied() {
        let s = f.summary_of(class);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            class.name(),
            s.groups,
            s.rows,
            s.surplus_rows,
            class.meaning()
        ));
    }
    out.push_str("\n## Window\n\n");
    match &f.window {
        Some(w) => out.push_str(&format!("{}\n", escape(&window_sentence(w)))),
        None => out.push_str("No duplicate rows, so no window.\n"),
    }
    let lines = super::timeline_lines(f);
    if !lines.is_empty() {
        out.push_str("\n```text\n");
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("```\n");
    }
    for class in r.findings.checked.iter().copied() {
        let all = super::for_people(r, class);
        if all.is_empty() {
            continue;
        }
        let shown = super::shown(all.len(), opts.limit);
        out.push_str(&format!(
            "\n## {} ({} of {} groups)\n\n",
            class.name(),
            shown,
            all.len()
        ));
        out.push_str("| key | rows | surplus | what happened |\n|---|---|---:|---|\n");
        for finding in &all[..shown] {
            let rows: Vec<String> = if finding.rows.is_empty() {
                finding
                    .attempts
                    .iter()
                    .map(|a| {
                        format!(
                            "attempt {} {}",
                            a.attempt.as_deref().unwrap_or("-"),
                            a.raw_status
                        )
                    })
                    .collect()
            } else {
                finding.rows.iter().map(super::row_brief).collect()
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&keys_of(finding)),
                cell(&rows.join("\n")),
                finding.surplus_rows,
                cell(&details(finding))
            ));
        }
        if shown < all.len() {
            out.push_str(&format!(
                "\n{} more {} groups not shown.\n",
                all.len() - shown,
                class.name()
            ));
        }
    }
    out
}

/// Escapes characters Markdown would interpret in running text.
fn escape(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('*', "\\*")
        .replace('_', "\\_")
}

/// A table cell: escaped, with line breaks as `<br>`.
fn cell(s: &str) -> String {
    escape(s).replace('\n', "<br>")
}
