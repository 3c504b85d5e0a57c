//! Every clap type of the command line, in one place.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::apply::OnDrift;
use crate::findings::Class;
use crate::generate::redis::LayoutArg;
use crate::generate::shape::{KeyType, Shape, Spelling, TimeForm};
pub use crate::generate::GenFormat;
use crate::plan::KeepRule;
use crate::report::Format;

/// Find and safely repair the records a pipeline wrote twice.
#[derive(Debug, Parser)]
#[command(name = "dupaudit", version, about, long_about = None)]
pub struct Cli {
    /// The audit spec mapping your schema onto dupaudit's concepts.
    #[arg(
        long,
        global = true,
        default_value = "dupaudit.toml",
        value_name = "FILE"
    )]
    pub spec: PathBuf,

    /// More log lines on stderr (-v: phases, -vv: debug). RUST_LOG overrides.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// No progress display and no log lines but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The command line as clap reads it, each command's `--help` ending with its
/// examples and exit status ([`crate::help`]).
pub fn command() -> clap::Command {
    Cli::command()
        .after_help(crate::help::after_help(None))
        .mut_subcommands(|sub| {
            let name = sub.get_name().to_string();
            sub.after_help(crate::help::after_help(Some(&name)))
        })
}

/// Parses the process's arguments (see [`command`]); exits on bad flags or `--help`.
pub fn parse() -> Cli {
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `--classes` completes and lists the class names.
impl clap::ValueEnum for Class {
    fn value_variants<'a>() -> &'a [Self] {
        &Class::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find duplicates and anomalies and report them (reads only).
    Scan(ScanArgs),
    /// Decide which redundant rows to remove, keeping one per group, and write the
    /// plan file (reads only; deletes nothing).
    Plan(PlanArgs),
    /// Carry out a plan: in transactions, re-check its rows, copy them to quarantine,
    /// delete them and record the run.
    Apply(ApplyArgs),
    /// Put the rows a run removed back from quarantine.
    Restore(RestoreArgs),
    /// List the cleanup runs recorded in the database.
    Runs(RunsArgs),
    /// Tell one key's whole story: every attempt and row in time order, the verdict.
    Explain(ExplainArgs),
    /// Write a deterministic incident data set with its ground truth.
    Generate(GenerateArgs),
    /// Create the incident's tables in a database and fill them, to try dupaudit on a server.
    Load(LoadArgs),
    /// Write the incident's idempotency log into Redis, in the Powertools or the hash
    /// layout, to try an audit of a log kept in Redis.
    LoadRedis(LoadRedisArgs),
    /// Write a starter spec from the columns of your tables, its guesses marked.
    Init(InitArgs),
    /// Print the unique index that would have stopped the incident, and whether it
    /// would succeed on today's data (exit 1 when duplicates block it).
    SuggestConstraint(SuggestArgs),
    /// Print a shell completion script (e.g. `dupaudit completions bash > /etc/bash_completion.d/dupaudit`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (dupaudit.1 and one per command) into a folder.
    Man {
        #[arg(long, default_value = "man", value_name = "DIR")]
        out: PathBuf,
    },
}

/// Where to read from; each flag overrides the spec's `[source]`.
#[derive(Debug, Clone, Args)]
pub struct ConnectOpts {
    /// Database URL, e.g. sqlite://incident.sqlite.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Results table exported as CSV, Parquet or NDJSON (with --log-file).
    #[arg(long, value_name = "FILE", conflicts_with = "database_url")]
    pub results_file: Option<PathBuf>,

    /// Idempotency log exported as CSV, Parquet or NDJSON (with --results-file).
    #[arg(long, value_name = "FILE", conflicts_with = "database_url")]
    pub log_file: Option<PathBuf>,

    /// How long to wait for the database (e.g. 10s, 1m).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10s")]
    pub connect_timeout: Duration,

    /// Longest any single query may run (e.g. 5m); 0 for no limit.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s")]
    pub statement_timeout: Duration,

    /// Idempotency log kept in Redis or Valkey (redis:// or rediss://, laid out as the
    /// spec's [log.redis] says); the results come from --database-url or --results-file.
    #[arg(
        long,
        env = "DUPAUDIT_LOG_URL",
        hide_env_values = true,
        value_name = "URL",
        conflicts_with = "log_file"
    )]
    pub log_url: Option<String>,

    /// PEM file of the certificate authority that signed the Redis server's
    /// certificate, for a rediss:// log URL whose server the system does not trust
    /// (a private CA); default: the system's trust store.
    #[arg(
        long,
        env = "DUPAUDIT_LOG_CA",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub log_ca: Option<PathBuf>,

    /// Spark Connect server that reads the results and the log (sc://host:15002,
    /// with /;token=…;use_ssl=true when it asks for them): --results-file and
    /// --log-file are then paths the cluster reads (s3a://…, a folder, a file);
    /// without them, the spec's tables in the cluster's catalog. A flag wins over
    /// the other's variable (DATABASE_URL, SPARK_REMOTE); two flags, or both
    /// variables without a flag, are refused.
    #[arg(long, env = "SPARK_REMOTE", hide_env_values = true, value_name = "URL")]
    pub spark: Option<String>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub connect: ConnectOpts,

    /// Report format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when any of these classes has at least THRESHOLD groups (default 1).
    /// `none` never fails on findings. Default: exact,conflict,unknown-status (those
    /// checked).
    #[arg(long, value_name = "CLASS[=THRESHOLD],...", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,

    /// Most keys (with --details: groups per class) listed in table, Markdown and
    /// HTML reports (0: all).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,

    /// Table report: list the groups of every class with their rows, not one line
    /// per key.
    #[arg(long)]
    pub details: bool,

    /// Table report: as wide as it takes, even on a terminal (lines are not wrapped
    /// or cut to the terminal's width).
    #[arg(long)]
    pub wide: bool,

    /// Check only these classes (default: all, cross-key as the spec says). A
    /// database then runs only the queries these classes need.
    #[arg(long, value_delimiter = ',', value_name = "CLASS,...")]
    pub classes: Vec<Class>,

    /// Split the key space by hash over N connections (PostgreSQL, MySQL) and merge;
    /// the findings are the same as with one. A server on this machine is read over
    /// one connection when its cores cannot run N parts beside dupaudit (a warning
    /// says so): the parts would only take turns on them.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub partitions: u32,

    /// Audit only the keys touched (a row written, a log row created or updated) at
    /// or after this time (RFC 3339, `2026-10-14`, "2026-10-14 14:00" in UTC, or how long
    /// ago: `3h`, `2d`); all rows of those keys are compared.
    #[arg(long, value_name = "TIME", value_parser = crate::vocab::parse_time)]
    pub since: Option<DateTime<Utc>>,

    /// With --since or --incremental: the end of the window (default: now).
    #[arg(long, value_name = "TIME", value_parser = crate::vocab::parse_time)]
    pub until: Option<DateTime<Utc>>,

    /// Audit only what is new since the last run recorded in STATE (a small JSON
    /// file, written after each successful scan); the first run audits everything.
    #[arg(long, value_name = "STATE", conflicts_with = "since")]
    pub incremental: Option<PathBuf>,

    /// Judge stale leases as of this time (as --since reads it) instead of now.
    #[arg(long, value_name = "TIME", value_parser = crate::vocab::parse_time)]
    pub as_of: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub connect: ConnectOpts,

    /// Where to write the plan.
    #[arg(long, short, default_value = "plan.json", value_name = "FILE")]
    pub output: PathBuf,

    /// The keep-rule chain (default: the spec's [cleanup] keep, else
    /// completed-attempt,earliest). Rules: completed-attempt, earliest, latest,
    /// lowest-id, column:NAME[:desc].
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub keep: Vec<KeepRule>,

    /// Plan conflicts too, keeping by this chain (default: the spec's [cleanup]
    /// resolve_conflicts; without either, conflicts are left out). Rules as --keep.
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    pub resolve_conflicts: Vec<KeepRule>,

    /// Plan only these classes: exact, conflict (default: both, conflicts when a
    /// rule resolves them).
    #[arg(long, value_delimiter = ',', value_name = "CLASS,...")]
    pub classes: Vec<Class>,

    /// Plan only the keys touched (a row written, a log row created or updated) at or
    /// after this time, as scan --since reads it; all rows of those keys are planned.
    #[arg(long, value_name = "TIME", value_parser = crate::vocab::parse_time)]
    pub since: Option<DateTime<Utc>>,

    /// With --since: the end of the window (default: now).
    #[arg(long, value_name = "TIME", value_parser = crate::vocab::parse_time)]
    pub until: Option<DateTime<Utc>>,

    /// Plan only this key, as reports print it (repeat for more keys).
    #[arg(long, value_name = "KEY")]
    pub only_key: Vec<String>,

    /// Leave this key out of the plan, as reports print it (repeat for more keys).
    #[arg(long, value_name = "KEY", conflicts_with = "only_key")]
    pub exclude_key: Vec<String>,

    /// Format of the summary printed on standard output.
    #[arg(long, short, value_enum, default_value_t = StoryFormat::Table)]
    pub format: StoryFormat,

    /// Sign the plan with the secret in FILE (at least 32 bytes), so that `apply
    /// --plan-key FILE` takes only plans made by a holder of the key.
    #[arg(
        long,
        env = "DUPAUDIT_PLAN_KEY_FILE",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub plan_key: Option<PathBuf>,
}

