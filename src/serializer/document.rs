//! A decoded blob kept as it is, with a flat index over it: reading a node needs no
//! allocation and no copy, and decoding costs one pass, one copy of the blob (none
//! when the blob is handed over as a `Vec`) and two growing arrays, instead of one
//! allocation per string, list and dict as a [`Value`] tree needs.
//!
//! Nodes are numbered in the order they appear in the blob; the root is node 0.
//! A node's encoding is a contiguous run of the blob, so re-encoding any node is a
//! copy.
//!
//! Thread safety: a `Document` is immutable after construction (`Send + Sync`).

use super::codec::{self, NodeData, Tree};
use super::error::DecodeError;
use super::format::{HEADER_LEN, MAGIC, VERSION};
use super::value::{Kind, Value};

pub struct Document {
    blob: Vec<u8>,
    tree: Tree,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("bytes", &self.blob.len())
            .field("nodes", &self.tree.nodes.len())
            .finish()
    }
}

/// One node of a [`Document`] (or of a [`visit_blob`]-style borrowed view).
#[derive(Clone, Copy)]
pub struct NodeRef<'d> {
    document: View<'d>,
    index: usize,
}

/// A validated blob and its index, borrowed.
#[derive(Clone, Copy)]
struct View<'d> {
    blob: &'d [u8],
    tree: &'d Tree,
}

/// A blob validated and indexed in place, without copying it: for reading a blob
/// once (e.g. converting it to another representation) while the caller keeps it.
pub struct BorrowedDocument<'b> {
    blob: &'b [u8],
    tree: Tree,
}

impl<'b> BorrowedDocument<'b> {
    pub fn parse(blob: &'b [u8]) -> Result<Self, DecodeError> {
        Ok(BorrowedDocument {
            blob,
            tree: codec::parse(blob)?,
        })
    }

    pub fn root(&self) -> NodeRef<'_> {
        NodeRef {
            document: View {
                blob: self.blob,
                tree: &self.tree,
            },
            index: 0,
        }
    }
}

impl Document {
    /// Validates and indexes `blob`, keeping it (no copy).
    pub fn from_vec(blob: Vec<u8>) -> Result<Self, DecodeError> {
        let tree = codec::parse(&blob)?;
        Ok(Document { blob, tree })
    }

    /// Validates and indexes a copy of `blob`.
    pub fn from_slice(blob: &[u8]) -> Result<Self, DecodeError> {
        // Validate first, so a hostile blob costs no copy.
        let tree = codec::parse(blob)?;
        Ok(Document {
            blob: blob.to_vec(),
            tree,
        })
    }

    /// The whole blob.
    pub fn blob(&self) -> &[u8] {
        &self.blob
    }

    pub fn node_count(&self) -> usize {
        self.tree.nodes.len()
    }

    fn view(&self) -> View<'_> {
        View {
            blob: &self.blob,
            tree: &self.tree,
        }
    }

    pub fn root(&self) -> NodeRef<'_> {
        NodeRef {
            document: self.view(),
            index: 0,
        }
    }

    /// Node number `index`, if there is one.
    pub fn node(&self, index: usize) -> Option<NodeRef<'_>> {
        (index < self.tree.nodes.len()).then_some(NodeRef {
            document: self.view(),
            index,
        })
    }
}

impl<'d> NodeRef<'d> {
    pub fn index(self) -> usize {
        self.index
    }

    fn data(self) -> NodeData {
        self.document.tree.nodes[self.index].data
    }

    pub fn kind(self) -> Kind {
        match self.data() {
            NodeData::Null => Kind::Null,
            NodeData::Bool(_) => Kind::Bool,
            NodeData::Int(_) => Kind::Int,
            NodeData::Float(_) => Kind::Float,
            NodeData::Str => Kind::Str,
            NodeData::Bytes => Kind::Bytes,
            NodeData::List { .. } => Kind::List,
            NodeData::Dict { .. } => Kind::Dict,
        }
    }

