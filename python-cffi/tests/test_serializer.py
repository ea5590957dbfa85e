"""FastSerializer: round trips, the documented format, C <-> Python, bad input."""

from __future__ import annotations

import math
import random
import struct
from pathlib import Path

import pytest

from noob_core import FastSerializer
from noob_core.exceptions import DecodeError, NoobCoreError
from noob_core.serializer import deserialize, library_decode, library_encode, serialize

REPO = Path(__file__).resolve().parents[2]
GOLDEN = sorted((REPO / "tests" / "golden").glob("*.bin"))
HEADER = b"\x89NOB\x01"


def same(a, b) -> bool:
    """Equality where floats compare by bits (NaN == NaN) and tuples are lists."""
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, (list, tuple)) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (bytearray, memoryview)):
        a = bytes(a)
    return type(a) is type(b) and a == b


def random_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(10 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.choice([0, -1, 2**63 - 1, -(2**63), rng.randrange(-(2**40), 2**40)])
    if kind == 3:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, rng.uniform(-1e9, 1e9)])
    if kind == 4:
        return "".join(rng.choice("aé€😀\x00z") for _ in range(rng.randrange(6)))
    if kind == 5:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(8)))
    if kind in (6, 7):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {f"k{i}{rng.choice('xyé')}": random_value(rng, depth + 1) for i in range(rng.randrange(5))}


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_files_pin_the_format_both_ways(path):
    blob = path.read_bytes()
    # The descriptions are Python literals, plus float("inf")/float("nan").
    expected = eval(path.with_suffix(".txt").read_text(), {"__builtins__": {}, "float": float})
    assert same(expected, deserialize(blob))
    assert same(expected, library_decode(blob))
    assert serialize(expected) == blob
    assert library_encode(expected) == blob


def test_worked_example_from_the_spec():
    blob = serialize({"id": 7, "ok": True, "xy": [1.5, None]})
    assert len(blob) == 53
    assert blob[:10] == HEADER + bytes([0x08, 3, 0, 0, 0])


def test_random_values_round_trip_and_agree_with_the_c_api():
    rng = random.Random(20261120)
    for _ in range(300):
        value = random_value(rng)
        blob = serialize(value)
        assert blob == library_encode(value), value  # C writes what Python writes
        assert same(value, deserialize(blob))
        assert same(value, library_decode(blob))  # C reads what Python writes


def test_seed_api():
    record = {"frame": b"\x00\x01" * 10, "meta": {"camera": "left", "t": 1.5}, "tags": ("a", "b")}
    blob = FastSerializer.serialize_dict(record)
    back = FastSerializer.deserialize_dict(blob)
    assert back == {**record, "tags": ["a", "b"]}
    assert FastSerializer().deserialize(FastSerializer().serialize(3)) == 3
    items = [{"i": i, "name": f"n{i}"} for i in range(100)]
    blobs = FastSerializer.batch_serialize(items)
    assert blobs == [serialize(item) for item in items]
    assert FastSerializer.batch_deserialize(blobs) == items
    with pytest.raises(TypeError):
        FastSerializer.serialize_dict([1, 2])
    with pytest.raises(TypeError, match="list"):
        FastSerializer.deserialize_dict(serialize([1]))


def test_bytes_like_inputs():
    payload = bytes(range(256))
    for value in (bytearray(payload), memoryview(payload), memoryview(bytearray(payload))[10:20]):
        assert deserialize(serialize({"v": value})) == {"v": bytes(value)}
    blob = serialize({"a": 1})
    assert deserialize(bytearray(blob)) == {"a": 1}
    assert deserialize(memoryview(blob)) == {"a": 1}


