//! The cleanup plan: which rows go and which row of each group stays, decided
//! before anything is touched.
//!
//! In: the exact (and, when the spec resolves them, conflict) findings of a scan,
//! the full content of every row of those keys with each row's fingerprint, and a
//! keep-rule chain. Out: a [`Plan`], the contract between `plan` and `apply`:
//! versioned, naming its source and its fingerprint scheme, holding the spec, a
//! fingerprint of every row to remove and of every keeper, and a checksum over all
//! of it. Building it is pure; nothing here reads a database.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::canonical::Canonicalizer;
use crate::error::Error;
use crate::findings::{Finding, Findings, RowRef};
use crate::model::Key;
use crate::spec::{AuditSpec, Status};
use crate::sql::Dialect;
pub use crate::vocab::KeepRule;
use crate::vocab::{key_text, read_bounded, Class};

/// The plan format this dupaudit writes and reads. Version 2 added
/// `fingerprint_scheme` (PostgreSQL rows fingerprinted by the server); version 3
/// checksums the file's own bytes rather than a re-serialisation of its content;
/// version 4 may be signed (`signature`) and fingerprints SQLite rows with their
/// storage classes.
pub const PLAN_FORMAT_VERSION: u32 = 4;

/// The largest plan file `apply` reads: about two million groups. A larger file is
/// refused before it is read, so that a wrong path (a device, a log) cannot take the
/// machine's memory.
pub const MAX_PLAN_BYTES: u64 = 512 << 20;

/// The context of the keys that sign plans (blake3's key derivation): a key file's
/// bytes are never used as a key as they are.
const SIGNING_CONTEXT: &str = "dupaudit 2026-12 plan signature v1";

/// What the file holds between its content and its checksum: the checksum is the
/// top object's last field, and covers every byte before this.
const CHECKSUM_FIELD: &str = ",\n  \"checksum\": \"";

/// How the fingerprint of a row is computed. A plan names its scheme, and `apply`
/// refuses a plan whose scheme is not the one it computes on that database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FingerprintScheme {
    /// blake3 over every column's name and text, computed by dupaudit from the
    /// columns read as text (see [`fingerprint`]). MySQL.
    #[serde(rename = "blake3-columns")]
    Blake3Columns,
    /// [`FingerprintScheme::Blake3Columns`] with each column's storage class (SQLite's
    /// `typeof`: a TEXT and a BLOB of the same bytes are different rows). SQLite.
    #[serde(rename = "blake3-typed-columns")]
    Blake3TypedColumns,
    /// SHA-256 of the row in PostgreSQL's binary form (`record_send`: every column's
    /// type and value as the binary protocol sends them, NULL marked apart),
    /// computed by the server, so that only primary keys and fingerprints travel.
    /// Session settings (time zone, date style) do not change it.
    #[serde(rename = "postgres-row-sha256")]
    PostgresRowSha256,
}

impl FingerprintScheme {
    /// The scheme dupaudit uses on a database of this dialect.
    pub fn of(dialect: Dialect) -> FingerprintScheme {
        match dialect {
            Dialect::Postgres => FingerprintScheme::PostgresRowSha256,
            Dialect::Sqlite => FingerprintScheme::Blake3TypedColumns,
            Dialect::Mysql => FingerprintScheme::Blake3Columns,
        }
    }
}

impl fmt::Display for FingerprintScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FingerprintScheme::Blake3Columns => "blake3-columns",
            FingerprintScheme::Blake3TypedColumns => "blake3-typed-columns",
            FingerprintScheme::PostgresRowSha256 => "postgres-row-sha256",
        })
    }
}

/// What separates a MySQL table's creation time from its InnoDB id in its identity.
pub const TABLE_ID_MARK: &str = "innodb id ";

/// Which database and table a plan was made on. `apply` refuses a plan whose
/// identity differs from the database it is pointed at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceIdentity {
    /// `sqlite`, `postgres` or `mysql`.
    pub kind: String,
    /// The URL without password, for people; not compared.
    pub location: String,
    /// The server: PostgreSQL's system identifier, MySQL's host, port and server id;
    /// empty for SQLite.
    pub server: String,
    /// The database: name and OID (PostgreSQL), schema (MySQL), file path (SQLite).
    pub database: String,
    /// The results table's name.
    pub table: String,
    /// What tells a recreated table with the same name apart (PostgreSQL: its OID;
    /// MySQL: its creation time); empty where the database has nothing reliable.
    pub table_id: String,
}

impl SourceIdentity {
    /// Where two identities differ, in words; `None` when they name the same table.
    /// A MySQL table's InnoDB id is compared only when both sides could read it.
    pub fn mismatch(&self, live: &SourceIdentity) -> Option<String> {
        let mark = TABLE_ID_MARK;
        let (plan_id, live_id) = match (
            self.table_id.split_once(mark),
            live.table_id.split_once(mark),
        ) {
            (Some(_), Some(_)) | (None, None) => (self.table_id.clone(), live.table_id.clone()),
            (Some((created, _)), None) => (created.trim().to_string(), live.table_id.clone()),
            (None, Some((created, _))) => (self.table_id.clone(), created.trim().to_string()),
        };
        let fields = [
            ("kind of database", &self.kind, &live.kind),
            ("server", &self.server, &live.server),
            ("database", &self.database, &live.database),
            ("results table", &self.table, &live.table),
            ("table identity (recreated?)", &plan_id, &live_id),
        ];
        let diffs: Vec<String> = fields
            .iter()
            .filter(|(_, a, b)| a != b)
            .map(|(what, a, b)| format!("{what}: plan `{a}`, here `{b}`"))
            .collect();
        (!diffs.is_empty()).then(|| diffs.join("; "))
    }
}

/// A row as the plan names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedRow {
    pub pk: Vec<String>,
    /// The row's whole content, by the plan's [`FingerprintScheme`].
    pub fingerprint: String,
    pub attempt: Option<String>,
    pub attempt_status: Option<Status>,
    pub written_at: Option<DateTime<Utc>>,
    pub payload_hash: String,
}

/// One key's cleanup: the row it keeps and the rows it removes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanGroup {
    pub class: Class,
    pub key: Key,
    pub keeper: PlannedRow,
    pub remove: Vec<PlannedRow>,
    /// The rule that left one row standing (`lowest-id (tie-break)` when none did).
    pub decided_by: String,
}

