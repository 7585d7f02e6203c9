"""Access control over HTTP: anonymous pulls, basic auth, and the Docker bearer-token flow."""

from __future__ import annotations

import base64

import pytest

from regsim import Registry
from regsim.errors import Unauthorized
from regsim.events import UserLoggedIn
from regsim.server import serve
from regsim.server.auth import TokenIssuer, parse_scopes


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def challenge(response) -> dict[str, str]:
    scheme, _, params = response.headers["www-authenticate"].partition(" ")
    out = {"scheme": scheme}
    for part in params.split('",'):
        key, _, value = part.partition("=")
        out[key.strip()] = value.strip('"')
    return out


# -- an open registry -------------------------------------------------------------------------------


def test_an_open_registry_never_challenges(api):
    assert api.get("/v2/").status_code == 200
    assert api.get("/v2/", headers={"Authorization": "Basic garbage"}).status_code == 200
    assert api.push_blob("any/repo", b"x")


# -- registry:2 with htpasswd: basic auth -----------------------------------------------------------


@pytest.fixture
def htpasswd(api_for):
    registry = Registry.private("localhost:5000", users={"ci": "ci-pw"})
    with serve(registry) as server:
        yield registry, api_for(server)


def test_basic_auth_challenges_and_logs_in_once(htpasswd):
    registry, api = htpasswd
    ping = api.get("/v2/")
    assert ping.status_code == 401 and codes(ping) == ["UNAUTHORIZED"]
    assert ping.headers["www-authenticate"] == 'Basic realm="regsim"'
    assert api.get("/v2/", headers=basic("ci", "wrong")).status_code == 401
    assert api.get("/v2/", headers=basic("ci", "ci-pw")).status_code == 200
    api.http.headers.update(basic("ci", "ci-pw"))
    digest = api.push_blob("team/app", b"data")
    assert api.get(f"/v2/team/app/blobs/{digest}").content == b"data"
    assert [e.user for e in registry.events.of(UserLoggedIn)] == ["ci"]
    del api.http.headers["authorization"]
    anonymous = api.get(f"/v2/team/app/blobs/{digest}")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("header", ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Digest x=y",
                                    "Bearer not.a-token"])
def test_malformed_credentials_are_unauthorized(htpasswd, header):
    registry, api = htpasswd
    response = api.get("/v2/team/app/tags/list", headers={"Authorization": header})
    assert response.status_code == 401 and codes(response) == ["UNAUTHORIZED"]
    assert registry.events.of(UserLoggedIn) == []


# -- Docker Hub: namespaces, public and private repositories, bearer tokens -------------------------


@pytest.fixture
def hub(api_for):
    registry = Registry.hub("docker.io")
    for user in ("alice", "bob"):
        registry.add_user(user, f"{user}-pw")
    with serve(registry) as server:
        api = api_for(server)
        alice = registry.login("alice", "alice-pw")
        registry.push_blob("alice/public", b"public layer", auth=alice)
        registry.push_blob("alice/secret", b"secret layer", auth=alice)
        registry.set_visibility("alice/secret", "private", auth=alice)
        yield registry, api, server


def token_for(api, *scopes: str, headers=None) -> str:
    response = api.get("/token", params=[("service", "docker.io"), *(("scope", s) for s in scopes)],
                       headers=headers or {})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"] == body["access_token"] and body["expires_in"] > 0
    return body["token"]


def test_the_ping_challenges_with_the_token_realm(hub):
    registry, api, server = hub
    ping = api.get("/v2/")
    assert ping.status_code == 401
    assert challenge(ping) == {"scheme": "Bearer", "realm": f"{server.url}/token", "service": "docker.io"}
    assert api.get("/v2/", headers=bearer(token_for(api))).status_code == 200


def test_anonymous_pull_of_a_public_repository(hub):
    registry, api, _ = hub
    digest = next(iter(registry.repository("alice/public").blobs))
    untokened = api.get(f"/v2/alice/public/blobs/{digest}")  # as Docker Hub: fetch a token first
    assert untokened.status_code == 401 and challenge(untokened)["scope"] == "repository:alice/public:pull"
    token = token_for(api, "repository:alice/public:pull")
    assert api.get(f"/v2/alice/public/blobs/{digest}", headers=bearer(token)).status_code == 200


def test_anonymous_push_is_challenged_with_the_scope_it_needs(hub):
    registry, api, server = hub
    response = api.post("/v2/alice/public/blobs/uploads/")
    assert response.status_code == 401 and codes(response) == ["UNAUTHORIZED"]
    assert challenge(response)["scope"] == "repository:alice/public:pull,push"
    token = token_for(api, "repository:alice/public:pull,push")  # anonymous: only pull is granted
    refused = api.post("/v2/alice/public/blobs/uploads/", headers=bearer(token))
    assert refused.status_code == 401 and challenge(refused)["error"] == "insufficient_scope"


