//! The HTML report: one self-contained page an on-call engineer opens in a browser.
//!
//! In: a [`Report`]. Out: an HTML document with inline CSS and inline SVG only (no
//! script, no external asset, no network), so it can be attached to a ticket or
//! opened from a laptop during an incident. It holds the header, the summary, the
//! window with a timeline chart, the groups of each class and the stories of the top
//! exact and conflict groups. Every piece of text is escaped: keys and payloads are
//! user data.
//!
//! The page reads on a phone (390 px wide) as on a laptop: tables scroll in a box of
//! their own, the group tables put key, surplus and what happened first, and the
//! charts are laid out in percentages of their width so their labels keep their size
//! in pixels.

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
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"scroll\"><table class=\"summary\">\n");
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
    out.push_str("</tbody>\n</table></div>\n");
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
        out.push_str("<div class=\"scroll\"><table class=\"groups\">\n<thead><tr><th>key</th><th class=\"num\">surplus</th><th>what happened</th><th>rows</th></tr></thead>\n<tbody>\n");
        for finding in &all[..shown] {
            let _ = writeln!(
                out,
                "<tr><td class=\"key\">{}</td><td class=\"num\">{}</td><td class=\"what\">{}</td><td class=\"rows\">{}</td></tr>",
                key_lines(&keys_of(finding)),
                finding.surplus_rows,
                lines(&details(finding)),
                lines(&members(finding))
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
    out.push_str("<div class=\"scroll\"><table class=\"events\">\n<thead><tr><th>time</th><th class=\"num\">gap</th><th>event</th></tr></thead>\n<tbody>\n");
    for e in events_of(f) {
        // Shaded so the eye finds it; the text says it in words for everyone else.
        let late = e.text.ends_with("late write");
        let _ = writeln!(
            out,
            "<tr{}><td class=\"time\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            if late { " class=\"late\"" } else { "" },
            time_pieces(&fmt_time(e.at)),
            e.gap_seconds
                .map(|g| format!("+{}", human(Duration::seconds(g))))
                .unwrap_or_default(),
            esc(&e.text)
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
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

// Chart geometry. Across, every position is a percentage of the chart's width, so one
// chart fills a phone and a laptop alike while its text keeps its size in pixels; a
// viewBox would scale the labels with the chart, to about 4 px on a phone. Down,
// pixels. The axis labels left of the plot and under its edges are drawn in the
// padding around the SVG (`.plot` in the CSS).
const HEIGHT: f64 = 240.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 38.0;

/// The most bars that leave room for each bar's count above it on a phone, whose plot
/// is about 320 px wide, and on a wider screen; past these the counts are left to the
/// y axis and each bar's tooltip.
const COUNTS_NARROW: usize = 16;
const COUNTS_WIDE: usize = 48;

/// A bar chart of surplus rows per bucket, with the window shaded when given, and its
/// legend.
fn chart(id: &str, caption: &str, t: &Timeline, window: Option<&Window>) -> String {
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_h;
    let n = t.buckets.len().max(1);
    let bar_w = 100.0 / n as f64;
    let max = t
        .buckets
        .iter()
        .map(|b| b.surplus_rows)
        .max()
        .unwrap_or(0)
        .max(1);
    let start = t.buckets.first().map(|b| b.start);
    // The left edge of the bucket holding `time`, in percent.
    let x_of = |time: DateTime<Utc>| -> f64 {
        let i = start.map_or(0, |s| (time - s).num_seconds() / t.bucket_seconds);
        (i as f64 * bar_w).clamp(0.0, 100.0)
    };

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<figure>\n<figcaption>{}</figcaption>\n<div class=\"plot\"><svg id=\"{id}\" class=\"chart\" width=\"100%\" height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"{id}-title\">\n<title id=\"{id}-title\">{}</title>",
        esc(caption),
        esc(caption)
    );

    // 1. The window, behind the bars.
    let mut inside_any = false;
    if let Some(w) = window {
        // Whole buckets, so that every bar of the window lies inside the band.
        let (x0, x1) = (
            x_of(w.start),
            x_of(w.end + Duration::seconds(t.bucket_seconds)),
        );
        let _ = writeln!(
            svg,
            "<rect class=\"window\" x=\"{x0:.2}%\" y=\"{:.1}\" width=\"{:.2}%\" height=\"{:.1}\"><title>window: {} to {}</title></rect>\n<text class=\"window-label\" x=\"{:.2}%\" y=\"{:.1}\">window</text>",
            TOP - 20.0,
            x1 - x0,
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
            "<line class=\"grid\" x1=\"0\" x2=\"100%\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"y\" x=\"-6\" y=\"{:.1}\">{tick}</text>",
            y + 4.0
        );
        tick += step;
    }

    // 3. Bars, proportional to their count, each with its bucket start and count.
    let counts = if n <= COUNTS_NARROW {
        Some("value")
    } else if n <= COUNTS_WIDE {
        Some("value wide")
    } else {
        None
    };
    for (i, b) in t.buckets.iter().enumerate() {
        if b.surplus_rows == 0 {
            continue;
        }
        let h = b.surplus_rows as f64 / max as f64 * plot_h;
        let x = i as f64 * bar_w;
        let end = b.start + Duration::seconds(t.bucket_seconds);
        let inside = window.is_some_and(|w| b.start <= w.end && end > w.start);
        inside_any |= inside;
        let _ = writeln!(
            svg,
            "<rect class=\"bar{}\" x=\"{:.2}%\" y=\"{:.1}\" width=\"{:.2}%\" height=\"{h:.1}\"><title>{}: {} surplus {}</title></rect>",
            if inside { " inside" } else { "" },
            x + bar_w * 0.1,
            base - h,
            bar_w * 0.8,
            esc(&b.start.format("%Y-%m-%d %H:%M UTC").to_string()),
            b.surplus_rows,
            if b.surplus_rows == 1 { "row" } else { "rows" }
        );
        if let Some(class) = counts {
            let _ = writeln!(
                svg,
                "<text class=\"{class}\" x=\"{:.2}%\" y=\"{:.1}\">{}</text>",
                x + bar_w / 2.0,
                base - h - 3.0,
                b.surplus_rows
            );
        }
    }

    // 4. The x axis: a date or time label every few buckets, in two short lines so
    //    that neighbours do not collide; every other one is left out on a phone.
    let _ = writeln!(
        svg,
        "<line class=\"axis\" x1=\"0\" x2=\"100%\" y1=\"{base}\" y2=\"{base}\"/>"
    );
    let every = n.div_ceil(8).max(1);
    let (first_line, second_line) = time_format(t);
    for (k, (i, b)) in t.buckets.iter().enumerate().step_by(every).enumerate() {
        let x = i as f64 * bar_w;
        let _ = write!(
            svg,
            "<line class=\"axis\" x1=\"{x:.2}%\" x2=\"{x:.2}%\" y1=\"{base}\" y2=\"{:.1}\"/><text class=\"x{}\" x=\"{x:.2}%\" y=\"{:.1}\">{}",
            base + 5.0,
            if k % 2 == 1 { " wide" } else { "" },
            base + 18.0,
            b.start.format(first_line)
        );
        if let Some(second) = second_line {
            let _ = write!(
                svg,
                "<tspan x=\"{x:.2}%\" dy=\"14\">{}</tspan>",
                b.start.format(second)
            );
        }
        svg.push_str("</text>\n");
    }
    svg.push_str("</svg></div>\n");

    // 5. The legend: what each colour is, and how to read the times.
    let bucket = esc(&t.bucket_label());
    let _ = write!(
        svg,
        "<p class=\"legend\"><span><span class=\"swatch bar\"></span>surplus rows per {bucket}</span>"
    );
    if inside_any {
        svg.push_str(
            " <span><span class=\"swatch inside\"></span>surplus rows in the window</span>",
        );
    }
    if window.is_some() {
        svg.push_str(" <span><span class=\"swatch band\"></span>the window</span>");
    }
    svg.push_str(" <span>times: UTC, where each bar starts</span></p>\n</figure>\n");
    svg
}

/// Axis labels, as two lines (the second may be absent): the time of day when the
/// chart stays within one day, the date when buckets are days or wider, both
/// otherwise.
fn time_format(t: &Timeline) -> (&'static str, Option<&'static str>) {
    let (Some(first), Some(last)) = (t.buckets.first(), t.buckets.last()) else {
        return ("%H:%M", None);
    };
    if t.bucket_seconds >= 86_400 {
        ("%m-%d", Some("%Y"))
    } else if first.start.date_naive() == last.start.date_naive() {
        ("%H:%M", None)
    } else {
        ("%m-%d", Some("%H:%M"))
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

/// Escaped keys, one per line, each in pieces that end at a `/` (between operation
/// and key), so that on a phone the key column stays narrow.
fn key_lines(s: &str) -> String {
    s.lines()
        .map(|key| key.split_inclusive('/').map(piece).collect::<String>())
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A time as its date and its time of day, so that on a phone the two may take a line
/// each.
fn time_pieces(s: &str) -> String {
    match s.split_once(' ') {
        Some((date, time)) => format!("{} {}", piece(date), piece(time)),
        None => piece(s),
    }
}

/// Escaped text that breaks across lines only at its ends: the CSS makes it an inline
/// block that does not wrap, and a phone's narrow table cell breaks between such
/// pieces. (A `<wbr>` would break a key on a laptop too: Chromium honours it inside
/// `nowrap`.)
fn piece(s: &str) -> String {
    format!("<span>{}</span>", esc(s))
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
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; color: var(--ink); max-width: 1200px; margin: 0 auto; padding: 24px; overflow-wrap: break-word; }
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
.key span, .time span { display: inline-block; white-space: nowrap; }
.scroll { overflow-x: auto; }
.summary td:last-child { min-width: 12em; }
.groups td.what { min-width: 9em; overflow-wrap: anywhere; }
.events td:last-child { min-width: 10em; }
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
figure .plot { padding: 0 20px 0 44px; }
svg.chart { width: 100%; display: block; overflow: visible; font-family: system-ui, 'DejaVu Sans', sans-serif; }
svg .bar { fill: var(--bar); }
svg .bar.inside { fill: #b91c1c; }
svg .window { fill: var(--window); opacity: 0.6; }
svg .window-label { font-size: 12px; fill: #92400e; font-weight: 600; text-anchor: middle; }
svg .grid { stroke: #eaeef2; }
svg .axis { stroke: var(--muted); }
svg text { font-size: 12px; fill: var(--muted); }
svg .y { text-anchor: end; }
svg .x { text-anchor: middle; }
svg .value { text-anchor: middle; fill: var(--ink); }
.legend { margin: 4px 0 0; font-size: 13px; color: var(--muted); }
.legend > span { white-space: nowrap; margin-right: 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; background: var(--bar); }
.swatch.inside { background: #b91c1c; }
.swatch.band { background: var(--window); opacity: 0.6; outline: 1px solid #f59e0b; }
@media (max-width: 720px) {
  body { padding: 12px; }
  th, td { padding: 4px 6px; }
  .key, .time { white-space: normal; }
  .events th:first-child { width: 8em; }
  .story { padding: 4px 10px 8px; }
  svg .wide { display: none; }
}
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