/// Where `apply`, `restore` and `runs` write, and how long they may wait.
#[derive(Debug, Clone, Args)]
pub struct WriteOpts {
    /// Database URL. `apply` defaults to the database the plan names; `restore` and
    /// `runs` to the spec's.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// How long to wait for the database (e.g. 10s, 1m).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "10s")]
    pub connect_timeout: Duration,

    /// Longest any single statement may run (e.g. 30s); 0 for no limit. Not
    /// available on SQLite.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "0s")]
    pub statement_timeout: Duration,

    /// How long to wait for a row lock (SQLite: the database lock) before giving up
    /// with nothing changed in that transaction.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "5s")]
    pub lock_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The plan file written by `dupaudit plan`.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    /// A file of at least 32 bytes of secret: the plan must be signed with it (see
    /// `plan --plan-key`), or apply refuses it.
    #[arg(
        long,
        env = "DUPAUDIT_PLAN_KEY_FILE",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub plan_key: Option<PathBuf>,

    #[command(flatten)]
    pub write: WriteOpts,

    /// Do everything inside the transaction, then roll back: the counts are the
    /// ones the real apply would produce.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation (required when standard input is not a terminal).
    #[arg(long, short)]
    pub yes: bool,

    /// A group whose rows changed since the plan: refuse the whole apply (exit 4),
    /// or skip that group and apply the rest.
    #[arg(long, value_enum, default_value_t = OnDrift::Refuse)]
    pub on_drift: OnDrift,

