//! A streaming builder: values pushed one by one (containers opened and closed)
//! are written straight into blob bytes, in one pass. List and dict counts are
//! written as reserved u32 prefixes and patched when the container is closed, so
//! the caller never needs to know a count up front.
//!
//! Every refused call leaves the builder exactly as it was.
//!
//! Thread safety: a `Builder` is plain owned data; use it from one thread at a time.

use super::codec;
use super::format::{tag, HEADER_LEN, MAX_DEPTH, MAX_LEN};
use super::value::Kind;
use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuilderError {
    /// The root value is complete; a blob holds one root value.
    RootComplete,
    /// A value was pushed inside a dict where a key was expected.
    ExpectedKey,
    /// A key was pushed where a value was expected (after a key, or outside a dict).
    UnexpectedKey,
    /// An `end` that does not match the innermost open container (or none is open).
    MismatchedEnd { open: Option<Kind>, end: Kind },
    /// A dict was closed right after a key, before its value.
    MissingValue,
    /// `finish` before the root value is complete.
    Incomplete { open: usize },
    /// A key already present in the innermost dict.
    DuplicateKey(String),
    /// A string, bytes value, key or container longer than the format allows.
    TooLong { kind: Kind, len: u64 },
    /// A container would nest deeper than [`MAX_DEPTH`].
    TooDeep { limit: usize },
}

impl fmt::Display for BuilderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuilderError::RootComplete => {
                write!(f, "the root value is complete; a blob holds one value")
            }
            BuilderError::ExpectedKey => write!(f, "a dict entry needs its key before its value"),
            BuilderError::UnexpectedKey => {
                write!(f, "a key is only allowed inside a dict, before each value")
            }
            BuilderError::MismatchedEnd { open: None, end } => {
                write!(f, "end of {end} but no container is open")
            }
            BuilderError::MismatchedEnd {
                open: Some(open),
                end,
            } => write!(
                f,
                "end of {end} but the innermost open container is a {open}"
            ),
            BuilderError::MissingValue => write!(f, "the dict's last key has no value"),
            BuilderError::Incomplete { open: 0 } => write!(f, "no value was pushed"),
            BuilderError::Incomplete { open } => {
                write!(f, "{open} containers are still open")
            }
            BuilderError::DuplicateKey(key) => write!(f, "the dict already holds the key {key:?}"),
            BuilderError::TooLong { kind, len } => write!(
                f,
                "{kind} of length {len} is longer than the format's limit of {MAX_LEN}"
            ),
            BuilderError::TooDeep { limit } => {
                write!(
                    f,
                    "lists and dicts would nest deeper than the limit of {limit}"
                )
            }
        }
    }
}

impl std::error::Error for BuilderError {}

/// Repeated keys: a dict's first `SMALL_DICT` keys are found by a linear scan of
/// their fingerprints (a match is confirmed by comparing bytes in the output); past
/// that, a set of keyed (SipHash) key hashes answers (a hit is also confirmed by
/// comparing bytes), so no key is copied or allocated.
const SMALL_DICT: usize = 32;

/// A cheap, unkeyed digest of a key for the small-dict scan: equal keys have equal
/// fingerprints; keys of up to 16 bytes that differ almost always differ here too
/// (longer keys are sampled at both ends). A collision only costs a byte comparison,
/// and a scan is bounded by `SMALL_DICT`, so crafted keys cannot make it slow.
#[inline(always)]
fn fingerprint(key: &[u8]) -> u64 {
    let len = key.len();
    let (head, tail) = if len >= 8 {
        (le_u64(&key[..8]), le_u64(&key[len - 8..]))
    } else if len >= 4 {
        (le_u32(&key[..4]), le_u32(&key[len - 4..]))
    } else if len > 0 {
        let (a, b, c) = (key[0] as u64, key[len / 2] as u64, key[len - 1] as u64);
        (a | b << 8 | c << 16, 0)
    } else {
        (0, 0)
    };
    let mixed =
        (head ^ tail.rotate_left(29) ^ (len as u64) << 56).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    mixed ^ mixed >> 32
}

