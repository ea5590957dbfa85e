//! The serializer's Rust face: golden files that pin the wire format, round-trip
//! property tests (through `encode` and through the streaming builder), and bad
//! input of every kind the format documents.

use noob_core::ffi::serializer::NOOB_VALUE_MAX_DEPTH as MAX_DEPTH;
use noob_core::serializer::{
    decode, decode_batch, encode, encode_batch, encode_into, encoded_len, Builder, BuilderError,
    DecodeErrorKind, Document, EncodeErrorKind, EncodeIntoError, Kind, NodeRef, Value,
};
use proptest::prelude::*;
use std::path::PathBuf;

/// The tags of docs/wire-format.md, written out here so the tests pin the spec.
mod tag {
    pub const NULL: u8 = 0x00;
    pub const TRUE: u8 = 0x02;
    pub const INT: u8 = 0x03;
    pub const STR: u8 = 0x05;
    pub const BYTES: u8 = 0x06;
    pub const LIST: u8 = 0x07;
    pub const DICT: u8 = 0x08;
}

fn dict(entries: Vec<(&str, Value)>) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

// ---------------------------------------------------------------------------
// Golden files
// ---------------------------------------------------------------------------

/// The values pinned by `tests/golden/<name>.bin`; `<name>.txt` describes each as a
/// Python literal (what the Python face must decode it to).
fn golden_values() -> Vec<(&'static str, Value)> {
    vec![
        ("null", Value::Null),
        ("int_root", Value::Int(-2)),
        (
            "worked_example",
            dict(vec![
                ("id", Value::Int(7)),
                ("ok", Value::Bool(true)),
                ("xy", Value::List(vec![Value::Float(1.5), Value::Null])),
            ]),
        ),
        (
            "scalars",
            Value::List(vec![
                Value::Null,
                Value::Bool(false),
                Value::Bool(true),
                Value::Int(0),
                Value::Int(1),
                Value::Int(-1),
                Value::Int(i64::MAX),
                Value::Int(i64::MIN),
                Value::Float(0.0),
                Value::Float(-0.0),
                Value::Float(1.5),
                Value::Float(-2.25e-300),
                Value::Float(f64::INFINITY),
                Value::Float(f64::NEG_INFINITY),
                Value::Float(f64::NAN),
            ]),
        ),
        (
            "text_and_bytes",
            Value::List(vec![
                s(""),
                s("ascii"),
                s("h\u{e9}llo \u{2713} \u{1F600}"),
                s("quote \" backslash \\ newline \n nul \0"),
                Value::Bytes(vec![]),
                Value::Bytes(vec![0x00, 0x01, 0x7f, 0x80, 0xff]),
            ]),
        ),
        (
            "containers",
            dict(vec![
                ("empty_list", Value::List(vec![])),
                ("empty_dict", Value::Dict(vec![])),
                ("", s("empty key")),
                (
                    "nested",
                    Value::List(vec![
                        Value::List(vec![Value::List(vec![Value::Int(3)])]),
                        dict(vec![("z", Value::Null), ("a", Value::Int(1))]),
                    ]),
                ),
            ]),
        ),
        (
            "event",
            dict(vec![
                ("node_id", s("node_07")),
                ("signal", s("frame")),
                ("epoch", Value::Int(42)),
                ("timestamp", Value::Float(1_700_000_000.125)),
                ("valid", Value::Bool(true)),
                ("error", Value::Null),
                ("shape", Value::List(vec![Value::Int(2), Value::Int(3)])),
                ("frame", Value::Bytes(vec![1, 2, 3, 4, 5, 6])),
                (
                    "roi",
                    dict(vec![("x", Value::Int(10)), ("y", Value::Int(-20))]),
                ),
            ]),
        ),
    ]
}

