//! One module per command: each turns parsed arguments into calls to the library
//! and decides the exit code.

pub mod apply;
pub mod docs;
pub mod explain;
pub mod generate;
pub mod init;
pub mod load;
pub mod load_redis;
pub mod plan;
pub mod scan;
pub mod suggest;

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
            let mut tmp = p.as_os_str().to_owned();
            tmp.push(".tmp");
            let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(fail)?);
            write(&mut file).and_then(|_| file.flush()).map_err(fail)?;
            drop(file);
            std::fs::rename(&tmp, p).map_err(fail)
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
