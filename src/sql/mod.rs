//! Identifier safety and the SQL kept in `queries/<dialect>/`.
//!
//! In: identifiers from the spec and a query template. Out: SQL text in which every
//! identifier is validated and quoted by [`quote_ident`]. Values never pass through
//! here: they are always bound parameters.

pub mod queries;

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

/// A table as the spec names it: its name, and the schema (PostgreSQL) or database
/// (MySQL) it is in; without one, the connection's current schema or database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableName {
    pub schema: Option<String>,
    pub name: String,
}

impl TableName {
    pub fn new(schema: Option<&str>, name: &str) -> TableName {
        TableName {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// A table of the connection's current schema.
    pub fn unqualified(name: &str) -> TableName {
        TableName::new(None, name)
    }

    /// Another table of the same schema.
    pub fn beside(&self, name: &str) -> TableName {
        TableName::new(self.schema.as_deref(), name)
    }

    /// `"schema"."name"`, or `"name"` alone, each part quoted by [`quote_ident`].
    pub fn quoted(&self, dialect: Dialect) -> String {
        match &self.schema {
            Some(schema) => format!(
                "{}.{}",
                quote_ident(dialect, schema),
                quote_ident(dialect, &self.name)
            ),
            None => quote_ident(dialect, &self.name),
        }
    }
}

/// `schema.name` or `name`, unquoted, for people.
impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// Renders a query template from `queries/`. Each `{name}` is replaced, in textual
/// order, either by a fragment (SQL built by this module from quoted identifiers) or by
/// the placeholders of a bound list, whose values are appended to the returned binds
/// in the order the database expects them. An empty list renders as `NULL`, which
/// matches nothing.
pub fn render(
    dialect: Dialect,
    template: &str,
    fragments: &[(&str, &str)],
    lists: &[(&str, &[String])],
) -> (String, Vec<String>) {
    render_rows(dialect, template, fragments, lists, &[], &[])
}

/// [`render`] with lists of tuples too: `{name}` becomes `(?, ?), (?, ?)`, one
/// parenthesised group per tuple, for `(a, b) IN (...)` and multi-row `VALUES`. The
/// values of tuples named in `keys` are keys: each placeholder is wrapped as its key
/// column compares a bound text ([`TypedColumn::bind`]).
pub fn render_rows(
    dialect: Dialect,
    template: &str,
    fragments: &[(&str, &str)],
    lists: &[(&str, &[String])],
    rows: &[(&str, &[Vec<String>])],
    keys: &[(&str, &[TypedColumn])],
) -> (String, Vec<String>) {
    let mut sql = String::with_capacity(template.len() * 2);
    let mut binds: Vec<String> = Vec::new();
    let bind = |sql: &mut String,
                binds: &mut Vec<String>,
                values: &[String],
                columns: Option<&[TypedColumn]>| {
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            binds.push(v.clone());
            let p = placeholder(dialect, binds.len());
            match columns.and_then(|c| c.get(i)) {
                Some(column) => sql.push_str(&column.bind(dialect, &p)),
                None => sql.push_str(&p),
            }
        }
    };
    each_marker(template, &mut sql, |sql, name| {
        if let Some((_, fragment)) = fragments.iter().find(|(n, _)| *n == name) {
            sql.push_str(fragment);
        } else if let Some((_, values)) = lists.iter().find(|(n, _)| *n == name) {
            if values.is_empty() {
                sql.push_str("NULL");
            }
            let columns = keys.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
            bind(sql, &mut binds, values, columns);
        } else if let Some((_, tuples)) = rows.iter().find(|(n, _)| *n == name) {
            let columns = keys.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
            for (i, tuple) in tuples.iter().enumerate() {
                sql.push_str(if i > 0 { ", (" } else { "(" });
                bind(sql, &mut binds, tuple, columns);
                sql.push(')');
            }
        } else {
            panic!("query template names an unknown placeholder `{name}`");
        }
    });
    (sql, binds)
}

/// A template built of templates: each `{name}` of `parts` the template holds
/// replaced by its text (a part it does not hold changes nothing), every other
/// placeholder left for [`render`].
pub fn compose(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, text) in parts {
        out = replaced(&out, name, text);
    }
    out
}

