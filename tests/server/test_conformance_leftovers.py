"""The distribution-spec conformance suite's last failures against ``regsim serve`` (issue 18, item 8)."""

from __future__ import annotations

import hashlib
import json

import pytest

from regsim import Registry
from regsim.oci.mediatypes import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST
from regsim.server import serve


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("tag", [".INVALID_MANIFEST_NAME", "-dash", "x" * 129])
def test_an_invalid_tag_name_is_404_for_get_and_head(api, method, tag):
    api.push_image("myorg/myrepo", "1", [b"layer"])
    answer = api.request(method, f"/v2/myorg/myrepo/manifests/{tag}")
    assert answer.status_code == 404
    if method == "GET":
        error = answer.json()["errors"][0]
        assert error["code"] == "MANIFEST_UNKNOWN" and "not a valid tag" in error["message"]


def test_a_put_with_an_invalid_tag_is_still_tag_invalid(api):
    _, data = api.push_image("myorg/myrepo", "1", [b"layer"])
    answer = api.put("/v2/myorg/myrepo/manifests/.INVALID", content=data, headers={"Content-Type": OCI_MANIFEST})
    assert answer.status_code == 400 and api.error_codes(answer) == ["TAG_INVALID"]


def test_a_sha512_manifest_pushed_with_tag_answers_its_sha512_digest_by_tag(api, registry):
    digest256, data = api.push_image("myorg/myrepo", "seed", [b"layer"])
    digest512 = "sha512:" + hashlib.sha512(data).hexdigest()
    pushed = api.put(f"/v2/myorg/myrepo/manifests/{digest512}", params={"tag": "x"}, content=data,
                     headers={"Content-Type": OCI_MANIFEST})
    assert pushed.status_code == 201, pushed.text
    assert pushed.headers["docker-content-digest"] == digest512
    for method in ("HEAD", "GET"):
        answer = api.request(method, "/v2/myorg/myrepo/manifests/x")
        assert answer.status_code == 200
        assert answer.headers["docker-content-digest"] == digest512
    # the tag names the sha512 manifest: deleting it by digest (the suite's next step) works
    assert registry.repository("myorg/myrepo").target("x") == digest512
    assert api.delete(f"/v2/myorg/myrepo/manifests/{digest512}").status_code == 202
    assert api.get("/v2/myorg/myrepo/manifests/x").status_code == 404
    assert api.get(f"/v2/myorg/myrepo/manifests/{digest256}").status_code == 200


def _sparse_manifest() -> bytes:
    missing = "sha256:" + "b" * 64
    config = "sha256:" + "c" * 64
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                       "config": {"mediaType": OCI_CONFIG, "digest": config, "size": 2},
                       "layers": [{"mediaType": OCI_LAYER, "digest": missing, "size": 10}]}).encode()


def test_sparse_manifests_are_refused_by_default(api, unchanged):
    with unchanged():
        answer = api.put("/v2/myorg/sparse/manifests/1", content=_sparse_manifest(),
                         headers={"Content-Type": OCI_MANIFEST})
    assert answer.status_code == 400 and api.error_codes(answer) == ["MANIFEST_BLOB_UNKNOWN"]


def test_sparse_manifests_are_accepted_when_asked(api_for):
    registry = Registry("localhost:5000")
    registry.sparse = True
    with serve(registry) as server:
        api = api_for(server)
        answer = api.put("/v2/myorg/sparse/manifests/1", content=_sparse_manifest(),
                         headers={"Content-Type": OCI_MANIFEST})
        assert answer.status_code == 201, answer.text
        assert api.get("/v2/myorg/sparse/manifests/1").content == _sparse_manifest()
        # a blob that is present must still have the size its descriptor says
        layer = api.push_blob("myorg/sparse", b"twelve bytes")
        wrong = json.loads(_sparse_manifest())
        wrong["layers"][0] = {"mediaType": OCI_LAYER, "digest": layer, "size": 3}
        refused = api.put("/v2/myorg/sparse/manifests/2", content=json.dumps(wrong).encode(),
                          headers={"Content-Type": OCI_MANIFEST})
        assert refused.status_code == 400 and api.error_codes(refused) == ["MANIFEST_INVALID"]


def test_cli_sparse_flag_reaches_the_registry():
    from regsim.cli import _parser

    assert _parser().parse_args(["serve", "--sparse"]).sparse is True
    assert _parser().parse_args(["serve"]).sparse is False
