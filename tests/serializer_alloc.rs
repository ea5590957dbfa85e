//! Decoding allocates in proportion to the blob, whatever the blob claims: a counting
//! allocator records the peak of live heap bytes while hostile and ordinary blobs are
//! decoded. (One test function: the counters are global to this test binary.)

use noob_core::serializer::{decode, encode, Document, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak live bytes above the starting level while `f` runs.
fn peak_during(f: impl FnOnce()) -> usize {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    f();
    PEAK.load(Relaxed) - base
}

fn blob_of(body: &[u8]) -> Vec<u8> {
    let mut blob = vec![0x89, b'N', b'O', b'B', 1];
    blob.extend_from_slice(body);
    blob
}

#[test]
fn decoding_allocates_in_proportion_to_the_blob() {
    // Lying counts and lengths: refused before anything is reserved for them.
    let lies = [
        blob_of(&[7, 0xff, 0xff, 0xff, 0xff, 0]),
        blob_of(&[8, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0]),
        blob_of(&[5, 0xff, 0xff, 0xff, 0xff, b'a']),
        blob_of(&[6, 0xff, 0xff, 0xff, 0x7f, 0]),
        // A list that claims 100 items and has 10: the claim fits what remains, the
        // items do not.
        blob_of(&[&[7u8, 100, 0, 0, 0][..], &[0u8; 99]].concat()),
    ];
    for blob in &lies {
        let peak = peak_during(|| {
            assert!(decode(blob).is_err());
            assert!(Document::from_slice(blob).is_err());
        });
        assert!(
            peak <= 64 * 1024,
            "{peak} bytes for a {}-byte lie",
            blob.len()
        );
    }
    // The worst ordinary shapes: one-byte items (the most nodes per byte), deep
    // nesting, many tiny dicts.
    let nulls = Value::List(vec![Value::Null; 100_000]);
    let mut deep = Value::Null;
    for _ in 0..250 {
        deep = Value::List(vec![deep, Value::Null]);
    }
    let dicts = Value::List(
        (0..20_000)
            .map(|i| Value::Dict(vec![(String::new(), Value::Int(i))]))
            .collect(),
    );
    let frame = Value::Bytes(vec![7; 1 << 20]);
    for value in [nulls, deep, dicts, frame] {
        let blob = encode(&value).unwrap();
        let limit = 128 * blob.len() + 64 * 1024;
        let peak = peak_during(|| drop(decode(&blob).unwrap()));
        assert!(
            peak <= limit,
            "decode: {peak} bytes for {} bytes of blob",
            blob.len()
        );
        let peak = peak_during(|| drop(Document::from_slice(&blob).unwrap()));
        assert!(
            peak <= limit,
            "Document: {peak} bytes for {} bytes of blob",
            blob.len()
        );
        eprintln!(
            "{} bytes of blob: decode peak {} B, Document peak {} B",
            blob.len(),
            peak_during(|| drop(decode(&blob).unwrap())),
            peak
        );
    }
}
