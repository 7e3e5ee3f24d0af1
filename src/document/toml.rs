//! TOML backend over `toml_edit`. New content follows the file: arrays of
//! objects become `[[tables]]` unless the file writes them inline, and keys in
//! new tables take the indentation the file uses inside its tables.

use std::path::Path;

use serde_json::{Map, Value};
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table};

use super::{Backend, Num, Placement, Seg, number, text};
use crate::error::{Error, Location, Result};

pub(super) struct TomlBackend {
    state: State,
}

/// A file is parsed once, with spans: reads, rendering (the source itself)
/// and locating findings use that parse. The first edit turns it into an
/// editable document and learns the file's style for new content.
enum State {
    Parsed(toml_edit::Document<String>),
    Edited(Editable),
}

struct Editable {
    doc: DocumentMut,
    /// The file writes arrays of objects as inline arrays, never as `[[x]]`.
    inline_arrays: bool,
    /// Leading whitespace of keys inside tables (empty for most files).
    key_indent: String,
}

impl Editable {
    fn new(doc: DocumentMut) -> Editable {
        let (mut inline, mut block) = (0, 0);
        count_array_styles(doc.as_item(), &mut inline, &mut block);
        let key_indent = detect_key_indent(doc.as_table()).unwrap_or_default();
        Editable { doc, inline_arrays: inline > 0 && block == 0, key_indent }
    }

    fn node(&mut self, path: &[Seg]) -> Option<Node<'_>> {
        let mut node = Node::Table(self.doc.as_table_mut());
        for seg in path {
            node = node.child(seg)?;
        }
        Some(node)
    }

    fn block_item(&self, value: &Value) -> Item {
        match value {
            Value::Object(map) => Item::Table(self.block_table(map)),
            Value::Array(items) if !self.inline_arrays && is_object_list(items) => {
                let mut aot = ArrayOfTables::new();
                for item in items {
                    aot.push(self.block_table(item.as_object().expect("checked by is_object_list")));
                }
                Item::ArrayOfTables(aot)
            }
            other => Item::Value(inline_value(other)),
        }
    }

    fn block_table(&self, map: &Map<String, Value>) -> Table {
        let mut table = Table::new();
        let mut has_values = false;
        for (k, v) in map {
            if v.is_null() {
                continue;
            }
            let item = self.block_item(v);
            let is_value = item.is_value();
            has_values |= is_value;
            table.insert(k, item);
            if let (true, Some(mut key)) = (is_value, table.key_mut(k)) {
                key.leaf_decor_mut().set_prefix(self.key_indent.clone());
            }
        }
        // A table holding only sub-tables needs no header of its own; an
        // empty one keeps its header so that it exists at all.
        table.set_implicit(!has_values && !map.is_empty());
        table
    }
}

impl TomlBackend {
    pub(super) fn parse(text: &str, file: &Path) -> Result<Self> {
        let parsed = toml_edit::Document::parse(text.to_string()).map_err(|e: toml_edit::TomlError| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let (line, column) = text::line_column(text, offset);
            let message = e.message().trim().to_string();
            Error::ConfigParse {
                location: Location { file: file.to_path_buf(), line, column },
                message: if message.is_empty() { "invalid TOML".into() } else { message },
            }
        })?;
        Ok(TomlBackend { state: State::Parsed(parsed) })
    }

    fn table(&self) -> &Table {
        match &self.state {
            State::Parsed(doc) => doc.as_table(),
            State::Edited(e) => e.doc.as_table(),
        }
    }

    fn editable(&mut self) -> &mut Editable {
        if let State::Parsed(_) = self.state {
            let State::Parsed(doc) = std::mem::replace(&mut self.state, State::Edited(Editable::new(DocumentMut::new()))) else {
                unreachable!("checked above")
            };
            self.state = State::Edited(Editable::new(doc.into_mut()));
        }
        match &mut self.state {
            State::Edited(e) => e,
            State::Parsed(_) => unreachable!("converted above"),
        }
    }
}

impl Backend for TomlBackend {
    fn value(&self) -> Value {
        table_value(self.table())
    }

    fn set(&mut self, path: &[Seg], value: &Value, _placement: Placement) {
        let Some((last, parent)) = path.split_last() else { return };
        let this = self.editable();
        // Block form (`[table]`, `[[array]]`) only where a header may stand.
        let block = match this.node(parent) {
            Some(Node::Table(t)) | Some(Node::Item(Item::Table(t))) => !t.is_dotted(),
            Some(Node::Item(Item::ArrayOfTables(_))) => true,
            _ => false,
        };
        let item = if block { this.block_item(value) } else { Item::Value(inline_value(value)) };
        let indent = if parent.is_empty() { String::new() } else { this.key_indent.clone() };
        if let Some(parent) = this.node(parent) {
            parent.put(last, item, &indent);
        }
    }

