//! The question asked before the database is changed.

use std::io::{BufRead, IsTerminal};

use crate::error::Error;

/// Asks on the terminal; without one, `--yes` must have been given.
pub fn confirm(question: &str, given: bool) -> Result<(), Error> {
    if given {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "{question} This changes the database: pass --yes to confirm, or --dry-run to try it first"
        )));
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Runtime(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Error::Usage("not confirmed; nothing was changed".into())),
    }
}
