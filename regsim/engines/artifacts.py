"""OCI 1.1 artifacts with a real client: what ``oras attach`` and ``oras discover`` do, with oras-py.

oras-py (``pip install oras``, the Python client of the ORAS project) pushes files as an artifact
under a **tag** (``OrasClient.push``, which takes a ``subject``), but it has no ``attach`` (push an
artifact by digest, untagged, about a subject) and no ``discover`` (the referrers API). These
functions do both with oras-py's own pieces -- its blob upload, its manifest upload, its HTTP
session -- so every request is oras-py's:

* :func:`subject_of` -- ``HEAD`` the manifest a reference names: its digest, size and media type,
  the descriptor an artifact's ``subject`` holds;
* :func:`attach` -- upload a file as the artifact's one layer and the empty config ``{}``, then
  ``PUT`` the artifact manifest (with ``artifactType`` and ``subject``) under its own digest;
  returns the digest and the registry's ``OCI-Subject`` header (a registry with the referrers API
  sends it; without it a client would maintain the referrers tag ``sha256-<hex>`` itself);
* :func:`referrers` -- ``GET /v2/<name>/referrers/<digest>[?artifactType=]``: the index of the
  artifacts about a manifest, and whether the registry applied the filter
  (``OCI-Filters-Applied``).

``client`` is an ``oras.client.OrasClient`` (``OrasClient(hostname="127.0.0.1:5000",
insecure=True)`` for ``regsim serve``); references are ``host:port/repository:tag`` or ``@digest``.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Mapping
from urllib.parse import urlencode

from ..errors import InvalidArgument
from ..oci.mediatypes import OCI_MANIFEST
from .clients import RegistryRefused

__all__ = ["EMPTY_MEDIA_TYPE", "subject_of", "attach", "referrers"]

#: the media type of the empty config ``{}`` an artifact without a config carries (OCI 1.1)
EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json"


def _url(client: Any, container: Any, path: str) -> str:
    return f"{client.prefix}://{container.registry}/v2/{container.api_prefix}/{path}"


def _checked(response: Any, what: str) -> Any:
    """``response``, or the registry's refusal as :class:`~regsim.engines.clients.RegistryRefused`."""
    if response.status_code >= 300:
        raise RegistryRefused(what, response.status_code, response.content)
    return response


def subject_of(client: Any, reference: str) -> dict[str, Any]:
    """The descriptor of the manifest ``reference`` names (``HEAD``): what a ``subject`` holds."""
    if not hasattr(client, "get_container"):
        raise InvalidArgument(f"client must be an oras-like client (SimpleClient), got {type(client).__name__} {client!r:.80}")
    container = client.get_container(reference)
    accept = ", ".join([OCI_MANIFEST, "application/vnd.oci.image.index.v1+json",
                        "application/vnd.docker.distribution.manifest.v2+json",
                        "application/vnd.docker.distribution.manifest.list.v2+json"])
    response = _checked(client.do_request(_url(client, container, f"manifests/{container.digest or container.tag}"),
                                          "HEAD", headers={"Accept": accept}), f"HEAD {reference}")
    return {"mediaType": response.headers["Content-Type"].split(";")[0],
            "digest": response.headers["Docker-Content-Digest"],
            "size": int(response.headers["Content-Length"])}


def attach(client: Any, subject: str, path: str | os.PathLike[str], *, artifact_type: str, media_type: str,
           annotations: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """Push the file ``path`` as an artifact about ``subject`` (a reference), untagged, as
    ``oras attach`` does. Returns the artifact manifest's digest and the ``OCI-Subject`` header."""
    if not hasattr(client, "get_container"):
        raise InvalidArgument(f"client must be an oras-like client (SimpleClient), got {type(client).__name__} {client!r:.80}")
    import oras.oci
    import oras.provider

    if not artifact_type or not media_type:
        raise InvalidArgument(f"attach needs an artifact_type and a media_type, got {artifact_type!r}, {media_type!r}")
    described = subject_of(client, subject)
    container = client.get_container(subject)
    layer = oras.oci.NewLayer(str(path), media_type=media_type)
    layer["annotations"] = {"org.opencontainers.image.title": os.path.basename(path)}
    _checked(client.upload_blob(str(path), container, layer), f"upload {path}")
    config, _ = oras.oci.ManifestConfig(media_type=EMPTY_MEDIA_TYPE)  # the empty config {}
    with oras.provider.temporary_empty_config() as empty:
        _checked(client.upload_blob(empty, container, config), "upload the empty config")
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type,
                "config": config, "layers": [layer], "subject": described}
    if annotations:
        manifest["annotations"] = dict(annotations)
    # oras-py sends the manifest as requests' json=, that is json.dumps(manifest): its digest is
    # the digest of those bytes, and the artifact is pushed under it (no tag)
    digest = "sha256:" + hashlib.sha256(json.dumps(manifest).encode()).hexdigest()
    target = client.get_container(f"{container.registry}/{container.api_prefix}@{digest}")
    response = _checked(client.upload_manifest(manifest, target), f"PUT the artifact about {subject}")
    return response.headers.get("Docker-Content-Digest", digest), response.headers.get("OCI-Subject")


def referrers(client: Any, subject: str, artifact_type: str | None = None) -> tuple[list[dict[str, Any]], bool]:
    """The artifacts about the manifest ``subject`` names (descriptors, with ``artifactType`` and
    annotations), of one ``artifact_type`` or all; and True when the registry did the filtering."""
    if not hasattr(client, "get_container"):
        raise InvalidArgument(f"client must be an oras-like client (SimpleClient), got {type(client).__name__} {client!r:.80}")
    container = client.get_container(subject)
    digest = container.digest or subject_of(client, subject)["digest"]
    url = _url(client, container, f"referrers/{digest}")
    if artifact_type:
        url += "?" + urlencode({"artifactType": artifact_type})  # a '+' must not turn into a space
    response = _checked(client.do_request(url, "GET"), f"GET referrers of {subject}")
    found = response.json().get("manifests", [])
    filtered = "artifactType" in response.headers.get("OCI-Filters-Applied", "")
    if artifact_type and not filtered:  # a registry may ignore the filter: the client applies it
        found = [d for d in found if d.get("artifactType") == artifact_type]
    return found, filtered
