"""``serve --mirror-of``: a pull-through cache in front of an upstream registry (issue 18, item 1).

Every test counts what reached the upstream (its own request log), not what the mirror says it did.
"""

from __future__ import annotations

import concurrent.futures
import json
import re

import httpx
import pytest

from regsim import Registry
from regsim.errors import InvalidArgument
from regsim.server import serve
from regsim.server.mirror import Mirror
from regsim.server.ratelimit import HUB_MESSAGE

LAYERS = [b"busybox binary " * 4000, b"etc files"]


def upstream_counts(server) -> dict[str, int]:
    """What ``server`` was asked, by kind (a 401 challenge is not a request anyone pays for)."""
    counts = {"manifest_get": 0, "manifest_head": 0, "blob_get": 0, "blob_head": 0}
    for record in server.requests:
        kind = re.match(r"^/v2/.+/(manifests|blobs)/[^/]+$", record.path)
        if kind is None or record.status == 401 or record.method not in ("GET", "HEAD"):
            continue
        counts[f"{kind.group(1)[:-1]}_{record.method.lower()}"] += 1
    return counts


def delta(server, before: dict[str, int]) -> dict[str, int]:
    return {k: v - before[k] for k, v in upstream_counts(server).items() if v != before[k]}


@pytest.fixture
def hub(api_for):
    """The upstream: Docker Hub's accounting (10 pulls per hour) and library/busybox:1."""
    with serve(Registry("hub"), rate_limit="10/h") as server:
        api = api_for(server)
        digest, data = api.push_image("library/busybox", "1", LAYERS)
        server.pushed = (digest, json.loads(data))
        yield server


def make_mirror(hub, registry=None, **options):
    return serve(registry if registry is not None else Registry("mirror"), mirror=Mirror(hub.url, **options))


def pull(client: httpx.Client, name: str = "library/busybox", tag: str = "1") -> list[bytes]:
    """What docker does: the manifest by tag, then each blob it lists; returns the blobs."""
    answer = client.get(f"/v2/{name}/manifests/{tag}")
    assert answer.status_code == 200, answer.text
    manifest = answer.json()
    out = []
    for desc in [manifest["config"], *manifest["layers"]]:
        blob = client.get(f"/v2/{name}/blobs/{desc['digest']}")
        assert blob.status_code == 200, blob.text
        out.append(blob.content)
    return out


def test_first_pull_fetches_each_blob_once_and_streams_it_whole(hub):
    with make_mirror(hub) as mirror, httpx.Client(base_url=mirror.url) as client:
        before = upstream_counts(hub)
        blobs = pull(client)
        assert blobs[1:] == LAYERS
        assert delta(hub, before) == {"manifest_get": 1, "blob_get": 3}
        stats = client.get("/mirror/stats").json()
        assert stats["upstream"] == {"manifest_get": 1, "manifest_head": 0, "blob_get": 3, "blob_head": 0}
        assert stats["misses"] == 4 and stats["hits"] == 0
        assert stats["quota_limit"] == 10 and stats["quota_remaining"] == 9


def test_a_second_pull_within_the_ttl_asks_the_upstream_nothing(hub):
    with make_mirror(hub) as mirror, httpx.Client(base_url=mirror.url) as client:
        first = pull(client)
        before = upstream_counts(hub)
        assert pull(client) == first
        assert delta(hub, before) == {}
        assert [e.outcome for e in mirror.app.mirror.events][-4:] == ["hit"] * 4


def test_after_the_ttl_head_first_revalidates_without_spending_a_pull(hub):
    with make_mirror(hub, ttl=0) as mirror, httpx.Client(base_url=mirror.url) as client:
        pull(client)
        quota = client.get("/mirror/stats").json()["quota_remaining"]
        before = upstream_counts(hub)
        pull(client)
        assert delta(hub, before) == {"manifest_head": 1}
        assert client.get("/mirror/stats").json()["quota_remaining"] == quota


def test_get_revalidation_spends_a_pull_each_time(hub):
    with make_mirror(hub, ttl=0, revalidate="get") as mirror, httpx.Client(base_url=mirror.url) as client:
        pull(client)
        before = upstream_counts(hub)
        pull(client)
        assert delta(hub, before) == {"manifest_get": 1}
        assert client.get("/mirror/stats").json()["quota_remaining"] == 8


