//! The codec: the one module that turns values into blobs and back, and the only
//! one that knows the codec crate (bincode 1.3.3, pinned; see
//! `docs/serializer-codec-decision.md`).
//!
//! The format is ours, specified in `docs/wire-format.md`; it is not "whatever
//! bincode writes for a derived enum". bincode's serde path writes a u64 length
//! before every string, byte string and sequence, has no nesting limit, and its
//! errors carry no byte offset, so it cannot express the documented format (u32
//! prefixes that an encoder can reserve and patch afterwards) with the checks the
//! format requires. This module therefore uses bincode (fixed-width, little-endian
//! options) for the primitive fields only (tags, u32 prefixes, i64, f64) and does
//! the structure itself: prefixes, payload copies, bounds and depth checks, UTF-8
//! validation with offsets, duplicate keys. Replacing bincode (by postcard, or by
//! `to_le_bytes`) means changing the `put`/`get` helpers below and nothing else;
//! the golden files in `tests/golden/` fail if the bytes change.
//!
//! Thread safety: every function here is pure (safe from any thread).

use super::error::{key_step, DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use super::format::{
    tag, HEADER_LEN, MAGIC, MAX_DEPTH, MAX_LEN, MIN_ENTRY_LEN, MIN_VALUE_LEN, VERSION,
};
use super::value::{Kind, Value};
use bincode::Options;
use std::collections::HashSet;
use std::io::Write;

/// The fixed-width, little-endian primitive encoding the format uses.
#[inline(always)]
fn options() -> impl Options + Copy {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
}

// ---------------------------------------------------------------------------
// Writing primitives (shared with the streaming builder)
// ---------------------------------------------------------------------------

/// Writes one primitive field. Only `io::Write` failures (a full slice) can fail.
#[inline(always)]
fn put<W: Write, T: serde::Serialize>(out: &mut W, field: T) -> bincode::Result<()> {
    options().serialize_into(out, &field)
}

/// Appends the blob header.
pub(crate) fn put_header(out: &mut Vec<u8>) {
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
}

/// Appends a tag byte.
#[inline]
pub(crate) fn put_tag(out: &mut Vec<u8>, tag: u8) {
    out.push(tag);
}

/// Appends a tagged i64.
#[inline]
pub(crate) fn put_int(out: &mut Vec<u8>, value: i64) {
    out.push(tag::INT);
    put(out, value).expect("writing to a Vec cannot fail");
}

/// Appends a tagged f64.
#[inline]
pub(crate) fn put_float(out: &mut Vec<u8>, value: f64) {
    out.push(tag::FLOAT);
    put(out, value).expect("writing to a Vec cannot fail");
}

/// Appends a u32 length or count prefix (the caller checked it fits).
#[inline]
pub(crate) fn put_len(out: &mut Vec<u8>, len: usize) {
    debug_assert!(len as u64 <= MAX_LEN);
    put(out, len as u32).expect("writing to a Vec cannot fail");
}

/// Overwrites the u32 prefix reserved at `at` (by `put_len(out, 0)`).
pub(crate) fn patch_len(out: &mut [u8], at: usize, len: usize) {
    debug_assert!(len as u64 <= MAX_LEN);
    put(&mut &mut out[at..at + 4], len as u32).expect("the reserved prefix has 4 bytes");
}

/// Appends a length-prefixed run of bytes (a str, bytes or key payload).
#[inline]
pub(crate) fn put_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

// ---------------------------------------------------------------------------
// Encoding a Value
// ---------------------------------------------------------------------------

/// The exact size of `value`'s blob, header included; also checks that it can be
/// encoded at all (lengths, depth, duplicate keys).
pub fn encoded_len(value: &Value) -> Result<usize, EncodeError> {
    measure(value, 0)
        .map(|len| len + HEADER_LEN)
        .map_err(|mut error| {
            error.path.insert(0, '$');
            error
        })
}

/// Encodes `value` into a new blob.
pub fn encode(value: &Value) -> Result<Vec<u8>, EncodeError> {
    let len = encoded_len(value)?;
    let mut out = Vec::with_capacity(len);
    put_header(&mut out);
    write(&mut out, value).expect("writing to a Vec cannot fail");
    debug_assert_eq!(out.len(), len);
    Ok(out)
}

/// Why [`encode_into`] wrote nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeIntoError {
    /// The value cannot be encoded at all.
    Invalid(EncodeError),
    /// The buffer is smaller than the blob; `needed` is the blob's size.
    BufferTooSmall { needed: usize },
}