/// Groups and rows, counted together so nobody has to guess which a number is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub groups: u64,
    pub rows: u64,
}

impl Tally {
    fn add(&mut self, rows: usize) {
        self.groups += 1;
        self.rows += rows as u64;
    }
}

/// Findings the plan leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotPlanned {
    pub class: Class,
    pub groups: u64,
    pub reason: String,
}

/// Which of a scan's duplicate groups a plan takes (`plan --classes`, `--only-key`,
/// `--exclude-key`); the window, when there is one, is the spec's.
#[derive(Debug, Clone, Default)]
pub struct PlanScope {
    /// Exact, conflict or both; empty: both.
    classes: Vec<Class>,
    only: Vec<Key>,
    exclude: Vec<Key>,
}

/// Most keys like an unknown one that an error names.
const LIKE_LISTED: usize = 5;

impl PlanScope {
    /// The scope of `classes` and keys; `resolves_conflicts`: a rule says which
    /// conflicting row to keep.
    pub fn new(
        classes: &[Class],
        only: Vec<Key>,
        exclude: Vec<Key>,
        resolves_conflicts: bool,
    ) -> Result<PlanScope, String> {
        if let Some(c) = classes
            .iter()
            .find(|c| !matches!(c, Class::Exact | Class::Conflict))
        {
            return Err(format!(
                "plan --classes {c}: a plan removes the surplus copies of exact and conflict groups only; \
                 {c} findings are for people to look at (dupaudit explain KEY)"
            ));
        }
        if classes.contains(&Class::Conflict) && !resolves_conflicts {
            return Err(
                "plan --classes conflict: say which conflicting row to keep with --resolve-conflicts RULE,... \
                 (or [cleanup] resolve_conflicts in the spec)"
                    .into(),
            );
        }
        Ok(PlanScope {
            classes: classes.to_vec(),
            only,
            exclude,
        })
    }

    /// The findings the plan takes, and per class the groups left out and why. A
    /// key of `--only-key` or `--exclude-key` that no duplicate group has is an
    /// error naming the duplicated keys like it.
    pub fn take(&self, mut findings: Findings) -> Result<(Findings, Vec<NotPlanned>), String> {
        let duplicated: Vec<&Key> = findings
            .findings
            .iter()
            .filter_map(|f| f.key.as_ref())
            .collect();
        for (flag, keys) in [("--only-key", &self.only), ("--exclude-key", &self.exclude)] {
            if let Some(k) = keys.iter().find(|k| !duplicated.contains(k)) {
                return Err(unplanned_key(flag, k, &duplicated));
            }
        }
        let mut left_out: BTreeMap<(Class, &str), u64> = BTreeMap::new();
        findings.findings.retain(|f| {
            let key = f.key.as_ref();
            let reason = match () {
                _ if !self.classes.is_empty() && !self.classes.contains(&f.class) => "--classes",
                _ if !self.only.is_empty() && !key.is_some_and(|k| self.only.contains(k)) => {
                    "--only-key"
                }
                _ if key.is_some_and(|k| self.exclude.contains(k)) => "--exclude-key",
                _ => return true,
            };
            *left_out.entry((f.class, reason)).or_default() += 1;
            false
        });
        let left_out = left_out
            .into_iter()
            .map(|((class, flag), groups)| NotPlanned {
                class,
                groups,
                reason: format!("left out by {flag}"),
            })
            .collect();
        Ok((findings, left_out))
    }
}

/// The error of a key `flag` names that no duplicate group has, with the
/// duplicated keys that begin most like it.
fn unplanned_key(flag: &str, key: &Key, duplicated: &[&Key]) -> String {
    let text = key_text(&Some(key.clone()));
    let shared = |k: &Key| -> usize {
        let other = key_text(&Some(k.clone()));
        text.chars()
            .zip(other.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut like: Vec<(usize, String)> = duplicated
        .iter()
        .map(|k| (shared(k), key_text(&Some((*k).clone()))))
        .filter(|(n, _)| *n > 0)
        .collect();
    like.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    like.dedup_by(|a, b| a.1 == b.1);
    let mut message = format!(
        "{flag} {text}: no exact or conflict group of this scan has that key (dupaudit explain {text} tells its story)"
    );
    if !like.is_empty() {
        let names: Vec<String> = like.into_iter().take(LIKE_LISTED).map(|(_, k)| k).collect();
        message.push_str(&format!("; duplicated keys like it: {}", names.join(", ")));
    }
    message
}

/// What the plan does, counted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSummary {
    /// Groups planned, and rows to remove.
    pub total: Tally,
    pub per_class: BTreeMap<Class, Tally>,
    /// Per value of the first key column, when the key is scoped by operation.
    pub per_operation: BTreeMap<String, Tally>,
    /// Per rule that decided the keeper.
    pub decided_by: BTreeMap<String, u64>,
    pub not_planned: Vec<NotPlanned>,
}

/// The plan file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format_version: u32,
    pub tool_version: String,
    pub created_at: DateTime<Utc>,
    pub source: SourceIdentity,
    /// The spec the plan was made with (its URLs without their passwords).
    pub spec: AuditSpec,
    pub keep: Vec<KeepRule>,
    pub resolve_conflicts: Option<Vec<KeepRule>>,
    /// Every column of the results table, in the order fingerprints read them.
    pub columns: Vec<String>,
    /// How every row's fingerprint was computed.
    pub fingerprint_scheme: FingerprintScheme,
    pub summary: PlanSummary,
    pub groups: Vec<PlanGroup>,
    /// blake3 (hex) of the plan written up to this field: it catches a truncated or
    /// damaged file. It proves nothing of who wrote the plan: anyone can compute it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub checksum: String,
    /// A keyed blake3 (hex) of the same bytes, with a key only its holders have
    /// (`--plan-key`): present when the plan was signed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub signature: Option<String>,
}

/// A key that signs plans and checks their signatures, derived from a key file.
#[derive(Clone)]
pub struct PlanKey([u8; 32]);

impl std::fmt::Debug for PlanKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlanKey(..)")
    }
}

impl PlanKey {
    /// The fewest bytes of secret a key file holds.
    pub const MIN_BYTES: usize = 32;

