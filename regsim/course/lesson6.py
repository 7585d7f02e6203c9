"""Lesson 6 exercises: public and private."""

from __future__ import annotations

from typing import Any

from ..client.outcome import access_table
from ..oci.reference import parse_docker_ref
from ..registry.access import Token
from ..world import World
from ._world import fresh_world
from .workbook import WORKBOOK

#: The lesson's users and Alice's two images (the notebook makes exactly these).
USERS = {"alice": "alice-pw", "bob": "bob-pw"}
NOTES = "FROM alpine:3.17\nCOPY notes.txt /\n"
SECRET = "FROM alpine:3.17\nCOPY secret.txt /\n"
FILES = {"notes.txt": b"public notes\n", "secret.txt": b"private plans\n"}


def lesson_world() -> World:
    """Docker Hub with alice and bob, alice/notes public and alice/secret private (before any grant)."""
    world = fresh_world()
    hub = world.registries["docker.io"]
    for user, password in USERS.items():
        hub.add_user(user, password)
    laptop = world.hosts["laptop"]
    laptop.login("docker.io", "alice", USERS["alice"])
    laptop.build(NOTES, "alice/notes:1.0", context=FILES)
    laptop.push("alice/notes:1.0")
    hub.create_repository("alice/secret", private=True, auth=hub.login("alice", USERS["alice"]))
    laptop.build(SECRET, "alice/secret:1.0", context=FILES)
    laptop.push("alice/secret:1.0")
    return world


def _redis_repository() -> str:
    return parse_docker_ref("redis").name


def _anonymous_pulls() -> set[str]:
    hub = lesson_world().registries["docker.io"]
    table = access_table(hub, {"anonymous": None}, ["library/redis", "alice/notes", "alice/secret", "bob/tools"])
    return {row["REPOSITORY"] for row in table if row["anonymous"] == "allowed"}


CASES = {
    "anonymous pulls alice/secret": (None, "alice/secret", "pull"),
    "bob pushes alice/secret": ("bob", "alice/secret", "push"),
    "alice pulls bob/tools": ("alice", "bob/tools", "pull"),
    "alice pushes library/python": ("alice", "library/python", "push"),
    "alice pushes alice/new-app": ("alice", "alice/new-app", "push"),
}


def _codes() -> dict[str, str]:
    hub = lesson_world().registries["docker.io"]
    tokens: dict[str | None, Token | None] = {None: None, **{user: hub.login(user, password) for user, password in USERS.items()}}
    out = {}
    for case, (user, repository, action) in CASES.items():
        (row,) = access_table(hub, {"who": tokens[user]}, [repository], action)
        out[case] = row["who"]
    return out


def _answer_word(answer: Any) -> Any:
    """Earlier versions of the lesson asked for 'OK': accept it as access_table's 'allowed'."""
    if isinstance(answer, dict):
        return {k: "allowed" if isinstance(v, str) and v.strip().upper() == "OK" else v for k, v in answer.items()}
    return answer


def _ci_bot(answer: Any) -> str | None:
    access = getattr(answer, "access", None)
    if access is None or not hasattr(answer, "repositories"):
        return f"expected the registry (hub), got {type(answer).__name__}"
    if "ci-bot" not in access.users:
        return "there is no user 'ci-bot' on this registry: hub.add_user(...) first"
    secret = answer.repositories.get("alice/secret")
    if secret is None or secret.visibility != "private":
        return "alice/secret should exist and stay private"
    if access.allowed(None, "alice/secret", "pull", "private"):
        return "anonymous clients can pull alice/secret: it must stay private"
    for repository, visibility in (("alice/secret", "private"), ("alice/next-project", None)):
        if not access.allowed("ci-bot", repository, "pull", visibility):
            return f"ci-bot cannot pull {repository}" + (
                " (a repository alice creates later: grant the whole namespace)" if visibility is None else "")
    if access.allowed("ci-bot", "alice/secret", "push", "private"):
        return "ci-bot may push to alice/secret: it should only pull"
    if access.allowed("ci-bot", "bob/tools", "pull", None):
        return "ci-bot may pull bob's private repositories too: grant alice's namespace only"
    return None


WORKBOOK.add("6.1", "Which repository does `docker pull redis` pull from? Answer its full name, "
             "like 'docker.io/…/…'.", expected=_redis_repository, hint="regsim.parse_reference(...).name",
             hints=["docker adds 'docker.io/' to a name without a domain, and 'library/' to a one-part "
                    "name on Docker Hub"])
WORKBOOK.add("6.2", "Which of library/redis, alice/notes, alice/secret and bob/tools may an anonymous client "
             "pull? Answer a set.", expected=_anonymous_pulls, item="repository", hint="access_table(hub, {'anonymous': None}, [...])",
             hints=['an anonymous client may pull public repositories only; a missing one looks private'])
WORKBOOK.add("6.3", "What does the registry answer in each case: 'allowed', 'UNAUTHORIZED' or 'DENIED' (the "
             "words of access_table)? Answer a dict with the keys of CASES.", expected=_codes,
             normalize=_answer_word,
             hint="who is asking (nobody, or someone), and may they?",
             hints=['the registry first asks who you are (a login), then whether you may; the owner of a namespace '
                    'may push into it'])
WORKBOOK.add("6.4", "Create a user 'ci-bot' that may pull every repository of alice's namespace, also those she "
             "creates later, and push none. Check the registry.", checker=_ci_bot,
             hint="hub.add_user(...) and hub.grant(user, 'alice/*', 'pull')", solution="tests/course/test_solutions.py::solve_6_4", solution_test="test_solution_passes_its_check")
