//! `Value`: an event's bytes as the store keeps them. Values up to
//! `INLINE_MAX` (64) bytes live inline, in the event's own record; longer ones in a
//! shared, reference-counted block ([`SharedBytes`]).
//!
//! Why: a cold lookup waits for each cache line it follows. With every value in
//! its own heap block, a get reads the key's record, then the value's block
//! (one more dependent miss), and takes and drops a reference (an atomic write
//! to that block's line, twice); an add allocates and a clear frees. A small
//! value inline costs none of these: the record holds the bytes, a copy is a
//! copy. Memory stays at or below a block's: a 64-byte value in its own block
//! costs an 80-byte heap chunk plus 8 bytes of pointer, inline it costs the
//! 72-byte field.
//!
//! Copies handed out (an [`Event`](super::Event)) own their bytes either way:
//! inline values are copied, blocks shared, so what a caller holds never
//! changes when the store clears or evicts the event.
//!
//! Thread safety: `Send + Sync` (immutable bytes; the block's count is atomic).

use super::shared_bytes::{AllocError, SharedBytes};
use std::fmt;
use std::ops::Deref;

/// Values of at most this many bytes are stored inline (the shared workload's
/// 64-byte values are).
pub(crate) const INLINE_MAX: usize = 64;

#[derive(Clone)]
pub enum Value {
    Inline { len: u8, bytes: [u8; INLINE_MAX] },
    Shared(SharedBytes),
}

const _: () = assert!(INLINE_MAX <= u8::MAX as usize);
const _: () = assert!(std::mem::size_of::<Value>() == INLINE_MAX + 8);

impl Value {
    /// Copies `bytes`: inline if short enough, else into a new shared block.
    pub fn copy_from(bytes: &[u8]) -> Result<Self, AllocError> {
        if let Ok(full) = <&[u8; INLINE_MAX]>::try_from(bytes) {
            // The common full-size case as whole-array moves: no zeroing, no
            // memcpy call, and later moves of the value read what these wrote.
            Ok(Value::Inline {
                len: INLINE_MAX as u8,
                bytes: *full,
            })
        } else if bytes.len() <= INLINE_MAX {
            let mut inline = [0u8; INLINE_MAX];
            inline[..bytes.len()].copy_from_slice(bytes);
            Ok(Value::Inline {
                len: bytes.len() as u8,
                bytes: inline,
            })
        } else {
            SharedBytes::copy_from(bytes).map(Value::Shared)
        }
    }

    /// Asks the CPU to start loading a shared block (a hint; nothing to load
    /// for an inline value).
    #[inline]
    pub fn prefetch(&self) {
        if let Value::Shared(shared) = self {
            shared.prefetch();
        }
    }

    /// The shared block, if the value has one (to be dropped outside a lock).
    pub(crate) fn into_shared(self) -> Option<SharedBytes> {
        match self {
            Value::Inline { .. } => None,
            Value::Shared(shared) => Some(shared),
        }
    }

    pub fn is_inline(&self) -> bool {
        matches!(self, Value::Inline { .. })
    }
}

impl Deref for Value {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            Value::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Value::Shared(shared) => shared,
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_inline() { "inline" } else { "shared" };
        write!(f, "Value({} bytes, {kind})", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_inline_long_ones_shared() {
        for len in [0, 1, 63, INLINE_MAX, INLINE_MAX + 1, 1000] {
            let bytes: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
            let value = Value::copy_from(&bytes).unwrap();
            assert_eq!(&*value, &bytes[..]);
            assert_eq!(value.is_inline(), len <= INLINE_MAX, "{len}");
            let copy = value.clone();
            drop(value);
            assert_eq!(&*copy, &bytes[..], "a copy owns its bytes");
            assert_eq!(copy.clone().into_shared().is_some(), len > INLINE_MAX);
        }
    }

    #[test]
    fn shared_copies_share_one_block() {
        let value = Value::copy_from(&[9u8; 100]).unwrap();
        let copy = value.clone();
        match (&value, &copy) {
            (Value::Shared(a), Value::Shared(b)) => {
                assert_eq!(a.handle_count(), 2);
                assert_eq!(a.as_ptr(), b.as_ptr());
            }
            _ => panic!("100 bytes are shared"),
        }
    }
}
