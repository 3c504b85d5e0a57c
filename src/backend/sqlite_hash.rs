//! `dupaudit_payload_hash(settings, payload, ...)`: a payload's quick hash
//! ([`Canonicalizer::quick_hash`]), computed inside SQLite, so that cross-key detection groups
//! the payloads where they are stored instead of sending every row out of SQLite
//! (sqlx hands each row from SQLite's thread to the scan's, which costs more than
//! hashing it).
//!
//! The function is registered on every SQLite connection the process opens from
//! the moment [`register`] is called (`sqlite3_auto_extension`). Its first argument
//! is the canonicalizer's settings as JSON ([`Settings`]), bound once per query:
//! SQLite keeps the canonicalizer built from it for the rest of the statement. The
//! others are the payload columns' text, NULL for NULL. It returns 9 bytes: 1 when
//! a JSON column held something that is not JSON (else 0), then the quick hash,
//! little-endian.

use std::ffi::{c_char, c_int, c_void};
use std::sync::Once;

use libsqlite3_sys as ffi;
use serde::{Deserialize, Serialize};

use crate::canonical::Canonicalizer;

/// The function's name in SQL.
pub const NAME: &str = "dupaudit_payload_hash";

/// What the function's first argument holds: which payload columns are JSON, and
/// the fields the comparison ignores (as the spec's `ignore_fields`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Settings {
    pub json: Vec<bool>,
    pub ignore: Vec<String>,
}

impl Settings {
    /// The settings as the function's first argument.
    pub fn argument(&self) -> String {
        serde_json::to_string(self).expect("settings serialize")
    }
}

/// Registers the function on every SQLite connection opened from now on.
pub fn register() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `init` has the signature SQLite calls an entry point with; it is
        // registered once for the process.
        let code = unsafe { ffi::sqlite3_auto_extension(Some(init)) };
        assert_eq!(code, ffi::SQLITE_OK, "registering {NAME} with SQLite");
    });
}

/// The entry point SQLite calls for each new connection.
unsafe extern "C" fn init(
    db: *mut ffi::sqlite3,
    _error: *mut *mut c_char,
    _api: *const ffi::sqlite3_api_routines,
) -> c_int {
    // SAFETY: `db` is the connection being opened; the name is NUL-terminated and
    // static; `payload_hash` keeps no state of its own.
    unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            c"dupaudit_payload_hash".as_ptr(),
            -1,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
            std::ptr::null_mut(),
            Some(payload_hash),
            None,
            None,
            None,
        )
    }
}

/// The function's body: errors and panics become SQL errors, never unwind into
/// SQLite.
unsafe extern "C" fn payload_hash(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite passes `argc` valid values in `argv` for this call.
    let outcome = std::panic::catch_unwind(|| unsafe { hash(ctx, argc, argv) });
    let message = match outcome {
        Ok(Ok(bytes)) => {
            // SAFETY: SQLITE_TRANSIENT makes SQLite copy the 9 bytes at once.
            unsafe {
                ffi::sqlite3_result_blob(
                    ctx,
                    bytes.as_ptr().cast(),
                    bytes.len() as c_int,
                    ffi::SQLITE_TRANSIENT(),
                )
            };
            return;
        }
        Ok(Err(message)) => message,
        Err(_) => format!("{NAME} failed unexpectedly"),
    };
    // SAFETY: the message's length is given, so it needs no NUL.
    unsafe { ffi::sqlite3_result_error(ctx, message.as_ptr().cast(), message.len() as c_int) };
}

/// The hash of one call's payload, with the canonicalizer kept on the settings
/// argument between calls.
unsafe fn hash(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) -> Result<[u8; 9], String> {
    // SAFETY: (the caller's) `argv` holds `argc` values.
    let args = unsafe { std::slice::from_raw_parts(argv, argc.max(0) as usize) };
    let Some((&settings, payload)) = args.split_first() else {
        return Err(format!("{NAME} needs its settings and a payload"));
    };
    // SAFETY: auxiliary data 0 is only ever set below, to a boxed Canonicalizer.
    let kept = unsafe { ffi::sqlite3_get_auxdata(ctx, 0) } as *const Canonicalizer;
    let built = match kept.is_null() {
        false => None,
        true => {
            // SAFETY: `settings` is one of this call's values.
            let text = unsafe { text(settings) }?
                .ok_or_else(|| format!("{NAME}: the settings are NULL"))?;
            let s: Settings = serde_json::from_str(text)
                .map_err(|e| format!("{NAME}: the settings are not readable: {e}"))?;
            Some(Box::new(Canonicalizer::new(s.json, &s.ignore)))
        }
    };
    let canon: &Canonicalizer = match &built {
        Some(b) => b,
        // SAFETY: kept by SQLite for this statement, not freed while it runs.
        None => unsafe { &*kept },
    };
    let cells = payload
        .iter()
        // SAFETY: each is one of this call's values.
        .map(|&v| unsafe { text(v) })
        .collect::<Result<Vec<Option<&str>>, String>>()?;
    let c = canon.quick_hash(&cells);
    let mut out = [0u8; 9];
    out[0] = u8::from(c.non_json);
    out[1..].copy_from_slice(&c.hash.to_le_bytes());
    if let Some(b) = built {
        // Set last: SQLite may free it at once (it says so of this call).
        // SAFETY: `free_canonicalizer` frees exactly what `Box::into_raw` gave.
        unsafe {
            ffi::sqlite3_set_auxdata(ctx, 0, Box::into_raw(b).cast(), Some(free_canonicalizer))
        };
    }
    Ok(out)
}

