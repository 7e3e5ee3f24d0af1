//! Migrations within D1's limit on one statement (100 KB): wrangler sends each
//! migration file whole, and D1 refuses a statement over the limit
//! (`SQLITE_TOOBIG`). A multi-row `INSERT … VALUES (…), (…)` over it is the
//! usual cause (seed data), and it splits without changing what it does: the
//! same rows in several INSERTs, in the same file, which D1 still applies as
//! one batch. clodo writes such files into a shadow copy of the migrations
//! folder, under the same names, so wrangler's `d1_migrations` bookkeeping is
//! the same as with the originals; the service's own files are never changed.

use std::path::{Path, PathBuf};

use super::dump::statements;
use super::migrations::MAX_STATEMENT_BYTES;
use crate::error::{Error, Result};

/// `sql` with every statement over `limit` that is a plain multi-row INSERT
/// split into INSERTs under it; `None` when nothing needed splitting. Other
/// oversized statements are left as they are (D1's error then names them).
pub fn split_statements(sql: &str, limit: usize) -> Option<String> {
    let all = statements(sql);
    if all.iter().all(|s| s.len() <= limit) {
        return None;
    }
    let mut out = String::new();
    let mut changed = false;
    for statement in all {
        match (statement.len() > limit).then(|| split_insert(statement, limit)).flatten() {
            Some(parts) => {
                changed = true;
                parts.iter().for_each(|part| end_statement(&mut out, part));
            }
            None => end_statement(&mut out, statement),
        }
    }
    changed.then_some(out)
}

/// Appends a statement and its `;`, on a line of its own when the statement ends in a line comment.
fn end_statement(out: &mut String, statement: &str) {
    out.push_str(statement);
    out.push_str(if statement.lines().last().is_some_and(|l| l.contains("--")) { "\n;\n" } else { ";\n" });
}

/// `INSERT INTO t (cols) VALUES (…), (…)` as several INSERTs of the same head, each under `limit`; `None`
/// when the statement is not that (a trailing ON CONFLICT, RETURNING or SELECT would change meaning when split).
fn split_insert(statement: &str, limit: usize) -> Option<Vec<String>> {
    let trimmed = strip_leading_comments(statement);
    if !trimmed.get(..6)?.eq_ignore_ascii_case("INSERT") {
        return None;
    }
    let values_at = find_keyword(trimmed, "VALUES")?;
    let head = &trimmed[..values_at + "VALUES".len()];
    let tuples = top_level_tuples(&trimmed[values_at + "VALUES".len()..])?;
    let mut parts = vec![];
    let mut current: Vec<&str> = vec![];
    let mut size = head.len();
    for tuple in tuples {
        if tuple.len() + head.len() + 2 > limit {
            return None;
        }
        if !current.is_empty() && size + tuple.len() + 2 > limit {
            parts.push(format!("{head} {}", current.join(", ")));
            current.clear();
            size = head.len();
        }
        size += tuple.len() + 2;
        current.push(tuple);
    }
    if !current.is_empty() {
        parts.push(format!("{head} {}", current.join(", ")));
    }
    Some(parts)
}

/// The statement from its first word: the comments and blank lines before it belong to no statement.
pub(super) fn strip_leading_comments(statement: &str) -> &str {
    let mut body = statement.trim_start();
    while let Some(comment) = body.strip_prefix("--") {
        body = comment.split_once('\n').map_or("", |(_, rest)| rest).trim_start();
    }
    body
}

/// Where `word` first stands as a keyword outside quotes and parentheses.
fn find_keyword(sql: &str, word: &str) -> Option<usize> {
    let bytes = sql.as_bytes();
    let (mut depth, mut quote) = (0i32, None);
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"' | b'`') => quote = Some(b),
            (None, b'(') => depth += 1,
            (None, b')') => depth -= 1,
            (None, _) if depth == 0 && bytes[i..].get(..word.len()).is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes())) => {
                let before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
                let after = bytes.get(i + word.len()).is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_');
                if before && after {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The `(…)` tuples of a VALUES list, each whole; `None` when anything else follows them.
fn top_level_tuples(list: &str) -> Option<Vec<&str>> {
    let bytes = list.as_bytes();
    let (mut tuples, mut depth, mut quote, mut start) = (vec![], 0i32, None, None);
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"' | b'`') => quote = Some(b),
            (None, b'(') => {
                if depth == 0 {
                    start = Some(i);
                }
                depth += 1;
            }
            (None, b')') => {
                depth -= 1;
                if depth == 0 {
                    tuples.push(&list[start?..=i]);
                }
            }
            (None, b',') if depth == 0 => {}
            (None, c) if depth == 0 && !c.is_ascii_whitespace() => return None,
            _ => {}
        }
    }
    (depth == 0 && !tuples.is_empty()).then_some(tuples)
}