/// Encodes `value` into the start of `buffer` and returns the blob's length.
/// Nothing is written unless the whole blob fits.
pub fn encode_into(value: &Value, buffer: &mut [u8]) -> Result<usize, EncodeIntoError> {
    let needed = encoded_len(value).map_err(EncodeIntoError::Invalid)?;
    if buffer.len() < needed {
        return Err(EncodeIntoError::BufferTooSmall { needed });
    }
    let mut rest = &mut buffer[..needed];
    rest.write_all(&MAGIC)
        .and_then(|()| rest.write_all(&[VERSION]))
        .map_err(bincode::Error::from)
        .and_then(|()| write(&mut rest, value))
        .expect("the buffer holds the measured size");
    Ok(needed)
}

fn too_long(kind: Kind, len: usize) -> EncodeError {
    EncodeError {
        path: String::new(),
        kind: EncodeErrorKind::TooLong {
            kind,
            len: len as u64,
        },
    }
}

fn check_len(kind: Kind, len: usize) -> Result<(), EncodeError> {
    if len as u64 > MAX_LEN {
        Err(too_long(kind, len))
    } else {
        Ok(())
    }
}

/// Prefixes an error's path with one step (built only when there is an error).
fn at_step(mut error: EncodeError, step: impl FnOnce() -> String) -> EncodeError {
    error.path.insert_str(0, &step());
    error
}

/// Size of `value` without the header; `depth` is the nesting level of its container.
fn measure(value: &Value, depth: usize) -> Result<usize, EncodeError> {
    Ok(match value {
        Value::Null | Value::Bool(_) => 1,
        Value::Int(_) | Value::Float(_) => 9,
        Value::Str(text) => {
            check_len(Kind::Str, text.len())?;
            5 + text.len()
        }
        Value::Bytes(bytes) => {
            check_len(Kind::Bytes, bytes.len())?;
            5 + bytes.len()
        }
        Value::List(items) => {
            check_container(Kind::List, items.len(), depth)?;
            let mut total = 5usize;
            for (index, item) in items.iter().enumerate() {
                let size = measure(item, depth + 1)
                    .map_err(|error| at_step(error, || format!("[{index}]")))?;
                total = total.saturating_add(size);
            }
            total
        }
        Value::Dict(entries) => {
            check_container(Kind::Dict, entries.len(), depth)?;
            if let Some(key) = find_duplicate(entries.iter().map(|(key, _)| key.as_str())) {
                return Err(EncodeError {
                    path: String::new(),
                    kind: EncodeErrorKind::DuplicateKey(key.to_owned()),
                });
            }
            let mut total = 5usize;
            for (key, item) in entries {
                let size = check_len(Kind::Str, key.len())
                    .and_then(|()| measure(item, depth + 1))
                    .map_err(|error| at_step(error, || key_step(key)))?;
                total = total.saturating_add(4 + key.len()).saturating_add(size);
            }
            total
        }
    })
}

fn check_container(kind: Kind, count: usize, depth: usize) -> Result<(), EncodeError> {
    if depth >= MAX_DEPTH {
        return Err(EncodeError {
            path: String::new(),
            kind: EncodeErrorKind::TooDeep { limit: MAX_DEPTH },
        });
    }
    check_len(kind, count)
}