#[inline(always)]
fn le_u64(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().expect("8 bytes"))
}

#[inline(always)]
fn le_u32(bytes: &[u8]) -> u64 {
    u32::from_le_bytes(bytes.try_into().expect("4 bytes")) as u64
}

/// A set of keyed SipHash values: they are already uniformly spread for anyone who
/// does not know the builder's random keys, so the set uses them as they are instead
/// of hashing them a second time.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64s are stored; fold anything else in case std ever calls this.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ byte as u64;
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

struct Frame {
    kind: Kind,
    /// Offset of the reserved u32 count.
    count_at: usize,
    count: usize,
    /// Dicts: whether a key was pushed and waits for its value.
    pending_key: bool,
    /// Dicts: (offset, length) of each key's bytes in the output.
    /// Dicts: each key as [`KeyAt`], in key order.
    keys: Vec<KeyAt>,
    /// Dicts past `SMALL_DICT` keys: the keyed hashes of all their keys.
    hashing: bool,
    key_hashes: HashSet<u64, BuildHasherDefault<PassThrough>>,
}

impl Frame {
    /// Checks that a value may come next in this container.
    #[inline]
    fn check_value_slot(&self) -> Result<(), BuilderError> {
        match self.kind {
            Kind::Dict if !self.pending_key => Err(BuilderError::ExpectedKey),
            Kind::List if self.count as u64 >= MAX_LEN => Err(BuilderError::TooLong {
                kind: Kind::List,
                len: self.count as u64 + 1,
            }),
            _ => Ok(()),
        }
    }

    /// Records that a value was written into this container.
    #[inline]
    fn fill_value_slot(&mut self) {
        if self.kind == Kind::List {
            self.count += 1;
        }
        self.pending_key = false;
    }

    /// A closed frame's allocations are kept for the next container.
    fn reuse(&mut self, kind: Kind, count_at: usize) {
        self.kind = kind;
        self.count_at = count_at;
        self.count = 0;
        self.pending_key = false;
        self.keys.clear();
        self.hashing = false;
        self.key_hashes.clear();
    }
}

/// Writes one blob as values are pushed. See the module documentation.
pub struct Builder {
    out: Vec<u8>,
    /// `frames[..open]` are the open containers, innermost last; the rest are closed
    /// frames kept (in place, never moved) so that their key arrays are reused.
    frames: Vec<Frame>,
    open: usize,
    root_started: bool,
    /// The capacity to reserve for the next blob: the last blob's size (a builder
    /// usually builds values of similar sizes), so it is not regrown by doubling.
    next_capacity: usize,
    hasher: RandomState,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("bytes", &self.out.len())
            .field("open", &self.open)
            .field("root_started", &self.root_started)
            .finish()
    }
}

impl Builder {
    pub fn new() -> Self {
        Builder {
            out: new_blob(MIN_CAPACITY),
            frames: Vec::new(),
            open: 0,
            root_started: false,
            next_capacity: MIN_CAPACITY,
            hasher: RandomState::new(),
        }
    }

    /// Forgets everything pushed so far (keeps the allocated memory).
    pub fn reset(&mut self) {
        self.out.truncate(HEADER_LEN);
        self.open = 0;
        self.root_started = false;
    }

    /// Bytes written so far (header included).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether nothing but the header was written.
    pub fn is_empty(&self) -> bool {
        self.out.len() == HEADER_LEN
    }

    /// The innermost open container.
    #[inline]
    fn innermost(&mut self) -> Option<&mut Frame> {
        self.frames[..self.open].last_mut()
    }

    /// Checks that a value may come next, without changing anything.
    #[inline]
    fn check_value_slot(&mut self) -> Result<(), BuilderError> {
        let root_started = self.root_started;
        match self.innermost() {
            None if root_started => Err(BuilderError::RootComplete),
            None => Ok(()),
            Some(frame) => frame.check_value_slot(),
        }
    }

