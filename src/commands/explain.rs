//! `dupaudit explain KEY...`: one key's story, read from the source and told.

use std::path::Path;

use chrono::Utc;

use crate::cli::{Cli, ExplainArgs, StoryFormat};
use crate::error::{exit, Error};
use crate::explain::story;
use crate::findings::parse_key;
use crate::source::Source;

use super::scan::{load_spec, source_options};

pub async fn run(cli: &Cli, args: &ExplainArgs) -> Result<u8, Error> {
    let spec = load_spec(&cli.spec, &args.connect)?;
    let key = parse_key(&args.key, &spec.results.key).map_err(Error::Usage)?;
    let spec_dir = cli.spec.parent().unwrap_or(Path::new(""));
    let source = Source::resolve(&source_options(&args.connect), &spec, spec_dir)?;
    let spec = source.resolve_spec(&spec);
    let data = source.load_key(&spec, &key).await?;
    let story = story(&key, &data, &spec, args.as_of.unwrap_or_else(Utc::now));
    let text = match args.format {
        StoryFormat::Table => story.render_text(),
        StoryFormat::Json => {
            serde_json::to_string_pretty(&story).expect("a story always serialises") + "\n"
        }
    };
    super::write_output(None, &text)?;
    Ok(exit::CLEAN)
}
