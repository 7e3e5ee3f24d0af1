//! Reading a `d1 export` SQL dump natively: its tables, the rows each holds
//! and the migrations recorded in it, without starting wrangler.

use indexmap::IndexMap;

#[derive(Debug, Default, PartialEq)]
pub struct DumpSummary {
    /// Every table the dump creates, with the rows it inserts.
    pub tables: IndexMap<String, u64>,
    /// Names from the dump's migrations table, in insertion order.
    pub migrations: Vec<String>,
}

/// Splits on `;` outside quotes and counts `CREATE TABLE` / `INSERT INTO`.
pub fn summarize(sql: &str, migrations_table: &str) -> DumpSummary {
    let mut summary = DumpSummary::default();
    for statement in statements(sql) {
        let words: Vec<&str> = statement.split_whitespace().take(6).collect();
        let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
        if upper.len() >= 3 && upper[0] == "CREATE" && upper[1] == "TABLE" {
            let name_at = if upper.get(2).map(String::as_str) == Some("IF") { 5 } else { 2 };
            if let Some(name) = words.get(name_at).map(|w| table_name(w))
                && !is_internal(&name)
            {
                summary.tables.entry(name).or_insert(0);
            }
        } else if upper.len() >= 3 && upper[0] == "INSERT" && upper[1] == "INTO" {
            let name = table_name(words[2]);
            if name == migrations_table
                && let Some(migration) = second_value(statement)
            {
                summary.migrations.push(migration);
            }
            if !is_internal(&name) {
                *summary.tables.entry(name).or_insert(0) += 1;
            }
        }
    }
    summary
}

/// Tables SQLite and D1 keep for themselves; a restore never compares them.
pub fn is_internal(name: &str) -> bool {
    name.starts_with("sqlite_") || name.starts_with("_cf_")
}

fn table_name(word: &str) -> String {
    let word = word.split('(').next().unwrap_or(word);
    let unquoted = word.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']');
    unquoted.replace("\"\"", "\"")
}

/// The second value of `INSERT INTO t VALUES(1,'name',…)`: the migration name
/// in wrangler's `(id, name, applied_at)` table.
fn second_value(statement: &str) -> Option<String> {
    let values = &statement[statement.find("VALUES(").or_else(|| statement.find("VALUES ("))?..];
    let start = values.find('\'')?;
    let rest = &values[start + 1..];
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
                out.push('\'');
                continue;
            }
            return Some(out);
        }
        out.push(c);
    }
    None
}

/// The statements of an SQL text: `;` inside '…', "…" or comments does not split.
pub fn statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let (mut out, mut start, mut i) = (Vec::new(), 0, 0);
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b';' => {
                let s = sql[start..i].trim();
                if !s.is_empty() {
                    out.push(s);
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let tail = sql.get(start..).unwrap_or("").trim();
    if !tail.is_empty() {
        out.push(tail);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "PRAGMA defer_foreign_keys=TRUE;
CREATE TABLE d1_migrations(
\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,
\t\tname       TEXT UNIQUE
);
INSERT INTO \"d1_migrations\" VALUES(1,'0001_users.sql','2026-11-22 01:05:44');
INSERT INTO \"d1_migrations\" VALUES(2,'0002_it''s.sql','2026-11-22 01:05:44');
CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO \"users\" VALUES(1,'a; b');
INSERT INTO \"users\" VALUES(2,'line
break; INSERT INTO \"users\" VALUES(9,''x'');');
CREATE TABLE posts(id INTEGER PRIMARY KEY);
DELETE FROM sqlite_sequence;
INSERT INTO \"sqlite_sequence\" VALUES('d1_migrations',2);
";

    #[test]
    fn rows_are_counted_per_table_whatever_the_values_hold() {
        let s = summarize(DUMP, "d1_migrations");
        assert_eq!(s.tables.get("users"), Some(&2));
        assert_eq!(s.tables.get("posts"), Some(&0));
        assert_eq!(s.tables.get("d1_migrations"), Some(&2));
        assert!(!s.tables.contains_key("sqlite_sequence"));
        assert_eq!(s.migrations, ["0001_users.sql", "0002_it's.sql"]);
    }

    #[test]
    fn comments_and_quotes_do_not_split_statements() {
        assert_eq!(statements("SELECT 1; -- a;b\nSELECT ';'; /* ; */ SELECT 3"), ["SELECT 1", "-- a;b\nSELECT ';'", "/* ; */ SELECT 3"]);
    }
}
