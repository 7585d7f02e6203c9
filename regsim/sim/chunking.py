"""Splitting content into chunks: fixed-size and content-defined (gear hash, FastCDC-style).

Content-defined chunking (CDC) cuts where a rolling hash of the last 32 bytes matches a mask,
so an insertion early in a file only changes the chunks around it -- the rest keep their
boundaries and dedup against the old version. Fixed-size chunks all shift instead.

The gear hash ``h = (h << 1) + GEAR[byte]`` (32 bits) only depends on the last 32 bytes, so
:func:`cdc_boundaries` computes it for every position at once with numpy (32 shifted adds) and
then walks the candidate cut points with the min/max chunk sizes. The result is the same as the
byte-by-byte loop (:func:`cdc_boundaries_reference`, used by the tests).

>>> data = bytes(range(256)) * 64
>>> [len(c) for c in fixed_chunks(data, 4096)]
[4096, 4096, 4096, 4096]
>>> sum(len(c) for c in cdc_chunks(data, average=2048)) == len(data)
True
"""

from __future__ import annotations

import random

from ..deprecation import keyword_only
from ._util import check_int, expect
from .errors import InvalidParameter

__all__ = ["GEAR", "fixed_chunks", "cdc_chunks", "cdc_boundaries", "cdc_boundaries_reference"]

#: 256 random 32-bit values, fixed for all time (seeded), one per byte value
_GEAR_RNG = random.Random(0x9E3779B9)
GEAR: tuple[int, ...] = tuple(_GEAR_RNG.getrandbits(32) for _ in range(256))
del _GEAR_RNG
_WINDOW = 32


def fixed_chunks(data: bytes, size: int = 4096) -> list[bytes]:
    """``data`` cut every ``size`` bytes (the last chunk may be shorter)."""
    expect("data", data, (bytes, bytearray, memoryview), "bytes")
    size = check_int("chunk size", size, minimum=1)
    return [data[i:i + size] for i in range(0, len(data), size)] if data else []


def _mask(average: int) -> int:
    bits = average.bit_length() - 1
    if 1 << bits != average:
        raise InvalidParameter(f"average chunk size must be a power of two, got {average!r}")
    return ((1 << bits) - 1) << (32 - bits)  # the top bits: they depend on all 32 bytes


def _limits(average: int, minimum: int | None, maximum: int | None) -> tuple[int, int, int]:
    average = check_int("average chunk size", average, minimum=64)
    lo = average // 4 if minimum is None else check_int("minimum chunk size", minimum, minimum=_WINDOW)
    hi = average * 8 if maximum is None else check_int("maximum chunk size", maximum, minimum=lo)
    if not lo <= average <= hi:
        raise InvalidParameter(f"chunk sizes must satisfy minimum <= average <= maximum, got {lo}, {average}, {hi}")
    return average, max(lo, _WINDOW), hi


def _walk(candidates: list[int], n: int, lo: int, hi: int) -> list[int]:
    cuts: list[int] = []
    start = 0
    i = 0
    m = len(candidates)
    while n - start > lo:
        # a candidate at position p (0-based, last byte of the window) cuts after p
        first_allowed = start + lo - 1
        while i < m and candidates[i] < first_allowed:
            i += 1
        limit = start + hi - 1
        if i < m and candidates[i] <= limit and candidates[i] < n - 1:
            end = int(candidates[i]) + 1
        elif limit < n - 1:
            end = limit + 1
        else:
            break
        cuts.append(end)
        start = end
    cuts.append(n)
    return cuts


@keyword_only("minimum", "maximum")
def cdc_boundaries(data: bytes, average: int = 8192, *, minimum: int | None = None,
                   maximum: int | None = None) -> list[int]:
    """End offsets of the content-defined chunks of ``data`` (the last one is ``len(data)``)."""
    expect("data", data, (bytes, bytearray, memoryview), "bytes")
    import numpy as np

    average, lo, hi = _limits(average, minimum, maximum)
    n = len(data)
    if n <= lo:
        return [n] if n else []
    gear = np.asarray(GEAR, dtype=np.uint32)
    values = gear[np.frombuffer(data, dtype=np.uint8)]
    h = np.zeros(n, dtype=np.uint32)
    for j in range(min(_WINDOW, n)):
        if j:
            h[j:] += values[:-j] << np.uint32(j)
        else:
            h += values
    candidates = np.flatnonzero((h & np.uint32(_mask(average))) == 0)
    return _walk(candidates.tolist(), n, lo, hi)


@keyword_only("minimum", "maximum")
def cdc_boundaries_reference(data: bytes, average: int = 8192, *, minimum: int | None = None,
                             maximum: int | None = None) -> list[int]:
    """The same cut points, computed byte by byte (slow; the specification of the fast one)."""
    expect("data", data, (bytes, bytearray, memoryview), "bytes")
    average, lo, hi = _limits(average, minimum, maximum)
    mask = _mask(average)
    h = 0
    candidates: list[int] = []
    for i, b in enumerate(data):
        h = ((h << 1) + GEAR[b]) & 0xFFFFFFFF
        if h & mask == 0:
            candidates.append(i)
    return _walk(candidates, len(data), lo, hi) if data else []


@keyword_only("minimum", "maximum")
def cdc_chunks(data: bytes, average: int = 8192, *, minimum: int | None = None,
               maximum: int | None = None) -> list[bytes]:
    """``data`` cut at its content-defined boundaries (defaults: min average/4, max average*8)."""
    expect("data", data, (bytes, bytearray, memoryview), "bytes")
    out, start = [], 0
    for end in cdc_boundaries(data, average, minimum=minimum, maximum=maximum):
        out.append(data[start:end])
        start = end
    return out
