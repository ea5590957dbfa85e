"""Scheduler: noob-core 0.2.1's epoch scheduler, for the noob framework, over the C ABI.

All scheduling state lives in the library (``noob_epoch_scheduler``). The calls noob makes
per node and per step are methods of the C base type (``_noob.c``: linked to the library,
called with the GIL held); this module packs the graph for construction, decodes the cold
list queries, and holds the validation helpers the C code falls back on for anything
unusual, so errors are noob-core's. The behaviour reproduced is noob-core 0.2.1's (see
docs/noob-dropin.md); where noob-core panics, a ``NotAddedError`` is raised instead.

Thread safety: a ``Scheduler`` may be shared between threads; every call on the handle
holds the GIL for its whole duration (only construction releases it, before the handle
exists), which serialises them as the single-owner handle requires.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict, Union

from ._native import ffi, lib
from . import epoch as _epoch
from ._noob import _SchedulerBase
from ._noob import setup as _setup
from .epoch import _NAMES, _NODE_IDS, Epoch, _name_of, _u32
from .exceptions import NotAddedError, check

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Scheduler", "SorterState", "NodeRec"]

Item = Union[str, tuple[str, str]]


class NodeRec(TypedDict):
    """One item's bookkeeping in ``get_epoch_state()["info"]``."""

    nqueue: int
    successors: set[Item]
    predecessors: set[Item]
    optional_predecessors: dict[Item, Item]
    optional_successors: set[Item]


class SorterState(TypedDict):
    """What ``Scheduler.get_epoch_state`` returns."""

    ready: set[Item]
    out: set[Item]
    done: set[Item]
    disabled: set[Item]
    ran: set[Item]
    pending: set[Item]
    npassedout: int
    nfinished: int
    info: dict[Item, NodeRec]


_from_key = Epoch._from_key
_SIGNAL_IDS: dict[tuple[str, str], int] = {}


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise TypeError(f"'{type(value).__name__}' object is not an instance of 'bool'")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        if value is None:
            raise TypeError("'None' is not an instance of 'str'")
        raise TypeError(f"'{type(value).__name__}' object is not an instance of 'str'")
    return value


def _sequence(value: Any) -> Sequence[Any]:
    if isinstance(value, str):
        raise TypeError("Can't extract `str` to `Vec`")
    if not isinstance(value, Sequence):
        raise TypeError(f"'{type(value).__name__}' object is not an instance of 'Sequence'")
    return value


def _tuple(value: Any, length: int) -> tuple[Any, ...]:
    if not isinstance(value, tuple):
        raise TypeError(f"'{type(value).__name__}' object is not an instance of 'tuple'")
    if len(value) != length:
        raise ValueError(f"expected tuple of length {length}, but got tuple of length {len(value)}")
    return value


def _pack_lens(names: list[bytes]) -> bytes:
    """The byte lengths of ``names`` as native ``size_t`` values (``*_lens`` of
    ``noob_epoch_scheduler_new``)."""
    return struct.pack(f"{len(names)}N", *map(len, names))


def _coerce_epoch(epoch: Any) -> Epoch:
    """An epoch-like argument (an ``Epoch`` or a non-negative int) as an Epoch (the C
    methods' slow path: they take Epochs and exact ints in range themselves)."""
    if type(epoch) is Epoch:
        return epoch
    if isinstance(epoch, int):
        try:
            return _from_key((_u32(epoch),))
        except OverflowError as error:
            raise TypeError(f"epoch must be an Epoch or a root number in 0..2**32: {error}") from None
    raise TypeError(f"'{type(epoch).__name__}' object is not an instance of 'Epoch' (nor an int)")


def _node_id(name: Any) -> int:
    """The id of a node the process has seen (``NotAddedError`` otherwise); never interns."""
    found = _NODE_IDS.get(name)
    if found is not None:
        return found
    raw = _str(name).encode()
    out = ffi.new("uint32_t *")
    check(lib.noob_item_lookup_node(raw, len(raw), out))
    _NODE_IDS[name] = out[0]
    return out[0]


