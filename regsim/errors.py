"""Errors named after the OCI distribution-spec error codes.

Every failure of the model raises a subclass of :class:`RegistryError`. Each class carries

* ``code``   -- the OCI code (``BLOB_UNKNOWN``, ``DIGEST_INVALID``, ...), as a registry sends it;
* ``status`` -- the HTTP status the reference registry answers with;
* ``message`` -- a sentence that names the offending value;
* ``detail`` -- optional JSON-able detail (usually the offending value itself).

An operation that raises leaves the model exactly as it was.

In IPython and Jupyter a regsim error shows as one line, as docker prints it (``Error response
from daemon: pull access denied for pythn, ...`` for a client operation, ``DIGEST_INVALID: ...``
for a registry's answer), not as a traceback through regsim's internals. Set
``regsim.errors.SHORT_TRACEBACKS = False`` to see full tracebacks again.

>>> try:
...     raise BlobUnknown("sha256:" + "0" * 64)
... except RegistryError as e:
...     (e.code, e.status)
('BLOB_UNKNOWN', 404)
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

__all__ = [
    "InvalidArgument",
    "UnknownKey",
    "UnknownExercise",
    "expect",
    "RegistryError",
    "BlobUnknown",
    "BlobUploadInvalid",
    "BlobUploadUnknown",
    "DigestInvalid",
    "ManifestBlobUnknown",
    "ManifestInvalid",
    "ManifestTooLarge",
    "ManifestUnknown",
    "NameInvalid",
    "NameUnknown",
    "SizeInvalid",
    "Unauthorized",
    "Denied",
    "Unsupported",
    "TooManyRequests",
    "TagInvalid",
    "PaginationNumberInvalid",
    "RangeInvalid",
    "RangeNotSatisfiable",
    "ReferenceInvalid",
    "NameContainsUppercase",
    "NameTooLong",
    "NameEmpty",
    "PlaceholderContent",
    "ImageUnknown",
    "BuildError",
    "ImageInUse",
    "RegistryUnreachable",
    "ERRORS_BY_CODE",
    "SHORT_TRACEBACKS",
]

#: Show regsim errors in IPython/Jupyter as one docker-like line (False: the usual traceback).
SHORT_TRACEBACKS = True


class InvalidArgument(ValueError, TypeError):
    """A bad argument to a regsim function: a value out of range or of the wrong kind. The one
    argument-error type of every module (a ValueError and a TypeError, so either handler catches
    it); the message names the argument and the value."""


class UnknownKey(InvalidArgument, KeyError):
    """A name or key that is not there (a blob, a repository, a graph node, a participant): a bad
    argument, and a :class:`KeyError` too, so mappings (``in``, ``.get``) and callers catching
    KeyError still work. The message names the key and, where there are few, the known ones.

    >>> str(UnknownKey("no tag 'x' (there are: latest)"))
    "no tag 'x' (there are: latest)"
    """

    def __str__(self) -> str:  # the message as written (KeyError would show its repr)
        return Exception.__str__(self)


class UnknownExercise(UnknownKey):
    """An exercise id a workbook does not have (the message lists the ones it has)."""


def expect(name: str, value: Any, kinds: type | tuple[type, ...], what: str | None = None, *,
           error: type[InvalidArgument] = InvalidArgument) -> None:
    """Check one argument's kind: :class:`InvalidArgument` (or the subclass ``error``) naming the
    argument and the value unless ``value`` is an instance of ``kinds`` (``what`` says what it
    should be, in words).

    >>> expect("port", 5000, int)
    >>> expect("port", "5000", int, "a port number")
    Traceback (most recent call last):
    ...
    regsim.errors.InvalidArgument: port must be a port number, got str '5000'
    """
    if not isinstance(value, kinds):
        if what is None:
            names = [k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,))]
            what = "a " + " or ".join(names)
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        raise error(f"{name} must be {what}, got {type(value).__name__} {shown}")


class RegistryError(Exception):
    """Base class: an error a registry (or a docker-like client) reports."""

    code: str = "UNKNOWN"
    status: int = 500
    default_message: str = "unknown error"

    def __init__(self, message: str | None = None, *, detail: Any = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The error as one entry of the spec's JSON error body."""
        entry: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            entry["detail"] = self.detail
        return entry

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"

    #: who reports the error: ``"registry"`` (its code and message, as in the spec's error body) or
    #: ``"daemon"`` (a docker-like client operation: ``Error response from daemon: ...``)
    reporter: str = "registry"

    def one_line(self) -> str:
        """The error as docker prints it, on one line."""
        if self.reporter == "daemon":
            return f"Error response from daemon: {self.message}"
        return f"{self.code}: {self.message}"

    @property
    def _render_traceback_(self) -> Callable[[], list[str]]:
        """IPython shows what this returns instead of a traceback (see :data:`SHORT_TRACEBACKS`)."""
        if not SHORT_TRACEBACKS:
            raise AttributeError("_render_traceback_")
        return lambda: [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self.one_line()}"]


