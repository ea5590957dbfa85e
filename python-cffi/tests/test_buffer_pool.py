"""BufferPool from Python: zero-copy views, lending rules, misuse, threads."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from noob_core import BufferPool, PooledBuffer
from noob_core.exceptions import (
    BufferPoolError,
    InvalidArgumentError,
    NotOutstandingError,
    PoolClosedError,
    WrongPoolError,
)


def test_defaults_and_stats():
    with BufferPool() as pool:
        stats = pool.stats()
        assert stats.buffer_size == 4096 and stats.max_pooled == 1000
        assert (stats.pooled, stats.outstanding, stats.hits, stats.misses) == (0, 0, 0, 0)


def test_buffer_is_a_writable_zero_copy_view():
    with BufferPool(64, 2) as pool:
        buf = pool.acquire()
        assert len(buf) == 64
        assert bytes(buf) == bytes(64)  # new buffers are zeroed
        buf[0:5] = b"hello"
        view = buf.view
        assert view.readonly is False and view.nbytes == 64
        assert view[0:5].tobytes() == b"hello"
        view[5] = ord("!")
        assert bytes(buf[0:6]) == b"hello!"
        token = buf.token
        buf.release()
        # The same memory comes back, with what was written: no copy was made.
        again = pool.acquire()
        assert again.token != token
        assert bytes(again[0:6]) == b"hello!"
        again.release()


@pytest.mark.skipif(sys.version_info < (3, 12), reason="__buffer__ is used by memoryview() from 3.12")
def test_memoryview_of_the_buffer_itself():
    with BufferPool(16, 1) as pool:
        buf = pool.acquire()
        m = memoryview(buf)
        m[0] = 7
        assert buf[0] == 7
        m.release()
        buf.release()


def test_context_manager_releases_on_exit():
    with BufferPool(32, 2) as pool:
        with pool.acquire() as buf:
            buf[0] = 1
            assert pool.stats().outstanding == 1
        assert buf.released
        assert pool.stats().outstanding == 0 and pool.stats().pooled == 1
        with pool.acquire() as buf:
            buf.release()  # releasing inside the block is fine; exit does not release again
        assert pool.stats().outstanding == 0


def test_released_view_is_revoked():
    with BufferPool(32, 2) as pool:
        buf = pool.acquire()
        view = buf.view
        buf.release()
        with pytest.raises(ValueError):
            view[0] = 1
        with pytest.raises(ValueError):
            buf.view


def test_release_twice_is_a_clear_error_and_changes_nothing():
    with BufferPool(32, 2) as pool:
        buf = pool.acquire()
        pool.release(buf)
        before = pool.stats()
        with pytest.raises(NotOutstandingError):
            buf.release()
        with pytest.raises(NotOutstandingError):
            pool.release(buf)
        assert pool.stats() == before


def test_release_to_another_pool_is_refused():
    with BufferPool(32, 2) as a, BufferPool(32, 2) as b:
        buf = a.acquire()
        with pytest.raises(WrongPoolError):
            b.release(buf)
        assert a.stats().outstanding == 1
        a.release(buf)
        with pytest.raises(TypeError):
            a.release(bytearray(32))  # type: ignore[arg-type]


def test_live_slices_block_release_so_memory_is_never_shared():
    with BufferPool(32, 2) as pool:
        buf = pool.acquire()
        piece = buf[0:4]  # a memoryview slice still pointing at the pool's memory
        with pytest.raises(BufferError):
            buf.release()
        assert pool.stats().outstanding == 1 and not buf.released
        del piece
        buf.release()
        assert pool.stats().outstanding == 0


def test_exported_view_blocks_release():
    with BufferPool(32, 2) as pool:
        buf = pool.acquire()
        exported = memoryview(buf.view)  # like numpy.frombuffer(buf.view)
        with pytest.raises(BufferError):
            buf.release()
        assert pool.stats().outstanding == 1
        exported.release()
        buf.release()


def test_closed_pool():
    pool = BufferPool(32, 2)
    buf = pool.acquire()
    buf[0] = 9
    pool.close()
    assert pool.closed
    with pytest.raises(PoolClosedError):
        pool.acquire()
    with pytest.raises(PoolClosedError):
        pool.stats()
    with pytest.raises(PoolClosedError):
        buf.release()
    assert buf[0] == 9  # memory stays valid while the buffer lives
    assert isinstance(PoolClosedError("x"), BufferPoolError)


def test_forgotten_buffer_goes_back_to_the_pool():
    with BufferPool(32, 2) as pool:
        pool.acquire()[0] = 1  # dropped at once
        gc.collect()
        stats = pool.stats()
        assert stats.outstanding == 0 and stats.pooled == 1


def test_gc_frees_native_pool_once(capfd):
    pool = BufferPool(64, 2, prefill=2)
    buf = pool.acquire()
    del pool  # the buffer keeps the native pool alive
    buf[0] = 1
    buf.release()
    del buf
    gc.collect()
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("size", [0, -1])
def test_invalid_sizes(size):
    with pytest.raises((InvalidArgumentError, OverflowError)):
        BufferPool(buffer_size=size)


def test_prefill_and_max_pooled():
    with BufferPool(32, 3, prefill=10) as pool:
        assert pool.stats().pooled == 3
        bufs = [pool.acquire() for _ in range(5)]
        stats = pool.stats()
        assert (stats.hits, stats.misses) == (3, 2)
        for buf in bufs:
            buf.release()
        # One goes to this thread's cache, three to the shared idle list, one is freed.
        stats = pool.stats()
        assert (stats.pooled, stats.discarded, stats.outstanding) == (4, 1, 0)
        assert pool.prefill(10) == 0


def test_many_threads_never_share_a_buffer():
    pool = BufferPool(256, 8)
    errors: list[str] = []

    def work(mark: int) -> None:
        for _ in range(500):
            with pool.acquire() as buf:
                buf[:] = bytes([mark]) * 256
                if bytes(buf) != bytes([mark]) * 256:
                    errors.append(f"thread {mark} saw another holder's bytes")

    threads = [threading.Thread(target=work, args=(m,)) for m in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stats = pool.stats()
    assert stats.outstanding == 0 and stats.hits + stats.misses == 2000
    pool.close()


def test_repr_and_type():
    with BufferPool(16, 1) as pool:
        buf = pool.acquire()
        assert isinstance(buf, PooledBuffer)
        assert "lent" in repr(buf) and "outstanding=1" in repr(pool)
        buf.release()
        assert "released" in repr(buf)
    assert "closed" in repr(pool)
