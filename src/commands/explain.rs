//! `dupaudit explain KEY...`: one key's story, read from the source and told.

use chrono::Utc;

use crate::cli::{Cli, ExplainArgs, StoryFormat};
use crate::error::{exit, Error};
use crate::explain::story;
use crate::findings::parse_key;
use crate::model::Key;
use crate::output;
use crate::resolve;
use crate::vocab::unknown_key;

pub async fn run(cli: &Cli, args: &ExplainArgs) -> Result<u8, Error> {
    let (spec, source) = resolve::reading(cli, &args.connect)?;
    let key = parse_key(&args.key, &spec.results.key).map_err(Error::Usage)?;
    let data = source.load_keys(&spec, std::slice::from_ref(&key)).await?;
    let held = |k: &Option<Key>| k.as_ref() == Some(&key);
    if !data.results.iter().any(|r| held(&r.key)) && !data.log.iter().any(|e| held(&e.key)) {
        let like = source.similar_keys(&spec, &key, 5).await?;
        return Err(Error::Usage(unknown_key(&key, &like)));
    }
    let story = story(&key, &data, &spec, args.as_of.unwrap_or_else(Utc::now));
    let text = match args.format {
        StoryFormat::Table => story.render_text(),
        StoryFormat::Json => {
            serde_json::to_string_pretty(&story).expect("a story always serialises") + "\n"
        }
    };
    output::write_output(None, &text)?;
    Ok(exit::CLEAN)
}