/// `template` with each `{name}` outside its comments replaced by `text`.
fn replaced(template: &str, name: &str, text: &str) -> String {
    let mut out = String::with_capacity(template.len() + text.len());
    each_marker(template, &mut out, |out, marker| match marker == name {
        true => out.push_str(text),
        false => {
            out.push('{');
            out.push_str(marker);
            out.push('}');
        }
    });
    out
}

/// Walks a query template: copies its text into `out`, and hands each `{name}`
/// outside a `--` comment to `on_marker`, which writes what replaces it. A comment
/// is copied as written, so that it can name a placeholder without it being filled
/// in (or a list bound) there.
fn each_marker(template: &str, out: &mut String, mut on_marker: impl FnMut(&mut String, &str)) {
    let mut rest = template;
    loop {
        let open = rest.find('{');
        let comment = rest.find("--").filter(|&c| open.is_none_or(|o| c < o));
        if let Some(c) = comment {
            let end = rest[c..].find('\n').map_or(rest.len(), |n| c + n);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let Some(open) = open else {
            out.push_str(rest);
            return;
        };
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .expect("query templates close every placeholder");
        on_marker(out, &after[..close]);
        rest = &after[close + 1..];
    }
}

/// `template` with its `{name}` fragments filled in and each `{list}` written out
/// as `literal` renders its values (`NULL` for an empty list, which `IN (NULL)`
/// matches nothing with): for an engine that is handed SQL text without bound
/// values, as polars' SQL context is.
pub fn render_inline(
    template: &str,
    fragments: &[(&str, &str)],
    lists: &[(&str, &[String])],
    literal: fn(&str) -> String,
) -> String {
    let mut sql = String::with_capacity(template.len() * 2);
    each_marker(template, &mut sql, |sql, name| {
        if let Some((_, fragment)) = fragments.iter().find(|(n, _)| *n == name) {
            sql.push_str(fragment);
        } else if let Some((_, values)) = lists.iter().find(|(n, _)| *n == name) {
            match values.is_empty() {
                true => sql.push_str("NULL"),
                false => {
                    let written: Vec<String> = values.iter().map(|v| literal(v)).collect();
                    sql.push_str(&written.join(", "));
                }
            }
        } else {
            panic!("query template names an unknown placeholder `{name}`");
        }
    });
    sql
}

/// A string literal of standard SQL: in single quotes, a quote doubled.
pub fn string_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Quotes one identifier for Spark SQL: in backticks, a backtick inside doubled,
/// as MySQL quotes.
pub fn quote_spark(name: &str) -> String {
    quote_ident(Dialect::Mysql, name)
}

/// A string literal of Spark SQL, whose strings take backslash escapes: in single
/// quotes, a backslash and a quote escaped.
pub fn spark_literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A `LIKE` pattern matching the values that begin with `prefix`, `!` escaping
/// the wildcards (`ESCAPE '!'`).
pub fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::new();
    for c in prefix.chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The `n`th (1-based) bind placeholder.
pub fn placeholder(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Postgres => format!("${n}"),
        Dialect::Sqlite | Dialect::Mysql => "?".to_string(),
    }
}

/// A column read back as text: every source hands the scan the same representation.
pub fn as_text(dialect: Dialect, expr: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("CAST({expr} AS TEXT)"),
        Dialect::Postgres => format!("{expr}::text"),
        Dialect::Mysql => format!("CAST({expr} AS CHAR)"),
    }
}

/// What a column holds, as far as reading it as text and comparing a text value
/// with it go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    Uuid,
    Integer,
    /// Bytes: read as lowercase hex, compared with the bytes a hex text stands for.
    Binary,
    /// Any other type (dates, numbers with decimals, user-defined types): read as the
    /// database prints it, compared in the column's own type.
    Other,
}

impl ValueKind {
    /// The kind of a column of catalog type `ty` (PostgreSQL's `format_type`, MySQL's
    /// `column_type`, SQLite's declared type).
    pub fn of(dialect: Dialect, ty: &str) -> ValueKind {
        let t = ty.trim().to_ascii_lowercase();
        let base = t.split(['(', ' ']).next().unwrap_or_default();
        match dialect {
            Dialect::Postgres => match base {
                "text" | "character" | "varchar" | "name" | "citext" => ValueKind::Text,
                _ if t.starts_with("character varying") => ValueKind::Text,
                "uuid" => ValueKind::Uuid,
                "smallint" | "integer" | "bigint" => ValueKind::Integer,
                "bytea" => ValueKind::Binary,
                _ => ValueKind::Other,
            },
            Dialect::Mysql => match base {
                "char" | "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" | "enum"
                | "set" | "uuid" => ValueKind::Text,
                "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
                    ValueKind::Binary
                }
                "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
                    ValueKind::Integer
                }
                _ => ValueKind::Other,
            },
            // SQLite's type affinity rules, in their order.
            Dialect::Sqlite => match () {
                _ if t.contains("int") => ValueKind::Integer,
                _ if t.contains("char") || t.contains("clob") || t.contains("text") => {
                    ValueKind::Text
                }
                _ if t.contains("blob") => ValueKind::Binary,
                _ if t.is_empty() => ValueKind::Text,
                _ => ValueKind::Other,
            },
        }
    }
}

