"""``/v2/<name>/blobs/uploads/``: every way a blob gets in (end-4 .. end-6, end-11, end-13, end-14).

* ``POST`` opens a session (202 + ``Location``); with ``?digest=`` and a body it is a
  single-request upload (201); with ``?mount=<digest>&from=<repo>`` it links a blob another
  repository has (201), or opens a session when it cannot (202). Without ``from``, the
  registry looks for a repository the caller may pull that holds the blob (automatic mount,
  optional in the spec; on by default).
* ``PATCH <location>`` appends a chunk; ``Content-Range`` must start where the upload stands
  (416 otherwise, with ``Range`` and ``Location`` to resume from).
* ``GET <location>`` reports progress: 204 with ``Range: 0-<last byte>``.
* ``PUT <location>?digest=`` closes the upload, optionally with a last chunk (201).
* ``DELETE <location>`` cancels it (204).

A request body is staged completely (:mod:`~regsim.server.staging`: pieces in memory, or a file
of a persistent registry; never joined) before the model sees it, so a client that disconnects
half-way leaves the upload exactly as it was.

Access is checked before a session is looked up, so an upload id says nothing about a
repository the caller may not push to. Sessions opened here are tracked
(:class:`~regsim.server.limits.UploadTracker`): each client may hold a bounded number, and a
session older than the purge age is dropped.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, TypeVar

from starlette.responses import Response

from ..errors import expect
from ..oci.blob import Content
from ..registry import Registry
from ..registry.access import PULL, PUSH, Token
from ..oci.digest import Digest
from ..errors import (BlobUnknown, BlobUploadUnknown, DigestInvalid, NameInvalid, RangeInvalid, SizeInvalid,
                      TooManyRequests)
from ..oci.reference import validate_repository
from .blobs import blob_location
from .context import Context, ErrorReply, reply
from .protocol import parse_content_range, upload_range
from .staging import Staged

T = TypeVar("T")

__all__ = ["start_upload", "patch_upload", "upload_status", "finish_upload", "cancel_upload",
           "upload_location"]


def upload_location(name: str, upload_id: str) -> str:
    expect("name", name, str)
    expect("upload_id", upload_id, str)
    return f"/v2/{name}/blobs/uploads/{upload_id}"


def _session_headers(name: str, upload_id: str, size: int) -> list[tuple[str, str]]:
    return [("Location", upload_location(name, upload_id)), ("Range", upload_range(size)),
            ("Docker-Upload-UUID", upload_id)]


def _created(name: str, digest: str) -> Response:
    return reply(201, [("Location", blob_location(name, digest)), ("Docker-Content-Digest", digest)])


def _purge(ctx: Context) -> None:
    """Drop the sessions opened here that are older than the purge age (model lock held)."""
    registry = ctx.registry
    for upload_id in ctx.app.uploads.expired():
        if upload_id in registry.uploads:
            try:
                registry.expire_upload(upload_id)
            except OSError as exc:  # the store refused (read-only): the session stays, as on disk
                logging.getLogger("regsim.server").warning("could not purge upload %s: %s", upload_id, exc)


def _offset(registry: Registry, name: str, upload_id: str, auth: Token | None, ctx: Context | None = None) -> int:
    """Bytes received by upload ``upload_id`` of repository ``name`` (``BLOB_UPLOAD_UNKNOWN``).

    The caller's push access to ``name`` is checked first.
    """
    registry.authorize(name, PUSH, auth=auth)
    if ctx is not None:
        _purge(ctx)
    session = registry.uploads.get(upload_id)
    if session is None or session.repository != name:
        raise BlobUploadUnknown(f"blob upload unknown to registry: {upload_id!r} in {name}", detail=upload_id)
    return registry.upload_status(upload_id, auth=auth)


def _mount(ctx: Context, digest: Digest, source: str | None) -> bool:
    """Mount ``digest`` into the request's repository; False when it cannot (then: upload)."""
    registry, auth = ctx.registry, ctx.auth
    if source is None:
        if not ctx.app.auto_mount:
            return False
        source = next((name for name, repo in registry.repositories.items()
                       if name != ctx.name and repo.has_blob(digest) and ctx.identity.allows(name, PULL)
                       and registry.can(name, PULL, auth=auth)),
                      None)
        if source is None:
            return False
    else:
        try:
            validate_repository(source)
        except NameInvalid:
            return False
        if not (ctx.identity.allows(source, PULL) and registry.can(source, PULL, auth=auth)):
            return False
    try:
        registry.mount_blob(ctx.name, digest, source, auth=auth)
    except BlobUnknown:
        return False
    return True


def _client(ctx: Context) -> str:
    return ctx.request.client.host if ctx.request.client else ""


def _open(ctx: Context) -> tuple[str, int]:
    registry, tracker, client = ctx.registry, ctx.app.uploads, _client(ctx)
    registry.authorize(ctx.name, PUSH, auth=ctx.auth)
    _purge(ctx)
    if tracker.open_by(client) >= tracker.per_client:
        tracker.forget_missing(registry.uploads)
        if tracker.open_by(client) >= tracker.per_client:
            raise TooManyRequests(f"{client or 'this client'} already has {tracker.per_client} upload sessions "
                                  "open: finish or cancel one first", detail={"retry_after": 60})
    session = registry.start_upload(ctx.name, auth=ctx.auth)
    tracker.opened(session.id, client)
    return session.id, session.size


