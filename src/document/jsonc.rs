//! JSON/JSONC backend over `jsonc-parser`'s CST, which keeps comments,
//! trailing commas and whitespace, and indents new content like its siblings.

use std::path::Path;

use jsonc_parser::ast::Value as Ast;
use jsonc_parser::cst::{CstInputValue, CstNode, CstRootNode};
use jsonc_parser::{CollectOptions, ParseOptions, common::Ranged};
use serde_json::Value;

use super::{Backend, Num, Placement, Seg, number};
use crate::error::{Error, Location, Result};

pub(super) struct JsoncBackend {
    root: CstRootNode,
}

// The CST uses `Rc` inside; a backend is only ever used by one thread at a
// time (it lives inside one `Document` that is moved, never shared).
unsafe impl Send for JsoncBackend {}

impl JsoncBackend {
    pub(super) fn parse(text: &str, file: &Path) -> Result<Self> {
        let location = |line, column| Location { file: file.to_path_buf(), line, column };
        let root = CstRootNode::parse(text, &ParseOptions::default()).map_err(|e| Error::ConfigParse {
            location: location(e.line_display(), e.column_display()),
            message: e.kind().to_string(),
        })?;
        match root.value() {
            None | Some(CstNode::Container(jsonc_parser::cst::CstContainerNode::Object(_))) => {}
            Some(_) => {
                let offset = text.len() - text.trim_start().len();
                let (line, column) = super::text::line_column(text, offset);
                return Err(Error::ConfigParse {
                    location: location(line, column),
                    message: "the top level must be an object ({ ... })".into(),
                });
            }
        }
        Ok(JsoncBackend { root })
    }

    /// Puts `prefix` + `value` on lines of their own before the last member
    /// of the object or array at `path` (and before that member's comments),
    /// so no existing byte changes. The library's own insert trims blank
    /// lines inside the container, which this avoids. False when the last
    /// member does not start its own line; the caller then appends.
    fn insert_before_last(&mut self, path: &[Seg], prefix: &str, value: &Value) -> bool {
        let text = self.root.to_string();
        let Some(start) = last_member_start(&text, path) else { return false };
        let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let indent = &text[line_start..start];
        if !indent.chars().all(|c| c == ' ' || c == '\t') {
            return false;
        }
        let at = comments_above(&text, line_start);
        let unit = self.root.single_indent_text().unwrap_or_else(|| "  ".into());
        let member = format!("{indent}{prefix}{},\n", pretty(value, indent, &unit));
        let edited = format!("{}{member}{}", &text[..at], &text[at..]);
        match CstRootNode::parse(&edited, &ParseOptions::default()) {
            Ok(root) => {
                self.root = root;
                true
            }
            Err(_) => false,
        }
    }

    fn node(&self, path: &[Seg]) -> Option<CstNode> {
        let mut node = self.root.value()?;
        for seg in path {
            node = match seg {
                Seg::Key(k) => node.as_object()?.get(k)?.value()?,
                Seg::Index(i) => node.as_array()?.elements().get(*i)?.clone(),
            };
        }
        Some(node)
    }
}

impl Backend for JsoncBackend {
    fn value(&self) -> Value {
        self.root.to_serde_value().filter(Value::is_object).unwrap_or_else(|| Value::Object(Default::default()))
    }

    fn set(&mut self, path: &[Seg], value: &Value, placement: Placement) {
        let input = input_value(value);
        let Some((last, parent)) = path.split_last() else { return };
        let parent = match parent.is_empty() {
            true => Some(CstNode::Container(self.root.object_value_or_set().into())),
            false => self.node(parent),
        };
        let Some(parent) = parent else { return };
        match last {
            Seg::Key(k) => {
                let Some(object) = parent.as_object() else { return };
                if let Some(prop) = object.get(k) {
                    prop.set_value(input);
                    return;
                }
                // Appending after a last property without a trailing comma
                // would edit that property's line; inserting before it does not.
                let entry = format!("{}: ", Value::String(k.clone()));
                if placement == Placement::End || object.uses_trailing_commas() || !self.insert_before_last(&path[..path.len() - 1], &entry, value) {
                    object.append(k, input);
                }
            }
            Seg::Index(i) => {
                let Some(array) = parent.as_array() else { return };
                match array.elements().get(*i) {
                    Some(old) => {
                        replace(old.clone(), input);
                    }
                    None => {
                        array.append(input);
                    }
                }
            }
        }
    }

    fn insert_element(&mut self, array_path: &[Seg], value: &Value, placement: Placement) {
        let Some(array) = self.node(array_path).and_then(|n| n.as_array()) else { return };
        if placement == Placement::End || array.uses_trailing_commas() || !self.insert_before_last(array_path, "", value) {
            array.append(input_value(value));
        }
    }

