"""Arrow's memory for the ingest (issue 20): :func:`system_arrow_memory`, used by reading
(:func:`helpers.acquire.read_transactions`) and cleaning a table in memory (:func:`helpers.clean.frame.clean_frame`)."""

from __future__ import annotations

import contextlib

import pyarrow as pa


@contextlib.contextmanager
def system_arrow_memory():
    """Arrow's allocations inside the block (``pyarrow`` calls and pandas' Arrow-backed columns) from the C library's
    allocator (``pa.system_memory_pool()``), the caller's pool back after it; each buffer keeps the pool that made it.
    Usable as a decorator.

    Why: Arrow's default pool, mimalloc, asks Linux for transparent huge pages, and with the common ``defrag=madvise``
    setting the kernel compacts memory before it hands one out. Reading and cleaning a 1M-line export writes ~0.7 GB
    of fresh buffers (parsed columns, checks, the kept lines and their sorted copies): with mimalloc its kernel time
    ranged 0.22–1.10 s (median ~0.65 s, 6 runs; 30–50 ms for one 8 MB buffer at times), with the system allocator
    0.41–0.50 s, and the peak resident memory was ~55 MiB lower (565–598 MiB against 626–653)."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
