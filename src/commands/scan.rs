//! `dupaudit scan`: resolve the audit, scan its source, write the report, record an
//! incremental run, and say by the exit code whether findings fail it.

use crate::audit;
use crate::cli::{Cli, ScanArgs};
use crate::error::{exit, Error};
use crate::progress::Progress;
use crate::resolve;

pub async fn run(cli: &Cli, args: &ScanArgs) -> Result<u8, Error> {
    let audit = resolve::scan(cli, args)?;
    let progress = Progress::new(cli.quiet);
    let scanned = audit::scan(&audit, args.format, &progress).await?;
    let opts = resolve::render_options(args, &audit);
    let report = scanned.write(args.format, args.output.as_deref(), opts)?;
    if let Some(state) = &audit.incremental {
        state.record(&report)?;
    }
    Ok(match audit.fails(&report) {
        true => exit::FINDINGS,
        false => exit::CLEAN,
    })
}