/// The first key that occurs twice, if any. Small dicts compare pairwise (no
/// allocation); larger ones use a set.
pub(crate) fn find_duplicate<'k>(
    keys: impl ExactSizeIterator<Item = &'k str> + Clone,
) -> Option<&'k str> {
    if keys.len() <= 16 {
        let mut rest = keys;
        while let Some(key) = rest.next() {
            if rest.clone().any(|other| other == key) {
                return Some(key);
            }
        }
        None
    } else {
        let mut seen = HashSet::with_capacity(keys.len());
        keys.into_iter().find(|key| !seen.insert(*key))
    }
}

/// Writes a measured (hence valid) value.
fn write<W: Write>(out: &mut W, value: &Value) -> bincode::Result<()> {
    match value {
        Value::Null => put(out, tag::NULL),
        Value::Bool(false) => put(out, tag::FALSE),
        Value::Bool(true) => put(out, tag::TRUE),
        Value::Int(number) => {
            put(out, tag::INT)?;
            put(out, *number)
        }
        Value::Float(number) => {
            put(out, tag::FLOAT)?;
            put(out, *number)
        }
        Value::Str(text) => write_prefixed(out, tag::STR, text.as_bytes()),
        Value::Bytes(bytes) => write_prefixed(out, tag::BYTES, bytes),
        Value::List(items) => {
            put(out, tag::LIST)?;
            put(out, items.len() as u32)?;
            items.iter().try_for_each(|item| write(out, item))
        }
        Value::Dict(entries) => {
            put(out, tag::DICT)?;
            put(out, entries.len() as u32)?;
            entries.iter().try_for_each(|(key, item)| {
                put(out, key.len() as u32)?;
                out.write_all(key.as_bytes())?;
                write(out, item)
            })
        }
    }
}

fn write_prefixed<W: Write>(out: &mut W, tag: u8, payload: &[u8]) -> bincode::Result<()> {
    put(out, tag)?;
    put(out, payload.len() as u32)?;
    out.write_all(payload)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// Decodes one blob into a [`Value`]. Any byte string gives either the value or
/// an error with the offset of the problem; see [`parse`].
pub fn decode(blob: &[u8]) -> Result<Value, DecodeError> {
    let tree = parse(blob)?;
    Ok(tree.value(blob, 0))
}

/// Validates a blob and indexes it as a flat tree (see [`Tree`]) in one pass. Any
/// byte string gives either the tree or an error with the offset of the problem.
/// Memory is bounded by the blob's length: every count and length is checked
/// against the bytes that remain before anything is reserved, each node costs at
/// least one byte of blob, and nesting is limited to [`MAX_DEPTH`].
pub(crate) fn parse(blob: &[u8]) -> Result<Tree, DecodeError> {
    let mut reader = Reader::new(blob)?;
    // Every node takes at least one byte of blob and a typical one about ten: reserve
    // for that much up front (pages not touched cost nothing), so large blobs are not
    // copied again and again as the arrays grow.
    let mut tree = Tree {
        nodes: Vec::with_capacity(blob.len() / 8),
        slots: Vec::with_capacity(blob.len() / 8),
    };
    reader.value(&mut tree, 0)?;
    reader.finish()?;
    // A document may live long: give back what the estimate reserved in excess.
    tree.nodes.shrink_to_fit();
    tree.slots.shrink_to_fit();
    Ok(tree)
}

/// A validated blob indexed for reading: `nodes[0]` is the root; the items of a
/// container are the `count` slots from `first`, in order. Positions are byte
/// offsets into the blob the tree was parsed from.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    pub slots: Vec<Slot>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    /// Offset of the node's tag; the node's encoding is `blob[start..end]`.
    pub start: usize,
    pub end: usize,
    pub data: NodeData,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum NodeData {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Payload at `start + 5 .. end` (validated UTF-8).
    Str,
    /// Payload at `start + 5 .. end`.
    Bytes,
    List {
        first: usize,
        count: usize,
    },
    Dict {
        first: usize,
        count: usize,
    },
}

/// One item of a container: its node and, in a dict, its key (`key_len` bytes of
/// validated UTF-8 at `key_at`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Slot {
    pub node: usize,
    pub key_at: usize,
    pub key_len: usize,
}