    fn insert_element(&mut self, array_path: &[Seg], value: &Value, placement: Placement) {
        let this = self.editable();
        let table = value.as_object().map(|m| this.block_table(m));
        match this.node(array_path) {
            Some(Node::Item(Item::ArrayOfTables(aot))) => {
                if let Some(mut table) = table {
                    table.set_implicit(false);
                    aot.push(table);
                }
            }
            Some(Node::Value(toml_edit::Value::Array(array))) | Some(Node::Item(Item::Value(toml_edit::Value::Array(array)))) => {
                push_inline(array, inline_value(value), placement)
            }
            _ => {}
        }
    }

    fn remove(&mut self, path: &[Seg]) -> bool {
        let Some((last, parent)) = path.split_last() else { return false };
        match (self.editable().node(parent), last) {
            (Some(Node::Table(t)), Seg::Key(k)) | (Some(Node::Item(Item::Table(t))), Seg::Key(k)) => t.remove(k).is_some(),
            (Some(Node::Value(v)), seg) | (Some(Node::Item(Item::Value(v))), seg) => match (v, seg) {
                (toml_edit::Value::InlineTable(t), Seg::Key(k)) => t.remove(k).is_some(),
                (toml_edit::Value::Array(a), Seg::Index(i)) if *i < a.len() => {
                    a.remove(*i);
                    true
                }
                _ => false,
            },
            (Some(Node::Item(Item::ArrayOfTables(aot))), Seg::Index(i)) if *i < aot.len() => {
                aot.remove(*i);
                true
            }
            _ => false,
        }
    }

    fn render(&self) -> String {
        match &self.state {
            State::Parsed(doc) => doc.raw().to_string(),
            State::Edited(e) => e.doc.to_string(),
        }
    }

    fn get(&self, path: &[Seg]) -> Option<Value> {
        let mut node = Ref::Table(self.table());
        for seg in path {
            node = node.child(seg)?;
        }
        node.value()
    }

    fn has(&self, path: &[Seg]) -> bool {
        let mut node = Ref::Table(self.table());
        for seg in path {
            match node.child(seg) {
                Some(child) => node = child,
                None => return false,
            }
        }
        true
    }

    fn offsets_of(&self, paths: &[Vec<Seg>]) -> Vec<Option<usize>> {
        // Spans only exist on a parsed document: an edited one is parsed again.
        let reparsed;
        let spanned = match &self.state {
            State::Parsed(doc) => doc,
            State::Edited(e) => match toml_edit::Document::parse(e.doc.to_string()) {
                Ok(doc) => {
                    reparsed = doc;
                    &reparsed
                }
                Err(_) => return vec![None; paths.len()],
            },
        };
        paths.iter().map(|p| offset_in_item(spanned.as_item(), p, None)).collect()
    }

    fn date_paths(&self) -> Vec<Vec<Seg>> {
        let mut found = vec![];
        dates_in_table(self.table(), &mut vec![], &mut found);
        found
    }
}

/// One step of the path being walked, borrowed until a date is found there.
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn owned(path: &[Step]) -> Vec<Seg> {
    path.iter().map(|s| match s {
        Step::Key(k) => Seg::Key((*k).to_owned()),
        Step::Index(i) => Seg::Index(*i),
    }).collect()
}

fn dates_in_table<'a>(table: &'a Table, at: &mut Vec<Step<'a>>, found: &mut Vec<Vec<Seg>>) {
    for (k, item) in table.iter() {
        at.push(Step::Key(k));
        match item {
            Item::Table(t) => dates_in_table(t, at, found),
            Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    at.push(Step::Index(i));
                    dates_in_table(t, at, found);
                    at.pop();
                }
            }
            Item::Value(v) => dates_in_value(v, at, found),
            Item::None => {}
        }
        at.pop();
    }
}

