"""noob_core: the fast core of the noob framework (cffi binding of libnoob_core)."""

from __future__ import annotations

from ._native import ffi as _ffi, lib as _lib

__version__: str = _ffi.string(_lib.noob_version()).decode()

if _lib.noob_version_number() != _lib.NOOB_VERSION_NUMBER:
    raise ImportError(
        f"noob_core was compiled against libnoob_core header {_lib.NOOB_VERSION_NUMBER} "
        f"but loaded library {__version__} ({_lib.noob_version_number()}); reinstall noob-core"
    )

from . import exceptions  # noqa: E402
from .buffer_pool import BufferPool, BufferPoolStats, PooledBuffer  # noqa: E402
from .event_store import EventStoreStats, FastEvent, FastEventStore  # noqa: E402
from .epoch import Epoch  # noqa: E402
from .exceptions import NoobCoreError  # noqa: E402
from .scheduler import FastScheduler, GraphInfo, RunSummary  # noqa: E402
from .noob_scheduler import Scheduler, SorterState  # noqa: E402
from .serializer import FastSerializer  # noqa: E402

# noob-core's three names first (noob imports them), then this package's own.
__all__ = [
    "Epoch",
    "Scheduler",
    "SorterState",
    "__version__",
    "BufferPool",
    "BufferPoolStats",
    "PooledBuffer",
    "FastEventStore",
    "FastEvent",
    "EventStoreStats",
    "NoobCoreError",
    "FastSerializer",
    "FastScheduler",
    "GraphInfo",
    "RunSummary",
    "exceptions",
]