def test_a_moved_tag_is_seen_after_the_ttl(hub, api_for):
    with make_mirror(hub, ttl=0) as mirror, httpx.Client(base_url=mirror.url) as client:
        pull(client)
        new_digest, _ = api_for(hub).push_image("library/busybox", "1", [b"a new layer"])
        before = upstream_counts(hub)
        answer = client.get("/v2/library/busybox/manifests/1")
        assert answer.headers["docker-content-digest"] == new_digest
        assert delta(hub, before) == {"manifest_head": 1, "manifest_get": 1}


def test_a_tag_by_digest_is_served_locally_for_ever(hub):
    digest, _ = hub.pushed
    with make_mirror(hub, ttl=0) as mirror, httpx.Client(base_url=mirror.url) as client:
        assert client.get(f"/v2/library/busybox/manifests/{digest}").status_code == 200
        before = upstream_counts(hub)
        assert client.get(f"/v2/library/busybox/manifests/{digest}").status_code == 200
        assert delta(hub, before) == {}


def test_one_component_names_are_library_images(hub):
    with make_mirror(hub) as mirror, httpx.Client(base_url=mirror.url) as client:
        assert pull(client, "busybox")[1:] == LAYERS
        before = upstream_counts(hub)
        pull(client, "library/busybox")  # the same images, stored once
        assert delta(hub, before) == {}


def test_a_head_through_the_mirror_never_spends_a_pull(hub):
    with make_mirror(hub) as mirror, httpx.Client(base_url=mirror.url) as client:
        head = client.head("/v2/library/busybox/manifests/1")
        assert head.status_code == 200 and head.headers["docker-content-digest"] == hub.pushed[0]
        assert delta(hub, {k: 0 for k in upstream_counts(hub)}) .get("manifest_get", 0) == 0


@pytest.mark.parametrize("method,path", [
    ("POST", "/v2/library/busybox/blobs/uploads/"),
    ("PUT", "/v2/library/busybox/manifests/2"),
    ("DELETE", "/v2/library/busybox/manifests/1"),
    ("DELETE", "/v2/library/busybox/blobs/sha256:" + "a" * 64),
])
def test_pushes_and_deletes_are_refused_as_distributions_proxy_does(hub, method, path):
    with make_mirror(hub) as mirror, httpx.Client(base_url=mirror.url) as client:
        pull(client)
        stored = mirror.registry.snapshot()
        refused = client.request(method, path, content=b"{}")
        assert refused.status_code == 405
        assert refused.json()["errors"][0]["code"] == "UNSUPPORTED"
        assert mirror.registry.snapshot() == stored


def test_when_the_upstream_is_down_stored_images_still_pull(api_for):
    upstream = serve(Registry("hub"))
    try:
        api_for(upstream).push_image("library/busybox", "1", LAYERS)
        with make_mirror(upstream, ttl=0) as mirror, httpx.Client(base_url=mirror.url) as client:
            first = pull(client)
            upstream.stop()
            assert pull(client) == first  # stale, but served
            assert client.get("/mirror/stats").json()["stale"] == 1
            missing = client.get("/v2/library/alpine/manifests/3")
            assert missing.status_code == 503
            assert missing.json()["errors"][0]["code"] == "UNAVAILABLE"
            assert "cannot be reached" in missing.json()["errors"][0]["message"]
    finally:
        upstream.stop()


def test_the_upstreams_429_reaches_the_client_with_docker_hubs_message(api_for):
    with serve(Registry("hub"), rate_limit="1/h") as upstream:
        api_for(upstream).push_image("library/busybox", "1", LAYERS)
        api_for(upstream).push_image("library/alpine", "3", [b"alpine"])
        with make_mirror(upstream) as mirror, httpx.Client(base_url=mirror.url) as client:
            pull(client)
            refused = client.get("/v2/library/alpine/manifests/3")
            assert refused.status_code == 429
            assert refused.json()["errors"][0] == {**refused.json()["errors"][0], "code": "TOOMANYREQUESTS",
                                                   "message": HUB_MESSAGE}
            assert refused.headers["ratelimit-remaining"] == "0;w=3600"
            assert client.get("/mirror/stats").json()["rate_limited"] == 1
            pull(client)  # what is stored still pulls


