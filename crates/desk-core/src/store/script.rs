//! Statements gathered into one call to a connection's thread.
//!
//! Each statement given to the driver is a round trip to the thread that owns the
//! SQLite connection (two thread switches and a wake-up), and on a desk receiving a
//! busy building those trips, not SQLite, were most of a live frame's cost. A
//! [`Script`] collects the statements of a frame, each written with its own parameters
//! `?1`, `?2`… (or `?`), and sends them as one multi-statement query.
//!
//! In one query the driver numbers bare `?` parameters across all the statements, but
//! takes `?N` as the query's N-th value, and it binds a statement's unused lower
//! numbers as bare ones (SQLite counts a statement's parameters up to its highest
//! number), which shifts every statement after it. So each parameter is sent as a bare
//! `?` with its value, repeated where a statement uses it more than once.
//!
//! Statements that report something return rows of one integer, a tag saying which
//! statement it came from; [`Script::run`] answers the tags in order.

use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, SqliteConnection};

use crate::error::{DeskError, DeskErrorCode, DeskResult};

/// A parameter's value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

#[derive(Default)]
pub(crate) struct Script {
    sql: String,
    args: SqliteArguments,
    /// The last statement's parameters, by number, in the order they appear in it.
    uses: Vec<usize>,
    /// Its values so far, by number.
    values: Vec<Value>,
    error: Option<String>,
    /// Returned by statements already sent ([`Script::flush`]).
    tags: Vec<i64>,
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `sql` (one statement or several, numbered among themselves), whose
    /// parameters the next [`Script::bind`] calls fill in order of their numbers.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.close_statement();
        let (bare, uses) = bare_parameters(sql);
        self.sql.push_str(bare.trim_end().trim_end_matches(';'));
        self.sql.push_str(";\n");
        self.uses = uses;
        self
    }

    /// [`Script::push`] for a statement that reports: `sql` (one statement, without a
    /// `RETURNING` of its own) returns a row tagged `tag` for each row it writes.
    pub fn push_tagged(&mut self, sql: &str, tag: i64) -> &mut Self {
        self.push(&format!("{sql} RETURNING {tag}"))
    }

    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        self
    }

    /// Sends the last statement's values, in the order its parameters appear.
    fn close_statement(&mut self) {
        let wanted = self.uses.iter().copied().max().unwrap_or(0);
        let values = std::mem::take(&mut self.values);
        let uses = std::mem::take(&mut self.uses);
        if uses.contains(&0) {
            self.error
                .get_or_insert("a statement has a parameter ?0".to_owned());
            return;
        }
        if values.len() != wanted {
            self.error.get_or_insert(format!(
                "statement {} takes {wanted} values and was given {}",
                self.sql.lines().last().unwrap_or_default(),
                values.len()
            ));
            return;
        }
        for n in uses {
            let added = match &values[n - 1] {
                Value::Null => self.args.add(None::<i64>),
                Value::Int(v) => self.args.add(*v),
                Value::Text(v) => self.args.add(v.clone()),
            };
            if let Err(e) = added {
                self.error
                    .get_or_insert(format!("a value could not be bound: {e}"));
            }
        }
    }

    /// Sends the statements so far, for a caller that must read what they wrote
    /// before going on.
    pub async fn flush(&mut self, conn: &mut SqliteConnection) -> DeskResult<()> {
        self.close_statement();
        if let Some(error) = self.error.take() {
            return Err(DeskError::new(DeskErrorCode::Internal, error));
        }
        if self.sql.is_empty() {
            return Ok(());
        }
        let sql = std::mem::take(&mut self.sql);
        let args = std::mem::take(&mut self.args);
        let rows: Vec<(i64,)> = sqlx::query_as_with(sqlx::AssertSqlSafe(sql), args)
            .fetch_all(conn)
            .await?;
        self.tags.extend(rows.into_iter().map(|(tag,)| tag));
        Ok(())
    }

    /// Sends what is left; answers the tag of each row the statements returned, in order.
    pub async fn run(mut self, conn: &mut SqliteConnection) -> DeskResult<Vec<i64>> {
        self.flush(conn).await?;
        Ok(self.tags)
    }
}

/// `sql` with each parameter made a bare `?`, and the numbers they had in order of
/// appearance (a bare `?` numbered after the highest so far, as SQLite does). Our
/// statements hold no `?` inside string literals or quoted names; those are left as
/// they are anyway.
fn bare_parameters(sql: &str) -> (String, Vec<usize>) {
    // By bytes: `?`, quotes and digits are ASCII, and never part of a longer UTF-8
    // character. This runs for every statement of every frame.
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut uses = Vec::new();
    let mut highest = 0;
    let mut copied = 0;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            b'?' => {
                let digits = bytes[i..].iter().take_while(|d| d.is_ascii_digit()).count();
                let n = match sql[i..i + digits].parse::<usize>() {
                    Ok(n) => n,
                    Err(_) => highest + 1,
                };
                out.push_str(&sql[copied..i]);
                i += digits;
                copied = i;
                highest = highest.max(n);
                uses.push(n);
            }
            _ => {}
        }
    }
    out.push_str(&sql[copied..]);
    (out, uses)
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::*;

    #[test]
    fn parameters_become_bare_in_order_of_appearance() {
        assert_eq!(
            bare_parameters("SELECT ?2, ?1, ?2"),
            ("SELECT ?, ?, ?".into(), vec![2, 1, 2])
        );
        assert_eq!(
            bare_parameters("VALUES (?, ?)"),
            ("VALUES (?, ?)".into(), vec![1, 2])
        );
        assert_eq!(
            bare_parameters("SELECT '?1', ?1 ->> '$.a?'"),
            ("SELECT '?1', ? ->> '$.a?'".into(), vec![1])
        );
        assert_eq!(bare_parameters("COMMIT"), ("COMMIT".into(), vec![]));
    }

    #[tokio::test]
    async fn statements_keep_their_own_values_and_report_their_tags() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let mut script = Script::new();
        script.push("CREATE TABLE t (a, b)");
        script
            .push("INSERT INTO t VALUES (?1, ?2), (?2, ?1)")
            .bind("x")
            .bind(2_i64);
        script
            .push_tagged("INSERT INTO t VALUES (?, ?)", 7)
            .bind("y")
            .bind(3_i64);
        script
            .push("SELECT 8 FROM t WHERE a = ?2 AND b = ?1")
            .bind(2_i64)
            .bind("x");
        assert_eq!(script.run(&mut conn).await.unwrap(), [7, 8]);
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT CAST(a AS TEXT), CAST(b AS TEXT) FROM t ORDER BY rowid")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let rows: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(rows, [("x", "2"), ("2", "x"), ("y", "3")]);
    }

    #[tokio::test]
    async fn a_statement_short_of_values_is_refused_before_anything_runs() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let mut script = Script::new();
        script.push("CREATE TABLE t (a, b)");
        // Run as it is, ?2 would silently be NULL, or the next statement's value.
        script.push("INSERT INTO t VALUES (?1, ?2)").bind(1_i64);
        script.push("INSERT INTO t VALUES (?1, 0)").bind(2_i64);
        let error = script.run(&mut conn).await.unwrap_err();
        assert_eq!(error.code, DeskErrorCode::Internal);
        assert!(error.to_string().contains("takes 2 values"), "{error}");
        let tables: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_schema")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(tables, 0);
    }
}
