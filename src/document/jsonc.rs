//! JSON/JSONC backend over `jsonc-parser`'s CST, which keeps comments,
//! trailing commas and whitespace, and indents new content like its siblings.

use std::path::Path;

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
                let count = object.properties().len();
                if placement == Placement::End || count == 0 || object.uses_trailing_commas() {
                    object.append(k, input);
                } else {
                    object.insert(count - 1, k, input);
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
        let count = array.elements().len();
        if placement == Placement::AnyOrder && count > 0 && !array.uses_trailing_commas() {
            array.insert(count - 1, input_value(value));
        } else {
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

    fn offset_of(&self, path: &[Seg]) -> Option<usize> {
        let text = self.root.to_string();
        let collect = CollectOptions { comments: jsonc_parser::CommentCollectionStrategy::Off, tokens: false };
        let parsed = jsonc_parser::parse_to_ast(&text, &collect, &ParseOptions::default()).ok()?;
        let mut value = parsed.value?;
        let mut offset = None;
        for seg in path {
            value = match (value, seg) {
                (jsonc_parser::ast::Value::Object(o), Seg::Key(k)) => {
                    let prop = o.properties.into_iter().find(|p| p.name.as_str() == k.as_str())?;
                    offset = Some(prop.range.start);
                    prop.value
                }
                (jsonc_parser::ast::Value::Array(a), Seg::Index(i)) => {
                    let element = a.elements.into_iter().nth(*i)?;
                    offset = Some(element.range().start);
                    element
                }
                _ => return offset,
            };
        }
        offset
    }
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
