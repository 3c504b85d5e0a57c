//! Identifier safety and the SQL kept in `queries/<dialect>/`.
//!
//! In: identifiers from the spec and a query template. Out: SQL text in which every
//! identifier is validated and quoted by [`quote_ident`]. Values never pass through
//! here: they are always bound parameters.

use serde::{Deserialize, Serialize};

/// The SQL dialects dupaudit speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

/// Longest identifier accepted; PostgreSQL truncates at 63 bytes, MySQL refuses
/// more than 64, so anything longer would name a different column than the spec.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// Refuses identifiers that cannot be quoted safely in every dialect. Quotes,
/// semicolons, spaces and mixed case are fine: quoting makes them inert.
pub fn validate_identifier(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an identifier cannot be empty".into());
    }
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Err(format!(
            "`{name}` is longer than {MAX_IDENTIFIER_BYTES} bytes"
        ));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(format!(
            "`{}` contains a control character",
            name.escape_debug()
        ));
    }
    Ok(())
}

/// Quotes one identifier for `dialect`, doubling the quote character inside it.
/// This is the only function that puts a name from the spec into SQL text.
pub fn quote_ident(dialect: Dialect, name: &str) -> String {
    let q = match dialect {
        Dialect::Sqlite | Dialect::Postgres => '"',
        Dialect::Mysql => '`',
    };
    let mut out = String::with_capacity(name.len() + 2);
    out.push(q);
    for c in name.chars() {
        if c == q {
            out.push(q);
        }
        out.push(c);
    }
    out.push(q);
    out
}

/// Renders a query template from `queries/`, replacing `{name}` placeholders with
/// already-quoted SQL fragments built by this module.
pub fn render(template: &str, fragments: &[(&str, &str)]) -> String {
    let mut sql = template.to_string();
    for (name, fragment) in fragments {
        sql = sql.replace(&format!("{{{name}}}"), fragment);
    }
    debug_assert!(!sql.contains("{columns}") && !sql.contains("{table}"));
    sql
}

/// `CAST(col AS TEXT) AS c0, ...`: every column read back as text so that all
/// sources hand the scan the same representation.
pub fn text_projection(dialect: Dialect, columns: &[String]) -> String {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let q = quote_ident(dialect, c);
            match dialect {
                Dialect::Sqlite => format!("CAST({q} AS TEXT) AS c{i}"),
                Dialect::Postgres => format!("{q}::text AS c{i}"),
                Dialect::Mysql => format!("CAST({q} AS CHAR) AS c{i}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_ident_doubles_embedded_quotes() {
        assert_eq!(quote_ident(Dialect::Postgres, r#"a"b"#), r#""a""b""#);
        assert_eq!(quote_ident(Dialect::Mysql, "a`b"), "`a``b`");
        assert_eq!(
            quote_ident(Dialect::Sqlite, "x\"; DROP TABLE results; --"),
            "\"x\"\"; DROP TABLE results; --\""
        );
    }

    #[test]
    fn identifiers_with_nul_or_newline_are_refused() {
        assert!(validate_identifier("a\0b").is_err());
        assert!(validate_identifier("a\nb").is_err());
        assert!(validate_identifier("").is_err());
        assert!(validate_identifier(&"x".repeat(64)).is_err());
        assert!(validate_identifier("Mixed Case; \"quoted\"").is_ok());
    }
}
