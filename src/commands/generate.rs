//! `dupaudit generate`: writes the incident as SQLite, CSV, Parquet and NDJSON in the
//! shape asked for, plus `ground-truth.json`, the list of what a correct scan finds,
//! and (for a shape other than the sample's) `dupaudit.toml`, the spec that reads it.

use crate::cli::{GenFormat, GenerateArgs};
use crate::error::{exit, Error};
use crate::generate::{generate, write};

pub async fn run(args: &GenerateArgs) -> Result<u8, Error> {
    let out = &args.out;
    std::fs::create_dir_all(out).map_err(|source| Error::Write {
        path: out.clone(),
        source,
    })?;
    let shape = args.shape.shape();
    let incident = generate(args.seed, args.rows);
    let mut written = Vec::new();
    for format in &args.formats {
        match format {
            GenFormat::Sqlite => written.push(write::sqlite(out, &incident, shape).await?),
            GenFormat::Csv => written.extend(write::csv(out, &incident, shape)?),
            GenFormat::Parquet => written.extend(write::parquet(out, &incident, shape)?),
            GenFormat::Ndjson => written.extend(write::ndjson(out, &incident, shape)?),
        }
    }
    written.push(write::truth(out, &incident.truth.in_shape(shape))?);
    if shape != Default::default() {
        written.push(write::spec(out, shape, &args.formats)?);
    }
    eprintln!(
        "generated {} result rows and {} log rows (seed {}, shape {shape}):",
        incident.results.len(),
        incident.log.len(),
        args.seed
    );
    for path in written {
        eprintln!("  {}", path.display());
    }
    Ok(exit::CLEAN)
}