def test_with_data_the_cache_survives_a_restart(hub, tmp_path):
    with make_mirror(hub, Registry.open(tmp_path / "store", "mirror")) as mirror, \
            httpx.Client(base_url=mirror.url) as client:
        first = pull(client)
    assert list((tmp_path / "store").rglob("data"))
    before = upstream_counts(hub)
    with make_mirror(hub, Registry.open(tmp_path / "store", "mirror")) as mirror, \
            httpx.Client(base_url=mirror.url) as client:
        assert pull(client) == first
    assert delta(hub, before) == {"manifest_head": 1}  # a restarted mirror revalidates its tags


def test_upstream_credentials_answer_a_bearer_challenge(api_for):
    upstream_registry = Registry("hub", access="namespaces")
    upstream_registry.add_user("ci", "ci-secret")
    with serve(upstream_registry, rate_limit="5/h") as upstream:
        api_for(upstream, auth=("ci", "ci-secret")).push_image("ci/app", "1", LAYERS)
        upstream_registry.set_visibility("ci/app", "private", auth=upstream_registry.login("ci", "ci-secret"))
        with serve(Registry("m1"), mirror=Mirror(upstream.url)) as anonymous, \
                httpx.Client(base_url=anonymous.url) as client:
            assert client.get("/v2/ci/app/manifests/1").status_code == 401
        with serve(Registry("m2"), mirror=Mirror(upstream.url, username="ci", password="ci-secret")) as mirror, \
                httpx.Client(base_url=mirror.url) as client:
            assert pull(client, "ci/app")[1:] == LAYERS
            assert client.get("/mirror/stats").json()["quota_remaining"] == 4


def test_two_clients_asking_for_the_same_missing_blob_cause_one_fetch(hub):
    _, manifest = hub.pushed
    layer = manifest["layers"][0]["digest"]
    with make_mirror(hub) as mirror:
        before = upstream_counts(hub)

        def get(_):
            with httpx.Client(base_url=mirror.url) as client:
                return client.get(f"/v2/library/busybox/blobs/{layer}").content

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            assert list(pool.map(get, range(4))) == [LAYERS[0]] * 4
        assert delta(hub, before) == {"blob_get": 1}


def test_every_decision_is_an_event_with_its_upstream_cost(hub):
    with make_mirror(hub) as mirror, httpx.Client(base_url=mirror.url) as client:
        pull(client)
        events = list(mirror.app.mirror.events)
        assert [(e.outcome, e.kind, e.upstream) for e in events] == [
            ("fetched", "manifest", ("manifest GET",))] + [("fetched", "blob", ("blob GET",))] * 3
        assert events[0].quota_remaining == 9
        assert "mirror fetched: manifest library/busybox:1" in events[0].describe()


