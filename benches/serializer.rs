//! Serializer encode and decode on the shared workloads (ported from
//! `../shared/bench/workloads.py`): the 640x480 frame with metadata, the 10KB,
//! 100KB and 1MB dicts and a batch of 1,000 small dicts. Throughput is in bytes of
//! our own blob (the pickle-5 reference size of each payload is in the group name).
//!
//! `cargo bench --bench serializer`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use noob_core::ffi::result::noob_result;
use noob_core::ffi::serializer::*;
use noob_core::serializer::{decode, encode, encode_batch, Builder, Document, Value};
use std::hint::black_box;
use std::ptr::null_mut;

#[path = "support/serializer_workloads.rs"]
mod workloads;
use workloads::{payloads, push_c, small_dict};

/// Pushes a value into the streaming builder, the way a C caller would.
fn push(builder: &mut Builder, value: &Value) {
    match value {
        Value::Null => builder.null(),
        Value::Bool(b) => builder.bool(*b),
        Value::Int(n) => builder.int(*n),
        Value::Float(x) => builder.float(*x),
        Value::Str(text) => builder.str(text),
        Value::Bytes(bytes) => builder.bytes(bytes),
        Value::List(items) => {
            builder.begin_list().unwrap();
            items.iter().for_each(|item| push(builder, item));
            builder.end_list()
        }
        Value::Dict(entries) => {
            builder.begin_dict().unwrap();
            for (key, item) in entries {
                builder.key(key).unwrap();
                push(builder, item);
            }
            builder.end_dict()
        }
    }
    .unwrap()
}

fn c_abi(c: &mut Criterion) {
    for (name, value) in payloads() {
        let blob = encode(&value).unwrap();
        let mut group = c.benchmark_group(format!("C ABI: {name}"));
        group.throughput(Throughput::Bytes(blob.len() as u64));
        let mut builder = null_mut();
        // SAFETY: valid out pointer; freed after the group.
        unsafe { noob_value_builder_new(&mut builder) };
        group.bench_function("encode: builder calls + build_encoded", |b| {
            b.iter(|| {
                push_c(builder, black_box(&value));
                let mut bytes = null_mut();
                // SAFETY: live builder; the blob is freed right away.
                unsafe {
                    assert_eq!(
                        noob_value_builder_build_encoded(builder, &mut bytes),
                        noob_result::NOOB_OK
                    );
                    noob_bytes_free(bytes);
                }
            })
        });
        // SAFETY: made above.
        unsafe { noob_value_builder_free(builder) };
        group.bench_function("decode: noob_value_decode + free", |b| {
            b.iter(|| {
                let mut decoded = null_mut();
                // SAFETY: the blob with its length; the value is freed right away.
                unsafe {
                    assert_eq!(
                        noob_value_decode(black_box(blob.as_ptr()), blob.len(), &mut decoded),
                        noob_result::NOOB_OK
                    );
                    noob_value_free(decoded);
                }
            })
        });
        let mut decoded = null_mut();
        // SAFETY: valid pointers; the value is freed after the group.
        unsafe { noob_value_decode(blob.as_ptr(), blob.len(), &mut decoded) };
        let mut buffer = vec![0u8; blob.len()];
        group.bench_function("encode: noob_value_node_encode_into", |b| {
            b.iter(|| {
                let mut size = 0;
                // SAFETY: a live node; the buffer with its capacity.
                unsafe {
                    assert_eq!(
                        noob_value_node_encode_into(
                            black_box(decoded),
                            NOOB_VALUE_ROOT,
                            buffer.as_mut_ptr(),
                            buffer.len(),
                            &mut size
                        ),
                        noob_result::NOOB_OK
                    );
                }
                size
            })
        });
        // SAFETY: made above.
        unsafe { noob_value_free(decoded) };
        group.finish();
    }
}

fn single_values(c: &mut Criterion) {
    for (name, value) in payloads() {
        let blob = encode(&value).unwrap();
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(blob.len() as u64));
        group.bench_function("encode Value", |b| {
            b.iter(|| encode(black_box(&value)).unwrap())
        });
        let mut builder = Builder::new();
        group.bench_function("encode via builder", |b| {
            b.iter(|| {
                push(&mut builder, black_box(&value));
                builder.finish().unwrap()
            })
        });
        group.bench_function("decode to Value", |b| {
            b.iter(|| decode(black_box(&blob)).unwrap())
        });
        group.bench_function(
            "decode to Document (from a slice: validate, index, copy)",
            |b| b.iter(|| Document::from_slice(black_box(&blob)).unwrap()),
        );
        group.finish();
    }
}

fn batch(c: &mut Criterion) {
    let values: Vec<Value> = (0..1000).map(|i| small_dict(i, 3)).collect();
    let refs: Vec<&Value> = values.iter().collect();
    let blobs: Vec<Vec<u8>> = values.iter().map(|v| encode(v).unwrap()).collect();
    let total: usize = blobs.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("batch of 1000 small dicts (pickle 196,396 B)");
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function(BenchmarkId::new("encode", "serial"), |b| {
        b.iter(|| {
            refs.iter()
                .map(|v| encode(black_box(v)).unwrap())
                .collect::<Vec<_>>()
        })
    });
    group.bench_function(BenchmarkId::new("encode", "rayon"), |b| {
        b.iter(|| encode_batch(black_box(&refs)))
    });
    group.bench_function(BenchmarkId::new("decode", "serial"), |b| {
        b.iter(|| {
            blobs
                .iter()
                .map(|blob| decode(black_box(blob)).unwrap())
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

criterion_group!(benches, single_values, c_abi, batch);
criterion_main!(benches);
