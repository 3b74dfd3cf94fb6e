"""Host arrays onto the array backend in one copy.

On a GPU the arrays are packed, by a few threads, into one reused pinned (page-locked) staging
buffer and moved by a single asynchronous copy on the current stream; each array is then a view
of the one device buffer. ``cupy.asarray`` (and ``ak.to_backend``, which calls it) moves array by
array through pinned memory filled on one thread: on an H200 that host copy set the time of
moving a measurement step's columns (about 6 GB/s). On numpy the arrays are returned as they are.

The staging buffer is written again only after the copy from it has finished (a CUDA event
recorded after the copy), so a step's columns are never overwritten in flight.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

ALIGN = 256  # bytes: every array starts on a 256-byte boundary of the device buffer
PIECE = 1 << 23  # bytes per packing task (8 MiB)
_STAGING: dict = {}  # array module -> (pinned uint8 numpy array, CUDA event of the last copy from it)
_POOL: list = []


def move_to_backend(arrays: dict[str, np.ndarray], xp) -> dict:
    """The host arrays (1-d, numeric) on the array module ``xp``, same names, dtypes and values."""
    if xp is np:
        return arrays
    arrays = {name: np.ascontiguousarray(array) for name, array in arrays.items()}
    starts, total = {}, 0
    for name, array in arrays.items():
        starts[name] = total
        total += -(-array.nbytes // ALIGN) * ALIGN
    staging = _staging(xp, total)
    pieces = [(starts[name] + first, array.reshape(-1).view(np.uint8)[first : first + PIECE])
              for name, array in arrays.items() for first in range(0, array.nbytes, PIECE)]
    list(_pool().map(partial(_pack, staging), pieces))
    device = xp.empty(total, dtype=xp.uint8)
    stream = xp.cuda.get_current_stream()
    device.set(staging[:total], stream=stream)  # asynchronous: the source is pinned
    _STAGING[xp] = (staging, stream.record())
    return {name: device[starts[name] : starts[name] + array.nbytes].view(array.dtype) for name, array in arrays.items()}


def _pack(staging: np.ndarray, piece) -> None:
    start, data = piece
    staging[start : start + len(data)] = data


def _staging(xp, nbytes: int) -> np.ndarray:
    """A pinned buffer of at least ``nbytes``, free to write (its last copy has finished)."""
    staging, copied = _STAGING.get(xp, (None, None))
    if copied is not None:
        copied.synchronize()
    if staging is None or len(staging) < nbytes:
        import cupyx

        staging = cupyx.empty_pinned(max(nbytes, 2 * (0 if staging is None else len(staging))), dtype=np.uint8)
        _STAGING[xp] = (staging, None)
    return staging


def _pool() -> ThreadPoolExecutor:
    """Threads that pack the staging buffer (numpy copies release the GIL)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max(1, min(8, os.cpu_count() or 1)), thread_name_prefix="hfe-staging"))
    return _POOL[0]
