"""FastSerializer: the NOOB value format (docs/wire-format.md) from Python.

Values: None, bool, int (64-bit), float, str, bytes (also bytearray and memoryview,
read without an intermediate copy), list (tuples become lists) and dict with str
keys. Anything else raises TypeError naming the type and where it was.

The fast path (``serialize``/``deserialize`` and the batch calls) is ``_wire``, a
small CPython-API module that walks the objects in one call per blob. The
``library_encode``/``library_decode`` functions go through libnoob_core's C API
(a builder and a reader, one call per value): slower, they exist so that tests can
check that C and Python read and write the very same bytes.
"""

from __future__ import annotations

from typing import Any

from . import _wire
from ._native import ffi, lib
from .exceptions import check

__all__ = ["FastSerializer", "serialize", "deserialize", "library_encode", "library_decode"]

Value = Any
BytesLike = bytes | bytearray | memoryview

serialize = _wire.dumps
deserialize = _wire.loads


class FastSerializer:
    """The seed's serializer API. All methods are static; an instance works too."""

    serialize = staticmethod(_wire.dumps)
    deserialize = staticmethod(_wire.loads)

    @staticmethod
    def serialize_dict(value: dict[str, Value]) -> bytes:
        if not isinstance(value, dict):
            raise TypeError(f"serialize_dict expects a dict, got {type(value).__name__}")
        return _wire.dumps(value)

    @staticmethod
    def deserialize_dict(blob: BytesLike) -> dict[str, Value]:
        value = _wire.loads(blob)
        if not isinstance(value, dict):
            raise TypeError(f"the blob holds a {type(value).__name__}, not a dict")
        return value

    @staticmethod
    def batch_serialize(items: list[Value]) -> list[bytes]:
        """One blob per item, in one call. Python objects can only be walked while
        holding the GIL, so this runs on the calling thread; the C API's
        ``noob_value_encode_batch`` is the parallel one, for values built in C."""
        return _wire.dumps_many(items)

    @staticmethod
    def batch_deserialize(blobs: list[BytesLike]) -> list[Value]:
        return _wire.loads_many(blobs)


# -- the C API path, one library call per value ------------------------------------


def library_encode(value: Value) -> bytes:
    """Encode through the C builder API (slow; for cross-checking the format)."""
    out = ffi.new("noob_value_builder **")
    check(lib.noob_value_builder_new(out))
    builder = ffi.gc(out[0], lib.noob_value_builder_free)
    _push(builder, value)
    blob_out = ffi.new("noob_bytes **")
    check(lib.noob_value_builder_build_encoded(builder, blob_out))
    blob = ffi.gc(blob_out[0], lib.noob_bytes_free)
    data = ffi.new("const uint8_t **")
    size = ffi.new("size_t *")
    check(lib.noob_bytes_get(blob, data, size))
    return ffi.unpack(ffi.cast("char *", data[0]), size[0])


def _push(builder, value: Value) -> None:
    if value is None:
        check(lib.noob_value_builder_push_null(builder))
    elif isinstance(value, bool):
        check(lib.noob_value_builder_push_bool(builder, value))
    elif isinstance(value, int):
        check(lib.noob_value_builder_push_int(builder, value))
    elif isinstance(value, float):
        check(lib.noob_value_builder_push_float(builder, value))
    elif isinstance(value, str):
        text = value.encode()
        check(lib.noob_value_builder_push_str(builder, text, len(text)))
    elif isinstance(value, bytes | bytearray | memoryview):
        data = ffi.from_buffer(value)
        check(lib.noob_value_builder_push_bytes(builder, data, len(data)))
    elif isinstance(value, list | tuple):
        check(lib.noob_value_builder_begin_list(builder))
        for item in value:
            _push(builder, item)
        check(lib.noob_value_builder_end_list(builder))
    elif isinstance(value, dict):
        check(lib.noob_value_builder_begin_dict(builder))
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"dict key of type {type(key).__name__} is not a str")
            raw = key.encode()
            check(lib.noob_value_builder_push_key(builder, raw, len(raw)))
            _push(builder, item)
        check(lib.noob_value_builder_end_dict(builder))
    else:
        raise TypeError(f"values of type {type(value).__name__} cannot be serialized")


def library_decode(blob: BytesLike) -> Value:
    """Decode through the C reader API (slow; for cross-checking the format)."""
    data = ffi.from_buffer(blob)
    out = ffi.new("noob_value **")
    check(lib.noob_value_decode(data, len(data), out))
    value = ffi.gc(out[0], lib.noob_value_free)
    return _Reader(value).read(lib.NOOB_VALUE_ROOT)


class _Reader:
    def __init__(self, value) -> None:
        self.value = value
        self.kind = ffi.new("noob_value_type *")
        self.size = ffi.new("size_t *")
        self.item = ffi.new("size_t *")
        self.ptr = ffi.new("const char **")
        self.bytes_ptr = ffi.new("const uint8_t **")

    def read(self, node: int) -> Value:
        v = self.value
        check(lib.noob_value_node_type(v, node, self.kind))
        kind = self.kind[0]
        if kind == lib.NOOB_VALUE_NULL:
            return None
        if kind == lib.NOOB_VALUE_BOOL:
            out = ffi.new("bool *")
            check(lib.noob_value_node_get_bool(v, node, out))
            return bool(out[0])
        if kind == lib.NOOB_VALUE_INT:
            out = ffi.new("int64_t *")
            check(lib.noob_value_node_get_int(v, node, out))
            return int(out[0])
        if kind == lib.NOOB_VALUE_FLOAT:
            out = ffi.new("double *")
            check(lib.noob_value_node_get_float(v, node, out))
            return float(out[0])
        if kind == lib.NOOB_VALUE_STR:
            check(lib.noob_value_node_get_str(v, node, self.ptr, self.size))
            return ffi.unpack(self.ptr[0], self.size[0]).decode()
        if kind == lib.NOOB_VALUE_BYTES:
            check(lib.noob_value_node_get_bytes(v, node, self.bytes_ptr, self.size))
            return ffi.unpack(ffi.cast("char *", self.bytes_ptr[0]), self.size[0])
        check(lib.noob_value_node_len(v, node, self.size))
        count = self.size[0]
        if kind == lib.NOOB_VALUE_LIST:
            items = []
            for index in range(count):
                check(lib.noob_value_node_list_get(v, node, index, self.item))
                items.append(self.read(self.item[0]))
            return items
        entries = {}
        key_len = ffi.new("size_t *")
        for index in range(count):
            check(lib.noob_value_node_dict_entry(v, node, index, self.ptr, key_len, self.item))
            key = ffi.unpack(self.ptr[0], key_len[0]).decode()
            entries[key] = self.read(self.item[0])
        return entries