impl Tree {
    /// The payload of a str or bytes node.
    pub fn payload<'b>(&self, blob: &'b [u8], node: usize) -> &'b [u8] {
        let node = &self.nodes[node];
        &blob[node.start + 5..node.end]
    }

    pub fn key<'b>(&self, blob: &'b [u8], slot: &Slot) -> &'b str {
        let bytes = &blob[slot.key_at..slot.key_at + slot.key_len];
        // SAFETY: every key was validated as UTF-8 by `parse`, and `blob` is the
        // blob this tree was parsed from (callers keep the two together).
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Builds the owned [`Value`] of a node.
    pub fn value(&self, blob: &[u8], node: usize) -> Value {
        match self.nodes[node].data {
            NodeData::Null => Value::Null,
            NodeData::Bool(b) => Value::Bool(b),
            NodeData::Int(n) => Value::Int(n),
            NodeData::Float(x) => Value::Float(x),
            NodeData::Str => {
                let bytes = self.payload(blob, node);
                // SAFETY: validated as UTF-8 by `parse`.
                Value::Str(unsafe { std::str::from_utf8_unchecked(bytes) }.to_owned())
            }
            NodeData::Bytes => Value::Bytes(self.payload(blob, node).to_vec()),
            NodeData::List { first, count } => Value::List(
                self.slots[first..first + count]
                    .iter()
                    .map(|slot| self.value(blob, slot.node))
                    .collect(),
            ),
            NodeData::Dict { first, count } => Value::Dict(
                self.slots[first..first + count]
                    .iter()
                    .map(|slot| (self.key(blob, slot).to_owned(), self.value(blob, slot.node)))
                    .collect(),
            ),
        }
    }
}

