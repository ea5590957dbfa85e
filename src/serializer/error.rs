//! Errors of encoding, decoding and building, each saying where: a byte offset
//! into the blob for decoding, a path into the value for encoding.

use super::value::Kind;
use std::fmt;

/// Why a blob could not be decoded, and at which byte offset (from the start of
/// the blob) the problem was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub offset: usize,
    pub kind: DecodeErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The blob ends inside a field that needs `needed` bytes.
    Truncated { needed: usize, remaining: usize },
    /// The first four bytes are not the format's magic.
    BadMagic,
    /// The version byte names a format this library does not read.
    UnsupportedVersion(u8),
    /// A tag byte that names no kind.
    UnknownTag(u8),
    /// A length or count larger than the bytes that remain could hold.
    LengthTooLarge {
        what: &'static str,
        claimed: u64,
        needs: u64,
        remaining: usize,
    },
    /// A string or key is not UTF-8; the offset is that of the first bad byte.
    InvalidUtf8,
    /// Containers nest deeper than the limit.
    TooDeep { limit: usize },
    /// A dict holds the same key twice.
    DuplicateKey(String),
    /// Bytes follow the root value.
    TrailingBytes { count: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid blob at byte offset {}: ", self.offset)?;
        match &self.kind {
            DecodeErrorKind::Truncated { needed, remaining } => {
                write!(f, "truncated: {needed} bytes needed, {remaining} remain")
            }
            DecodeErrorKind::BadMagic => write!(
                f,
                "wrong magic (a blob starts with 89 4E 4F 42, \"\\x89NOB\")"
            ),
            DecodeErrorKind::UnsupportedVersion(version) => write!(
                f,
                "format version {version} is not supported (this library reads version {})",
                super::format::VERSION
            ),
            DecodeErrorKind::UnknownTag(tag) => write!(f, "unknown tag {tag:#04x}"),
            DecodeErrorKind::LengthTooLarge {
                what,
                claimed,
                needs,
                remaining,
            } => write!(
                f,
                "{what} {claimed} needs at least {needs} bytes but only {remaining} remain"
            ),
            DecodeErrorKind::InvalidUtf8 => write!(f, "text is not valid UTF-8"),
            DecodeErrorKind::TooDeep { limit } => {
                write!(f, "lists and dicts nest deeper than the limit of {limit}")
            }
            DecodeErrorKind::DuplicateKey(key) => write!(f, "dict repeats the key {key:?}"),
            DecodeErrorKind::TrailingBytes { count } => {
                write!(f, "{count} bytes follow the end of the value")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a value cannot be encoded, and where in it (`$` is the root, then
/// `[index]` and `["key"]` steps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    pub path: String,
    pub kind: EncodeErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeErrorKind {
    /// A string, bytes value, key or container larger than a u32 prefix can state.
    TooLong { kind: Kind, len: u64 },
    /// Containers nest deeper than the limit.
    TooDeep { limit: usize },
    /// A dict holds the same key twice.
    DuplicateKey(String),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot encode the value at {}: ", self.path)?;
        match &self.kind {
            EncodeErrorKind::TooLong { kind, len } => write!(
                f,
                "{kind} of length {len} is longer than the format's limit of {}",
                super::format::MAX_LEN
            ),
            EncodeErrorKind::TooDeep { limit } => {
                write!(f, "lists and dicts nest deeper than the limit of {limit}")
            }
            EncodeErrorKind::DuplicateKey(key) => write!(f, "dict repeats the key {key:?}"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Renders one path step for error messages.
pub(crate) fn key_step(key: &str) -> String {
    format!("[{key:?}]")
}
