//! `SharedBytes`: an immutable, reference-counted byte string in one
//! allocation with an 8-byte header (count and length), behind a thin pointer.
//!
//! It exists for memory per stored event, a goal of the store: `Arc<[u8]>`
//! spends 16 header bytes (strong and weak counts) and a 16-byte fat pointer,
//! so a 64-byte value costs a 96-byte heap block plus 16 bytes where it is
//! referenced; `SharedBytes` costs an 80-byte block plus 8 (measured with
//! `examples/event_store_memory`). It also allocates fallibly: a value the
//! allocator cannot hold is an error, not an abort.
//!
//! Limits: at most `u32::MAX` bytes (the store allows 1 GiB) and fewer than
//! 2^31 live handles per value (a clone beyond that panics instead of
//! overflowing the count).
//!
//! Thread safety: `Send + Sync`, like `Arc<[u8]>`: the bytes never change and
//! the count is atomic.

use std::alloc::{self, Layout};
use std::fmt;
use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicU32, Ordering};

#[repr(C)]
struct Header {
    count: AtomicU32,
    len: u32,
}

const HEADER: usize = std::mem::size_of::<Header>();
const MAX_COUNT: u32 = 1 << 31;

/// The allocator refused a block, or the length does not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocError(pub usize);

pub struct SharedBytes {
    header: NonNull<Header>,
}

// SAFETY: the bytes are immutable after construction and the count is atomic,
// so handles may be sent and shared between threads (as for `Arc<[u8]>`).
unsafe impl Send for SharedBytes {}
// SAFETY: as above.
unsafe impl Sync for SharedBytes {}

fn layout(len: usize) -> Option<Layout> {
    Layout::from_size_align(HEADER.checked_add(len)?, std::mem::align_of::<Header>()).ok()
}

impl SharedBytes {
    /// Copies `bytes` into a new block.
    pub fn copy_from(bytes: &[u8]) -> Result<Self, AllocError> {
        let len = u32::try_from(bytes.len()).map_err(|_| AllocError(bytes.len()))?;
        let layout = layout(bytes.len()).ok_or(AllocError(bytes.len()))?;
        // SAFETY: the layout has a non-zero size (it includes the header).
        let raw = unsafe { alloc::alloc(layout) }.cast::<Header>();
        let header = NonNull::new(raw).ok_or(AllocError(bytes.len()))?;
        // SAFETY: the block is fresh, aligned for `Header` and `HEADER + len`
        // bytes long: the header and the bytes are written inside it, once.
        unsafe {
            header.as_ptr().write(Header {
                count: AtomicU32::new(1),
                len,
            });
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                raw.cast::<u8>().add(HEADER),
                bytes.len(),
            );
        }
        Ok(SharedBytes { header })
    }

    fn header(&self) -> &Header {
        // SAFETY: the block lives while any handle does, and this is one.
        unsafe { self.header.as_ref() }
    }

    /// Asks the CPU to start loading the block's header into cache (a hint:
    /// no effect on behaviour; a no-op off x86-64).
    #[inline]
    pub fn prefetch(&self) {
        prefetch(self.header.as_ptr());
    }

    /// How many handles share these bytes (for tests and diagnostics).
    pub fn handle_count(&self) -> u32 {
        self.header().count.load(Ordering::Acquire)
    }
}

/// Asks the CPU to start loading the cache line at `address` (a hint: no
/// effect on behaviour; a no-op off x86-64).
#[inline]
pub(crate) fn prefetch<T>(address: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads nothing architecturally, for
    // any address.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(address.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
}

impl Deref for SharedBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        let len = self.header().len as usize;
        // SAFETY: `len` initialised bytes follow the header, immutable while
        // any handle lives.
        unsafe { std::slice::from_raw_parts(self.header.as_ptr().cast::<u8>().add(HEADER), len) }
    }
}

impl Clone for SharedBytes {
    fn clone(&self) -> Self {
        // Relaxed is enough to take a new reference while holding one (as in `Arc`).
        let before = self.header().count.fetch_add(1, Ordering::Relaxed);
        if before >= MAX_COUNT {
            self.header().count.fetch_sub(1, Ordering::Relaxed);
            panic!("a value has {before} live handles, more than SharedBytes allows");
        }
        SharedBytes {
            header: self.header,
        }
    }
}

impl Drop for SharedBytes {
    fn drop(&mut self) {
        if self.header().count.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // Every other handle's uses happen before the block is freed (as in `Arc`).
        fence(Ordering::Acquire);
        let len = self.header().len as usize;
        let layout = layout(len).expect("the layout was valid when allocated");
        // SAFETY: this was the last handle; the block came from `alloc` with this layout.
        unsafe { alloc::dealloc(self.header.as_ptr().cast(), layout) }
    }
}

impl PartialEq for SharedBytes {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn copies_shares_and_frees() {
        let value = SharedBytes::copy_from(b"hello").unwrap();
        assert_eq!(&*value, b"hello");
        let other = value.clone();
        assert_eq!(value.handle_count(), 2);
        drop(value);
        assert_eq!(other.handle_count(), 1);
        assert_eq!(&*other, b"hello");
    }

    #[test]
    fn empty_and_large_values() {
        let empty = SharedBytes::copy_from(&[]).unwrap();
        assert!(empty.is_empty());
        let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let copy = SharedBytes::copy_from(&big).unwrap();
        assert_eq!(&*copy, &big[..]);
        assert_eq!(copy, copy.clone());
    }

    #[test]
    fn handles_cross_threads() {
        let value = Arc::new(SharedBytes::copy_from(&[7u8; 64]).unwrap());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let value = Arc::clone(&value);
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        let handle = (*value).clone();
                        assert_eq!(handle[63], 7);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(value.handle_count(), 1);
    }
}
