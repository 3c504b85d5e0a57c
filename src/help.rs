//! What `--help` and the man pages say after the flags: examples of each command and
//! what its exit status means, written once for both.

/// Examples of a command (`None`: the top-level `dupaudit`), as what each does and
/// the command line.
pub fn examples(command: Option<&str>) -> &'static [(&'static str, &'static str)] {
    match command {
        None => &[
            ("Scan the sample incident", "dupaudit scan"),
            ("Scan your own database, after writing a spec for it", "dupaudit init --database-url postgres://app@db/prod && dupaudit scan"),
            ("Tell the story of one key", "dupaudit explain summarize/req-0000084-5e31"),
        ],
        Some("scan") => &[
            ("Scan what the spec names, fitted to the terminal", "dupaudit scan"),
            ("The last three hours only", "dupaudit scan --since 3h"),
            ("Every group of every class, as wide as it takes", "dupaudit scan --details --wide"),
            ("A nightly audit for Prometheus' textfile collector", "dupaudit scan --incremental /var/lib/dupaudit/state.json --format prometheus -o /var/lib/node_exporter/dupaudit.prom"),
            ("Fail a CI job only on three or more conflicts", "dupaudit scan --fail-on conflict=3 --format json -o report.json"),
        ],
        Some("plan") => &[
            ("Plan the cleanup of exact duplicates", "dupaudit plan -o plan.json"),
            ("Keep the newest row of each group instead", "dupaudit plan --keep newest -o plan.json"),
        ],
        Some("apply") => &[
            ("Try the plan and roll it back", "dupaudit apply plan.json --dry-run"),
            ("Apply it, asked to type yes first", "dupaudit apply plan.json"),
        ],
        Some("restore") => &[("Put a run's rows back", "dupaudit restore RUN_ID")],
        Some("runs") => &[("List the cleanup runs", "dupaudit runs")],
        Some("explain") => &[
            ("A key as the reports print it", "dupaudit explain summarize/req-0000084-5e31"),
            ("One value per key column", "dupaudit explain summarize req-0000084-5e31 --format json"),
        ],
        Some("generate") => &[("Write the sample incident's files", "dupaudit generate --out data --rows 5000 --seed 42")],
        Some("load") => &[("Load the incident into PostgreSQL", "dupaudit load --database-url postgres://postgres@127.0.0.1/test")],
        Some("load-redis") => &[("Write the incident's log into Redis", "dupaudit load-redis --log-url redis://127.0.0.1:6379/0")],
        Some("init") => &[
            ("A spec for a database's tables", "dupaudit init --database-url postgres://app@db/prod"),
            ("A spec for exported files", "dupaudit init --results-file results.parquet --log-file log.parquet"),
        ],
        Some("suggest-constraint") => &[("The unique index for the spec's database", "dupaudit suggest-constraint")],
        Some("completions") => &[("Bash completion", "dupaudit completions bash > /etc/bash_completion.d/dupaudit")],
        Some("man") => &[("Write the man pages", "dupaudit man --out /usr/local/share/man/man1")],
        Some(_) => &[],
    }
}

/// What the exit status of a command says.
pub fn exit_status(command: Option<&str>) -> &'static [(&'static str, &'static str)] {
    match command {
        Some("scan") => &[
            ("0", "no class reached its --fail-on threshold"),
            ("1", "findings fail the run (by default: any exact, conflict or unknown-status group)"),
            ("2", "bad input: flags, spec, a missing table or column; nothing was read or changed"),
            ("3", "the source failed: a database, file or Redis error"),
        ],
        Some("suggest-constraint") => &[
            ("0", "the index would succeed on today's data"),
            ("1", "duplicates block the index"),
            ("2", "bad input"),
            ("3", "the source failed"),
        ],
        Some("apply") | Some("restore") => &[
            ("0", "done (or, with --dry-run, tried and rolled back)"),
            ("2", "bad input, not confirmed, or refused (another database, a changed table); nothing was changed"),
            ("3", "the database failed; the run's ledger says how far it got, and a rerun resumes"),
            ("4", "rows changed since the plan (--on-drift refuse); nothing was changed"),
        ],
        _ => &[
            ("0", "done"),
            ("2", "bad input: flags, spec, a missing table, column or key"),
            ("3", "the source failed"),
        ],
    }
}

/// The text clap prints after the flags of `command`.
pub fn after_help(command: Option<&str>) -> String {
    let mut out = String::from("Examples:\n");
    for (what, line) in examples(command) {
        out.push_str(&format!("  # {what}\n  {line}\n"));
    }
    out.push_str("\nExit status:\n");
    for (code, meaning) in exit_status(command) {
        out.push_str(&format!("  {code}  {meaning}\n"));
    }
    out
}