    /// Records that a value was written into the current slot.
    #[inline]
    fn fill_value_slot(&mut self) {
        match self.innermost() {
            None => self.root_started = true,
            Some(frame) => frame.fill_value_slot(),
        }
    }

    /// Writes a scalar if a value may come next (one look at the innermost container).
    #[inline]
    fn scalar(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), BuilderError> {
        match self.frames[..self.open].last_mut() {
            None if self.root_started => return Err(BuilderError::RootComplete),
            None => {
                write(&mut self.out);
                self.root_started = true;
            }
            Some(frame) => {
                frame.check_value_slot()?;
                write(&mut self.out);
                frame.fill_value_slot();
            }
        }
        Ok(())
    }

    pub fn null(&mut self) -> Result<(), BuilderError> {
        self.scalar(|out| codec::put_tag(out, tag::NULL))
    }

    pub fn bool(&mut self, value: bool) -> Result<(), BuilderError> {
        self.scalar(|out| codec::put_tag(out, if value { tag::TRUE } else { tag::FALSE }))
    }

    pub fn int(&mut self, value: i64) -> Result<(), BuilderError> {
        self.scalar(|out| codec::put_int(out, value))
    }

    pub fn float(&mut self, value: f64) -> Result<(), BuilderError> {
        self.scalar(|out| codec::put_float(out, value))
    }

    pub fn str(&mut self, value: &str) -> Result<(), BuilderError> {
        check_len(Kind::Str, value.len())?;
        self.scalar(|out| {
            codec::put_tag(out, tag::STR);
            codec::put_prefixed(out, value.as_bytes());
        })
    }

    pub fn bytes(&mut self, value: &[u8]) -> Result<(), BuilderError> {
        check_len(Kind::Bytes, value.len())?;
        self.scalar(|out| {
            codec::put_tag(out, tag::BYTES);
            codec::put_prefixed(out, value);
        })
    }

    pub fn begin_list(&mut self) -> Result<(), BuilderError> {
        self.begin(Kind::List, tag::LIST)
    }

    pub fn begin_dict(&mut self) -> Result<(), BuilderError> {
        self.begin(Kind::Dict, tag::DICT)
    }

    fn begin(&mut self, kind: Kind, tag: u8) -> Result<(), BuilderError> {
        self.check_value_slot()?;
        if self.open >= MAX_DEPTH {
            return Err(BuilderError::TooDeep { limit: MAX_DEPTH });
        }
        self.fill_value_slot();
        codec::put_tag(&mut self.out, tag);
        let count_at = self.out.len();
        codec::put_len(&mut self.out, 0);
        match self.frames.get_mut(self.open) {
            Some(frame) => frame.reuse(kind, count_at),
            None => self.frames.push(Frame {
                kind,
                count_at,
                count: 0,
                pending_key: false,
                keys: Vec::new(),
                hashing: false,
                key_hashes: HashSet::default(),
            }),
        }
        self.open += 1;
        Ok(())
    }