async def start_upload(ctx: Context) -> Response:
    mount, digest = ctx.query("mount"), ctx.query("digest")
    if mount is not None:
        wanted = Digest(mount)
        if await ctx.model(_mount, ctx, wanted, ctx.query("from")):
            return _created(ctx.name, wanted)
    elif digest is not None:
        expected = Digest(digest)
        staged = await ctx.stage(sha256=expected.algorithm == "sha256")
        try:
            content = staged.content(expected.algorithm)  # the pieces, not a joined copy
            blob = await ctx.model(ctx.registry.push_blob, ctx.name, content, expected, auth=ctx.auth)
        finally:
            staged.discard()
        return _created(ctx.name, blob.digest)
    upload_id, size = await ctx.model(_open, ctx)
    return reply(202, _session_headers(ctx.name, upload_id, size))


def _content_range(ctx: Context) -> tuple[int, int] | None:
    header = ctx.header("content-range")
    return parse_content_range(header) if header is not None else None


async def _check_start(ctx: Context, upload_id: str, start: int | None) -> int:
    offset = await ctx.model(_offset, ctx.registry, ctx.name, upload_id, ctx.auth, ctx)
    if start is not None and start != offset:
        raise ErrorReply(
            RangeInvalid(f"chunk starts at byte {start} but upload {upload_id} has {offset} bytes: "
                         f"the next chunk must start at {offset}", detail={"start": start, "offset": offset}),
            _session_headers(ctx.name, upload_id, offset))
    return offset


def _check_length(span: tuple[int, int] | None, data: Staged) -> None:
    if span is not None and data.size != span[1] - span[0] + 1:
        raise SizeInvalid(f"Content-Range {span[0]}-{span[1]} announces {span[1] - span[0] + 1} bytes "
                          f"but the body has {data.size}", detail={"range": list(span), "received": data.size})


async def _model_with_resume(ctx: Context, upload_id: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an upload call; on 416 add the headers a client needs to resume."""
    try:
        return await ctx.model(fn, *args, **kwargs)
    except RangeInvalid as exc:
        offset = await ctx.model(_offset, ctx.registry, ctx.name, upload_id, ctx.auth)
        raise ErrorReply(exc, _session_headers(ctx.name, upload_id, offset)) from None


async def patch_upload(ctx: Context) -> Response:
    upload_id = ctx.params["upload"]
    span = _content_range(ctx)
    offset = await _check_start(ctx, upload_id, span[0] if span else None)
    data = await ctx.stage(sha256=offset == 0)  # a first chunk is hashed as it arrives
    try:
        _check_length(span, data)
        size = await _model_with_resume(ctx, upload_id, _chunk, ctx, upload_id, data, span[0] if span else None)
    finally:
        data.discard()
    return reply(202, _session_headers(ctx.name, upload_id, size))


def _chunk(ctx: Context, upload_id: str, data: Staged, start: int | None) -> int:
    _offset(ctx.registry, ctx.name, upload_id, ctx.auth)
    return ctx.registry.upload_chunk(upload_id, data, start=start, auth=ctx.auth)


async def upload_status(ctx: Context) -> Response:
    upload_id = ctx.params["upload"]
    size = await ctx.model(_offset, ctx.registry, ctx.name, upload_id, ctx.auth, ctx)
    return reply(204, _session_headers(ctx.name, upload_id, size))


def _finish(ctx: Context, upload_id: str, digest: Digest, data: Staged, start: int | None) -> Content:
    _offset(ctx.registry, ctx.name, upload_id, ctx.auth)
    blob = ctx.registry.finish_upload(upload_id, digest, data, start=start, auth=ctx.auth)
    ctx.app.uploads.closed(upload_id)
    return blob


async def finish_upload(ctx: Context) -> Response:
    upload_id = ctx.params["upload"]
    digest = ctx.query("digest")
    if digest is None:
        raise DigestInvalid("closing an upload needs ?digest=<digest of the whole blob>", detail=upload_id)
    expected = Digest(digest)
    span = _content_range(ctx)
    offset = await _check_start(ctx, upload_id, span[0] if span else None)
    data = await ctx.stage(sha256=offset == 0 and expected.algorithm == "sha256")
    try:
        _check_length(span, data)
        blob = await _model_with_resume(ctx, upload_id, _finish, ctx, upload_id, expected, data,
                                        span[0] if span else None)
    finally:
        data.discard()
    return _created(ctx.name, blob.digest)


def _cancel(ctx: Context, upload_id: str) -> None:
    _offset(ctx.registry, ctx.name, upload_id, ctx.auth, ctx)
    ctx.registry.cancel_upload(upload_id, auth=ctx.auth)
    ctx.app.uploads.closed(upload_id)


async def cancel_upload(ctx: Context) -> Response:
    await ctx.model(_cancel, ctx, ctx.params["upload"])
    return reply(204)
