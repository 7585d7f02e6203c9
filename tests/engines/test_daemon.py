"""The private dockerd helper and the offline busybox base."""

from __future__ import annotations

import os

import pytest

from regsim.engines.daemon import BASE_TAG, BUSYBOX_LINKS, DockerDaemon, base_context

pytestmark = pytest.mark.tools


def test_base_context_is_busybox_and_links():
    dockerfile, context = base_context()
    try:
        assert dockerfile.startswith("FROM scratch\n")
        assert (context / "bin" / "busybox").stat().st_size > 500_000
        for name in BUSYBOX_LINKS:
            assert os.readlink(context / "bin" / name) == "busybox"
    finally:
        import shutil
        shutil.rmtree(context)


def test_engine_answers_and_base_runs_offline(docker_engine, base):
    assert docker_engine.running
    assert base == BASE_TAG
    out = docker_engine.docker("run", "--rm", "--network", "none", base, "echo", "hello from busybox").stdout
    assert out == "hello from busybox\n"


def test_a_second_private_daemon_starts_and_stops_by_pid():
    from regsim.engines.clients import ToolMissing
    from regsim.engines.daemon import start_private_daemon

    try:
        daemon = start_private_daemon()
    except ToolMissing as exc:
        from helpers import skip_or_fail
        skip_or_fail(str(exc))
    pid, root = daemon.pid, daemon.root
    assert daemon.private and daemon.running and repr(daemon).startswith("DockerDaemon('unix:///tmp/rsd-")
    assert daemon.docker("info", "--format", "{{.Driver}}").stdout.strip() == "vfs"
    daemon.stop()
    assert not os.path.exists(f"/proc/{pid}") and not root.exists()
    daemon.stop()  # twice is fine


def test_an_engine_someone_else_runs_is_left_alone(docker_engine):
    other = DockerDaemon(docker_engine.host)
    other.stop()
    assert not other.private and docker_engine.running


# -- engines that never leak ---------------------------------------------------------------------------

def _gone(pid: int) -> bool:
    """True when ``pid`` has exited (a zombie no one has reaped yet counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _wait_gone(*pids: int, timeout: float = 60.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_gone(pid) for pid in pids):
            return True
        time.sleep(0.2)
    return False


_KERNEL = """
import json, sys, time
from pathlib import Path
from regsim.engines.daemon import start_private_daemon
daemon = start_private_daemon()
pidfile = daemon.root / "x" / "containerd" / "containerd.pid"
while not pidfile.exists():
    time.sleep(0.1)
print(json.dumps({"dockerd": daemon.pid, "containerd": int(pidfile.read_text()), "root": str(daemon.root)}), flush=True)
%s
"""


def _kernel_checks() -> None:
    """Skip (fail under CI=true) unless a private dockerd can start here."""
    from helpers import skip_or_fail

    from regsim.engines.clients import ToolMissing, find_tool

    if os.geteuid() != 0:
        skip_or_fail("a private dockerd needs root")
    try:
        find_tool("dockerd", "docker.io")
    except ToolMissing as exc:
        skip_or_fail(str(exc))


def _kernel(tail: str):
    """A kernel-like process that starts a private dockerd, says what it started, then runs ``tail``."""
    import json
    import subprocess
    import sys

    _kernel_checks()
    process = subprocess.Popen([sys.executable, "-c", _KERNEL % tail], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                   [os.getcwd(), os.environ.get("PYTHONPATH", "")])})
    started = json.loads(process.stdout.readline())
    return process, started


def test_a_private_daemon_and_its_containerd_die_with_a_killed_kernel():
    import signal
    from pathlib import Path

    process, started = _kernel("time.sleep(600)")
    assert not _gone(started["dockerd"]) and not _gone(started["containerd"])
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _wait_gone(started["dockerd"], started["containerd"]), started
    assert _wait_gone_path(Path(started["root"])), started


def test_a_private_daemon_dies_with_a_kernel_that_exits_without_stopping_it():
    from pathlib import Path

    process, started = _kernel("sys.exit(0)")
    process.wait(timeout=60)
    assert _wait_gone(started["dockerd"], started["containerd"]), started
    assert _wait_gone_path(Path(started["root"])), started


def _wait_gone_path(path, timeout: float = 30.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not path.exists():
            return True
        time.sleep(0.2)
    return False


def test_a_second_docker_session_takes_over_the_first_and_close_stops_everything(served):
    from regsim.engines.reality import DockerSession

    first = DockerSession(served)
    if not first.available:
        from helpers import skip_or_fail
        skip_or_fail(first.why)
    daemon = first.laptop.daemon
    pid = daemon.pid
    with DockerSession(served) as second:   # re-running a lesson's set-up cell
        assert second.available and second.laptop.daemon is daemon   # the same engine: nothing new started
        assert not first.available and "a newer DockerSession" in first.why
        first.close()                        # harmless: the engine is the second session's now
        assert second.laptop.daemon.running
    if pid is not None:                      # a private engine: closing the second session stopped it
        assert _wait_gone(pid, timeout=30)
    assert not daemon.running or pid is None


def test_a_killed_kernel_takes_its_running_containers_with_it():
    """A container still running when the kernel dies: its shim (and the container) go too."""
    import signal
    from pathlib import Path

    from regsim.engines.watchdog import processes_using

    process, started = _kernel("""
