"""Epoch: noob's unit of event alignment, a root number plus a path of subepoch segments.

A pure-Python value type over the library's process-wide item interner: a segment's node
name is interned on the spot (as noob-core does), and the epoch is kept as one flat tuple
``(root, node_id_1, index_1, node_id_2, index_2, ...)`` that is at once its identity
(``==``, ``hash``), its order (tuple order is noob-core's: root first, then segments by the
node's intern id and index, a proper prefix before its extensions) and, for subepochs, the
words passed to the C ABI.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import index as _index
from typing import Any

from ._native import ffi, lib
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


_new = object.__new__


class Epoch:
    """The basic unit of event alignment in noob: a root epoch ``Epoch(root)``, or a
    subepoch ``Epoch(root, [(node, index), ...])`` made by a node (e.g. ``map``) that emits
    several events per input event. Immutable, hashable, totally ordered, picklable.
    """

    __slots__ = ("_k", "_w")

    def __new__(cls, root: int, path: Any = ()) -> Epoch:
        key = [_u32(root)]
        if path != ():
            for segment in _sequence(path):
                key.extend(_segment(segment))
        self = _new(cls)
        _set_key(self, tuple(key))
        return self

    # --- construction helpers used by the scheduler (no validation) ---

    @staticmethod
    def _from_key(key: tuple[int, ...]) -> Epoch:
        self = _new(Epoch)
        _set_key(self, key)
        return self

    def _words(self) -> Any:
        """The path as ABI words (``ffi.NULL`` for a root), built once."""
        try:
            return self._w
        except AttributeError:
            words = ffi.new("uint32_t[]", self._k[1:]) if len(self._k) > 1 else ffi.NULL
            _set_words(self, words)
            return words

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("root", "is_root", "root_epoch", "parent", "parents", "leaf", "path"):
            raise AttributeError(f"attribute '{name}' of 'noob_core.Epoch' objects is not writable")
        raise AttributeError(f"'noob_core.Epoch' object has no attribute '{name}'")

    __delattr__ = __setattr__  # type: ignore[assignment]

    # --- properties ---

    @property
    def root(self) -> int:
        return self._k[0]

    @property
    def path(self) -> list[tuple[str, int]]:
        """The segments ``(node, index)`` below the root (an addition: noob-core has no
        such attribute)."""
        k = self._k
        return [(_name_of(k[i]), k[i + 1]) for i in range(1, len(k), 2)]

    @property
    def is_root(self) -> bool:
        return len(self._k) == 1

    @property
    def root_epoch(self) -> Epoch:
        k = self._k
        return self if len(k) == 1 else Epoch._from_key(k[:1])

    @property
    def parent(self) -> Epoch | None:
        k = self._k
        return None if len(k) == 1 else Epoch._from_key(k[:-2])

    @property
    def parents(self) -> list[Epoch]:
        k = self._k
        return [Epoch._from_key(k[:end]) for end in range(len(k) - 2, 0, -2)]

    @property
    def leaf(self) -> tuple[str, int] | None:
        k = self._k
        return None if len(k) == 1 else (_name_of(k[-2]), k[-1])

    # --- sequence protocol: ("tube", root), then the segments ---

    def __len__(self) -> int:
        return (len(self._k) + 1) >> 1

    def __getitem__(self, position: Any) -> tuple[str, int]:
        position = _index(position)
        length = (len(self._k) + 1) >> 1
        if position < 0:
            position += length
        if not 0 <= position < length:
            raise IndexError(f"Index {position} out of range for epoch of length {length}")
        if position == 0:
            return ("tube", self._k[0])
        return (_name_of(self._k[2 * position - 1]), self._k[2 * position])

    # --- identity and order ---

    def __eq__(self, other: object) -> bool:
        if type(other) is Epoch:
            return self._k == other._k  # type: ignore[attr-defined]
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if type(other) is Epoch:
            return self._k != other._k  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._k)

    def __lt__(self, other: Epoch) -> bool:
        if type(other) is Epoch:
            return self._k < other._k
        return NotImplemented

    def __le__(self, other: Epoch) -> bool:
        if type(other) is Epoch:
            return self._k <= other._k
        return NotImplemented

    def __gt__(self, other: Epoch) -> bool:
        if type(other) is Epoch:
            return self._k > other._k
        return NotImplemented

    def __ge__(self, other: Epoch) -> bool:
        if type(other) is Epoch:
            return self._k >= other._k
        return NotImplemented

    # --- arithmetic on the last component; "/" appends a segment ---

    def __add__(self, step: Any) -> Epoch:
        if not isinstance(step, int) or not 0 <= step < _U32:
            return NotImplemented
        k = self._k
        last = k[-1] + step
        if last >= _U32:
            raise OverflowError(f"{self!r} + {step} leaves the 32-bit epoch range")
        return Epoch._from_key((*k[:-1], last))

    def __sub__(self, step: Any) -> Epoch:
        if not isinstance(step, int) or not 0 <= step < _U32:
            return NotImplemented
        k = self._k
        last = k[-1] - step
        if last < 0:
            raise ValueError("Negative epochs are invalid")
        return Epoch._from_key((*k[:-1], last))

    def __truediv__(self, segment: Any) -> Epoch:
        try:
            if type(segment) is not tuple or len(segment) != 2:
                return NotImplemented
            node, position = _segment(segment)
        except (TypeError, ValueError, OverflowError):
            return NotImplemented
        return Epoch._from_key((*self._k, node, position))

    def __radd__(self, other: Any) -> Any:
        return NotImplemented

    def __rsub__(self, other: Any) -> Any:
        return NotImplemented

    def __rtruediv__(self, other: Any) -> Any:
        return NotImplemented

    def make_subepochs(self, node: str, n: int) -> list[Epoch]:
        """``[self / (node, 0), ..., self / (node, n - 1)]``."""
        if not isinstance(node, str):
            raise TypeError(f"'{type(node).__name__}' object is not an instance of 'str'")
        count = _u32(n)
        node_id = _intern_node(node)
        k = self._k
        return [Epoch._from_key((*k, node_id, i)) for i in range(count)]

    # --- text, wire, pickle, pydantic ---

    def __repr__(self) -> str:
        k = self._k
        if len(k) == 1:
            return str(k[0])
        parts = [str(k[0])]
        for i in range(1, len(k), 2):
            parts.append(repr((_name_of(k[i]), k[i + 1])))
        return "(" + ", ".join(parts) + ")"

    __str__ = __repr__

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


_set_key = Epoch._k.__set__  # type: ignore[attr-defined]
_set_words = Epoch._w.__set__  # type: ignore[attr-defined]
