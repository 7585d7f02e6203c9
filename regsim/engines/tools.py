"""Finding outside programs (``docker``, ``skopeo``, ``docker-registry``...): a leaf module that
every driver of an outside tool imports, and that imports nothing of regsim but its errors.

>>> registry_address("http://127.0.0.1:5000")
'127.0.0.1:5000'
"""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

from ..errors import InvalidArgument, RegistryError, expect

__all__ = ["ToolMissing", "find_tool", "registry_address", "INSTALL_HINT"]

INSTALL_HINT = "install it with `sudo apt-get install {package}` (Debian/Ubuntu)"


class ToolMissing(RegistryError, RuntimeError):
    """An external program is not installed (the message says how to install it). A
    :class:`~regsim.errors.RegistryError` with the code of a service that is not there
    (``UNAVAILABLE``, 503), and a RuntimeError as before."""

    code, status, default_message = "UNAVAILABLE", 503, "a program regsim needs is not installed"

    def one_line(self) -> str:
        """The message alone: it is regsim's, not a registry's or a daemon's."""
        return self.message


def find_tool(name: str, package: str | None = None) -> str:
    """The path of ``name``, or :class:`ToolMissing` with an install hint."""
    expect("name", name, str)
    path = shutil.which(name)
    if path is None:
        raise ToolMissing(f"{name} is not installed: " + INSTALL_HINT.format(package=package or name))
    return path


def registry_address(base_url: str) -> str:
    """``host:port`` of a registry's base URL (:class:`~regsim.errors.InvalidArgument` naming it when it is not one)."""
    expect("base_url", base_url, str, "a URL like http://127.0.0.1:5000")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidArgument(f"base_url must be like http://127.0.0.1:5000, got {base_url!r}")
    return parts.netloc