    /// The key of a key file: at least [`PlanKey::MIN_BYTES`] bytes of secret
    /// (surrounding whitespace ignored), never shown.
    pub fn read(path: &Path) -> Result<PlanKey, Error> {
        let fail =
            |message: String| Error::Usage(format!("plan key {}: {message}", path.display()));
        let bytes = read_bounded(path, 1 << 16).map_err(fail)?;
        let secret = bytes.trim_ascii();
        if secret.len() < Self::MIN_BYTES {
            return Err(fail(format!(
                "holds {} bytes; a key needs at least {} (e.g. `head -c 32 /dev/urandom | base64 > {}`)",
                secret.len(),
                Self::MIN_BYTES,
                path.display()
            )));
        }
        Ok(PlanKey(blake3::derive_key(SIGNING_CONTEXT, secret)))
    }

    fn sign(&self, body: &[u8]) -> String {
        blake3::keyed_hash(&self.0, body).to_hex().to_string()
    }

    /// Whether `signature` signs `body` with this key, in constant time.
    fn verifies(&self, body: &[u8], signature: &str) -> bool {
        let Ok(given) = blake3::Hash::from_hex(signature) else {
            return false;
        };
        blake3::keyed_hash(&self.0, body) == given
    }
}

impl Plan {
    /// The checksum of everything but the checksum itself: blake3 of the plan as
    /// written to disk up to where its checksum field begins.
    pub fn compute_checksum(&mut self) -> String {
        let sealed = std::mem::take(&mut self.checksum);
        let signature = self.signature.take();
        let text = self.to_json();
        self.checksum = sealed;
        self.signature = signature;
        let body = text
            .strip_suffix("\n}\n")
            .expect("a plan ends with its top object");
        blake3::hash(body.as_bytes()).to_hex().to_string()
    }

    /// Sets the checksum; the plan is then ready to be written.
    pub fn seal(mut self) -> Plan {
        self.checksum = self.compute_checksum();
        self
    }

    /// Sets the checksum and the signature of `key`.
    pub fn seal_signed(mut self, key: &PlanKey) -> Plan {
        self.signature = None;
        self.checksum = String::new();
        let text = self.to_json();
        let body = text
            .strip_suffix("\n}\n")
            .expect("a plan ends with its top object");
        self.checksum = blake3::hash(body.as_bytes()).to_hex().to_string();
        self.signature = Some(key.sign(body.as_bytes()));
        self
    }

    /// Where the plan breaks what `apply` holds whatever a plan says, one line per
    /// group: a keeper listed for removal, a key planned twice, a row named twice
    /// (in one group or in two). Empty for a plan `plan` wrote.
    pub fn violations(&self) -> Vec<String> {
        let mut out = Vec::new();
        let rows_named: usize = self.groups.iter().map(|g| 1 + g.remove.len()).sum();
        let mut keys: foldhash::HashMap<&Key, usize> =
            foldhash::HashMap::with_capacity_and_hasher(self.groups.len(), Default::default());
        let mut rows: foldhash::HashMap<&Vec<String>, usize> =
            foldhash::HashMap::with_capacity_and_hasher(rows_named, Default::default());
        for (i, g) in self.groups.iter().enumerate() {
            let label = || group_label(g);
            if g.remove.iter().any(|r| r.pk == g.keeper.pk) {
                out.push(format!(
                    "group {i} ({}): its keeper {} is also listed for removal",
                    label(),
                    g.keeper.pk.join(",")
                ));
            }
            if let Some(first) = keys.insert(&g.key, i) {
                out.push(format!(
                    "group {i} ({}): the key is planned already by group {first}",
                    label()
                ));
            }
            for r in std::iter::once(&g.keeper).chain(&g.remove) {
                if let Some(first) = rows.insert(&r.pk, i) {
                    out.push(format!(
                        "group {i} ({}): row {} is named already by group {first}",
                        label(),
                        r.pk.join(",")
                    ));
                }
            }
            if g.key.len() != self.spec.results.key.len() {
                out.push(format!(
                    "group {i} ({}): the key has {} values, the spec's key {} columns",
                    label(),
                    g.key.len(),
                    self.spec.results.key.len()
                ));
            }
            for r in std::iter::once(&g.keeper).chain(&g.remove) {
                if r.pk.len() != self.spec.results.primary_key.len() {
                    out.push(format!(
                        "group {i} ({}): row {} has {} primary key values, the spec {}",
                        label(),
                        r.pk.join(","),
                        r.pk.len(),
                        self.spec.results.primary_key.len()
                    ));
                }
            }
        }
        out
    }

    /// The plan as written to disk: the header indented, one line per group (and
    /// per entry of the spec's and the summary's tables), so that a plan of 100,000
    /// groups stays readable, diffable and about half the size of fully indented
    /// JSON.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(256 * self.groups.len() + 4096);
        let mut ser = serde_json::Serializer::with_formatter(&mut out, LineFormatter::default());
        self.serialize(&mut ser).expect("a plan serialises");
        out.push(b'\n');
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Reads a plan and checks it is one this dupaudit wrote and nothing damaged:
    /// a regular file of at most [`MAX_PLAN_BYTES`], its format version (so an
    /// unknown version is named as such), shape, checksum; with `key`, its
    /// signature, which a plan must then have.
    pub fn read(path: &Path, key: Option<&PlanKey>) -> Result<Plan, Error> {
        let fail = |message: String| Error::Plan {
            file: path.to_path_buf(),
            message,
        };
        let bytes = read_bounded(path, MAX_PLAN_BYTES).map_err(fail)?;
        let text = String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))?;
        let plan = Plan::parse(&text).map_err(fail)?;
        if let Some(key) = key {
            let body = text
                .rfind(CHECKSUM_FIELD)
                .map(|at| &text[..at])
                .unwrap_or_default();
            match &plan.signature {
                None => return Err(fail("it is not signed, and a plan key was given: make the plan again with --plan-key".into())),
                Some(s) if !key.verifies(body.as_bytes(), s) => {
                    return Err(fail("its signature is not the plan key's: it was changed after it was signed, or signed with another key".into()))
                }
                Some(_) => {}
            }
        }
        Ok(plan)
    }

    /// [`Plan::read`] on text. The plan is parsed once; only when that fails, or
    /// names another version, is the version looked at on its own, so that a plan
    /// of another version is named as such rather than as malformed.
    pub fn parse(text: &str) -> Result<Plan, String> {
        /// Only the version.
        #[derive(Deserialize)]
        struct Header {
            format_version: Option<serde_json::Value>,
        }
        let version_error = |v: u64| {
            format!(
                "plan format version {v} is not one this dupaudit reads (version {PLAN_FORMAT_VERSION}); make the plan again with this version"
            )
        };
        let plan: Plan = match serde_json::from_str(text) {
            Ok(plan) => plan,
            Err(e) => {
                let header: Header = serde_json::from_str(text)
                    .map_err(|e| format!("not a dupaudit plan (not JSON: {e})"))?;
                return Err(
                    match header.format_version.as_ref().and_then(|v| v.as_u64()) {
                        None => "not a dupaudit plan (no format_version)".into(),
                        Some(v) if v != PLAN_FORMAT_VERSION as u64 => version_error(v),
                        Some(_) => format!("not a valid dupaudit plan: {e}"),
                    },
                );
            }
        };
        if plan.format_version != PLAN_FORMAT_VERSION {
            return Err(version_error(plan.format_version as u64));
        }
        // The bytes are checked, not a re-serialisation: what was read is what was
        // written, whitespace included.
        let body = text.rfind(CHECKSUM_FIELD).map(|at| &text[..at]);
        let sum = body.map(|b| blake3::hash(b.as_bytes()).to_hex().to_string());
        if plan.checksum.is_empty() || sum.as_deref() != Some(plan.checksum.as_str()) {
            return Err("checksum does not match: the plan was changed after it was written; make a new plan instead of editing one".into());
        }
        Ok(plan)
    }

    /// Rows the plan removes.
    pub fn rows_to_remove(&self) -> u64 {
        self.summary.total.rows
    }
}

