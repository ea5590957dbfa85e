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

// ---------------------------------------------------------------------------
// Workloads: a port of workloads.py (Lcg, make_dict's units, small_dict, frame_dict)
// ---------------------------------------------------------------------------

struct Lcg(u64);

impl Lcg {
    fn step(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }
    fn draw(&mut self, n: u64) -> i64 {
        ((self.step() >> 33) % n) as i64
    }
    fn unit(&mut self) -> f64 {
        (self.step() >> 33) as f64 / 2147483648.0
    }
}

/// Python's `round(x, digits)` (correctly rounded, through decimal text).
fn round(x: f64, digits: usize) -> f64 {
    format!("{x:.digits$}").parse().unwrap()
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

fn dict(entries: Vec<(&str, Value)>) -> Value {
    Value::Dict(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

const LABELS: [&str; 4] = ["good", "mua", "noise", "unsorted"];
const PROBES: [&str; 4] = [
    "neuropixels-1.0",
    "neuropixels-2.0",
    "tetrode-32",
    "utah-96",
];

fn unit_record(rng: &mut Lcg, i: i64) -> Value {
    let n_spk = 6 + rng.draw(5);
    let t0 = rng.unit() * 10.0;
    dict(vec![
        ("id", Value::Int(i)),
        ("channel", Value::Int(rng.draw(384))),
        ("firing_rate", Value::Float(round(rng.unit() * 40.0, 4))),
        (
            "amplitude",
            Value::Float(-round(20.0 + rng.unit() * 180.0, 3)),
        ),
        ("snr", Value::Float(round(1.0 + rng.unit() * 9.0, 3))),
        ("label", s(LABELS[rng.draw(4) as usize])),
        ("is_noise", Value::Bool(rng.draw(8) == 0)),
        (
            "quality",
            if rng.draw(3) == 0 {
                Value::Null
            } else {
                Value::Float(round(rng.unit(), 4))
            },
        ),
        (
            "spike_times",
            Value::List(
                (0..n_spk)
                    .map(|j| Value::Float(round(t0 + j as f64 * 0.033 + rng.unit() * 0.01, 6)))
                    .collect(),
            ),
        ),
        (
            "waveform",
            Value::List((0..12).map(|_| Value::Int(rng.draw(4096) - 2048)).collect()),
        ),
        (
            "template",
            dict(vec![
                ("peak", Value::Int(rng.draw(16))),
                ("trough", Value::Float(-round(rng.unit() * 100.0, 2))),
            ]),
        ),
    ])
}

/// `make_dict(target)`: the unit counts are those workloads.py's bisection finds
/// (43, 452 and 4615 units for 10 KB, 100 KB and 1 MB at seed 1).
fn make_dict(n_units: i64, seed: u64) -> Value {
    let mut rng = Lcg(seed);
    let epoch = 1000 + rng.draw(1000);
    let timestamp = 1_700_000_000.0 + rng.unit() * 1000.0;
    let probe = PROBES[rng.draw(4) as usize];
    let units = (0..n_units)
        .map(|i| (format!("unit_{i:05}"), unit_record(&mut rng, i)))
        .collect();
    dict(vec![
        ("node_id", s("spike_sorter")),
        ("signal", s("units")),
        ("epoch", Value::Int(epoch)),
        ("timestamp", Value::Float(timestamp)),
        ("complete", Value::Bool(true)),
        ("error", Value::Null),
        (
            "config",
            dict(vec![
                ("sample_rate", Value::Float(30000.0)),
                ("n_channels", Value::Int(384)),
                ("probe", s(probe)),
                (
                    "bandpass",
                    Value::List(vec![Value::Float(300.0), Value::Float(6000.0)]),
                ),
                ("whitening", Value::Bool(false)),
                ("threshold", Value::Float(-4.5)),
                ("seed", Value::Int(seed as i64)),
            ]),
        ),
        ("units", Value::Dict(units)),
    ])
}

fn small_dict(i: i64, seed: i64) -> Value {
    let mut rng = Lcg((seed * 1_000_003 + i) as u64);
    let node = format!("node_{:02}", rng.draw(50));
    let signal = ["value", "frame", "meta"][rng.draw(3) as usize];
    let value = round(rng.unit() * 100.0, 6);
    let count = rng.draw(100_000);
    let valid = rng.draw(10) != 0;
    let xy = vec![
        Value::Float(round(rng.unit() * 640.0, 2)),
        Value::Float(round(rng.unit() * 480.0, 2)),
    ];
    let roi = dict(vec![
        ("x", Value::Int(rng.draw(640))),
        ("y", Value::Int(rng.draw(480))),
        ("r", Value::Int(rng.draw(32))),
    ]);
    dict(vec![
        ("node_id", Value::Str(node)),
        ("signal", s(signal)),
        ("epoch", Value::Int(i / 20)),
        (
            "timestamp",
            Value::Float(1_700_000_000.0 + i as f64 * 0.001),
        ),
        ("value", Value::Float(value)),
        ("count", Value::Int(count)),
        ("valid", Value::Bool(valid)),
        ("error", Value::Null),
        ("unit", s("px")),
        ("xy", Value::List(xy)),
        ("roi", roi),
    ])
}

fn frame_dict(seed: u64) -> Value {
    let (width, height) = (640usize, 480usize);
    let mut rng = Lcg(seed);
    let noise: Vec<u8> = (0..width).map(|_| rng.draw(16) as u8).collect();
    let mut frame = Vec::with_capacity(width * height);
    for y in 0..height {
        let shift = y % width;
        for x in 0..width {
            let base = (((x + y) >> 1) & 0xF0) as u8;
            frame.push(base | noise[(x + shift) % width]);
        }
    }
    dict(vec![
        ("node_id", s("camera_0")),
        ("signal", s("frame")),
        ("epoch", Value::Int(42)),
        ("timestamp", Value::Float(1_700_000_000.125)),
        (
            "shape",
            Value::List(vec![Value::Int(height as i64), Value::Int(width as i64)]),
        ),
        ("dtype", s("uint8")),
        ("exposure_ms", Value::Float(8.3)),
        ("dropped", Value::Bool(false)),
        ("frame", Value::Bytes(frame)),
    ])
}

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

/// Pushes a value through the C builder functions, one call per item, as C code would.
fn push_c(builder: *mut noob_value_builder, value: &Value) {
    // SAFETY: a live builder; pointers with their lengths.
    let code = unsafe {
        match value {
            Value::Null => noob_value_builder_push_null(builder),
            Value::Bool(b) => noob_value_builder_push_bool(builder, *b),
            Value::Int(n) => noob_value_builder_push_int(builder, *n),
            Value::Float(x) => noob_value_builder_push_float(builder, *x),
            Value::Str(text) => {
                noob_value_builder_push_str(builder, text.as_ptr().cast(), text.len())
            }
            Value::Bytes(bytes) => {
                noob_value_builder_push_bytes(builder, bytes.as_ptr(), bytes.len())
            }
            Value::List(items) => {
                noob_value_builder_begin_list(builder);
                items.iter().for_each(|item| push_c(builder, item));
                noob_value_builder_end_list(builder)
            }
            Value::Dict(entries) => {
                noob_value_builder_begin_dict(builder);
                for (key, item) in entries {
                    noob_value_builder_push_key(builder, key.as_ptr().cast(), key.len());
                    push_c(builder, item);
                }
                noob_value_builder_end_dict(builder)
            }
        }
    };
    assert_eq!(code, noob_result::NOOB_OK);
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

fn payloads() -> Vec<(&'static str, Value)> {
    vec![
        ("frame (pickle 307,361 B)", frame_dict(5)),
        ("10KB dict (pickle 10,212 B)", make_dict(43, 1)),
        ("100KB dict (pickle 102,327 B)", make_dict(452, 1)),
        ("1MB dict (pickle 1,048,484 B)", make_dict(4615, 1)),
    ]
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
