"""Issue 16, item 4: a log you can save, load, replay and draw, in this process or another.

Finding: a session could not be saved, and no picture could be drawn from a stored log.
``world.events.save(path)`` writes JSON Lines with the bytes by digest beside it;
``EventLog.load(path)`` reads it back; ``World.replay`` rebuilds the world from it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from regsim import EventLog, Registry, World
from regsim.errors import DigestInvalid, InvalidArgument
from regsim.events.jsonl import LogFileError
from regsim.viz import draw, to_graph
from regsim.viz.draw import to_png

ROOT = Path(__file__).resolve().parents[1]


def _session() -> World:
    world = World.standard(quiet=True)
    laptop, ci = world.hosts["laptop"], world.hosts["ci-runner"]
    local = world.registries["localhost:5000"]
    local.add_user("ci", "pw")
    local.grant("ci", "team/*", "push")
    laptop.build("FROM python:3.11\nCOPY app.py /app/\n", "localhost:5000/team/app:1.0",
                 context={"app.py": b"print('hi')"})
    laptop.push("localhost:5000/team/app:1.0")
    upload = local.start_upload("team/raw")  # a chunked upload: its chunks' bytes travel in the log too
    local.upload_chunk(upload.id, b"first ")
    local.finish_upload(upload.id, "sha256:" + hashlib.sha256(b"first last").hexdigest(), b"last")
    ci.pull("localhost:5000/team/app:1.0")
    ci.tag("localhost:5000/team/app:1.0", "localhost:5000/team/app:latest")
    ci.push("localhost:5000/team/app:latest")
    local.delete_tag("team/app", "1.0")
    local.garbage_collect(delete_untagged=False)
    return world


def test_a_saved_log_loads_back_and_replays_to_the_same_world(tmp_path):
    world = _session()
    path = world.events.save(tmp_path / "session.jsonl")
    assert path == tmp_path / "session.jsonl" and (tmp_path / "session.blobs" / "sha256").is_dir()
    lines = path.read_text().splitlines()
    assert json.loads(lines[0])["regsim"] == "event-log" and len(lines) == len(world.events) + 1
    loaded = EventLog.load(path)
    assert [(e.seq, e) for e in loaded] == [(e.seq, e) for e in world.events]
    assert World.replay(loaded).snapshot() == world.snapshot()
    assert World.replay(loaded[:40]).snapshot() == World.replay(world.events[:40]).snapshot()


def test_a_log_reads_its_bytes_from_a_registry_directory(tmp_path):
    store = tmp_path / "store"
    world = World()
    world.add_registry(Registry.open(store, "localhost:5000"))
    laptop = world.add_host("laptop", quiet=True)
    laptop.build("FROM scratch\nCOPY a /a\n", "localhost:5000/demo/app:1.0", context={"a": b"a" * 1000})
    laptop.push("localhost:5000/demo/app:1.0")
    world.events.save(tmp_path / "s.jsonl", blobs=tmp_path / "elsewhere")
    loaded = EventLog.load(tmp_path / "s.jsonl", blobs=store)  # distribution's layout holds them by digest
    assert World.replay(loaded).snapshot() == World.replay(world.events).snapshot()


def test_bad_saved_logs_are_clear_errors(tmp_path):
    world = _session()
    path = world.events.save(tmp_path / "s.jsonl")
    blob = max((tmp_path / "s.blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    blob.write_bytes(blob.read_bytes()[::-1])
    with pytest.raises(DigestInvalid, match=r"s\.jsonl:\d+: .* does not hash to"):
        EventLog.load(path)
    blob.unlink()
    with pytest.raises(LogFileError, match="are not in"):
        EventLog.load(path)
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(LogFileError, match="not a saved regsim event log"):
        EventLog.load(tmp_path / "notes.txt")
    lines = path.read_text().splitlines()
    record = json.loads(lines[1])
    record["kind"] = "NoSuchEvent"
    (tmp_path / "bad.jsonl").write_text("\n".join([lines[0], json.dumps(record)]) + "\n")
    with pytest.raises(LogFileError, match=r"bad\.jsonl:2: not an event"):
        EventLog.load(tmp_path / "bad.jsonl", blobs=tmp_path / "s.blobs")
    forged = {"seq": 0, "kind": "BlobUploaded", "registry": "r", "repository": "a/b", "digest": "sha256:" + "0" * 64,
              "size": 1, "content": {"$type": "os:system", "fields": {}}}
    (tmp_path / "forged.jsonl").write_text("\n".join([lines[0], json.dumps(forged)]) + "\n")
    with pytest.raises(LogFileError, match="unknown payload type 'os:system'"):
        EventLog.load(tmp_path / "forged.jsonl")


def test_a_ring_is_saved_as_a_ring_and_still_cannot_be_replayed(tmp_path):
    world = World(events=EventLog(maxlen=50))
    world.add_registry("localhost:5000")
    for i in range(30):
        world.registries["localhost:5000"].push_blob("a/b", f"blob {i}".encode())
    loaded = EventLog.load(world.events.save(tmp_path / "ring.jsonl"))
    assert (loaded.maxlen, loaded.dropped, [e.seq for e in loaded]) == (50, world.events.dropped,
                                                                        [e.seq for e in world.events])
    with pytest.raises(InvalidArgument, match="ring"):
        World.replay(loaded)


DRAW = """
import hashlib, json, sys
import networkx as nx
from regsim import EventLog, World
from regsim.viz import draw, to_graph
from regsim.viz.draw import to_png
events = EventLog.load(sys.argv[1])
world = World.replay(events)
G = to_graph(world.registries["localhost:5000"], world.hosts["ci-runner"])
png = to_png(draw(G).figure)
print(json.dumps({"graph": nx.node_link_data(G, edges="links"), "png": hashlib.sha256(png).hexdigest()}, default=str))
"""


def test_a_lessons_log_saved_in_one_process_draws_the_same_picture_in_a_fresh_one(tmp_path):
    from regsim.course._world import fresh_world

    world = fresh_world()
    world.hosts["laptop"].pull("nginx", quiet=True)
    world.hosts["laptop"].tag("nginx", "localhost:5000/team/web:1.0")
    world.hosts["laptop"].push("localhost:5000/team/web:1.0", quiet=True)
    world.hosts["ci-runner"].pull("localhost:5000/team/web:1.0", quiet=True)
    path = world.events.save(tmp_path / "lesson.jsonl")
    script = tmp_path / "draw.py"
    script.write_text(DRAW)
    done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    G = to_graph(world.registries["localhost:5000"], world.hosts["ci-runner"])  # the live world, here
    here = {"graph": nx.node_link_data(G, edges="links"), "png": hashlib.sha256(to_png(draw(G).figure)).hexdigest()}
    assert json.loads(done.stdout) == json.loads(json.dumps(here, default=str))


def test_host_logins_indexes_and_removals_survive_a_save(tmp_path):
    world = World.standard(quiet=True)
    laptop, prod = world.hosts["laptop"], world.hosts["prod-server"]
    world.registries["docker.io"].add_user("alice", "secret")
    laptop.login("docker.io", "alice", "secret")  # a token in the host's state
    laptop.build("FROM scratch\nCOPY app.py /\n", "multi:1", context={"app.py": b"x"},
                 platforms=["linux/amd64", "linux/arm64"])  # an index
    laptop.tag("multi:1", "alice/multi:1")
    laptop.push("alice/multi:1")
    prod.pull("node:18")
    prod.rmi("node:18")
    laptop.rmi("multi:1")
    laptop.logout("docker.io")
    loaded = EventLog.load(world.events.save(tmp_path / "s.jsonl"))
    again = World.replay(loaded)
    assert again.snapshot() == world.snapshot()
    assert again.hosts["prod-server"].pull("alpine", quiet=True).digest == prod.pull("alpine", quiet=True).digest