    pub fn as_bool(self) -> Option<bool> {
        match self.data() {
            NodeData::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_int(self) -> Option<i64> {
        match self.data() {
            NodeData::Int(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_float(self) -> Option<f64> {
        match self.data() {
            NodeData::Float(x) => Some(x),
            _ => None,
        }
    }

    pub fn as_str(self) -> Option<&'d str> {
        match self.data() {
            NodeData::Str => {
                let bytes = self.document.tree.payload(self.document.blob, self.index);
                // SAFETY: validated as UTF-8 when the document was parsed.
                Some(unsafe { std::str::from_utf8_unchecked(bytes) })
            }
            _ => None,
        }
    }

    pub fn as_bytes(self) -> Option<&'d [u8]> {
        match self.data() {
            NodeData::Bytes => Some(self.document.tree.payload(self.document.blob, self.index)),
            _ => None,
        }
    }

    /// Items of a list, entries of a dict, bytes of a str or bytes value; `None` for
    /// scalars.
    pub fn len(self) -> Option<usize> {
        match self.data() {
            NodeData::Str | NodeData::Bytes => {
                let node = &self.document.tree.nodes[self.index];
                Some(node.end - node.start - 5)
            }
            NodeData::List { count, .. } | NodeData::Dict { count, .. } => Some(count),
            _ => None,
        }
    }

    /// Whether `len` is `Some(0)`.
    pub fn is_empty(self) -> bool {
        self.len() == Some(0)
    }

    /// Item `i` of a list.
    pub fn item(self, i: usize) -> Option<NodeRef<'d>> {
        match self.data() {
            NodeData::List { first, count } if i < count => Some(NodeRef {
                document: self.document,
                index: self.document.tree.slots[first + i].node,
            }),
            _ => None,
        }
    }

    /// Entry `i` of a dict: its key and value.
    pub fn entry(self, i: usize) -> Option<(&'d str, NodeRef<'d>)> {
        match self.data() {
            NodeData::Dict { first, count } if i < count => {
                let slot = &self.document.tree.slots[first + i];
                Some((
                    self.document.tree.key(self.document.blob, slot),
                    NodeRef {
                        document: self.document,
                        index: slot.node,
                    },
                ))
            }
            _ => None,
        }
    }

    /// The value under `key` in a dict (a linear search).
    pub fn get(self, key: &str) -> Option<NodeRef<'d>> {
        let NodeData::Dict { first, count } = self.data() else {
            return None;
        };
        let tree = &self.document.tree;
        tree.slots[first..first + count]
            .iter()
            .find(|slot| tree.key(self.document.blob, slot) == key)
            .map(|slot| NodeRef {
                document: self.document,
                index: slot.node,
            })
    }

    /// The node's encoding, without the blob header.
    pub fn encoding(self) -> &'d [u8] {
        let node = &self.document.tree.nodes[self.index];
        &self.document.blob[node.start..node.end]
    }

    /// The size of this node encoded as a blob of its own (header included).
    pub fn encoded_len(self) -> usize {
        HEADER_LEN + self.encoding().len()
    }

    /// Writes this node as a blob of its own into the start of `buffer`; `None` (and
    /// nothing written) if the buffer is smaller than [`encoded_len`](Self::encoded_len).
    pub fn encode_into(self, buffer: &mut [u8]) -> Option<usize> {
        let body = self.encoding();
        let len = HEADER_LEN + body.len();
        let target = buffer.get_mut(..len)?;
        target[..MAGIC.len()].copy_from_slice(&MAGIC);
        target[MAGIC.len()] = VERSION;
        target[HEADER_LEN..].copy_from_slice(body);
        Some(len)
    }

    /// This node as a blob of its own.
    pub fn encode(self) -> Vec<u8> {
        let mut out = vec![0; self.encoded_len()];
        self.encode_into(&mut out);
        out
    }

    /// The owned [`Value`] of this node.
    pub fn to_value(self) -> Value {
        self.document.tree.value(self.document.blob, self.index)
    }
}
