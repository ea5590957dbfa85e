//! `Payloads`: a key's payloads in order, in fixed blocks of `BLOCK` (64)
//! records that never move once written.
//!
//! Why not a `VecDeque<Payload>`: a record is 88 bytes (a short value inline),
//! and a growing deque copies every record each time it doubles, into fresh
//! memory that the kernel must fault in again. Measured on a fresh store of the
//! 1M workload, that copying was most of what an add lost when values went
//! inline (104-124 ns an add against 92-96 ns with reallocation made free).
//! Blocks are written once, in place: an add touches one new record, a new
//! block every 64 adds, and a streaming key frees its oldest block every 64
//! evictions (the allocator hands it back for the next one).
//!
//! A key with few events does not pay a whole block: while it has one block,
//! that block starts at 4 records and doubles up to `BLOCK` (the copies stay
//! below 64 records).
//!
//! Layout: logical position `at` is slot `head + at` counted from the first
//! slot of `blocks[0]`; every block has `BLOCK` slots except a lone first one,
//! which may be smaller. Slots outside `head..head + len` are empty.
//!
//! Not synchronised (a shard's lock guards it).

use super::shard::Payload;

/// Records per block (a power of two): 64 x 88 = 5,632 bytes.
const BLOCK: usize = 64;
/// The first block's size for a new key.
const FIRST_BLOCK: usize = 4;

// An empty slot costs no space: `Option` uses a spare value of the value's tag.
const _: () = assert!(std::mem::size_of::<Option<Payload>>() == std::mem::size_of::<Payload>());

type Block = Box<[Option<Payload>]>;

