"""Errors raised by noob_core.

Every failure of the native library arrives as a ``noob_result`` code; ``check``
turns it into the class registered for that code, carrying the library's
detail message (``noob_last_error_detail``) read on the failing thread.
"""

from __future__ import annotations

import re

from ._native import ffi, lib

# Exactly noob-core 0.2.1's names: noob does ``from noob_core.exceptions import *`` and must
# get those seven, no more. Every other class below is importable by name.
__all__ = [
    "NoobCoreError",
    "SchedulerError",
    "EpochCompletedError",
    "EpochExistsError",
    "NotAddedError",
    "AlreadyDoneError",
    "SchedulerExhaustedError",
]


class NoobCoreError(Exception):
    """Root of every error noob_core raises. ``code`` is the library's result code
    (``None`` for errors raised by the Python layer itself)."""

    code: int | None = None

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class NullPointerError(NoobCoreError, ValueError):
    """A required pointer was NULL (a bug in a binding, never in user code)."""


class InvalidArgumentError(NoobCoreError, ValueError):
    """An argument is outside its documented range."""


class InvalidUtf8Error(InvalidArgumentError):
    """Text given to the library is not valid UTF-8."""


class NotFoundError(NoobCoreError, LookupError):
    """The named item does not exist."""


class OutOfMemoryError(NoobCoreError, MemoryError):
    """The library could not allocate memory."""


class InternalError(NoobCoreError, RuntimeError):
    """The library hit an internal bug (a caught Rust panic); it remains usable."""


class BufferTooSmallError(NoobCoreError, ValueError):
    """An output buffer was too small."""


class LimitExceededError(NoobCoreError, RuntimeError):
    """A fixed capacity of the library would be exceeded."""


class BufferPoolError(NoobCoreError):
    """Misuse of a BufferPool or of one of its buffers."""


class WrongPoolError(BufferPoolError, ValueError):
    """The buffer was lent by another pool."""


class NotOutstandingError(BufferPoolError, ValueError):
    """The buffer is not lent: released twice, or never acquired."""


class PoolClosedError(BufferPoolError, ValueError):
    """The pool is closed."""


class GraphError(NoobCoreError):
    """A scheduling graph or run was misused."""


class CycleError(GraphError, ValueError):
    """The graph has a cycle; the message names its nodes."""


class UnknownNodeError(GraphError, KeyError):
    """The node id or name is not in the graph."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class AlreadyMarkedDoneError(GraphError, ValueError):
    """The node is already marked done in this run."""


class NotHandedOutError(GraphError, ValueError):
    """The node was never handed out as ready in this run."""


class NodeFailedError(GraphError, RuntimeError):
    """A node's callback failed during a parallel run."""


class SchedulerClosedError(GraphError, ValueError):
    """The FastScheduler was closed."""


class EventStoreError(NoobCoreError):
    """Misuse of a FastEventStore."""


class StoreClosedError(EventStoreError, ValueError):
    """The event store is closed."""


class UnknownNameError(EventStoreError, LookupError):
    """A node or signal name (or id) that the store never interned."""


class IdsExhaustedError(EventStoreError, RuntimeError):
    """The event store has handed out all its event ids."""


class NoRandomnessError(EventStoreError, OSError):
    """The operating system's random source failed."""


class SerializerError(NoobCoreError):
    """A value could not be serialized or deserialized."""


class DecodeError(SerializerError, ValueError):
    """A blob is not a valid NOOB value; ``offset`` is the byte where the problem is."""

    offset: int | None = None

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message, code)
        found = re.search(r"byte offset (\d+)", message)
        if found:
            self.offset = int(found.group(1))


class BuilderStateError(SerializerError, ValueError):
    """A value builder call came out of order."""


class WrongTypeError(SerializerError, TypeError):
    """A value was read as a kind it is not."""


class DuplicateKeyError(SerializerError, ValueError):
    """A dict would hold the same key twice."""


class CallbackError(NoobCoreError, RuntimeError):
    """A callback given to the library reported a failure."""


class SchedulerError(NoobCoreError):
    """Misuse of the noob drop-in ``Scheduler`` (noob-core's class of that name)."""


class EpochCompletedError(SchedulerError, ValueError):
    """The epoch is already completed; the message is the epoch's repr."""


class EpochExistsError(SchedulerError, ValueError):
    """The epoch already exists; the message is the epoch's repr."""


