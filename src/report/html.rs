//! The HTML report: one self-contained page an on-call engineer opens in a browser.
//!
//! In: a [`Report`]. Out: an HTML document with inline CSS and inline SVG only (no
//! script, no external asset, no network), so it can be attached to a ticket or
//! opened from a laptop during an incident. It holds the header, the summary, the
//! window with a timeline chart, the groups of each class and the stories of the top
//! exact and conflict groups. Every piece of text is escaped: keys and payloads are
//! user data.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use super::table::{details, keys_of, members};
use super::timeline::{surplus_times, timeline, Timeline};
use super::{for_people, header_lines, totals_line, window_sentence, RenderOptions, Report};
use crate::explain::{action, events_of};
use crate::findings::{key_text, Class, Finding, Window};
use crate::scan::{fmt_time, human};

/// Stories told per class (exact, conflict), in the order people read the groups.
const STORIES: usize = 5;

/// Most buckets in a chart; the same as the terminal sparklines.
const BUCKETS: usize = 60;

pub fn render(r: &Report, opts: RenderOptions) -> String {
    let f = &r.findings;
    let mut out = String::new();
    out.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    ));
    let _ = writeln!(
        out,
        "<title>dupaudit scan of {}</title>",
        esc(&r.source.location)
    );
    let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>\n<header>");
    out.push_str("<h1>dupaudit scan</h1>\n");
    for line in header_lines(r) {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(&line));
    }
    let _ = writeln!(
        out,
        "<p class=\"totals\">{}</p>\n</header>",
        esc(&totals_line(f))
    );
    let top: Vec<&Finding> = [Class::Exact, Class::Conflict]
        .into_iter()
        .filter(|c| f.checked.contains(c))
        .flat_map(|c| for_people(r, c).into_iter().take(STORIES))
        .collect();
    out.push_str("<nav><a href=\"#summary\">Summary</a> · <a href=\"#window\">Window</a>");
    for class in f.checked.iter().copied() {
        if f.of(class).next().is_some() {
            let _ = write!(
                out,
                " · <a href=\"#{}\">{}</a>",
                anchor(class),
                class.name()
            );
        }
    }
    if !top.is_empty() {
        out.push_str(" · <a href=\"#stories\">Stories</a>");
    }
    out.push_str("</nav>\n");

    // 1. Summary: one row per checked class, linking to its groups.
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n");
    out.push_str("<thead><tr><th>class</th><th class=\"num\">groups</th><th class=\"num\">rows</th><th class=\"num\">surplus rows</th><th>meaning</th></tr></thead>\n<tbody>\n");
    for class in f.checked.iter().copied() {
        let s = f.summary_of(class);
        let name = if s.groups > 0 {
            format!("<a href=\"#{}\">{}</a>", anchor(class), class.name())
        } else {
            class.name().to_string()
        };
        let _ = writeln!(
            out,
            "<tr{}><td>{name}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            if s.surplus_rows > 0 { " class=\"surplus\"" } else { "" },
            s.groups,
            s.rows,
            s.surplus_rows,
            esc(class.meaning())
        );
    }
    out.push_str("</tbody>\n</table>\n");
    for hint in crate::findings::hints(f, |s| format!("<code>{}</code>", esc(s))) {
        let _ = writeln!(out, "<p class=\"hint\"><strong>Hint:</strong> {hint}</p>");
    }
    out.push_str("</section>\n");

    // 2. The window and the timeline.
    out.push_str("<section id=\"window\">\n<h2>Window</h2>\n");
    match &f.window {
        Some(w) => {
            let _ = writeln!(out, "<p class=\"window\">{}</p>", esc(&window_sentence(w)));
        }
        None => {
            let text = crate::findings::no_window_sentence(f);
            let _ = writeln!(
                out,
                "<p class=\"window\">{}</p>",
                esc(&crate::findings::capitalized(&text))
            );
        }
    }
    let times = surplus_times(f);
    if let (Some(first), Some(last)) = (times.first(), times.last()) {
        let whole = timeline(&times, *first, *last, BUCKETS);
        out.push_str(&chart(
            "chart-whole",
            &format!(
                "Surplus rows per {} from {} to {}",
                whole.bucket_label(),
                first.format("%Y-%m-%d %H:%M"),
                last.format("%Y-%m-%d %H:%M UTC")
            ),
            &whole,
            f.window.as_ref(),
        ));
        if let Some(w) = &f.window {
            let zoom = timeline(&times, w.start, w.end, BUCKETS);
            out.push_str(&chart(
                "chart-window",
                &format!(
                    "In the window: surplus rows per {} from {} to {}",
                    zoom.bucket_label(),
                    w.start.format("%Y-%m-%d %H:%M"),
                    w.end.format("%Y-%m-%d %H:%M UTC")
                ),
                &zoom,
                None,
            ));
        }
    }
    out.push_str("</section>\n");

    // 3. The groups of each class, as the Markdown report lists them.
    for class in f.checked.iter().copied() {
        let all = for_people(r, class);
        if all.is_empty() {
            continue;
        }
        let shown = super::shown(all.len(), opts.limit);
        let _ = writeln!(
            out,
            "<section id=\"{}\">\n<h2>{} <span class=\"count\">({shown} of {} groups)</span></h2>\n<p class=\"meaning\">{}</p>",
            anchor(class),
            class.name(),
            all.len(),
            esc(class.meaning())
        );
        out.push_str("<div class=\"scroll\"><table class=\"groups\">\n<thead><tr><th>key</th><th>rows</th><th class=\"num\">surplus</th><th>what happened</th></tr></thead>\n<tbody>\n");
        for finding in &all[..shown] {
            let _ = writeln!(
                out,
                "<tr><td class=\"key\">{}</td><td class=\"rows\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                lines(&keys_of(finding)),
                lines(&members(finding)),
                finding.surplus_rows,
                lines(&details(finding))
            );
        }
        out.push_str("</tbody>\n</table></div>\n");
        if shown < all.len() {
            let _ = writeln!(
                out,
                "<p class=\"more\">… {} more {} groups (--limit 0 lists all; --format csv or json gives every row)</p>",
                all.len() - shown,
                class.name()
            );
        }
        out.push_str("</section>\n");
    }

    // 4. What happened to the top keys, as `explain KEY` tells it.
    if !top.is_empty() {
        let _ = writeln!(
            out,
            "<section id=\"stories\">\n<h2>Stories of the top groups</h2>\n<p class=\"meaning\">The first {STORIES} exact and conflict groups above, each key's attempts and rows in time order (what <code>dupaudit explain KEY</code> shows).</p>"
        );
        for finding in top {
            out.push_str(&story(finding));
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// One key's events, verdict, payload difference and cleanup action.
fn story(f: &Finding) -> String {
    let mut out = format!(
        "<article class=\"story\">\n<h3><code>{}</code> <span class=\"tag {}\">{}</span></h3>\n<p>{}</p>\n",
        esc(&key_text(&f.key)),
        f.class.name(),
        f.class.name(),
        esc(&f.note)
    );
    out.push_str("<table class=\"events\">\n<thead><tr><th>time</th><th class=\"num\">gap</th><th>event</th></tr></thead>\n<tbody>\n");
    for e in events_of(f) {
        // Shaded so the eye finds it; the text says it in words for everyone else.
        let late = e.text.ends_with("late write");
        let _ = writeln!(
            out,
            "<tr{}><td class=\"time\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            if late { " class=\"late\"" } else { "" },
            esc(&fmt_time(e.at)),
            e.gap_seconds
                .map(|g| format!("+{}", human(Duration::seconds(g))))
                .unwrap_or_default(),
            esc(&e.text)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if !f.payload_diff.is_empty() {
        out.push_str("<p>Payload difference (first row → other):</p>\n<ul class=\"diff\">\n");
        for d in &f.payload_diff {
            let show = |v: &Option<serde_json::Value>| {
                v.as_ref().map_or("(absent)".to_string(), |v| v.to_string())
            };
            let _ = writeln!(
                out,
                "<li><code>{}</code>: <del>{}</del> → <ins>{}</ins></li>",
                esc(&d.path),
                esc(&show(&d.left)),
                esc(&show(&d.right))
            );
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(
        out,
        "<p class=\"action\">{}</p>\n</article>",
        esc(&action(std::slice::from_ref(f)))
    );
    out
}

// Chart geometry, in SVG user units; the SVG scales to the page width.
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 250.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 32.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 40.0;

/// A bar chart of surplus rows per bucket, with the window shaded when given.
fn chart(id: &str, caption: &str, t: &Timeline, window: Option<&Window>) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_h;
    let n = t.buckets.len().max(1);
    let bar_w = plot_w / n as f64;
    let max = t
        .buckets
        .iter()
        .map(|b| b.surplus_rows)
        .max()
        .unwrap_or(0)
        .max(1);
    let start = t.buckets.first().map(|b| b.start);
    // The left edge of the bucket holding `time`.
    let x_of = |time: DateTime<Utc>| -> f64 {
        let i = start.map_or(0, |s| (time - s).num_seconds() / t.bucket_seconds);
        (LEFT + i as f64 * bar_w).clamp(LEFT, LEFT + plot_w)
    };

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<figure>\n<figcaption>{}</figcaption>\n<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-title\">\n<title id=\"{id}-title\">{}</title>",
        esc(caption),
        esc(caption)
    );

    // 1. The window, behind the bars.
    if let Some(w) = window {
        // Whole buckets, so that every bar of the window lies inside the band.
        let (x0, x1) = (
            x_of(w.start),
            x_of(w.end + Duration::seconds(t.bucket_seconds)),
        );
        let _ = writeln!(
            svg,
            "<rect class=\"window\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>window: {} to {}</title></rect>\n<text class=\"window-label\" x=\"{:.1}\" y=\"{:.1}\">window</text>",
            x0 - 3.0,
            TOP - 20.0,
            x1 - x0 + 6.0,
            plot_h + 20.0,
            esc(&fmt_time(Some(w.start))),
            esc(&fmt_time(Some(w.end))),
            (x0 + x1) / 2.0,
            TOP - 24.0
        );
    }

    // 2. Horizontal grid lines and the y axis, at round counts.
    let step = nice_step(max);
    let mut tick = 0;
    while tick <= max {
        let y = base - tick as f64 / max as f64 * plot_h;
        let _ = writeln!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"y\" x=\"{:.1}\" y=\"{:.1}\">{tick}</text>",
            LEFT + plot_w,
            LEFT - 6.0,
            y + 4.0
        );
        tick += step;
    }

    // 3. Bars, proportional to their count, each with its bucket start and count.
    let labels = bar_w >= 18.0;
    for (i, b) in t.buckets.iter().enumerate() {
        if b.surplus_rows == 0 {
            continue;
        }
        let h = b.surplus_rows as f64 / max as f64 * plot_h;
        let x = LEFT + i as f64 * bar_w;
        let end = b.start + Duration::seconds(t.bucket_seconds);
        let inside = window.is_some_and(|w| b.start <= w.end && end > w.start);
        let _ = writeln!(
            svg,
            "<rect class=\"bar{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{}: {} surplus {}</title></rect>",
            if inside { " inside" } else { "" },
            x + bar_w * 0.1,
            base - h,
            bar_w * 0.8,
            esc(&b.start.format("%Y-%m-%d %H:%M UTC").to_string()),
            b.surplus_rows,
            if b.surplus_rows == 1 { "row" } else { "rows" }
        );
        if labels {
            let _ = writeln!(
                svg,
                "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + bar_w / 2.0,
                base - h - 3.0,
                b.surplus_rows
            );
        }
    }

    // 4. The x axis: a date or time label every few buckets.
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{base}\" y2=\"{base}\"/>",
        LEFT + plot_w
    );
    let every = n.div_ceil(8).max(1);
    let format = time_format(t);
    for (i, b) in t.buckets.iter().enumerate().step_by(every) {
        let x = LEFT + i as f64 * bar_w;
        let _ = writeln!(
            svg,
            "<line class=\"axis\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{base}\" y2=\"{:.1}\"/><text class=\"x\" x=\"{x:.1}\" y=\"{:.1}\">{}</text>",
            base + 5.0,
            base + 18.0,
            b.start.format(format)
        );
    }
    let _ = writeln!(
        svg,
        "<text class=\"unit\" x=\"{:.1}\" y=\"{:.1}\">UTC, bucket start · bars: surplus rows per {}</text>",
        LEFT + plot_w,
        base + 34.0,
        esc(&t.bucket_label())
    );
    svg.push_str("</svg>\n</figure>\n");
    svg
}

/// Axis labels: the time of day when the chart stays within one day, the date when
/// buckets are days or wider, both otherwise.
fn time_format(t: &Timeline) -> &'static str {
    let (Some(first), Some(last)) = (t.buckets.first(), t.buckets.last()) else {
        return "%H:%M";
    };
    if t.bucket_seconds >= 86_400 {
        "%Y-%m-%d"
    } else if first.start.date_naive() == last.start.date_naive() {
        "%H:%M"
    } else {
        "%m-%d %H:%M"
    }
}

