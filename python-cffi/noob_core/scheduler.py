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

Results are tuples (as graphlib's ``get_ready``) of the very str objects the graph
was built from (a ``str`` subclass is stored as a plain ``str``).

The drive calls are C (``_sched.c``, calling the library directly with the GIL held):
a per-node mark is one method call, one hash-table lookup (none when the nodes of
the latest batch are marked in the order they were handed out) and one library call.
Names are looked up by their text, with str's own hash and comparison: an object that
is not a ``str`` is never a node, whatever its ``__eq__``/``__hash__``.

Thread safety: every method may be called from any thread; the drive calls of one
scheduler are serialized (the native run state has one owner): short ones hold the
GIL throughout, and a call waits while another thread's big batch (which releases
the GIL) is inside the library. The graph is immutable, so ``run()``, ``successors()`` and the like never wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from . import _sched
from ._native import ffi, lib
from .exceptions import (
    InvalidArgumentError,
    NodeFailedError,
    SchedulerClosedError,
    UnknownNodeError,
    error_for,
)

__all__ = ["FastScheduler", "GraphInfo", "RunSummary"]

_sched.configure(error_for, UnknownNodeError, SchedulerClosedError, InvalidArgumentError)
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


class FastScheduler(_sched.Drive):
    """A checked dependency graph and one run over it; see the module docstring.

    The drive calls (``get_ready``, ``mark_done``, ``mark_completed``,
    ``mark_done_many``, ``done``, ``is_done``, ``is_active``, ``reset``, ``counts``
    and the seed's spellings) are inherited from ``_sched.Drive`` (C)."""

    __slots__ = ("_graph", "_runs", "__weakref__")

    def __init__(
        self,
        graph: Mapping[str, Iterable[str]] | Iterable[tuple[str, str]] | None = None,
        *,
        nodes: Iterable[str] | None = None,
    ) -> None:
        self._graph = None
        self._runs: list[None] = []  # one entry per run() in progress (append/pop are atomic)
        if graph is None:
            graph = ()
        if isinstance(graph, (str, bytes)):
            raise TypeError("graph must be a {node: [dependencies]} mapping or a list of (from, to) edges")
        # Interns the names (ids in order of first mention), builds the graph and this
        # object's run state in C; the graph handle is ours for queries and run().
        address = self._build(graph, nodes, isinstance(graph, Mapping))
        self._graph = ffi.gc(ffi.cast("noob_graph *", address), lib.noob_graph_free)

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

    def _graph_handle(self):
        graph = self._graph
        if graph is None:
            raise SchedulerClosedError("the scheduler is closed")
        return graph

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
        graph = getattr(self, "_graph", None)  # None: closed, or construction failed
        self._close_drive()  # waits for a drive call in progress on another thread
        self._graph = None
        if graph is not None and not self._runs:
            ffi.release(graph)

    def __enter__(self) -> FastScheduler:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._graph is None:
            return "<FastScheduler closed>"
        return f"<FastScheduler {self._n} nodes>"


def _check(code: int) -> None:
    if code:
        raise error_for(code)
