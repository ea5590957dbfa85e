"""FastScheduler: a dependency graph (DAG) built once in Rust, driven from Python.

Two ways to describe the graph, both checked at construction (a cycle, a self-loop
included, raises ``CycleError`` naming its nodes):

* ``FastScheduler({node: [dependencies]})`` -- graphlib's form. Dependencies never
  given a key of their own are added as nodes (sources).
* ``FastScheduler([(from_node, to_node), ...])`` -- ``to_node`` depends on
  ``from_node``. Both ends are added as nodes when new.

``nodes=[...]`` adds nodes first (isolated ones included). Node names are
non-empty ``str`` without NUL characters; anything else is refused
(``TypeError`` or ``InvalidArgumentError``). A repeated edge (or dependency) is kept
once and counted in ``info().repeated_edges``.

Node ids follow first mention: ``nodes=`` in order, then the graph argument in
order (for the dict form: each key, then its dependencies). The ready order is
stable and documented, so runs are reproducible: first the sources in that order,
then each node in the order it became ready, nodes released by one ``mark_done``
call in that order too.

Driving (one run at a time per scheduler, ``reset()`` starts the next):

* batch: ``get_ready()`` hands out every ready node (``batch_size=k``: at most k),
  ``mark_done_many(nodes)`` marks a batch done and returns the newly ready ones:
  one call into the library per batch.
* graphlib's drive also works: ``while s.is_active(): s.done(*s.get_ready())``.
* per node: ``mark_done(node)`` returns the newly ready nodes; ``mark_completed(node)``
  returns nothing; ``get_ready_nodes()`` and ``is_complete()`` are the seed's
  spellings of ``get_ready()`` and ``is_done()``.

A node can only be marked done once per run, after it was handed out by
``get_ready``: otherwise ``UnknownNodeError``, ``AlreadyMarkedDoneError`` or
``NotHandedOutError``, and nothing changes.

``run(fn, workers=N)`` calls ``fn(node)`` for every node on N native worker threads,
each node once all its dependencies' calls have returned; see its docstring.

Results are tuples (as graphlib's ``get_ready``), cheapest to build from the ids.

Thread safety: every method may be called from any thread; the drive calls of one
scheduler are serialized (the native run state has one owner): a call waits while
another thread's call on the same scheduler is inside the library. The graph is
immutable, so ``run()``, ``successors()`` and the like never wait.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from operator import itemgetter as _getter
from typing import NamedTuple

from ._native import ffi, lib
from .exceptions import (
    CycleError,
    InvalidArgumentError,
    NodeFailedError,
    SchedulerClosedError,
    UnknownNodeError,
    error_for,
)

__all__ = ["FastScheduler", "GraphInfo", "RunSummary"]

_SIZE_MAX = ffi.cast("size_t", -1)
_get_ready = lib.noob_scheduler_get_ready
_mark_done = lib.noob_scheduler_mark_done
_mark_done_many = lib.noob_scheduler_mark_done_many
_NULL = ffi.NULL
_unpack = ffi.unpack
# What the run callback returns when fn raised, or when the run was interrupted.
_FAILED = lib.NOOB_ERR_CALLBACK_FAILED
_CANCELLED = lib.NOOB_ERR_CALLBACK


class GraphInfo(NamedTuple):
    node_count: int
    edge_count: int
    """Distinct edges."""
    repeated_edges: int
    """Edges (or dependencies) given more than once; each is kept once."""
    generation_count: int
    heap_bytes: int
    """Heap bytes the native graph holds (names, index, adjacency, order)."""


class RunSummary(NamedTuple):
    ran: int
    failed: int
    skipped: int
    """Not called: a dependency failed or was skipped, or the run stopped early."""
    workers: int
    """Worker threads used, the calling thread included."""


def _encode(text: str) -> bytes:
    # Lone surrogates pass through as bytes the library then refuses as invalid UTF-8.
    return text.encode("utf-8", "surrogatepass")


def _joined(names: list, what: str) -> str:
    """``"\\0".join(names)``, refusing non-str names and names holding a NUL."""
    try:
        text = "\0".join(names)
    except TypeError:
        bad = next(n for n in names if not isinstance(n, str))
        raise TypeError(f"{what} must be str, got {type(bad).__name__}: {bad!r}") from None
    if names and text.count("\0") != len(names) - 1:
        bad = next(n for n in names if "\0" in n)
        raise InvalidArgumentError(f"node name {bad!r} contains a NUL character")
    if names and names[-1] == "":  # the library would read it as the optional trailing NUL
        raise InvalidArgumentError("a node name is empty")
    return text


def _dep_list(node: str, deps: Iterable[str]) -> list[str]:
    if isinstance(deps, (str, bytes)):  # {"b": "ac"} would mean dependencies "a" and "c"
        raise TypeError(f"the dependencies of {node!r} must be a list of names, not {type(deps).__name__}")
    return list(deps)


class _RunState:
    """What one ``run()`` shares with its callbacks (through ``ffi.new_handle``)."""

    __slots__ = ("fn", "names", "errors", "cancelled")

    def __init__(self, fn: Callable[[str], object], names: list[str]) -> None:
        self.fn = fn
        self.names = names
        self.errors: dict[int, BaseException] = {}
        self.cancelled = False


@ffi.def_extern(error=_FAILED)
def _noob_py_node_callback(user_data, node):
    """The C callback of ``FastScheduler.run``: runs ``fn(name)``, never lets an
    exception out (cffi would print it and return ``error``)."""
    state = ffi.from_handle(user_data)
    if state.cancelled:
        return _CANCELLED
    try:
        state.fn(state.names[node])
    except Exception as error:  # noqa: BLE001 - collected and re-raised by run()
        state.errors[node] = error
        return _FAILED
    except BaseException as error:  # KeyboardInterrupt, SystemExit: stop calling fn
        state.errors[node] = error
        state.cancelled = True
        return _CANCELLED
    return 0


class FastScheduler:
    """A checked dependency graph and one run over it; see the module docstring."""

    __slots__ = (
        "_graph",
        "_sched",
        "_names",
        "_index",
        "_n",
        "_out",
        "_in",
        "_count",
        "_remaining",
        "_tokens",
        "_ready_ids",
        "_last_batch",
        "_runs",
        "__weakref__",
    )

    def __init__(
        self,
        graph: Mapping[str, Iterable[str]] | Iterable[tuple[str, str]] | None = None,
        *,
        nodes: Iterable[str] | None = None,
    ) -> None:
        self._graph = None
        self._sched = _NULL
        node_list = [] if nodes is None else list(nodes)
        if graph is None:
            graph = ()
        if isinstance(graph, (str, bytes)):
            raise TypeError("graph must be a {node: [dependencies]} mapping or a list of (from, to) edges")
        builder_out = ffi.new("noob_graph_builder **")
        _check(lib.noob_graph_builder_new(builder_out))
        builder = builder_out[0]
        try:
            if node_list:
                text = _encode(_joined(node_list, "node names"))
                _check(lib.noob_graph_builder_add_nodes(builder, text, len(text), _NULL, 0, _NULL))
            if isinstance(graph, Mapping):
                flat = self._add_dependencies(builder, graph)
            else:
                flat = self._add_edges(builder, graph)
            graph_out = ffi.new("noob_graph **")
            code = lib.noob_graph_builder_build(builder, graph_out)
            if code:
                raise _build_error(code, builder, chain(node_list, flat))
        finally:
            lib.noob_graph_builder_free(builder)
        self._graph = ffi.gc(graph_out[0], lib.noob_graph_free)
        text_out = ffi.new("const char **")
        len_out = ffi.new("size_t *")
        _check(lib.noob_graph_names(self._graph, text_out, len_out))
        names = ffi.unpack(text_out[0], len_out[0]).decode().split("\0")[:-1]
        self._names: list[str] = names
        self._index: dict[str, int] = dict(zip(names, range(len(names))))
        self._n = len(names)
        sched_out = ffi.new("noob_scheduler **")
        _check(lib.noob_scheduler_new(self._graph, sched_out))
        self._sched = ffi.gc(sched_out[0], lib.noob_scheduler_free)
        # Reused by every drive call (under the drive guard): an array of node_count ids is
        # always large enough for any batch.
        self._out = ffi.new("uint32_t[]", max(self._n, 1))
        self._in = ffi.new("uint32_t[]", max(self._n, 1))
        self._ready_ids = ffi.new("uint32_t[]", max(self._n, 1))  # the latest get_ready batch
        self._last_batch: tuple[str, ...] | None = None
        self._count = ffi.new("size_t *")
        # Nodes not marked done yet in this run: every successful mark lowers it, so
        # is_done() needs no call into the library.
        self._remaining = self._n
        # The drive guard: one token, taken with list.pop() (atomic under the GIL)
        # and put back after the call; cheaper than a threading.Lock by ~100 ns a call.
        self._tokens = [None]
        self._runs: list[None] = []

    @staticmethod
    def _add_dependencies(builder, deps: Mapping) -> list[str]:
        keys = list(deps)
        values = list(deps.values())
        if not set(map(type, values)) <= {list, tuple}:
            values = [ds if isinstance(ds, (list, tuple)) else _dep_list(node, ds) for node, ds in zip(keys, values)]
        # Each node, then its dependencies: k0, d, d, k1, d, ... (all loops in C).
        flat = list(chain.from_iterable(chain.from_iterable(zip(zip(keys), values))))
        counts = array("I", map(len, values))
        text = _encode(_joined(flat, "node names"))
        _check(lib.noob_graph_builder_add_dependencies(builder, text, len(text), ffi.from_buffer("uint32_t[]", counts), len(counts)))
        return flat

    @staticmethod
    def _add_edges(builder, edges: Iterable) -> list[str]:
        edges = edges if isinstance(edges, (list, tuple)) else list(edges)
        if not edges:
            return []
        try:
            pairs = set(map(len, edges)) == {2}
        except TypeError:
            pairs = False
        if not pairs:
            raise TypeError("edges must be (from_node, to_node) pairs")
        flat = list(chain.from_iterable(edges))
        text = _encode(_joined(flat, "node names"))
        _check(lib.noob_graph_builder_add_edges_text(builder, text, len(text)))
        return flat

    @classmethod
    def from_deps(cls, deps: Mapping[str, Iterable[str]], *, nodes: Iterable[str] | None = None) -> FastScheduler:
        """``{node: [dependencies]}``, as graphlib takes it."""
        if not isinstance(deps, Mapping):
            raise TypeError("from_deps takes a {node: [dependencies]} mapping")
        return cls(deps, nodes=nodes)

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[str, str]], *, nodes: Iterable[str] | None = None) -> FastScheduler:
        """``[(from_node, to_node), ...]``: ``to_node`` depends on ``from_node``."""
        if isinstance(edges, Mapping):
            raise TypeError("from_edges takes a list of (from_node, to_node) pairs")
        return cls(edges, nodes=nodes)

    # ----------------------------------------------------------------- graph queries

    @property
    def nodes(self) -> list[str]:
        """Every node, in id (first mention) order."""
        return list(self._names)

    def __len__(self) -> int:
        return self._n

    def __contains__(self, node: object) -> bool:
        return node in self._index

    def _graph_handle(self):
        graph = self._graph
        if graph is None:
            raise SchedulerClosedError("the scheduler is closed")
        return graph

    def _id(self, node: str) -> int:
        try:
            return self._index[node]
        except (KeyError, TypeError):
            raise UnknownNodeError(f"unknown node {node!r}", lib.NOOB_ERR_UNKNOWN_NODE) from None

    def info(self) -> GraphInfo:
        out = ffi.new("noob_graph_info *")
        _check(lib.noob_graph_get_info(self._graph_handle(), out))
        return GraphInfo(out.node_count, out.edge_count, out.repeated_edges, out.generation_count, out.heap_bytes)

    def _view(self, fn, *args) -> list[int]:
        ids_out = ffi.new("const uint32_t **")
        count_out = ffi.new("size_t *")
        _check(fn(self._graph_handle(), *args, ids_out, count_out))
        return ffi.unpack(ids_out[0], count_out[0]) if count_out[0] else []

    def successors(self, node: str) -> list[str]:
        """The nodes depending directly on ``node``, in id order."""
        names = self._names
        return [names[i] for i in self._view(lib.noob_graph_successors, self._id(node))]

    def predecessors(self, node: str) -> list[str]:
        """The nodes ``node`` depends on directly, in the order their edges were given."""
        names = self._names
        return [names[i] for i in self._view(lib.noob_graph_predecessors, self._id(node))]

    def topological_order(self) -> list[str]:
        """Every node, generation after generation, each generation in ready order."""
        names = self._names
        return [names[i] for i in self._view(lib.noob_graph_topological_order)]

    def generations(self) -> list[list[str]]:
        """The nodes grouped by the length of their longest path from a source:
        ``generations()[0]`` are the sources. Each list is in ready order."""
        order = self.topological_order()
        starts_out = ffi.new("const uint32_t **")
        count_out = ffi.new("size_t *")
        _check(lib.noob_graph_generations(self._graph_handle(), starts_out, count_out))
        starts = ffi.unpack(starts_out[0], count_out[0] + 1)
        return [order[a:b] for a, b in zip(starts, starts[1:])]

    # ----------------------------------------------------------------------- driving
    #
    # Every drive call holds the scheduler's token (see _take) around its native call
    # and its use of the shared output arrays.

    def get_ready(self, batch_size: int | None = None) -> tuple[str, ...]:
        """Hand out the ready nodes (at most ``batch_size``) in ready order; () if none."""
        if batch_size is None:
            batch_size = _SIZE_MAX
        elif not isinstance(batch_size, int) or batch_size < 0:
            raise InvalidArgumentError(f"batch_size must be an int >= 0 or None, got {batch_size!r}")
        tokens = self._tokens
        try:
            tokens.pop()
        except IndexError:
            _take(tokens)
        try:
            ids, count = self._ready_ids, self._count
            code = _get_ready(self._sched, batch_size, ids, self._n, count)
            if code:
                raise self._error(code)
            k = count[0]
            if k > 1:
                batch = _getter(*_unpack(ids, k))(self._names)
            else:
                batch = (self._names[ids[0]],) if k else ()
            self._last_batch = batch  # its ids stay in _ready_ids for mark_done_many
            return batch
        finally:
            tokens.append(None)

    get_ready_nodes = get_ready  # the seed's name (called without arguments: every ready node)

    def mark_done(self, node: str) -> tuple[str, ...]:
        """Mark the handed-out ``node`` done; returns the nodes it made ready."""
        try:
            i = self._index[node]
        except (KeyError, TypeError):
            raise self._unknown(node) from None
        tokens = self._tokens
        try:
            tokens.pop()
        except IndexError:
            _take(tokens)
        try:
            out, count = self._out, self._count
            code = _mark_done(self._sched, i, out, self._n, count)
            if code:
                raise self._error(code)
            self._remaining -= 1
            k = count[0]
            if k > 1:
                return _getter(*_unpack(out, k))(self._names)
            return (self._names[out[0]],) if k else ()
        finally:
            tokens.append(None)

    def mark_completed(self, node: str) -> None:
        """Mark the handed-out ``node`` done (the seed's call; returns nothing)."""
        try:
            i = self._index[node]
        except (KeyError, TypeError):
            raise self._unknown(node) from None
        tokens = self._tokens
        try:
            tokens.pop()
        except IndexError:
            _take(tokens)
        try:
            code = _mark_done(self._sched, i, _NULL, 0, _NULL)
            if code:
                raise self._error(code)
            self._remaining -= 1
        finally:
            tokens.append(None)

    def mark_done_many(self, nodes: Iterable[str]) -> tuple[str, ...]:
        """Mark a batch of handed-out nodes done in one call; returns every node they
        made ready. If any cannot be marked, none is, and the error names the first.

        Passing the tuple the latest ``get_ready()`` returned (or an equal one) skips
        looking its names up (the ids are still at hand): the fast way to drive in batches."""
        if not isinstance(nodes, (list, tuple)):
            nodes = list(nodes)  # a generator would be used up by the lookup
        tokens = self._tokens
        try:
            tokens.pop()
        except IndexError:
            _take(tokens)
        try:
            last = self._last_batch
            if nodes is last or (type(nodes) is tuple and nodes == last):
                buf, k = self._ready_ids, len(nodes)
            else:
                try:
                    ids = list(map(self._index.__getitem__, nodes))
                except (KeyError, TypeError):
                    index = self._index
                    raise self._unknown(next(n for n in nodes if not isinstance(n, str) or n not in index)) from None
                k = len(ids)
                buf = self._in
                if k <= self._n:
                    buf[0:k] = ids
                else:  # more names than nodes: some repeat, which the library reports
                    buf = ffi.new("uint32_t[]", ids)
            out, count = self._out, self._count
            code = _mark_done_many(self._sched, buf, k, out, self._n, count)
            if code:
                raise self._error(code)
            self._remaining -= k
            k = count[0]
            if k > 1:
                return _getter(*_unpack(out, k))(self._names)
            return (self._names[out[0]],) if k else ()
        finally:
            tokens.append(None)

    def done(self, *nodes: str) -> None:
        """graphlib's ``done(*nodes)``: mark the handed-out ``nodes`` done, returning
        nothing (the cheapest batch call: the newly ready nodes are not converted).
        ``done(*get_ready())`` takes the fast path of ``mark_done_many``."""
        tokens = self._tokens
        try:
            tokens.pop()
        except IndexError:
            _take(tokens)
        try:
            if nodes == self._last_batch:
                buf, k = self._ready_ids, len(nodes)
            else:
                try:
                    ids = list(map(self._index.__getitem__, nodes))
                except (KeyError, TypeError):
                    index = self._index
                    raise self._unknown(next(n for n in nodes if not isinstance(n, str) or n not in index)) from None
                k = len(ids)
                buf = self._in
                if k <= self._n:
                    buf[0:k] = ids
                else:
                    buf = ffi.new("uint32_t[]", ids)
            code = _mark_done_many(self._sched, buf, k, _NULL, 0, _NULL)
            if code:
                raise self._error(code)
            self._remaining -= k
        finally:
            tokens.append(None)

    def is_done(self) -> bool:
        """Every node marked done (true at once for an empty graph)."""
        if self._graph is None:
            raise SchedulerClosedError("the scheduler is closed")
        return not self._remaining

    is_complete = is_done  # the seed's name

    def is_active(self) -> bool:
        """``not is_done()`` (graphlib's spelling)."""
        return not self.is_done()

    def reset(self) -> None:
        """Start the run over: nothing done, the sources ready."""
        tokens = self._tokens
        try:
            tokens.pop()
        except IndexError:
            _take(tokens)
        try:
            self._last_batch = None
            code = lib.noob_scheduler_reset(self._sched)
            if code:
                raise self._error(code)
            self._remaining = self._n
        finally:
            tokens.append(None)

    def counts(self) -> dict[str, int]:
        """``{"node_count", "ready", "handed_out", "done"}`` of the current run."""
        out = ffi.new("noob_scheduler_counts *")
        tokens = self._tokens
        try:
            tokens.pop()
        except IndexError:
            _take(tokens)
        try:
            code = lib.noob_scheduler_get_counts(self._sched, out)
            if code:
                raise self._error(code)
        finally:
            tokens.append(None)
        return {"node_count": out.node_count, "ready": out.ready, "handed_out": out.handed_out, "done": out.done}

    def _unknown(self, node: object) -> Exception:
        if self._sched == _NULL:
            return SchedulerClosedError("the scheduler is closed")
        return UnknownNodeError(f"unknown node {node!r}", lib.NOOB_ERR_UNKNOWN_NODE)

    def _error(self, code: int) -> Exception:
        if self._sched == _NULL:
            return SchedulerClosedError("the scheduler is closed")
        return error_for(code)

    # -------------------------------------------------------------------- parallel run

    def run(self, fn: Callable[[str], object], workers: int = 1, stop_on_failure: bool = False) -> RunSummary:
        """Call ``fn(node)`` once for every node, each as soon as all its dependencies'
        calls have returned, on ``workers`` native threads (0: one per CPU; the calling
        thread is one of them). With ``workers=1`` every call is on the calling thread,
        in ``topological_order()``. Calls hold the GIL, so they overlap only where
        ``fn`` releases it (I/O, sleeping, numpy, native code).

        If ``fn`` raises, that node fails and every node depending on it is skipped;
        the others still run unless ``stop_on_failure``. Afterwards one
        ``NodeFailedError`` is raised naming the failed nodes, with ``failures``
        (``{node: exception}``), ``skipped`` (node names) and ``summary`` attributes,
        chained from the first exception. ``KeyboardInterrupt`` or ``SystemExit`` in
        ``fn`` stops further calls and is re-raised as itself. Returns a
        ``RunSummary`` when every node ran. Independent of the drive state.
        """
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        if not isinstance(workers, int) or workers < 0:
            raise InvalidArgumentError(f"workers must be an int >= 0, got {workers!r}")
        graph = self._graph_handle()  # the local keeps the graph alive through the run
        state = _RunState(fn, self._names)
        handle = ffi.new_handle(state)
        status = ffi.new("uint8_t[]", max(self._n, 1))
        summary = ffi.new("noob_run_summary *")
        flags = lib.NOOB_RUN_STOP_ON_FAILURE if stop_on_failure else 0
        self._runs.append(None)  # one entry per run in progress (append/pop are atomic)
        try:
            code = lib.noob_graph_run(
                graph, workers, flags, lib._noob_py_node_callback, handle, status, self._n, summary
            )
        finally:
            self._runs.pop()
        result = RunSummary(summary.ran, summary.failed, summary.skipped, summary.workers)
        if code == 0:
            return result
        if code != lib.NOOB_ERR_CALLBACK_FAILED:
            raise error_for(code)
        errors = state.errors
        for error in errors.values():
            if not isinstance(error, Exception):
                raise error
        names = self._names
        failures = {names[i]: errors[i] for i in sorted(errors)}
        statuses = ffi.unpack(status, self._n)
        skipped = [names[i] for i, s in enumerate(statuses) if s == lib.NOOB_NODE_SKIPPED]
        shown = ", ".join(f"{node!r} ({type(e).__name__}: {e})" for node, e in list(failures.items())[:5])
        more = f" and {len(failures) - 5} more" if len(failures) > 5 else ""
        error = NodeFailedError(
            f"{result.failed} of {self._n} nodes failed, {result.skipped} skipped: {shown}{more}",
            code,
        )
        error.failures = failures
        error.skipped = skipped
        error.summary = result
        first = next(iter(failures.values()), None)
        raise error from first

    # ---------------------------------------------------------------------- lifetime

    @property
    def closed(self) -> bool:
        return self._graph is None

    def close(self) -> None:
        """Free the native graph and run state now (a run in progress keeps the graph
        until it returns). Further calls raise ``SchedulerClosedError``."""
        tokens = getattr(self, "_tokens", None)
        if tokens is None:  # construction failed
            return
        try:
            tokens.pop()
        except IndexError:
            _take(tokens)
        try:
            sched, graph = self._sched, self._graph
            # NULL makes a later drive call fail in the library (NOOB_ERR_NULL_POINTER),
            # reported as closed: the hot paths need no check of their own.
            self._sched, self._graph = _NULL, None
            if sched is not None and sched != _NULL:
                ffi.release(sched)
            if graph is not None and not self._runs:
                ffi.release(graph)
        finally:
            tokens.append(None)

    def __enter__(self) -> FastScheduler:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._graph is None:
            return "<FastScheduler closed>"
        return f"<FastScheduler {self._n} nodes>"


def _take(tokens: list) -> None:
    """Wait for another thread's drive call on the same scheduler to put its token back."""
    while True:
        time.sleep(0)  # releases the GIL: the holder finishes its (short) call
        try:
            tokens.pop()
            return
        except IndexError:
            pass


def _check(code: int) -> None:
    if code:
        raise error_for(code)


def _build_error(code: int, builder, added: Iterable[str]) -> Exception:
    """The build's error; a ``CycleError`` gets ``nodes``, the names of one cycle."""
    error = error_for(code)
    if code == lib.NOOB_ERR_CYCLE:
        ids_out = ffi.new("const uint32_t **")
        count_out = ffi.new("size_t *")
        if lib.noob_graph_builder_cycle(builder, ids_out, count_out) == 0:
            by_id = list(dict.fromkeys(added))  # ids are given in order of first mention
            error.nodes = [by_id[i] for i in ffi.unpack(ids_out[0], count_out[0])]
        assert isinstance(error, CycleError)
    return error
