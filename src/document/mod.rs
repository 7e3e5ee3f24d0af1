//! A wrangler configuration document that edits in place.
//!
//! Two backends (TOML through `toml_edit`, JSON/JSONC through `jsonc-parser`'s
//! CST) implement a few path-based primitives; everything above them — reads,
//! upserts, reconciling with a whole new object — is written once here.
//! Anything an edit does not touch keeps its bytes.

mod jsonc;
pub mod text;
mod toml;

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::Result;
pub use text::TextStyle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    /// JSON and JSONC share one backend: wrangler reads both as JSONC.
    Jsonc,
}

impl Format {
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") | Some("jsonc") => Format::Jsonc,
            _ => Format::Toml,
        }
    }
}

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

pub fn key(k: &str) -> Seg {
    Seg::Key(k.to_owned())
}

/// Where a new key or array element may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// At the end, as the caller's order demands.
    End,
    /// Anywhere: the backend picks the spot that leaves existing lines as they
    /// are (for targeted edits, where order carries no meaning).
    AnyOrder,
}

/// The primitives a format must provide. Paths are always valid up to their
/// parent when these are called; `Document` makes sure of it.
trait Backend: Send {
    fn value(&self) -> Value;
    /// The plain value at `path` (only that subtree is converted).
    fn get(&self, path: &[Seg]) -> Option<Value>;
    /// Whether `path` exists, converting nothing.
    fn has(&self, path: &[Seg]) -> bool;
    /// Sets an object key or replaces an array element; `Index(len)` appends.
    /// `placement` says where a new key may go.
    fn set(&mut self, path: &[Seg], value: &Value, placement: Placement);
    fn insert_element(&mut self, array_path: &[Seg], value: &Value, placement: Placement);
    fn remove(&mut self, path: &[Seg]) -> bool;
    fn render(&self) -> String;
    /// Byte offsets (in the rendered text) of the keys or elements at `paths`,
    /// from one parse.
    fn offsets_of(&self, paths: &[Vec<Seg>]) -> Vec<Option<usize>>;
    /// Paths of TOML date and time values, which `value()` reads as text.
    fn date_paths(&self) -> Vec<Vec<Seg>> {
        vec![]
    }
}

pub struct Document {
    format: Format,
    style: TextStyle,
    backend: Box<dyn Backend>,
    /// The text parsed, until the first edit: lines and columns are found in
    /// it without rendering the document again.
    source: Option<String>,
}

impl Document {
    /// Parses `raw` (the file's exact bytes as text). `file` names the file in errors.
    pub fn parse(raw: &str, format: Format, file: &Path) -> Result<Document> {
        let (style, text) = TextStyle::detect(raw);
        let backend: Box<dyn Backend> = match format {
            Format::Toml => Box::new(toml::TomlBackend::parse(&text, file)?),
            Format::Jsonc => Box::new(jsonc::JsoncBackend::parse(&text, file)?),
        };
        Ok(Document { format, style, backend, source: Some(text.into_owned()) })
    }

