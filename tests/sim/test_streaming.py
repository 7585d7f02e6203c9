"""Traces at scale: oracleGeneral files (plain, zstd), Parquet, the IBM reader in chunks, and
replays that carry one cache across chunks and give what an in-memory replay gives."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pytest

from regsim.sim.cache import simulate
from regsim.sim.errors import InvalidParameter, TraceFormatError
from regsim.sim.experiments import capacity_for, sweep
from regsim.sim.oracle import (RECORD_SIZE, OracleWriter, iter_oracle_general, next_access_vtime,
                               read_oracle_general, write_oracle_general)
from regsim.sim.streaming import DenseIds, iter_chunks, replay, working_set
from regsim.sim.traces import Trace, _json_objects, iter_ibm, read_parquet, read_ibm, write_parquet, write_ibm
from regsim.sim.workloads import object_trace

POLICIES = ("lru", "fifo", "clock", "lfu", "s3fifo", "gdsf", "arc", "sieve")


@pytest.fixture(scope="module")
def trace():
    return object_trace(6000, objects=700, seed=8)


@pytest.mark.parametrize("name", ["t.oracleGeneral", "t.oracleGeneral.zst"])
def test_oracle_general_round_trip(trace, tmp_path, name):
    path = write_oracle_general(trace, tmp_path / name)
    if name.endswith(".zst"):
        assert path.read_bytes()[:4] == b"\x28\xb5\x2f\xfd" and path.stat().st_size < len(trace) * RECORD_SIZE
    else:
        assert path.stat().st_size == len(trace) * RECORD_SIZE
    back = read_oracle_general(path)
    assert back.keys == trace.keys and back.sizes == trace.sizes
    assert back.frame["time"].tolist() == np.floor(trace.frame["time"]).tolist()
    chunks = list(iter_oracle_general(path, chunk_requests=1000))
    assert [c.size for c in chunks] == [1000] * 6
    assert np.concatenate(chunks)["next_access_vtime"].tolist() == next_access_vtime(trace.keys).tolist()


def test_next_access_vtime_counts_requests_from_one():
    assert next_access_vtime([1, 2, 1, 1, 3, 2]).tolist() == [3, 6, 4, -1, -1, -1]
    assert next_access_vtime([]).tolist() == []


def test_bad_oracle_general_files_name_the_problem(trace, tmp_path):
    path = write_oracle_general(trace, tmp_path / "t.bin")
    cut = tmp_path / "cut.bin"
    cut.write_bytes(path.read_bytes()[: 100 * RECORD_SIZE + 7])
    with pytest.raises(TraceFormatError, match=r"cut.bin: truncated oracleGeneral file: it ends 7 bytes into "
                                               r"record 100 \(records are 24 bytes\)"):
        list(iter_oracle_general(cut, chunk_requests=64))
    shifted = tmp_path / "shifted.bin"
    shifted.write_bytes(path.read_bytes()[5: 5 + 200 * RECORD_SIZE])  # misaligned: fields mixed up
    with pytest.raises(TraceFormatError, match=r"shifted.bin: record \d+ has time \d+ s, before the previous "
                                               r"record's \d+ s: not an oracleGeneral trace, or a corrupt one"):
        read_oracle_general(shifted)
    zst = write_oracle_general(trace, tmp_path / "t.zst")
    data = zst.read_bytes()
    short = tmp_path / "short.zst"
    short.write_bytes(data[: len(data) // 2])
    with pytest.raises(TraceFormatError, match="short.zst: truncated zstd stream: it ends inside a compressed frame"):
        read_oracle_general(short)
    garbled = tmp_path / "garbled.zst"
    garbled.write_bytes(data[:4] + bytes(b ^ 0x5A for b in data[4:200]) + data[200:])
    with pytest.raises(TraceFormatError, match=r"garbled.zst: corrupt zstd stream \(zstd decompress"):
        read_oracle_general(garbled)
    with pytest.raises(TraceFormatError, match="nothing.bin: no such trace file"):
        read_oracle_general(tmp_path / "nothing.bin")
    with pytest.raises(InvalidParameter, match="chunk_requests must be an int >= 1, got 0"):
        list(iter_oracle_general(path, chunk_requests=0))


def test_oracle_general_writer_refuses_what_the_format_cannot_hold(tmp_path):
    with pytest.raises(InvalidParameter, match=r"integer object ids; this trace's keys are object \(such as \['a'\]\)"):
        write_oracle_general(Trace.from_columns(key=["a"], size=[1]), tmp_path / "a.bin")
    with OracleWriter(tmp_path / "w.bin") as w:
        with pytest.raises(InvalidParameter, match=r"sizes are uint32 \(0 .. 4294967295\), got 4294967296"):
            w.write([1], [2**32])
        with pytest.raises(InvalidParameter, match=r"unsigned 64-bit integers, got -4"):
            w.write([-4], [1])
        w.write([5, 6], [10, 20], times=[3, 4])
    assert [r.tolist() for r in read_oracle_general(tmp_path / "w.bin").frame[["key", "size", "time"]].values] == \
        [[5, 10, 3.0], [6, 20, 4.0]]


@pytest.mark.parametrize("policy", POLICIES)
def test_streamed_replays_equal_in_memory_ones(trace, tmp_path, policy):
    oracle = write_oracle_general(trace, tmp_path / "t.oracleGeneral.zst")
    parquet = write_parquet(trace, tmp_path / "t.parquet", row_group_requests=900)
    capacity = int(trace.working_set()[1] * 0.05)
    expected = simulate(trace.keys, policy, trace.sizes, capacity=capacity, engine="python")
    for source in (trace, oracle, parquet):
        for engine in ("compiled", "python"):
            assert replay(source, policy, capacity=capacity, engine=engine, chunk_requests=777) == expected, (source, engine)
    assert replay(oracle, policy, fraction=0.05, chunk_requests=500) == expected


def test_parquet_keeps_blob_requests_and_string_keys(registry_requests, tmp_path):
    path = write_parquet(registry_requests, tmp_path / "r.parquet")
    assert read_parquet(path) == registry_requests
    blobs = registry_requests.only("blob")
    assert working_set(path) == (*blobs.working_set(), len(blobs), blobs.total_bytes)
    got = replay(path, "arc", fraction=0.1, chunk_requests=50)
    assert got == simulate(blobs.keys, "arc", blobs.sizes, capacity=capacity_for(0.1, blobs.working_set()[1]))
    with pytest.raises(TraceFormatError, match="not a Parquet trace"):
        read_parquet(tmp_path / "missing.parquet")


def test_dense_ids_across_chunks_ints_and_strings():
    d = DenseIds()
    assert d.map(np.array([2**64 - 1, 5, 2**64 - 1], dtype=np.uint64)).tolist() == [0, 1, 0]
    assert d.map(np.arange(3000, dtype=np.uint64)).tolist()[:7] == [2, 3, 4, 5, 6, 1, 7]  # grows its table
    assert len(d) == 3001
    s = DenseIds()
    assert s.map(np.array(["sha256:b", "sha256:a", "sha256:b"], dtype=object)).tolist() == [0, 1, 0]
    assert s.map(np.array(["sha256:c", "sha256:a"], dtype=object)).tolist() == [2, 1]


def test_sweep_streams_a_trace_file_and_equals_the_in_memory_sweep(trace, tmp_path):
    path = write_oracle_general(trace, tmp_path / "t.oracleGeneral")
    from_file = sweep({"t": path}, ["lru", "sieve"], fractions=[0.02, 0.2], capacities=["300kB"])
    in_memory = sweep({"t": trace}, ["lru", "sieve"], fractions=[0.02, 0.2], capacities=["300kB"])
    assert from_file.equals(in_memory)
    assert in_memory["capacity"].tolist()[:3] == [capacity_for(0.02, trace.working_set()[1]),
                                                 capacity_for(0.2, trace.working_set()[1]), 300_000]
    assert in_memory["size"].iloc[2] == 300_000 / trace.working_set()[1]  # a share, whatever was given


def test_sizes_mean_one_thing(trace):
    with pytest.raises(InvalidParameter, match=r"cache size 1 is an int, which is ambiguous: write 1.0 for the "
                                               r"whole working set .* capacities=\[1\]"):
        sweep(trace, ["lru"], fractions=[1])
    # every suggestion is a value that is accepted: no "5.0 for 500%" or "0.0 for 0%"
    with pytest.raises(InvalidParameter, match=r"cache size 5 is an int, which is ambiguous: give bytes explicitly "
                                               r"with capacities=\[5\] \(a share .* such as 0.1\)"):
        sweep(trace, ["lru"], fractions=[5])
    for nothing in (0, -3):
        with pytest.raises(InvalidParameter, match=rf"cache size {nothing} is not a size: a share of the working set "
                                                   r"is a float in \(0, 1\], such as 0.1"):
            sweep(trace, ["lru"], fractions=[nothing])
    with pytest.raises(InvalidParameter, match=r"capacities are bytes: .* got 0.5 \(for a share of the working "
                                               r"set, use fractions=\[0.1\]\)"):
        sweep(trace, ["lru"], capacities=[0.5])
    with pytest.raises(InvalidParameter, match="a size with a unit such as '64MB'"):
        sweep(trace, ["lru"], fractions=["lots"])
    one_byte = sweep(trace, ["lru"], fractions=["1B"], capacities=[1])
    assert one_byte["capacity"].tolist() == [1, 1] and one_byte["hits"].tolist() == [0, 0]
    whole = sweep(trace, ["lru"], fractions=[1.0])
    assert whole["capacity"].tolist() == [trace.working_set()[1]]
    assert whole["miss_ratio"].iloc[0] == pytest.approx(trace.working_set()[0] / len(trace))  # only cold misses


def test_ibm_reader_streams_in_chunks(registry_requests, tmp_path):
    path = write_ibm(registry_requests, tmp_path / "t.json")
    gz = tmp_path / "t.json.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    whole = read_ibm(gz)
    chunks = list(iter_ibm([gz], chunk_requests=128))
    assert all(len(c) <= 128 for c in chunks) and len(chunks) == -(-len(whole) // 128)
    assert sum((c.keys for c in chunks), []) == whole.keys
    assert sum((c.frame["time"].tolist() for c in chunks), []) == whole.frame["time"].tolist()
    # replay streams the IBM file itself, one cache across the chunks, as if it were in memory
    assert replay(gz, "arc", capacity="50MB", chunk_requests=100) == replay(whole, "arc", capacity="50MB")
    # the JSON is parsed in blocks: values cut at any block boundary come out whole
    text = path.read_text()
    for block in (7, 64, 1000):
        assert list(_json_objects(io.StringIO(text), "t", block=block)) == list(_json_objects(io.StringIO(text), "t"))
    with pytest.raises(TraceFormatError, match="t: not JSON"):
        list(_json_objects(io.StringIO(text[: len(text) // 2]), "t", block=50))
    with pytest.raises(TraceFormatError, match="the array is not closed"):
        list(_json_objects(io.StringIO(text[: text.index("}") + 1]), "t", block=50))
    with pytest.raises(InvalidParameter, match="chunk_requests must be an int >= 1, got 0"):
        list(iter_ibm(path, chunk_requests=0))


def test_iter_chunks_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(InvalidParameter, match="a source is a Trace or a trace file's path, got int"):
        list(iter_chunks(5))
    bad = tmp_path / "bad.parquet"
    Trace.from_columns(key=[1], size=[2]).frame.drop(columns=["size"]).to_parquet(bad)
    with pytest.raises(TraceFormatError, match=r"needs the columns key and size, missing \['size'\]"):
        list(iter_chunks(bad))
    with pytest.raises(InvalidParameter, match="exactly one of fraction="):
        replay(bad, "lru")


def test_the_projects_own_csv_streams_like_the_trace_it_holds(trace, registry_requests, tmp_path):
    """write_csv's file is a source too: replay and sweep read it as CSV, not as oracleGeneral."""
    from regsim.sim.traces import read_csv, write_csv

    path = write_csv(trace, tmp_path / "t.csv")
    assert replay(path, "lru", fraction=0.1) == replay(trace, "lru", fraction=0.1)
    assert replay(str(path), "sieve", capacity="100kB", chunk_requests=333) == replay(trace, "sieve", capacity="100kB")
    from_file = sweep({"t": path}, ["lru", "gdsf"], fractions=[0.05, 0.2])
    assert from_file.equals(sweep({"t": trace}, ["lru", "gdsf"], fractions=[0.05, 0.2]))
    # a registry trace's CSV keeps only the blob requests, as the Trace and Parquet sources do
    registry = write_csv(registry_requests, tmp_path / "r.CSV")
    blobs = registry_requests.only("blob")
    assert working_set(registry, chunk_requests=64) == (*blobs.working_set(), len(blobs), blobs.total_bytes)
    assert replay(registry, "arc", fraction=0.1, chunk_requests=50) == replay(read_csv(registry), "arc", fraction=0.1)
    headless = tmp_path / "h.csv"
    headless.write_text("1,2\n3,4\n")
    with pytest.raises(TraceFormatError, match=r"h.csv: a CSV trace needs the columns key and size"):
        replay(headless, "lru", capacity=10)


def test_replay_names_its_own_parameters(trace):
    with pytest.raises(InvalidParameter, match=r"give bytes explicitly with capacity=5 ") as caught:
        replay(trace, "lru", fraction=5)
    assert "capacities=" not in str(caught.value) and "fractions=" not in str(caught.value)
    with pytest.raises(InvalidParameter, match=r"write 1.0 for the whole working set .* capacity=1$"):
        replay(trace, "lru", fraction=1)
    with pytest.raises(InvalidParameter, match=r"\(for bytes, use capacity= or a string such as '64MB'\)"):
        replay(trace, "lru", fraction=1.5)
