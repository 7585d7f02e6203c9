"""The watchdog's process probes, without a daemon: a process may exit between two looks at it."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys

from regsim.engines import watchdog


def test_a_process_that_exits_between_the_signal_probe_and_the_proc_read_is_not_alive(monkeypatch):
    """``os.kill(pid, 0)`` succeeds, then the process exits and is reaped before ``/proc/PID/stat``
    is read: on Linux that read raises ProcessLookupError (ESRCH), which means "not alive" (CI saw
    this stopping a frozen dockerd's shims)."""
    real_open = builtins.open

    def exited_meanwhile(path, *args, **kwargs):
        if str(path).startswith("/proc/") and str(path).endswith("/stat"):
            raise ProcessLookupError(3, "No such process")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", exited_meanwhile)
    assert watchdog.alive(os.getpid()) is False


def test_terminate_survives_a_process_that_exits_while_it_waits():
    """A child that exits on SIGTERM, not reaped by its Popen: terminate sees it gone, raises nothing."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        watchdog.terminate(child.pid, None, timeout=5.0)
    finally:
        child.kill()
        child.wait()
    assert child.returncode is not None


def test_a_running_process_is_alive_and_a_reaped_one_is_not():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    assert watchdog.alive(child.pid)
    child.kill()
    child.wait()
    assert not watchdog.alive(child.pid)
