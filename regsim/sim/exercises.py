"""The lab's exercises, as data (a :class:`regsim.exercises.Workbook`).

Notebooks ask ``LAB.check("caching.1", answer)``: the verdict says the answer is right or what is
wrong, without the right answer (instructors: ``reveal("caching.1")``). Expected answers are computed from fresh, seeded models, so they never
drift from the library. The solutions live in ``tests/sim/test_exercises.py``, where a test
proves every one of them passes its check.

Exercises: ``caching.1``-``caching.3`` (``notebooks/lab-caching.ipynb``), ``mirrors.1``-
``mirrors.3`` (``lab-mirrors-rollout.ipynb``), ``dedup.1``-``dedup.3`` (``lab-dedup.ipynb``),
``limits.1``-``limits.3`` (``10-rate-limits-and-mirrors.ipynb``).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

from ..exercises import Revealed, Verdict, Workbook, as_number
from .cache import LRU, Policy, simulate
from .errors import InvalidParameter, UnknownExercise

if TYPE_CHECKING:
    import pandas as pd

    from .traces import Trace
    from .workloads import Catalog

__all__ = ["LAB", "check", "reveal", "caching_trace", "LARGEST_FIRST_TRACE", "TINY_LRU_TRACE", "TTL_TRACE", "TIE",
           "CI_JOBS", "TAG_MOVED_AT"]

LAB = Workbook("regsim simulation lab", module="regsim.sim.exercises")

#: (key, size) requests for exercise caching.1 (an LRU cache of 100 bytes)
TINY_LRU_TRACE = (("a", 60), ("b", 30), ("a", 60), ("c", 50), ("b", 30), ("a", 60))

#: requests for exercise caching.3 (a cache of 100 bytes)
LARGEST_FIRST_TRACE = (("a", 10), ("b", 50), ("c", 30), ("a", 10), ("d", 40), ("c", 30), ("b", 50),
                       ("e", 20), ("a", 10), ("f", 45), ("e", 20), ("c", 30), ("g", 30), ("d", 40))

#: (hours, digest, bytes) blob requests for exercise mirrors.1: one 100 MB blob, four times
TTL_TRACE = tuple((hours, "sha256:" + "a" * 64, 100_000_000) for hours in (0, 100, 200, 250))

#: seconds at which a CI job pulls library/python:3.11 through a mirror, for limits.2 and limits.3:
#: one every 45 s for two hours (160 jobs)
CI_JOBS = tuple(range(0, 7200, 45))

#: second at which a new library/python:3.11 is pushed upstream (the tag moves), for limits.3
TAG_MOVED_AT = 4000

#: policies whose ratios differ by less than this tie in exercise caching.2 (the lab's tables
#: show three decimals)
TIE = 0.001


def check(exercise: str, answer: Any) -> Verdict:
    """Check ``answer`` to a lab exercise (``"caching.1"``...)."""
    try:
        LAB[exercise]
    except KeyError:
        raise UnknownExercise(f"no lab exercise {exercise!r} (there are: {', '.join(LAB.ids())})") from None
    return LAB.check(exercise, answer)


def reveal(exercise: str) -> Revealed:
    """The right answer of a lab exercise, for instructors."""
    try:
        LAB[exercise]
    except KeyError:
        raise UnknownExercise(f"no lab exercise {exercise!r} (there are: {', '.join(LAB.ids())})") from None
    return LAB.reveal(exercise)


@lru_cache(maxsize=1)
def caching_trace() -> Trace:
    """The registry trace of the caching lab: blob GETs of 3000 pulls over a generated catalogue."""
    from .streams import merge, pull_stream, push_stream, registry_trace
    from .workloads import generate_catalog

    catalogue = generate_catalog(bases=4, families=30, versions=6, seed=2024)
    stream = merge(push_stream(catalogue), pull_stream(catalogue, 3000, clients=60, seed=2024))
    return registry_trace(stream, catalogue).only("blob")


def _number(answer: Any) -> float:
    """A number answer of any number type (numpy's too, not a bool), or written as text ('400')."""
    number = answer if isinstance(answer, str) else as_number(answer)
    if number is None:
        raise InvalidParameter(f"answer with a number, not {type(answer).__name__} {answer!r}")
    try:
        return float(number)
    except ValueError:
        raise InvalidParameter(f"answer with a number, not {answer!r}") from None


# -- caching -------------------------------------------------------------------------------------


def _tiny_lru() -> dict[str, Any]:
    stats = simulate([k for k, _ in TINY_LRU_TRACE], LRU(100), [s for _, s in TINY_LRU_TRACE])
    return {"hits": stats.hits, "byte_hit_ratio": stats.byte_hit_ratio}


LAB.add("caching.1", "An LRU cache of 100 bytes sees the requests TINY_LRU_TRACE (key, bytes). Work it out "
        "by hand first: answer {'hits': ..., 'byte_hit_ratio': ...}, the ratio as a fraction of bytes "
        "(bytes hit / bytes requested, e.g. 45/300) or a decimal to two places (within 0.005).",
        expected=_tiny_lru, rel_tol=0.005,
        hint="c (50 B) does not fit next to a and b: LRU evicts until it does",
        hints=['write down what the cache holds after each request, and the bytes of each hit'], unit={"byte_hit_ratio": "ratio"})


@lru_cache(maxsize=1)
def _ratios_at_5_percent() -> pd.DataFrame:
    from .experiments import sweep

    return sweep(caching_trace(), fractions=[0.05]).set_index("policy")[["hit_ratio", "byte_hit_ratio"]]


def _best_policies() -> dict[str, list[str]]:
    """Per metric, the policies tied with the best (within TIE)."""
    table = _ratios_at_5_percent()
    out = {}
    for metric in ("hit_ratio", "byte_hit_ratio"):
        ranked = table[metric].sort_values(ascending=False, kind="stable")
        best = float(ranked.iloc[0])
        out[metric] = [policy for policy, value in ranked.items() if best - value < TIE]
    return out


def _check_best_policies(answer: Any) -> str | None:
    if not isinstance(answer, Mapping):
        return (f"answer with a dict {{'hit_ratio': name, 'byte_hit_ratio': name}}, "
                f"not {type(answer).__name__} {answer!r}")
    table = _ratios_at_5_percent()
    best = _best_policies()
    for metric in ("hit_ratio", "byte_hit_ratio"):
        if metric not in answer:
            return f"answer: missing key {metric!r}"
        got = answer[metric]
        if isinstance(got, str):  # policy names in any case, as sweep() takes them
            got = got.lower()
        if got not in best[metric]:
            if isinstance(got, str) and got in table.index:
                return (f"answer[{metric!r}]: {got!r} has {table.at[got, metric]:.3f}, "
                        f"but another policy has more")
            return (f"answer[{metric!r}]: {answer[metric]!r} is not one of the built-in policies "
                    f"({', '.join(sorted(table.index))})")
    extra = sorted(set(answer) - {"hit_ratio", "byte_hit_ratio"}, key=repr)
    return f"answer: unexpected key {extra[0]!r}" if extra else None


LAB.add("caching.2", "On caching_trace() with a cache of 5% of its working set, which built-in policy "
        "has the highest hit ratio, and which the highest byte hit ratio? "
        "Answer {'hit_ratio': name, 'byte_hit_ratio': name}. Policies less than 0.001 apart tie "
        "(a table rounded to three decimals shows them equal): any of them is right.",
        checker=_check_best_policies, answer=_best_policies,
        hint="sweep(caching_trace(), fractions=[0.05]) has both columns")


def _largest_first_reference(capacity: int = 100) -> list[bool]:
    held: dict[str, int] = {}
    order: list[str] = []
    hits = []
    for key, size in LARGEST_FIRST_TRACE:
        if key in held:
            hits.append(True)
            continue
        hits.append(False)
        while sum(held.values()) + size > capacity:
            victim = max(order, key=lambda k: (held[k], -order.index(k)))
            order.remove(victim)
            del held[victim]
        held[key] = size
        order.append(key)
    return hits


def _check_largest_first(policy_class: Any) -> str | None:
    if not (isinstance(policy_class, type) and issubclass(policy_class, Policy)):
        return f"answer with your Policy subclass itself (the class), not {type(policy_class).__name__}"
    try:
        cache = policy_class(100)
    except TypeError as exc:
        return f"{policy_class.__name__}(100) failed: {exc}"
    expected = _largest_first_reference()
    for i, ((key, size), want) in enumerate(zip(LARGEST_FIRST_TRACE, expected)):
        got = cache.request(key, size)
        if got != want:
            return (f"request {i} ({key!r}, {size} B): expected a {'hit' if want else 'miss'}, "
                    f"your policy gave a {'hit' if got else 'miss'}")
        if cache.used > cache.capacity:
            return f"after request {i} the cache holds {cache.used} B, more than its 100 B"
    return None


LAB.add("caching.3", "Write LargestFirst, a Policy that evicts the largest object (among equals, the one "
        "cached first). Answer with the class.",
        checker=_check_largest_first, hint="keep a dict key -> size in insertion order; evict() picks max by size", solution="tests/sim/test_exercises.py::LargestFirst", solution_test="test_solution_passes")


# -- mirrors -------------------------------------------------------------------------------------


def _ttl_upstream() -> int:
    from .mirrors import HOUR, PullThroughMirror

    mirror = PullThroughMirror()
    for hours, digest, size in TTL_TRACE:
        mirror.get_blob(hours * HOUR, digest, size)
    return mirror.stats.upstream_bytes


LAB.add("mirrors.1", "A distribution pull-through mirror (defaults: ttl 168 h, double fetch) gets the blob "
        "requests TTL_TRACE (hour, digest, bytes). How many bytes does it fetch from upstream?",
        expected=_ttl_upstream, hint="the TTL runs from when the blob was stored, and a miss costs two fetches",
        hints=['the blob stored at hour 0 has expired by hour 200: count the upstream fetches and their bytes'], unit="bytes")


def _rollout_seconds() -> float:
    from .rollout import rollout_time

    return rollout_time([("sha256:" + "b" * 64, 500_000_000)], 100, mode="direct").makespan_from_start


LAB.add("mirrors.2", "100 servers pull a 500 MB image (one layer) at once, directly over a shared 1 Gbit/s "
        "WAN. About how many seconds until the last one has it? (within 5%)",
        expected=_rollout_seconds, rel_tol=0.05, normalize=_number,
        hint="1 Gbit/s is 125 MB/s, and the servers share it",
        hints=['every server needs all 500 MB, and all of them come through the one shared link'], unit="seconds")


def _single_fetch_modes() -> set[str]:
    from .rollout import MODES, rollout_time

    blobs = [("sha256:" + "c" * 64, 40_000_000), ("sha256:" + "d" * 64, 10_000_000)]
    return {m for m in MODES if rollout_time(blobs, 20, mode=m).upstream_bytes <= 50_000_000}


LAB.add("mirrors.3", "With 20 servers starting a rollout together, in which rollout modes does each blob "
        "cross the WAN at most once? Answer a set of mode names.",
        expected=_single_fetch_modes, normalize=set, item="mode",
        hint="distribution's proxy does not coalesce requests for a blob that is still being fetched",
        hints=["run rollout_time for each mode and compare its upstream_bytes with the blobs' total size"])


# -- rate limits and mirrors (lesson 10) ---------------------------------------------------------


LAB.add("limits.1", "docker pull of a single-platform image asks HEAD <tag>, GET <digest> (the manifest) and "
        "GET of its config and 5 layer blobs. How many of these requests does Docker Hub count against the "
        "pull limit?", expected=lambda: 1, normalize=_number,
        hint="only one kind of request is counted: which one?",
        hints=["a HEAD is free and blobs are free: count the manifest GETs"])


def _fleet_upstream() -> dict[str, int]:
    from .mirrors import PullThroughMirror

    mirror = PullThroughMirror(double_fetch=False, tag_ttl=300, revalidate="get")
    for now in CI_JOBS:
        mirror.get_manifest(now, "library/python:3.11", 2000)
    return {"manifest_gets": mirror.stats.upstream_manifest_gets,
            "manifest_heads": mirror.stats.upstream_manifest_heads}


LAB.add("limits.2", "The CI fleet pulls library/python:3.11 at the seconds CI_JOBS through a mirror that trusts "
        "a tag for 300 s and then revalidates it with a GET (PullThroughMirror(double_fetch=False, tag_ttl=300, "
        "revalidate='get')). How many manifest GETs and HEADs reach the upstream? Answer "
        "{'manifest_gets': ..., 'manifest_heads': ...}.",
        expected=_fleet_upstream,
        hint="the first job asks HEAD and GET; a job within 300 s of the last check asks nothing",
        hints=["replay CI_JOBS with mirror.get_manifest(now, 'library/python:3.11', 2000) and read "
               "mirror.stats.upstream_manifest_gets and upstream_manifest_heads"])


def _stale_jobs(ttl: float = 600) -> int:
    checked = None
    seen_new = 0
    stale = 0
    for now in CI_JOBS:
        if checked is None or now - checked >= ttl:
            checked = now
            seen_new = now >= TAG_MOVED_AT
        if now >= TAG_MOVED_AT and not seen_new:
            stale += 1
    return stale


LAB.add("limits.3", "A new python:3.11 is pushed upstream at second TAG_MOVED_AT. With a mirror that trusts a tag "
        "for 600 s (tag_ttl=600), how many of the CI_JOBS that start at or after TAG_MOVED_AT still get the old "
        "image?", expected=_stale_jobs, normalize=_number,
        hint="a job gets the new image only once the mirror has asked the upstream after the move",
        hints=["find the last check before TAG_MOVED_AT (checks happen every 600 s or more, at a job), "
               "then count the jobs between TAG_MOVED_AT and the next check"])


# -- dedup ---------------------------------------------------------------------------------------


def _layer_ratio() -> float:
    from .workloads import official_catalog

    versions = official_catalog()
    return sum(v.size for v in versions) / sum(versions.layers().values())


LAB.add("dedup.1", "From the real official-images metadata: bytes of all 26 manifests' layers divided by "
        "the bytes of the distinct layers (the layer-level dedup ratio), to two decimals.",
        expected=_layer_ratio, rel_tol=0, abs_tol=0.005, normalize=_number,
        hint="official_catalog().storage()",
        hints=['sum the layer sizes over every manifest, then over the distinct layers, and divide'], unit="ratio")


@lru_cache(maxsize=1)
def _model() -> Catalog:
    from .content import official_content

    return official_content()


def _shared_files() -> int:
    seen: dict[bytes, set[str]] = {}
    for version in _model():
        for layer in version.image.layers:
            for _, data in layer.files():
                seen.setdefault(hashlib.sha256(data).digest(), set()).add(str(layer.digest))
    return sum(1 for layers in seen.values() if len(layers) > 1)


LAB.add("dedup.2", "In the file model (official_content()), how many distinct file contents appear in more "
        "than one distinct layer? Those are what layer dedup cannot share.",
        expected=_shared_files, hint="hash each file's bytes; collect the set of layer digests per hash",
        hints=["a dict from each file's sha256 to the set of layer digests that hold it"])


def _ranking() -> list[str]:
    from .dedup import dedup_report

    report = dedup_report(_model())
    ranking: list[str] = report.sort_values("stored_bytes", ascending=False, kind="stable")["strategy"].tolist()
    return ranking


LAB.add("dedup.3", "Rank the five strategies of dedup_report(official_content()) from the most stored "
        "bytes to the fewest (uncompressed). Answer a list of names.",
        expected=_ranking, normalize=list, hint="sort the report by stored_bytes",
        hints=['a higher stored_bytes comes first'])
