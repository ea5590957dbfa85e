//! `Payloads`: a key's payloads in order, in fixed blocks of `BLOCK` (64)
//! records that never move once written.
//!
//! Why not a `VecDeque<Payload>`: a record is 88 bytes (a short value inline),
//! and a growing deque copies every record each time it doubles, into fresh
//! memory that the kernel must fault in again. Measured on a fresh store of the
//! 1M workload, that copying was most of what an add lost when values went
//! inline (104-124 ns an add against 92-96 ns with reallocation made free).
//! Blocks are written once, in place: an add writes one new record, opens a
//! new block every `BLOCK` adds (no record is moved, and the allocator only
//! faults in the pages written), and a streaming key frees its oldest block
//! once all its records were evicted.
//!
//! Why blocks of 1,024 (90 KB) and not a few KB: a cold get must find the
//! block before the record, one more dependent load; with ~7 blocks for the
//! workload's 6,700-event keys, the block list is a few cache lines that stay
//! cached (blocks of 64 put 105 of them per key, and cold gets measured
//! 20-40% slower).
//!
//! A key with few events does not pay a whole block: a lone first block is a
//! deque that grows by doubling up to `BLOCK` records (copies happen only
//! there, below 1,024 records a key).
//!
//! Layout: every block holds `BLOCK` records except the first (records may
//! have been removed from its front) and the last (still filling). So
//! position `at` is in the first block if `at < first.len()`, else at
//! `at - first.len()` counted from the start of `blocks[1]`.
//!
//! Not synchronised (a shard's lock guards it).

use super::shard::Payload;
use std::collections::VecDeque;

/// Records per block (a power of two): 1,024 x 88 = 90,112 bytes.
const BLOCK: usize = 1024;

#[derive(Clone, Debug, Default)]
pub(crate) struct Payloads {
    blocks: Vec<VecDeque<Payload>>,
    len: usize,
}

impl Payloads {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The payload at `at`, if `at < len`.
    #[inline]
    pub fn get(&self, at: usize) -> Option<&Payload> {
        let first = self.blocks.first()?;
        if at < first.len() {
            return first.get(at);
        }
        let rest = at - first.len();
        self.blocks.get(1 + rest / BLOCK)?.get(rest % BLOCK)
    }

    #[inline]
    pub fn back(&self) -> Option<&Payload> {
        self.blocks.last()?.back()
    }

    /// Payloads `range.start..range.end` (within `0..len`), in order.
    pub fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = &Payload> {
        assert!(range.end <= self.len, "range past the end");
        range.map(move |at| self.get(at).expect("positions below len hold a record"))
    }

    pub fn push_back(&mut self, payload: Payload) {
        match self.blocks.last_mut() {
            Some(last) if last.len() < BLOCK => last.push_back(payload),
            _ => {
                // A new key's block starts small and doubles; later blocks
                // are allocated whole (their pages faulted in as written).
                let mut block = if self.blocks.is_empty() {
                    VecDeque::new()
                } else {
                    VecDeque::with_capacity(BLOCK)
                };
                block.push_back(payload);
                self.blocks.push(block);
            }
        }
        self.len += 1;
    }

    pub fn pop_front(&mut self) -> Option<Payload> {
        let first = self.blocks.first_mut()?;
        let payload = first.pop_front()?;
        if first.is_empty() {
            self.blocks.remove(0);
        }
        self.len -= 1;
        Some(payload)
    }

    /// Inserts at `at` (`<= len`), moving later records up by one (the
    /// last record of each full block on the way goes to the next block's
    /// front).
    pub fn insert(&mut self, at: usize, payload: Payload) {
        assert!(at <= self.len, "insert past the end");
        if at == self.len {
            return self.push_back(payload);
        }
        let (mut block, offset) = match self.blocks[0].len() {
            first if at < first => (0, at),
            first => (1 + (at - first) / BLOCK, (at - first) % BLOCK),
        };
        let mut carry = Some(payload);
        let mut offset = offset;
        while let Some(item) = carry.take() {
            if block == self.blocks.len() {
                self.blocks.push(VecDeque::with_capacity(BLOCK));
            }
            let target = &mut self.blocks[block];
            if target.len() == BLOCK {
                carry = target.pop_back();
            }
            target.insert(offset, item);
            block += 1;
            offset = 0;
        }
        self.len += 1;
    }

    /// Removes `count` records from `start` (within `0..len`), passing each
    /// to `removed` in order, and moves later ones down.
    pub fn remove_range(&mut self, start: usize, count: usize, mut removed: impl FnMut(Payload)) {
        assert!(start + count <= self.len, "range past the end");
        if count == 0 {
            return;
        }
        if start == 0 {
            for _ in 0..count {
                removed(self.pop_front().expect("count <= len"));
            }
            return;
        }
        // A removal in the middle (a cleared epoch that is not the oldest):
        // rare, rebuilt whole so that inner blocks stay full.
        let mut all = std::mem::take(self);
        let mut at = 0;
        while let Some(payload) = all.pop_front() {
            if (start..start + count).contains(&at) {
                removed(payload);
            } else {
                self.push_back(payload);
            }
            at += 1;
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
        let mut lcg = crate::event_store::workload::Lcg::new(7u64);
        let mut next = |n: u64| lcg.draw(n);
        let mut payloads = Payloads::default();
        let mut model: VecDeque<u64> = VecDeque::new();
        let mut id = 0;
        for step in 0..6_000 {
            match next(10) {
                0..=4 => {
                    // Now and then a burst, to cross block boundaries.
                    let burst = if next(50) == 0 { 700 } else { 1 };
                    for _ in 0..burst {
                        id += 1;
                        payloads.push_back(payload(id));
                        model.push_back(id);
                    }
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
                        let count = next((model.len() - start).min(9) as u64 + 1) as usize;
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
                let blocks = &payloads.blocks;
                assert!(blocks.iter().all(|b| !b.is_empty() && b.len() <= BLOCK));
                if blocks.len() > 2 {
                    assert!(blocks[1..blocks.len() - 1].iter().all(|b| b.len() == BLOCK));
                }
            }
        }
    }

    #[test]
    fn a_small_key_keeps_a_small_block() {
        let mut payloads = Payloads::default();
        for id in 0..3 {
            payloads.push_back(payload(id));
        }
        assert!(payloads.blocks[0].capacity() < 8);
        for id in 3..2 * BLOCK as u64 + 5 {
            payloads.push_back(payload(id));
        }
        assert_eq!(payloads.blocks.len(), 3);
        assert_eq!(payloads.blocks[2].len(), 5);
        assert_eq!(
            ids(&payloads),
            (0..2 * BLOCK as u64 + 5).collect::<Vec<_>>()
        );
        for id in 0..2 * BLOCK as u64 + 5 {
            assert_eq!(payloads.pop_front().map(|p| p.id), Some(id));
        }
        assert!(payloads.blocks.is_empty() && payloads.pop_front().is_none());
    }
}
