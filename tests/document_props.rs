//! Property tests on the document layer: whatever the input and whatever the
//! edit, nothing panics, and a parsed file renders back byte for byte.

use std::path::Path;

use clodo::document::{Document, Format, Placement, Seg};
use proptest::prelude::*;
use serde_json::{Value, json};

fn formats() -> impl Strategy<Value = Format> {
    prop_oneof![Just(Format::Toml), Just(Format::Jsonc)]
}

fn segs() -> impl Strategy<Value = Vec<Seg>> {
    prop::collection::vec(
        prop_oneof![
            prop_oneof![Just("env"), Just("vars"), Just("d1_databases"), Just("name"), Just("a b"), Just("\"q\"")].prop_map(|k| Seg::Key(k.into())),
            (0usize..3).prop_map(Seg::Index),
        ],
        1..4,
    )
}

fn values() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const SEEDS: &[&str] = &[
    "name = \"x\" # c\n\n[vars]\nA = 1\n\n[[d1_databases]]\nbinding = \"DB\"\n",
    "d1_databases = [\n  { binding = \"A\" },\n]\n[env.dev]\nvars = { B = \"2\" }\n",
    "{\n  // c\n  \"name\": \"x\",\n  \"env\": { \"dev\": { \"vars\": [1, 2] } }\n}\n",
    "",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), format in formats()) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(doc) = Document::parse(&text, format, Path::new("f")) {
            prop_assert_eq!(doc.render(), text.to_string());
        }
    }

    #[test]
    fn random_edits_never_panic_and_keep_the_file_parseable(
        seed in 0..SEEDS.len(),
        edits in prop::collection::vec((0u8..4, segs(), values()), 1..6),
    ) {
        let text = SEEDS[seed];
        let format = if text.trim_start().starts_with('{') { Format::Jsonc } else { Format::Toml };
        let mut doc = Document::parse(text, format, Path::new("f")).unwrap();
        for (op, path, value) in edits {
            match op {
                0 => doc.set(&path, &value),
                1 => doc.push(&path, &value, Placement::AnyOrder),
                2 => { doc.remove(&path); }
                _ => doc.reconcile(&json!({ "name": "y", "vars": value })),
            }
        }
        let rendered = doc.render();
        let reparsed = Document::parse(&rendered, format, Path::new("f"));
        prop_assert!(reparsed.is_ok(), "edits produced an unparseable file:\n{}", rendered);
    }
}
