//! The constants of the wire format (specified in `docs/wire-format.md`): the
//! header, the tags and the limits. Nothing here depends on the codec crate.

/// Every blob starts with these four bytes. The first is not ASCII, so a blob
/// passed through a text transform (or a text file mistaken for a blob) is caught.
pub(crate) const MAGIC: [u8; 4] = [0x89, b'N', b'O', b'B'];
/// The format version this library writes and the only one it reads.
pub(crate) const VERSION: u8 = 1;
/// Magic plus version.
pub(crate) const HEADER_LEN: usize = MAGIC.len() + 1;

/// The tag byte that starts every value.
pub(crate) mod tag {
    pub(crate) const NULL: u8 = 0x00;
    pub(crate) const FALSE: u8 = 0x01;
    pub(crate) const TRUE: u8 = 0x02;
    /// Followed by an i64, little-endian two's complement.
    pub(crate) const INT: u8 = 0x03;
    /// Followed by the 8 bytes of an IEEE 754 binary64, little-endian.
    pub(crate) const FLOAT: u8 = 0x04;
    /// Followed by a u32 byte length and that many bytes of UTF-8.
    pub(crate) const STR: u8 = 0x05;
    /// Followed by a u32 byte length and that many bytes.
    pub(crate) const BYTES: u8 = 0x06;
    /// Followed by a u32 item count and that many values.
    pub(crate) const LIST: u8 = 0x07;
    /// Followed by a u32 entry count and that many (key, value) pairs; a key is a
    /// u32 byte length and that many bytes of UTF-8 (no tag).
    pub(crate) const DICT: u8 = 0x08;
}

/// How deeply lists and dicts may nest: a scalar root has depth 0, `[1]` depth 1.
/// Encoders refuse deeper values, decoders refuse deeper blobs (the limit keeps
/// a hostile blob from exhausting the stack).
pub(crate) const MAX_DEPTH: usize = 256;

/// The largest string, bytes length or container count one prefix can state.
pub(crate) const MAX_LEN: u64 = u32::MAX as u64;

/// The fewest bytes a value occupies (its tag): bounds a list's count by what remains.
pub(crate) const MIN_VALUE_LEN: usize = 1;
/// The fewest bytes a dict entry occupies (an empty key's length and a one-byte value).
pub(crate) const MIN_ENTRY_LEN: usize = 4 + MIN_VALUE_LEN;
