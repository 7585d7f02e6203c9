"""The mirror's live picture (issue 18, item 5): drawn from a real mirror's events."""

from __future__ import annotations

import httpx

from regsim import Registry
from regsim.server import serve
from regsim.server.mirror import Mirror
from regsim.viz import MirrorLiveView, draw_mirror, mirror_series


def _push(url: str) -> tuple[str, bytes]:
    """library/busybox:1 with two layers, pushed over HTTP; its digest and manifest."""
    import hashlib
    import json

    def blob(client, data: bytes) -> dict:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        started = client.post("/v2/library/busybox/blobs/uploads/")
        client.put(started.headers["location"], params={"digest": digest}, content=data)
        return {"digest": digest, "size": len(data)}

    with httpx.Client(base_url=url) as client:
        layers = [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **blob(client, d)} for d in (b"one", b"two")]
        config = {"mediaType": "application/vnd.oci.image.config.v1+json", **blob(client, b"{}")}
        data = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": config, "layers": layers}).encode()
        client.put("/v2/library/busybox/manifests/1", content=data,
                   headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    return "sha256:" + hashlib.sha256(data).hexdigest(), data


def _pull(client, api_digest_manifest):
    digest, manifest = api_digest_manifest
    client.head("/v2/library/busybox/manifests/1")
    client.get(f"/v2/library/busybox/manifests/{digest}")
    for desc in [manifest["config"], *manifest["layers"]]:
        client.get(f"/v2/library/busybox/blobs/{desc['digest']}")


def test_the_picture_counts_what_the_mirror_did():
    import json

    with serve(Registry("hub"), rate_limit="10/h") as upstream:
        digest, data = _push(upstream.url)
        with serve(Registry("mirror"), mirror=Mirror(upstream.url)) as mirror, \
                httpx.Client(base_url=mirror.url) as client:
            view = MirrorLiveView(mirror)
            for _ in range(2):
                _pull(client, (digest, json.loads(data)))
            events = list(mirror.app.mirror.events)
            series = mirror_series(events)
            # first pull: HEAD passed on, manifest + 3 blobs fetched; second: all 5 from the store
            assert series["fetched"][-1] == 4 and series["hits"][-1] == 5
            assert series["quota"][-1] == 9 and series["pulls"][-1] == 1
            fig = view.refresh()
            assert [ax.get_title() for ax in fig.axes] == [
                "mirror: 5 served from its store, 4 fetched", "upstream quota: 9 of 10 pulls left"]
            assert bytes(view.image.value[:4]) == b"\x89PNG"
            view.close()
            shown = bytes(view.image.value)
            client.get("/v2/library/busybox/manifests/1")  # after close: no redraw
            import time

            time.sleep(view.quiet * 3)
            assert bytes(view.image.value) == shown


def test_without_ratelimit_headers_the_quota_panel_says_so():
    fig = draw_mirror([{"outcome": "fetched", "kind": "blob", "upstream": ("blob GET",), "quota_remaining": None}])
    assert fig.axes[1].get_title().startswith("upstream quota: not reported")
