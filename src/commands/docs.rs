//! `dupaudit completions SHELL` and `dupaudit man`: generated from the clap
//! definitions, so they never drift from the real flags.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{exit, Error};
use crate::output;

pub fn completions(shell: clap_complete::Shell) -> Result<u8, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dupaudit", &mut script);
    output::write_output(None, &String::from_utf8_lossy(&script))?;
    Ok(exit::CLEAN)
}

pub fn man(out: &Path) -> Result<u8, Error> {
    let fail = |source| Error::Write {
        path: out.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(out).map_err(fail)?;
    clap_mangen::generate_to(Cli::command(), out).map_err(fail)?;
    eprintln!("man pages written to {}", out.display());
    Ok(exit::CLEAN)
}
