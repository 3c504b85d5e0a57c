//! The two tables as the class pre-filters see them in an engine that is handed SQL
//! text over views (polars' SQL context for files, Spark): the results as
//! [`RESULTS_VIEW`] with columns `r0`.. in [`crate::model::ResultProjection`] order,
//! the log as [`LOG_VIEW`] with `l0`.. in [`crate::model::LogProjection`] order, the
//! key, attempt and status as text.
//!
//! In: the spec (where each column sits in the projections) and the log's status
//! values with their rows. Out: the fragments and lists that render each class's
//! pre-filter (`queries/ansi/keys_*.sql`) over those views, and the status values
//! sorted by what they mean.

use std::collections::BTreeMap;

use crate::spec::{AuditSpec, Status};

/// The names the two tables go by in the pre-filters' SQL.
pub(crate) const RESULTS_VIEW: &str = "dupaudit_results";
pub(crate) const LOG_VIEW: &str = "dupaudit_log";

/// The `i`th projected column of the results.
pub(crate) fn r(i: usize) -> String {
    format!("r{i}")
}

/// The `i`th projected column of the log.
pub(crate) fn l(i: usize) -> String {
    format!("l{i}")
}

/// The `j`th column of a key read back.
pub(crate) fn k(j: usize) -> String {
    format!("k{j}")
}

/// Where the primary key, key, attempt, timestamp and status sit in the projections.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Columns of the primary key (the results' first columns).
    pub r_pk: usize,
    /// Columns of the key (after the primary key; the log's first columns).
    pub r_key: usize,
    pub r_attempt: Option<usize>,
    pub r_ts: Option<usize>,
    pub l_attempt: Option<usize>,
    pub l_status: usize,
}

impl Layout {
    pub fn of(spec: &AuditSpec) -> Layout {
        let (r, l) = (&spec.results, &spec.log);
        let r_pk = r.primary_key.len();
        let r_key = r.key.len();
        let r_attempt = r.attempt.as_ref().map(|_| r_pk + r_key);
        let r_ts = r
            .timestamp
            .as_ref()
            .map(|_| r_pk + r_key + r_attempt.is_some() as usize);
        let l_attempt = l.attempt.as_ref().map(|_| l.key.len());
        let l_status = l.key.len() + l_attempt.is_some() as usize;
        Layout {
            r_pk,
            r_key,
            r_attempt,
            r_ts,
            l_attempt,
            l_status,
        }
    }

    /// Positions in the results' projection of the columns matched and grouped as
    /// text: the key and the attempt.
    pub fn r_text(&self) -> Vec<usize> {
        (self.r_pk..self.r_pk + self.r_key)
            .chain(self.r_attempt)
            .collect()
    }

    /// Positions in the log's projection of the columns matched as text: the key,
    /// the attempt and the status.
    pub fn l_text(&self) -> Vec<usize> {
        (0..self.r_key)
            .chain(self.l_attempt)
            .chain([self.l_status])
            .collect()
    }

    /// The key columns of the results view, as `alias.rN`.
    pub fn r_key(&self, alias: &str) -> Vec<String> {
        (0..self.r_key)
            .map(|j| format!("{alias}.{}", r(self.r_pk + j)))
            .collect()
    }

    /// The key columns of the log view, as `alias.lN`.
    pub fn l_key(&self, alias: &str) -> Vec<String> {
        (0..self.r_key)
            .map(|j| format!("{alias}.{}", l(j)))
            .collect()
    }

    /// The fragments of the class pre-filters over the two views. A scan limited to
    /// a time window keeps the keys found to those touched in it afterwards.
    pub fn prefilter_fragments(&self) -> Vec<(&'static str, String)> {
        let (r_key, l_key) = (self.r_key("r"), self.l_key("l"));
        let as_k = |exprs: &[String]| -> String {
            let named: Vec<String> = exprs
                .iter()
                .enumerate()
                .map(|(j, e)| format!("{e} AS {}", k(j)))
                .collect();
            named.join(", ")
        };
        let not_null = |exprs: &[String]| -> String {
            let each: Vec<String> = exprs.iter().map(|e| format!("{e} IS NOT NULL")).collect();
            each.join(" AND ")
        };
        let equal = |a: &[String], b: &[String]| -> String {
            let each: Vec<String> = a.iter().zip(b).map(|(a, b)| format!("{a} = {b}")).collect();
            each.join(" AND ")
        };
        let (mut r_match, mut l_match) = (r_key.clone(), l_key.clone());
        if let Some((ra, la)) = self.r_attempt.zip(self.l_attempt) {
            r_match.push(format!("r.{}", r(ra)));
            l_match.push(format!("l.{}", l(la)));
        }
        let attempts = self
            .r_attempt
            .zip(self.l_attempt)
            .map(|(ra, la)| (format!("r.{}", r(ra)), format!("l.{}", l(la))));
        let joined = crate::sql::full_join_fragments(
            &r_key,
            &l_key,
            attempts.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
        );
        let mut fragments = vec![
            ("results", RESULTS_VIEW.to_string()),
            ("log", LOG_VIEW.to_string()),
            ("status", l(self.l_status)),
            ("r_key_as", as_k(&r_key)),
            ("l_key_as", as_k(&l_key)),
            ("r_key_group", r_key.join(", ")),
            ("l_key_group", l_key.join(", ")),
            ("r_key_not_null", not_null(&r_key)),
            ("l_key_not_null", not_null(&l_key)),
            ("r_sorted_grouping", String::new()),
            ("l_sorted_grouping", String::new()),
            ("rl_match", equal(&r_match, &l_match)),
            ("rl_key_match", equal(&r_key, &l_key)),
            ("l_key_first", l(0)),
            ("r_first_row", "NULL".into()),
            ("r_last_row", "NULL".into()),
            ("r_part", String::new()),
            ("l_part", String::new()),
            ("r_touch", String::new()),
            ("l_touch", String::new()),
        ];
        fragments.extend(joined);
        fragments
    }
}

/// The status values stored in the log, by what they mean.
#[derive(Debug, Default)]
pub(crate) struct Spellings {
    pub failed: Vec<String>,
    pub completed: Vec<String>,
    pub processing: Vec<String>,
    /// Those rows of the log whose status is none of the spec's spellings, by value.
    pub unknown_values: BTreeMap<String, u64>,
    /// Every log row.
    pub rows: u64,
}

impl Spellings {
    /// Sorts each status value stored (`None`: NULL) with its log rows by what the
    /// spec says it means (`statuses.sql`).
    pub fn of<'a>(
        spec: &AuditSpec,
        values: impl IntoIterator<Item = (Option<&'a str>, u64)>,
    ) -> Spellings {
        let mut out = Spellings::default();
        for (raw, n) in values {
            out.rows += n;
            let list = match spec.log.statuses.classify(raw.unwrap_or_default()) {
                Status::Failed => &mut out.failed,
                Status::Completed => &mut out.completed,
                Status::Processing => &mut out.processing,
                Status::Unknown => {
                    let value = raw.unwrap_or("NULL").to_string();
                    *out.unknown_values.entry(value).or_default() += n;
                    continue;
                }
            };
            // A NULL status matches no spelling in SQL either.
            if let Some(raw) = raw {
                list.push(raw.to_string());
            }
        }
        out
    }

    /// The lists the pre-filters name.
    pub fn lists(&self) -> [(&'static str, &[String]); 3] {
        [
            ("failed", &self.failed),
            ("completed", &self.completed),
            ("processing", &self.processing),
        ]
    }
}
