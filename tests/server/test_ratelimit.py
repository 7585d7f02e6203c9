"""``serve --rate-limit N/PERIOD``: Docker Hub's pull accounting (issue 18, item 2)."""

from __future__ import annotations

import pytest

from regsim import Registry
from regsim.errors import InvalidArgument
from regsim.server import serve
from regsim.server.ratelimit import HUB_MESSAGE, PullLimit, RateLimiter


@pytest.fixture
def hub(api_for):
    """An upstream that counts 2 pulls per 6 hours, with one image in library/busybox:1."""
    with serve(Registry("hub"), rate_limit="2/6h") as server:
        api = api_for(server)
        digest, _ = api.push_image("library/busybox", "1", [b"busybox layer"])
        yield server, api, digest


def test_a_manifest_get_spends_a_pull_and_says_what_is_left(hub):
    _, api, _ = hub
    first = api.get("/v2/library/busybox/manifests/1")
    assert first.status_code == 200
    assert first.headers["ratelimit-limit"] == "2;w=21600"
    assert first.headers["ratelimit-remaining"] == "1;w=21600"
    assert first.headers["docker-ratelimit-source"] == "127.0.0.1"


def test_a_head_is_free_and_still_reports_the_quota(hub):
    _, api, _ = hub
    for _ in range(5):
        head = api.head("/v2/library/busybox/manifests/1")
        assert head.status_code == 200
        assert head.headers["ratelimit-remaining"] == "2;w=21600"


def test_blobs_are_free(hub):
    _, api, digest = hub
    manifest = api.get(f"/v2/library/busybox/manifests/{digest}").json()
    for _ in range(4):
        assert api.get(f"/v2/library/busybox/blobs/{manifest['layers'][0]['digest']}").status_code == 200
    assert api.head("/v2/library/busybox/manifests/1").headers["ratelimit-remaining"] == "1;w=21600"


def test_past_the_limit_a_get_is_429_toomanyrequests_with_docker_hubs_message(hub):
    _, api, digest = hub
    assert api.get("/v2/library/busybox/manifests/1").status_code == 200
    assert api.get(f"/v2/library/busybox/manifests/{digest}").status_code == 200  # by digest counts too
    refused = api.get("/v2/library/busybox/manifests/1")
    assert refused.status_code == 429
    error = refused.json()["errors"][0]
    assert error["code"] == "TOOMANYREQUESTS" and error["message"] == HUB_MESSAGE
    assert refused.headers["ratelimit-remaining"] == "0;w=21600"
    assert int(refused.headers["retry-after"]) > 21000
    assert api.head("/v2/library/busybox/manifests/1").status_code == 200  # a HEAD still answers


def test_a_failed_get_spends_nothing(hub):
    _, api, _ = hub
    assert api.get("/v2/library/busybox/manifests/nope").status_code == 404
    assert api.head("/v2/library/busybox/manifests/1").headers["ratelimit-remaining"] == "2;w=21600"


def test_pulls_are_counted_per_user(api_for):
    registry = Registry("hub", access="htpasswd")
    registry.add_user("alice", "a-secret")
    registry.add_user("bob", "b-secret")
    with serve(registry, rate_limit="1/h") as server:
        alice, bob = api_for(server, auth=("alice", "a-secret")), api_for(server, auth=("bob", "b-secret"))
        alice.push_image("alice/app", "1", [b"layer"])
        assert alice.get("/v2/alice/app/manifests/1").status_code == 200
        assert alice.get("/v2/alice/app/manifests/1").status_code == 429
        ok = bob.get("/v2/alice/app/manifests/1")
        assert ok.status_code == 200 and ok.headers["docker-ratelimit-source"] == "bob"


def test_the_window_slides():
    now = [0.0]
    limiter = RateLimiter(PullLimit.parse("2/m"), clock=lambda: now[0])
    limiter.spend("a")
    now[0] = 30.0
    limiter.spend("a")
    assert limiter.remaining("a") == 0
    now[0] = 60.5  # the first pull is a minute old: forgotten
    assert limiter.remaining("a") == 1


@pytest.mark.parametrize("spec", ["", "0/6h", "100", "100/6", "100/6w", "-1/h", "1/0h", "x/h", "1e3/h"])
def test_a_bad_limit_is_refused_naming_it(spec):
    with pytest.raises(InvalidArgument, match="invalid rate limit"):
        PullLimit.parse(spec)


def test_cli_refuses_a_bad_rate_limit(capsys):
    from regsim.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--rate-limit", "lots"])
    assert "invalid rate limit 'lots'" in capsys.readouterr().err