/// A column with what the catalog says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedColumn {
    pub name: String,
    pub kind: ValueKind,
    /// The type as the catalog writes it, for messages and casts.
    pub sql_type: String,
}

impl TypedColumn {
    /// `expr` (this column, or a value of its type) as text, as reports write it:
    /// lowercase hex for bytes, the database's own text for the rest.
    pub fn read(&self, dialect: Dialect, expr: &str) -> String {
        match (self.kind, dialect) {
            (ValueKind::Binary, Dialect::Postgres) => format!("encode({expr}, 'hex')"),
            (ValueKind::Binary, Dialect::Mysql) => format!("LOWER(HEX({expr}))"),
            // hex(NULL) is '' in SQLite.
            (ValueKind::Binary, Dialect::Sqlite) => {
                format!("CASE WHEN {expr} IS NULL THEN NULL ELSE lower(hex({expr})) END")
            }
            _ => as_text(dialect, expr),
        }
    }

    /// A bound text `placeholder`, as a value compared with this column: cast to
    /// the column's type (PostgreSQL compares no text with a uuid or a number), or
    /// the bytes of a hex text.
    pub fn bind(&self, dialect: Dialect, placeholder: &str) -> String {
        match (self.kind, dialect) {
            (ValueKind::Text, _) => placeholder.to_string(),
            (ValueKind::Binary, Dialect::Postgres) => format!("decode({placeholder}, 'hex')"),
            (ValueKind::Binary, Dialect::Mysql) => format!("UNHEX({placeholder})"),
            (ValueKind::Binary, Dialect::Sqlite) => format!("unhex({placeholder})"),
            (_, Dialect::Postgres) => format!("CAST({placeholder} AS {})", self.sql_type),
            (ValueKind::Integer, Dialect::Sqlite) => format!("CAST({placeholder} AS INTEGER)"),
            (_, Dialect::Mysql | Dialect::Sqlite) => placeholder.to_string(),
        }
    }
}

/// How the results' and the log's key columns are compared, position by position:
/// `true` where a column is compared as its text (a UUID or an integer beside a
/// text column), `false` where as itself. Two columns that cannot be compared (bytes
/// beside anything else, two different other types, a UUID beside a number) are an
/// error that names both and their types.
pub fn key_comparison(
    results: &[TypedColumn],
    log: &[TypedColumn],
) -> Result<Vec<(bool, bool)>, String> {
    results
        .iter()
        .zip(log)
        .map(|(r, l)| {
            use ValueKind::*;
            match (r.kind, l.kind) {
                (a, b) if a == b && (a != Other || r.sql_type == l.sql_type) => Ok((false, false)),
                (Text, Uuid | Integer) => Ok((false, true)),
                (Uuid | Integer, Text) => Ok((true, false)),
                _ => Err(format!(
                    "results.key column `{}` is {} but log.key column `{}` is {}: dupaudit \
                     compares a text key with a UUID or an integer one as text, and otherwise \
                     only keys of one type; name columns of the same type in results.key and \
                     log.key",
                    r.name, r.sql_type, l.name, l.sql_type
                )),
            }
        })
        .collect()
}

/// How a time column is stored, for bounding it by a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    /// An instant: PostgreSQL `timestamptz`, MySQL `TIMESTAMP` (read in UTC).
    Zoned,
    /// A wall-clock time without a zone: `timestamp`, `DATETIME`, `date`.
    Naive,
    /// An integer counting the spec's epoch unit.
    Epoch,
    /// Text (or any other type) holding a time the database parses.
    Text,
}

