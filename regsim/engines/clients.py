"""Clients to drive a served registry: ``skopeo`` (a real one) and a tiny one in pure Python.

:class:`Skopeo` runs Debian's ``skopeo`` with its own temporary HOME, XDG directories, trust
policy and blob-info cache, so one run never sees what another learned (as root, skopeo would
keep its cache in ``/var/lib/containers/cache``; it is then run in a user namespace as a
non-root user, where it uses ``$XDG_DATA_HOME``). :class:`SimpleClient` pushes and pulls with
the standard library only: the same requests a client makes, written out one by one, for
reading and for machines without skopeo.

:func:`make_client` gives whichever is available behind one interface: ``push(repository, tag,
image)`` returns the manifest digest, ``pull(repository, reference)`` returns an
:class:`~regsim.oci.image.Image`, ``close()`` removes scratch files. ``image`` is a regsim image or
index, or the path of an OCI image layout holding an image named ``tag``.
:class:`SkopeoClient` is skopeo behind that interface.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode, urljoin

from ..errors import InvalidArgument, RegistryError, expect
from ..oci.blob import Blob, Content
from ..oci.digest import Digest
from ..oci.image import Image, ImageIndex
from ..io import read_layout, write_layout
from ..oci.manifest import Manifest, parse_manifest
from ..oci.mediatypes import INDEX_TYPES
from .tools import ToolMissing, find_tool, registry_address

if TYPE_CHECKING:  # pragma: no cover - make_client imports the engines when asked for one
    from ..server.runner import RegistryServer
    from .daemon import DockerDaemon
    from .docker import DockerClient, PodmanClient

__all__ = ["RegistryRefused", "Skopeo", "SkopeoClient", "SimpleClient", "ToolMissing", "find_tool", "make_client", "CLIENT_TOOLS"]

#: what :func:`make_client` accepts as ``tool``
CLIENT_TOOLS = ("auto", "skopeo", "simple", "docker", "podman")

def _user_namespace_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    prefix = ["unshare", "--map-user=1000", "--map-group=1000"]
    try:
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
    except FileNotFoundError:
        probe = None
    if probe is None or probe.returncode != 0:
        detail = probe.stderr.decode().strip() if probe is not None else "unshare not found"
        raise ToolMissing("skopeo runs as root here and its blob-info cache (/var/lib/containers/cache) "
                          f"cannot be isolated: `unshare --map-user` failed ({detail})")
    return prefix


class Skopeo:
    """``skopeo`` in a private environment under ``root`` (a new temporary directory by default).

    ``docker://`` references are reached over plain HTTP (``--*-tls-verify=false``).
    """

    def __init__(self, root: str | os.PathLike[str] | None = None, *, timeout: float = 300) -> None:
        expect("root", root, (str, os.PathLike, type(None)), "a directory or None")
        self.binary = find_tool("skopeo")
        self.prefix = _user_namespace_prefix()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if root is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="regsim-skopeo-")
            root = self._tmp.name
        self.root = Path(root)
        self.timeout = timeout
        for sub in ("home", "data", "config", "runtime", "tmp", "registries.d"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.policy = self.root / "policy.json"
        self.policy.write_text(json.dumps({"default": [{"type": "insecureAcceptAnything"}]}))
        (self.root / "registries.conf").write_text("")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root / "home"),
            "XDG_DATA_HOME": str(self.root / "data"),      # blob-info cache of a non-root user
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_RUNTIME_DIR": str(self.root / "runtime"),
            "REGISTRY_AUTH_FILE": str(self.root / "auth.json"),
            "CONTAINERS_REGISTRIES_CONF": str(self.root / "registries.conf"),
            "TMPDIR": str(self.root / "tmp"),
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``skopeo <args>``; raises ``RuntimeError`` with skopeo's stderr when it fails and ``check``."""
        command = [*self.prefix, self.binary, "--policy", str(self.policy),
                   "--registries.d", str(self.root / "registries.d"), "--tmpdir", str(self.root / "tmp"), *args]
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=self.timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"skopeo {' '.join(args)} failed ({result.returncode}):\n{result.stderr.strip()}")
        return result

    def copy(self, source: str, destination: str, *flags: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``skopeo copy`` (TLS verification off on both sides) from ``source`` to ``destination``."""
        return self.run("copy", "--src-tls-verify=false", "--dest-tls-verify=false", *flags, source, destination,
                        check=check)

    def inspect(self, reference: str, *flags: str) -> dict[str, Any]:
        """``skopeo inspect``: what the registry says about ``reference``, as parsed JSON."""
        info: dict[str, Any] = json.loads(self.run("inspect", "--tls-verify=false", *flags, reference).stdout)
        return info

    def list_tags(self, repository_reference: str) -> list[str]:
        """``skopeo list-tags``: the tags of a repository (``docker://host:port/name``)."""
        tags: list[str] = json.loads(self.run("list-tags", "--tls-verify=false", repository_reference).stdout)["Tags"]
        return tags

    def delete(self, reference: str) -> None:
        """``skopeo delete``: delete the manifest ``reference`` names (by tag or digest)."""
        self.run("delete", "--tls-verify=false", reference)

    def close(self) -> None:
        """Remove skopeo's private HOME, XDG directories and cache (safe to call twice)."""
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> "Skopeo":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _layout_image(path: str | os.PathLike[str], tag: str) -> Image | ImageIndex:
    """The image named ``tag`` in the OCI layout at ``path`` (``ValueError`` naming both if absent)."""
    entries = read_layout(path)
    for entry in entries:
        if entry.name == tag:
            return entry.image
    names = ", ".join(repr(e.name) for e in entries if e.name is not None) or "none"
    raise InvalidArgument(f"the OCI layout {str(path)!r} has no image named {tag!r} (it has: {names})")


class RegistryRefused(RegistryError, RuntimeError):
    """A registry answered a request of :class:`SimpleClient` with an error: ``status`` (403),
    ``code`` and ``message`` (of the first error in the spec's error body: ``DENIED``, "..."),
    ``step`` (which request: "start upload", "put manifest", ...). The text reads
    ``start upload: HTTP 403: <body>`` as before; use the attributes, not the text. A
    :class:`~regsim.errors.RegistryError` carrying the registry's code and status (and a
    RuntimeError, as before)."""

    def __init__(self, step: str, status: int, body: bytes) -> None:
        text = body.decode(errors="replace")
        code, message = "", ""
        try:
            first = json.loads(text)["errors"][0]
            code, message = str(first.get("code", "")), str(first.get("message", ""))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            message = text[:300]
        super().__init__(message)
        self.step, self.status, self.code, self.message = step, status, code, message
        self.args = (f"{step}: HTTP {status}: {text[:300]}",)


class SimpleClient:
    """Push and pull images over HTTP with ``urllib``: anonymously, or as ``username`` (basic
    credentials on every request, which a regsim server accepts whatever its auth scheme).

    Push: for each blob ``HEAD`` (skip it if present), else ``POST`` an upload, ``PATCH`` the
    bytes, ``PUT ?digest=``; then ``PUT`` the manifest under the tag. Pull: ``GET`` the manifest,
    then each blob, checking every digest.
    """

    #: which client this is (see :func:`make_client`)
    tool = "simple"

    def __init__(self, base_url: str, *, username: str | None = None, password: str | None = None) -> None:
        registry_address(base_url)
        self.base_url = base_url.rstrip("/")
        if (username is None) != (password is None):
            raise InvalidArgument(f"give both username and password, or neither (got username={username!r} "
                                  f"and {'no' if password is None else 'a'} password)")
        # basic credentials on every request: a regsim server accepts them whatever its scheme
        self._authorization = ({"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}
                               if username is not None else {})

    def _request(self, method: str, url: str, data: bytes | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(urljoin(self.base_url + "/", url), data=data, method=method,
                                         headers={**self._authorization, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def _expect(self, status: int, wanted: int, what: str, body: bytes) -> None:
        if status != wanted:
            raise RegistryRefused(what, status, body)

    def push_blob(self, repository: str, blob: Content) -> bool:
        """Upload ``blob`` unless the repository has it; True when bytes were sent."""
        status, _, _ = self._request("HEAD", f"/v2/{repository}/blobs/{blob.digest}")
        if status == 200:
            return False
        status, headers, body = self._request("POST", f"/v2/{repository}/blobs/uploads/")
        self._expect(status, 202, "start upload", body)
        status, headers, body = self._request("PATCH", headers["location"], blob.data,
                                              {"Content-Type": "application/octet-stream"})
        self._expect(status, 202, "upload", body)
        location = headers["location"]
        separator = "&" if "?" in location else "?"
        status, _, body = self._request("PUT", location + separator + urlencode({"digest": blob.digest}))
        self._expect(status, 201, "close upload", body)
        return True

    def push(self, repository: str, tag: str, image: "Image | ImageIndex | str | os.PathLike[str]") -> Digest:
        """Push an image (or an index and all its images) and tag it; return the manifest digest.

        ``image`` may be the path of an OCI image layout: its image named ``tag`` is pushed.
        """
        if isinstance(image, (str, os.PathLike)):
            image = _layout_image(image, tag)
        images = image.images if isinstance(image, ImageIndex) else (image,)
        for one in images:
            for blob in one.blobs():
                self.push_blob(repository, blob)
            if isinstance(image, ImageIndex):
                self._put_manifest(repository, one.digest, one.manifest_bytes, one.media_type)
        data = image.index_bytes if isinstance(image, ImageIndex) else image.manifest_bytes
        return self._put_manifest(repository, tag, data, image.media_type)

    def _put_manifest(self, repository: str, reference: str, data: bytes, media_type: str) -> Digest:
        status, headers, body = self._request("PUT", f"/v2/{repository}/manifests/{reference}", data,
                                              {"Content-Type": media_type})
        self._expect(status, 201, f"put manifest {reference}", body)
        return Digest(headers["docker-content-digest"])

    def pull(self, repository: str, reference: str) -> Image:
        """An image manifest and its blobs (each checked against its digest)."""
        status, headers, data = self._request("GET", f"/v2/{repository}/manifests/{reference}")
        self._expect(status, 200, f"get manifest {reference}", data)
        manifest = parse_manifest(data, headers.get("content-type"))
        if not isinstance(manifest, Manifest):
            raise RuntimeError(f"{repository}:{reference} is an index; pull one of its manifests by digest")
        blobs = []
        for desc in manifest.references():
            status, _, body = self._request("GET", f"/v2/{repository}/blobs/{desc.digest}")
            self._expect(status, 200, f"get blob {desc.digest}", body)
            blobs.append(Blob.verified(body, desc.digest))
        return Image.from_parts(data, blobs[0], blobs[1:], headers.get("content-type"))

    def close(self) -> None:
        """Nothing to clean up (for symmetry with :class:`SkopeoClient`)."""

    def __enter__(self) -> "SimpleClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SimpleClient({self.base_url!r})"


class SkopeoClient:
    """:class:`SimpleClient`'s ``push`` and ``pull``, done by a real ``skopeo``.

    ``push`` runs ``skopeo copy oci:<layout>:<tag> docker://<address>/<repository>:<tag>``: from
    the layout given, or from a scratch layout the image is written to first (``--all`` for an
    index, ``--preserve-digests`` so skopeo never rewrites a manifest). ``pull`` copies into a
    scratch layout and reads the image back; like SimpleClient it refuses an index. Scratch
    layouts are removed by :meth:`close`, which also closes the :class:`Skopeo` environment
    unless one was passed in.
    """

    #: which client this is (see :func:`make_client`)
    tool = "skopeo"

    def __init__(self, base_url: str, *, skopeo: Skopeo | None = None) -> None:
        self.address = registry_address(base_url)
        self.base_url = base_url.rstrip("/")
        self.skopeo = skopeo if skopeo is not None else Skopeo()
        self._owns_skopeo = skopeo is None
        self._scratch = tempfile.TemporaryDirectory(prefix="regsim-skopeo-client-")
        #: where the scratch layouts go (removed by :meth:`close`)
        self.scratch = Path(self._scratch.name)
        self._count = 0

    def _new_scratch(self) -> Path:
        self._count += 1
        return self.scratch / f"layout-{self._count}"

    def _remote(self, repository: str, reference: str) -> str:
        separator = "@" if ":" in reference else ":"  # digests have a colon, tags never do
        return f"docker://{self.address}/{repository}{separator}{reference}"

    def push(self, repository: str, tag: str, image: "Image | ImageIndex | str | os.PathLike[str]") -> Digest:
        """Push an image (or an index and all its images) and tag it; return the manifest digest.

        ``image`` may be the path of an OCI image layout: skopeo reads its image named ``tag``.
        """
        if isinstance(image, (str, os.PathLike)):
            layout = Path(image)
            image = _layout_image(layout, tag)
        else:
            layout = write_layout(self._new_scratch(), [(tag, image)])
        digest_file = self._new_scratch().with_suffix(".digest")
        flags = ["--preserve-digests", "--digestfile", str(digest_file)]
        if isinstance(image, ImageIndex):
            flags.append("--all")
        self.skopeo.copy(f"oci:{layout}:{tag}", self._remote(repository, tag), *flags)
        return Digest(digest_file.read_text().strip())

    def pull(self, repository: str, reference: str) -> Image:
        """An image manifest and its blobs, copied by skopeo into a scratch layout and read back.

        ``--multi-arch index-only``: an index is copied alone (one manifest request, as
        SimpleClient makes before it refuses), not the image for this machine's platform.
        """
        scratch = self._new_scratch()
        self.skopeo.copy(self._remote(repository, reference), f"oci:{scratch}:pulled",
                         "--multi-arch", "index-only", "--preserve-digests")
        (descriptor,) = json.loads((scratch / "index.json").read_bytes())["manifests"]
        if descriptor.get("mediaType") in INDEX_TYPES:
            raise RuntimeError(f"{repository}:{reference} is an index; pull one of its manifests by digest")
        (entry,) = read_layout(scratch)
        image = entry.image
        if isinstance(image, ImageIndex):  # as the descriptor said above (this narrows the type)
            raise RuntimeError(f"{repository}:{reference} is an index; pull one of its manifests by digest")
        return image

    def close(self) -> None:
        """Remove the scratch layouts, and the private skopeo when this client made it."""
        self._scratch.cleanup()
        if self._owns_skopeo:
            self.skopeo.close()

    def __enter__(self) -> "SkopeoClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SkopeoClient({self.base_url!r})"


def make_client(base_url: str | RegistryServer, *, tool: str = "auto", daemon: DockerDaemon | None = None
                ) -> SimpleClient | SkopeoClient | DockerClient | PodmanClient:
    """A client for the registry at ``base_url`` with ``push``, ``pull`` and ``close``.

    ``tool="auto"``: a :class:`SkopeoClient` when skopeo is installed and can run isolated, else
    a :class:`SimpleClient` (standard library only); ``client.tool`` says which. ``"skopeo"``
    insists on skopeo (:class:`ToolMissing` saying how to install it); ``"simple"`` never uses it.

    ``"docker"`` and ``"podman"``: a real engine (:class:`~regsim.engines.docker.DockerClient`
    on ``daemon``, or on :func:`~regsim.engines.daemon.docker_daemon`'s engine, which ``close()``
    then stops; :class:`~regsim.engines.docker.PodmanClient`). Engines push the images they
    built or tagged (``push(repository, tag)``) and every command returns an
    :class:`~regsim.engines.docker.EngineOutput` (lines printed, server events, ``.digest``).
    ``base_url`` may also be a running server: engines then attach its events to each output.
    """
    if tool not in CLIENT_TOOLS:
        raise InvalidArgument(f"tool must be one of {', '.join(map(repr, CLIENT_TOOLS))}, got {tool!r}")
    if tool in ("docker", "podman"):
        from .docker import DockerClient, PodmanClient

        return DockerClient(base_url, daemon) if tool == "docker" else PodmanClient(base_url)
    url = cast(str, getattr(base_url, "url", base_url))  # a server's URL, or the URL; checked on the next line
    registry_address(url)
    if tool != "simple":
        try:
            return SkopeoClient(url)
        except ToolMissing:
            if tool == "skopeo":
                raise
    return SimpleClient(url)
