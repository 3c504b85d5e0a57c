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
    for hint in crate::findings::hints(f, code) {
        out.push_str(&format!("\n**Hint:** {hint}\n"));
    }
    out.push_str("\n## Window\n\n");
    match &f.window {
        Some(w) => out.push_str(&format!("{}\n", escape(&window_sentence(w)))),
        None => out.push_str(&format!(
            "{}\n",
            escape(&crate::findings::capitalized(
                &crate::findings::no_window_sentence(f)
            ))
        )),
    }
    let lines = super::timeline_lines(f, None);
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

/// `s` as a code span: delimited by one backtick more than the longest run of them
/// in `s`, so that nothing in it ends the span early.
fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    match s.starts_with('`') || s.ends_with('`') {
        true => format!("{fence} {s} {fence}"),
        false => format!("{fence}{s}{fence}"),
    }
}

/// A table cell: escaped, with line breaks as `<br>`.
fn cell(s: &str) -> String {
    escape(s).replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn a_code_span_holds_any_backticks_its_text_has() {
        assert_eq!(code("latency_ms"), "`latency_ms`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("``x"), "``` ``x ```");
    }
}