impl TimeKind {
    pub fn of(dialect: Dialect, ty: &str) -> TimeKind {
        let t = ty.trim().to_ascii_lowercase();
        if ValueKind::of(dialect, ty) == ValueKind::Integer {
            return TimeKind::Epoch;
        }
        match dialect {
            Dialect::Postgres if t.starts_with("timestamp with time zone") => TimeKind::Zoned,
            Dialect::Postgres if t.starts_with("timestamp") || t == "date" => TimeKind::Naive,
            Dialect::Mysql if t.starts_with("timestamp") => TimeKind::Zoned,
            Dialect::Mysql if t.starts_with("datetime") || t == "date" => TimeKind::Naive,
            _ => TimeKind::Text,
        }
    }
}

/// The fragments of the full join of `keys_logged.sql`: the results' key columns
/// (`r_key`, as compared) named `k0`.. and the log's (`l_key`) named `j0`.., each
/// table's attempt (`attempts`, when both tables have one) named `a` and `b`, the
/// join condition between them, and the key of a joined row from whichever side has
/// one; and those of its grouping on SQLite and MariaDB (`keys_logged_grouped.sql`): the
/// key's columns, the key and attempt grouped by, and the groups a NULL attempt
/// names.
pub fn full_join_fragments(
    r_key: &[String],
    l_key: &[String],
    attempts: Option<(&str, &str)>,
) -> Vec<(&'static str, String)> {
    let list = |parts: Vec<String>, sep: &str| parts.join(sep);
    let n = r_key.len();
    let mut matched: Vec<String> = (0..n).map(|i| format!("rr.k{i} = ll.j{i}")).collect();
    if attempts.is_some() {
        matched.push("rr.a = ll.b".into());
    }
    vec![
        (
            "l_key_as_j",
            list(
                l_key
                    .iter()
                    .enumerate()
                    .map(|(i, e)| format!("{e} AS j{i}"))
                    .collect(),
                ", ",
            ),
        ),
        (
            "r_attempt_as",
            attempts.map_or(String::new(), |(r, _)| format!(", {r} AS a")),
        ),
        (
            "l_attempt_as",
            attempts.map_or(String::new(), |(_, l)| format!(", {l} AS b")),
        ),
        ("kj_match", list(matched, " AND ")),
        (
            "k_either",
            list(
                (0..n)
                    .map(|i| format!("COALESCE(rr.k{i}, ll.j{i}) AS k{i}"))
                    .collect(),
                ", ",
            ),
        ),
        (
            "k_grouped",
            list((0..n).map(|i| format!("k{i}")).collect(), ", "),
        ),
        (
            "ka_group",
            list(
                (0..n)
                    .map(|i| format!("k{i}"))
                    .chain(attempts.map(|_| "a".to_string()))
                    .collect(),
                ", ",
            ),
        ),
        (
            "a_unmatched",
            attempts.map_or(String::new(), |_| {
                "OR (a IS NULL AND (MAX(w) = 1 OR MAX(c) = 1))".into()
            }),
        ),
    ]
}

/// `alias.col` with the column quoted.
pub fn qualified(dialect: Dialect, alias: &str, column: &str) -> String {
    format!("{alias}.{}", quote_ident(dialect, column))
}

/// `CAST(r.col AS TEXT) AS c0, ...`, padded with `NULL AS cN` up to `width` columns
/// so that two projections can be combined with UNION ALL.
pub fn text_projection(dialect: Dialect, alias: &str, columns: &[String], width: usize) -> String {
    let mut parts: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{} AS c{i}",
                as_text(dialect, &qualified(dialect, alias, c))
            )
        })
        .collect();
    for i in columns.len()..width {
        parts.push(format!("NULL AS c{i}"));
    }
    parts.join(", ")
}

