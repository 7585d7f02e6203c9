"""The classroom registry: a user and namespace per participant, a shared team namespace, who
pushed what, and 20 participants pushing at once over loopback."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest

from regsim import Image, Registry
from regsim.data.generate import random_layer
from regsim.server.classroom import Classroom, Participant, read_participants
from regsim.engines.clients import SimpleClient


def class_list(n: int) -> list[Participant]:
    return [Participant(f"student{i:02d}", f"pw-{i:02d}") for i in range(1, n + 1)]


def test_read_participants_and_its_errors(tmp_path):
    good = tmp_path / "students.csv"
    good.write_text("name,password\nalice,pw-a\n\nbob , pw-b\n")
    assert [(p.name, p.password) for p in read_participants(good)] == [("alice", "pw-a"), ("bob", "pw-b")]
    cases = {
        "user,secret\nalice,x\n": "the first line must name the columns 'name' and 'password', got ['user', 'secret']",
        "name,password\nAlice,x\n": "line 2: participant name 'Alice' cannot be a namespace",
        "name,password\nalice,\n": "line 2: participant 'alice' has no password",
        "name,password\nalice,x\nalice,y\n": "line 3: participant 'alice' is listed twice",
        "name,password\na/b,x\n": "participant name 'a/b' must be one path component",
        "name,password\n": "no participants",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
            read_participants(bad)


def test_a_roster_saved_by_excel_or_sheets_as_csv_utf8_is_read(tmp_path):
    """Excel's and Google Sheets' "CSV UTF-8": a byte-order mark and CRLF line ends."""
    roster = tmp_path / "students.csv"
    roster.write_bytes("\ufeffname,password\r\nalice,pw1\r\nbob,pässword\r\n".encode("utf-8"))
    people = [(p.name, p.password) for p in read_participants(roster)]
    assert people == [("alice", "pw1"), ("bob", "pässword")]
    assert [p.name for p in Classroom.from_csv(roster).participants] == ["alice", "bob"]


def test_each_participant_owns_a_namespace_and_shares_the_team_one():
    room = Classroom(class_list(2), instructor=Participant("teacher", "pw-t"))
    reg = room.registry
    s1, s2 = reg.login("student01", "pw-01"), reg.login("student02", "pw-02")
    assert reg.can("student01/app", "push", auth=s1) and reg.can("team/app", "push", auth=s1)
    assert not reg.can("student02/app", "push", auth=s1) and not reg.can("team/app", "push", auth=None)
    assert reg.can("student02/app", "push", auth=reg.login("teacher", "pw-t"))
    assert reg.can("team/app", "push", auth=s2)
    with pytest.raises(ValueError, match="the team namespace 'student01' is also a participant's name"):
        Classroom(class_list(1), team="student01")


def test_twenty_participants_push_concurrently_over_loopback():
    people = class_list(20)
    base = random_layer(64 * 1024, seed=1)          # everyone builds on the same base layer
    images = {p.name: Image.create([base, random_layer(4096, seed=i + 2)]) for i, p in enumerate(people)}
    with Classroom(people) as room:
        server = room.serve()
        errors: list[BaseException] = []
        start = threading.Barrier(len(people))

        def participant(p: Participant) -> None:
            try:
                client = SimpleClient(server.url, username=p.name, password=p.password)
                start.wait()
                client.push(f"{p.name}/app", "1.0", images[p.name])
                client.push(f"{room.team}/app", p.name, images[p.name])
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=participant, args=(p,)) for p in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        # someone else's namespace is refused, and nothing changes
        before = room.registry.snapshot()
        with pytest.raises(RuntimeError, match="HTTP 403"):
            SimpleClient(server.url, username="student01", password="pw-01").push("student02/app", "2.0",
                                                                                   images["student01"])
        assert room.registry.snapshot() == before
        activity = room.activity()

    reg = room.registry
    assert sorted(reg.tags("team/app")) == sorted(p.name for p in people)
    for p in people:
        assert list(reg.tags(f"{p.name}/app")) == ["1.0"]
        assert activity.by_name(p.name).pushed == (f"{p.name}/app:1.0", f"team/app:{p.name}")
    # every upload the server saw is someone's: stored for the first time, or deduplicated
    from regsim.events import BlobUploaded
    sent = sum(e.size for e in reg.events if isinstance(e, BlobUploaded))
    assert activity.uploaded_bytes + activity.deduplicated_bytes == sent
    # each distinct blob was stored once, whoever came first
    distinct = {b.digest: b.size for image in images.values() for b in image.blobs()}
    assert activity.uploaded_bytes == sum(distinct.values())
    # the shared base layer went to 20 personal namespaces: stored once, deduplicated 19 times (at least)
    assert activity.deduplicated_bytes >= 19 * base.size
    assert "everyone" in str(activity).splitlines()[-1]


def test_regsim_serve_classroom(tmp_path, image):
    import os
    import re
    import signal
    import subprocess
    import sys

    def _url(process, lines):
        """The served URL, read from the banner, which is read whole (up to 'Press Ctrl-C') before
        the test goes on; the rest of the output is read later from the same iterator."""
        url = None
        for line in process.stdout:
            lines.append(line)
            match = re.search(r" at (http://127\.0\.0\.1:\d+)$", line.strip())
            url = match.group(1) if match else url
            if line.startswith("Press Ctrl-C") and url:
                return url
        raise AssertionError("regsim serve printed no URL:\n" + "".join(lines) + process.stderr.read())

    students = tmp_path / "students.csv"
    students.write_bytes(b"\xef\xbb\xbfname,password\r\nalice,pw-a\r\nbob,pw-b\r\n")  # Excel's "CSV UTF-8"
    process = subprocess.Popen([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--classroom",
                                str(students), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    try:
        url = _url(process, lines)
        alice = SimpleClient(url, username="alice", password="pw-a")
        alice.push("alice/app", "1.0", image)
        alice.push("team/app", "1.0", image)
        with pytest.raises(RuntimeError, match="HTTP 403"):
            alice.push("bob/app", "1.0", image)
        bob = SimpleClient(url, username="bob", password="pw-b")
        assert bob.pull("team/app", "1.0").digest == image.digest  # public: every participant may pull
    finally:
        process.send_signal(signal.SIGINT)
        out = "".join(process.stdout)  # the same buffered reader _url() used: no line it read ahead is lost
        err = process.stderr.read()
        process.wait(timeout=20)
    assert process.returncode == 0, err
    assert "regsim: classroom of 2: each pushes to <name>/..., everyone to team/..." in "".join(lines)
    assert "(namespaces, auth bearer)" in "".join(lines)
    banner = "".join(lines) + out
    assert re.search(r"docker push 127\.0\.0\.1:\d+/team/app:1\.0\n", banner), banner  # a namespace they may push to
    assert "demo/app" not in banner

    bad = tmp_path / "bad.csv"
    bad.write_text("name,password\nBob,x\n")
    failed = subprocess.run([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--classroom", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert "regsim: --classroom: " in failed.stderr and "participant name 'Bob' cannot be a namespace" in failed.stderr


def test_the_dashboard_shows_who_pushed_what_and_the_dedup(image):
    from regsim.server.dashboard import ClassroomDashboard

    with Classroom(class_list(3)) as room:
        with pytest.raises(ValueError, match="serve the classroom first"):
            ClassroomDashboard(room)
        server = room.serve()
        board = ClassroomDashboard(room, quiet=0.05)
        assert "0 of 3</b> participants have pushed" in board.totals.value
        for name, pw in (("student01", "pw-01"), ("student02", "pw-02")):
            SimpleClient(server.url, username=name, password=pw).push("team/app", name, image)
        board.live.flush()
        board.refresh()
        assert "2 of 3</b> participants have pushed" in board.totals.value
        assert "team/app:student01" in board.table.value and "team/app:student02" in board.table.value
        assert board.live.operations and bytes(board.live.graph.value).startswith(b"\x89PNG")
        board.close()


def test_a_classroom_registry_replays_with_its_participants():
    classroom = Classroom([Participant("ann", "pw12345")])
    replayed = Registry.replay(classroom.registry.events)
    assert "ann" in replayed.access.users
    assert replayed.snapshot() == classroom.registry.snapshot()


def _serve_classroom(tmp_path, *extra):
    """``regsim serve --classroom`` of alice and bob in a subprocess; returns (process, url, banner lines)."""
    import os
    import re
    import subprocess
    import sys

    students = tmp_path / "students.csv"
    students.write_text("name,password\nalice,pw-a\nbob,pw-b\n")
    process = subprocess.Popen([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--classroom",
                                str(students), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines, url = [], None
    for line in process.stdout:
        lines.append(line)
        match = re.search(r" at (http://127\.0\.0\.1:\d+)$", line.strip())
        url = match.group(1) if match else url
        if line.startswith("Press Ctrl-C") and url:
            return process, url, lines
    raise AssertionError("regsim serve printed no URL:\n" + "".join(lines) + process.stderr.read())


def _mount(url, user, password, digest, source, target) -> None:
    """``POST /v2/<target>/blobs/uploads/?mount=<digest>&from=<source>`` with basic credentials."""
    import base64
    import urllib.request

    request = urllib.request.Request(f"{url}/v2/{target}/blobs/uploads/?mount={digest}&from={source}", method="POST",
                                     headers={"Authorization": "Basic " + base64.b64encode(
                                         f"{user}:{password}".encode()).decode()})
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 201


def _dashboard_state(url, user, password) -> dict:
    import base64
    import json

    request = urllib.request.Request(f"{url}/-/dashboard/state?after=0", headers={
        "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()})
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read())


def test_serve_classroom_instructor_errors(tmp_path):
    import subprocess
    import sys

    students = tmp_path / "students.csv"
    students.write_text("name,password\nalice,pw-a\n")
    for args, message in (
            (["--instructor", "teacher:pw"], "regsim: --instructor goes with --classroom"),
            (["--classroom", str(students), "--instructor", "alice:pw"],
             "the instructor 'alice' is also a participant: pass --instructor NAME:PASSWORD with another name")):
        failed = subprocess.run([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", *args],
                                capture_output=True, text=True, timeout=60)
        assert failed.returncode == 1 and message in failed.stderr, failed.stderr


def _stop(process) -> tuple[str, str]:
    import signal

    process.send_signal(signal.SIGINT)
    out, err = process.stdout.read(), process.stderr.read()
    process.wait(timeout=30)
    assert process.returncode == 0, err
    return out, err


def test_the_instructors_terminal_names_everyone_prints_refusals_and_sums_up_per_participant(tmp_path, image):
    import re

    process, url, banner = _serve_classroom(tmp_path, "--instructor", "teacher:pw-t")
    try:
        alice = SimpleClient(url, username="alice", password="pw-a")
        alice.push("alice/app", "1.0", image)
        alice.push("team/app", "1.0", image)            # every blob sent again: deduplicated
        _mount(url, "alice", "pw-a", image.blobs()[-1].digest, "alice/app", "team/base")
        with pytest.raises(RuntimeError, match="HTTP 403"):
            alice.push("bob/app", "1.0", image)          # another's namespace
        with pytest.raises(RuntimeError, match="HTTP 401"):
            SimpleClient(url, username="bob", password="wrong").pull("team/app", "1.0")
        SimpleClient(url, username="bob", password="pw-b").pull("team/app", "1.0")
        state = _dashboard_state(url, "teacher", "pw-t")   # the web dashboard reads the same journal
        with pytest.raises(urllib.error.HTTPError, match="401"):
            _dashboard_state(url, "alice", "pw-a")          # the instructor's only
    finally:
        out, err = _stop(process)
    assert [p["name"] for p in state["participants"]] == ["alice", "bob"]
    assert any(line["who"] == "alice" and line["refused"] and line["text"].startswith("push to bob/app (denied")
               for line in state["lines"]), state["lines"]
    assert any("dashboard" in line and "/-/dashboard" in line for line in banner), banner
    events = [line for line in out.splitlines() if line.startswith("#")]
    # every event line names who caused it: uploads and mounts too
    assert events and all(re.match(r"#\d+\s+(alice|bob)\s", line) for line in events), "\n".join(events)
    assert any(re.match(r"#\d+\s+alice\s.*uploaded", line) for line in events), "\n".join(events)
    assert any(re.match(r"#\d+\s+alice\s.*mounted", line) for line in events), "\n".join(events)
    # refused attempts, with their reason
    refusals = [line.strip() for line in out.splitlines() if line.lstrip().startswith(("alice", "bob"))]
    assert any(re.match(r"alice +refused: push to bob/app \(denied: alice may not push", r) for r in refusals), out
    assert any(re.match(r"bob +refused: pull team/app \(unauthorized: .*incorrect username or password\)", r)
               for r in refusals), out
    # Ctrl-C: a line per participant, then the class
    tail = out[out.index("regsim: stopped."):]
    assert re.search(r"alice: pushed alice/app:1\.0, team/app:1\.0; pulled nothing; uploaded .*\(1 mounted\); "
                     r"refused 1: push to bob/app \(denied", tail), tail
    assert re.search(r"bob: pushed nothing; pulled team/app:1\.0; .*refused 1: pull team/app \(unauthorized", tail), tail
    assert "everyone: 1 of 2 pushed" in tail, tail


def test_the_web_dashboard_is_the_instructors_and_guessing_its_password_is_throttled():
    with Classroom(class_list(1), instructor=Participant("teacher", "pw-t")) as room:
        server = room.serve()
        assert _dashboard_state(server.url, "teacher", "pw-t")["registry"] == server.address
        for _ in range(5):
            with pytest.raises(urllib.error.HTTPError, match="401"):
                _dashboard_state(server.url, "teacher", "guess")
        with pytest.raises(urllib.error.HTTPError, match="429") as throttled:
            _dashboard_state(server.url, "teacher", "pw-t")
        assert int(throttled.value.headers["Retry-After"]) > 0
        request = urllib.request.Request(f"{server.url}/-/dashboard/state", method="POST", data=b"",
                                         headers={"Authorization": "Basic c3R1ZGVudDAxOnB3LTAx"})  # student01
        with pytest.raises(urllib.error.HTTPError, match="401"):
            urllib.request.urlopen(request)
    with Classroom(class_list(1)) as room:  # no instructor: no dashboard, the registry answers
        server = room.serve()
        with pytest.raises(urllib.error.HTTPError, match="404"):
            _dashboard_state(server.url, "student01", "pw-01")