/// JSON indented down to [`LineFormatter::DEPTH`] levels of nesting and written on
/// one line below that.
#[derive(Default)]
struct LineFormatter {
    depth: usize,
    has_value: bool,
}

impl LineFormatter {
    /// The top object and the arrays and objects directly in it are indented.
    const DEPTH: usize = 2;

    fn item<W: ?Sized + std::io::Write>(&self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.depth <= Self::DEPTH {
            w.write_all(b"\n")?;
            (0..self.depth).try_for_each(|_| w.write_all(b"  "))?;
        }
        Ok(())
    }

    fn close<W: ?Sized + std::io::Write>(&mut self, w: &mut W, end: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.depth < Self::DEPTH && self.has_value {
            w.write_all(b"\n")?;
            (0..self.depth).try_for_each(|_| w.write_all(b"  "))?;
        }
        w.write_all(end)
    }
}

impl serde_json::ser::Formatter for LineFormatter {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.depth <= Self::DEPTH {
            b": "
        } else {
            b":"
        })
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A row read whole: every column of the table as text, in the plan's column order,
/// and its fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct FullRow {
    pub pk: Vec<String>,
    pub key: Option<Key>,
    pub cells: Vec<Option<String>>,
    pub fingerprint: String,
}

/// Where each concept sits among the table's columns.
#[derive(Debug, Clone)]
pub struct Layout {
    pub columns: Vec<String>,
    pk: Vec<usize>,
    key: Vec<usize>,
    payload: Vec<usize>,
}

impl Layout {
    /// `None`, with the missing column, when the table lacks a column the spec names.
    pub fn new(
        spec: &AuditSpec,
        columns: Vec<String>,
        payload_columns: &[String],
    ) -> Result<Layout, String> {
        let find = |c: &String| columns.iter().position(|x| x == c).ok_or_else(|| c.clone());
        let all = |cs: &[String]| cs.iter().map(find).collect::<Result<Vec<_>, _>>();
        Ok(Layout {
            pk: all(&spec.results.primary_key)?,
            key: all(&spec.results.key)?,
            payload: all(payload_columns)?,
            columns,
        })
    }

    /// A row of text cells in column order, with the fingerprint the database
    /// computed or, when it computed none, the [`fingerprint`] of the cells.
    pub fn row(&self, cells: Vec<Option<String>>, fingerprint: Option<String>) -> FullRow {
        let pk = self
            .pk
            .iter()
            .map(|&i| cells[i].clone().unwrap_or_else(|| "NULL".to_string()))
            .collect();
        let key = self
            .key
            .iter()
            .map(|&i| cells[i].clone())
            .collect::<Option<Vec<String>>>();
        let fingerprint = fingerprint.unwrap_or_else(|| self.fingerprint(&cells));
        FullRow {
            pk,
            key,
            cells,
            fingerprint,
        }
    }

    fn payload(&self, row: &FullRow) -> Vec<Option<String>> {
        self.payload.iter().map(|&i| row.cells[i].clone()).collect()
    }

    /// The blake3-columns fingerprint of a row's cells: every column, NULLs told
    /// apart from text.
    pub fn fingerprint(&self, cells: &[Option<String>]) -> String {
        fingerprint(&self.columns, cells)
    }
}

/// blake3 over every column name and value, length-prefixed so that no two rows
/// share an encoding, with NULL distinct from every text.
pub fn fingerprint(columns: &[String], cells: &[Option<String>]) -> String {
    let mut h = blake3::Hasher::new();
    for (name, cell) in columns.iter().zip(cells) {
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        match cell {
            None => h.update(&[0]),
            Some(v) => h.update(&[1]).update(&(v.len() as u64).to_le_bytes()),
        };
        if let Some(v) = cell {
            h.update(v.as_bytes());
        }
    }
    h.finalize().to_hex().to_string()
}

/// [`fingerprint`] with each column's storage class (SQLite's `typeof`) hashed
/// beside its text: the blake3-typed-columns scheme.
pub fn typed_fingerprint(
    columns: &[String],
    cells: &[Option<String>],
    classes: &[Option<String>],
) -> String {
    let mut h = blake3::Hasher::new();
    for ((name, cell), class) in columns.iter().zip(cells).zip(classes) {
        for part in [Some(name.as_str()), class.as_deref()] {
            let part = part.unwrap_or_default();
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        match cell {
            None => h.update(&[0]),
            Some(v) => h.update(&[1]).update(&(v.len() as u64).to_le_bytes()),
        };
        if let Some(v) = cell {
            h.update(v.as_bytes());
        }
    }
    h.finalize().to_hex().to_string()
}

/// What `build` needs besides the findings.
pub struct PlanInput<'a> {
    pub spec: &'a AuditSpec,
    pub source: SourceIdentity,
    pub layout: &'a Layout,
    /// How the rows' fingerprints were computed.
    pub fingerprint_scheme: FingerprintScheme,
    /// Every row of every key of the findings, read whole after the scan.
    pub rows_by_key: &'a HashMap<Key, Vec<FullRow>>,
    pub keep: Vec<KeepRule>,
    pub created_at: DateTime<Utc>,
    /// Groups the plan's scope left out ([`PlanScope::take`]).
    pub left_out: Vec<NotPlanned>,
}