    /// An empty document of the given format.
    pub fn empty(format: Format) -> Document {
        let empty = match format {
            Format::Toml => "",
            Format::Jsonc => "{}\n",
        };
        Document::parse(empty, format, Path::new("new file")).expect("an empty document parses")
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The whole document as plain data.
    pub fn value(&self) -> Value {
        self.backend.value()
    }

    pub fn get(&self, path: &[Seg]) -> Option<Value> {
        self.backend.get(path)
    }

    pub fn has(&self, path: &[Seg]) -> bool {
        self.backend.has(path)
    }

    /// Sets the value at `path`, creating missing parent objects on the way.
    /// Setting a value equal to the present one changes nothing.
    pub fn set(&mut self, path: &[Seg], value: &Value) {
        if path.is_empty() {
            return self.reconcile(value);
        }
        if self.get(path).is_some_and(|current| same_value(&current, value)) {
            return;
        }
        // Missing parents are created in one go as a nested value, so the
        // backend sees the whole new subtree (TOML then writes `[env.x]`
        // without an empty `[env]` header).
        let mut existing = 0;
        while existing < path.len() - 1 && self.has(&path[..existing + 1]) {
            existing += 1;
        }
        let nested = path[existing + 1..].iter().rev().fold(value.clone(), |inner, seg| match seg {
            Seg::Key(k) => Value::Object(Map::from_iter([(k.clone(), inner)])),
            Seg::Index(_) => Value::Array(vec![inner]),
        });
        self.edit().set(&path[..existing + 1], &nested, Placement::AnyOrder);
    }

    /// Adds an element to the array at `array_path`, creating the array (and
    /// its parents) when missing.
    pub fn push(&mut self, array_path: &[Seg], value: &Value, placement: Placement) {
        match self.get(array_path) {
            Some(Value::Array(_)) => self.edit().insert_element(array_path, value, placement),
            _ => self.set(array_path, &Value::Array(vec![value.clone()])),
        }
    }

    /// Removes the key or element at `path`; false when there was none.
    pub fn remove(&mut self, path: &[Seg]) -> bool {
        self.has(path) && self.edit().remove(path)
    }

    /// Makes the document equal to `target`, touching only what differs.
    pub fn reconcile(&mut self, target: &Value) {
        let current = self.value();
        self.reconcile_at(&mut Vec::new(), &current, target);
    }

    fn reconcile_at(&mut self, path: &mut Vec<Seg>, current: &Value, target: &Value) {
        match (current, target) {
            (Value::Object(have), Value::Object(want)) => {
                for k in have.keys().filter(|k| !want.contains_key(*k)) {
                    path.push(key(k));
                    self.edit().remove(path);
                    path.pop();
                }
                for (k, v) in want {
                    path.push(key(k));
                    match have.get(k) {
                        Some(old) => self.reconcile_at(path, old, v),
                        None if v.is_null() => {}
                        None => self.edit().set(path, v, Placement::End),
                    }
                    path.pop();
                }
            }
            (Value::Array(have), Value::Array(want)) if all_objects(have) && all_objects(want) => {
                for i in (want.len()..have.len()).rev() {
                    path.push(Seg::Index(i));
                    self.edit().remove(path);
                    path.pop();
                }
                for (i, v) in want.iter().enumerate() {
                    path.push(Seg::Index(i));
                    match have.get(i) {
                        Some(old) => self.reconcile_at(path, old, v),
                        None => self.edit().set(path, v, Placement::End),
                    }
                    path.pop();
                }
            }
            _ if same_value(current, target) => {}
            _ if target.is_null() => {
                self.edit().remove(path);
            }
            _ => self.edit().set(path, target, Placement::End),
        }
    }

    fn edit(&mut self) -> &mut dyn Backend {
        self.source = None;
        &mut *self.backend
    }

    /// The text to write: the edited document with the file's own habits.
    pub fn render(&self) -> String {
        self.style.apply(&self.backend.render())
    }

    /// 1-based line and column of the key or element at each of `paths`.
    pub fn lines_of(&self, paths: &[Vec<Seg>]) -> Vec<Option<(usize, usize)>> {
        let rendered;
        let text = match &self.source {
            Some(source) => source,
            None => {
                rendered = self.backend.render();
                &rendered
            }
        };
        self.backend.offsets_of(paths).into_iter().map(|o| o.map(|o| text::line_column(text, o))).collect()
    }

    /// Where the file holds a TOML date or time rather than a string (wrangler
    /// reads those as dates and refuses them where it expects text).
    pub fn date_paths(&self) -> Vec<Vec<Seg>> {
        self.backend.date_paths()
    }

    pub fn line_of(&self, path: &[Seg]) -> Option<(usize, usize)> {
        self.lines_of(&[path.to_vec()]).pop().flatten()
    }
}

fn all_objects(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(Value::is_object)
}

/// Equality that treats `1` and `1.0` alike, since JavaScript has one number type.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}

/// A number as the file should spell it: integral values as integers.
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

pub(crate) fn number(n: &serde_json::Number) -> Num {
    if let Some(i) = n.as_i64() {
        return Num::Int(i);
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Num::Int(f as i64)
    } else {
        Num::Float(f)
    }
}

#[cfg(test)]
mod tests;
