"""Issue 16: ``POST /admin/gc?delete_untagged=1`` beside pushes. An index push sends its child
manifests by digest (untagged) before the index: gc must keep manifests pushed by digest within
the grace, as it keeps blobs uploaded within it."""

from __future__ import annotations

import json

from regsim import Image, Layer, Registry
from regsim.oci.mediatypes import OCI_INDEX
from regsim.server import serve

from helpers import push_image


def _child(text: str) -> Image:
    return Image.create([Layer.from_files([(f"/{text}", text.encode())])])


def _push_by_digest(api, repo: str, image: Image) -> None:
    for blob in image.blobs():
        assert api.post(f"/v2/{repo}/blobs/uploads/", params={"digest": str(blob.digest)},
                        content=blob.data).status_code == 201
    put = api.put(f"/v2/{repo}/manifests/{image.digest}", content=image.manifest_bytes,
                  headers={"Content-Type": image.media_type})
    assert put.status_code == 201, put.text


def _index(*images: Image) -> bytes:
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                       "manifests": [{"mediaType": i.media_type, "digest": str(i.digest),
                                      "size": len(i.manifest_bytes)} for i in images]}).encode()


def test_online_gc_keeps_manifests_pushed_by_digest_within_the_grace(api_for):
    # issue 16: 18 of 18 index pushes failed with MANIFEST_BLOB_UNKNOWN when gc ran between the
    # children and the index (the grace kept recent blobs, not child manifests pushed by digest)
    registry = Registry("localhost:5000")
    old = _child("old")
    push_image(registry, "team/app", old)  # untagged before the server started: gc deletes it
    amd, arm = _child("amd"), _child("arm")
    with serve(registry) as server:  # default grace: minutes
        api = api_for(server)
        _push_by_digest(api, "team/app", amd)
        _push_by_digest(api, "team/app", arm)
        gc = api.post("/admin/gc", params={"delete_untagged": "1"}).json()
        assert gc["deleted_manifests"] == [f"team/app@{old.digest}"]
        put = api.put("/v2/team/app/manifests/1.0", content=_index(amd, arm), headers={"Content-Type": OCI_INDEX})
        assert put.status_code == 201, put.text
        assert api.get(f"/v2/team/app/blobs/{amd.layers[0].digest}").status_code == 200
    with serve(registry, gc_grace=0) as server:  # no grace: distribution's offline behaviour
        api = api_for(server)
        other = _child("other")
        _push_by_digest(api, "team/app", other)
        gc = api.post("/admin/gc", params={"delete_untagged": "1"}).json()
        assert gc["deleted_manifests"] == [f"team/app@{other.digest}"]
        put = api.put("/v2/team/app/manifests/2.0", content=_index(other), headers={"Content-Type": OCI_INDEX})
        assert put.status_code == 400 and "MANIFEST_BLOB_UNKNOWN" in put.text


def test_index_pushes_beside_a_gc_loop_all_succeed(api_for):
    """The issue's measurement, bounded by count: index pushes (children by digest, then the
    index by tag) from 3 clients while another keeps POSTing /admin/gc?delete_untagged=1."""
    import threading

    import httpx

    registry = Registry("localhost:5000")
    failures: list[str] = []
    done = threading.Event()
    with serve(registry) as server:
        def pusher(worker: int) -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                for n in range(3):
                    children = [_child(f"w{worker}-{n}-{arch}") for arch in ("amd", "arm")]
                    for child in children:
                        _push_by_digest(http, f"team/w{worker}", child)
                    put = http.put(f"/v2/team/w{worker}/manifests/{n}", content=_index(*children),
                                   headers={"Content-Type": OCI_INDEX})
                    if put.status_code != 201:
                        failures.append(f"worker {worker} index {n}: {put.status_code} {put.text}")

        def collector() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                while not done.is_set():
                    assert http.post("/admin/gc", params={"delete_untagged": "1"}).status_code == 200

        gc = threading.Thread(target=collector)
        gc.start()
        workers = [threading.Thread(target=pusher, args=(w,)) for w in range(3)]
        for t in workers:
            t.start()
        for t in workers:
            t.join(120)
        done.set()
        gc.join(60)
    assert failures == []
    assert sum(len(repo.tags) for repo in registry.repositories.values()) == 9