    fn remove(&mut self, path: &[Seg]) -> bool {
        let Some((last, parent)) = path.split_last() else { return false };
        let Some(parent) = self.node(parent) else { return false };
        match last {
            Seg::Key(k) => match parent.as_object().and_then(|o| o.get(k)) {
                Some(prop) => {
                    prop.remove();
                    true
                }
                None => false,
            },
            Seg::Index(i) => match parent.as_array().and_then(|a| a.elements().get(*i).cloned()) {
                Some(element) => {
                    element.remove();
                    true
                }
                None => false,
            },
        }
    }

    fn render(&self) -> String {
        self.root.to_string()
    }

    fn get(&self, path: &[Seg]) -> Option<Value> {
        if path.is_empty() {
            return Some(self.value());
        }
        self.node(path)?.to_serde_value()
    }

    fn has(&self, path: &[Seg]) -> bool {
        path.is_empty() || self.node(path).is_some()
    }

    fn offsets_of(&self, paths: &[Vec<Seg>]) -> Vec<Option<usize>> {
        let text = self.root.to_string();
        let Some(root) = parse_ast(&text) else { return vec![None; paths.len()] };
        paths.iter().map(|p| walk_ast(&root, p).last().map(|(start, _)| *start)).collect()
    }
}

fn parse_ast(text: &str) -> Option<Ast<'_>> {
    let collect = CollectOptions { comments: jsonc_parser::CommentCollectionStrategy::Off, tokens: false };
    jsonc_parser::parse_to_ast(text, &collect, &ParseOptions::default()).ok()?.value
}

/// Each property or element along `path` with its start offset, as far as the path exists.
fn walk_ast<'a, 'b>(root: &'a Ast<'b>, path: &[Seg]) -> Vec<(usize, &'a Ast<'b>)> {
    let mut value = root;
    let mut steps = vec![];
    for seg in path {
        let (start, child) = match (value, seg) {
            (Ast::Object(o), Seg::Key(k)) => match o.properties.iter().find(|p| p.name.as_str() == k.as_str()) {
                Some(prop) => (prop.range.start, &prop.value),
                None => break,
            },
            (Ast::Array(a), Seg::Index(i)) => match a.elements.get(*i) {
                Some(element) => (element.range().start, element),
                None => break,
            },
            _ => break,
        };
        steps.push((start, child));
        value = child;
    }
    steps
}

/// Byte offset where the last property or element of the container at `path` starts.
fn last_member_start(text: &str, path: &[Seg]) -> Option<usize> {
    let root = parse_ast(text)?;
    let steps = walk_ast(&root, path);
    if steps.len() < path.len() {
        return None;
    }
    match steps.last().map(|(_, node)| *node).unwrap_or(&root) {
        Ast::Object(o) => o.properties.last().map(|p| p.range.start),
        Ast::Array(a) => a.elements.last().map(|e| e.range().start),
        _ => None,
    }
}

/// The start of the block of comment lines directly above `line_start`.
fn comments_above(text: &str, mut line_start: usize) -> usize {
    while line_start > 0 {
        let prev_start = text[..line_start - 1].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let line = text[prev_start..line_start - 1].trim_start();
        if !(line.starts_with("//") || line.starts_with("/*") || line.starts_with('*')) {
            break;
        }
        line_start = prev_start;
    }
    line_start
}

/// `value` as pretty JSON in the file's indent unit, continuation lines
/// indented to sit under `indent`.
fn pretty(value: &Value, indent: &str, unit: &str) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(unit.as_bytes());
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut serializer).expect("JSON values always serialize");
    String::from_utf8(out).unwrap_or_default().replace('\n', &format!("\n{indent}"))
}

fn replace(node: CstNode, input: CstInputValue) {
    use jsonc_parser::cst::{CstContainerNode as C, CstLeafNode as L};
    match node {
        CstNode::Container(C::Array(n)) => drop(n.replace_with(input)),
        CstNode::Container(C::Object(n)) => drop(n.replace_with(input)),
        CstNode::Leaf(L::BooleanLit(n)) => drop(n.replace_with(input)),
        CstNode::Leaf(L::NullKeyword(n)) => drop(n.replace_with(input)),
        CstNode::Leaf(L::NumberLit(n)) => drop(n.replace_with(input)),
        CstNode::Leaf(L::StringLit(n)) => drop(n.replace_with(input)),
        CstNode::Leaf(L::WordLit(n)) => drop(n.replace_with(input)),
        _ => {}
    }
}

fn input_value(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(match number(n) {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => f.to_string(),
        }),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input_value).collect()),
        Value::Object(map) => CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), input_value(v))).collect()),
    }
}