/// Builds the plan: one group per exact finding (and per conflict when the spec
/// gives a resolve chain), its keeper chosen by the chain, every other row of the
/// key removed. A key whose rows changed between the scan and the full read is left
/// out and counted, never guessed at.
pub fn build(findings: &Findings, input: PlanInput<'_>) -> Plan {
    let spec = input.spec;
    let canon = Canonicalizer::new(
        findings
            .payload_columns
            .iter()
            .map(|c| spec.results.json.contains(c))
            .collect(),
        &spec.results.ignore_fields,
    );
    let resolve = spec.cleanup.resolve_conflicts.clone();
    let mut groups = Vec::new();
    let mut changed = 0u64;
    let mut conflicts_left = 0u64;
    for f in &findings.findings {
        let chain = match f.class {
            Class::Exact => &input.keep,
            Class::Conflict => match &resolve {
                Some(chain) => chain,
                None => {
                    conflicts_left += 1;
                    continue;
                }
            },
            _ => continue,
        };
        match group(f, chain, &input, &canon) {
            Some(g) => groups.push(g),
            None => changed += 1,
        }
    }

    let mut summary = PlanSummary::default();
    let scoped = spec.results.key.len() > 1;
    for g in &groups {
        summary.total.add(g.remove.len());
        summary
            .per_class
            .entry(g.class)
            .or_default()
            .add(g.remove.len());
        if scoped {
            summary
                .per_operation
                .entry(g.key[0].clone())
                .or_default()
                .add(g.remove.len());
        }
        *summary.decided_by.entry(g.decided_by.clone()).or_default() += 1;
    }
    let mut not_planned = |class: Class, groups: u64, reason: &str| {
        if groups > 0 {
            summary.not_planned.push(NotPlanned {
                class,
                groups,
                reason: reason.to_string(),
            });
        }
    };
    // A field that changes with every write makes conflicts of copies: the scan's
    // hint says which, and ignoring it makes them exact duplicates, which are planned.
    let mut conflicts_reason =
        "conflicts are never removed unless [cleanup] resolve_conflicts in the spec says how"
            .to_string();
    for hint in crate::findings::sole_difference_hints(findings, |s| format!("`{s}`")) {
        conflicts_reason.push_str(&format!(". {hint} Then plan again"));
    }
    not_planned(Class::Conflict, conflicts_left, &conflicts_reason);
    not_planned(
        Class::Exact,
        changed,
        "the key's rows changed between the scan and the plan; plan again",
    );
    summary.not_planned.extend(input.left_out.iter().cloned());

    let spec = spec.redacted();
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: input.created_at,
        source: input.source,
        keep: input.keep.clone(),
        resolve_conflicts: resolve,
        spec,
        columns: input.layout.columns.clone(),
        fingerprint_scheme: input.fingerprint_scheme,
        summary,
        groups,
        checksum: String::new(),
        signature: None,
    }
    .seal()
}

/// One finding's group, or `None` when its rows changed since the scan.
fn group(
    f: &Finding,
    chain: &[KeepRule],
    input: &PlanInput<'_>,
    canon: &Canonicalizer,
) -> Option<PlanGroup> {
    let key = f.key.clone()?;
    let live = input.rows_by_key.get(&key)?;
    // The full read must see exactly the scan's rows with the scan's payloads.
    if live.len() != f.rows.len() {
        return None;
    }
    let mut rows: Vec<(&RowRef, &FullRow)> = Vec::with_capacity(f.rows.len());
    for r in &f.rows {
        let full = live.iter().find(|l| l.pk == r.pk)?;
        let hash = canon.canonicalize(&input.layout.payload(full)).hash;
        if hash != r.payload_hash {
            return None;
        }
        rows.push((r, full));
    }
    let (keeper, decided_by) = choose_keeper(&rows, chain, input.layout);
    let planned = |(r, full): (&RowRef, &FullRow)| PlannedRow {
        pk: r.pk.clone(),
        fingerprint: full.fingerprint.clone(),
        attempt: r.attempt.clone(),
        attempt_status: r.attempt_status,
        written_at: r.written_at,
        payload_hash: r.payload_hash.to_string(),
    };
    Some(PlanGroup {
        class: f.class,
        key,
        keeper: planned(rows[keeper]),
        remove: rows
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != keeper)
            .map(|(_, &r)| planned(r))
            .collect(),
        decided_by,
    })
}

/// Narrows the candidates rule by rule; the first rule that leaves exactly one row
/// decides. A rule that would leave none (no row has a timestamp, say) narrows
/// nothing. Lowest primary key breaks whatever tie remains, so the choice is
/// deterministic.
fn choose_keeper(
    rows: &[(&RowRef, &FullRow)],
    chain: &[KeepRule],
    layout: &Layout,
) -> (usize, String) {
    let mut candidates: Vec<usize> = (0..rows.len()).collect();
    for rule in chain {
        if candidates.len() == 1 {
            break;
        }
        candidates = narrow(rows, &candidates, rule, layout);
        if candidates.len() == 1 {
            return (candidates[0], rule.to_string());
        }
    }
    if candidates.len() == 1 {
        return (candidates[0], chain[0].to_string());
    }
    let lowest = narrow(rows, &candidates, &KeepRule::LowestId, layout)[0];
    (lowest, "lowest-id (tie-break)".to_string())
}

