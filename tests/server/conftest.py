"""Fixtures for the HTTP server tests: a served registry, an HTTP client, real OCI tools.

``registry`` (a fresh ``Registry("localhost:5000")``) and ``image`` come from tests/conftest.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from helpers import skip_or_fail

from regsim.oci.mediatypes import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST
from regsim.server import serve
from regsim.engines.clients import Skopeo, ToolMissing

API_VERSION = "registry/2.0"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class API:
    """A thin OCI client over httpx: the requests a registry client makes, one method each."""

    def __init__(self, client: httpx.Client) -> None:
        self.http = client

    def __getattr__(self, name):  # get, post, patch, put, head, delete, request
        return getattr(self.http, name)

    def push_blob(self, repo: str, data: bytes) -> str:
        digest = digest_of(data)
        started = self.http.post(f"/v2/{repo}/blobs/uploads/")
        assert started.status_code == 202, started.text
        done = self.http.put(started.headers["location"], params={"digest": digest}, content=data)
        assert done.status_code == 201, done.text
        return digest

    def push_manifest(self, repo: str, reference: str, data: bytes, media_type: str = OCI_MANIFEST) -> httpx.Response:
        response = self.http.put(f"/v2/{repo}/manifests/{reference}", content=data,
                                 headers={"Content-Type": media_type})
        assert response.status_code == 201, response.text
        return response

    def push_image(self, repo: str, tag: str, layers: list[bytes], *, annotations: dict | None = None,
                   subject: dict | None = None, artifact_type: str | None = None) -> tuple[str, bytes]:
        """Push layers, a config and a manifest; returns ``(manifest digest, manifest bytes)``."""
        descriptors = [{"mediaType": OCI_LAYER, "digest": self.push_blob(repo, layer), "size": len(layer)}
                       for layer in layers]
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descriptors]}}).encode()
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": OCI_CONFIG, "digest": self.push_blob(repo, config), "size": len(config)},
                    "layers": descriptors}
        if annotations:
            manifest["annotations"] = annotations
        if subject:
            manifest["subject"] = subject
        if artifact_type:
            manifest["artifactType"] = artifact_type
        data = json.dumps(manifest).encode()
        self.push_manifest(repo, tag, data)
        return digest_of(data), data

    @staticmethod
    def error_codes(response: httpx.Response) -> list[str]:
        return [e["code"] for e in response.json()["errors"]]


def _check_api_version(response: httpx.Response) -> None:
    assert response.headers.get("docker-distribution-api-version") == API_VERSION, (
        f"{response.request.method} {response.request.url} answered without the API version header")




@pytest.fixture
def server(registry, request):
    """``registry`` served on a free port; parametrize indirectly with "h11" to use uvicorn's h11."""
    http = getattr(request, "param", "auto")
    with serve(registry, http=http, loop="asyncio" if http == "h11" else "auto") as running:
        yield running


def make_api(server, **kwargs) -> API:
    return API(httpx.Client(base_url=server.url, timeout=30, event_hooks={"response": [_check_api_version]},
                            **kwargs))


@pytest.fixture
def api_for():
    """``api_for(server)``: an :class:`API` for another server (closed after the test)."""
    made: list[API] = []

    def factory(server, **kwargs) -> API:
        made.append(make_api(server, **kwargs))
        return made[-1]

    yield factory
    for client in made:
        client.http.close()


@pytest.fixture
def api(server, api_for):
    """An HTTP client for ``server``; every response is checked for the API version header."""
    return api_for(server)


@pytest.fixture
def unchanged(registry):
    """Assert the model is exactly as it was: ``with unchanged(): <failing requests>``."""

    class Unchanged:
        def __call__(self):
            self.before = registry.snapshot()
            self.events = len(registry.events)
            return self

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            if exc_info[0] is None:
                assert registry.snapshot() == self.before
                assert [e.describe() for e in registry.events[self.events:]] == []

    return Unchanged()


# -- real clients ------------------------------------------------------------------------------

INSTALL = {"skopeo": "skopeo", "umoci": "umoci", "docker-registry": "docker-registry"}


def require_tool(name: str) -> str:
    """The tool's path; skip when missing (fail under ``CI=true``), saying how to install it."""
    path = shutil.which(name)
    if path:
        return path
    _skip_or_fail(f"{name} is not installed: install it with `sudo apt-get install {INSTALL[name]}` "
                  "(Debian/Ubuntu; .ci/run does this in CI)")
    raise AssertionError("unreachable")


def _skip_or_fail(message: str) -> None:
    skip_or_fail(message)


class Umoci:
    """Builds OCI layouts with ``umoci``; fixed times and file modes make the digests reproducible."""

    EPOCH = "1970-01-01T00:00:00Z"

    def __init__(self, root: Path) -> None:
        self.binary = require_tool("umoci")
        self.root = root

    def run(self, *args: str) -> None:
        result = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"umoci {' '.join(args)} failed:\n{result.stderr}"

    def layout(self, name: str = "layout") -> Path:
        path = self.root / name
        if not path.exists():
            self.run("init", "--layout", str(path))
        return path

    def image(self, layout: Path, tag: str, files: dict[str, bytes], base: str | None = None) -> str:
        """Tag ``tag``: ``base`` (or an empty image) plus one layer per file; returns the ref."""
        ref = f"{layout}:{tag}"
        if base is None:
            self.run("new", "--image", ref)
        else:
            self.run("tag", "--image", f"{layout}:{base}", tag)
        for i, (target, data) in enumerate(sorted(files.items())):
            source = self.root / f"src-{tag}-{i}"
            source.write_bytes(data)
            source.chmod(0o644)
            os.utime(source, (0, 0))
            self.run("insert", "--image", ref, "--history.created", self.EPOCH, str(source), target)
        self.run("config", "--image", ref, "--created", self.EPOCH, "--author", "regsim tests")
        return ref


@pytest.fixture
def skopeo(tmp_path) -> Skopeo:
    """skopeo with its own HOME, XDG dirs, policy and blob-info cache (see regsim.engines.clients)."""
    require_tool("skopeo")
    try:
        return Skopeo(tmp_path / "skopeo")
    except ToolMissing as exc:
        _skip_or_fail(str(exc))


@pytest.fixture
def umoci(tmp_path) -> Umoci:
    root = tmp_path / "umoci"
    root.mkdir()
    return Umoci(root)