from regsim.engines.daemon import base_image
tag = base_image(daemon)
daemon.docker("run", "-d", "--network", "none", tag, "sleep", "600")
print("running", flush=True)
time.sleep(600)
""")
    assert process.stdout.readline().strip() == "running"
    tree = processes_using(Path(started["root"]))
    assert len(tree) >= 3, tree  # dockerd, containerd, a shim (and the container's sleep)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _wait_gone(started["dockerd"], started["containerd"], *tree), [p for p in tree if not _gone(p)]
    assert _wait_gone_path(Path(started["root"])), started


def test_a_daemon_that_will_not_stop_is_killed_with_its_containers_shims():
    """dockerd frozen (SIGSTOP): SIGTERM does nothing, so it is killed, and its containerd; the
    container's shim, which outlives both by design, is found by the private directory it names."""
    import signal

    from regsim.engines.clients import ToolMissing
    from regsim.engines.daemon import base_image, start_private_daemon
    from regsim.engines.watchdog import processes_using

    try:
        daemon = start_private_daemon()
    except ToolMissing as exc:
        from helpers import skip_or_fail
        skip_or_fail(str(exc))
    root = daemon.root
    try:
        daemon.docker("run", "-d", "--network", "none", base_image(daemon), "sleep", "600")
        tree = processes_using(root)
        os.kill(daemon.pid, signal.SIGSTOP)
    finally:
        daemon.stop(timeout=1.0)
    assert len(tree) >= 3 and _wait_gone(*tree, timeout=10), [p for p in tree if not _gone(p)]
    assert not root.exists()


def test_a_jupyter_kernel_killed_mid_lesson_takes_its_daemon_with_it():
    """A real ipykernel starts a private dockerd in a cell, as lesson 1's set-up cell does, and is
    killed (SIGKILL, as Jupyter does to a kernel that will not shut down): the daemon goes too."""
    import json
    import signal
    from pathlib import Path

    jupyter_client = pytest.importorskip("jupyter_client")
    _kernel_checks()
    manager, client = jupyter_client.manager.start_new_kernel(
        kernel_name="python3", env={**os.environ, "PYTHONPATH": os.pathsep.join(
            [os.getcwd(), os.environ.get("PYTHONPATH", "")])})
    try:
        printed: list[str] = []
        client.execute_interactive(
            "import json, time\n"
            "from regsim.engines.daemon import start_private_daemon\n"
            "daemon = start_private_daemon()\n"
            "pidfile = daemon.root / 'x' / 'containerd' / 'containerd.pid'\n"
            "while not pidfile.exists(): time.sleep(0.1)\n"
            "print(json.dumps({'dockerd': daemon.pid, 'containerd': int(pidfile.read_text()), 'root': str(daemon.root)}))\n",
            timeout=120, output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
        started = json.loads("".join(printed))
        assert not _gone(started["dockerd"])
        os.kill(manager.provisioner.process.pid, signal.SIGKILL)
        assert _wait_gone(started["dockerd"], started["containerd"]), started
        assert _wait_gone_path(Path(started["root"])), started
    finally:
        client.stop_channels()
        manager.cleanup_resources()