    /// Commit every N removed rows (whole groups), journaling each batch so an
    /// interrupted run resumes; 0: the whole plan in one transaction.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub batch_size: u64,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = StoryFormat::Table)]
    pub format: StoryFormat,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The run to undo (see `dupaudit runs`).
    #[arg(value_name = "RUN")]
    pub run: String,

    #[command(flatten)]
    pub write: WriteOpts,

    /// Restore inside a transaction and roll back, printing the count.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation (required when standard input is not a terminal).
    #[arg(long, short)]
    pub yes: bool,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = StoryFormat::Table)]
    pub format: StoryFormat,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(flatten)]
    pub write: WriteOpts,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = StoryFormat::Table)]
    pub format: StoryFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub connect: ConnectOpts,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = StoryFormat::Table)]
    pub format: StoryFormat,

    /// Judge stale leases as of this time (as --since reads it) instead of now.
    #[arg(long, value_name = "TIME", value_parser = crate::vocab::parse_time)]
    pub as_of: Option<DateTime<Utc>>,

    /// The key: one value per key column of the spec, in order
    /// (e.g. `summarize req-0000084-5e31`).
    #[arg(required = true, value_name = "KEY")]
    pub key: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub connect: ConnectOpts,

    /// The results table (default: guessed from the table names).
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,

    /// The idempotency log table (default: guessed from the table names).
    #[arg(long, value_name = "NAME")]
    pub log_table: Option<String>,

    /// The schema (PostgreSQL) or database (MySQL) both tables are in (default: the
    /// connection's current one); written into the spec.
    #[arg(long, value_name = "NAME")]
    pub schema: Option<String>,

    /// Where to write the spec.
    #[arg(long, short, default_value = "dupaudit.toml", value_name = "FILE")]
    pub output: PathBuf,

    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub connect: ConnectOpts,

    /// Dialect of the statement; default: the source's, or all three for files.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = StoryFormat::Table)]
    pub format: StoryFormat,
}

/// The dialects `suggest-constraint` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DialectArg {
    Postgres,
    Mysql,
    Sqlite,
}

/// Output formats of `explain`, `suggest-constraint`, `plan`, `apply`, `restore` and `runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoryFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Folder to write into (created if missing).
    #[arg(long, default_value = "sample-data", value_name = "DIR")]
    pub out: PathBuf,

    /// About how many result rows to generate.
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    pub rows: u64,

    /// Seed of the random generator: same seed and size, same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Which forms to write.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sqlite,csv,parquet,ndjson"
    )]
    pub formats: Vec<GenFormat>,

    #[command(flatten)]
    pub shape: ShapeArgs,
}

/// The shape of the generated tables: column types, time form, status spellings,
/// indexes. The default is the sample's own shape.
#[derive(Debug, Clone, Args)]
pub struct ShapeArgs {
    /// Type of the idempotency key: scoped (operation_name + idempotency_key text),
    /// uuid, bigint, scoped-bigint (user_id bigint + idempotency_key text), binary
    /// (16 bytes).
    #[arg(long, default_value = "scoped", value_name = "TYPE")]
    pub key_type: KeyType,

    /// How times are stored: naive (UTC without a zone), zoned (with an offset or a
    /// zone), epoch-ms (integer milliseconds), local (New York wall-clock times).
    #[arg(long, default_value = "naive", value_name = "FORM")]
    pub time_form: TimeForm,

