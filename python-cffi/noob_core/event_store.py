"""FastEventStore: events keyed by (node_id, signal, epoch), held in Rust.

Events live in libnoob_core, not as Python objects: a million stored events are
no load on Python's garbage collector. Gets copy what they return into
``FastEvent`` tuples (a value is a fresh ``bytes``), so what a caller holds never
changes, even if the epoch is cleared or evicted afterwards.

Threads: one store may be used from many threads at once. Epoch reads and
clears are cffi calls, which release the GIL; ``batch_get_events`` and
``add_events`` release it for the library's part of their one C call
(``_events``), and ``add_event`` while it copies a value of 16 KiB or more, so
Python threads adding to and reading from one store really run in parallel
while inside the library. ``get_events`` (and ``get_latest``), and ``add_event``
of a shorter value, are one short call of the linked C extension ``_events``
that holds the GIL (releasing it would cost more than the call): a get looks the
key up in the library, refilling the store's own result list, and builds the
FastEvent tuples from its views before returning (the GIL keeps two threads off
that list). The
other Python-level state is the name cache (a dict, updated atomically) and one
refillable result list per thread (``threading.local``) for the general path of
batch gets.

Bounded stores (``cache_size``): see ``FastEventStore``.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import NamedTuple, Union

from . import _events
from ._native import ffi, lib
from .buffer_pool import PooledBuffer
from .exceptions import UnknownNameError, check, error_for

__all__ = ["FastEventStore", "FastEvent", "EventStoreStats", "LATEST"]

#: The epoch that asks ``get_events`` for the latest event of a key (noob's ``epoch=-1``).
LATEST = -1

Name = Union[str, bytes]
Value = Union[bytes, bytearray, memoryview, PooledBuffer]

# A name id no store ever hands out (ids stop at NOOB_EVENT_STORE_MAX_NAMES - 1):
# asking for it finds nothing, which is what an unknown name should find.
_MISSING = 0xFFFFFFFF
assert lib.NOOB_EVENT_STORE_MAX_NAMES < _MISSING

_add = lib.noob_event_store_add
_get_into = lib.noob_event_store_get_into
_latest_into = lib.noob_event_store_get_latest_into
_batch_into = lib.noob_event_store_get_batch_into
_views = lib.noob_event_list_views
_from_buffer = ffi.from_buffer
_unpack = ffi.unpack
_time = time.time
# array typecode of size_t (unsigned long on LP64 Linux).
_SIZE_T = next(t for t in "LQI" if array(t).itemsize == ffi.sizeof("size_t"))


class FastEvent(NamedTuple):
    """One stored event, read-only (a tuple: ``id, node_id, signal, epoch, timestamp, value``)."""

    id: int
    node_id: str
    signal: str
    epoch: int
    timestamp: float
    value: bytes


# Gets build FastEvents in C, straight from the library's event views (_events.c).
_events.setup(FastEvent, error_for)
_to_events = _events.events
_grouped = _events.grouped


class EventStoreStats(NamedTuple):
    events: int
    """Events retained."""
    bytes: int
    """Bytes of the retained events' values."""
    epochs: int
    """Epochs retained."""
    names: int
    """Node and signal names interned."""
    added: int
    """Events ever added."""
    cleared_events: int
    cleared_epochs: int
    """Removed by ``clear_epoch``."""
    evicted_events: int
    evicted_epochs: int
    """Removed by the retention bound (``cache_size``/``max_bytes``)."""
    highest_evicted_epoch: int | None
    """The largest epoch evicted so far (None if none was)."""
    max_events: int
    max_bytes: int
    """The bounds (0: none)."""
    id_prefix: int
    """The random 31-bit prefix of this store's event ids."""


class _ThreadState(threading.local):
    """Per-thread reusable native objects, so that a get allocates nothing native."""

    def __init__(self) -> None:
        out = ffi.new("noob_event_list **")
        check(lib.noob_event_list_new(out))
        self.list = ffi.gc(out[0], lib.noob_event_list_free)
        self.views = ffi.new("const noob_event_view **")
        self.len = ffi.new("size_t *")
        self.id = ffi.new("uint64_t *")
        self.busy = False  # a batch get is reading this thread's list
        # What a get needs, in one attribute: the list to refill, the outputs of
        # noob_event_list_views and their addresses (read by _events).
        self.get = (
            self.list,
            self.views,
            self.len,
            int(ffi.cast("uintptr_t", self.views)),
            int(ffi.cast("uintptr_t", self.len)),
        )


_tls = _ThreadState()


def _value_arg(value: Value):
    """(pointer argument, length) for a value, without copying it."""
    if type(value) is bytes:
        return value, len(value)
    if isinstance(value, PooledBuffer):
        value = value.view
    try:
        buf = _from_buffer("uint8_t[]", value)
    except TypeError:
        raise TypeError(
            f"an event value must be bytes, bytearray, memoryview or a PooledBuffer, not {type(value).__name__}"
        ) from None
    return buf, len(buf)


