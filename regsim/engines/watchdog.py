"""Stop a private ``dockerd`` -- and the ``containerd`` it spawned -- when the process that started
it dies, however it dies (a notebook kernel killed with SIGKILL, a test run interrupted).

:func:`~regsim.engines.daemon.start_private_daemon` starts this file as a script beside the
daemon::

    python -I watchdog.py PARENT_PID DOCKERD_PID ROOT

It polls every 0.2 s: while its parent (the kernel) lives and the daemon runs, it waits. When the
daemon stops first (``DockerDaemon.stop``), it exits. When the parent dies first (the watchdog is
then re-parented, so ``os.getppid()`` changes), it calls :func:`stop_tree`: SIGTERM to dockerd
(which stops its containerd), SIGKILL after a grace period, then containerd by its pidfile if it
is still there, then any process still naming the daemon's directory (a container's shim), then
the daemon's mounts and directory. ``DockerDaemon.stop`` uses the same
:func:`stop_tree`, so there is one way to stop a daemon.

Standard library only, and run by path (``python .../watchdog.py``), so it starts fast and needs
nothing importable.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["alive", "terminate", "stop_tree", "watch", "processes_using"]

#: how often the watchdog looks at its parent and the daemon (seconds)
POLL = 0.2


def alive(pid: int) -> bool:
    """True while ``pid`` runs (an exited process no one has reaped yet -- a zombie -- does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except ProcessLookupError:  # it exited (and was reaped) since the probe above: reading gives ESRCH
        return False
    except (FileNotFoundError, IndexError):
        return not sys.platform.startswith("linux")


def terminate(pid: int, process: subprocess.Popen[bytes] | None = None, *, timeout: float = 20.0) -> None:
    """SIGTERM ``pid``, wait up to ``timeout`` s, then SIGKILL; reaps it when it is our child
    (``process``)."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if process is not None:
                if process.poll() is not None:
                    return
            elif not alive(pid):
                return
            time.sleep(0.05)
    if process is not None:
        process.poll()


def stop_tree(pid: int, root: Path | None, process: subprocess.Popen[bytes] | None = None, *, timeout: float = 20.0) -> None:
    """Stop dockerd ``pid``, then the containerd it started (``ROOT/x/containerd/containerd.pid``:
    dockerd stops it on SIGTERM, not after a SIGKILL), then unmount and remove ``root``."""
    terminate(pid, process, timeout=timeout)
    if root is None:
        return
    pidfile = Path(root) / "x" / "containerd" / "containerd.pid"
    try:
        containerd = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        containerd = None
    if containerd is not None and alive(containerd):
        terminate(containerd, None, timeout=timeout)
    for straggler in processes_using(Path(root)):  # a container's shim, when dockerd had to be killed
        terminate(straggler, None, timeout=5.0)
    for mount in _mounts_under(Path(root)):  # deepest first; dockerd unmounts them itself, unless killed
        subprocess.run(["umount", "-l", mount], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def processes_using(root: Path) -> list[int]:
    """Processes whose command line names the private directory ``root`` (only this daemon's own
    processes can: the directory is new and private), each after its descendants (a shim's
    container), so stopping them in this order leaves no orphan."""
    marker = str(root).encode() + b"/"
    named, parents = [], {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes():
                named.append(int(entry.name))
            parents[int(entry.name)] = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    ordered: list[int] = []

    def visit(pid: int) -> None:
        for child in sorted(c for c, parent in parents.items() if parent == pid):
            visit(child)
        if pid not in ordered:
            ordered.append(pid)

    for pid in named:
        visit(pid)
    return [pid for pid in ordered if alive(pid)]


def _mounts_under(root: Path) -> list[str]:
    """Mount points at or under ``root`` (``/proc/self/mounts``), deepest first."""
    prefix = str(root).rstrip("/")
    try:
        with open("/proc/self/mounts") as mounts:
            points = [line.split()[1].replace("\\040", " ") for line in mounts if len(line.split()) > 1]
    except OSError:
        return []
    return sorted({p for p in points if p == prefix or p.startswith(prefix + "/")}, key=len, reverse=True)


def watch(parent: int, pid: int, root: Path) -> int:
    """Wait while ``parent`` is our parent and ``pid`` runs; stop the daemon if the parent goes first."""
    while os.getppid() == parent:
        if not alive(pid):
            return 0
        time.sleep(POLL)
    if alive(pid):
        stop_tree(pid, root)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the kernel's terminal is not its death
    sys.exit(watch(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])))
