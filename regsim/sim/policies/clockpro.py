"""CLOCK-Pro (Jiang, Chen and Zhang, USENIX ATC'05) as libCacheSim 0.3.5's ``ClockPro`` really runs:
objects are admitted while they fit in its cold share, and none is ever evicted.

libCacheSim's ``ClockPro.c`` has the paper's machinery: one clock of cold, hot and test (evicted,
remembered) pages and three hands. A new object enters cold; the cold hand, when the cache needs
room, promotes a referenced cold page to hot or evicts an unreferenced one, leaving a test entry;
the hot hand demotes; the test hand forgets; a request for a test entry promotes it and moves the
cold share (``mem_cold_max``) up, the test hand moves it down. But its admission check,
``ClockPro_can_insert``, refuses an object unless ``mem_cold + size <= mem_cold_max``, and the
hands run only from its eviction, which ``cache_get_base`` calls only while
``occupied + size > cache_size``. Until a hand has run every cached object is cold, so ``occupied
== mem_cold``, and an admitted object gives ``occupied + size <= mem_cold_max <= cache_size``
(``init_ratio_cold <= 1``): eviction never starts, no object ever becomes hot or a test entry, and
the hands never run. What remains is this class: admit while the cold share has room, then only hit.

With ``init_ratio_cold > 1`` libCacheSim's hands do run, and loop forever at a promotion (of an
object of one byte or more) made while the cold share is still the whole cache or more, as it is
until the test hand has lowered it: ``ClockPro_promote`` demotes hot pages while ``mem_hot + size >
cache_size - mem_cold_max``, whose right side is then at most 0 (``tests/sim/test_libcachesim.py``
shows request 12 of a small trace never returning). So ``cold_ratio`` is limited to ``[0, 1]`` here.
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Hashable, Sequence

from ..errors import InvalidParameter
from ._compiled import KernelState, kernel
from .base import QueuePolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints

__all__ = ["ClockPro"]


@kernel
def clockpro_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, where: Flags,
                    osize: Ints, cold_capacity: int) -> tuple[int, int]:
    """st: used (every cached object is cold: libCacheSim's mem_cold too)."""
    used = st[0]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap and used + s <= cold_capacity:
            where[x] = 1
            osize[x] = s
            used += s
    st[0] = used
    return misses, missed


class ClockProState(KernelState):
    kernel = clockpro_kernel
    fields = {"where": ("int8", 0), "osize": ("int64", 0)}

    def setup(self, policy: ClockPro) -> None:
        self.cold_capacity: int = policy.cold_capacity

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, a["where"], a["osize"], self.cold_capacity)


class ClockPro(QueuePolicy):
    """CLOCK-Pro as libCacheSim 0.3.5's ``ClockPro``: admit objects while they fit in the cold share
    (``cold_ratio`` of the cache, libCacheSim's ``init_ratio_cold``), then never evict.

    A new object is admitted if it fits in the cache and the cold bytes held plus its size stay
    within ``cold_capacity = int(capacity * cold_ratio)``; a hit changes nothing (libCacheSim sets a
    referenced bit that only its clock hands read). libCacheSim's hands never run (the module
    docstring shows why), so once the cold share is full only smaller objects get in, and a scan
    after that is all misses. The default ``cold_ratio`` is 0.5, the default of libcachesim's
    Python ``ClockPro`` (its C library's own default string says 1). libCacheSim's other parameter,
    ``init_ref`` (the referenced bit of a new page), is read only by the hands: it changes nothing,
    so it is not one here. (``evict``, which :meth:`Policy.request` never needs here, drops the
    oldest object.)

    >>> cache = ClockPro(100)
    >>> [cache.request(k, 30) for k in ["a", "b", "a", "c"]], sorted(cache), cache.used
    ([False, False, True, False], ['a'], 30)
    """

    name = "clockpro"
    aliases = ("ClockPro", "CLOCK-Pro")
    libcachesim = "ClockPro"
    libcachesim_params = {"cold_ratio": "init_ratio_cold"}
    State = ClockProState

    def __init__(self, capacity: int, cold_ratio: float = 0.5) -> None:
        super().__init__(capacity)
        if isinstance(cold_ratio, bool) or not isinstance(cold_ratio, Real) or not 0 <= cold_ratio <= 1:
            raise InvalidParameter(f"cold_ratio must be in [0, 1], got {cold_ratio!r}")
        self.cold_ratio: float = cold_ratio
        #: the cold share in bytes, truncated as libCacheSim's ``(int64_t)(cache_size * ratio)``
        self.cold_capacity: int = int(self.capacity * float(cold_ratio))
        if self.cold_capacity > self.capacity:  # a capacity that is no float rounds up past itself
            raise InvalidParameter(f"cold_ratio {cold_ratio!r} gives a cold share of {self.cold_capacity} bytes, more "
                                   f"than the {self.capacity}-byte cache (libCacheSim's ClockPro would then run "
                                   f"its clock hands, which loop forever)")

    def can_admit(self, key: Hashable, size: int) -> bool:
        """libCacheSim's ``ClockPro_can_insert``: the object fits in the cache and in the cold share.
        Then it fits in the cache as it is: :meth:`Policy.request` evicts nothing."""
        return size <= self.capacity and self.used + size <= self.cold_capacity

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> tuple[int, int]:
        queue = self._queue
        cap, cold, used = self.capacity, self.cold_capacity, self.used
        misses = missed = 0
        for k, s in zip(keys, sizes):
            if k in queue:
                continue
            misses += 1
            missed += s
            if s <= cap and used + s <= cold:
                queue[k] = s
                used += s
        self.used = used
        return misses, missed
