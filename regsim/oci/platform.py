"""Platforms (``os/architecture[/variant]``) of images in a multi-platform index."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgument, ManifestInvalid

__all__ = ["Platform", "DEFAULT_PLATFORM"]

_PART = re.compile(r"^[a-z0-9._-]+\Z")


@dataclass(frozen=True, slots=True)
class Platform:
    """The ``platform`` of an index entry: ``linux/amd64``, ``linux/arm64/v8``, ...

    >>> Platform.parse("linux/arm64/v8")
    Platform('linux/arm64/v8')
    >>> Platform.parse("linux/arm64").matches(Platform.parse("linux/arm64/v8"))
    True
    """

    os: str
    architecture: str
    variant: str | None = None
    os_version: str | None = None
    os_features: tuple[str, ...] = field(default=())

    @classmethod
    def parse(cls, text: "str | Platform") -> "Platform":
        """A platform from ``os/arch[/variant]`` (``"linux/arm64/v8"``); a Platform is returned as it is.

        >>> Platform.parse("linux/arm64/v8").architecture
        'arm64'
        """
        if isinstance(text, Platform):
            return text
        parts = text.split("/") if isinstance(text, str) else []
        if not 2 <= len(parts) <= 3 or not all(_PART.match(p) for p in parts):
            raise InvalidArgument(
                f"invalid platform {text!r}: expected os/architecture[/variant], e.g. linux/amd64"
            )
        return cls(*parts)  # type: ignore[arg-type]

    def matches(self, other: "Platform") -> bool:
        """True when an image built for ``other`` runs here (a missing variant matches any)."""
        if (self.os, self.architecture) != (other.os, other.architecture):
            return False
        return self.variant is None or other.variant is None or self.variant == other.variant

    def to_dict(self) -> dict[str, Any]:
        """The platform as the image spec's JSON object (``variant`` only when set)."""
        out: dict[str, Any] = {"architecture": self.architecture, "os": self.os}
        if self.variant:
            out["variant"] = self.variant
        if self.os_version:
            out["os.version"] = self.os_version
        if self.os_features:
            out["os.features"] = list(self.os_features)
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "platform") -> "Platform":
        """A platform from its JSON object; a bad one raises ManifestInvalid naming ``where`` it was."""
        if not isinstance(data, dict):
            raise ManifestInvalid(f"{where} must be an object, got {data!r}", detail=where)
        os_, arch = data.get("os"), data.get("architecture")
        if not isinstance(os_, str) or not isinstance(arch, str):
            raise ManifestInvalid(f"{where} needs string 'os' and 'architecture', got {data!r}", detail=where)
        features = data.get("os.features") or ()
        return cls(os_, arch, data.get("variant"), data.get("os.version"), tuple(features))

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    def __repr__(self) -> str:
        return f"Platform({str(self)!r})"


DEFAULT_PLATFORM = Platform("linux", "amd64")
