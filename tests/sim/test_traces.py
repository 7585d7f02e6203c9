"""Trace I/O: CSV round trips, the IBM format, and errors that name the problem."""

from __future__ import annotations

import gzip
import json

import pytest

from regsim.sim.errors import InvalidParameter, TraceFormatError
from regsim.sim.traces import Trace, read_csv, parse_uri, read_ibm, write_csv, write_ibm
from regsim.sim.workloads import object_trace


def test_csv_round_trip(tmp_path, registry_requests):
    for trace in (registry_requests, object_trace(500, objects=50, seed=1)):
        back = read_csv(write_csv(trace, tmp_path / "t.csv"))
        assert back.keys == trace.keys and back.sizes == trace.sizes
        assert back.frame["time"].round(6).equals(trace.frame["time"].round(6))


def test_ibm_round_trip_and_gzip(tmp_path, registry_requests):
    path = write_ibm(registry_requests, tmp_path / "t.json")
    back = read_ibm(path, methods=("GET", "PUT"))
    assert back.keys == registry_requests.keys and back.sizes == registry_requests.sizes
    assert list(back.frame["method"]) == list(registry_requests.frame["method"])
    gz = tmp_path / "t.json.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert read_ibm(gz).keys == read_ibm(path).keys  # GETs only by default


def test_ibm_json_lines_and_ignored_requests(tmp_path):
    recs = [
        {"timestamp": "2017-06-20T00:00:01.500Z", "http.request.method": "GET", "http.request.uri": "v2/a/b/blobs/x1",
         "http.response.written": 10, "http.request.duration": 0.1, "http.request.remoteaddr": "c1", "host": "h"},
        {"timestamp": "2017-06-20T00:00:00.000Z", "http.request.method": "GET", "http.request.uri": "/v2/a/b/manifests/v1",
         "http.response.written": 3, "http.request.duration": 0.01, "http.request.remoteaddr": "c1"},
        {"timestamp": "2017-06-20T00:00:02Z", "http.request.method": "GET", "http.request.uri": "v2/",
         "http.response.written": 2, "http.request.duration": 0.0, "http.request.remoteaddr": "c2"},
        {"timestamp": "2017-06-20T00:00:03Z", "http.request.method": "HEAD", "http.request.uri": "v2/a/b/blobs/x1",
         "http.response.written": 0, "http.request.duration": 0.0, "http.request.remoteaddr": "c2"},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in recs))
    t = read_ibm(path)
    assert t.keys == ["a/b:v1", "x1"] and t.frame["time"].tolist() == [0.0, 1.5]
    assert t.frame["kind"].tolist() == ["manifest", "blob"]


@pytest.mark.parametrize("uri, parsed", [
    ("/v2/library/alpine/manifests/3.17", ("manifest", "library/alpine", "3.17")),
    ("v2/u/r/blobs/sha256:ab", ("blob", "u/r", "sha256:ab")),
    ("/v2/u/r/blobs/uploads/", None),
    ("/v2/u/r/tags/list", None),
    ("/v2/", None),
    ("/v1/x/blobs/y", None),
    ("/v2/a/manifests/x?tag=1", ("manifest", "a", "x")),
])
def test_parse_uri(uri, parsed):
    assert parse_uri(uri) == parsed


def test_errors_name_the_problem(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"timestamp": "yesterday", "http.request.method": "GET", "http.request.uri": "v2/a/blobs/b",'
                   ' "http.response.written": 1, "http.request.duration": 0, "http.request.remoteaddr": "x"}]')
    with pytest.raises(TraceFormatError, match="bad.json record 0: timestamp 'yesterday'"):
        read_ibm(bad)
    bad.write_text('[{"timestamp": "2017-06-20T00:00:00Z"}]')
    with pytest.raises(TraceFormatError, match="missing field 'http.request.method'"):
        read_ibm(bad)
    bad.write_text("{not json")
    with pytest.raises(TraceFormatError, match="not JSON"):
        read_ibm(bad)
    with pytest.raises(TraceFormatError, match=r"non-decreasing .*: request 3 at time 1\.25 s comes after "
                                               r"request 2 at time 2\.5 s"):
        Trace.from_columns(key=list("abcd"), size=[1, 2, 3, 4], time=[0.0, 2.5, 2.5, 1.25])
    with pytest.raises(TraceFormatError, match="'blobs'"):
        Trace.from_columns(key=["a"], size=[1], kind=["blobs"])
    with pytest.raises(TraceFormatError, match=">= 0, got -1"):
        Trace.from_columns(key=["a"], size=[-1])
    with pytest.raises(InvalidParameter, match="DataFrame"):
        Trace([1, 2])
    with pytest.raises(InvalidParameter, match="'tags'"):
        Trace.from_columns(key=["a"], size=[1]).only("tags")


def test_working_set_and_repr():
    t = Trace.from_columns(key=["a", "b", "a"], size=[5, 7, 5])
    assert t.working_set() == (2, 12) and t.total_bytes == 17
    assert repr(t) == "Trace(3 requests, 2 objects, 12 B working set)"
    assert "<table" in t._repr_html_()


def test_describe_tells_how_skewed_the_object_sizes_are():
    t = Trace.from_columns(key=[f"k{i}" for i in range(20)] + ["k0", "k19"], size=[*range(1, 20), 1000, 1, 1000])
    d = t.describe()
    assert d == {"objects": 20, "bytes": 1190, "median_size": 10.5, "mean_size": 59.5, "largest_size": 1000,
                 "top": 0.05, "top_bytes_share": 1000 / 1190}  # 5% of 20 objects: the largest one
    assert t.describe(top=0.1)["top_bytes_share"] == (1000 + 19) / 1190
    assert t.describe(top=1)["top_bytes_share"] == 1.0
    assert Trace.from_columns(key=["a"], size=[0]).describe()["top_bytes_share"] == 0.0
    for bad in (0, 1.5, "5%", True):
        with pytest.raises(InvalidParameter, match=f"top must be a fraction in \\(0, 1\\], got {bad!r}"):
            t.describe(top=bad)
