"""Scheduler: noob-core 0.2.1's epoch scheduler, for the noob framework, over the C ABI.

All scheduling state lives in the library (``noob_epoch_scheduler``); this module only
checks arguments the way noob-core does, turns names into the process-wide item ids and
decodes the word lists the library returns. The behaviour reproduced is noob-core 0.2.1's
(see docs/noob-dropin.md); where noob-core panics, a ``NotAddedError`` is raised instead.

Thread safety: a ``Scheduler`` may be shared between threads; each call holds its lock
(the native handle has one owner at a time, and cffi releases the GIL during calls).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypedDict, Union

from ._native import ffi, lib
from .epoch import _NAMES, _NODE_IDS, Epoch, _name_of, _u32
from .exceptions import NotAddedError, check, error_for

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
_new_epoch = object.__new__
_unpack = ffi.unpack
_NULL = ffi.NULL
_SIGNAL_IDS: dict[tuple[str, str], int] = {}
_epoch_query = lib.noob_epoch_scheduler_epoch_query
_IS_ACTIVE_AT = lib.NOOB_QUERY_IS_ACTIVE_AT
_EPOCH_COMPLETED = lib.NOOB_QUERY_EPOCH_COMPLETED
_SOURCES_FINISHED = lib.NOOB_QUERY_SOURCES_FINISHED


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


def _name_bytes(name: str, what: str) -> bytes:
    raw = _str(name).encode()
    if b"\0" in raw:
        raise ValueError(f"{what} {name!r} contains a NUL character, which noob_core cannot take")
    return raw


def _epoch_arg(epoch: Any) -> tuple[int, Any, int]:
    """An epoch-like argument (an ``Epoch`` or a non-negative int) as ``(root, words, depth)``."""
    if type(epoch) is Epoch:
        k = epoch._k
        if len(k) == 1:
            return k[0], _NULL, 0
        return k[0], epoch._words(), len(k) >> 1
    if isinstance(epoch, int):
        try:
            return _u32(epoch), _NULL, 0
        except OverflowError as error:
            raise TypeError(f"epoch must be an Epoch or a root number in 0..2**32: {error}") from None
    raise TypeError(f"'{type(epoch).__name__}' object is not an instance of 'Epoch' (nor an int)")


def _as_epoch(epoch: Any) -> Epoch:
    return epoch if type(epoch) is Epoch else _from_key((epoch,))


def _strict_epoch(epoch: Any) -> tuple[int, Any, int]:
    if type(epoch) is not Epoch:
        raise TypeError(f"'{type(epoch).__name__}' object is not an instance of 'Epoch'")
    return _epoch_arg(epoch)


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


def _decode_epochs(words: list[int]) -> list[Epoch]:
    """Epoch outputs back to back (``depth, root, node_1, index_1, ...``)."""
    out = []
    i = 0
    n = len(words)
    while i < n:
        end = i + 2 + 2 * words[i]
        out.append(_from_key(tuple(words[i + 1 : end])))
        i = end
    return out


class Scheduler:
    """noob-core's ``Scheduler(nodes, edges)``.

    ``nodes``: ``(node_id: str, enabled: bool, stateful: bool | None)`` tuples; ``edges``:
    ``(source_node, source_signal, target_node, target_slot, required: bool)`` tuples.
    """

    __slots__ = (
        "_handle", "_lock", "_words", "_flag", "_root", "_status_flags", "_event_ids", "__weakref__"
    )  # fmt: skip

    def __init__(self, nodes: Sequence[tuple[Any, ...]], edges: Sequence[tuple[Any, ...]]) -> None:
        node_names = bytearray()
        flags = bytearray()
        for node in _sequence(nodes):
            name, enabled, stateful = _tuple(node, 3)
            raw = _name_bytes(name, "node id")
            flag = lib.NOOB_NODE_ENABLED if _bool(enabled) else 0
            if stateful is not None:
                flag |= lib.NOOB_NODE_STATEFUL_SET
                if _bool(stateful):
                    flag |= lib.NOOB_NODE_STATEFUL
            node_names += raw
            node_names.append(0)
            flags.append(flag)
        edge_names = bytearray()
        required = bytearray()
        for edge in _sequence(edges):
            source, signal, target, slot, needed = _tuple(edge, 5)
            for part, what in ((source, "source node"), (signal, "signal"), (target, "target node"), (slot, "slot")):
                edge_names += _name_bytes(part, what)
                edge_names.append(0)
            required.append(1 if _bool(needed) else 0)
        out = ffi.new("noob_epoch_scheduler **")
        check(
            lib.noob_epoch_scheduler_new(
                bytes(node_names), len(node_names), bytes(flags), len(flags),
                bytes(edge_names), len(edge_names), bytes(required), len(required), out,
            )
        )  # fmt: skip
        self._handle = ffi.gc(out[0], lib.noob_epoch_scheduler_free)
        self._lock = threading.Lock()
        self._words = ffi.new("noob_words *")
        self._flag = ffi.new("bool *")
        self._root = ffi.new("uint32_t *")
        self._status_flags = ffi.new("bool[4]")
        self._event_ids: dict[tuple[str, str], tuple[int, int] | None] = {}

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

    def _take(self) -> list[int]:
        view = self._words
        return _unpack(view.words, view.len) if view.len else []

    # --- epochs ---

    def add_epoch(self) -> Epoch:
        """Create the next root epoch (one past the highest root ever created)."""
        with self._lock:
            check(lib.noob_epoch_scheduler_add_epoch(self._handle, self._root))
            return _from_key((self._root[0],))

    def add_epoch_at(self, epoch: Epoch | int) -> Epoch:
        """Create ``epoch`` (``EpochExistsError`` / ``EpochCompletedError`` if it exists /
        is completed)."""
        root, path, depth = _epoch_arg(epoch)
        with self._lock:
            check(lib.noob_epoch_scheduler_add_epoch_at(self._handle, root, path, depth))
        return _as_epoch(epoch)

    def end_epoch(self, epoch: Epoch | int) -> list[Epoch]:
        """Declare ``epoch`` finished; returns every epoch that ended, this one last."""
        root, path, depth = _epoch_arg(epoch)
        with self._lock:
            check(lib.noob_epoch_scheduler_end_epoch(self._handle, root, path, depth, self._words))
            return _decode_epochs(self._take())

    def is_active(self) -> bool:
        with self._lock:
            check(lib.noob_epoch_scheduler_is_active(self._handle, self._flag))
            return self._flag[0]

    def _epoch_query(self, query: int, epoch: Any) -> bool:
        if type(epoch) is Epoch and len(epoch._k) == 1:
            root, path, depth = epoch._k[0], _NULL, 0
        else:
            root, path, depth = _epoch_arg(epoch)
        flag = self._flag
        with self._lock:
            code = _epoch_query(self._handle, query, root, path, depth, flag)
            if code:
                raise error_for(code)
            return flag[0]

    def is_active_at(self, epoch: Epoch | int) -> bool:
        return self._epoch_query(_IS_ACTIVE_AT, epoch)

    def epoch_completed(self, epoch: Epoch | int) -> bool:
        return self._epoch_query(_EPOCH_COMPLETED, epoch)

    def sources_finished(self, epoch: Epoch | int) -> bool:
        return self._epoch_query(_SOURCES_FINISHED, epoch)

    def _status(self) -> tuple[bool, bool, bool, bool, int]:
        flags = self._status_flags
        with self._lock:
            check(
                lib.noob_epoch_scheduler_status(
                    self._handle, flags, flags + 1, flags + 2, flags + 3, self._root
                )
            )
            return flags[0], flags[1], flags[2], flags[3], self._root[0]

    def first_active_epoch(self) -> Epoch | None:
        _, _, _, found, root = self._status()
        return _from_key((root,)) if found else None

    @property
    def exhausted(self) -> bool:
        return self._status()[1]

    def has_cycle(self) -> bool:
        return self._status()[2]

    # --- handing out and finishing ---

    def _ready(self, all_epochs: bool, root: int, path: Any, depth: int) -> list[tuple[Epoch, Any]]:
        with self._lock:
            check(lib.noob_epoch_scheduler_get_ready(self._handle, all_epochs, root, path, depth, self._words))
            words = self._take()
        names = _NAMES
        out = []
        i = 0
        n = len(words)
        while i < n:
            end = i + 2 + 2 * words[i]
            epoch = _from_key(tuple(words[i + 1 : end]))
            count = words[end]
            for item in words[end + 1 : end + 1 + count]:
                out.append((epoch, names.get(item) or _name_of(item)))
            i = end + 1 + count
        return out

    def get_ready(self) -> list[tuple[Epoch, str]]:
        """Hand out every ready node of every live epoch, in epoch order."""
        return self._ready(True, 0, _NULL, 0)

    def get_ready_at(self, epoch: Epoch | int) -> list[tuple[Epoch, str]]:
        """Hand out the ready nodes of ``epoch`` and its subepochs, in epoch order."""
        root, path, depth = _epoch_arg(epoch)
        return self._ready(False, root, path, depth)

    def _node_query(self, node: Any, epoch: Any, done: bool, subepochs: bool) -> bool:
        root, path, depth = _strict_epoch(epoch)
        node_id = _node_id(_str(node))
        with self._lock:
            check(
                lib.noob_epoch_scheduler_node_query(
                    self._handle, node_id, root, path, depth, done, subepochs, self._flag
                )
            )
            return self._flag[0]

    def node_is_ready(self, node: str, epoch: Epoch, subepochs: bool) -> bool:
        return self._node_query(node, epoch, False, _bool(subepochs))

    def node_is_done(self, node: str, epoch: Epoch) -> bool:
        return self._node_query(node, epoch, True, False)

    def _finish(
        self, epoch: Any, node_id: Any, signal: Any, expire: bool, with_signals: Any, unlock: bool
    ) -> list[Epoch]:
        root, path, depth = _epoch_arg(epoch)
        item = _item_id(node_id, signal)
        with self._lock:
            code = lib.noob_epoch_scheduler_finish(
                self._handle, root, path, depth, item, expire, with_signals, unlock, self._words
            )
            if code:
                raise error_for(code)
            view = self._words
            if not view.len:
                return []
            return _decode_epochs(_unpack(view.words, view.len))

    def done(
        self, epoch: Epoch | int, node_id: str, signal: str | None = None, with_signals: bool = True
    ) -> list[Epoch]:
        """Mark a node (or its ``signal``) done; returns the epochs that ended."""
        return self._finish(epoch, node_id, signal, False, _bool(with_signals), False)

    def expire(
        self,
        epoch: Epoch | int,
        node_id: str,
        signal: str | None = None,
        with_signals: bool = True,
        unlock_optionals: bool = True,
    ) -> list[Epoch]:
        """Mark a node (or its ``signal``) finished without readying what requires it."""
        return self._finish(epoch, node_id, signal, True, _bool(with_signals), _bool(unlock_optionals))

    def update(self, events: Sequence[tuple[Any, str, str, bool, bool]]) -> list[Epoch]:
        """Apply ``(epoch, node_id, signal, no_event, exhausted)`` events; returns the epochs
        that ended."""
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
                ids = cache[node, signal]
            except (KeyError, TypeError):
                key = (_str(node), _str(signal))
                ids = cache[key] = self._event_item_ids(node, signal)
            if type(epoch) is Epoch:
                k = epoch._k
            else:
                k = (_epoch_arg(epoch)[0],)
            if ids is None:
                continue  # a node the process never saw is in no graph: noob-core drops it
            words += (flags, ids[0], ids[1], len(k) >> 1)
            words += k
        if not words:
            # Still a call: noob-core validates nothing else and returns no ended epochs.
            return []
        buffer = ffi.new("uint32_t[]", words)
        with self._lock:
            code = lib.noob_epoch_scheduler_update(self._handle, buffer, len(words), self._words)
            if code:
                raise error_for(code)
            view = self._words
            if not view.len:
                return []
            return _decode_epochs(_unpack(view.words, view.len))

    # --- graph queries ---

    def _list(self, which: int) -> list[int]:
        with self._lock:
            check(lib.noob_epoch_scheduler_list(self._handle, which, self._words))
            return self._take()

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
        node_id = _node_id(_str(node))
        with self._lock:
            check(lib.noob_epoch_scheduler_upstream_nodes(self._handle, node_id, self._words))
            words = self._take()
        return set(_names(words))

    def get_epoch_state(self, epoch: Epoch) -> SorterState:
        """A snapshot of ``epoch``'s sorter (debugging; ``NotAddedError`` if it has none)."""
        root, path, depth = _strict_epoch(epoch)
        with self._lock:
            check(lib.noob_epoch_scheduler_epoch_state(self._handle, root, path, depth, self._words))
            words = self._take()
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