fn narrow(
    rows: &[(&RowRef, &FullRow)],
    candidates: &[usize],
    rule: &KeepRule,
    layout: &Layout,
) -> Vec<usize> {
    let keep_best = |value: &dyn Fn(usize) -> Option<Sortable>, descending: bool| {
        let valued: Vec<(usize, Sortable)> = candidates
            .iter()
            .filter_map(|&i| value(i).map(|v| (i, v)))
            .collect();
        let best = valued.iter().map(|(_, v)| v).min_by(|a, b| {
            let o = a.cmp(b);
            if descending {
                o.reverse()
            } else {
                o
            }
        });
        match best {
            None => candidates.to_vec(),
            Some(best) => valued
                .iter()
                .filter(|(_, v)| v == best)
                .map(|(i, _)| *i)
                .collect(),
        }
    };
    match rule {
        KeepRule::CompletedAttempt => {
            let done: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&i| rows[i].0.attempt_status == Some(Status::Completed))
                .collect();
            if done.is_empty() {
                candidates.to_vec()
            } else {
                done
            }
        }
        KeepRule::Earliest | KeepRule::Latest => keep_best(
            &|i| rows[i].0.written_at.map(Sortable::Time),
            *rule == KeepRule::Latest,
        ),
        KeepRule::LowestId => keep_best(&|i| Some(Sortable::of_pk(&rows[i].0.pk)), false),
        KeepRule::Column { name, descending } => {
            let Some(col) = layout.columns.iter().position(|c| c == name) else {
                return candidates.to_vec();
            };
            keep_best(
                &|i| rows[i].1.cells[col].as_deref().map(Sortable::of_text),
                *descending,
            )
        }
    }
}

/// A value keep rules compare: numbers as numbers, everything else as text.
#[derive(Debug, Clone, PartialEq)]
enum Sortable {
    Time(DateTime<Utc>),
    Parts(Vec<Part>),
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Number(f64),
    Text(String),
}

impl Sortable {
    fn of_text(v: &str) -> Sortable {
        Sortable::Parts(vec![Part::of(v)])
    }
    fn of_pk(pk: &[String]) -> Sortable {
        Sortable::Parts(pk.iter().map(|v| Part::of(v)).collect())
    }
}

impl Part {
    fn of(v: &str) -> Part {
        match v.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Part::Number(n),
            _ => Part::Text(v.to_string()),
        }
    }
}

impl Eq for Sortable {}

impl PartialOrd for Sortable {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sortable {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Sortable::Time(a), Sortable::Time(b)) => a.cmp(b),
            (Sortable::Parts(a), Sortable::Parts(b)) => {
                for (x, y) in a.iter().zip(b) {
                    let o = match (x, y) {
                        (Part::Number(x), Part::Number(y)) => x.total_cmp(y),
                        (Part::Number(_), Part::Text(_)) => Ordering::Less,
                        (Part::Text(_), Part::Number(_)) => Ordering::Greater,
                        (Part::Text(x), Part::Text(y)) => x.cmp(y),
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Sortable::Time(_), Sortable::Parts(_)) => Ordering::Less,
            (Sortable::Parts(_), Sortable::Time(_)) => Ordering::Greater,
        }
    }
}

/// The summary `plan` prints: what will go, by class and by operation, how keepers
/// were chosen, and what was left alone.
pub fn summary_text(plan: &Plan, written_to: &str) -> String {
    let s = &plan.summary;
    let mut out = contents_text(plan);
    out.push_str(&format!(
        "Written to {written_to} (checksum {}). Nothing was deleted.\n",
        &plan.checksum[..16]
    ));
    if s.total.groups > 0 {
        out.push_str(&format!(
            "Next: dupaudit apply {written_to} --dry-run, then dupaudit apply {written_to}\n"
        ));
    }
    out
}

/// What a plan removes and keeps: per class and operation, the rules that chose
/// the keepers, what it leaves out, and the table and database it is for.
pub fn contents_text(plan: &Plan) -> String {
    let s = &plan.summary;
    let mut out = format!(
        "Plan for {} in {} ({} groups, {} rows to remove; {} keepers stay)\n",
        plan.source.table, plan.source.location, s.total.groups, s.total.rows, s.total.groups
    );
    let tallies = |title: &str, map: &BTreeMap<String, Tally>| -> String {
        if map.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = map
            .iter()
            .map(|(k, t)| format!("{k} {} groups / {} rows", t.groups, t.rows))
            .collect();
        format!("  {title:<14}{}\n", parts.join("; "))
    };
    let per_class: BTreeMap<String, Tally> = s
        .per_class
        .iter()
        .map(|(c, t)| (c.to_string(), *t))
        .collect();
    if let Some(w) = plan.spec.scan.window {
        out.push_str(&format!(
            "  {:<14}keys touched from {} to {}\n",
            "window",
            crate::vocab::fmt_time(Some(w.since)),
            crate::vocab::fmt_time(Some(w.until))
        ));
    }
    out.push_str(&tallies("by class", &per_class));
    out.push_str(&tallies("by operation", &s.per_operation));
    if !s.decided_by.is_empty() {
        let parts: Vec<String> = s
            .decided_by
            .iter()
            .map(|(rule, n)| format!("{rule} {n}"))
            .collect();
        out.push_str(&format!(
            "  {:<14}{} (chain: {}{})\n",
            "keepers by",
            parts.join("; "),
            chain(&plan.keep),
            match (
                &plan.resolve_conflicts,
                s.per_class.contains_key(&Class::Conflict)
            ) {
                (Some(rule), true) => format!("; conflicts: {}", chain(rule)),
                _ => String::new(),
            }
        ));
    }
    for n in &s.not_planned {
        out.push_str(&format!(
            "  {:<14}{} {} groups: {}\n",
            "not planned", n.class, n.groups, n.reason
        ));
    }
    out
}

/// A keep chain as the flags write it: `completed-attempt,earliest`.
fn chain(rules: &[KeepRule]) -> String {
    let rules: Vec<String> = rules.iter().map(ToString::to_string).collect();
    rules.join(",")
}

