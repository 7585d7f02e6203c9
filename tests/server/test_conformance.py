"""The distribution-spec v1.1 conformance categories, endpoint by endpoint, over HTTP.

Mirrors the spec's conformance suite (pull, push, content discovery, content management),
including the cases the reference registry 2.8 gets wrong: 416 for out-of-order chunks, 204 for
upload status, tag pagination, and the referrers API. Every response is also checked for
``Docker-Distribution-API-Version: registry/2.0`` (see the ``api`` fixture).
"""

from __future__ import annotations

import json

import pytest

from regsim.events import BlobMounted, BlobUploaded, ManifestPushed
from regsim.oci.mediatypes import OCI_CONFIG, OCI_EMPTY, OCI_INDEX, OCI_LAYER, OCI_MANIFEST
from regsim.server import serve

EMPTY = b"{}"
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
MISSING = "sha256:" + "0" * 64


def sha(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def pushed(api):
    """Setup: a repository ``conf/app`` with one image tagged ``1.0``."""
    layer = b"layer: " + bytes(range(256)) * 4
    digest, manifest = api.push_image("conf/app", "1.0", [layer])
    return {"layer": layer, "layer_digest": sha(layer), "digest": digest, "manifest": manifest}


BOTH_HTTP_STACKS = pytest.mark.parametrize("server", ["auto", "h11"], indirect=True)


# -- Pull -------------------------------------------------------------------------------------------


@BOTH_HTTP_STACKS
class TestPull:
    def test_ping(self, api):
        response = api.get("/v2/")
        assert response.status_code == 200 and response.json() == {}

    def test_head_blob(self, api, pushed):
        missing = api.head(f"/v2/conf/app/blobs/{MISSING}")
        assert missing.status_code == 404 and missing.content == b""
        found = api.head(f"/v2/conf/app/blobs/{pushed['layer_digest']}")
        assert found.status_code == 200 and found.content == b""
        assert found.headers["content-length"] == str(len(pushed["layer"]))
        assert found.headers["docker-content-digest"] == pushed["layer_digest"]

    def test_get_blob(self, api, pushed):
        missing = api.get(f"/v2/conf/app/blobs/{MISSING}")
        assert missing.status_code == 404 and api.error_codes(missing) == ["BLOB_UNKNOWN"]
        found = api.get(f"/v2/conf/app/blobs/{pushed['layer_digest']}")
        assert found.status_code == 200 and found.content == pushed["layer"]
        assert found.headers["docker-content-digest"] == pushed["layer_digest"]
        assert found.headers["content-type"] == "application/octet-stream"

    def test_a_blob_of_another_repository_is_unknown_here(self, api, pushed):
        assert api.get(f"/v2/conf/other/blobs/{pushed['layer_digest']}").status_code == 404

    @pytest.mark.parametrize("header, status, expected", [
        ("bytes=0-9", 206, (0, 9)),
        ("bytes=10-", 206, (10, None)),
        ("bytes=-5", 206, (-5, None)),
        ("bytes=0-999999", 206, (0, None)),
        ("bytes=999999-", 416, None),
        ("items=0-1", 200, None),
    ])
    def test_blob_range_requests(self, api, pushed, header, status, expected):
        layer = pushed["layer"]
        response = api.get(f"/v2/conf/app/blobs/{pushed['layer_digest']}", headers={"Range": header})
        assert response.status_code == status
        if status == 206:
            start, end = expected
            body = layer[start:] if end is None else layer[start:end + 1]
            first = len(layer) + start if start < 0 else start
            assert response.content == body
            assert response.headers["content-range"] == f"bytes {first}-{first + len(body) - 1}/{len(layer)}"
        elif status == 416:
            assert response.headers["content-range"] == f"bytes */{len(layer)}"
            assert api.error_codes(response) == ["SIZE_INVALID"]
        else:
            assert response.content == layer

    def test_head_manifest_by_tag_and_digest(self, api, pushed):
        for reference in ("1.0", pushed["digest"]):
            response = api.head(f"/v2/conf/app/manifests/{reference}")
            assert response.status_code == 200 and response.content == b""
            assert response.headers["docker-content-digest"] == pushed["digest"]
            assert response.headers["content-length"] == str(len(pushed["manifest"]))
            assert response.headers["content-type"] == OCI_MANIFEST
        assert api.head("/v2/conf/app/manifests/nope").status_code == 404
        assert api.head(f"/v2/conf/app/manifests/{MISSING}").status_code == 404

    def test_get_manifest_by_tag_and_digest_returns_the_exact_bytes(self, api, pushed):
        for reference in ("1.0", pushed["digest"]):
            response = api.get(f"/v2/conf/app/manifests/{reference}", headers={"Accept": OCI_MANIFEST})
            assert response.status_code == 200
            assert response.content == pushed["manifest"]
            assert response.headers["content-type"] == OCI_MANIFEST
            assert response.headers["docker-content-digest"] == pushed["digest"]
        missing = api.get("/v2/conf/app/manifests/nope")
        assert missing.status_code == 404 and api.error_codes(missing) == ["MANIFEST_UNKNOWN"]

    def test_an_unknown_repository_is_name_unknown(self, api):
        response = api.get("/v2/conf/never/manifests/1.0")
        assert response.status_code == 404 and api.error_codes(response) == ["NAME_UNKNOWN"]

    def test_400_bodies_are_oci_json(self, api, pushed):
        response = api.get("/v2/conf/app/manifests/sha256:totallywrong")
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/json"
        (error,) = response.json()["errors"]
        assert error["code"] == "DIGEST_INVALID" and "sha256:totallywrong" in error["message"]

    def test_conditional_requests(self, api, pushed):
        etag = f'"{pushed["digest"]}"'
        assert api.get("/v2/conf/app/manifests/1.0", headers={"If-None-Match": etag}).status_code == 304
        blob_tag = f'"{pushed["layer_digest"]}"'
        assert api.get(f"/v2/conf/app/blobs/{pushed['layer_digest']}",
                       headers={"If-None-Match": blob_tag}).status_code == 304
        assert api.get("/v2/conf/app/manifests/1.0", headers={"If-None-Match": '"other"'}).status_code == 200


# -- Push -------------------------------------------------------------------------------------------


@BOTH_HTTP_STACKS
class TestPush:
    def test_streamed_patch_then_put(self, api, registry):
        data = b"streamed blob"
        started = api.post("/v2/conf/app/blobs/uploads/")
        assert started.status_code == 202
        assert started.headers["docker-upload-uuid"] in started.headers["location"]
        patched = api.patch(started.headers["location"], content=data,
                            headers={"Content-Type": "application/octet-stream"})
        assert patched.status_code == 202 and patched.headers["range"] == f"0-{len(data) - 1}"
        closed = api.put(patched.headers["location"], params={"digest": sha(data)})
        assert closed.status_code == 201
        assert closed.headers["location"] == f"/v2/conf/app/blobs/{sha(data)}"
        assert closed.headers["docker-content-digest"] == sha(data)
        assert api.get(closed.headers["location"]).content == data
        assert registry.uploads == {}

    def test_monolithic_post_then_put(self, api):
        data = b"monolithic blob"
        assert api.get(f"/v2/conf/app/blobs/{sha(data)}").status_code == 404
        started = api.post("/v2/conf/app/blobs/uploads/")
        assert started.status_code == 202
        closed = api.put(started.headers["location"], params={"digest": sha(data)}, content=data,
                         headers={"Content-Type": "application/octet-stream"})
        assert closed.status_code == 201
        assert api.get(f"/v2/conf/app/blobs/{sha(data)}").content == data

    def test_single_post_with_digest(self, api, registry):
        data = b"single post blob"
        response = api.post("/v2/conf/app/blobs/uploads/", params={"digest": sha(data)}, content=data)
        assert response.status_code == 201
        assert response.headers["location"] == f"/v2/conf/app/blobs/{sha(data)}"
        assert api.get(response.headers["location"]).content == data
        assert registry.uploads == {}

    def test_an_empty_blob(self, api):
        response = api.post("/v2/conf/app/blobs/uploads/", params={"digest": sha(b"")}, content=b"")
        assert response.status_code == 201
        assert api.head(f"/v2/conf/app/blobs/{sha(b'')}").headers["content-length"] == "0"

    def test_chunked_upload_in_order_out_of_order_and_status(self, api, registry):
        data = bytes(range(256)) * 10
        first, second = data[:1000], data[1000:]
        started = api.post("/v2/conf/app/blobs/uploads/", headers={"Content-Length": "0"})
        location = started.headers["location"]

        out_of_order = api.patch(location, content=second,
                                 headers={"Content-Range": f"1000-{len(data) - 1}"})
        assert out_of_order.status_code == 416
        assert api.error_codes(out_of_order) == ["BLOB_UPLOAD_INVALID"]

        chunk = api.patch(location, content=first, headers={"Content-Range": "0-999"})
        assert chunk.status_code == 202 and chunk.headers["range"] == "0-999"
        location = chunk.headers["location"]

        retried = api.patch(location, content=first, headers={"Content-Range": "0-999"})
        assert retried.status_code == 416
        assert retried.headers["range"] == "0-999" and retried.headers["location"] == location

        status = api.get(location)
        assert status.status_code == 204
        assert status.headers["range"] == "0-999" and status.headers["location"] == location
        assert status.content == b""

        chunk = api.patch(location, content=second, headers={"Content-Range": f"1000-{len(data) - 1}"})
        assert chunk.status_code == 202 and chunk.headers["range"] == f"0-{len(data) - 1}"
        closed = api.put(chunk.headers["location"], params={"digest": sha(data)})
        assert closed.status_code == 201
        assert api.get(f"/v2/conf/app/blobs/{sha(data)}").content == data
        progressed = [e.size for e in registry.events if type(e).__name__ == "UploadProgressed"]
        assert progressed == [1000, len(second)]  # the refused chunks left no trace

    def test_the_closing_put_may_carry_the_last_chunk(self, api):
        data = b"0123456789abcdef"
        location = api.post("/v2/conf/app/blobs/uploads/").headers["location"]
        location = api.patch(location, content=data[:10], headers={"Content-Range": "0-9"}).headers["location"]
        wrong = api.put(location, params={"digest": sha(data)}, content=data[10:], headers={"Content-Range": "5-10"})
        assert wrong.status_code == 416
        closed = api.put(location, params={"digest": sha(data)}, content=data[10:],
                         headers={"Content-Range": f"10-{len(data) - 1}"})
        assert closed.status_code == 201
        assert api.get(f"/v2/conf/app/blobs/{sha(data)}").content == data

    def test_cancel_an_upload(self, api, registry):
        location = api.post("/v2/conf/app/blobs/uploads/").headers["location"]
        api.patch(location, content=b"abc")
        assert api.delete(location).status_code == 204
        assert api.get(location).status_code == 404
        assert registry.uploads == {}

    def test_cross_repository_mount(self, api, pushed, registry):
        response = api.post("/v2/conf/other/blobs/uploads/",
                            params={"mount": pushed["layer_digest"], "from": "conf/app"})
        assert response.status_code == 201
        assert response.headers["location"] == f"/v2/conf/other/blobs/{pushed['layer_digest']}"
        assert response.headers["docker-content-digest"] == pushed["layer_digest"]
        assert api.get(f"/v2/conf/other/blobs/{pushed['layer_digest']}").content == pushed["layer"]
        (mounted,) = registry.events.of(BlobMounted)
        assert (mounted.repository, mounted.from_repository) == ("conf/other", "conf/app")

    def test_mounting_a_blob_the_source_lacks_opens_an_upload(self, api, pushed, registry):
        response = api.post("/v2/conf/other/blobs/uploads/", params={"mount": MISSING, "from": "conf/app"})
        assert response.status_code == 202 and "/v2/conf/other/blobs/uploads/" in response.headers["location"]
        assert registry.events.of(BlobMounted) == []

    def test_automatic_mount_without_from(self, api, pushed, registry):
        response = api.post("/v2/conf/third/blobs/uploads/", params={"mount": pushed["layer_digest"]})
        assert response.status_code == 201
        assert registry.events.of(BlobMounted)[-1].from_repository == "conf/app"

    def test_without_automatic_mount_a_mount_without_from_opens_an_upload(self, pushed, registry, api_for):
        with serve(registry, auto_mount=False) as other:
            client = api_for(other)
            response = client.post("/v2/conf/third/blobs/uploads/", params={"mount": pushed["layer_digest"]})
            assert response.status_code == 202 and "docker-upload-uuid" in response.headers

    def test_put_manifest_by_tag_and_digest(self, api, registry):
        layer = b"a layer"
        config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
        assert api.get("/v2/conf/app/manifests/1.0").status_code == 404
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": api.push_blob("conf/app", config), "size": len(config)},
            "layers": [{"mediaType": OCI_LAYER, "digest": api.push_blob("conf/app", layer), "size": len(layer)}],
        }, indent=2).encode()  # not canonical: the registry must keep the bytes as they are
        by_tag = api.put("/v2/conf/app/manifests/1.0", content=manifest, headers={"Content-Type": OCI_MANIFEST})
        assert by_tag.status_code == 201
        assert by_tag.headers["docker-content-digest"] == sha(manifest)
        assert by_tag.headers["location"] == f"/v2/conf/app/manifests/{sha(manifest)}"
        by_digest = api.put(f"/v2/conf/app/manifests/{sha(manifest)}", content=manifest,
                            headers={"Content-Type": OCI_MANIFEST})
        assert by_digest.status_code == 201 and by_digest.headers["docker-content-digest"] == sha(manifest)
        assert api.get(f"/v2/conf/app/manifests/{sha(manifest)}").content == manifest
        assert [e.tag for e in registry.events.of(ManifestPushed)] == ["1.0", None]

    def test_a_manifest_without_layers_is_accepted(self, api):
        api.push_blob("conf/app", EMPTY)
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "artifactType": "application/vnd.example.thing",
                               "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
                               "layers": []}).encode()
        assert api.push_manifest("conf/app", "empty", manifest).status_code == 201

    def test_a_manifest_naming_a_missing_blob_is_refused(self, api):
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "config": {"mediaType": OCI_CONFIG, "digest": MISSING, "size": 10},
                               "layers": []}).encode()
        response = api.put("/v2/conf/app/manifests/1.0", content=manifest, headers={"Content-Type": OCI_MANIFEST})
        assert response.status_code == 400 and api.error_codes(response) == ["MANIFEST_BLOB_UNKNOWN"]
        assert response.json()["errors"][0]["detail"] == MISSING

    def test_a_subject_is_acknowledged_with_oci_subject(self, api, pushed):
        api.push_blob("conf/app", EMPTY)
        subject = {"mediaType": OCI_MANIFEST, "digest": MISSING, "size": 123}  # may not exist
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "artifactType": "application/vnd.example.sbom",
                               "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
                               "layers": [], "subject": subject}).encode()
        response = api.put(f"/v2/conf/app/manifests/{sha(manifest)}", content=manifest,
                           headers={"Content-Type": OCI_MANIFEST})
        assert response.status_code == 201 and response.headers["oci-subject"] == MISSING

    def test_tag_parameters_on_a_push_by_digest(self, api, pushed):
        response = api.put(f"/v2/conf/app/manifests/{pushed['digest']}", params=[("tag", "a"), ("tag", "b")],
                           content=pushed["manifest"], headers={"Content-Type": OCI_MANIFEST})
        assert response.status_code == 201
        assert response.headers.get_list("oci-tag") == ["a", "b"]
        assert api.get("/v2/conf/app/tags/list").json()["tags"] == ["1.0", "a", "b"]

    def test_an_index_of_pushed_manifests(self, api, pushed):
        index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": pushed["digest"], "size": len(pushed["manifest"]),
             "platform": {"os": "linux", "architecture": "amd64"}}]}).encode()
        assert api.push_manifest("conf/app", "multi", index, OCI_INDEX).status_code == 201
        response = api.get("/v2/conf/app/manifests/multi")
        assert response.content == index and response.headers["content-type"] == OCI_INDEX


