//! Times as people write them on a command line.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// A time given on the command line, read relative to `now`:
/// - RFC 3339, with its zone: `2026-10-14T14:00:00+02:00`;
/// - a date and a time without a zone, taken as UTC: `2026-10-14 14:00`,
///   `2026-10-14T14:00:05`;
/// - a date alone, its midnight UTC: `2026-10-14`;
/// - a duration before `now`: `3h`, `90m`, `2d`, `1h 30m`, `3h ago`;
/// - `now`.
pub fn parse_time_at(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(at.and_utc());
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    let ago = t.strip_suffix("ago").unwrap_or(t).trim();
    if let Ok(d) = humantime::parse_duration(ago) {
        let d = chrono::Duration::from_std(d).map_err(|_| format!("`{t}`: too long ago"))?;
        return now
            .checked_sub_signed(d)
            .ok_or_else(|| format!("`{t}`: too long ago"));
    }
    Err(format!(
        "`{t}` is not a time: give RFC 3339 (2026-10-14T14:00:00Z), a date (2026-10-14), \
         a date and time in UTC (\"2026-10-14 14:00\"), or how long ago (3h, 2d)"
    ))
}

/// [`parse_time_at`] now: the parser of every time flag.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    parse_time_at(text, Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        let now = DateTime::parse_from_rfc3339("2026-10-14T17:30:00Z")
            .unwrap()
            .to_utc();
        parse_time_at(text, now).unwrap()
    }

    #[test]
    fn times_are_read_as_people_write_them() {
        assert_eq!(
            at("2026-10-14T14:00:00+02:00").to_rfc3339(),
            "2026-10-14T12:00:00+00:00"
        );
        assert_eq!(
            at("2026-10-14 14:00").to_rfc3339(),
            "2026-10-14T14:00:00+00:00"
        );
        assert_eq!(
            at("2026-10-14T14:00:05").to_rfc3339(),
            "2026-10-14T14:00:05+00:00"
        );
        assert_eq!(at("2026-10-14").to_rfc3339(), "2026-10-14T00:00:00+00:00");
        assert_eq!(at("3h").to_rfc3339(), "2026-10-14T14:30:00+00:00");
        assert_eq!(at("1h 30m ago").to_rfc3339(), "2026-10-14T16:00:00+00:00");
        assert_eq!(at("2d").to_rfc3339(), "2026-10-12T17:30:00+00:00");
        assert_eq!(at("now").to_rfc3339(), "2026-10-14T17:30:00+00:00");
    }

    #[test]
    fn what_is_not_a_time_says_what_is() {
        let now = Utc::now();
        for bad in ["yesterday-ish", "2026-13-01", "14:00", ""] {
            let e = parse_time_at(bad, now).unwrap_err();
            assert!(
                e.contains("is not a time") && e.contains("3h"),
                "{bad}: {e}"
            );
        }
    }
}