/// `alias.a, alias.b`
pub fn column_list(dialect: Dialect, alias: &str, columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| qualified(dialect, alias, c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `alias.a AS k0, alias.b AS k1`: key columns under neutral names, so keys from the
/// results table and from the log can be combined.
pub fn key_as(dialect: Dialect, alias: &str, columns: &[String]) -> String {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{} AS k{i}", qualified(dialect, alias, c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `alias.a IS NOT NULL AND alias.b IS NOT NULL`, or with `null`, the negation.
pub fn key_nullness(dialect: Dialect, alias: &str, columns: &[String], null: bool) -> String {
    let parts: Vec<String> = columns
        .iter()
        .map(|c| {
            let q = qualified(dialect, alias, c);
            if null {
                format!("{q} IS NULL")
            } else {
                format!("{q} IS NOT NULL")
            }
        })
        .collect();
    if null {
        format!("({})", parts.join(" OR "))
    } else {
        parts.join(" AND ")
    }
}

/// `left.a = right.x AND left.b = right.y`
pub fn equal_columns(
    dialect: Dialect,
    left: &str,
    left_columns: &[String],
    right: &str,
    right_columns: &[String],
) -> String {
    left_columns
        .iter()
        .zip(right_columns)
        .map(|(l, r)| {
            format!(
                "{} = {}",
                qualified(dialect, left, l),
                qualified(dialect, right, r)
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `AND <hash of the key> % n = slice`: one slice of the key space for a split scan,
/// or nothing when the scan is not split. The hash only has to agree between the
/// results table and the log inside one database. `n` and `slice` are integers chosen
/// by dupaudit, never text from the user.
pub fn partition_filter(
    dialect: Dialect,
    alias: &str,
    columns: &[String],
    n: u32,
    slice: u32,
) -> String {
    if n <= 1 {
        return String::new();
    }
    let key = column_list(dialect, alias, columns);
    match dialect {
        Dialect::Postgres => {
            format!("AND mod(abs(hashtext(concat_ws(chr(31), {key}))::bigint), {n}) = {slice}")
        }
        Dialect::Mysql => format!("AND CRC32(CONCAT_WS(CHAR(31), {key})) % {n} = {slice}"),
        // SQLite has no hash function; split scans are refused for it before this.
        Dialect::Sqlite => unreachable!("split scans are refused for SQLite"),
    }
}

/// `(?, ?), (?, ?)` for `keys` keys of `arity` columns, numbered from `first`.
pub fn row_values(dialect: Dialect, keys: usize, arity: usize) -> String {
    let mut n = 0;
    (0..keys)
        .map(|_| {
            let cols: Vec<String> = (0..arity)
                .map(|_| {
                    n += 1;
                    placeholder(dialect, n)
                })
                .collect();
            format!("({})", cols.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Replaces `{marker}` in `template` by one array per column, cast to the column's
/// type, and returns the template with the arrays to bind as `marker_N`: column N of
/// every tuple. The types come from the catalog (`format_type`), never from the spec.
///
/// A column whose items can all be split on a separator is bound as one text of
/// them joined by it, `CAST(string_to_array({marker_N}, E'\x1f') AS type[])`:
/// PostgreSQL splits that several times faster than it reads an array literal
/// (measured: 22,336 SHA-256 fingerprints in 19 ms against 54 ms). Otherwise the
/// column is an array literal, `CAST({marker_N} AS type[])`, every item quoted.
pub fn with_arrays<S: AsRef<str>>(
    template: &str,
    marker: &str,
    tuples: &[impl AsRef<[S]>],
    types: &[String],
) -> (String, Vec<(String, [String; 1])>) {
    let mut casts = Vec::with_capacity(types.len());
    let arrays = (0..types.len())
        .map(|i| {
            let ty = &types[i];
            let name = format!("{marker}_{i}");
            // A bytea array's items in hex input form: the keys' text is their hex.
            let prefix = match ty.trim() == "bytea" {
                true => "\\x",
                false => "",
            };
            let items = || tuples.iter().map(|t| t.as_ref()[i].as_ref());
            let size: usize = items().map(|v| v.len() + prefix.len() + 3).sum();
            let mut array = String::with_capacity(size + 2);
            if let Some(base) = split_type(ty).filter(|_| separable(items())) {
                casts.push(format!(
                    "CAST(string_to_array({{{name}}}, E'\\x1f') AS {base}[])"
                ));
                for (n, v) in items().enumerate() {
                    if n > 0 {
                        array.push(LIST_SEPARATOR);
                    }
                    array.push_str(prefix);
                    array.push_str(v);
                }
            } else {
                casts.push(format!("CAST({{{name}}} AS {ty}[])"));
                array.push('{');
                for (n, v) in items().enumerate() {
                    if n > 0 {
                        array.push(',');
                    }
                    push_array_item(&mut array, prefix, v);
                }
                array.push('}');
            }
            (name, [array])
        })
        .collect();
    (replaced(template, marker, &casts.join(", ")), arrays)
}

/// The type a column of `ty` is cast to from the text items of `string_to_array`,
/// for the types whose text converts exactly: the type without its modifier, so that
/// an item longer than a `character varying(n)` column, or finer than a
/// `numeric(p, s)` one, is compared as it is rather than cut or rounded into another
/// value. `None` for the other types, which are bound as array literals.
fn split_type(ty: &str) -> Option<&str> {
    let base = ty.split('(').next().unwrap_or(ty).trim();
    let exact = [
        "text",
        "character varying",
        "uuid",
        "bigint",
        "integer",
        "smallint",
        "numeric",
        "bytea",
        "boolean",
    ];
    exact.contains(&base).then_some(base)
}

/// Whether `items` joined by [`LIST_SEPARATOR`] split back into exactly themselves
/// with `string_to_array`: none holds the separator, and they are not one empty
/// string (which splits into no item at all).
fn separable<'a>(items: impl ExactSizeIterator<Item = &'a str> + Clone) -> bool {
    let one_empty = items.len() == 1 && items.clone().all(str::is_empty);
    !one_empty && items.into_iter().all(|v| !v.contains(LIST_SEPARATOR))
}

/// Appends one element of an array literal, `prefix` then `value`: quoted, with `\`
/// and `"` escaped.
fn push_array_item(out: &mut String, prefix: &str, value: &str) {
    out.push('"');
    for part in [prefix, value] {
        let mut rest = part;
        while let Some(at) = rest.find(['\\', '"']) {
            out.push_str(&rest[..at]);
            out.push('\\');
            out.push_str(&rest[at..at + 1]);
            rest = &rest[at + 1..];
        }
        out.push_str(rest);
    }
    out.push('"');
}

/// The arrays of [`with_arrays`] as the named lists [`render`] binds.
pub fn named(arrays: &[(String, [String; 1])]) -> Vec<(&str, &[String])> {
    arrays.iter().map(|(n, v)| (n.as_str(), &v[..])).collect()
}

/// Joins the items of a one-column list bound as a single text value.
const LIST_SEPARATOR: char = '\u{1f}';

/// PostgreSQL: the predicate "`expr` (one column, or a parenthesised list of several)
/// is one of `tuples`", with `{marker_N}` placeholders, and the values to bind under
/// those names ([`named`]).
///
/// No index on the columns, one column of a type read by an immutable input function,
/// no item holding the separator: `expr = ANY(CAST(string_to_array(…) AS type[]))`. The
/// server folds the bound text into a constant array and hashes it, in one pass over
/// the table. (A bound array literal cast to `type[]` is not folded, `array_in` being
/// only stable, and the server would rebuild the array for every row it compares.)
/// Otherwise a semi-join on `unnest` of one array per column ([`with_arrays`]): with
/// an index, the server looks each key up in it, where given a constant array it was
/// measured choosing a slower pass over the whole table.
pub fn in_list(
    expr: &str,
    marker: &str,
    tuples: &[impl AsRef<[String]>],
    types: &[String],
    indexed: bool,
) -> (String, Vec<(String, [String; 1])>) {
    let separable = separable(tuples.iter().map(|t| t.as_ref()[0].as_str()));
    let folds = |base: &&str| !["bytea", "boolean"].contains(base);
    let one = (types.len() == 1 && !indexed && separable)
        .then(|| split_type(&types[0]).filter(folds))
        .flatten();
    if let Some(base) = one {
        let items: Vec<&str> = tuples.iter().map(|t| t.as_ref()[0].as_str()).collect();
        let list = items.join(&LIST_SEPARATOR.to_string());
        let predicate =
            format!("{expr} = ANY(CAST(string_to_array({{{marker}_0}}, E'\\x1f') AS {base}[]))");
        return (predicate, vec![(format!("{marker}_0"), [list])]);
    }
    with_arrays(
        &format!("({expr}) IN (SELECT * FROM unnest({{{marker}}}))"),
        marker,
        tuples,
        types,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_qualified_table_quotes_each_part_on_its_own() {
        let t = TableName::new(Some("Pipe\"line"), "re`sults");
        assert_eq!(t.quoted(Dialect::Postgres), r#""Pipe""line"."re`sults""#);
        assert_eq!(t.quoted(Dialect::Mysql), r#"`Pipe"line`.`re``sults`"#);
        assert_eq!(t.to_string(), "Pipe\"line.re`sults");
        let plain = TableName::unqualified("results");
        assert_eq!(plain.quoted(Dialect::Postgres), r#""results""#);
        assert_eq!(
            t.beside("q").quoted(Dialect::Postgres),
            r#""Pipe""line"."q""#
        );
    }

    #[test]
    fn array_literals_quote_and_escape_every_item() {
        let tuples = vec![
            vec!["a\"b".to_string(), "1".to_string()],
            vec!["c\\d,e\u{1f}".to_string(), "2".to_string()],
        ];
        let types = ["text".to_string(), "bigint".to_string()];
        let (sql, arrays) = with_arrays("IN (SELECT * FROM unnest({x}))", "x", &tuples, &types);
        assert_eq!(
            sql,
            "IN (SELECT * FROM unnest(CAST({x_0} AS text[]), \
             CAST(string_to_array({x_1}, E'\\x1f') AS bigint[])))"
        );
        assert_eq!(arrays[0].1[0], "{\"a\\\"b\",\"c\\\\d,e\u{1f}\"}");
        assert_eq!(arrays[1].1[0], "1\u{1f}2");
    }

    #[test]
    fn a_placeholder_named_in_a_comment_is_neither_filled_in_nor_bound() {
        let template =
            "-- {keys} are bound once\nSELECT {k} -- not {keys} here\nWHERE k IN ({keys})";
        let keys = ["a".to_string(), "b".to_string()];
        let (sql, binds) = render(
            Dialect::Postgres,
            template,
            &[("k", "x")],
            &[("keys", &keys)],
        );
        assert_eq!(
            sql,
            "-- {keys} are bound once\nSELECT x -- not {keys} here\nWHERE k IN ($1, $2)"
        );
        assert_eq!(binds, keys);
        let composed = compose(template, &[("keys", "SELECT 1\nUNION ALL SELECT 2")]);
        assert_eq!(
            composed,
            "-- {keys} are bound once\nSELECT {k} -- not {keys} here\nWHERE k IN (SELECT 1\nUNION ALL SELECT 2)"
        );
    }

    #[test]
    fn arrays_split_on_the_separator_keep_bytes_quotes_and_empty_items() {
        let tuples = vec![
            vec!["00ff".to_string(), "".to_string()],
            vec!["ab".to_string(), "\"".to_string()],
        ];
        let types = ["bytea".to_string(), "text".to_string()];
        let (sql, arrays) = with_arrays("{x}", "x", &tuples, &types);
        assert_eq!(
            sql,
            "CAST(string_to_array({x_0}, E'\\x1f') AS bytea[]), \
             CAST(string_to_array({x_1}, E'\\x1f') AS text[])"
        );
        assert_eq!(arrays[0].1[0], "\\x00ff\u{1f}\\xab");
        assert_eq!(arrays[1].1[0], "\u{1f}\"");
        // One empty item would split into none: it is an array literal.
        let (sql, arrays) = with_arrays("{x}", "x", &[vec![String::new()]], &types[1..]);
        assert_eq!(sql, "CAST({x_0} AS text[])");
        assert_eq!(arrays[0].1[0], "{\"\"}");
    }

    #[test]
    fn one_column_lists_are_bound_as_one_text_the_server_can_fold() {
        let keys = vec![vec!["a,b".to_string()], vec!["c\"d".to_string()]];
        let (sql, binds) = in_list("r.k", "x", &keys, &["character varying(64)".into()], false);
        assert_eq!(
            sql,
            "r.k = ANY(CAST(string_to_array({x_0}, E'\\x1f') AS character varying[]))"
        );
        assert_eq!(
            binds,
            vec![("x_0".to_string(), ["a,b\u{1f}c\"d".to_string()])]
        );
        // An index, a type whose input is not immutable, an item holding the
        // separator, or several columns: arrays, joined through unnest.
        let (sql, _) = in_list("r.k", "x", &keys, &["text".into()], true);
        assert_eq!(
            sql,
            "(r.k) IN (SELECT * FROM unnest(CAST(string_to_array({x_0}, E'\\x1f') AS text[])))"
        );
        let timestamps = vec![vec!["2026-01-01".to_string()]];
        let timestamptz = ["timestamp with time zone".to_string()];
        let (sql, _) = in_list("r.k", "x", &timestamps, &timestamptz, false);
        assert_eq!(
            sql,
            "(r.k) IN (SELECT * FROM unnest(CAST({x_0} AS timestamp with time zone[])))"
        );
        let odd = vec![vec!["a\u{1f}b".to_string()]];
        let (sql, binds) = in_list("r.k", "x", &odd, &["text".into()], false);
        assert_eq!(
            sql,
            "(r.k) IN (SELECT * FROM unnest(CAST({x_0} AS text[])))"
        );
        assert_eq!(binds[0].1[0], "{\"a\u{1f}b\"}");
    }

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
    fn render_numbers_postgres_placeholders_in_text_order() {
        let (sql, binds) = render(
            Dialect::Postgres,
            "SELECT {cols} FROM t WHERE a IN ({x}) OR b IN ({y}) OR c IN ({x})",
            &[("cols", "t.\"a\"")],
            &[("x", &["1".to_string(), "2".to_string()]), ("y", &[])],
        );
        assert_eq!(
            sql,
            "SELECT t.\"a\" FROM t WHERE a IN ($1, $2) OR b IN (NULL) OR c IN ($3, $4)"
        );
        assert_eq!(binds, ["1", "2", "1", "2"]);
        let (sql, _) = render(
            Dialect::Mysql,
            "a IN ({x})",
            &[],
            &[("x", &["1".to_string()])],
        );
        assert_eq!(sql, "a IN (?)");
    }

    #[test]
    fn render_rows_binds_tuples_after_the_lists_before_them() {
        let keys = vec![
            vec!["a".to_string(), "1".to_string()],
            vec!["b".to_string(), "2".to_string()],
        ];
        let (sql, binds) = render_rows(
            Dialect::Postgres,
            "WHERE r = {run} AND (k, n) IN ({keys})",
            &[],
            &[("run", &["r1".to_string()])],
            &[("keys", &keys)],
            &[],
        );
        assert_eq!(sql, "WHERE r = $1 AND (k, n) IN (($2, $3), ($4, $5))");
        assert_eq!(binds, ["r1", "a", "1", "b", "2"]);
    }

    #[test]
    fn keys_are_bound_as_their_columns_compare_a_text() {
        let column = |name: &str, ty: &str, d| TypedColumn {
            name: name.into(),
            kind: ValueKind::of(d, ty),
            sql_type: ty.into(),
        };
        let keys = vec![vec!["0f".to_string(), "7".to_string()]];
        let pg = [
            column("k", "bytea", Dialect::Postgres),
            column("n", "bigint", Dialect::Postgres),
        ];
        let (sql, _) = render_rows(
            Dialect::Postgres,
            "(k, n) IN ({keys})",
            &[],
            &[],
            &[("keys", &keys)],
            &[("keys", &pg)],
        );
        assert_eq!(sql, "(k, n) IN ((decode($1, 'hex'), CAST($2 AS bigint)))");
        let my = [
            column("k", "binary(16)", Dialect::Mysql),
            column("n", "bigint(20)", Dialect::Mysql),
        ];
        let (sql, _) = render_rows(
            Dialect::Mysql,
            "(k, n) IN ({keys})",
            &[],
            &[],
            &[("keys", &keys)],
            &[("keys", &my)],
        );
        assert_eq!(sql, "(k, n) IN ((UNHEX(?), ?))");
        assert_eq!(my[0].read(Dialect::Mysql, "r.k"), "LOWER(HEX(r.k))");
    }

    #[test]
    fn key_columns_of_two_types_are_compared_as_text_or_refused_by_name() {
        let column = |name: &str, ty: &str| TypedColumn {
            name: name.into(),
            kind: ValueKind::of(Dialect::Postgres, ty),
            sql_type: ty.into(),
        };
        assert_eq!(
            key_comparison(&[column("a", "text")], &[column("b", "uuid")]),
            Ok(vec![(false, true)])
        );
        assert_eq!(
            key_comparison(&[column("a", "integer")], &[column("b", "bigint")]),
            Ok(vec![(false, false)])
        );
        let refused = key_comparison(&[column("a", "bytea")], &[column("b", "text")]).unwrap_err();
        assert!(
            refused.contains("`a` is bytea") && refused.contains("`b` is text"),
            "{refused}"
        );
    }

    #[test]
    fn projections_pad_to_a_common_width() {
        let cols = vec!["id".to_string(), "we`ird".to_string()];
        assert_eq!(
            text_projection(Dialect::Mysql, "r", &cols, 3),
            "CAST(r.`id` AS CHAR) AS c0, CAST(r.`we``ird` AS CHAR) AS c1, NULL AS c2"
        );
        assert_eq!(row_values(Dialect::Postgres, 2, 2), "($1, $2), ($3, $4)");
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