class BlobUnknown(RegistryError):
    """``BLOB_UNKNOWN`` (404): the repository has no blob with that digest (a pull or a mount of a blob
    never pushed there).
    """

    code, status, default_message = "BLOB_UNKNOWN", 404, "blob unknown to registry"


class BlobUploadInvalid(RegistryError):
    """``BLOB_UPLOAD_INVALID`` (400): the upload cannot go on as asked (a chunk out of order, an upload
    already finished).
    """

    code, status, default_message = "BLOB_UPLOAD_INVALID", 404, "blob upload invalid"


class BlobUploadUnknown(RegistryError):
    """``BLOB_UPLOAD_UNKNOWN`` (404): no upload session with that id (never started, cancelled or expired)."""

    code, status, default_message = "BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry"


class DigestInvalid(RegistryError):
    """``DIGEST_INVALID`` (400): the bytes do not hash to the digest the client gave, or the digest is
    malformed.
    """

    code, status = "DIGEST_INVALID", 400
    default_message = "provided digest did not match uploaded content"


class ManifestBlobUnknown(RegistryError):
    """``MANIFEST_BLOB_UNKNOWN`` (400): a manifest names a blob (or an index a manifest) the repository
    does not have: push the blobs first.
    """

    code, status = "MANIFEST_BLOB_UNKNOWN", 400
    default_message = "manifest references a manifest or blob unknown to registry"


class ManifestInvalid(RegistryError):
    """``MANIFEST_INVALID`` (400): the manifest is not valid JSON of its media type, or breaks the image spec."""

    code, status, default_message = "MANIFEST_INVALID", 400, "manifest invalid"


class ManifestTooLarge(ManifestInvalid):
    """A manifest larger than the registry accepts (HTTP 413)."""

    status = 413
    default_message = "manifest too large"


class ManifestUnknown(RegistryError):
    """``MANIFEST_UNKNOWN`` (404): no manifest with that tag or digest in the repository."""

    code, status, default_message = "MANIFEST_UNKNOWN", 404, "manifest unknown"


class NameInvalid(RegistryError):
    """``NAME_INVALID`` (400): the repository name breaks the reference grammar; its subclasses name the rule."""

    code, status, default_message = "NAME_INVALID", 400, "invalid repository name"


class NameUnknown(RegistryError):
    """``NAME_UNKNOWN`` (404): the registry has no repository of that name."""

    code, status, default_message = "NAME_UNKNOWN", 404, "repository name not known to registry"


class SizeInvalid(RegistryError):
    """``SIZE_INVALID`` (400): the length the client gave does not match the bytes it sent."""

    code, status = "SIZE_INVALID", 400
    default_message = "provided length did not match content length"


class Unauthorized(RegistryError):
    """``UNAUTHORIZED`` (401): the request needs a login (the reply says how, in ``WWW-Authenticate``)."""

    code, status, default_message = "UNAUTHORIZED", 401, "authentication required"


class Denied(RegistryError):
    """``DENIED`` (403): the user is known but may not do this (push to another's namespace, pull a private
    repository).
    """

    code, status, default_message = "DENIED", 403, "requested access to the resource is denied"


