"""Pull-through mirrors: distribution's behaviour, the bounded variant, prefetching, regions."""

from __future__ import annotations

import pytest

from regsim.sim.errors import InvalidParameter
from regsim.sim.mirrors import DEFAULT_TTL, HOUR, PullThroughMirror, simulate_mirror, simulate_regions
from regsim.sim.traces import Trace


def test_ttl_runs_from_storage_not_from_last_access():
    m = PullThroughMirror()
    assert DEFAULT_TTL == 168 * HOUR
    assert [m.get_blob(h * HOUR, "sha256:a", 10) for h in (0, 100, 167, 169, 200)] == [False, True, True, False, True]
    assert m.stats.expired == 1 and m.stats.upstream_bytes == 2 * 2 * 10  # two misses, fetched twice each


def test_no_ttl_and_single_fetch():
    m = PullThroughMirror(ttl=None, double_fetch=False)
    assert [m.get_blob(h * HOUR, "sha256:a", 10) for h in (0, 1000, 10000)] == [False, True, True]
    assert m.stats.upstream_bytes == 10 and m.stats.upstream_requests == 1


def test_tags_are_always_revalidated_digests_are_not():
    m = PullThroughMirror()
    assert m.get_manifest(0, "library/a:latest", 500) is False
    assert m.get_manifest(1, "library/a:latest", 500) is True
    assert m.get_manifest(2, "library/a:sha256:abc", 500) is False
    assert m.get_manifest(3, "library/a:sha256:abc", 500) is True
    assert m.stats.revalidations == 2
    assert m.stats.upstream_requests == 2 + 2  # two HEADs, two bodies


def test_a_moved_tag_is_a_new_manifest_with_a_catalogue(catalogue):
    repo = [r for r in catalogue.repositories() if not r.startswith("base/")][0]
    versions = catalogue.versions_of(repo)
    m = PullThroughMirror(catalog=catalogue)
    assert m.get_manifest(versions[0].released, f"{repo}:latest", 500) is False
    assert m.get_manifest(versions[0].released + 1, f"{repo}:latest", 500) is True
    assert m.get_manifest(versions[1].released, f"{repo}:latest", 500) is False


def test_unbounded_by_default_bounded_on_request(registry_requests):
    free = simulate_mirror(registry_requests, ttl=None)
    assert free.peak_bytes == free.stored_bytes >= registry_requests.only("blob").working_set()[1] * 0.5
    capacity = free.peak_bytes // 10
    bounded = simulate_mirror(registry_requests, ttl=None, capacity=capacity)
    assert bounded.peak_bytes <= capacity + sum(registry_requests.only("manifest").working_set()[1:])
    assert bounded.upstream_bytes > free.upstream_bytes
    assert bounded.requests == free.requests == len(registry_requests.frame.query("method == 'GET'"))


def test_prefetch_turns_misses_into_hits_and_reports_waste(registry_requests, catalogue):
    plain = simulate_mirror(registry_requests, catalog=catalogue, double_fetch=False)
    pre = simulate_mirror(registry_requests, catalog=catalogue, prefetch=True, double_fetch=False)
    assert pre.blob_hit_ratio > plain.blob_hit_ratio
    assert pre.prefetched_bytes > 0 and pre.prefetch_used_bytes <= pre.prefetched_bytes
    with pytest.raises(InvalidParameter, match="needs a catalog"):
        PullThroughMirror(prefetch=True)


def test_regions_add_up(registry_requests):
    clients = sorted(set(registry_requests.frame["client"]))
    regions = {c: ("eu" if i % 2 else "us") for i, c in enumerate(clients)}
    df = simulate_regions(registry_requests, regions, ttl=None).set_index("region")
    assert list(df.index) == ["eu", "us", "all"]
    assert df.loc["all", "upstream_bytes"] == df.loc["eu", "upstream_bytes"] + df.loc["us", "upstream_bytes"]
    one = simulate_mirror(registry_requests, ttl=None)
    assert df.loc["all", "upstream_bytes"] >= one.upstream_bytes  # each region fetches its own copy
    with pytest.raises(InvalidParameter, match="has no region"):
        simulate_regions(registry_requests, {})


def test_errors():
    with pytest.raises(InvalidParameter, match="ttl must be > 0"):
        PullThroughMirror(ttl=0)
    with pytest.raises(InvalidParameter, match="'tag'"):
        PullThroughMirror().handle(0, "tag", "x", 1)
    t = Trace.from_columns(key=["a"], size=[1])
    with pytest.raises(InvalidParameter, match="not both"):
        simulate_mirror(t, PullThroughMirror(), ttl=None)


def test_summary_rounds_the_headline_numbers_for_a_table():
    m = PullThroughMirror()
    for h in (0, 1, 2):
        m.get_blob(h * HOUR, "sha256:" + "a" * 64, 1_234_567_890)
    m.get_blob(3 * HOUR, "sha256:" + "b" * 64, 10)  # 2 misses of 4, each fetched twice; 2.47 GB upstream
    assert m.stats.summary() == {"blob_hit_ratio": 0.5, "byte_hit_ratio": 0.667, "upstream_GB": 2.5,
                                 "upstream_requests": 4, "peak_stored_GB": 1.2}
    assert set(m.stats.summary()) <= set(m.stats.to_dict()) | {"upstream_GB", "peak_stored_GB"}