/// A Python literal for `value` (floats that have none use `float("...")`).
fn python_literal(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(n) => out.push_str(&n.to_string()),
        Value::Float(x) if x.is_nan() => out.push_str("float(\"nan\")"),
        Value::Float(x) if x.is_infinite() => out.push_str(if *x > 0.0 {
            "float(\"inf\")"
        } else {
            "float(\"-inf\")"
        }),
        Value::Float(x) => {
            let text = format!("{x:?}");
            out.push_str(&text);
        }
        Value::Str(text) => python_str(text, out),
        Value::Bytes(bytes) => {
            out.push_str("b\"");
            for byte in bytes {
                out.push_str(&format!("\\x{byte:02x}"));
            }
            out.push('"');
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_literal(item, out);
            }
            out.push(']');
        }
        Value::Dict(entries) => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                python_str(key, out);
                out.push_str(": ");
                python_literal(item, out);
            }
            out.push('}');
        }
    }
}

fn python_str(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Fails if the format changed. `NOOB_WRITE_GOLDEN=1 cargo test --test serializer golden`
/// rewrites the files (only for a deliberate format change, with a new version).
#[test]
fn golden_files_pin_the_format() {
    let write = std::env::var("NOOB_WRITE_GOLDEN").as_deref() == Ok("1");
    for (name, value) in golden_values() {
        let blob = encode(&value).unwrap();
        let mut literal = String::new();
        python_literal(&value, &mut literal);
        literal.push('\n');
        let bin = golden_dir().join(format!("{name}.bin"));
        let txt = golden_dir().join(format!("{name}.txt"));
        if write {
            std::fs::write(&bin, &blob).unwrap();
            std::fs::write(&txt, &literal).unwrap();
        }
        let pinned = std::fs::read(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        assert_eq!(
            blob,
            pinned,
            "encoding of {name} differs from {}",
            bin.display()
        );
        assert_eq!(
            decode(&pinned).unwrap(),
            value,
            "decoding {}",
            bin.display()
        );
        assert_eq!(
            std::fs::read_to_string(&txt).unwrap(),
            literal,
            "{}",
            txt.display()
        );
    }
}

/// The worked example of docs/wire-format.md, byte by byte.
#[test]
fn worked_example_matches_the_spec() {
    let value = golden_values().remove(2).1;
    let expected: Vec<u8> = [
        "89 4E 4F 42 01",
        "08 03 00 00 00",
        "02 00 00 00 69 64 03 07 00 00 00 00 00 00 00",
        "02 00 00 00 6F 6B 02",
        "02 00 00 00 78 79 07 02 00 00 00 04 00 00 00 00 00 00 F8 3F 00",
    ]
    .join(" ")
    .split_whitespace()
    .map(|byte| u8::from_str_radix(byte, 16).unwrap())
    .collect();
    assert_eq!(encode(&value).unwrap(), expected);
}

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        prop_oneof![Just(f64::NAN), Just(-0.0), Just(f64::INFINITY)].prop_map(Value::Float),
        ".{0,12}".prop_map(Value::Str),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(6, 96, 12, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..12).prop_map(Value::List),
            proptest::collection::btree_map(".{0,8}", inner, 0..12)
                .prop_map(|map| Value::Dict(map.into_iter().collect())),
        ]
    })
}