class Unsupported(RegistryError):
    """``UNSUPPORTED`` (405): the registry does not do this operation (a delete where deletes are off, a
    push to a pull-through cache).
    """

    code, status, default_message = "UNSUPPORTED", 405, "The operation is unsupported."


class TooManyRequests(RegistryError):
    """``TOOMANYREQUESTS`` (429): a rate limit was reached (Docker Hub's pull limit)."""

    code, status, default_message = "TOOMANYREQUESTS", 429, "too many requests"


class TagInvalid(RegistryError):
    """``TAG_INVALID`` (400): the tag breaks the tag grammar (``[A-Za-z0-9_][A-Za-z0-9._-]{0,127}``)."""

    code, status, default_message = "TAG_INVALID", 400, "manifest tag did not match URI"


class PaginationNumberInvalid(RegistryError):
    """``PAGINATION_NUMBER_INVALID`` (400, distribution's): the ``n`` of a listing is not a valid count."""

    code, status = "PAGINATION_NUMBER_INVALID", 400
    default_message = "invalid number of results requested"


class RangeInvalid(BlobUploadInvalid):
    """An upload chunk that does not start where the upload stands (416).

    distribution v3 says ``RANGE_INVALID``, a code outside the spec's table; clients may rely
    only on the table, so the code is the table's ``BLOB_UPLOAD_INVALID``.
    """

    status, default_message = 416, "invalid content range"


class RangeNotSatisfiable(SizeInvalid):
    """A ``Range`` a blob download cannot satisfy (416, the spec's ``SIZE_INVALID``)."""

    status, default_message = 416, "requested range not satisfiable"


# -- reference grammar: one error per rule, all of them NAME_INVALID on the wire ------------------


class ReferenceInvalid(NameInvalid):
    """The string does not match the reference grammar at all."""

    default_message = "invalid reference format"


class NameContainsUppercase(ReferenceInvalid):
    """A repository name with an upper-case letter (``MyApp``): names are lower case."""

    default_message = "invalid reference format: repository name must be lowercase"


class NameTooLong(ReferenceInvalid):
    """A repository name longer than 255 characters."""

    default_message = "repository name must not be more than 255 characters"


class NameEmpty(ReferenceInvalid):
    """An empty repository name (or an empty path component)."""

    default_message = "repository name must have at least one component"


# -- model-side errors without an OCI code of their own -------------------------------------------


class PlaceholderContent(RegistryError):
    """The bytes of a placeholder blob were asked for; placeholders only have a size."""

    code, status = "UNSUPPORTED", 405
    default_message = "placeholder blob has no bytes"


class ImageUnknown(RegistryError):
    """A docker-like client was asked for an image it does not have locally."""

    code, status, default_message = "MANIFEST_UNKNOWN", 404, "No such image"


class ImageInUse(RegistryError):
    """``rmi`` of an image that other tags or images still need."""

    code, status, default_message = "DENIED", 409, "image is in use"


class RegistryUnreachable(RegistryError):
    """A client named a registry host that is not on its network."""

    code, status, default_message = "UNAVAILABLE", 503, "service unavailable"

    @classmethod
    def no_such_host(cls, domain: str, known: "Iterable[str]") -> "RegistryUnreachable":
        """What docker says when a registry name does not resolve, plus the names that do."""
        return cls(f'Get "https://{domain}/v2/": dial tcp: lookup {domain}: no such host '
                   f"(registries on this network: {', '.join(sorted(known)) or 'none'})", detail=domain)


class BuildError(RegistryError):
    """A Dockerfile-like description could not be built."""

    code, status, default_message = "UNSUPPORTED", 400, "build failed"


ERRORS_BY_CODE: dict[str, type[RegistryError]] = {
    cls.code: cls
    for cls in (
        BlobUnknown,
        BlobUploadInvalid,
        BlobUploadUnknown,
        DigestInvalid,
        ManifestBlobUnknown,
        ManifestInvalid,
        ManifestUnknown,
        NameInvalid,
        NameUnknown,
        SizeInvalid,
        Unauthorized,
        Denied,
        Unsupported,
        TooManyRequests,
        TagInvalid,
        PaginationNumberInvalid,
    )
}
