"""Every lab exercise: the solution (written as a learner would) passes its check; wrong answers are
told what is wrong."""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import pytest

from regsim.sim import Policy, dedup_report, official_catalog, official_content, rollout_time, sweep
from regsim.sim.errors import UnknownExercise
from regsim import Digest
from regsim.sim.exercises import LAB, TIE, TTL_TRACE, caching_trace, check


@pytest.fixture(autouse=True)
def _fresh_hint_ladder():
    """Each test starts at the first rung of the hint ladder."""
    LAB.reset()
    yield
    LAB.reset()


class LargestFirst(Policy):
    name = "largest-first"

    def __init__(self, capacity):
        super().__init__(capacity)
        self.sizes = OrderedDict()

    def lookup(self, key):
        return key in self.sizes

    def admit(self, key, size):
        self.sizes[key] = size

    def evict(self):
        key = max(self.sizes, key=self.sizes.get)  # max() keeps the first of equals: the oldest
        return key, self.sizes.pop(key)


def caching_2():
    df = sweep(caching_trace(), fractions=[0.05])
    return {"hit_ratio": df.loc[df["hit_ratio"].idxmax(), "policy"],
            "byte_hit_ratio": df.loc[df["byte_hit_ratio"].idxmax(), "policy"]}


def dedup_2():
    layers_of = {}
    for version in official_content():
        for layer in version.image.layers:
            for _, data in layer.files():
                layers_of.setdefault(hashlib.sha256(data).hexdigest(), set()).add(layer.digest)
    return sum(1 for s in layers_of.values() if len(s) > 1)


def limits_2():
    from regsim.sim.exercises import CI_JOBS
    from regsim.sim.mirrors import PullThroughMirror

    mirror = PullThroughMirror(double_fetch=False, tag_ttl=300, revalidate="get")
    for now in CI_JOBS:
        mirror.get_manifest(now, "library/python:3.11", 2000)
    return {"manifest_gets": mirror.stats.upstream_manifest_gets,
            "manifest_heads": mirror.stats.upstream_manifest_heads}


SOLUTIONS = {
    # a(60) miss, b(30) miss, a hit, c(50) evicts b then a, b miss, a miss: 1 hit, 60 of 290 bytes
    "caching.1": lambda: {"hits": 1, "byte_hit_ratio": 60 / 290},
    "caching.2": caching_2,
    "caching.3": lambda: LargestFirst,
    # 0 h: miss (2 x 100 MB); 100 h: hit; 200 h: expired at 168 h, miss (2 x 100 MB); 250 h: hit
    "mirrors.1": lambda: 400_000_000,
    "mirrors.2": lambda: 100 * 500e6 / 125e6,
    "mirrors.3": lambda: {"mirror-coalescing", "mirror-warm"},
    "dedup.1": lambda: round(official_catalog().storage().dedup_ratio, 2),
    "dedup.2": dedup_2,
    "dedup.3": lambda: dedup_report(official_content()).sort_values("stored_bytes", ascending=False)["strategy"].tolist(),
    "limits.1": lambda: 1,  # the GET of the manifest; HEAD and blobs are free
    "limits.2": limits_2,
    # checks at 0, 630, 1260, 1890, 2520, 3150, 3780 (before the move at 4000), then 4410: the jobs
    # at 4005, 4050, ..., 4365 (9 of them) still got the old image
    "limits.3": lambda: 9,
}

WRONG = {
    "caching.1": {"hits": 2, "byte_hit_ratio": 0.5},
    "caching.2": {"hit_ratio": "lru", "byte_hit_ratio": "lru"},
    "mirrors.1": 200_000_000,
    "mirrors.2": 4.0,
    "mirrors.3": {"mirror"},
    "dedup.1": 2.5,
    "dedup.2": 0,
    "dedup.3": ["cdc", "fixed", "file", "layer", "none"],
    "limits.1": 2,
    "limits.2": {"manifest_gets": 160, "manifest_heads": 1},
    "limits.3": 5,
}


def test_every_exercise_has_a_solution():
    assert sorted(SOLUTIONS) == sorted(LAB.ids())
    for prefix in ("caching.", "mirrors.", "dedup.", "limits."):
        assert 2 <= len(LAB.ids(prefix)) <= 4


@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_solution_passes(exercise):
    verdict = check(exercise, SOLUTIONS[exercise]())
    assert verdict.ok, verdict.message


@pytest.mark.parametrize("exercise", sorted(WRONG))
def test_wrong_answer_names_the_difference(exercise):
    verdict = check(exercise, WRONG[exercise])
    assert not verdict.ok and any(word in verdict.message for word in (
        "too high", "too low", "missing", "unexpected", "is not right", "another policy", "none of the",
        "order matters"))


