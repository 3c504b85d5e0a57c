//! `dupaudit completions SHELL` and `dupaudit man`: generated from the clap
//! definitions, so they never drift from the real flags.

use std::path::Path;

use crate::cli;
use crate::error::{exit, Error};
use crate::help;
use crate::output;

pub fn completions(shell: clap_complete::Shell) -> Result<u8, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli::command(), "dupaudit", &mut script);
    output::write_output(None, &String::from_utf8_lossy(&script))?;
    Ok(exit::CLEAN)
}

pub fn man(out: &Path) -> Result<u8, Error> {
    let fail = |source| Error::Write {
        path: out.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(out).map_err(fail)?;
    let top = cli::command();
    let version = top.get_version().unwrap_or_default().to_string();
    let mut pages = vec![(None, top.clone())];
    for sub in top.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("dupaudit-{}", sub.get_name());
        let page = sub.clone().name(name).version(version.clone());
        pages.push((Some(sub.get_name().to_string()), page));
    }
    for (command, page) in pages {
        let path = out.join(format!("{}.1", page.get_name()));
        let fail = |source| Error::Write {
            path: path.clone(),
            source,
        };
        let man = clap_mangen::Man::new(page.clone());
        let mut text: Vec<u8> = Vec::new();
        man.render_title(&mut text).map_err(fail)?;
        man.render_name_section(&mut text).map_err(fail)?;
        man.render_synopsis_section(&mut text).map_err(fail)?;
        man.render_description_section(&mut text).map_err(fail)?;
        man.render_options_section(&mut text).map_err(fail)?;
        if page.has_subcommands() {
            man.render_subcommands_section(&mut text).map_err(fail)?;
        }
        text.extend(sections(command.as_deref()).into_bytes());
        man.render_version_section(&mut text).map_err(fail)?;
        std::fs::write(&path, text).map_err(fail)?;
    }
    eprintln!("man pages written to {}", out.display());
    Ok(exit::CLEAN)
}

/// The EXAMPLES and EXIT STATUS sections of a command's page, in roff.
fn sections(command: Option<&str>) -> String {
    let mut out = String::from(".SH EXAMPLES\n");
    for (what, line) in help::examples(command) {
        out.push_str(&format!(".TP\n{}\n.B {}\n", roff(what), roff(line)));
    }
    out.push_str(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in help::exit_status(command) {
        out.push_str(&format!(".TP\n.B {code}\n{}\n", roff(meaning)));
    }
    out
}

/// Text as roff prints it: backslashes and hyphens escaped, no line taken for a
/// request.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.starts_with(['.', '\'']) {
        true => format!("\\&{escaped}"),
        false => escaped,
    }
}
