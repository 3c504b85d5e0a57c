//! The question asked before the database is changed, in the manner of
//! Terraform: what will happen is shown first, and only the word `yes` goes on.

use std::io::{BufRead, IsTerminal};

use crate::error::Error;

/// Shows `what` (what the change will do) and `question` on the terminal and goes
/// on only when the answer is `yes`; without a terminal, `--yes` (`given`) must
/// have been given.
pub fn confirm(what: &str, question: &str, given: bool) -> Result<(), Error> {
    if given {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::Usage(format!(
            "{question} This changes the database: pass --yes to confirm, or --dry-run to try it first"
        )));
    }
    eprint!("{what}\n{question}\n  Only 'yes' goes on; anything else changes nothing.\n  Enter a value: ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Runtime(format!("cannot read the answer: {e}")))?;
    match answer.trim() {
        "yes" => Ok(()),
        _ => Err(Error::Usage("not confirmed; nothing was changed".into())),
    }
}