class NotAddedError(SchedulerError, ValueError):
    """An item (node, signal) or epoch that the scheduler's graph does not have."""


class AlreadyDoneError(SchedulerError, ValueError):
    """The item is already done in that epoch."""


class SchedulerExhaustedError(SchedulerError, RuntimeError):
    """No more work can be done (raised by noob's own scheduler wrapper, never by the core)."""


_BY_CODE: dict[int, type[NoobCoreError]] = {
    lib.NOOB_ERR_NULL_POINTER: NullPointerError,
    lib.NOOB_ERR_INVALID_ARGUMENT: InvalidArgumentError,
    lib.NOOB_ERR_INVALID_UTF8: InvalidUtf8Error,
    lib.NOOB_ERR_NOT_FOUND: NotFoundError,
    lib.NOOB_ERR_OUT_OF_MEMORY: OutOfMemoryError,
    lib.NOOB_ERR_PANIC: InternalError,
    lib.NOOB_ERR_BUFFER_TOO_SMALL: BufferTooSmallError,
    lib.NOOB_ERR_LIMIT_EXCEEDED: LimitExceededError,
    lib.NOOB_ERR_WRONG_POOL: WrongPoolError,
    lib.NOOB_ERR_NOT_OUTSTANDING: NotOutstandingError,
    lib.NOOB_ERR_CYCLE: CycleError,
    lib.NOOB_ERR_UNKNOWN_NODE: UnknownNodeError,
    lib.NOOB_ERR_ALREADY_DONE: AlreadyMarkedDoneError,
    lib.NOOB_ERR_NOT_HANDED_OUT: NotHandedOutError,
    lib.NOOB_ERR_CALLBACK_FAILED: NodeFailedError,
    lib.NOOB_ERR_STORE_CLOSED: StoreClosedError,
    lib.NOOB_ERR_UNKNOWN_NAME: UnknownNameError,
    lib.NOOB_ERR_IDS_EXHAUSTED: IdsExhaustedError,
    lib.NOOB_ERR_NO_RANDOMNESS: NoRandomnessError,
    lib.NOOB_ERR_DECODE: DecodeError,
    lib.NOOB_ERR_BUILDER_STATE: BuilderStateError,
    lib.NOOB_ERR_WRONG_TYPE: WrongTypeError,
    lib.NOOB_ERR_DUPLICATE_KEY: DuplicateKeyError,
    lib.NOOB_ERR_CALLBACK: CallbackError,
    lib.NOOB_ERR_EPOCH_COMPLETED: EpochCompletedError,
    lib.NOOB_ERR_EPOCH_EXISTS: EpochExistsError,
    lib.NOOB_ERR_ITEM_NOT_ADDED: NotAddedError,
    lib.NOOB_ERR_ITEM_ALREADY_DONE: AlreadyDoneError,
}

# The noob drop-in's codes carry noob-core's own message after the "<function>: " prefix,
# and raise with that message alone, as noob-core does (``str(EpochExistsError)`` is "3").
_NOOB_CODES = frozenset(
    (
        lib.NOOB_ERR_EPOCH_COMPLETED,
        lib.NOOB_ERR_EPOCH_EXISTS,
        lib.NOOB_ERR_ITEM_NOT_ADDED,
        lib.NOOB_ERR_ITEM_ALREADY_DONE,
        lib.NOOB_ERR_EPOCH_VALUE,
    )
)
_PREFIX = re.compile(r"^noob_\w+: ")


def error_for(code: int) -> Exception:
    """The exception for a failed call's ``code``, with this thread's detail message.

    Always a ``NoobCoreError`` except for ``NOOB_ERR_EPOCH_VALUE``, which gives a plain
    ``ValueError`` (what noob-core raises there); it still carries ``code``.
    """
    length = ffi.new("size_t *")
    text = lib.noob_last_error_detail(length)  # whole: names may hold NUL bytes
    detail = ffi.unpack(text, length[0]).decode("utf-8", "replace")
    if not detail:
        detail = ffi.string(lib.noob_result_str(code)).decode()
    if code in _NOOB_CODES:
        detail = _PREFIX.sub("", detail, count=1)
        if code == lib.NOOB_ERR_EPOCH_VALUE:
            error = ValueError(detail)
            error.code = code
            return error
    return _BY_CODE.get(code, NoobCoreError)(detail, code)


def check(code: int) -> None:
    """Raise the exception for ``code`` unless it is ``NOOB_OK``."""
    if code:
        raise error_for(code)