/// Reads the fields of a blob in order, tracking the offset for errors.
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Checks the header and positions the reader on the root value.
    pub(crate) fn new(blob: &'a [u8]) -> Result<Self, DecodeError> {
        let magic_len = blob.len().min(MAGIC.len());
        if blob[..magic_len] != MAGIC[..magic_len] {
            return Err(DecodeError {
                offset: 0,
                kind: DecodeErrorKind::BadMagic,
            });
        }
        let mut reader = Reader {
            input: blob,
            pos: 0,
        };
        reader.take(MAGIC.len())?;
        let version = reader.u8()?;
        if version != VERSION {
            return Err(DecodeError {
                offset: MAGIC.len(),
                kind: DecodeErrorKind::UnsupportedVersion(version),
            });
        }
        Ok(reader)
    }

    /// Succeeds only if nothing follows the root value.
    pub(crate) fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(self.error_at(self.pos, DecodeErrorKind::TrailingBytes { count })),
        }
    }

    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    fn error_at(&self, offset: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError { offset, kind }
    }

    #[inline]
    fn take(&mut self, needed: usize) -> Result<&'a [u8], DecodeError> {
        if needed > self.remaining() {
            return Err(self.error_at(
                self.pos,
                DecodeErrorKind::Truncated {
                    needed,
                    remaining: self.remaining(),
                },
            ));
        }
        let field = &self.input[self.pos..self.pos + needed];
        self.pos += needed;
        Ok(field)
    }

    /// Reads one fixed-width primitive through the codec crate.
    #[inline]
    fn get<T: serde::de::DeserializeOwned>(&mut self, width: usize) -> Result<T, DecodeError> {
        let at = self.pos;
        let field = self.take(width)?;
        options().deserialize(field).map_err(|_| {
            // Unreachable: the field has exactly the primitive's width.
            self.error_at(
                at,
                DecodeErrorKind::Truncated {
                    needed: width,
                    remaining: field.len(),
                },
            )
        })
    }

    #[inline]
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// A u32 prefix announcing `count` items of at least `min_len` bytes each.
    #[inline]
    fn count(&mut self, what: &'static str, min_len: usize) -> Result<usize, DecodeError> {
        let at = self.pos;
        let claimed: u32 = self.get(4)?;
        let needs = u64::from(claimed) * min_len as u64;
        if needs > self.remaining() as u64 {
            return Err(self.error_at(
                at,
                DecodeErrorKind::LengthTooLarge {
                    what,
                    claimed: u64::from(claimed),
                    needs,
                    remaining: self.remaining(),
                },
            ));
        }
        Ok(claimed as usize)
    }

    /// A u32-prefixed run of bytes, borrowed from the input.
    #[inline]
    fn prefixed(&mut self, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let len = self.count(what, 1)?;
        self.take(len)
    }

    /// A u32-prefixed UTF-8 string, borrowed from the input.
    #[inline]
    fn text(&mut self, what: &'static str) -> Result<&'a str, DecodeError> {
        let start = self.pos + 4;
        let bytes = self.prefixed(what)?;
        std::str::from_utf8(bytes).map_err(|error| {
            self.error_at(start + error.valid_up_to(), DecodeErrorKind::InvalidUtf8)
        })
    }

    /// One value appended to `tree`; returns its node index. `depth` is the nesting
    /// level of the container holding it.
    fn value(&mut self, tree: &mut Tree, depth: usize) -> Result<usize, DecodeError> {
        let start = self.pos;
        let index = tree.nodes.len();
        let data = match self.u8()? {
            tag::NULL => NodeData::Null,
            tag::FALSE => NodeData::Bool(false),
            tag::TRUE => NodeData::Bool(true),
            tag::INT => NodeData::Int(self.get(8)?),
            tag::FLOAT => NodeData::Float(self.get(8)?),
            tag::STR => {
                self.text("str length")?;
                NodeData::Str
            }
            tag::BYTES => {
                self.prefixed("bytes length")?;
                NodeData::Bytes
            }
            tag::LIST => {
                self.enter(start, depth)?;
                let count = self.count("list count", MIN_VALUE_LEN)?;
                let first = tree.slots.len();
                tree.slots.resize(first + count, Slot::default());
                tree.nodes.push(Node {
                    start,
                    end: start,
                    data: NodeData::List { first, count },
                });
                for i in 0..count {
                    let node = self.value(tree, depth + 1)?;
                    tree.slots[first + i].node = node;
                }
                tree.nodes[index].end = self.pos;
                return Ok(index);
            }
            tag::DICT => {
                self.enter(start, depth)?;
                let count = self.count("dict count", MIN_ENTRY_LEN)?;
                let first = tree.slots.len();
                tree.slots.resize(first + count, Slot::default());
                tree.nodes.push(Node {
                    start,
                    end: start,
                    data: NodeData::Dict { first, count },
                });
                let mut seen = (count > 16).then(|| HashSet::with_capacity(count));
                for i in 0..count {
                    let key_at = self.pos;
                    let key = self.text("key length")?;
                    let repeated = match seen.as_mut() {
                        Some(seen) => !seen.insert(key),
                        None => tree.slots[first..first + i].iter().any(|slot| {
                            &self.input[slot.key_at..slot.key_at + slot.key_len] == key.as_bytes()
                        }),
                    };
                    if repeated {
                        return Err(
                            self.error_at(key_at, DecodeErrorKind::DuplicateKey(key.to_owned()))
                        );
                    }
                    let node = self.value(tree, depth + 1)?;
                    tree.slots[first + i] = Slot {
                        node,
                        key_at: key_at + 4,
                        key_len: key.len(),
                    };
                }
                tree.nodes[index].end = self.pos;
                return Ok(index);
            }
            unknown => return Err(self.error_at(start, DecodeErrorKind::UnknownTag(unknown))),
        };
        tree.nodes.push(Node {
            start,
            end: self.pos,
            data,
        });
        Ok(index)
    }

    fn enter(&self, at: usize, depth: usize) -> Result<(), DecodeError> {
        if depth >= MAX_DEPTH {
            Err(self.error_at(at, DecodeErrorKind::TooDeep { limit: MAX_DEPTH }))
        } else {
            Ok(())
        }
    }
}
