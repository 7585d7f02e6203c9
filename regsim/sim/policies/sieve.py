"""SIEVE (Zhang et al., NSDI'24): one FIFO queue, a visited bit and a moving hand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable, Iterator

from ._compiled import LINKED, KernelState, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["Sieve"]


@kernel
def sieve_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
                 nxt: Links, osize: Ints, where: Flags, visited: Flags) -> tuple[int, int]:
    """st: used, hand (-1: start at the tail)."""
    used, hand, head, tail = st[0], st[1], lists[0], lists[1]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            visited[x] = 1
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = hand if hand >= 0 else tail
                while visited[t]:
                    visited[t] = 0
                    t = prev[t] if prev[t] >= 0 else tail
                hand = prev[t]
                head, tail = unlink(prev, nxt, head, tail, t)
                where[t] = 0
                used -= osize[t]
            head, tail = push(prev, nxt, head, tail, x)
            where[x] = 1
            visited[x] = 0
            osize[x] = s
            used += s
    st[0], st[1], lists[0], lists[1] = used, hand, head, tail
    return misses, missed


class SieveState(KernelState):
    kernel = sieve_kernel
    fields = {**LINKED, "visited": ("int8", 0)}

    def setup(self, policy: Sieve) -> None:
        self.st[1] = -1  # the hand starts at the tail

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"], a["visited"])


_END = object()  # the end of Sieve's list (keys may be anything hashable, even None)


class Sieve(Policy):
    """SIEVE (Zhang et al., NSDI'24): one FIFO queue, a visited bit and a moving hand.

    A hit sets the object's visited bit; nothing moves. New objects enter at the head. To evict,
    the hand walks from where it stopped last (the tail, the oldest object, at first) towards
    the head, clearing visited bits, and evicts the first unvisited object; past the head it
    wraps to the tail. The hand then rests on the next newer object (or starts again at the
    tail when the evicted object was the newest). As libCacheSim's ``Sieve.c``.
    """

    name = "sieve"
    libcachesim = "Sieve"
    State = SieveState

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._size: dict[Hashable, int] = {}
        self._visited: dict[Hashable, bool] = {}
        self._newer: dict[Hashable, Hashable] = {}   # neighbour towards the head (_END at the head)
        self._older: dict[Hashable, Hashable] = {}   # neighbour towards the tail (_END at the tail)
        self._head: Hashable = _END                  # newest
        self._tail: Hashable = _END                  # oldest
        self._hand: Hashable = _END                  # _END: start at the tail

    def lookup(self, key: Hashable) -> bool:
        if key in self._size:
            self._visited[key] = True
            return True
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        self._size[key] = size
        self._visited[key] = False
        self._older[key], self._newer[key] = self._head, _END
        if self._head is _END:
            self._tail = key
        else:
            self._newer[self._head] = key
        self._head = key
        return True

    def evict(self) -> tuple[Hashable, int]:
        key = self._tail if self._hand is _END else self._hand
        while self._visited[key]:
            self._visited[key] = False
            key = self._newer[key]
            if key is _END:
                key = self._tail
        self._hand = self._newer[key]
        return key, self._unlink(key)

    def _unlink(self, key: Hashable) -> int:
        newer, older = self._newer.pop(key), self._older.pop(key)
        if newer is _END:
            self._head = older
        else:
            self._older[newer] = older
        if older is _END:
            self._tail = newer
        else:
            self._newer[older] = newer
        del self._visited[key]
        return self._size.pop(key)

    def _drop(self, key: Hashable) -> int | None:
        if key not in self._size:
            return None
        if key == self._hand:
            self._hand = self._newer[key]
        return self._unlink(key)

    def __contains__(self, key: object) -> bool:
        return key in self._size

    def __len__(self) -> int:
        return len(self._size)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._size)