def test_a_wrong_policy_is_told_which_request_differs():
    class LRUish(LargestFirst):
        def evict(self):
            return self.sizes.popitem(last=False)

    verdict = check("caching.3", LRUish)
    assert not verdict.ok and verdict.message.startswith("request ")
    assert "class" in check("caching.3", LRUish(100)).message
    assert "replace the ..." in check("caching.3", ...).message


def test_unknown_exercise():
    with pytest.raises(UnknownExercise, match="'caching.9'"):
        check("caching.9", 1)


def test_rollout_numbers_of_mirrors_2_are_the_library_ones():
    assert rollout_time([("sha256:x", 500_000_000)], 100).makespan_from_start == pytest.approx(400, rel=0.01)


@pytest.mark.parametrize("ratio", [0.207, 0.21, 0.2069, 60 / 290])
def test_caching_1_accepts_a_ratio_worked_out_by_hand(ratio):
    assert check("caching.1", {"hits": 1, "byte_hit_ratio": ratio}).ok


@pytest.mark.parametrize("ratio", [0.2, 0.22, 0.5])
def test_caching_1_still_refuses_a_wrong_ratio(ratio):
    verdict = check("caching.1", {"hits": 1, "byte_hit_ratio": ratio})
    assert not verdict.ok and f"answer['byte_hit_ratio']: {ratio} is" in verdict.message
    assert "0.206" not in verdict.message


def test_caching_2_accepts_every_policy_tied_with_the_best():
    table = sweep(caching_trace(), fractions=[0.05]).set_index("policy")
    best_hits = table["hit_ratio"].idxmax()
    tied = sorted(p for p in table.index if table["byte_hit_ratio"].max() - table.at[p, "byte_hit_ratio"] < TIE)
    assert tied == ["sieve"]  # 0.336, ahead of ARC's 0.329 and CLOCK's and LRU's 0.324
    for policy in tied:
        assert check("caching.2", {"hit_ratio": best_hits, "byte_hit_ratio": policy}).ok, policy
    outside = next(p for p in table.index if p not in tied)
    message = check("caching.2", {"hit_ratio": best_hits, "byte_hit_ratio": outside}).message
    assert message.startswith(f"answer['byte_hit_ratio']: {outside!r} has 0.") and "another policy has more" in message
    assert not any(repr(p) in message for p in tied)


def test_caching_2_explains_malformed_answers():
    assert "answer with a dict" in check("caching.2", ["gdsf", "lru"]).message
    assert check("caching.2", {"hit_ratio": "gdsf"}).message.startswith("answer: missing key 'byte_hit_ratio' (hint: ")
    assert "['lru'] is not one of the built-in policies" in check("caching.2", {"hit_ratio": ["lru"], "byte_hit_ratio": "lru"}).message
    assert "unexpected key 'extra'" in check("caching.2", {**caching_2(), "extra": 1}).message


def test_caching_1_prompt_states_the_precision_without_giving_the_answer():
    prompt = LAB["caching.1"].prompt
    assert "by hand" in prompt and "two places" in prompt and "0.005" in prompt
    assert "60/290" not in prompt and "0.2" not in prompt


def test_ttl_trace_uses_valid_digests():
    for _, digest, _ in TTL_TRACE:
        assert Digest(digest) == digest


def test_a_right_number_computed_with_numpy_is_right():
    np = pytest.importorskip("numpy")
    for exercise in ("dedup.2", "mirrors.1", "mirrors.2", "dedup.1"):
        right = SOLUTIONS[exercise]()
        numpy_right = np.int64(right) if isinstance(right, int) else np.float64(right)
        assert check(exercise, numpy_right).ok, (exercise, check(exercise, numpy_right).message)
    assert check("dedup.2", np.int64(0)).message.startswith("answer: 0 is")
    assert not check("mirrors.2", np.True_).ok


def test_caching_2_takes_policy_names_in_any_case_as_sweep_does():
    best = caching_2()
    assert check("caching.2", {k: v.upper() for k, v in best.items()}).ok
    assert check("caching.2", {k: v.title() for k, v in best.items()}).ok
    message = check("caching.2", {"hit_ratio": "NOPE", "byte_hit_ratio": best["byte_hit_ratio"]}).message
    assert "'NOPE' is not one of the built-in policies" in message


def test_mirrors_3_counts_the_missing_modes():
    right = LAB["mirrors.3"].right_answer()
    assert len(right) >= 2
    assert LAB["mirrors.3"].difference(set(sorted(right)[1:])) == "answer: 1 mode is missing"
