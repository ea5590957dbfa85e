"""BufferPool: pre-allocated, fixed-size buffers, lent as zero-copy views.

Safe from many threads: the native pool is thread-safe and the calls release
the GIL. A lent buffer is a writable view of the pool's own memory; once it is
released the view is revoked, so no two holders ever write the same bytes.
"""

from __future__ import annotations

import sys
import threading
from typing import NamedTuple

from ._native import ffi, lib
from .exceptions import NotOutstandingError, PoolClosedError, WrongPoolError, check, error_for

__all__ = ["BufferPool", "PooledBuffer", "BufferPoolStats"]

# One output struct per thread, reused: allocating it per call costs more than the call.
_per_thread = threading.local()
_acquire = lib.noob_buffer_pool_acquire
_release = lib.noob_buffer_pool_release


class BufferPoolStats(NamedTuple):
    buffer_size: int
    max_pooled: int
    pooled: int
    """Idle buffers ready to lend."""
    outstanding: int
    """Buffers lent and not yet released."""
    hits: int
    """Acquires served by an idle buffer."""
    misses: int
    """Acquires that allocated a new buffer."""
    discarded: int
    """Releases that freed their buffer because ``max_pooled`` idle ones were kept."""


class BufferPool:
    """A thread-safe pool of ``buffer_size``-byte buffers keeping at most
    ``max_pooled`` idle ones; ``prefill`` allocates that many idle buffers up front.

    ``close()`` (or leaving a ``with`` block) frees the pool at once if no buffer is
    lent; buffers still lent keep their memory valid until they are dropped, but can
    no longer be released.
    """

    __slots__ = ("_handle", "_buffer_size", "__weakref__")

    def __init__(self, buffer_size: int = 4096, max_pooled: int = 1000, prefill: int = 0) -> None:
        out = ffi.new("noob_buffer_pool **")
        check(lib.noob_buffer_pool_new(buffer_size, max_pooled, out))
        self._handle = ffi.gc(out[0], lib.noob_buffer_pool_free)
        self._buffer_size = buffer_size
        if prefill:
            self.prefill(prefill)

    def _live(self):
        handle = self._handle
        if handle is None:
            raise PoolClosedError("the buffer pool is closed")
        return handle

    @property
    def buffer_size(self) -> int:
        return self._buffer_size

    @property
    def closed(self) -> bool:
        return self._handle is None

    def prefill(self, count: int) -> int:
        """Allocate idle buffers until ``count`` are idle (at most ``max_pooled``);
        returns how many were added."""
        added = ffi.new("size_t *")
        check(lib.noob_buffer_pool_prefill(self._live(), count, added))
        return added[0]

    def acquire(self) -> PooledBuffer:
        """Lend a buffer. A reused buffer still holds what its previous holder wrote."""
        handle = self._handle
        if handle is None:
            raise PoolClosedError("the buffer pool is closed")
        try:
            lease = _per_thread.lease
        except AttributeError:  # first acquire on this thread
            lease = _per_thread.lease = ffi.new("noob_buffer *")
        code = _acquire(handle, lease)
        if code:
            raise error_for(code)
        return PooledBuffer(self, handle, lease.data, lease.len, lease.token)

    def release(self, buffer: PooledBuffer) -> None:
        """Take ``buffer`` back; same as ``buffer.release()``."""
        if not isinstance(buffer, PooledBuffer):
            raise TypeError(f"expected a PooledBuffer, got {type(buffer).__name__}")
        if buffer._pool is not self:
            raise WrongPoolError("the buffer was lent by another pool")
        buffer.release()

    def stats(self) -> BufferPoolStats:
        out = ffi.new("noob_buffer_pool_stats *")
        check(lib.noob_buffer_pool_get_stats(self._live(), out))
        return BufferPoolStats(
            out.buffer_size, out.max_pooled, out.pooled, out.outstanding, out.hits, out.misses, out.discarded
        )

    def close(self) -> None:
        """Stop lending. The native pool is freed as soon as no lent buffer refers to it."""
        self._handle = None

    def __enter__(self) -> BufferPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._handle is None:
            return f"<BufferPool buffer_size={self._buffer_size} closed>"
        s = self.stats()
        return f"<BufferPool buffer_size={s.buffer_size} pooled={s.pooled} outstanding={s.outstanding}>"


class PooledBuffer:
    """A lent buffer: ``len(buf)`` writable bytes of the pool's memory, no copy.

    Use ``buf.view`` (a ``memoryview``) or index and slice ``buf`` directly; on
    Python 3.12+ ``memoryview(buf)`` works too. As a context manager it releases
    on exit. Releasing twice, or after the pool was closed, raises; releasing while
    another view of the memory is alive (a slice, a numpy array) raises
    ``BufferError`` and keeps the buffer lent.
    """

    __slots__ = ("_pool", "_handle", "_data", "_len", "_token", "_raw", "_view", "_released")

    def __init__(self, pool: BufferPool, handle, data, length: int, token: int) -> None:
        self._pool = pool
        self._handle = handle  # keeps the native pool (and so this memory) alive
        self._data = data
        self._len = length
        self._token = token
        self._raw = None
        self._view: memoryview | None = None
        self._released = False

    @property
    def token(self) -> int:
        return self._token

    @property
    def released(self) -> bool:
        return self._released

    @property
    def view(self) -> memoryview:
        """A writable memoryview of the buffer, valid until it is released."""
        if self._released:
            raise ValueError("the buffer was released")
        if self._view is None:
            self._raw = ffi.buffer(self._data, self._len)
            self._view = memoryview(self._raw)
        return self._view

    def __buffer__(self, flags: int) -> memoryview:
        return self.view

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index):
        return self.view[index]

    def __setitem__(self, index, value) -> None:
        self.view[index] = value

    def __bytes__(self) -> bytes:
        return self.view.tobytes()

    def release(self) -> None:
        """Give the buffer back to its pool; its views stop working."""
        if self._released:
            raise NotOutstandingError("the buffer was already released")
        if self._pool._handle is None:
            raise PoolClosedError("the pool is closed; the buffer stays valid until it is dropped")
        if self._view is not None:
            self._revoke_views()
        code = _release(self._handle, self._token)
        if code:
            raise error_for(code)
        self._released = True
        self._view = self._raw = None

    def _revoke_views(self) -> None:
        """Revoke our memoryview and make sure no other view of the memory survives."""
        self._view.release()  # BufferError if something (numpy, ...) exported it
        # Slices and memoryviews derived from ours keep the exporter referenced.
        # Expected references: our attribute and getrefcount's argument.
        if sys.getrefcount(self._raw) > 2:
            raise BufferError("views of this buffer (slices, memoryviews) are still alive; drop them first")

    def __enter__(self) -> PooledBuffer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._released and self._pool._handle is not None:
            self.release()

    def __del__(self) -> None:
        # Return a forgotten buffer to its pool, unless a view of it may still be in use:
        # then it stays lent (its memory is freed with the pool) rather than be reused.
        try:
            if not self._released and self._pool._handle is not None:
                self.release()
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "released" if self._released else "lent"
        return f"<PooledBuffer {self._len} bytes {state} token={self._token:#x}>"
