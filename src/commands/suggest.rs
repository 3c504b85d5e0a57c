//! `dupaudit suggest-constraint`: the unique index per dialect, checked against
//! today's data with a scan of the duplicate classes.

use chrono::Utc;

use crate::cli::{Cli, DialectArg, StoryFormat, SuggestArgs};
use crate::error::{exit, Error};
use crate::findings::Class;
use crate::output;
use crate::prevent::suggest;
use crate::resolve;
use crate::sql::Dialect;

pub async fn run(cli: &Cli, args: &SuggestArgs) -> Result<u8, Error> {
    let spec = resolve::read_spec(cli, &args.connect)?;
    let spec = spec.with_checks(vec![Class::Exact, Class::Conflict], false);
    let (spec, source) = resolve::source(cli, &resolve::source_options(&args.connect)?, &spec)?;
    let progress = crate::progress::Progress::new(cli.quiet);
    let data = source.load(&spec, &progress).await;
    progress.finish();
    let data = data?;
    let findings = crate::scan::scan(&data, &spec, Utc::now());
    let dialects = match (args.dialect, &source) {
        (Some(DialectArg::Postgres), _) => vec![Dialect::Postgres],
        (Some(DialectArg::Mysql), _) => vec![Dialect::Mysql],
        (Some(DialectArg::Sqlite), _) => vec![Dialect::Sqlite],
        (None, source) => match source.results_database() {
            Some(db) => vec![db.dialect()],
            None => vec![Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite],
        },
    };
    let spec_flag = match cli.spec.as_path() {
        p if p == std::path::Path::new("dupaudit.toml") => String::new(),
        p => {
            let path = p.display().to_string();
            let quoted = shlex::try_quote(&path)
                .map_err(|_| Error::Usage(format!("the spec path {path:?} holds a NUL byte")))?;
            format!(" --spec {quoted}")
        }
    };
    let suggestions: Vec<_> = dialects
        .into_iter()
        .map(|d| suggest(d, &spec, &findings, &spec_flag))
        .collect();
    let text = match args.format {
        StoryFormat::Table => suggestions
            .iter()
            .map(|s| s.render_text())
            .collect::<Vec<_>>()
            .join("\n"),
        StoryFormat::Json => {
            serde_json::to_string_pretty(&suggestions).expect("suggestions serialise") + "\n"
        }
    };
    output::write_output(None, &text)?;
    let blocked = suggestions.iter().any(|s| s.blocking_keys > 0);
    Ok(if blocked { exit::FINDINGS } else { exit::CLEAN })
}