/// A copy of `dir` under `shadow` in which every migration with an oversized multi-row INSERT is split,
/// when at least one is; `None` (and nothing written) when none needs it.
pub fn shadow_folder(dir: &Path, shadow: &Path) -> Result<Option<(PathBuf, Vec<String>)>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "sql")).collect(),
        Err(_) => return Ok(None),
    };
    files.sort();
    let mut rewritten = vec![];
    let mut contents = vec![];
    for file in &files {
        let sql = std::fs::read_to_string(file).map_err(|e| Error::io("Failed to read migration", file, e))?;
        let split = split_statements(&sql, MAX_STATEMENT_BYTES);
        if split.is_some() {
            rewritten.push(file.file_name().unwrap_or_default().to_string_lossy().into_owned());
        }
        contents.push((file, split.unwrap_or(sql)));
    }
    if rewritten.is_empty() {
        return Ok(None);
    }
    // Made afresh: a migration removed from the service must not linger in its copy.
    if shadow.exists() {
        std::fs::remove_dir_all(shadow).map_err(|e| Error::io("Failed to clear", shadow, e))?;
    }
    std::fs::create_dir_all(shadow).map_err(|e| Error::io("Failed to create", shadow, e))?;
    for (file, text) in contents {
        let target = shadow.join(file.file_name().unwrap_or_default());
        crate::atomic_file::write_atomic(&target, text.as_bytes(), crate::atomic_file::WriteOptions::default())?;
    }
    Ok(Some((shadow.to_path_buf(), rewritten)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_row_insert_over_the_limit_becomes_several_with_every_row_once() {
        let rows: Vec<String> = (0..50).map(|i| format!("({i}, 'name; {i}')")).collect();
        let sql = format!("CREATE TABLE t (id INTEGER, name TEXT);\n-- seed\nINSERT INTO t (id, name) VALUES {};\n", rows.join(", "));
        let split = split_statements(&sql, 200).expect("split");
        let parts = statements(&split);
        assert_eq!(parts[0], "CREATE TABLE t (id INTEGER, name TEXT)");
        assert!(parts.len() > 3 && parts[1..].iter().all(|p| p.len() <= 200 && p.starts_with("INSERT INTO t (id, name) VALUES (")));
        let rebuilt: Vec<String> = parts[1..].iter().flat_map(|p| top_level_tuples(&p[p.find("VALUES").unwrap() + 6..]).unwrap()).map(str::to_owned).collect();
        assert_eq!(rebuilt, rows, "the same rows, in order, each once");
    }

    #[test]
    fn what_cannot_be_split_safely_is_left_as_it_is() {
        assert_eq!(split_statements("INSERT INTO t VALUES (1);", 200), None, "nothing over the limit");
        let upsert = format!("INSERT INTO t VALUES {} ON CONFLICT DO NOTHING;", vec!["(1)"; 100].join(", "));
        assert_eq!(split_statements(&upsert, 200), None);
        let select = format!("INSERT INTO t SELECT * FROM u WHERE v IN ({});", vec!["1"; 100].join(", "));
        assert_eq!(split_statements(&select, 200), None);
        let one_huge_row = format!("INSERT INTO t VALUES ('{}');", "x".repeat(300));
        assert_eq!(split_statements(&one_huge_row, 200), None);
        let unicode_name = format!("INSERT INTO \"tâble\" VALUES {};", vec!["(1)"; 100].join(", "));
        assert!(split_statements(&unicode_name, 200).is_some(), "a name outside ASCII is read byte by byte, never cut");
    }
}