def test_the_token_flow_for_a_push(hub):
    registry, api, _ = hub
    token = token_for(api, "repository:alice/app:pull,push", headers=basic("alice", "alice-pw"))
    api.http.headers.update(bearer(token))
    digest = api.push_blob("alice/app", b"pushed with a token")
    assert registry.repository("alice/app").has_blob(digest)
    elsewhere = api.post("/v2/bob/app/blobs/uploads/")  # the token does not cover bob/app
    assert elsewhere.status_code == 401 and challenge(elsewhere)["scope"] == "repository:bob/app:pull,push"


def test_the_token_endpoint_grants_only_what_the_model_allows(hub):
    registry, api, _ = hub
    token = token_for(api, "repository:bob/app:pull,push repository:alice/secret:pull",
                      headers=basic("alice", "alice-pw"))
    assert api.post("/v2/bob/app/blobs/uploads/", headers=bearer(token)).status_code == 401
    digest = next(iter(registry.repository("alice/secret").blobs))
    assert api.get(f"/v2/alice/secret/blobs/{digest}", headers=bearer(token)).status_code == 200
    bad = api.get("/token", params={"scope": "repository:alice/app:push"}, headers=basic("alice", "nope"))
    assert bad.status_code == 401 and codes(bad) == ["UNAUTHORIZED"]


def test_a_private_repository(hub):
    registry, api, _ = hub
    digest = next(iter(registry.repository("alice/secret").blobs))
    path = f"/v2/alice/secret/blobs/{digest}"
    anonymous = api.get(path)
    assert anonymous.status_code == 401 and challenge(anonymous)["scope"] == "repository:alice/secret:pull"
    assert api.get(path, headers=basic("bob", "bob-pw")).status_code == 403
    assert codes(api.get(path, headers=basic("bob", "bob-pw"))) == ["DENIED"]
    assert api.get(path, headers=basic("alice", "alice-pw")).content == b"secret layer"
    catalog = api.get("/v2/_catalog", headers=bearer(token_for(api, "registry:catalog:*")))
    assert catalog.json()["repositories"] == ["alice/public"]
    mine = api.get("/v2/_catalog", headers=basic("alice", "alice-pw"))
    assert mine.json()["repositories"] == ["alice/public", "alice/secret"]


def test_a_mount_from_a_repository_the_caller_may_not_read_uploads_instead(hub):
    registry, api, _ = hub
    digest = next(iter(registry.repository("alice/secret").blobs))
    token = token_for(api, "repository:bob/app:pull,push repository:alice/secret:pull", headers=basic("bob", "bob-pw"))
    response = api.post("/v2/bob/app/blobs/uploads/", params={"mount": digest, "from": "alice/secret"},
                        headers=bearer(token))
    assert response.status_code == 202  # not mounted: an upload session instead
    automatic = api.post("/v2/bob/app/blobs/uploads/", params={"mount": digest}, headers=bearer(token))
    assert automatic.status_code == 202  # automatic mount never looks into repositories bob cannot pull
    assert "bob/app" not in registry.repositories  # upload sessions create no repository


def test_forged_expired_and_foreign_tokens(hub):
    registry, api, server = hub
    token = token_for(api, "repository:alice/public:pull")
    body, _, signature = token.partition(".")
    forged = body + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    assert api.get("/v2/alice/public/tags/list", headers=bearer(forged)).status_code == 401
    other = TokenIssuer("docker.io").mint(None, [("alice/public", "pull")])[0]
    assert api.get("/v2/alice/public/tags/list", headers=bearer(other)).status_code == 401


def test_token_issuer():
    now = [1000.0]
    issuer = TokenIssuer("reg", secret=b"k", ttl=60, clock=lambda: now[0])
    token, ttl = issuer.mint("alice", [("a/b", "pull"), ("a/b", "push")])
    grant = issuer.verify(token)
    assert ttl == 60 and grant.user == "alice" and grant.allows("a/b", "push") and not grant.allows("a/c", "pull")
    assert TokenIssuer("reg", secret=b"k", clock=lambda: 1000.0).mint("alice", [("a/b", "pull")])[0] == \
        TokenIssuer("reg", secret=b"k", clock=lambda: 1000.0).mint("alice", [("a/b", "pull")])[0]
    now[0] += 61
    with pytest.raises(Unauthorized, match="expired"):
        issuer.verify(token)
    with pytest.raises(Unauthorized, match="not issued by this registry"):
        TokenIssuer("other", secret=b"k", clock=lambda: 1000.0).verify(token)
    with pytest.raises(Unauthorized):
        issuer.verify("garbage")


@pytest.mark.parametrize("value, expected", [
    ("repository:a/b:pull", [("repository", "a/b", {"pull"})]),
    ("repository:a/b:pull,push repository:c:pull", [("repository", "a/b", {"pull", "push"}),
                                                     ("repository", "c", {"pull"})]),
    ("repository:localhost:5000/a:*", [("repository", "localhost:5000/a", {"*"})]),
    ("registry:catalog:*", [("registry", "catalog", {"*"})]),
])
def test_parse_scopes(value, expected):
    assert [(s.type, s.name, set(s.actions)) for s in parse_scopes([value])] == expected


@pytest.mark.parametrize("value", ["repository", "repository:a", ":a:pull", "repository::pull"])
def test_malformed_scopes(value):
    with pytest.raises(Unauthorized, match="invalid scope"):
        parse_scopes([value])