    /// How the log spells its statuses: upper (PROCESSING/COMPLETED/FAILED) or lower
    /// (running/done/error).
    #[arg(long, default_value = "upper", value_name = "SPELLING")]
    pub statuses: Spelling,

    /// No index on the results' key and no primary key on the log.
    #[arg(long)]
    pub no_index: bool,

    /// The results name their key and attempt columns differently and reference the
    /// log's by a foreign key (declared, not checked: the incident has orphans).
    #[arg(long)]
    pub foreign_key: bool,
}

impl ShapeArgs {
    pub fn shape(&self) -> Shape {
        Shape {
            key: self.key_type,
            time: self.time_form,
            statuses: self.statuses,
            indexed: !self.no_index,
            foreign_key: self.foreign_key,
        }
    }
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Database to load into: postgres://, mysql:// (or mariadb://) or sqlite:// URL.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: String,

    /// About how many result rows to generate.
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    pub rows: u64,

    /// Seed of the random generator: same seed and size, same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Name of the results table to create.
    #[arg(long, default_value = "results", value_name = "NAME")]
    pub results_table: String,

    /// Name of the idempotency-log table to create.
    #[arg(long, default_value = "idempotency_log", value_name = "NAME")]
    pub log_table: String,

    /// Drop and recreate the two tables if they exist.
    #[arg(long)]
    pub replace: bool,

    #[command(flatten)]
    pub shape: ShapeArgs,

    /// Also write the spec that reads the loaded tables (its `[source]` left out) to FILE.
    #[arg(long, value_name = "FILE")]
    pub write_spec: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LoadRedisArgs {
    /// Redis to write into: redis:// or rediss:// URL (a logical database as its path).
    #[arg(
        long,
        env = "DUPAUDIT_LOG_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub log_url: String,

    /// PEM file of the certificate authority that signed the Redis server's
    /// certificate, for a rediss:// log URL whose server the system does not trust
    /// (a private CA); default: the system's trust store.
    #[arg(
        long,
        env = "DUPAUDIT_LOG_CA",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub log_ca: Option<PathBuf>,

    /// Record layout: a Powertools JSON document or a hash per key.
    #[arg(long, value_enum, default_value_t = LayoutArg::Powertools)]
    pub layout: LayoutArg,

    /// How a key name is made; the placeholders are the incident's key columns and
    /// the attempt (one record per attempt, so that the log's history is kept).
    #[arg(
        long,
        default_value = "dupaudit:{operation_name}#{idempotency_key}#{attempt}",
        value_name = "PATTERN"
    )]
    pub key: String,

    /// Type of the idempotency key, as `load --key-type` writes the results: the
    /// placeholders of --key are then that shape's key columns (uuid, bigint and
    /// binary: `{idempotency_key}` alone; scoped-bigint: `{user_id}` and
    /// `{idempotency_key}`), and each record's name holds its key as reports write it.
    #[arg(long, default_value = "scoped", value_name = "TYPE")]
    pub key_type: KeyType,

    /// About how many result rows the incident has (its log is written).
    #[arg(long, default_value_t = 5_000, value_name = "N")]
    pub rows: u64,

    /// Seed of the random generator: same seed and size, same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Lease after which a PROCESSING attempt is stale: sets Powertools'
    /// in_progress_expiration of the incident's PROCESSING attempts.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "15m")]
    pub lease: Duration,

    /// Give every record this TTL (e.g. 1h); default: no TTL, so that the incident's
    /// old records stay readable.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub ttl: Option<Duration>,

    /// Delete the keys the pattern matches before writing.
    #[arg(long)]
    pub replace: bool,
}

/// `--fail-on`: the classes that make a scan exit 1, each with a group threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailOn(pub Vec<(Class, u64)>);

fn parse_fail_on(text: &str) -> Result<FailOn, String> {
    if text.trim() == "none" {
        return Ok(FailOn(Vec::new()));
    }
    let mut out = Vec::new();
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (class, threshold) = match part.split_once('=') {
            Some((c, t)) => {
                let t: u64 = t
                    .trim()
                    .parse()
                    .map_err(|_| format!("threshold of `{c}` must be a whole number, got `{t}`"))?;
                if t == 0 {
                    return Err(format!("threshold of `{c}` must be at least 1"));
                }
                (c, t)
            }
            None => (part, 1),
        };
        out.push((class.parse::<Class>()?, threshold));
    }
    Ok(FailOn(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_reads_classes_and_thresholds() {
        assert_eq!(
            parse_fail_on("exact=10,late-write").unwrap(),
            FailOn(vec![(Class::Exact, 10), (Class::LateWrite, 1)])
        );
        assert_eq!(parse_fail_on("none").unwrap(), FailOn(Vec::new()));
        assert!(parse_fail_on("exactly")
            .unwrap_err()
            .contains("unknown class"));
        assert!(parse_fail_on("exact=0").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
