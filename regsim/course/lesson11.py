"""Lesson 11 exercises: OCI artifacts and the referrers API.

The notebook attaches an SBOM and a signature to ``team/app:1.0`` with a real client (oras-py)
over HTTP; :func:`lesson_registry` builds the same registry in the model, the way those requests
leave it, so the exercises have an answer without a server.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from ..oci.digest import Digest
from ..oci.image import Image, Layer
from ..oci.mediatypes import OCI_MANIFEST
from ..registry import Registry
from ..oci.blob import Blob
from .workbook import WORKBOOK

SBOM_TYPE = "application/spdx+json"
SIGNATURE_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
#: the empty config ``{}`` an artifact carries when it has no config of its own (OCI 1.1)
EMPTY_TYPE = "application/vnd.oci.empty.v1+json"
REPOSITORY = "team/app"
#: the files the notebook attaches (the same bytes)
SBOM = json.dumps({"spdxVersion": "SPDX-2.3", "name": "team/app", "packages": [{"name": "hello", "versionInfo": "1.0"}]})
SIGNATURE = json.dumps({"critical": {"type": "cosign container image signature"}, "optional": {"signed-by": "ci-bot"}})


def release(version: str) -> Image:
    """The lesson's image of ``team/app`` at ``version`` (one layer, one file)."""
    return Image.create([Layer.from_files([("/app/hello.txt", f"hello from {version}\n".encode())])])


def attach(registry: Registry, repository: str, subject: str, artifact_type: str, payload: bytes,
           annotations: Mapping[str, str] | None = None) -> Digest:
    """Push ``payload`` as an artifact about the manifest ``subject`` (a tag or digest) of
    ``repository``, untagged, as ``oras attach`` does: one layer (the payload), the empty config
    ``{}``, ``artifactType`` and ``subject``. Returns the artifact manifest's digest."""
    stored = registry.resolve(repository, subject)
    for data in (payload, b"{}"):
        registry.push_blob(repository, Blob(data), Digest.of(data))
    manifest: dict[str, Any] = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": artifact_type,
        "config": {"mediaType": EMPTY_TYPE, "digest": str(Digest.of(b"{}")), "size": 2},
        "layers": [{"mediaType": artifact_type, "digest": str(Digest.of(payload)), "size": len(payload)}],
        "subject": {"mediaType": stored.media_type, "digest": str(stored.digest), "size": stored.size},
    }
    if annotations:
        manifest["annotations"] = dict(annotations)
    data = json.dumps(manifest).encode()
    return registry.put_manifest(repository, str(Digest.of(data)), data, media_type=OCI_MANIFEST)


def lesson_registry() -> Registry:
    """A registry as the lesson leaves it: ``team/app`` 1.0 and 2.0, an SBOM and a signature about 1.0."""
    from ..client.remote import write

    registry = Registry("localhost:5000")
    for version in ("1.0", "2.0"):
        write(registry, REPOSITORY, release(version), tags=[version])
    attach(registry, REPOSITORY, "1.0", SBOM_TYPE, SBOM.encode())
    attach(registry, REPOSITORY, "1.0", SIGNATURE_TYPE, SIGNATURE.encode())
    return registry


def _types_about_1_0() -> set[str]:
    registry = lesson_registry()
    index = registry.referrers(REPOSITORY, registry.resolve(REPOSITORY, "1.0").digest)
    return {d.artifact_type for d in index.manifests if d.artifact_type}


def _deleted_with_the_image() -> int:
    registry = lesson_registry()
    registry.delete_manifest(REPOSITORY, registry.resolve(REPOSITORY, "1.0").digest)
    return len(registry.garbage_collect(delete_untagged=True).deleted_manifests)


def _signed_2_0(answer: Any) -> str | None:
    if not hasattr(answer, "referrers") or not hasattr(answer, "resolve"):
        return f"expected the registry of lesson_registry(), got {type(answer).__name__}"
    try:
        digest = answer.resolve(REPOSITORY, "2.0").digest
    except Exception:
        return "this registry has no team/app:2.0: start from lesson_registry()"
    found = answer.referrers(REPOSITORY, digest).manifests
    if not found:
        return "nothing refers to team/app:2.0 yet: attach_in_model(registry, 'team/app', '2.0', ...)"
    if not [d for d in found if d.artifact_type == SIGNATURE_TYPE]:
        kinds = sorted({d.artifact_type or "(none)" for d in found})
        return f"team/app:2.0 has artifacts of type {', '.join(kinds)}, but no signature ({SIGNATURE_TYPE})"
    return None


WORKBOOK.add("11.1", "In lesson_registry(), which artifact types does the referrers API list for team/app:1.0? "
             "Answer a set.", expected=_types_about_1_0, item="artifact type", normalize=set,
             hint="registry.referrers('team/app', digest) is the index the API returns",
             hints=["each descriptor of the index has an artifact_type"])
WORKBOOK.add("11.2", "How many manifests does team/app hold in lesson_registry(), artifacts included?",
             expected=lambda: len(lesson_registry().repository(REPOSITORY).manifests),
             hint="an artifact is a manifest too, with no tag",
             hints=["two releases, and one manifest per attached file"])
WORKBOOK.add("11.3", "In lesson_registry(), delete the manifest of team/app:1.0 by digest. How many manifests "
             "does garbage_collect(delete_untagged=True) then delete?", expected=_deleted_with_the_image,
             hint="GCReport.deleted_manifests",
             hints=["an artifact is kept while its subject is kept; what about once the subject is gone?"])
WORKBOOK.add("11.4", "Sign team/app:2.0: in lesson_registry(), attach a signature (artifact type SIGNATURE_TYPE) "
             "to team/app:2.0, then check the registry.", checker=_signed_2_0,
             hint="attach(registry, 'team/app', '2.0', SIGNATURE_TYPE, payload): attach_in_model in the lesson",
             solution="tests/course/test_solutions.py::solve_11_4", solution_test="test_solution_passes_its_check")