fn new_block(slots: usize) -> Block {
    std::iter::repeat_with(|| None).take(slots).collect()
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Payloads {
    blocks: Vec<Block>,
    head: usize,
    len: usize,
}

impl Payloads {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn slot(&self, at: usize) -> &Option<Payload> {
        let s = self.head + at;
        &self.blocks[s / BLOCK][s % BLOCK]
    }

    #[inline]
    fn slot_mut(&mut self, at: usize) -> &mut Option<Payload> {
        let s = self.head + at;
        &mut self.blocks[s / BLOCK][s % BLOCK]
    }

    /// The payload at `at`, if `at < len`.
    #[inline]
    pub fn get(&self, at: usize) -> Option<&Payload> {
        if at < self.len {
            self.slot(at).as_ref()
        } else {
            None
        }
    }

    #[inline]
    pub fn back(&self) -> Option<&Payload> {
        self.len.checked_sub(1).and_then(|at| self.get(at))
    }

    /// Payloads `range.start..range.end` (within `0..len`), in order.
    pub fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &Payload> {
        assert!(range.end <= self.len, "range past the end");
        range.map(move |at| self.slot(at).as_ref().expect("slots below len are filled"))
    }

    /// Slots the blocks hold, from the first slot of `blocks[0]`.
    fn capacity(&self) -> usize {
        match self.blocks.as_slice() {
            [] => 0,
            [only] => only.len(),
            blocks => blocks.len() * BLOCK,
        }
    }

    pub fn push_back(&mut self, payload: Payload) {
        let s = self.head + self.len;
        if s == self.capacity() {
            match self.blocks.len() {
                0 => self.blocks.push(new_block(FIRST_BLOCK)),
                1 if self.blocks[0].len() < BLOCK => {
                    // A lone small block doubles (moving its records to the
                    // front of the new one).
                    let mut grown = new_block((self.blocks[0].len() * 2).min(BLOCK));
                    for (to, at) in (self.head..s).enumerate() {
                        grown[to] = self.blocks[0][at].take();
                    }
                    self.blocks[0] = grown;
                    self.head = 0;
                }
                _ => self.blocks.push(new_block(BLOCK)),
            }
        }
        let at = self.len;
        self.len += 1;
        *self.slot_mut(at) = Some(payload);
    }

    pub fn pop_front(&mut self) -> Option<Payload> {
        if self.len == 0 {
            return None;
        }
        let payload = self.slot_mut(0).take();
        self.len -= 1;
        self.head += 1;
        if self.len == 0 {
            *self = Payloads::default();
        } else if self.head == BLOCK {
            // Only a full-size block can be emptied with records after it.
            self.blocks.remove(0);
            self.head = 0;
        }
        payload
    }

    /// Inserts at `at` (`<= len`), moving later records up by one.
    pub fn insert(&mut self, at: usize, payload: Payload) {
        assert!(at <= self.len, "insert past the end");
        let mut carry = payload;
        for i in at..self.len {
            carry = self
                .slot_mut(i)
                .replace(carry)
                .expect("slots below len are filled");
        }
        self.push_back(carry);
    }

    /// Removes `count` records from `start` (within `0..len`), passing each
    /// to `removed` in order, and moves later ones down.
    pub fn remove_range(&mut self, start: usize, count: usize, mut removed: impl FnMut(Payload)) {
        assert!(start + count <= self.len, "range past the end");
        if start == 0 {
            for _ in 0..count {
                removed(self.pop_front().expect("count <= len"));
            }
            return;
        }
        for i in start..start + count {
            removed(self.slot_mut(i).take().expect("slots below len are filled"));
        }
        for i in start + count..self.len {
            let moved = self.slot_mut(i).take();
            *self.slot_mut(i - count) = moved;
        }
        self.len -= count;
        // Drop trailing blocks left empty (the first block always stays).
        while self.blocks.len() > 1 && self.head + self.len <= (self.blocks.len() - 1) * BLOCK {
            self.blocks.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_store::value::Value;
    use std::collections::VecDeque;

    fn payload(id: u64) -> Payload {
        Payload {
            id,
            timestamp: id as f64,
            value: Value::copy_from(&id.to_le_bytes()).unwrap(),
        }
    }

    fn ids(payloads: &Payloads) -> Vec<u64> {
        payloads.range(0..payloads.len()).map(|p| p.id).collect()
    }

    /// Random pushes, pops, inserts and middle removals agree with a
    /// `VecDeque`, across block boundaries and the small first block.
    #[test]
    fn agrees_with_a_deque() {
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % n
        };
        let mut payloads = Payloads::default();
        let mut model: VecDeque<u64> = VecDeque::new();
        let mut id = 0;
        for step in 0..20_000 {
            match next(10) {
                0..=4 => {
                    id += 1;
                    payloads.push_back(payload(id));
                    model.push_back(id);
                }
                5 | 6 => {
                    let got = payloads.pop_front().map(|p| p.id);
                    assert_eq!(got, model.pop_front(), "step {step}");
                }
                7 => {
                    id += 1;
                    let at = next(model.len() as u64 + 1) as usize;
                    payloads.insert(at, payload(id));
                    model.insert(at, id);
                }
                _ => {
                    if !model.is_empty() {
                        let start = next(model.len() as u64) as usize;
                        let count = next((model.len() - start) as u64 + 1) as usize;
                        let mut got = Vec::new();
                        payloads.remove_range(start, count, |p| got.push(p.id));
                        let expected: Vec<u64> = model.drain(start..start + count).collect();
                        assert_eq!(got, expected, "step {step}");
                    }
                }
            }
            assert_eq!(payloads.len(), model.len());
            assert_eq!(payloads.back().map(|p| p.id), model.back().copied());
            if step % 50 == 0 {
                assert_eq!(ids(&payloads), Vec::from(model.clone()), "step {step}");
                let at = next(model.len() as u64 + 2) as usize;
                assert_eq!(payloads.get(at).map(|p| p.id), model.get(at).copied());
                assert!(payloads.capacity() - payloads.head >= payloads.len());
                assert!(
                    payloads.blocks.len() <= 1 + (payloads.head + payloads.len) / BLOCK,
                    "no spare trailing blocks"
                );
            }
        }
    }

    #[test]
    fn a_small_key_keeps_a_small_block() {
        let mut payloads = Payloads::default();
        for id in 0..3 {
            payloads.push_back(payload(id));
        }
        assert_eq!(payloads.capacity(), FIRST_BLOCK);
        for id in 3..200 {
            payloads.push_back(payload(id));
        }
        assert_eq!(payloads.blocks.len(), 4);
        assert!(payloads.blocks.iter().all(|b| b.len() == BLOCK));
        assert_eq!(ids(&payloads), (0..200).collect::<Vec<_>>());
        for id in 0..200 {
            assert_eq!(payloads.pop_front().map(|p| p.id), Some(id));
        }
        assert!(payloads.blocks.is_empty() && payloads.pop_front().is_none());
    }
}