def _signal_id(node: str, signal: str) -> int | None:
    """The id of signal ``(node, signal)``, or ``None`` if the process never saw it."""
    key = (node, signal)
    found = _SIGNAL_IDS.get(key)
    if found is not None:
        return found
    raw_node = node.encode()
    raw_signal = signal.encode()
    out = ffi.new("uint32_t *")
    code = lib.noob_item_lookup_signal(raw_node, len(raw_node), raw_signal, len(raw_signal), out)
    if code == lib.NOOB_ERR_ITEM_NOT_ADDED:
        return None
    check(code)
    _SIGNAL_IDS[key] = out[0]
    return out[0]


def _item_id(node_id: Any, signal: Any) -> int:
    if signal is None:
        return _node_id(_str(node_id))
    found = _signal_id(_str(node_id), _str(signal))
    if found is None:
        raise NotAddedError(
            f"Signal ({node_id!r}, {signal!r}) was not added when creating the scheduler: "
            "nodes and signals must be added when the scheduler is created"
        )
    return found


def _names(ids: Iterable[int]) -> list[Any]:
    names = _NAMES
    return [names.get(i) or _name_of(i) for i in ids]


class Scheduler(_SchedulerBase):
    """noob-core's ``Scheduler(nodes, edges)``.

    ``nodes``: ``(node_id: str, enabled: bool, stateful: bool | None)`` tuples; ``edges``:
    ``(source_node, source_signal, target_node, target_slot, required: bool)`` tuples.

    From the C base: ``add_epoch``, ``add_epoch_at``, ``end_epoch``, ``is_active``,
    ``is_active_at``, ``epoch_completed``, ``sources_finished``, ``first_active_epoch``,
    ``exhausted``, ``has_cycle``, ``get_ready``, ``get_ready_at``, ``node_is_ready``,
    ``node_is_done``, ``done``, ``expire``, ``update``.
    """

    __slots__ = ("__weakref__",)

    def __new__(cls, nodes: Sequence[tuple[Any, ...]], edges: Sequence[tuple[Any, ...]]) -> Scheduler:
        # Built in __new__, as noob-core builds its Scheduler: __init__ is object's, so
        # calling it again on a built scheduler ignores its arguments (noob-core does that
        # too), and the handle is set once for the life of the object.
        self = super().__new__(cls)
        node_names: list[bytes] = []
        flags = bytearray()
        for node in _sequence(nodes):
            name, enabled, stateful = _tuple(node, 3)
            node_names.append(_str(name).encode())
            flag = lib.NOOB_NODE_ENABLED if _bool(enabled) else 0
            if stateful is not None:
                flag |= lib.NOOB_NODE_STATEFUL_SET
                if _bool(stateful):
                    flag |= lib.NOOB_NODE_STATEFUL
            flags.append(flag)
        edge_names: list[bytes] = []
        required = bytearray()
        for edge in _sequence(edges):
            source, signal, target, slot, needed = _tuple(edge, 5)
            edge_names += (_str(source).encode(), _str(signal).encode(), _str(target).encode(), _str(slot).encode())
            required.append(1 if _bool(needed) else 0)
        self._build(
            b"".join(node_names),
            _pack_lens(node_names),
            bytes(flags),
            b"".join(edge_names),
            _pack_lens(edge_names),
            bytes(required),
        )
        return self

    @staticmethod
    def _event_item_ids(node: str, signal: str) -> tuple[int, int] | None:
        """``(node id, signal id)`` for an update event, ``None`` to drop it. Cached per
        scheduler: a name unknown to the process once this scheduler exists is not in its
        graph, whatever is interned later, so a miss stays valid for this scheduler."""
        try:
            node_id = _node_id(node)
        except NotAddedError:
            return None
        signal_id = _signal_id(node, signal)
        return node_id, lib.NOOB_NO_ITEM if signal_id is None else signal_id

    def _update_slow(self, events: Any) -> list[Epoch]:
        """``update`` for what the C fast path does not take: validates every event as
        noob-core does, fills the id cache, then runs the encoded events."""
        words: list[int] = []
        cache = self._event_ids
        for event in _sequence(events):
            if type(event) is not tuple or len(event) != 5:
                _tuple(event, 5)
            epoch, node, signal, no_event, exhausted = event
            flags = 0
            if no_event is not False:
                if no_event is not True:
                    _bool(no_event)
                flags = 1
            if exhausted is not False:
                if exhausted is not True:
                    _bool(exhausted)
                flags |= 2
            try:
                ids = cache[node][signal]
            except (KeyError, TypeError):
                _str(node), _str(signal)
                ids = self._event_item_ids(node, signal)
                cache.setdefault(node, {})[signal] = ids
            k = _coerce_epoch(epoch)._k
            if ids is None:
                continue  # a node the process never saw is in no graph: noob-core drops it
            words += (flags, ids[0], ids[1], len(k) >> 1)
            words += k
        return self._update_words(words)

    # --- graph queries (cold: decoded here from the library's words) ---

    def generations(self) -> list[list[str]]:
        words = self._list(lib.NOOB_LIST_GENERATIONS)
        out = []
        i = 0
        while i < len(words):
            count = words[i]
            out.append(_names(words[i + 1 : i + 1 + count]))
            i += 1 + count
        return out

    def source_nodes(self) -> list[str]:
        return _names(self._list(lib.NOOB_LIST_SOURCE_NODES))

    @property
    def epoch_log(self) -> set[int]:
        return set(self._list(lib.NOOB_LIST_EPOCH_LOG))

    @property
    def subepochs(self) -> dict[Epoch, set[Epoch]]:
        words = self._list(lib.NOOB_LIST_SUBEPOCHS)
        out: dict[Epoch, set[Epoch]] = {}
        i = 0
        while i < len(words):
            end = i + 2 + 2 * words[i]
            key = _from_key(tuple(words[i + 1 : end]))
            count = words[end]
            i = end + 1
            members = set()
            for _ in range(count):
                stop = i + 2 + 2 * words[i]
                members.add(_from_key(tuple(words[i + 1 : stop])))
                i = stop
            out[key] = members
        return out

    def upstream_nodes(self, node: str) -> set[str]:
        if _str(node) not in _NODE_IDS:
            try:
                _node_id(node)
            except NotAddedError:
                # noob-core's wording here (node_is_ready/done say "when creating ...")
                raise NotAddedError(f"Node '{node}' was not added when the scheduler was created") from None
        return set(_names(self._upstream(node)))

    def get_epoch_state(self, epoch: Epoch) -> SorterState:
        """A snapshot of ``epoch``'s sorter (debugging; ``NotAddedError`` if it has none)."""
        words = self._epoch_state(epoch)
        pos = 0

        def ids() -> list[Any]:
            nonlocal pos
            count = words[pos]
            found = _names(words[pos + 1 : pos + 1 + count])
            pos += 1 + count
            return found

        def signed64() -> int:
            nonlocal pos
            value = words[pos] | (words[pos + 1] << 32)
            pos += 2
            return value - (1 << 64) if value >= 1 << 63 else value

        state: dict[str, Any] = {}
        for key in ("ready", "out", "done", "disabled", "ran", "pending"):
            state[key] = set(ids())
        state["npassedout"] = signed64()
        state["nfinished"] = signed64()
        info: dict[Any, NodeRec] = {}
        records = words[pos]
        pos += 1
        for _ in range(records):
            item = _name_of(words[pos])
            nqueue = words[pos + 1]
            pos += 2
            successors = set(ids())
            predecessors = set(ids())
            pairs = words[pos]
            optional_predecessors = {
                _name_of(words[pos + 1 + 2 * j]): _name_of(words[pos + 2 + 2 * j]) for j in range(pairs)
            }
            pos += 1 + 2 * pairs
            optional_successors = set(ids())
            info[item] = {
                "nqueue": nqueue - (1 << 32) if nqueue >= 1 << 31 else nqueue,
                "successors": successors,
                "predecessors": predecessors,
                "optional_predecessors": optional_predecessors,
                "optional_successors": optional_successors,
            }
        state["info"] = info
        return state  # type: ignore[return-value]


_setup(
    epoch_type=Epoch,
    check=check,
    node_ids=_NODE_IDS,
    names=_NAMES,
    signal_ids=_SIGNAL_IDS,
    intern_node=_epoch._intern_node,
    name_of=_name_of,
    key=_epoch._key,
    u32=_u32,
    coerce_epoch=_coerce_epoch,
    node_id=_node_id,
    item_id=_item_id,
    bool_=_bool,
)
