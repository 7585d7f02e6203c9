"""Real docker against the classroom registry: the journal (the instructor's terminal and web
dashboard) names who did what and shows docker's refused attempts with their reason."""

from __future__ import annotations

import pytest

from regsim.server.classroom import Classroom, Participant
from regsim.engines.docker import DockerClient, EngineError

pytestmark = pytest.mark.tools


def test_docker_pushes_and_refusals_in_the_classroom_journal(docker_engine, base):
    with Classroom([Participant("alice", "pw-a"), Participant("bob", "pw-b")]) as room:
        server = room.serve()
        with DockerClient(server, docker_engine) as docker:
            mine = docker.reference("alice/busybox", "1")
            theirs = docker.reference("bob/busybox", "1")
            docker.tag(base, mine)
            docker.tag(base, theirs)
            with pytest.raises(EngineError):
                docker.login("alice", "not-her-password")
            docker.login("alice", "pw-a")
            docker.push("alice/busybox", "1")
            with pytest.raises(EngineError):
                docker.push("bob/busybox", "1")          # another's namespace
            docker.rmi(mine, theirs)
        lines = [str(line) for line in room.journal.lines]
        activity = room.activity().by_name("alice")
    events = [line for line in room.journal.lines if not line.refused]
    assert {line.who for line in events} >= {"alice"}
    uploads = [line for line in events if line.kind == "BlobUploaded"]
    assert uploads and all(line.who == "alice" for line in uploads)
    refused = [line.text for line in room.journal.lines if line.refused and line.who == "alice"]
    assert any(text.startswith("log in (unauthorized: ") and "incorrect username or password" in text
               for text in refused), lines
    assert any(text.startswith("push to bob/busybox (unauthorized: token does not grant push on bob/busybox")
               for text in refused), lines
    assert activity.pushed == ("alice/busybox:1",)
    assert len(activity.refused) == 2, activity.refused   # docker's retries are one refusal each