def _encode(name: Name) -> bytes:
    if type(name) is str:
        # Lone surrogates pass through so that the library refuses them as invalid UTF-8.
        return name.encode("utf-8", "surrogatepass")
    if type(name) is bytes:
        return name
    raise TypeError(f"a node or signal name must be str (or UTF-8 bytes), not {type(name).__name__}")


class FastEventStore(_events.StoreBase):
    """Events keyed by (node_id, signal, epoch); each key keeps its events in the
    order they were added.

    ``cache_size`` bounds how many events the store retains and ``max_bytes`` how
    many bytes of values (0: no bound). After an add goes over a bound, whole
    epochs are evicted, oldest (smallest number) first, until the store is at or
    below the bound less 1/64th of it (so a step's cost spreads over many adds;
    bounds under 64 are kept exactly); the newest epoch is never evicted, so one
    huge epoch may exceed the bound. Evicted events are counted in ``stats()``
    and are afterwards simply not found (an empty list), like events that were
    never added; an evicted epoch stays evicted (a later add to an epoch at or
    below ``stats().highest_evicted_epoch`` is evicted at once). The default, 10,000
    events, is the seed's; use ``cache_size=0`` for an unbounded store.

    Names are ``str`` (or UTF-8 ``bytes``); they are interned once per store and
    looked up in a Python dict afterwards. Values are ``bytes``, ``bytearray``,
    ``memoryview`` or a ``PooledBuffer``, read in place (the store copies them
    once, into its own memory). Epochs are integers from 0 to 2**64 - 1; ``-1``
    in ``get_events`` means the latest epoch that holds the key (noob's
    ``epoch=-1``).

    ``close()`` (or leaving a ``with`` block) drops every event at once; any later
    call but ``stats()`` and ``close()`` raises ``StoreClosedError``. Events
    already returned stay valid.

    ``get_events(node_id, signal, epoch)`` is inherited from ``_events.StoreBase``
    (C): the events of (node_id, signal, epoch), oldest first; ``[]`` if there are
    none (never added, cleared, evicted, or unknown names). ``epoch=-1`` gives the
    latest event of (node_id, signal) across epochs, as a 0- or 1-element list.
    ``add_event(node_id, signal, epoch, value, timestamp=None) -> int`` is too: it
    stores one event and returns its id (unique and increasing within the store);
    ``timestamp`` defaults to ``time.time()``.
    """

    __slots__ = ("_handle", "_ids", "_names", "_closed", "__weakref__")

    def __init__(self, cache_size: int = 10000, max_bytes: int = 0) -> None:
        if cache_size < 0 or max_bytes < 0:
            raise ValueError("cache_size and max_bytes must be >= 0 (0: no bound)")
        out = ffi.new("noob_event_store **")
        check(lib.noob_event_store_new(cache_size, max_bytes, out))
        self._handle = ffi.gc(out[0], lib.noob_event_store_free)
        self._ids: dict[Name, int] = {}  # name (str or bytes) -> interned id
        self._names: dict[int, str] = {}  # interned id -> name
        self._closed = False
        # get_events (C) reads the store, the name dicts and refills its own list.
        self._bind(self._handle, int(ffi.cast("uintptr_t", self._handle)), self._ids, self._names)

    # -- names ------------------------------------------------------------------

    def _intern(self, name: Name) -> int:
        raw = _encode(name)
        out = ffi.new("uint32_t *")
        check(lib.noob_event_store_intern(self._handle, raw, len(raw), out))
        return self._remember(name, raw, out[0])

    def _ids_of(self, names: Iterable[Name]) -> array:
        """Interned ids of many names, interning new ones."""
        found = list(map(self._ids.get, names))
        if None in found:
            found = [self.intern(n) if i is None else i for n, i in zip(names, found)]
        return array("I", found)

    def _lookup(self, name: Name) -> int:
        """The id of ``name``, or ``_MISSING`` if it was never interned."""
        ident = self._ids.get(name)
        if ident is not None:
            return ident
        raw = _encode(name)
        out = ffi.new("uint32_t *")
        code = lib.noob_event_store_lookup(self._handle, raw, len(raw), out)
        if code == lib.NOOB_ERR_UNKNOWN_NAME:
            return _MISSING
        check(code)
        return self._remember(name, raw, out[0])

    def _remember(self, name: Name, raw: bytes, ident: int) -> int:
        text = raw.decode("utf-8")
        self._names[ident] = text
        self._ids[name] = ident
        self._ids[text] = ident
        return ident

    def _name(self, ident: int) -> str:
        text = self._names.get(ident)
        if text is None:
            ptr = ffi.new("const char **")
            size = ffi.new("size_t *")
            check(lib.noob_event_store_name(self._handle, ident, ptr, size))
            text = self._names[ident] = _unpack(ptr[0], size[0]).decode("utf-8")
        return text

    # -- adding -----------------------------------------------------------------

    def _add_event_general(
        self, node_id: Name, signal: Name, epoch: int, value: Value, timestamp: float | None = None
    ) -> int:
        """``add_event`` (C, from ``_events.StoreBase``) for any accepted input,
        through cffi (which releases the GIL); the C method takes the usual ones."""
        ids = self._ids
        node = ids.get(node_id)
        if node is None:
            node = self._intern(node_id)
        sig = ids.get(signal)
        if sig is None:
            sig = self._intern(signal)
        if type(value) is bytes:
            size = len(value)
        else:
            value, size = _value_arg(value)
        if timestamp is None:
            timestamp = _time()
        out = _tls.id
        code = _add(self._handle, node, sig, epoch, value, size, timestamp, out)
        if code:
            raise error_for(code)
        return out[0]

    def add_events(self, events: Iterable[tuple[Name, Name, int, Value, float | None]]) -> list[int]:
        """Store many ``(node_id, signal, epoch, value, timestamp)`` events in one
        call and return their ids, in order. All or nothing: if one event is
        refused, none is stored. A ``None`` timestamp means now."""
        events = events if isinstance(events, (list, tuple)) else list(events)
        count = len(events)
        if count == 0:
            return []
        # One C call for the common case ((str, str, int, bytes, float) tuples),
        # releasing the GIL for the library's part; None: anything else, below.
        got = self._add_many(events)
        if got is not None:
            return got
        try:
            nodes, signals, epochs, values, stamps = zip(*events)
        except ValueError:
            raise ValueError("each event must be (node_id, signal, epoch, value, timestamp)") from None
        node_ids = self._ids_of(nodes)
        signal_ids = self._ids_of(signals)
        epoch_arr = array("Q", epochs)
        if None in stamps:
            now = _time()
            stamps = [now if t is None else t for t in stamps]
        stamp_arr = array("d", stamps)
        try:
            joined = b"".join(values)
            lens = array(_SIZE_T, map(len, values))
        except TypeError:  # a PooledBuffer (no buffer protocol before 3.12), or a bad value
            values = [v.view if type(v) is PooledBuffer else v for v in values]
            for v in values:
                _value_arg(v)  # raises the TypeError naming a bad value
            joined = b"".join(values)
            lens = array(_SIZE_T, map(len, values))
        if sum(lens) != len(joined):  # len() of a memoryview counts items, not bytes
            lens = array(_SIZE_T, [memoryview(v).nbytes for v in values])
        ids_out = ffi.new("uint64_t[]", count)
        check(
            lib.noob_event_store_add_batch(
                self._handle,
                count,
                _from_buffer("uint32_t[]", node_ids),
                _from_buffer("uint32_t[]", signal_ids),
                _from_buffer("uint64_t[]", epoch_arr),
                _from_buffer("double[]", stamp_arr),
                joined,
                len(joined),
                _from_buffer("size_t[]", lens),
                ids_out,
            )
        )
        return _unpack(ids_out, count)

    # -- getting ----------------------------------------------------------------

    def get_latest(self, node_id: Name, signal: Name) -> FastEvent | None:
        """The latest event of (node_id, signal): the last one added in the
        largest retained epoch holding one; None if there is none."""
        found = self.get_events(node_id, signal, -1)
        return found[0] if found else None

    def batch_get_events(self, keys: Iterable[tuple[Name, Name, int]]) -> list[list[FastEvent]]:
        """``[get_events(*key) for key in keys]`` in one library call (epoch -1
        allowed, as in ``get_events``)."""
        keys = keys if isinstance(keys, (list, tuple)) else list(keys)
        if not keys:
            return []
        # One C call for the common case (tuples, epochs 0..2**64-1), releasing the
        # GIL for the library's part; None sends anything else down the path below.
        got = self._batch(keys)
        if got is not None:
            return got
        try:
            nodes, signals, epochs = zip(*keys)
        except ValueError:
            raise ValueError("each key must be (node_id, signal, epoch)") from None
        get = self._ids.get
        node_ids = list(map(get, nodes, repeat(None)))
        signal_ids = list(map(get, signals, repeat(None)))
        if None in node_ids or None in signal_ids:
            lookup = self._lookup
            node_ids = [lookup(n) if i is None else i for n, i in zip(nodes, node_ids)]
            signal_ids = [lookup(s) if i is None else i for s, i in zip(signals, signal_ids)]
        try:
            epoch_arr = array("Q", epochs)
        except OverflowError:  # an epoch of -1 (latest), or out of range
            if not all(e == -1 or 0 <= e < 1 << 64 for e in epochs):
                raise OverflowError("an epoch must be -1 (latest) or in 0..2**64-1") from None
            return [self.get_events(*key) for key in keys]
        count = len(keys)
        counts = ffi.new("size_t[]", count)
        state = _tls
        if state.busy:
            # A get nested in this thread's batch get (a finalizer run by the
            # collector while the events were built) must not refill its list.
            state = _ThreadState()
        lst, views, size, views_addr, size_addr = state.get
        state.busy = True
        try:
            check(
                _batch_into(
                    self._handle,
                    count,
                    _from_buffer("uint32_t[]", array("I", node_ids)),
                    _from_buffer("uint32_t[]", array("I", signal_ids)),
                    _from_buffer("uint64_t[]", epoch_arr),
                    counts,
                    lst,
                )
            )
            _views(lst, views, size)
            # The keys' own name and epoch objects go into the events (no lookup, no new int).
            return _grouped(
                views_addr, size_addr, int(ffi.cast("uintptr_t", counts)), count, self._names, nodes, signals, epochs
            )
        finally:
            state.busy = False

    def epoch_events(self, epoch: int) -> list[FastEvent]:
        """Every event of ``epoch``, in the order they were added (``[]`` if none)."""
        out = ffi.new("noob_event_list **")
        check(lib.noob_event_store_get_epoch(self._handle, epoch, out))
        lst = ffi.gc(out[0], lib.noob_event_list_free)
        _, views, size, views_addr, size_addr = _tls.get
        try:
            _views(lst, views, size)
            return _to_events(views_addr, size_addr, None, None, self._names)
        finally:
            ffi.release(lst)

    def iter_epoch(self, epoch: int) -> Iterator[FastEvent]:
        """Iterate over one epoch's events (a snapshot taken when iteration starts)."""
        return iter(self.epoch_events(epoch))

    def epochs(self) -> list[int]:
        """The retained epochs, ascending."""
        count = ffi.new("size_t *")
        capacity = 0
        while True:
            buf = ffi.new("uint64_t[]", capacity) if capacity else ffi.NULL
            code = lib.noob_event_store_epochs(self._handle, buf, capacity, count)
            if code == lib.NOOB_ERR_BUFFER_TOO_SMALL:
                capacity = count[0] + 16  # epochs may be added meanwhile
                continue
            check(code)
            return _unpack(buf, count[0]) if count[0] else []

    def __iter__(self) -> Iterator[FastEvent]:
        """Every event, epoch by epoch (ascending), each epoch in insertion order."""
        for epoch in self.epochs():
            yield from self.epoch_events(epoch)

    # -- removing, counting, closing ---------------------------------------------

    def clear_epoch(self, epoch: int) -> int:
        """Remove every event of ``epoch``; returns how many there were (0 if the
        epoch does not exist). Events already returned stay valid."""
        out = ffi.new("size_t *")
        check(lib.noob_event_store_clear_epoch(self._handle, epoch, out))
        return out[0]

    def __len__(self) -> int:
        out = ffi.new("size_t *")
        check(lib.noob_event_store_len(self._handle, out))
        return out[0]

    def stats(self) -> EventStoreStats:
        s = ffi.new("noob_event_store_stats *")
        check(lib.noob_event_store_get_stats(self._handle, s))
        return EventStoreStats(
            s.events,
            s.bytes,
            s.epochs,
            s.names,
            s.added,
            s.cleared_events,
            s.cleared_epochs,
            s.evicted_events,
            s.evicted_epochs,
            s.highest_evicted_epoch if s.evicted_epochs else None,
            s.max_events,
            s.max_bytes,
            s.id_prefix,
        )

    def intern(self, name: Name) -> int:
        """The store's id for a node or signal name (interning it if new)."""
        ident = self._ids.get(name)
        return ident if ident is not None else self._intern(name)

    def name_id(self, name: Name) -> int:
        """The id of an interned name; ``UnknownNameError`` if it never was."""
        ident = self._lookup(name)
        if ident == _MISSING:
            raise UnknownNameError(f"name {name!r} was never interned in this event store")
        return ident

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Drop every event now. Safe while other threads use the store: their
        calls either finish first or raise ``StoreClosedError``."""
        self._closed = True
        check(lib.noob_event_store_close(self._handle))

    def __enter__(self) -> FastEventStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._closed:
            return "<FastEventStore closed>"
        s = self.stats()
        bound = f"cache_size={s.max_events}" + (f" max_bytes={s.max_bytes}" if s.max_bytes else "")
        return f"<FastEventStore {s.events} events in {s.epochs} epochs, {bound}>"