fn dates_in_value<'a>(value: &'a toml_edit::Value, at: &mut Vec<Step<'a>>, found: &mut Vec<Vec<Seg>>) {
    match value {
        toml_edit::Value::Datetime(_) => found.push(owned(at)),
        toml_edit::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                at.push(Step::Index(i));
                dates_in_value(v, at, found);
                at.pop();
            }
        }
        toml_edit::Value::InlineTable(t) => {
            for (k, v) in t.iter() {
                at.push(Step::Key(k));
                dates_in_value(v, at, found);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The start of the deepest key, table header or element on `path` that exists.
fn offset_in_item(item: &Item, path: &[Seg], found: Option<usize>) -> Option<usize> {
    let Some((seg, rest)) = path.split_first() else { return found };
    let start = |span: Option<std::ops::Range<usize>>| span.map(|s| s.start).or(found);
    match (item, seg) {
        (Item::Table(t), Seg::Key(k)) => match t.get_key_value(k) {
            Some((key, child)) => offset_in_item(child, rest, start(key.span().or_else(|| child.span()))),
            None => found,
        },
        (Item::Value(toml_edit::Value::InlineTable(t)), Seg::Key(k)) => match t.get_key_value(k) {
            Some((key, child)) => offset_in_item(child, rest, start(key.span())),
            None => found,
        },
        (Item::ArrayOfTables(a), Seg::Index(i)) => match a.get(*i) {
            Some(table) => offset_in_item(&Item::Table(table.clone()), rest, start(table.span())),
            None => found,
        },
        (Item::Value(toml_edit::Value::Array(a)), Seg::Index(i)) => a.get(*i).map(|v| v.span().map(|s| s.start)).unwrap_or(found),
        _ => found,
    }
}

/// A place in the document while reading along a path.
enum Ref<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a toml_edit::Value),
}

impl<'a> Ref<'a> {
    fn child(self, seg: &Seg) -> Option<Ref<'a>> {
        match (self, seg) {
            (Ref::Table(t), Seg::Key(k)) | (Ref::Item(Item::Table(t)), Seg::Key(k)) => t.get(k).map(Ref::Item),
            (Ref::Item(Item::ArrayOfTables(a)), Seg::Index(i)) => a.get(*i).map(Ref::Table),
            (Ref::Item(Item::Value(v)), seg) | (Ref::Value(v), seg) => match (v, seg) {
                (toml_edit::Value::InlineTable(t), Seg::Key(k)) => t.get(k).map(Ref::Value),
                (toml_edit::Value::Array(a), Seg::Index(i)) => a.get(*i).map(Ref::Value),
                _ => None,
            },
            _ => None,
        }
    }

    fn value(self) -> Option<Value> {
        match self {
            Ref::Item(item) => item_value(item),
            Ref::Table(t) => Some(table_value(t)),
            Ref::Value(v) => Some(plain_value(v)),
        }
    }
}