    /// The key of the next entry of the innermost dict.
    pub fn key(&mut self, key: &str) -> Result<(), BuilderError> {
        check_len(Kind::Str, key.len())?;
        let out = &self.out;
        let frame = match self.frames[..self.open].last_mut() {
            Some(frame) if frame.kind == Kind::Dict && !frame.pending_key => frame,
            _ => return Err(BuilderError::UnexpectedKey),
        };
        if frame.count as u64 >= MAX_LEN {
            return Err(BuilderError::TooLong {
                kind: Kind::Dict,
                len: frame.count as u64 + 1,
            });
        }
        let bytes = key.as_bytes();
        let same = |key: &KeyAt| &out[key.at..key.at + key.len] == bytes;
        // Either way a match is confirmed by comparing bytes, so a collision costs
        // time, never a wrong answer.
        // `probe`: the key's hash in a large dict, its fingerprint in a small one.
        let (repeated, probe) = if frame.hashing {
            let hash = self.hasher.hash_one(bytes);
            let repeated = frame.key_hashes.contains(&hash) && frame.keys.iter().any(same);
            (repeated, hash)
        } else {
            let print = fingerprint(bytes);
            let mut repeated = false;
            for other in &frame.keys {
                if other.print == print && same(other) {
                    repeated = true;
                    break;
                }
            }
            (repeated, print)
        };
        if repeated {
            return Err(BuilderError::DuplicateKey(key.to_owned()));
        }
        codec::put_len(&mut self.out, key.len());
        let at = self.out.len();
        self.out.extend_from_slice(bytes);
        let print = if frame.hashing {
            frame.key_hashes.insert(probe);
            0
        } else {
            probe
        };
        frame.keys.push(KeyAt {
            at,
            len: key.len(),
            print,
        });
        if !frame.hashing && frame.keys.len() > SMALL_DICT {
            let out = &self.out;
            let hasher = &self.hasher;
            frame.hashing = true;
            frame.key_hashes.extend(
                frame
                    .keys
                    .iter()
                    .map(|key| hasher.hash_one(&out[key.at..key.at + key.len])),
            );
        }
        frame.count += 1;
        frame.pending_key = true;
        Ok(())
    }

    pub fn end_list(&mut self) -> Result<(), BuilderError> {
        self.end(Kind::List)
    }

    pub fn end_dict(&mut self) -> Result<(), BuilderError> {
        self.end(Kind::Dict)
    }

    fn end(&mut self, kind: Kind) -> Result<(), BuilderError> {
        match self.frames[..self.open].last() {
            Some(frame) if frame.kind == kind => {
                if frame.pending_key {
                    return Err(BuilderError::MissingValue);
                }
                codec::patch_len(&mut self.out, frame.count_at, frame.count);
            }
            open => {
                return Err(BuilderError::MismatchedEnd {
                    open: open.map(|frame| frame.kind),
                    end: kind,
                })
            }
        }
        self.open -= 1;
        Ok(())
    }

    /// Whether the root value is complete (a `finish` would succeed).
    pub fn is_complete(&self) -> bool {
        self.root_started && self.open == 0
    }

    /// The blob written so far, if the root value is complete (else an error).
    pub fn bytes_so_far(&self) -> Result<&[u8], BuilderError> {
        if self.is_complete() {
            Ok(&self.out)
        } else {
            Err(BuilderError::Incomplete { open: self.open })
        }
    }

    /// Takes the finished blob and resets the builder for the next one.
    pub fn finish(&mut self) -> Result<Vec<u8>, BuilderError> {
        self.bytes_so_far()?;
        let next = new_blob(self.next_capacity);
        self.root_started = false;
        let mut blob = std::mem::replace(&mut self.out, next);
        // The next blob gets this one's size up front; a blob that came out much
        // smaller than the guess gives the unused memory back.
        self.next_capacity = blob.len().max(MIN_CAPACITY);
        if blob.capacity() / 2 > self.next_capacity {
            blob.shrink_to_fit();
        }
        Ok(blob)
    }
}

/// The smallest buffer a blob starts with.
const MIN_CAPACITY: usize = 256;

/// An empty blob (just the header) with room for `capacity` bytes.
fn new_blob(capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    codec::put_header(&mut out);
    out
}

/// Where a dict's key is in the output, and (while the dict is small) its
/// [`fingerprint`].
#[derive(Clone, Copy)]
struct KeyAt {
    at: usize,
    len: usize,
    print: u64,
}

fn check_len(kind: Kind, len: usize) -> Result<(), BuilderError> {
    if len as u64 > MAX_LEN {
        Err(BuilderError::TooLong {
            kind,
            len: len as u64,
        })
    } else {
        Ok(())
    }
}
