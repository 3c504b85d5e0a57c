//! Where reports, plans and state files go: a file, written whole or not at all,
//! or standard output.

use std::io::Write;
use std::path::Path;

use crate::error::Error;

/// Writes a report to `path`, or to standard output. A closed pipe (`| head`)
/// ends quietly: the reader has what it wanted.
pub fn write_output(path: Option<&Path>, text: &str) -> Result<(), Error> {
    write_with(path, |w| w.write_all(text.as_bytes()))
}

/// Like [`write_output`], with the text produced by `write` straight into the file or
/// the pipe, so that a large report is never held in memory whole.
pub fn write_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    match path {
        // Written beside the target and renamed over it, so that a reader (a
        // textfile collector, a dashboard) never sees half a report.
        // A device, a FIFO or a socket (`-o /dev/null`, `-o /dev/stdout`, a named pipe)
        // is written in place: renaming a file over it would replace it.
        Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
            let fail = |source| Error::Write {
                path: p.to_path_buf(),
                source,
            };
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .map_err(fail)?;
            let mut out = std::io::BufWriter::new(file);
            write(&mut out).and_then(|_| out.flush()).map_err(fail)
        }
        Some(p) => {
            let fail = |source| Error::Write {
                path: p.to_path_buf(),
                source,
            };
            // A temporary file of its own beside the target, renamed over it when
            // whole: a reader never sees half a report, and two writers of the same
            // path never write into each other's file.
            let folder = match p.parent() {
                Some(f) if !f.as_os_str().is_empty() => f,
                _ => Path::new("."),
            };
            let mut builder = tempfile::Builder::new();
            // Readable as a file created in place would be (a temporary file is 0600).
            #[cfg(unix)]
            builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
            let tmp = builder.tempfile_in(folder).map_err(fail)?;
            let mut file = std::io::BufWriter::new(tmp);
            write(&mut file).and_then(|_| file.flush()).map_err(fail)?;
            let tmp = file.into_inner().map_err(|e| fail(e.into_error()))?;
            tmp.persist(p).map_err(|e| fail(e.error))?;
            Ok(())
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match write(&mut out).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write {
                    path: "standard output".into(),
                    source: e,
                }),
                _ => Ok(()),
            }
        }
    }
}

/// The pretty JSON of what a command did, as `--format json` prints it.
pub fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("outcomes serialise") + "\n"
}