/// Pushes `value` into a builder, the way a C caller would.
fn push(builder: &mut Builder, value: &Value) -> Result<(), BuilderError> {
    match value {
        Value::Null => builder.null(),
        Value::Bool(b) => builder.bool(*b),
        Value::Int(n) => builder.int(*n),
        Value::Float(x) => builder.float(*x),
        Value::Str(text) => builder.str(text),
        Value::Bytes(bytes) => builder.bytes(bytes),
        Value::List(items) => {
            builder.begin_list()?;
            items.iter().try_for_each(|item| push(builder, item))?;
            builder.end_list()
        }
        Value::Dict(entries) => {
            builder.begin_dict()?;
            for (key, item) in entries {
                builder.key(key)?;
                push(builder, item)?;
            }
            builder.end_dict()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn encode_then_decode_gives_the_value_back(value in any_value()) {
        let blob = encode(&value).unwrap();
        prop_assert_eq!(blob.len(), encoded_len(&value).unwrap());
        prop_assert_eq!(decode(&blob).unwrap(), value);
    }

    #[test]
    fn a_document_reads_the_value_in_place(value in any_value()) {
        let blob = encode(&value).unwrap();
        let document = Document::from_slice(&blob).unwrap();
        prop_assert_eq!(document.root().to_value(), value.clone());
        prop_assert_eq!(document.root().encode(), blob.clone());
        check_node(document.root(), &value)?;
        let document = Document::from_vec(blob).unwrap();
        prop_assert!(document.node(document.node_count()).is_none());
    }

    #[test]
    fn the_builder_writes_the_same_bytes_as_encode(value in any_value()) {
        let mut builder = Builder::new();
        push(&mut builder, &value).unwrap();
        prop_assert_eq!(builder.finish().unwrap(), encode(&value).unwrap());
        prop_assert!(builder.is_empty(), "finish resets the builder");
    }

    #[test]
    fn encode_into_writes_exactly_the_blob(value in any_value(), slack in 0usize..4) {
        let blob = encode(&value).unwrap();
        let mut buffer = vec![0xAA; blob.len() + slack];
        prop_assert_eq!(encode_into(&value, &mut buffer).unwrap(), blob.len());
        prop_assert_eq!(&buffer[..blob.len()], &blob[..]);
        prop_assert!(buffer[blob.len()..].iter().all(|&b| b == 0xAA));
        let mut short = vec![0xAA; blob.len() - 1];
        prop_assert_eq!(
            encode_into(&value, &mut short),
            Err(EncodeIntoError::BufferTooSmall { needed: blob.len() })
        );
        prop_assert!(short.iter().all(|&b| b == 0xAA), "nothing written when too small");
    }

    #[test]
    fn every_truncation_and_byte_flip_is_an_error_or_a_value(value in any_value(), flip in any::<(usize, u8)>()) {
        let blob = encode(&value).unwrap();
        for len in 0..blob.len() {
            let error = decode(&blob[..len]).unwrap_err();
            prop_assert!(error.offset <= len, "{} beyond {}", error, len);
        }
        let mut mutated = blob.clone();
        let at = flip.0 % mutated.len();
        mutated[at] ^= flip.1.max(1);
        // Any outcome but a crash is fine; an error must point inside the input.
        if let Err(error) = decode(&mutated) {
            prop_assert!(error.offset <= mutated.len());
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_crash(tail in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut blob = vec![0x89, b'N', b'O', b'B', 1];
        blob.extend_from_slice(&tail);
        if let Err(error) = decode(&blob) {
            prop_assert!(error.offset <= blob.len());
        }
    }
}

/// Every accessor of `node` agrees with `value`, and the node re-encodes on its own.
fn check_node(node: NodeRef<'_>, value: &Value) -> Result<(), TestCaseError> {
    prop_assert_eq!(node.kind(), value.kind());
    prop_assert_eq!(node.encode(), encode(value).unwrap());
    match value {
        Value::Null => prop_assert_eq!(node.len(), None),
        Value::Bool(b) => prop_assert_eq!(node.as_bool(), Some(*b)),
        Value::Int(n) => prop_assert_eq!(node.as_int(), Some(*n)),
        Value::Float(x) => prop_assert_eq!(node.as_float().map(f64::to_bits), Some(x.to_bits())),
        Value::Str(text) => prop_assert_eq!(node.as_str(), Some(text.as_str())),
        Value::Bytes(bytes) => prop_assert_eq!(node.as_bytes(), Some(bytes.as_slice())),
        Value::List(items) => {
            prop_assert_eq!(node.len(), Some(items.len()));
            prop_assert!(node.item(items.len()).is_none());
            for (i, item) in items.iter().enumerate() {
                check_node(node.item(i).unwrap(), item)?;
            }
        }
        Value::Dict(entries) => {
            prop_assert_eq!(node.len(), Some(entries.len()));
            prop_assert!(node.entry(entries.len()).is_none());
            for (i, (key, item)) in entries.iter().enumerate() {
                let (found_key, found) = node.entry(i).unwrap();
                prop_assert_eq!(found_key, key.as_str());
                prop_assert_eq!(node.get(key).unwrap().index(), found.index());
                check_node(found, item)?;
            }
        }
    }
    Ok(())
}

#[test]
fn batches_keep_order_and_report_each_failure() {
    let values: Vec<Value> = (0..200).map(|i| dict(vec![("i", Value::Int(i))])).collect();
    let refs: Vec<&Value> = values.iter().collect();
    let blobs: Vec<Vec<u8>> = encode_batch(&refs)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let blob_refs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
    let decoded = decode_batch(&blob_refs);
    for (value, back) in values.iter().zip(decoded) {
        assert_eq!(&back.unwrap(), value);
    }
    let bad = decode_batch(&[&blobs[0], b"junk"]);
    assert!(bad[0].is_ok());
    assert_eq!(bad[1].as_ref().unwrap_err().kind, DecodeErrorKind::BadMagic);
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

fn header() -> Vec<u8> {
    vec![0x89, b'N', b'O', b'B', 1]
}

fn blob_of(body: &[u8]) -> Vec<u8> {
    let mut blob = header();
    blob.extend_from_slice(body);
    blob
}

fn decode_error(blob: &[u8]) -> (usize, DecodeErrorKind) {
    let error = decode(blob).unwrap_err();
    let text = error.to_string();
    assert!(text.contains(&format!("offset {}", error.offset)), "{text}");
    (error.offset, error.kind)
}

#[test]
fn header_errors() {
    assert!(matches!(
        decode_error(b""),
        (0, DecodeErrorKind::Truncated { .. })
    ));
    assert!(matches!(
        decode_error(b"\x89NO"),
        (0, DecodeErrorKind::Truncated { .. })
    ));
    assert_eq!(
        decode_error(b"\x89NOX\x01\x00"),
        (0, DecodeErrorKind::BadMagic)
    );
    assert_eq!(
        decode_error(b"{\"json\": 1}"),
        (0, DecodeErrorKind::BadMagic)
    );
    assert_eq!(
        decode_error(b"\x89NOB\x02\x00"),
        (4, DecodeErrorKind::UnsupportedVersion(2))
    );
    assert!(matches!(
        decode_error(&header()),
        (5, DecodeErrorKind::Truncated { .. })
    ));
}

#[test]
fn unknown_tag_and_trailing_bytes() {
    assert_eq!(
        decode_error(&blob_of(&[0x09])),
        (5, DecodeErrorKind::UnknownTag(9))
    );
    assert_eq!(
        decode_error(&blob_of(&[0xff])),
        (5, DecodeErrorKind::UnknownTag(0xff))
    );
    assert_eq!(
        decode_error(&blob_of(&[tag::NULL, 0, 0])),
        (6, DecodeErrorKind::TrailingBytes { count: 2 })
    );
    // Inside a list: the offset is that of the bad tag.
    assert_eq!(
        decode_error(&blob_of(&[tag::LIST, 2, 0, 0, 0, tag::NULL, 0x42])),
        (11, DecodeErrorKind::UnknownTag(0x42))
    );
}

#[test]
fn lying_lengths_are_refused_before_allocating() {
    // A list claiming 4 billion items in 10 bytes.
    let (offset, kind) = decode_error(&blob_of(&[tag::LIST, 0xff, 0xff, 0xff, 0xff, 0]));
    assert_eq!(offset, 6);
    assert!(matches!(
        kind,
        DecodeErrorKind::LengthTooLarge {
            claimed: 4294967295,
            ..
        }
    ));
    // A dict entry needs at least 5 bytes: 2 entries in 9 bytes is a lie.
    let (offset, kind) = decode_error(&blob_of(&[
        tag::DICT,
        2,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ]));
    assert_eq!(offset, 6);
    assert!(matches!(
        kind,
        DecodeErrorKind::LengthTooLarge {
            needs: 10,
            remaining: 9,
            ..
        }
    ));
    // Strings and bytes longer than what remains.
    for t in [tag::STR, tag::BYTES] {
        let (offset, kind) = decode_error(&blob_of(&[t, 4, 0, 0, 0, b'a', b'b', b'c']));
        assert_eq!(offset, 6);
        assert!(matches!(
            kind,
            DecodeErrorKind::LengthTooLarge {
                claimed: 4,
                remaining: 3,
                ..
            }
        ));
    }
    // Truncated fixed-width fields.
    assert!(matches!(
        decode_error(&blob_of(&[tag::INT, 1, 2, 3])),
        (
            6,
            DecodeErrorKind::Truncated {
                needed: 8,
                remaining: 3
            }
        )
    ));
    assert!(matches!(
        decode_error(&blob_of(&[tag::STR, 1, 0])),
        (
            6,
            DecodeErrorKind::Truncated {
                needed: 4,
                remaining: 2
            }
        )
    ));
}

#[test]
fn invalid_utf8_reports_the_offset_of_the_bad_byte() {
    assert_eq!(
        decode_error(&blob_of(&[tag::STR, 4, 0, 0, 0, b'a', b'b', 0xff, b'c'])),
        (12, DecodeErrorKind::InvalidUtf8)
    );
    // In a key: dict tag at 5, count 6..10, key length 10..14, key bytes from 14.
    assert_eq!(
        decode_error(&blob_of(&[
            tag::DICT,
            1,
            0,
            0,
            0,
            2,
            0,
            0,
            0,
            0xc3,
            0x28,
            tag::NULL
        ])),
        (14, DecodeErrorKind::InvalidUtf8)
    );
}

#[test]
fn duplicate_keys_are_refused() {
    let body = [
        tag::DICT,
        2,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        b'k',
        tag::NULL,
        1,
        0,
        0,
        0,
        b'k',
        tag::TRUE,
    ];
    assert_eq!(
        decode_error(&blob_of(&body)),
        (16, DecodeErrorKind::DuplicateKey("k".into()))
    );
    // Large dicts take the set path.
    let mut entries: Vec<(String, Value)> =
        (0..40).map(|i| (format!("k{i}"), Value::Int(i))).collect();
    let good = encode(&Value::Dict(entries.clone())).unwrap();
    assert!(decode(&good).is_ok());
    entries.push(("k7".into(), Value::Null));
    let error = encode(&Value::Dict(entries)).unwrap_err();
    assert_eq!(error.path, "$");
    assert_eq!(error.kind, EncodeErrorKind::DuplicateKey("k7".into()));
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    // A million nested list openings: refused at the limit, not by a stack overflow.
    let mut body = Vec::new();
    for _ in 0..1_000_000 {
        body.extend_from_slice(&[tag::LIST, 1, 0, 0, 0]);
    }
    body.push(tag::NULL);
    let (offset, kind) = decode_error(&blob_of(&body));
    assert_eq!(kind, DecodeErrorKind::TooDeep { limit: MAX_DEPTH });
    assert_eq!(offset, 5 + 5 * MAX_DEPTH);
    // Exactly at the limit is fine, one more is not: for decode, encode and the builder.
    let nest = |levels: usize| {
        let mut value = Value::Null;
        for _ in 0..levels {
            value = Value::List(vec![value]);
        }
        value
    };
    let at_limit = nest(MAX_DEPTH);
    assert_eq!(decode(&encode(&at_limit).unwrap()).unwrap(), at_limit);
    let error = encode(&nest(MAX_DEPTH + 1)).unwrap_err();
    assert_eq!(error.kind, EncodeErrorKind::TooDeep { limit: MAX_DEPTH });
    assert_eq!(error.path, format!("${}", "[0]".repeat(MAX_DEPTH)));
    let mut builder = Builder::new();
    for _ in 0..MAX_DEPTH {
        builder.begin_list().unwrap();
    }
    assert_eq!(
        builder.begin_list(),
        Err(BuilderError::TooDeep { limit: MAX_DEPTH })
    );
}

#[test]
fn encode_errors_name_the_path() {
    let value = dict(vec![(
        "units",
        Value::List(vec![
            Value::Null,
            dict(vec![("a", Value::Null), ("a", Value::Null)]),
        ]),
    )]);
    let error = encode(&value).unwrap_err();
    assert_eq!(error.path, "$[\"units\"][1]");
    assert!(error.to_string().contains("$[\"units\"][1]"), "{error}");
}

#[test]
fn builder_refuses_calls_out_of_order_and_stays_unchanged() {
    let mut b = Builder::new();
    assert_eq!(b.key("k"), Err(BuilderError::UnexpectedKey));
    assert_eq!(
        b.end_list(),
        Err(BuilderError::MismatchedEnd {
            open: None,
            end: Kind::List
        })
    );
    assert_eq!(b.finish(), Err(BuilderError::Incomplete { open: 0 }));
    b.begin_dict().unwrap();
    assert_eq!(b.int(1), Err(BuilderError::ExpectedKey));
    assert_eq!(
        b.end_list(),
        Err(BuilderError::MismatchedEnd {
            open: Some(Kind::Dict),
            end: Kind::List
        })
    );
    b.key("a").unwrap();
    assert_eq!(b.key("b"), Err(BuilderError::UnexpectedKey));
    assert_eq!(b.end_dict(), Err(BuilderError::MissingValue));
    b.int(1).unwrap();
    assert_eq!(b.key("a"), Err(BuilderError::DuplicateKey("a".into())));
    assert_eq!(b.finish(), Err(BuilderError::Incomplete { open: 1 }));
    b.end_dict().unwrap();
    assert_eq!(b.null(), Err(BuilderError::RootComplete));
    assert_eq!(b.begin_list(), Err(BuilderError::RootComplete));
    let blob = b.finish().unwrap();
    assert_eq!(decode(&blob).unwrap(), dict(vec![("a", Value::Int(1))]));
    // Large dicts switch to a key set and still catch repeats.
    b.begin_dict().unwrap();
    for i in 0..100 {
        b.key(&format!("k{i}")).unwrap();
        b.int(i).unwrap();
    }
    assert_eq!(b.key("k3"), Err(BuilderError::DuplicateKey("k3".into())));
    assert_eq!(b.key("k99"), Err(BuilderError::DuplicateKey("k99".into())));
    b.key("k100").unwrap();
    b.null().unwrap();
    b.end_dict().unwrap();
    match decode(&b.finish().unwrap()).unwrap() {
        Value::Dict(entries) => assert_eq!(entries.len(), 101),
        other => panic!("{other:?}"),
    }
}

/// The error examples of docs/wire-format.md.
#[test]
fn spec_error_examples() {
    let hex = |text: &str| -> Vec<u8> {
        text.split_whitespace()
            .map(|byte| u8::from_str_radix(byte, 16).unwrap())
            .collect()
    };
    let (offset, kind) = decode_error(&hex("89 4E 4F 42 01 07 FF FF FF FF 00"));
    assert_eq!(offset, 6);
    assert!(matches!(
        kind,
        DecodeErrorKind::LengthTooLarge { remaining: 1, .. }
    ));
    assert_eq!(
        decode_error(&hex("89 4E 4F 42 01 05 02 00 00 00 C3 28")),
        (10, DecodeErrorKind::InvalidUtf8)
    );
    assert_eq!(
        decode_error(&hex("89 4E 4F 42 02 00")),
        (4, DecodeErrorKind::UnsupportedVersion(2))
    );
    assert_eq!(
        decode_error(&hex("89 4E 4F 42 01 00 00")),
        (6, DecodeErrorKind::TrailingBytes { count: 1 })
    );
}
