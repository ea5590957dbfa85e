"""Epoch: noob's unit of event alignment, a root number plus a path of subepoch segments.

A value type over the library's process-wide item interner: a segment's node name is
interned on the spot (as noob-core does), and the epoch is kept as flat words ``(root,
node_id_1, index_1, ...)`` that are at once its identity (``==``, ``hash``), its order (word
order is noob-core's: root first, then segments by the node's intern id and index, a proper
prefix before its extensions) and the words passed to the C ABI. The hot operations are
the C base type's (``_noob.c``: noob does dozens per node); this module holds the cold ones
and the validation helpers the C code falls back on for anything unusual. The C module is
set up (``_noob.setup``) at the end of ``noob_scheduler``, which the package always imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import index as _index
from typing import Any

from ._native import ffi, lib
from ._noob import _EpochBase, from_key as _from_key
from .exceptions import check

__all__ = ["Epoch"]

_U32 = 1 << 32

# Interner caches: ids never change within a process, so hits never go stale.
_NODE_IDS: dict[str, int] = {}
"""node name -> id, for names this process interned or looked up."""
_NAMES: dict[int, Any] = {}
"""id -> ``"node"`` or ``("node", "name")`` (signals and slots)."""


def _intern_node(name: str) -> int:
    """The id of node ``name``, interning it if the process never saw it."""
    found = _NODE_IDS.get(name)
    if found is not None:
        return found
    if type(name) is not str:
        if not isinstance(name, str):
            raise TypeError(f"'{type(name).__name__}' object is not an instance of 'str'")
        name = str(name)
    raw = name.encode()
    out = ffi.new("uint32_t *")
    check(lib.noob_item_intern_node(raw, len(raw), out))
    _NODE_IDS[name] = out[0]
    return out[0]


def _name_of(item: int) -> Any:
    """``"node"`` for a node id, ``("node", "name")`` for a signal or slot id."""
    found = _NAMES.get(item)
    if found is not None:
        return found
    out = ffi.new("noob_item *")
    check(lib.noob_item_describe(item, out))
    node = ffi.unpack(out.node_name, out.node_name_len).decode()
    if out.kind == lib.NOOB_ITEM_NODE:
        name: Any = node
        _NODE_IDS.setdefault(node, item)
    else:
        name = (node, ffi.unpack(out.name, out.name_len).decode())
    _NAMES[item] = name
    return name


def _u32(value: Any) -> int:
    """``value`` as a u32 the way noob-core's extraction does it (``__index__``)."""
    if type(value) is not int:
        value = _index(value)
    if value < 0:
        raise OverflowError("number too small to fit in target type")
    if value >= _U32:
        raise OverflowError("number too large to fit in target type")
    return value


def _segment(segment: Any) -> tuple[int, int]:
    """A path segment ``(str, int)`` (a real tuple) as ``(node id, index)``."""
    if not isinstance(segment, tuple):
        raise TypeError(f"'{type(segment).__name__}' object is not an instance of 'tuple'")
    if len(segment) != 2:
        raise ValueError(f"expected tuple of length 2, but got tuple of length {len(segment)}")
    node, position = segment
    if not isinstance(node, str):
        raise TypeError(f"'{type(node).__name__}' object is not an instance of 'str'")
    return _intern_node(node), _u32(position)


def _sequence(value: Any) -> Any:
    """``value`` if it is a sequence other than ``str`` (noob-core's ``Vec`` extraction)."""
    if isinstance(value, str):
        raise TypeError("Can't extract `str` to `Vec`")
    if not isinstance(value, Sequence):
        raise TypeError(f"'{type(value).__name__}' object is not an instance of 'Sequence'")
    return value


def _key(root: Any, path: Any = ()) -> tuple[int, ...]:
    """The words of ``Epoch(root, path)``, validated as noob-core does (the C type's slow
    path: it handles exact ints, lists/tuples of ``(str, int)`` itself)."""
    key = [_u32(root)]
    if path != ():
        for segment in _sequence(path):
            key.extend(_segment(segment))
    return tuple(key)


class Epoch(_EpochBase):
    """The basic unit of event alignment in noob: a root epoch ``Epoch(root)``, or a
    subepoch ``Epoch(root, [(node, index), ...])`` made by a node (e.g. ``map``) that emits
    several events per input event. Immutable, hashable, totally ordered, picklable.

    The value operations (construction, ``==``, ``hash``, order, ``+``/``-``/``/``,
    ``root``, ``path``, ``is_root``, ``root_epoch``, ``parent``, ``parents``, ``leaf``,
    ``len``/indexing, ``make_subepochs``, ``repr``) are the C base's (``_noob.c``); this
    class adds the cold ones.
    """

    __slots__ = ()

    _from_key = staticmethod(_from_key)

    # --- text, wire, pickle, pydantic ---

    def to_wire(self) -> int | list[Any]:
        """``root`` for a root epoch, else ``[root, (node, index), ...]``."""
        k = self._k
        if len(k) == 1:
            return k[0]
        return [k[0], *((_name_of(k[i]), k[i + 1]) for i in range(1, len(k), 2))]

    @staticmethod
    def from_wire(wire: Any) -> Epoch:
        """The epoch from its wire form: an int, or a list/tuple of an int root followed by
        ``(node, index)`` tuples."""
        if isinstance(wire, int):
            try:
                return Epoch._from_key((_u32(wire),))
            except OverflowError as error:
                raise TypeError(f"wire epoch root {wire}: {error}") from None
        if isinstance(wire, str) or not isinstance(wire, (list, tuple)):
            raise TypeError(f"'{type(wire).__name__}' object is not a wire epoch (int or list)")
        items: list[Any] = []
        for item in wire:
            if isinstance(item, int):
                try:
                    items.append(_u32(item))
                except OverflowError as error:
                    raise TypeError(f"wire epoch item {item}: {error}") from None
            elif isinstance(item, tuple):
                try:
                    items.append(_segment(item))
                except (ValueError, OverflowError) as error:
                    raise TypeError(f"wire epoch segment {item!r}: {error}") from None
            else:
                raise TypeError(f"'{type(item).__name__}' object is not an instance of 'tuple'")
        if not items or not isinstance(items[0], int):
            raise ValueError("wire epoch must start with an int root")
        key = [items[0]]
        for item in items[1:]:
            if isinstance(item, int):
                raise ValueError(f"unexpected bare int {item} in path")
            key.extend(item)
        return Epoch._from_key(tuple(key))

    def __reduce__(self) -> tuple[Any, ...]:
        k = self._k
        return (Epoch, (k[0], [(_name_of(k[i]), k[i + 1]) for i in range(1, len(k), 2)]))

    def __copy__(self) -> Epoch:
        return self

    def __deepcopy__(self, memo: Any) -> Epoch:
        return self

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Validate an Epoch instance, or its wire form (int, or list of int | (str, int));
        serialize to the wire form in JSON mode only."""
        from pydantic_core import core_schema as cs

        wire = cs.union_schema(
            [
                cs.int_schema(),
                cs.list_schema(
                    cs.union_schema(
                        [cs.int_schema(), cs.tuple_schema([cs.str_schema(), cs.int_schema()])]
                    )
                ),
            ]
        )
        return cs.union_schema(
            [
                cs.is_instance_schema(cls),
                cs.no_info_after_validator_function(cls.from_wire, wire),
            ],
            serialization=cs.plain_serializer_function_ser_schema(
                _to_wire_any, when_used="json"
            ),
        )


def _to_wire_any(value: Any) -> Any:
    return value.to_wire() if type(value) is Epoch else value


