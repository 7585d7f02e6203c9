"""A real OCI 1.1 client, oras-py, against ``regsim serve`` (issue 19, item 5): artifacts about an image
(``subject``), the referrers API with and without a filter, oras-py's own tagged push with a subject,
and garbage collection of the artifacts once their image is gone."""

from __future__ import annotations

import json
import os

import pytest

oras_client = pytest.importorskip("oras.client")

import regsim
from regsim.server import serve
from regsim.engines.artifacts import attach, referrers, subject_of
from regsim.engines.clients import RegistryRefused, SimpleClient

SBOM, SIGNATURE = "application/spdx+json", "application/vnd.dev.cosign.simplesigning.v1+json"


@pytest.fixture
def served(tmp_path):
    registry = regsim.Registry("localhost:5000")
    server = serve(registry)
    image = regsim.Image.create([regsim.Layer.from_files([("/app/hello.py", b"print('hi')\n")])])
    digest = SimpleClient(server.url).push("team/app", "1.0", image)
    client = oras_client.OrasClient(hostname=server.address, insecure=True)
    here = os.getcwd()
    os.chdir(tmp_path)  # oras-py uploads files relative to the working directory
    (tmp_path / "sbom.spdx.json").write_text(json.dumps({"spdxVersion": "SPDX-2.3", "name": "team/app"}))
    (tmp_path / "signature.json").write_text(json.dumps({"critical": {"image": {"docker-manifest-digest": digest}}}))
    try:
        yield server, registry, client, digest
    finally:
        os.chdir(here)
        server.stop()


def test_attach_gives_the_subject_header_and_the_referrers_list_them(served):
    server, registry, client, digest = served
    app = f"{server.address}/team/app:1.0"
    assert subject_of(client, app)["digest"] == digest
    sbom, header = attach(client, app, "sbom.spdx.json", artifact_type=SBOM, media_type=SBOM,
                          annotations={"org.opencontainers.image.created": "2026-01-01T00:00:00Z"})
    assert header == digest
    signature, _ = attach(client, app, "signature.json", artifact_type=SIGNATURE, media_type=SIGNATURE)
    found, _ = referrers(client, app)
    assert sorted(d["digest"] for d in found) == sorted([sbom, signature])
    assert {d["artifactType"] for d in found} == {SBOM, SIGNATURE}
    assert [d["annotations"] for d in found if d["digest"] == sbom] == [{"org.opencontainers.image.created": "2026-01-01T00:00:00Z"}]
    only, filtered = referrers(client, app, SBOM)
    assert filtered and [d["digest"] for d in only] == [sbom]
    with server.lock:
        assert registry.repository("team/app").tags == {"1.0": digest}  # artifacts are untagged


def test_oras_pys_own_push_takes_a_subject_under_a_tag(served):
    import oras.oci

    server, registry, client, digest = served
    subject = subject_of(client, f"{server.address}/team/app:1.0")
    response = client.push(f"{server.address}/team/app:sbom", files=["sbom.spdx.json"],
                           subject=oras.oci.Subject(subject["mediaType"], subject["digest"], subject["size"]),
                           quiet=True)
    assert response.status_code == 201 and response.headers["OCI-Subject"] == digest
    found, _ = referrers(client, f"{server.address}/team/app@{digest}")
    assert len(found) == 1 and found[0]["artifactType"] == oras.defaults.unknown_config_media_type


def test_a_missing_subject_has_no_referrers_and_is_no_error(served):
    server, _, client, _ = served
    assert referrers(client, f"{server.address}/team/app@sha256:" + "0" * 64) == ([], False)


def test_attaching_to_a_missing_image_is_refused_by_name(served):
    server, _, client, _ = served
    with pytest.raises(RegistryRefused) as refused:
        attach(client, f"{server.address}/team/app:9.9", "sbom.spdx.json", artifact_type=SBOM, media_type=SBOM)
    assert refused.value.status == 404 and "team/app:9.9" in str(refused.value)


def test_gc_keeps_artifacts_with_their_image_and_sweeps_them_after_it(served):
    server, registry, client, digest = served
    app = f"{server.address}/team/app:1.0"
    sbom, _ = attach(client, app, "sbom.spdx.json", artifact_type=SBOM, media_type=SBOM)
    with server.lock:
        kept = registry.garbage_collect(delete_untagged=True)
        assert [(r, str(d)) for r, d in kept.deleted_manifests] == []  # untagged, but its subject is tagged: kept
        registry.delete_manifest("team/app", digest)
        assert registry.referrers("team/app", digest).manifests  # still listed: a dangling referrer
        swept = registry.garbage_collect(delete_untagged=True)
    assert [(r, str(d)) for r, d in swept.deleted_manifests] == [("team/app", sbom)]  # its subject is gone: swept
    found, _ = referrers(client, f"{server.address}/team/app@{digest}")
    assert found == []
