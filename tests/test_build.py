import gzip
import io
import tarfile

import pytest
from hypothesis import given, strategies as st

from regsim.client.build import copy_files, deterministic_gzip, make_tar, packages_of, read_tar, run_files
from regsim.client.dockerfile import parse_dockerfile, parse_exec_form, parse_pairs
from regsim.errors import BuildError


def test_parse_continuations_and_comments():
    text = "# a comment\nFROM python:3.11 AS base\n\nRUN apt-get update && \\\n    apt-get install -y curl\nCMD [\"python\"]\n"
    (stage,) = parse_dockerfile(text).stages
    assert (stage.base, stage.name, stage.line) == ("python:3.11", "base", 2)
    ins = stage.instructions
    assert [(i.keyword, i.line) for i in ins] == [("RUN", 4), ("CMD", 6)]
    assert ins[0].args == "apt-get update && apt-get install -y curl"
    assert ins[0].makes_layer and not ins[1].makes_layer
    df = parse_dockerfile("ARG V=1\nfrom alpine")
    assert [a.keyword for a in df.global_args] == ["ARG"] and df.stages[0].base == "alpine"


@pytest.mark.parametrize(
    "command, expected",
    [
        ("apt-get install -y curl git", [("apt", "curl"), ("apt", "git")]),
        ("apt-get update && apt-get install -y --no-install-recommends ca-certificates", [("apt", "ca-certificates")]),
        ("apk add --no-cache bash", [("apk", "bash")]),
        ("pip install flask==2.3 'requests>=2'", [("pip", "flask"), ("pip", "requests")]),
        ("pip3 install -r requirements.txt", [("pip", "requirements.txt")]),
        ("npm install express@4", [("npm", "express")]),
        ("echo hello", []),
    ],
)
def test_packages_of(command, expected):
    assert packages_of(command) == expected


def test_run_files_depend_on_parent_only_through_the_state_file():
    a = dict(run_files("pip install flask", "parent-1"))
    b = dict(run_files("pip install flask", "parent-2"))
    shared = {p for p in a if p in b and a[p] == b[p]}
    assert shared and all("flask" in p for p in shared)
    assert set(a) - shared and all("/state/" in p for p in set(a) - shared)
    assert run_files("pip install flask", "parent-1") == run_files("pip install flask", "parent-1")
    assert dict(run_files("pip install flask", "p", arch="arm64")) != a


def test_copy_files_targets():
    ctx = {"app.py": b"1", "src/a.py": b"2", "src/b.py": b"3", "README": b"r"}
    assert copy_files(["app.py"], "/app/", ctx) == [("/app/app.py", b"1")]
    assert copy_files(["app.py"], "/app/main.py", ctx) == [("/app/main.py", b"1")]
    assert sorted(copy_files(["src"], "/code", ctx)) == [("/code/a.py", b"2"), ("/code/b.py", b"3")]
    assert sorted(p for p, _ in copy_files(["."], "/w", ctx)) == ["/w/README", "/w/app.py", "/w/src/a.py", "/w/src/b.py"]
    assert copy_files(["*.py"], "/x/", ctx) == [("/x/app.py", b"1")]
    assert copy_files(["app.py"], "rel/", ctx, workdir="/srv") == [("/srv/rel/app.py", b"1")]
    with pytest.raises(BuildError, match="file not found in build context: 'nope'"):
        copy_files(["nope"], "/", ctx)
    with pytest.raises(BuildError, match="takes a list of sources"):
        copy_files("app.py", "/", ctx)


def test_exec_form_and_pairs():
    assert parse_exec_form('["a", "b c"]') == ("a", "b c")
    assert parse_exec_form("a b") == ("/bin/sh", "-c", "a b")
    assert parse_pairs('A=1 B="two words"', "ENV") == [("A", "1"), ("B", "two words")]
    assert parse_pairs("A one two", "ENV") == [("A", "one two")]
    with pytest.raises(BuildError):
        parse_pairs("A= =x", "ENV")


@given(st.dictionaries(st.from_regex(r"/[a-z]{1,8}(/[a-z]{1,8})?", fullmatch=True), st.binary(max_size=600), max_size=5))
def test_tar_and_gzip_are_valid_and_reproducible(files):
    tar = make_tar(files.items())
    assert tar == make_tar(list(files.items())[::-1])  # order does not matter
    assert len(tar) % 512 == 0
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        assert sorted(m.name for m in t.getmembers()) == sorted(p.lstrip("/") for p in files)
        assert all(m.mtime == 0 and m.uid == 0 for m in t.getmembers())
    gz = deterministic_gzip(tar)
    assert gzip.decompress(gz) == tar
    assert sorted(read_tar(gz)) == sorted(files.items())


def test_gzip_of_large_and_empty_inputs():
    big = bytes(range(256)) * 1000  # several stored blocks
    assert gzip.decompress(deterministic_gzip(big)) == big
    assert gzip.decompress(deterministic_gzip(b"")) == b""


def test_read_tar_without_end_blocks():
    # umoci writes a layer as header + data, with no padding and no end-of-archive blocks
    tar = make_tar([("/etc/f", b"hello")])
    unpadded = tar[:512 + 5]
    assert read_tar(unpadded) == [("/etc/f", b"hello")]
    assert read_tar(deterministic_gzip(unpadded)) == [("/etc/f", b"hello")]
    with pytest.raises(tarfile.ReadError):
        read_tar(b"not a tar at all" * 40)
    two = make_tar([("/a", b"a" * 100), ("/b", b"b" * 100)])
    with pytest.raises(tarfile.ReadError, match="truncated"):
        read_tar(two[:512 + 512 + 512 + 50])  # the second file's data cut short
