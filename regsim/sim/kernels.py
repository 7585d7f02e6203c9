"""The compiled kernels by policy name, and the dense-id mapping of streamed traces.

Each policy's kernel lives in its own module of :mod:`regsim.sim.policies` (with its Python
class); :data:`KERNELS` gathers them (numba dispatchers: each compiles, or loads its cached
machine code, on its first call). This module imports numba; :mod:`regsim.sim.engine` imports it
only when needed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from numba import njit

from .policies import POLICIES

__all__ = ["KERNELS", "dense_ids"]

#: policy name -> its compiled kernel
KERNELS = {name: cls.State.kernel.compiled() for name, cls in POLICIES.items() if cls.State is not None}
globals().update(KERNELS)  # kernels.lru, kernels.fifo, ...


# -- dense ids for streamed traces ----------------------------------------------------------------------------------


@njit(cache=True)
def dense_ids(keys: NDArray[np.uint64], table_keys: NDArray[np.uint64], table_ids: NDArray[np.int64], count: int,
              out: NDArray[np.int64]) -> int:
    """Map 64-bit object ids to dense ids ``0..n-1`` in order of first appearance.

    ``table_keys``/``table_ids`` are an open-addressing hash table (power-of-two length,
    ``table_ids == -1`` for an empty slot) with room for every new key of the chunk at half load
    (the caller grows it). Returns the new number of distinct keys.
    """
    mask = table_keys.size - 1
    for i in range(keys.size):
        k = keys[i]
        h = (k * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)
        j = np.int64(h & np.uint64(mask))
        while True:
            if table_ids[j] < 0:
                table_keys[j] = k
                table_ids[j] = count
                out[i] = count
                count += 1
                break
            if table_keys[j] == k:
                out[i] = table_ids[j]
                break
            j = (j + 1) & mask
    return count