# -- Content discovery ------------------------------------------------------------------------------


class TestContentDiscovery:
    @pytest.fixture
    def tagged(self, api, pushed):
        for tag in ("b", "A", "c", "a1", "B2"):
            api.push_manifest("conf/app", tag, pushed["manifest"])
        return ["1.0", "A", "a1", "b", "B2", "c"]  # case-insensitive lexical order

    def test_list_tags(self, api, tagged):
        response = api.get("/v2/conf/app/tags/list")
        assert response.status_code == 200
        assert response.json() == {"name": "conf/app", "tags": tagged}
        assert "link" not in response.headers

    def test_limit_with_n_and_follow_link(self, api, tagged):
        seen, url = [], "/v2/conf/app/tags/list?n=2"
        while url:
            response = api.get(url)
            page = response.json()["tags"]
            assert len(page) <= 2
            seen += page
            link = response.headers.get("link")
            url = link[1:link.index(">")] if link else None
            if link:
                assert link.endswith('; rel="next"')
        assert seen == tagged

    def test_start_after_last(self, api, tagged):
        assert api.get("/v2/conf/app/tags/list", params={"last": "a1"}).json()["tags"] == tagged[3:]
        assert api.get("/v2/conf/app/tags/list", params={"n": 1, "last": "b"}).json()["tags"] == ["B2"]

    def test_n_zero_is_an_empty_list_without_link(self, api, tagged):
        response = api.get("/v2/conf/app/tags/list", params={"n": 0})
        assert response.json()["tags"] == [] and "link" not in response.headers

    def test_tags_of_an_unknown_repository(self, api):
        response = api.get("/v2/conf/never/tags/list")
        assert response.status_code == 404 and api.error_codes(response) == ["NAME_UNKNOWN"]

    def test_catalog_pagination(self, api, pushed):
        for repo in ("conf/b", "conf/a", "other/z"):
            api.push_blob(repo, b"x")
        everything = ["conf/a", "conf/app", "conf/b", "other/z"]
        assert api.get("/v2/_catalog").json() == {"repositories": everything}
        first = api.get("/v2/_catalog", params={"n": 2})
        assert first.json()["repositories"] == everything[:2]
        assert first.headers["link"] == '</v2/_catalog?n=2&last=conf%2Fapp>; rel="next"'
        assert api.get("/v2/_catalog", params={"n": 2, "last": "conf/app"}).json()["repositories"] == everything[2:]
        too_many = api.get("/v2/_catalog", params={"n": 1001})
        assert too_many.status_code == 400 and api.error_codes(too_many) == ["PAGINATION_NUMBER_INVALID"]

    @pytest.fixture
    def referrers(self, api, pushed):
        api.push_blob("conf/app", EMPTY)
        subject = {"mediaType": OCI_MANIFEST, "digest": pushed["digest"], "size": len(pushed["manifest"])}
        made = []
        for i, kind in enumerate(["application/vnd.example.sbom", "application/vnd.example.sig"] * 2
                                 + ["application/vnd.example.sbom"]):
            manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": kind,
                                   "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
                                   "layers": [], "subject": subject,
                                   "annotations": {"org.example.n": str(i)}}).encode()
            api.push_manifest("conf/app", sha(manifest), manifest)
            made.append((sha(manifest), kind, str(i)))
        return made

    def test_referrers_of_an_unknown_subject_is_an_empty_index(self, api, pushed):
        response = api.get(f"/v2/conf/app/referrers/{MISSING}")
        assert response.status_code == 200 and response.headers["content-type"] == OCI_INDEX
        assert response.json() == {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}

    def test_referrers_list_every_artifact_with_its_annotations(self, api, pushed, referrers):
        response = api.get(f"/v2/conf/app/referrers/{pushed['digest']}")
        assert response.status_code == 200
        found = {(d["digest"], d["artifactType"], d["annotations"]["org.example.n"])
                 for d in response.json()["manifests"]}
        assert found == set(referrers)
        assert "oci-filters-applied" not in response.headers

    def test_referrers_filtered_by_artifact_type(self, api, pushed, referrers):
        response = api.get(f"/v2/conf/app/referrers/{pushed['digest']}",
                           params={"artifactType": "application/vnd.example.sig"})
        assert response.headers["oci-filters-applied"] == "artifactType"
        assert {d["digest"] for d in response.json()["manifests"]} == {
            d for d, kind, _ in referrers if kind == "application/vnd.example.sig"}

    def test_referrers_of_a_missing_subject_manifest(self, api):
        api.push_blob("conf/app", EMPTY)
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "x/y",
                               "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
                               "layers": [], "subject": {"mediaType": OCI_MANIFEST, "digest": MISSING,
                                                         "size": 1}}).encode()
        api.push_manifest("conf/app", sha(manifest), manifest)
        listed = api.get(f"/v2/conf/app/referrers/{MISSING}").json()["manifests"]
        assert [d["digest"] for d in listed] == [sha(manifest)]

    def test_referrers_with_a_bad_digest(self, api):
        response = api.get("/v2/conf/app/referrers/sha256:nope")
        assert response.status_code == 400 and api.error_codes(response) == ["DIGEST_INVALID"]


