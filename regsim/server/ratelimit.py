"""Docker Hub's pull accounting: ``regsim serve --rate-limit N/PERIOD``.

Docker Hub counts **pulls**, and a pull is a ``GET`` of a manifest (by tag or by digest); a
``HEAD`` of a manifest and every blob request are free. Anonymous clients are counted per
address, logged-in ones per user. Each manifest reply (``GET`` or ``HEAD``) says where the
caller stands, in Docker Hub's headers::

    ratelimit-limit: 100;w=21600
    ratelimit-remaining: 76;w=21600
    docker-ratelimit-source: 127.0.0.1

Past the limit, a manifest ``GET`` is answered ``429 TOOMANYREQUESTS`` with Docker Hub's
message, which ``docker pull`` prints as it does for Docker Hub. The window slides: a pull is
forgotten ``PERIOD`` after it was made.

>>> limit = PullLimit.parse("2/6h")
>>> limit, limit.period
(PullLimit(2/6h), 21600.0)
>>> limiter = RateLimiter(limit, clock=lambda: 0.0)
>>> limiter.spend("127.0.0.1"), limiter.spend("127.0.0.1"), limiter.remaining("127.0.0.1")
(1, 0, 0)
>>> limiter.spend("127.0.0.1")
Traceback (most recent call last):
...
regsim.errors.TooManyRequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from ..errors import InvalidArgument, TooManyRequests, expect

__all__ = ["PullLimit", "RateLimiter", "HUB_MESSAGE", "LIMIT_HEADER", "REMAINING_HEADER", "SOURCE_HEADER"]

#: What Docker Hub answers past the limit (docker prints it after ``toomanyrequests:``).
HUB_MESSAGE = ("You have reached your pull rate limit. You may increase the limit by authenticating and "
               "upgrading: https://www.docker.com/increase-rate-limit")
LIMIT_HEADER = "ratelimit-limit"
REMAINING_HEADER = "ratelimit-remaining"
SOURCE_HEADER = "docker-ratelimit-source"

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_SPEC = re.compile(r"^(\d{1,9})/(\d{0,9})([smhd])$", re.ASCII)


@dataclass(frozen=True)
class PullLimit:
    """``pulls`` manifest GETs per ``period`` seconds (``text`` is how it was written)."""

    pulls: int
    period: float
    text: str

    @classmethod
    def parse(cls, spec: str) -> "PullLimit":
        """``N/PERIOD``: ``100/6h`` (Docker Hub's anonymous limit), ``200/6h``, ``10/m``, ``5/30s``."""
        match = _SPEC.match(spec.strip()) if isinstance(spec, str) else None
        if match is None or int(match.group(1)) < 1:
            raise InvalidArgument(f"invalid rate limit {spec!r}: expected N/PERIOD such as 100/6h, 10/m or "
                                  "5/30s (N >= 1; PERIOD a number and s, m, h or d)")
        count = int(match.group(2) or "1")
        if count < 1:
            raise InvalidArgument(f"invalid rate limit {spec!r}: the period must be longer than 0")
        return cls(int(match.group(1)), count * _UNITS[match.group(3)], spec.strip())

    @property
    def window(self) -> int:
        """The period in whole seconds, as the ``w=`` of the headers."""
        return int(self.period)

    def __repr__(self) -> str:
        return f"PullLimit({self.text})"


class RateLimiter:
    """Pulls per caller in a sliding window (thread-safe; the clock is injectable for tests)."""

    def __init__(self, limit: PullLimit, *, clock: Callable[[], float] = time.monotonic,
                 max_callers: int = 100_000) -> None:
        expect("limit", limit, PullLimit)
        self.limit = limit
        self.clock = clock
        self.max_callers = max_callers
        self._pulls: dict[str, deque[float]] = {}
        self._lock = threading.RLock()
        #: pulls refused so far (all callers)
        self.refused = 0

    def _window(self, key: str, now: float) -> deque[float]:
        pulls = self._pulls.get(key)
        if pulls is None:
            if len(self._pulls) >= self.max_callers:  # bounded memory: forget idle callers first
                for idle in [k for k, q in self._pulls.items() if not q or q[-1] <= now - self.limit.period]:
                    del self._pulls[idle]
            pulls = self._pulls.setdefault(key, deque())
        horizon = now - self.limit.period
        while pulls and pulls[0] <= horizon:
            pulls.popleft()
        return pulls

    def remaining(self, key: str) -> int:
        """Pulls ``key`` may still make in the current window."""
        with self._lock:
            return max(self.limit.pulls - len(self._window(key, self.clock())), 0)

    def check(self, key: str) -> int:
        """The pulls left for ``key``; :class:`~regsim.errors.TooManyRequests` when none are."""
        with self._lock:
            now = self.clock()
            pulls = self._window(key, now)
            if len(pulls) >= self.limit.pulls:
                self.refused += 1
                retry = max(int(pulls[0] + self.limit.period - now) + 1, 1)
                raise TooManyRequests(HUB_MESSAGE, detail={"retry_after": retry})
            return self.limit.pulls - len(pulls)

    def spend(self, key: str) -> int:
        """Count one pull by ``key`` (refused past the limit); returns the pulls left."""
        with self._lock:
            self.check(key)
            pulls = self._window(key, self.clock())
            pulls.append(self.clock())
            return self.limit.pulls - len(pulls)

    def headers(self, key: str, remaining: int | None = None) -> list[tuple[str, str]]:
        """Docker Hub's headers for ``key`` (``remaining`` when already known)."""
        left = self.remaining(key) if remaining is None else remaining
        w = self.limit.window
        return [(LIMIT_HEADER, f"{self.limit.pulls};w={w}"), (REMAINING_HEADER, f"{left};w={w}"),
                (SOURCE_HEADER, key)]

    def snapshot(self) -> dict[str, int]:
        """Pulls left per caller seen in the current window."""
        with self._lock:
            now = self.clock()
            return {key: max(self.limit.pulls - len(self._window(key, now)), 0) for key in list(self._pulls)}