@pytest.mark.parametrize("kwargs,message", [
    ({"upstream": "ftp://x"}, "registry's URL"),
    ({"upstream": "http://x/some/path"}, "registry's URL"),
    ({"upstream": "http://x", "ttl": -1}, "ttl"),
    ({"upstream": "http://x", "revalidate": "post"}, "revalidate"),
    ({"upstream": "http://x", "username": "a"}, "both"),
])
def test_bad_settings_are_refused_naming_them(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        Mirror(**kwargs)


def test_docker_io_means_docker_hubs_registry():
    assert Mirror("docker.io").url == "https://registry-1.docker.io"


def test_docker_s_head_then_get_by_digest_tags_the_manifest_here(hub):
    """docker asks HEAD <tag>, then GET <digest>: the next pull of the tag is then all hits."""
    digest, manifest = hub.pushed
    with make_mirror(hub) as mirror, httpx.Client(base_url=mirror.url) as client:
        before = upstream_counts(hub)
        assert client.head("/v2/library/busybox/manifests/1").headers["docker-content-digest"] == digest
        assert client.get(f"/v2/library/busybox/manifests/{digest}").status_code == 200
        assert delta(hub, before) == {"manifest_head": 1, "manifest_get": 1}
        before = upstream_counts(hub)
        assert client.head("/v2/library/busybox/manifests/1").headers["docker-content-digest"] == digest
        assert client.get(f"/v2/library/busybox/manifests/{digest}").status_code == 200
        assert delta(hub, before) == {}


def test_a_manifest_stored_before_its_layers_survives_a_restart(hub, tmp_path):
    """A client that fetched only the manifest (a HEAD-only tool, or a pull cut short): the store
    opens again with it (Registry.open(..., sparse=True), as serve --mirror-of --data does)."""
    store = tmp_path / "store"
    with make_mirror(hub, Registry.open(store, "mirror", sparse=True)) as mirror, \
            httpx.Client(base_url=mirror.url) as client:
        assert client.get("/v2/library/busybox/manifests/1").status_code == 200
    reopened = Registry.open(store, "mirror", sparse=True)
    assert reopened.load_problems == []
    assert reopened.resolve("library/busybox", "1").digest == hub.pushed[0]


def test_cli_serves_a_mirror(hub, tmp_path):
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--mirror-of", hub.url,
                                "--data", str(tmp_path / "store")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        banner = [process.stdout.readline() for _ in range(4)]
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", banner[0]).group(1)
        assert f"mirror of {hub.url}" in "".join(banner)
        with httpx.Client(base_url=url) as client:
            pull(client)
            assert client.get("/mirror/stats").json()["blob_misses"] == 3
            assert client.put("/v2/library/busybox/manifests/2", content=b"{}").status_code == 405
        line = process.stdout.readline()
        while "mirror fetched: manifest" not in line:
            line = process.stdout.readline()
        assert "library/busybox:1" in line and "upstream: manifest GET" in line
    finally:
        process.terminate()
        process.wait(10)
    assert process.returncode == 0


def test_cli_refuses_a_mirror_with_access_rules(capsys):
    from regsim.cli import main

    assert main(["serve", "--port", "0", "--mirror-of", "http://127.0.0.1:1", "--access", "htpasswd"]) == 1
    assert "--mirror-of serves an open cache" in capsys.readouterr().err


def test_a_mirror_needs_an_open_registry():
    from regsim.server.app import RegistryApp

    with pytest.raises(InvalidArgument, match="not 'htpasswd'"):
        RegistryApp(Registry("m", access="htpasswd"), mirror=Mirror("http://127.0.0.1:1"))


def test_a_client_that_hangs_up_does_not_stop_the_fetch(hub):
    """The blob is stored all the same, so the client's retry is a hit."""
    import socket
    import time
    from urllib.parse import urlsplit

    import hashlib

    big = bytes(range(256)) * (64 << 10)  # 16 MiB: more than the sockets buffer
    layer = "sha256:" + hashlib.sha256(big).hexdigest()
    with httpx.Client(base_url=hub.url) as client:
        started = client.post("/v2/library/busybox/blobs/uploads/")
        client.put(started.headers["location"], params={"digest": layer}, content=big)
    with make_mirror(hub) as mirror:
        host, port = urlsplit(mirror.url).hostname, urlsplit(mirror.url).port
        with socket.create_connection((host, port)) as sock:
            sock.sendall(f"GET /v2/library/busybox/blobs/{layer} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert sock.recv(64).startswith(b"HTTP/1.1 200")
        deadline = time.monotonic() + 10
        while mirror.app.mirror.counters.blob_misses == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = upstream_counts(hub)
        with httpx.Client(base_url=mirror.url) as client:
            assert client.get(f"/v2/library/busybox/blobs/{layer}").content == big
        assert delta(hub, before) == {}


def test_bytes_that_do_not_match_their_digest_are_neither_stored_nor_finished(tmp_path):
    """An upstream whose stored blob was damaged: the client's download fails, nothing is stored."""
    upstream_registry = Registry.open(tmp_path / "hub", "hub")
    with serve(upstream_registry) as upstream:
        with httpx.Client(base_url=upstream.url) as client:
            import hashlib

            data = b"the real layer " * 100
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            started = client.post("/v2/library/busybox/blobs/uploads/")
            client.put(started.headers["location"], params={"digest": digest}, content=data)
        path = next((tmp_path / "hub").rglob(f"{digest.removeprefix('sha256:')}/data"))
        path.write_bytes(b"X" * len(data))  # same size, other bytes
        with make_mirror(upstream) as mirror, httpx.Client(base_url=mirror.url) as client:
            with pytest.raises(httpx.HTTPError):
                client.get(f"/v2/library/busybox/blobs/{digest}").read()
            assert mirror.registry.blobs.get(digest) is None
            assert [e.outcome for e in mirror.app.mirror.events] == ["passed"]
