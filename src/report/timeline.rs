//! The incident timeline: surplus rows (the redundant copies of exact and conflict
//! groups) counted per time bucket.
//!
//! In: findings. Out: a [`Timeline`] over the whole period and one zoomed on the window
//! where duplicates concentrate, each with a bucket width chosen so that there are at
//! most a given number of buckets, and a sparkline for terminals.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};

use crate::findings::{Class, Findings};

/// Surplus rows per bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Width of a bucket, in seconds.
    pub bucket_seconds: i64,
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub surplus_rows: u64,
}

/// Bucket widths tried, smallest first.
const WIDTHS: [i64; 9] = [
    60,
    300,
    900,
    3_600,
    3 * 3_600,
    6 * 3_600,
    12 * 3_600,
    86_400,
    7 * 86_400,
];

/// The times at which surplus rows were written: every row of an exact or conflict
/// group but its first.
pub fn surplus_times(f: &Findings) -> Vec<DateTime<Utc>> {
    let mut times: Vec<DateTime<Utc>> = f
        .findings
        .iter()
        .filter(|g| matches!(g.class, Class::Exact | Class::Conflict))
        .flat_map(|g| g.rows.iter().skip(1).filter_map(|r| r.written_at))
        .collect();
    times.sort();
    times
}

/// Counts `times` (sorted) between `from` and `to` in at most `max_buckets` buckets.
pub fn timeline(
    times: &[DateTime<Utc>],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max_buckets: usize,
) -> Timeline {
    let span = (to - from).num_seconds().max(1);
    let width = WIDTHS
        .into_iter()
        .find(|w| span / w < max_buckets as i64)
        .unwrap_or(WIDTHS[WIDTHS.len() - 1]);
    let step = Duration::seconds(width);
    let start = from.duration_trunc(step).unwrap_or(from);
    let mut buckets = Vec::new();
    let mut t = start;
    while t <= to {
        buckets.push(Bucket {
            start: t,
            surplus_rows: 0,
        });
        t += step;
    }
    for time in times.iter().filter(|t| **t >= start && **t <= to) {
        let i = ((*time - start).num_seconds() / width) as usize;
        if let Some(b) = buckets.get_mut(i) {
            b.surplus_rows += 1;
        }
    }
    Timeline {
        bucket_seconds: width,
        buckets,
    }
}

impl Timeline {
    /// One character per bucket, from blank to full block.
    pub fn sparkline(&self) -> String {
        const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
        let max = self
            .buckets
            .iter()
            .map(|b| b.surplus_rows)
            .max()
            .unwrap_or(0)
            .max(1);
        self.buckets
            .iter()
            .map(|b| {
                if b.surplus_rows == 0 {
                    BARS[0]
                } else {
                    BARS[(1 + (b.surplus_rows * 7) / max) as usize]
                }
            })
            .collect()
    }

    /// `5m`, `1h`, `1d` …
    pub fn bucket_label(&self) -> String {
        crate::scan::human(Duration::seconds(self.bucket_seconds))
            .trim_end_matches(" 0s")
            .trim_end_matches(" 0m")
            .trim_end_matches(" 0h")
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 14, 14, 0, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn buckets_are_wide_enough_to_stay_under_the_limit() {
        let times = [t(0), t(1), t(2), t(100)];
        let tl = timeline(&times, t(0), t(100), 60);
        assert_eq!(tl.bucket_seconds, 300);
        assert_eq!(tl.buckets.len(), 21);
        assert_eq!(tl.buckets[0].surplus_rows, 3);
        assert_eq!(tl.buckets[20].surplus_rows, 1);
        assert_eq!(tl.buckets.iter().map(|b| b.surplus_rows).sum::<u64>(), 4);
    }

    #[test]
    fn sparkline_has_one_bar_per_bucket_and_the_tallest_is_full() {
        let times = [t(0), t(0), t(0), t(0), t(30)];
        let tl = timeline(&times, t(0), t(30), 60);
        let line = tl.sparkline();
        assert_eq!(line.chars().count(), tl.buckets.len());
        assert_eq!(line.chars().next(), Some('█'));
        assert_eq!(tl.bucket_label(), "1m");
    }
}