/// A round step (1, 2 or 5 times a power of ten) giving at most five grid lines up
/// to `max`.
fn nice_step(max: u64) -> u64 {
    let mut power = 1;
    loop {
        for m in [1, 2, 5] {
            if max / (m * power) <= 5 {
                return m * power;
            }
        }
        power *= 10;
    }
}

fn anchor(class: Class) -> String {
    format!("class-{}", class.name())
}

/// Escaped text with its line breaks as `<br>`.
fn lines(s: &str) -> String {
    esc(s).replace('\n', "<br>")
}

/// Escapes text for HTML element content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --bar: #ea580c; --window: #fde68a; }
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; color: var(--ink); max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { margin: 0 0 8px; font-size: 26px; }
h2 { margin: 32px 0 8px; font-size: 20px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 20px 0 4px; font-size: 16px; }
h3 code { font-size: 15px; }
.events th:first-child { width: 13em; } .events th:nth-child(2) { width: 6em; }
.meta, .totals { margin: 2px 0; color: var(--muted); }
nav { margin: 12px 0 0; padding: 6px 0; border-top: 1px solid var(--line); }
.totals { color: var(--ink); font-weight: 600; }
.count, .meaning, .more { color: var(--muted); font-weight: normal; }
.window { font-size: 16px; background: #fffbeb; border-left: 4px solid #f59e0b; padding: 8px 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
tbody tr:nth-child(even) { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary tr.surplus td:first-child { font-weight: 600; }
.key, .rows, .time, code { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 13px; }
.key, .rows { white-space: nowrap; }
.scroll { overflow-x: auto; }
.time { white-space: nowrap; }
tr.late td { background: #fee2e2; }
.tag { font-size: 12px; font-weight: 600; padding: 1px 6px; border-radius: 8px; background: #e5e7eb; }
.tag.exact { background: #ffedd5; } .tag.conflict { background: #fee2e2; }
.story { border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 8px; margin: 12px 0; }
.story p { margin: 6px 0; }
.action { font-weight: 600; }
.diff del { background: #fee2e2; text-decoration: none; } .diff ins { background: #dcfce7; text-decoration: none; }
figure { margin: 12px 0 20px; }
figcaption { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
svg.chart { width: 100%; height: auto; display: block; font-family: system-ui, 'DejaVu Sans', sans-serif; }
svg .bar { fill: var(--bar); }
svg .bar.inside { fill: #b91c1c; }
svg .window { fill: var(--window); opacity: 0.6; }
svg .window-label { font-size: 12px; fill: #92400e; font-weight: 600; text-anchor: middle; }
svg .grid { stroke: #eaeef2; }
svg .axis { stroke: var(--muted); }
svg text { font-size: 11px; fill: var(--muted); }
svg .y { text-anchor: end; }
svg .x { text-anchor: middle; }
svg .value { text-anchor: middle; fill: var(--ink); }
svg .unit { text-anchor: end; }
@media print { body { max-width: none; } .story { break-inside: avoid; } }
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn grid_steps_are_round_and_few() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(5), 1);
        assert_eq!(nice_step(7), 2);
        assert_eq!(nice_step(23), 5);
        assert_eq!(nice_step(100), 20);
        assert_eq!(nice_step(1_000), 200);
    }
}
