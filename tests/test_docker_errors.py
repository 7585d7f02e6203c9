"""Errors read as docker's do (issue 13, point 2): the words of moby's pull errors, one line in a notebook."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from regsim import World
from regsim import errors
from regsim.errors import Denied, ManifestUnknown, NameUnknown, Unauthorized

#: moby distribution/errors.go (notFoundError, docker 20.10), as the CLI prints it for Docker Hub
PULL_DENIED = ("Error response from daemon: pull access denied for {}, repository does not exist or may "
               "require 'docker login': denied: requested access to the resource is denied")


@pytest.fixture()
def world():
    return World.standard(quiet=True)


def test_a_typo_in_a_pull_says_what_docker_says(world):
    with pytest.raises(Unauthorized) as anonymous:
        world.hosts["laptop"].pull("pythn")
    assert anonymous.value.one_line() == PULL_DENIED.format("pythn")
    assert "log in first" not in anonymous.value.one_line()
    hub = world.registries["docker.io"]
    hub.add_user("bob", "pw")
    world.hosts["laptop"].login("docker.io", "bob", "pw")
    with pytest.raises(Denied) as logged_in:  # a login does not change the words: Hub hides existence
        world.hosts["laptop"].pull("alice/pythn:1.0")
    assert logged_in.value.one_line() == PULL_DENIED.format("alice/pythn")


def test_missing_tags_and_repositories_on_an_open_registry(world):
    laptop = world.hosts["laptop"]
    with pytest.raises(ManifestUnknown) as tag:
        laptop.pull("python:9.9")
    # docker writes errcode's "code: message" whatever the message says, so the code's words come
    # twice: real docker prints exactly this against regsim serve (tests/engines/test_pull_errors.py)
    assert tag.value.one_line() == ("Error response from daemon: manifest for python:9.9 not found: "
                                    "manifest unknown: manifest unknown: library/python:9.9")
    assert (tag.value.code, tag.value.status, tag.value.detail) == ("MANIFEST_UNKNOWN", 404, "9.9")
    with pytest.raises(NameUnknown) as missing:
        laptop.pull("localhost:5000/team/nope:1.0")
    assert missing.value.one_line() == ("Error response from daemon: repository localhost:5000/team/nope not "
                                        "found: name unknown: repository name not known to registry: 'team/nope'")


def test_a_refused_pull_leaves_the_host_as_it_was(world):
    laptop = world.hosts["laptop"]
    before = (laptop.tags, len(world.events))
    with pytest.raises(Unauthorized):
        laptop.pull("pythn")
    assert (laptop.tags, len(world.events)) == before


def test_registry_answers_show_their_code_and_the_switch_restores_tracebacks(world, monkeypatch):
    registry = world.registries["localhost:5000"]
    with pytest.raises(errors.DigestInvalid) as refused:
        registry.push_blob("demo/x", b"abc", "sha256:" + "0" * 64)
    assert refused.value.one_line().startswith("DIGEST_INVALID: ")
    assert refused.value._render_traceback_() == [f"\x1b[0;31mDigestInvalid\x1b[0m: {refused.value.one_line()}"]
    monkeypatch.setattr(errors, "SHORT_TRACEBACKS", False)
    assert not hasattr(refused.value, "_render_traceback_")


def test_in_a_notebook_an_error_is_one_line_not_a_traceback():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import regsim\nlaptop = regsim.World.standard(quiet=True).hosts['laptop']"),
                nbformat.v4.new_code_cell('laptop.pull("pythn")')]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    (error,) = nb.cells[1].outputs
    assert error.output_type == "error" and error.ename == "Unauthorized"
    assert error.traceback == ["\x1b[0;31mUnauthorized\x1b[0m: " + PULL_DENIED.format("pythn")]


def test_one_error_class_per_code_of_the_spec_table_with_its_status():
    """ERRORS_BY_CODE is the spec's table of error codes (PROTOCOL.md: code-1 .. code-14, plus the
    legacy TAG_INVALID and distribution's PAGINATION_NUMBER_INVALID), each with the HTTP status
    distribution answers it with."""
    from regsim.errors import ERRORS_BY_CODE

    spec = {"BLOB_UNKNOWN": 404, "BLOB_UPLOAD_INVALID": 404, "BLOB_UPLOAD_UNKNOWN": 404, "DIGEST_INVALID": 400,
            "MANIFEST_BLOB_UNKNOWN": 400, "MANIFEST_INVALID": 400, "MANIFEST_UNKNOWN": 404, "NAME_INVALID": 400,
            "NAME_UNKNOWN": 404, "SIZE_INVALID": 400, "UNAUTHORIZED": 401, "DENIED": 403, "UNSUPPORTED": 405,
            "TOOMANYREQUESTS": 429, "TAG_INVALID": 400, "PAGINATION_NUMBER_INVALID": 400}
    assert {code: cls.status for code, cls in ERRORS_BY_CODE.items()} == spec
    assert all(cls.code == code and cls.__doc__ for code, cls in ERRORS_BY_CODE.items())