/// One line per group, for `apply` messages.
pub fn group_label(g: &PlanGroup) -> String {
    format!("{} {}", g.class, key_text(&Some(g.key.clone())))
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A plan of nothing on a SQLite file `/x`, for tests to fill in.
    pub fn empty_plan() -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            tool_version: "0".into(),
            created_at: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            source: SourceIdentity {
                kind: "sqlite".into(),
                location: "sqlite://x".into(),
                server: String::new(),
                database: "/x".into(),
                table: "results".into(),
                table_id: String::new(),
            },
            spec: AuditSpec::default(),
            keep: vec![KeepRule::Earliest],
            resolve_conflicts: None,
            columns: vec!["id".into()],
            fingerprint_scheme: FingerprintScheme::Blake3Columns,
            summary: PlanSummary::default(),
            groups: Vec::new(),
            checksum: String::new(),
            signature: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(min: i64) -> Option<DateTime<Utc>> {
        Some(DateTime::from_timestamp(1_790_000_000 + min * 60, 0).unwrap())
    }

    fn row(pk: &str, status: Option<Status>, min: i64) -> RowRef {
        RowRef {
            pk: vec![pk.into()],
            key: Some(vec!["k".into()]),
            attempt: Some(format!("a{pk}")),
            written_at: t(min),
            payload_hash: crate::canonical::PayloadHash([7; 16]),
            attempt_status: status,
        }
    }

    fn full(pk: &str, prio: &str) -> FullRow {
        FullRow {
            pk: vec![pk.into()],
            key: Some(vec!["k".into()]),
            cells: vec![Some(pk.into()), Some("k".into()), Some(prio.into())],
            fingerprint: format!("f{pk}"),
        }
    }

    fn layout() -> Layout {
        let spec = AuditSpec::default();
        let mut spec = spec;
        spec.results.key = vec!["idempotency_key".into()];
        Layout::new(
            &spec,
            vec!["id".into(), "idempotency_key".into(), "prio".into()],
            &["prio".to_string()],
        )
        .unwrap()
    }

    fn keeper(rows: &[RowRef], fulls: &[FullRow], chain: &[KeepRule]) -> (String, String) {
        let pairs: Vec<(&RowRef, &FullRow)> = rows.iter().zip(fulls).collect();
        let (i, by) = choose_keeper(&pairs, chain, &layout());
        (rows[i].pk[0].clone(), by)
    }

    #[test]
    fn completed_attempt_wins_over_an_earlier_failed_copy() {
        let rows = [
            row("1", Some(Status::Failed), 0),
            row("2", Some(Status::Completed), 5),
        ];
        let fulls = [full("1", "0"), full("2", "0")];
        let chain = [KeepRule::CompletedAttempt, KeepRule::Earliest];
        assert_eq!(
            keeper(&rows, &fulls, &chain),
            ("2".into(), "completed-attempt".into())
        );
    }

    #[test]
    fn earliest_decides_between_two_completed_copies_and_latest_the_other_way() {
        let rows = [
            row("1", Some(Status::Completed), 9),
            row("2", Some(Status::Completed), 5),
        ];
        let fulls = [full("1", "0"), full("2", "0")];
        let chain = [KeepRule::CompletedAttempt, KeepRule::Earliest];
        assert_eq!(
            keeper(&rows, &fulls, &chain),
            ("2".into(), "earliest".into())
        );
        assert_eq!(
            keeper(&rows, &fulls, &[KeepRule::Latest]),
            ("1".into(), "latest".into())
        );
    }

    #[test]
    fn lowest_id_compares_numbers_as_numbers_and_breaks_ties() {
        let rows = [row("10", None, 0), row("9", None, 0)];
        let fulls = [full("10", "0"), full("9", "0")];
        assert_eq!(
            keeper(&rows, &fulls, &[KeepRule::Earliest]),
            ("9".into(), "lowest-id (tie-break)".into())
        );
    }

    #[test]
    fn column_rule_reads_the_full_row() {
        let rows = [row("1", None, 0), row("2", None, 0), row("3", None, 0)];
        let fulls = [full("1", "5"), full("2", "7"), full("3", "6")];
        let desc = KeepRule::Column {
            name: "prio".into(),
            descending: true,
        };
        assert_eq!(
            keeper(&rows, &fulls, &[desc]),
            ("2".into(), "column:prio:desc".into())
        );
    }

    #[test]
    fn keep_rules_read_back_what_they_print() {
        for text in [
            "completed-attempt",
            "earliest",
            "latest",
            "lowest-id",
            "column:prio",
            "column:a:b:desc",
        ] {
            assert_eq!(text.parse::<KeepRule>().unwrap().to_string(), text);
        }
        assert!("newest"
            .parse::<KeepRule>()
            .unwrap_err()
            .contains("column:NAME"));
    }

    #[test]
    fn fingerprint_tells_null_from_text_and_shifts_between_columns() {
        let cols = ["a".to_string(), "b".to_string()];
        let f = |a: Option<&str>, b: Option<&str>| {
            fingerprint(&cols, &[a.map(String::from), b.map(String::from)])
        };
        assert_ne!(f(None, Some("x")), f(Some(""), Some("x")));
        assert_ne!(f(Some("ab"), Some("")), f(Some("a"), Some("b")));
        assert_ne!(f(Some("1"), None), f(Some("1"), Some("")));
        assert_ne!(f(Some("1"), None), f(Some("1"), Some("NULL")));
    }

    proptest! {
        #[test]
        fn the_keeper_is_always_one_of_the_group_and_never_removed(
            specs in proptest::collection::vec((0u8..3, 0i64..5, 0u32..4), 2..8),
            chain_idx in proptest::collection::vec(0usize..5, 1..4),
        ) {
            let statuses = [None, Some(Status::Completed), Some(Status::Failed)];
            let rows: Vec<RowRef> = specs
                .iter()
                .enumerate()
                .map(|(i, (s, m, _))| row(&(i + 1).to_string(), statuses[*s as usize], *m))
                .collect();
            let fulls: Vec<FullRow> = specs
                .iter()
                .enumerate()
                .map(|(i, (_, _, p))| full(&(i + 1).to_string(), &p.to_string()))
                .collect();
            let all = [
                KeepRule::CompletedAttempt,
                KeepRule::Earliest,
                KeepRule::Latest,
                KeepRule::LowestId,
                KeepRule::Column { name: "prio".into(), descending: false },
            ];
            let chain: Vec<KeepRule> = chain_idx.iter().map(|&i| all[i].clone()).collect();
            let (first, _) = keeper(&rows, &fulls, &chain);
            let (again, _) = keeper(&rows, &fulls, &chain);
            prop_assert_eq!(&first, &again);
            prop_assert!(rows.iter().any(|r| r.pk[0] == first));
            if chain[0] == KeepRule::CompletedAttempt
                && rows.iter().any(|r| r.attempt_status == Some(Status::Completed))
            {
                let kept = rows.iter().find(|r| r.pk[0] == first).unwrap();
                prop_assert_eq!(kept.attempt_status, Some(Status::Completed));
            }
        }
    }

    #[test]
    fn a_plan_never_holds_a_password_of_the_spec() {
        let mut spec = AuditSpec::default();
        spec.source.database_url = Some("postgres://app:s3cret@db/prod".into());
        spec.source.log_url = Some("redis://:hunter2@cache:6379/0".into());
        let findings = crate::scan::scan(&crate::model::Dataset::default(), &spec, Utc::now());
        let layout = Layout::new(
            &spec,
            vec!["id".into(), "idempotency_key".into(), "payload".into()],
            &[],
        )
        .unwrap();
        let plan = build(
            &findings,
            PlanInput {
                spec: &spec,
                source: super::tests_support::empty_plan().source,
                layout: &layout,
                fingerprint_scheme: FingerprintScheme::Blake3Columns,
                rows_by_key: &HashMap::new(),
                keep: vec![KeepRule::Earliest],
                created_at: Utc::now(),
                left_out: Vec::new(),
            },
        );
        let text = plan.to_json();
        assert!(
            !text.contains("s3cret") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(text.contains("app@db/prod"), "{text}");
    }

    #[test]
    fn a_plan_with_a_changed_byte_fails_its_checksum() {
        let plan = super::tests_support::empty_plan().seal();
        let text = plan.to_json();
        assert_eq!(Plan::parse(&text).unwrap(), plan);
        let edited = text.replace("\"database\": \"/x\"", "\"database\": \"/y\"");
        assert!(Plan::parse(&edited).unwrap_err().contains("checksum"));
        let future = text.replace("\"format_version\": 4", "\"format_version\": 9");
        assert!(Plan::parse(&future).unwrap_err().contains("version 9"));
        assert!(Plan::parse("{}")
            .unwrap_err()
            .contains("not a dupaudit plan"));
    }

    #[test]
    fn a_plan_of_an_earlier_format_is_refused_by_its_version() {
        let text = super::tests_support::empty_plan().seal().to_json();
        let first = text
            .replace("\"format_version\": 4", "\"format_version\": 1")
            .replace("  \"fingerprint_scheme\": \"blake3-columns\",\n", "");
        assert!(!first.contains("fingerprint_scheme"), "{first}");
        let why = Plan::parse(&first).unwrap_err();
        assert!(
            why.contains("plan format version 1 is not one this dupaudit reads (version 4)")
                && why.contains("make the plan again"),
            "{why}"
        );
        // Version 2 has this shape, but its checksum covered a re-serialisation.
        let second = text.replace("\"format_version\": 4", "\"format_version\": 2");
        assert!(Plan::parse(&second)
            .unwrap_err()
            .contains("plan format version 2 is not one"));
    }

    #[test]
    fn the_checksum_covers_the_files_bytes_whitespace_included() {
        let text = super::tests_support::empty_plan().seal().to_json();
        assert!(Plan::parse(&text).is_ok());
        let respaced = text.replacen("\"format_version\": 4", "\"format_version\":  4", 1);
        assert!(Plan::parse(&respaced).unwrap_err().contains("checksum"));
        let compact = serde_json::to_string(&Plan::parse(&text).unwrap()).unwrap();
        assert!(Plan::parse(&compact).unwrap_err().contains("checksum"));
    }

    #[test]
    fn a_plan_is_written_one_line_per_group_and_reads_back() {
        let mut g = PlanGroup {
            class: Class::Exact,
            key: vec!["op".into(), "k\"1".into()],
            keeper: PlannedRow {
                pk: vec!["1".into()],
                fingerprint: "f1".into(),
                attempt: Some("a1".into()),
                attempt_status: Some(Status::Completed),
                written_at: t(0),
                payload_hash: "h".into(),
            },
            remove: Vec::new(),
            decided_by: "earliest".into(),
        };
        g.remove.push(PlannedRow {
            pk: vec!["2".into()],
            attempt_status: None,
            ..g.keeper.clone()
        });
        let plan = Plan {
            groups: vec![g.clone(), g.clone(), g],
            ..super::tests_support::empty_plan()
        }
        .seal();
        let text = plan.to_json();
        assert_eq!(Plan::parse(&text).unwrap(), plan);
        let group_lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("    {\"class\""))
            .collect();
        assert_eq!(group_lines.len(), 3, "{text}");
        assert!(text.starts_with("{\n  \"format_version\": 4,\n"), "{text}");
        assert!(text.contains("\"remove\":[{\"pk\":[\"2\"]"), "{text}");
        assert!(text.ends_with("\"\n}\n"), "{text}");
    }

    #[test]
    fn a_plan_that_keeps_no_keeper_or_names_a_key_or_row_twice_breaks_what_apply_holds() {
        let row = |pk: &str| PlannedRow {
            pk: vec![pk.into()],
            fingerprint: format!("f{pk}"),
            attempt: None,
            attempt_status: None,
            written_at: None,
            payload_hash: "h".into(),
        };
        let group = |key: &str, keeper: &str, remove: &[&str]| PlanGroup {
            class: Class::Exact,
            key: vec![key.into()],
            keeper: row(keeper),
            remove: remove.iter().map(|pk| row(pk)).collect(),
            decided_by: "earliest".into(),
        };
        let honest = Plan {
            groups: vec![group("a", "1", &["2"]), group("b", "3", &["4", "5"])],
            ..super::tests_support::empty_plan()
        };
        assert!(honest.violations().is_empty());
        let forged = Plan {
            groups: vec![
                group("a", "1", &["2", "1"]),
                group("b", "3", &["4"]),
                group("a", "2", &["6"]),
                group("c", "7", &["4"]),
            ],
            ..super::tests_support::empty_plan()
        };
        let why = forged.violations().join("\n");
        for expected in [
            "group 0 (exact a): its keeper 1 is also listed for removal",
            "group 0 (exact a): row 1 is named already by group 0",
            "group 2 (exact a): the key is planned already by group 0",
            "group 2 (exact a): row 2 is named already by group 0",
            "group 3 (exact c): row 4 is named already by group 1",
        ] {
            assert!(why.contains(expected), "{expected} in\n{why}");
        }
    }
}