def test_unsupported_values_name_type_and_path():
    with pytest.raises(TypeError, match=r"set.*at value\['a'\]\[1\]"):
        serialize({"a": [1, {2}]})
    with pytest.raises(TypeError, match=r"key of type int.*at value\['outer'\]"):
        serialize({"outer": {1: "x"}})
    with pytest.raises(OverflowError, match=r"64 bits.*at value\[0\]"):
        serialize([2**64])
    with pytest.raises(ValueError, match="surrogate"):
        serialize("\ud800")
    with pytest.raises(TypeError, match="object"):
        serialize(object())
    deep = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(ValueError, match="deeper than 256"):
        serialize(deep)


def test_bool_is_not_int_and_floats_keep_their_bits():
    assert deserialize(serialize([True, 1, False, 0])) == [True, 1, False, 0]
    assert [type(x) for x in deserialize(serialize([True, 1]))] == [bool, int]
    nan = struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0]
    back = deserialize(serialize(nan))
    assert struct.pack("<d", back) == struct.pack("<d", nan)
    assert math.copysign(1.0, deserialize(serialize(-0.0))) == -1.0


BAD_BLOBS = [
    (b"", 0, "truncated"),
    (b"\x89NO", 0, "truncated"),
    (b"XNOB\x01\x00", 0, "magic"),
    (b"\x89NOB\x02\x00", 4, "version"),
    (HEADER, 5, "missing"),
    (HEADER + b"\x09", 5, "tag"),
    (HEADER + b"\x07\xff\xff\xff\xff\x00", 6, "4294967295"),
    (HEADER + b"\x05\x02\x00\x00\x00\xc3\x28", 10, "UTF-8"),
    (HEADER + b"\x00\x00", 6, "follow"),
    (HEADER + b"\x03\x01\x02", 6, "truncated"),
    (HEADER + b"\x08\x02\x00\x00\x00" + b"\x01\x00\x00\x00a\x00" * 2, 16, "twice"),
]


@pytest.mark.parametrize("blob,offset,words", BAD_BLOBS)
def test_bad_blobs_give_an_offset(blob, offset, words):
    with pytest.raises(DecodeError) as info:
        deserialize(blob)
    assert info.value.offset == offset, str(info.value)
    assert words.lower() in str(info.value).lower()
    assert isinstance(info.value, ValueError) and isinstance(info.value, NoobCoreError)
    with pytest.raises(DecodeError) as lib_info:
        library_decode(blob)
    assert lib_info.value.offset == offset, str(lib_info.value)


def test_deep_nesting_is_refused_at_the_257th_level():
    ok = HEADER + b"\x07\x01\x00\x00\x00" * 255 + b"\x00"
    assert deserialize(ok) is not None
    too_deep = HEADER + b"\x07\x01\x00\x00\x00" * 257 + b"\x00"
    with pytest.raises(DecodeError, match="deeper") as info:
        deserialize(too_deep)
    assert info.value.offset == 5 + 256 * 5


def test_both_decoders_agree_on_mutated_blobs():
    """A differential fuzz: the C-API decoder (Rust) and the Python one accept and
    refuse the same blobs, at the same offset."""
    rng = random.Random(7)
    seeds = [p.read_bytes() for p in GOLDEN] + [serialize(random_value(rng)) for _ in range(50)]
    for _ in range(3000):
        blob = bytearray(rng.choice(seeds))
        for _ in range(rng.randrange(1, 4)):
            action = rng.randrange(3)
            if action == 0 and blob:
                blob[rng.randrange(len(blob))] = rng.randrange(256)
            elif action == 1 and blob:
                del blob[rng.randrange(len(blob)) :]
            else:
                blob.insert(rng.randrange(len(blob) + 1), rng.randrange(256))
        outcomes = []
        for decode in (deserialize, library_decode):
            try:
                outcomes.append(("ok", decode(bytes(blob))))
            except DecodeError as error:
                outcomes.append(("error", error.offset))
        (a_kind, a), (b_kind, b) = outcomes
        assert a_kind == b_kind and (same(a, b) if a_kind == "ok" else a == b), (bytes(blob), outcomes)
