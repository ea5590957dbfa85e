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
use std::hash::BuildHasher;

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

/// Repeated keys: a dict's first `SMALL_DICT` keys are compared in place (ranges of
/// the output); past that, a set of key hashes answers (a hit is confirmed by
/// comparing bytes), so no key is copied or allocated.
const SMALL_DICT: usize = 32;

struct Frame {
    kind: Kind,
    /// Offset of the reserved u32 count.
    count_at: usize,
    count: usize,
    /// Dicts: whether a key was pushed and waits for its value.
    pending_key: bool,
    /// Dicts: (offset, length) of each key's bytes in the output.
    keys: Vec<(usize, usize)>,
    /// Dicts past `SMALL_DICT` keys: the hashes of all their keys.
    hashing: bool,
    key_hashes: HashSet<u64>,
}

impl Frame {
    /// A closed frame's allocations are kept for the next container.
    fn reuse(mut self, kind: Kind, count_at: usize) -> Self {
        self.kind = kind;
        self.count_at = count_at;
        self.count = 0;
        self.pending_key = false;
        self.keys.clear();
        self.hashing = false;
        self.key_hashes.clear();
        self
    }
}

/// Writes one blob as values are pushed. See the module documentation.
pub struct Builder {
    out: Vec<u8>,
    stack: Vec<Frame>,
    /// Closed frames, kept so that their key arrays are reused.
    spare: Vec<Frame>,
    root_started: bool,
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
            .field("open", &self.stack.len())
            .field("root_started", &self.root_started)
            .finish()
    }
}

impl Builder {
    pub fn new() -> Self {
        let mut out = Vec::with_capacity(256);
        codec::put_header(&mut out);
        Builder {
            out,
            stack: Vec::new(),
            spare: Vec::new(),
            root_started: false,
            hasher: RandomState::new(),
        }
    }

    /// Forgets everything pushed so far (keeps the allocated memory).
    pub fn reset(&mut self) {
        self.out.truncate(HEADER_LEN);
        self.spare.append(&mut self.stack);
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

    /// Checks that a value may come next, without changing anything.
    fn check_value_slot(&self) -> Result<(), BuilderError> {
        match self.stack.last() {
            None if self.root_started => Err(BuilderError::RootComplete),
            None => Ok(()),
            Some(frame) if frame.kind == Kind::Dict && !frame.pending_key => {
                Err(BuilderError::ExpectedKey)
            }
            Some(frame) if frame.kind == Kind::List && frame.count as u64 >= MAX_LEN => {
                Err(BuilderError::TooLong {
                    kind: Kind::List,
                    len: frame.count as u64 + 1,
                })
            }
            Some(_) => Ok(()),
        }
    }

    /// Records that a value was written into the current slot.
    fn fill_value_slot(&mut self) {
        match self.stack.last_mut() {
            None => self.root_started = true,
            Some(frame) => {
                if frame.kind == Kind::List {
                    frame.count += 1;
                }
                frame.pending_key = false;
            }
        }
    }

    fn scalar(&mut self, write: impl FnOnce(&mut Vec<u8>)) -> Result<(), BuilderError> {
        self.check_value_slot()?;
        write(&mut self.out);
        self.fill_value_slot();
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
        if self.stack.len() >= MAX_DEPTH {
            return Err(BuilderError::TooDeep { limit: MAX_DEPTH });
        }
        self.fill_value_slot();
        codec::put_tag(&mut self.out, tag);
        let count_at = self.out.len();
        codec::put_len(&mut self.out, 0);
        let frame = match self.spare.pop() {
            Some(frame) => frame.reuse(kind, count_at),
            None => Frame {
                kind,
                count_at,
                count: 0,
                pending_key: false,
                keys: Vec::new(),
                hashing: false,
                key_hashes: HashSet::new(),
            },
        };
        self.stack.push(frame);
        Ok(())
    }

    /// The key of the next entry of the innermost dict.
    pub fn key(&mut self, key: &str) -> Result<(), BuilderError> {
        check_len(Kind::Str, key.len())?;
        let out = &self.out;
        let frame = match self.stack.last_mut() {
            Some(frame) if frame.kind == Kind::Dict && !frame.pending_key => frame,
            _ => return Err(BuilderError::UnexpectedKey),
        };
        if frame.count as u64 >= MAX_LEN {
            return Err(BuilderError::TooLong {
                kind: Kind::Dict,
                len: frame.count as u64 + 1,
            });
        }
        let hash = frame.hashing.then(|| self.hasher.hash_one(key.as_bytes()));
        // A hash hit is confirmed by comparing bytes; a miss proves the key is new.
        let may_repeat = match hash {
            Some(hash) => frame.key_hashes.contains(&hash),
            None => true,
        };
        let repeated = may_repeat
            && frame
                .keys
                .iter()
                .any(|&(at, len)| &out[at..at + len] == key.as_bytes());
        if repeated {
            return Err(BuilderError::DuplicateKey(key.to_owned()));
        }
        codec::put_len(&mut self.out, key.len());
        let at = self.out.len();
        self.out.extend_from_slice(key.as_bytes());
        frame.keys.push((at, key.len()));
        if let Some(hash) = hash {
            frame.key_hashes.insert(hash);
        } else if frame.keys.len() > SMALL_DICT {
            let out = &self.out;
            let hasher = &self.hasher;
            frame.hashing = true;
            frame.key_hashes.extend(
                frame
                    .keys
                    .iter()
                    .map(|&(at, len)| hasher.hash_one(&out[at..at + len])),
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
        match self.stack.last() {
            Some(frame) if frame.kind == kind => {
                if frame.pending_key {
                    return Err(BuilderError::MissingValue);
                }
            }
            open => {
                return Err(BuilderError::MismatchedEnd {
                    open: open.map(|frame| frame.kind),
                    end: kind,
                })
            }
        }
        let frame = self.stack.pop().expect("checked above");
        codec::patch_len(&mut self.out, frame.count_at, frame.count);
        self.spare.push(frame);
        Ok(())
    }

    /// Whether the root value is complete (a `finish` would succeed).
    pub fn is_complete(&self) -> bool {
        self.root_started && self.stack.is_empty()
    }

    /// The blob written so far, if the root value is complete (else an error).
    pub fn bytes_so_far(&self) -> Result<&[u8], BuilderError> {
        if self.is_complete() {
            Ok(&self.out)
        } else {
            Err(BuilderError::Incomplete {
                open: self.stack.len(),
            })
        }
    }

    /// Takes the finished blob and resets the builder for the next one.
    pub fn finish(&mut self) -> Result<Vec<u8>, BuilderError> {
        self.bytes_so_far()?;
        let mut next = Vec::with_capacity(256);
        codec::put_header(&mut next);
        self.root_started = false;
        Ok(std::mem::replace(&mut self.out, next))
    }
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