/// A place in the document while walking a path to change it.
enum Node<'a> {
    Table(&'a mut Table),
    Item(&'a mut Item),
    Value(&'a mut toml_edit::Value),
}

impl<'a> Node<'a> {
    fn child(self, seg: &Seg) -> Option<Node<'a>> {
        match (self, seg) {
            (Node::Table(t), Seg::Key(k)) => t.get_mut(k).map(Node::Item),
            (Node::Item(Item::Table(t)), Seg::Key(k)) => t.get_mut(k).map(Node::Item),
            (Node::Item(Item::ArrayOfTables(a)), Seg::Index(i)) => a.get_mut(*i).map(Node::Table),
            (Node::Item(Item::Value(v)), seg) | (Node::Value(v), seg) => match (v, seg) {
                (toml_edit::Value::InlineTable(t), Seg::Key(k)) => t.get_mut(k).map(Node::Value),
                (toml_edit::Value::Array(a), Seg::Index(i)) => a.get_mut(*i).map(Node::Value),
                _ => None,
            },
            _ => None,
        }
    }

    /// Puts `item` under `seg`, keeping the decoration of what it replaces.
    fn put(self, seg: &Seg, item: Item, indent: &str) {
        match (self, seg) {
            (Node::Table(t), Seg::Key(k)) | (Node::Item(Item::Table(t)), Seg::Key(k)) => {
                put_in_table(t, k, item, indent)
            }
            (Node::Item(Item::ArrayOfTables(aot)), Seg::Index(i)) => {
                let Item::Table(mut table) = item else { return };
                table.set_implicit(false);
                if let Some(old) = aot.get_mut(*i) {
                    *table.decor_mut() = old.decor().clone();
                    table.set_position(old.position());
                    *old = table;
                } else {
                    aot.push(table);
                }
            }
            (Node::Item(Item::Value(v)), seg) | (Node::Value(v), seg) => {
                let Ok(mut value) = item.into_value() else { return };
                match (v, seg) {
                    (toml_edit::Value::InlineTable(t), Seg::Key(k)) => match t.get_mut(k) {
                        Some(old) => {
                            *value.decor_mut() = old.decor().clone();
                            *old = value;
                        }
                        None => {
                            t.insert(k, value);
                        }
                    },
                    (toml_edit::Value::Array(a), Seg::Index(i)) if *i < a.len() => {
                        if let Some(old) = a.get(*i) {
                            *value.decor_mut() = old.decor().clone();
                        }
                        a.replace(*i, value);
                    }
                    (toml_edit::Value::Array(a), Seg::Index(_)) => push_inline(a, value, Placement::End),
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

fn put_in_table(t: &mut Table, k: &str, mut item: Item, indent: &str) {
    match (t.get_mut(k), &mut item) {
        (Some(Item::Value(old)), Item::Value(new)) => {
            *new.decor_mut() = old.decor().clone();
            *old = new.clone();
        }
        (Some(Item::Table(old)), Item::Table(new)) => {
            *new.decor_mut() = old.decor().clone();
            new.set_position(old.position());
            *old = new.clone();
        }
        (Some(old), _) => *old = item,
        (None, _) => {
            let is_value = item.is_value();
            t.insert(k, item);
            if let (true, Some(mut key)) = (is_value, t.key_mut(k)) {
                key.leaf_decor_mut().set_prefix(indent);
            }
        }
    }
}

/// Adds to an inline array. Without a trailing comma, appending would edit the
/// last element's line (it gains a comma), so an order-free insert goes before
/// the last element and takes its line's indentation instead.
fn push_inline(array: &mut Array, mut value: toml_edit::Value, placement: Placement) {
    let len = array.len();
    let multiline = array.iter().any(|v| v.decor().prefix().and_then(|p| p.as_str()).is_some_and(|p| p.contains('\n')));
    if len == 0 {
        array.push(value);
        return;
    }
    let last_prefix = array.get(len - 1).and_then(|v| v.decor().prefix().and_then(|p| p.as_str()).map(str::to_string));
    if placement == Placement::AnyOrder && multiline && !array.trailing_comma() {
        value.decor_mut().set_prefix(last_prefix.unwrap_or_default());
        value.decor_mut().set_suffix("");
        array.insert_formatted(len - 1, value);
    } else {
        value.decor_mut().set_prefix(last_prefix.unwrap_or_else(|| " ".into()));
        value.decor_mut().set_suffix("");
        array.push_formatted(value);
    }
}

fn is_object_list(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(Value::is_object)
}

fn inline_value(value: &Value) -> toml_edit::Value {
    match value {
        Value::Null => toml_edit::Value::from(""),
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match number(n) {
            Num::Int(i) => i.into(),
            Num::Float(f) => f.into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut array: Array = items.iter().filter(|v| !v.is_null()).map(inline_value).collect();
            array.fmt();
            toml_edit::Value::Array(array)
        }
        Value::Object(map) => {
            let mut table = InlineTable::new();
            for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                table.insert(k, inline_value(v));
            }
            table.fmt();
            toml_edit::Value::InlineTable(table)
        }
    }
}

fn table_value(table: &Table) -> Value {
    Value::Object(table.iter().filter_map(|(k, item)| Some((k.to_owned(), item_value(item)?))).collect())
}

fn item_value(item: &Item) -> Option<Value> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(plain_value(v)),
        Item::Table(t) => Some(table_value(t)),
        Item::ArrayOfTables(a) => Some(Value::Array(a.iter().map(table_value).collect())),
    }
}

fn plain_value(value: &toml_edit::Value) -> Value {
    match value {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => serde_json::Number::from_f64(*f.value()).map(Value::Number).unwrap_or(Value::Null),
        toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
        // Dates (such as an unquoted compatibility_date) read as their text.
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(plain_value).collect()),
        toml_edit::Value::InlineTable(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.to_owned(), plain_value(v))).collect())
        }
    }
}

fn count_array_styles(item: &Item, inline: &mut usize, block: &mut usize) {
    match item {
        Item::Table(t) => t.iter().for_each(|(_, child)| count_array_styles(child, inline, block)),
        Item::ArrayOfTables(a) => {
            *block += 1;
            a.iter().for_each(|t| t.iter().for_each(|(_, child)| count_array_styles(child, inline, block)));
        }
        Item::Value(toml_edit::Value::Array(a)) if a.iter().any(|v| v.is_inline_table()) => *inline += 1,
        _ => {}
    }
}

fn detect_key_indent(root: &Table) -> Option<String> {
    fn walk(table: &Table, depth: usize) -> Option<String> {
        for (key, item) in table.iter() {
            let prefix = table.key(key).and_then(|k| k.leaf_decor().prefix()).and_then(|p| p.as_str());
            // The whitespace after the last newline of a value key's prefix.
            if let (true, Some(p)) = (depth > 0 && item.is_value(), prefix) {
                let indent = p.rsplit('\n').next().unwrap_or(p);
                let plain = indent.chars().all(|c| c == ' ' || c == '\t');
                return Some(if plain { indent.to_string() } else { String::new() });
            }
            let found = match item {
                Item::Table(t) => walk(t, depth + 1),
                Item::ArrayOfTables(a) => a.iter().find_map(|t| walk(t, depth + 1)),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }
    walk(root, 0)
}
