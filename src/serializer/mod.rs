//! FastSerializer: one documented binary format for values shared by C, Python
//! and Rust (specified in `docs/wire-format.md`).
//!
//! - [`value`]: the value model ([`Value`]).
//! - [`format`]: the header, tags and limits of the format.
//! - [`codec`]: encoding and decoding (the only module that knows the codec crate).
//! - [`document`]: a decoded blob read in place (what the C reader uses).
//! - [`builder`]: writing a blob value by value, without building a [`Value`].
//!
//! Thread safety: everything here is either pure functions or plain owned data.

pub mod builder;
pub mod codec;
pub mod document;
pub mod error;
pub(crate) mod format;
pub mod value;

pub use builder::{Builder, BuilderError};
pub use codec::{decode, encode, encode_into, encoded_len, EncodeIntoError};
pub use document::{BorrowedDocument, Document, NodeRef};
pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use value::{Kind, Value};

use rayon::prelude::*;

/// Encodes many values in parallel (on rayon's global pool); one result per value,
/// in order.
pub fn encode_batch(values: &[&Value]) -> Vec<Result<Vec<u8>, EncodeError>> {
    values.par_iter().map(|value| encode(value)).collect()
}

/// Decodes many blobs in parallel; one result per blob, in order.
pub fn decode_batch(blobs: &[&[u8]]) -> Vec<Result<Value, DecodeError>> {
    blobs.par_iter().map(|blob| decode(blob)).collect()
}