unsafe extern "C" fn free_canonicalizer(p: *mut c_void) {
    // SAFETY: `p` is the pointer `hash` made with Box::into_raw, freed once.
    drop(unsafe { Box::from_raw(p as *mut Canonicalizer) });
}

/// A value's text (`None` for NULL), as SQLite converts it; an error when it is
/// not UTF-8.
unsafe fn text<'a>(v: *mut ffi::sqlite3_value) -> Result<Option<&'a str>, String> {
    // SAFETY: `v` is a value of the current call; its text stays valid until the
    // call returns, and its length is read after the conversion, as SQLite asks.
    unsafe {
        if ffi::sqlite3_value_type(v) == ffi::SQLITE_NULL {
            return Ok(None);
        }
        let p = ffi::sqlite3_value_text(v);
        if p.is_null() {
            return Err(format!("{NAME}: out of memory"));
        }
        let n = ffi::sqlite3_value_bytes(v).max(0) as usize;
        std::str::from_utf8(std::slice::from_raw_parts(p, n))
            .map(Some)
            .map_err(|_| format!("{NAME}: a payload is not UTF-8 text"))
    }
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, Row, SqliteConnection};

    use super::*;

    /// What `dupaudit_payload_hash` returns in SQLite for `payload`, hashed with
    /// `settings`, or SQLite's error.
    fn in_sqlite(settings: &str, payload: &[Option<&str>]) -> Result<Vec<u8>, String> {
        let marks = vec!["?"; payload.len() + 1].join(", ");
        let mut binds = vec![Some(settings)];
        binds.extend(payload);
        query(&format!("SELECT {NAME}({marks})"), &binds)
    }

    /// The first column of `sql`'s one row in a new in-memory SQLite, or its error.
    fn query(sql: &str, binds: &[Option<&str>]) -> Result<Vec<u8>, String> {
        register();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut conn = SqliteConnection::connect("sqlite::memory:")
                .await
                .expect("in-memory SQLite");
            let mut query = sqlx::query(sql);
            for cell in binds {
                query = query.bind(*cell);
            }
            query
                .fetch_one(&mut conn)
                .await
                .map(|row| row.get::<Vec<u8>, _>(0))
                .map_err(|e| e.to_string())
        })
    }

    fn expected(json: Vec<bool>, ignore: &[&str], payload: &[Option<&str>]) -> Vec<u8> {
        let ignore: Vec<String> = ignore.iter().map(|s| s.to_string()).collect();
        let c = Canonicalizer::new(json, &ignore).quick_hash(payload);
        std::iter::once(u8::from(c.non_json))
            .chain(c.hash.to_le_bytes())
            .collect()
    }

    #[test]
    fn sqlite_hashes_a_payload_as_dupaudit_does() {
        /// Which columns are JSON, the ignored fields, the payload.
        type Case<'a> = (Vec<bool>, &'a [&'a str], Vec<Option<&'a str>>);
        let cases: [Case; 5] = [
            (vec![true], &[], vec![Some(r#"{"b":1,"a":[1,2]}"#)]),
            (vec![true], &["a.t"], vec![Some(r#"{"a":{"t":5,"u":1}}"#)]),
            (vec![true], &[], vec![Some("not json")]),
            (vec![true, false], &[], vec![None, Some("plain text")]),
            (vec![false, true], &[], vec![Some(""), Some("[]")]),
        ];
        for (json, ignore, payload) in cases {
            let settings = Settings {
                json: json.clone(),
                ignore: ignore.iter().map(|s| s.to_string()).collect(),
            };
            assert_eq!(
                in_sqlite(&settings.argument(), &payload),
                Ok(expected(json, ignore, &payload)),
                "{payload:?}"
            );
        }
        // Key order and ignored fields do not change the hash; the flag marks text
        // that is not JSON.
        let json = Settings {
            json: vec![true],
            ignore: vec!["t".into()],
        }
        .argument();
        let a = in_sqlite(&json, &[Some(r#"{"x":1,"y":2,"t":3}"#)]).unwrap();
        let b = in_sqlite(&json, &[Some(r#"{"y":2,"x":1,"t":4}"#)]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0], 0);
        assert_eq!(in_sqlite(&json, &[Some("{")]).unwrap()[0], 1);
    }

    #[test]
    fn sqlite_refuses_unreadable_settings_with_an_error_naming_the_function() {
        for settings in ["", "{\"json\": 1}"] {
            let err = in_sqlite(settings, &[Some("{}")]).unwrap_err();
            assert!(err.contains(NAME) && err.contains("settings"), "{err}");
        }
        let err = query(&format!("SELECT {NAME}()"), &[]).unwrap_err();
        assert!(err.contains("needs its settings"), "{err}");
    }
}