# -- Content management -----------------------------------------------------------------------------


class TestContentManagement:
    def test_delete_a_tag(self, api, pushed):
        api.push_manifest("conf/app", "2.0", pushed["manifest"])
        assert api.delete("/v2/conf/app/manifests/1.0").status_code == 202
        assert api.get("/v2/conf/app/manifests/1.0").status_code == 404
        assert api.get(f"/v2/conf/app/manifests/{pushed['digest']}").status_code == 200
        assert api.get("/v2/conf/app/tags/list").json()["tags"] == ["2.0"]

    def test_delete_a_manifest_removes_every_tag_on_it(self, api, pushed):
        api.push_manifest("conf/app", "2.0", pushed["manifest"])
        assert api.delete(f"/v2/conf/app/manifests/{pushed['digest']}").status_code == 202
        for reference in (pushed["digest"], "1.0", "2.0"):
            assert api.get(f"/v2/conf/app/manifests/{reference}").status_code == 404
        assert api.get("/v2/conf/app/tags/list").json()["tags"] == []

    def test_delete_a_blob(self, api, pushed):
        orphan = api.push_blob("conf/app", b"not in any manifest")
        assert api.delete(f"/v2/conf/app/blobs/{orphan}").status_code == 202
        assert api.get(f"/v2/conf/app/blobs/{orphan}").status_code == 404
        assert api.delete(f"/v2/conf/app/blobs/{orphan}").status_code == 404

    def test_delete_manifest_before_its_blobs(self, api, pushed):
        refused = api.delete(f"/v2/conf/app/blobs/{pushed['layer_digest']}")
        assert refused.status_code == 403 and api.error_codes(refused) == ["DENIED"]
        api.delete(f"/v2/conf/app/manifests/{pushed['digest']}")
        assert api.delete(f"/v2/conf/app/blobs/{pushed['layer_digest']}").status_code == 202

    def test_deleting_unknown_things(self, api, pushed):
        assert api.error_codes(api.delete(f"/v2/conf/app/manifests/{MISSING}")) == ["MANIFEST_UNKNOWN"]
        assert api.error_codes(api.delete("/v2/conf/app/manifests/nope")) == ["MANIFEST_UNKNOWN"]
        assert api.error_codes(api.delete(f"/v2/conf/never/manifests/{MISSING}")) == ["NAME_UNKNOWN"]

    def test_every_request_left_events_in_the_model(self, api, registry):
        data = b"evented"
        api.push_blob("conf/app", data)
        kinds = [type(e).__name__ for e in registry.events]
        # the bytes came with the closing PUT: an UploadProgressed like any chunk (issue 16: no
        # change without an event)
        assert kinds == ["RegistryCreated", "UploadStarted", "UploadProgressed", "RepositoryCreated", "BlobUploaded"]
        assert registry.events.of(BlobUploaded)[0].digest == sha(data)
