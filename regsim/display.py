"""Rich notebook display: small, escaped HTML tables for the model's objects.

Every model object's ``_repr_html_`` calls :func:`to_html`. The HTML is cheap (no drawing),
deterministic (no ids, no times), escaped, uses inline styles only and no scripts, so it renders
the same in JupyterLab, VS Code, Voilà and nbval's comparisons.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Iterable

from .units import human_size, plural

if TYPE_CHECKING:
    from .oci.descriptor import Descriptor
    from .registry import Repository

__all__ = ["to_html", "table"]

_TABLE = "border-collapse:collapse;font-family:monospace;font-size:12px;margin:2px 0"
_TH = "text-align:left;padding:2px 8px;border-bottom:1px solid #888;background:#f4f4f4"
_TD = "text-align:left;padding:2px 8px;border-bottom:1px solid #ddd;vertical-align:top"
_CAPTION = "text-align:left;font-weight:bold;padding:2px 0;font-family:sans-serif"
MAX_ROWS = 40
MAX_LIST = 8  # items shown in one cell (tags of a repository, swept digests)


def table(rows: Iterable[Iterable[Any]], header: Iterable[str] | None = None, caption: str | None = None,
          max_rows: int = MAX_ROWS) -> str:
    """An HTML table of escaped cells; long tables are cut at ``max_rows`` with a count."""
    cells = [list(r) for r in rows]
    out = [f'<table style="{_TABLE}">']
    if caption:
        out.append(f'<caption style="{_CAPTION}">{escape(caption)}</caption>')
    if header:
        out.append("<tr>" + "".join(f'<th style="{_TH}">{escape(str(h))}</th>' for h in header) + "</tr>")
    for row in cells[:max_rows]:
        out.append("<tr>" + "".join(f'<td style="{_TD}">{escape(str(c))}</td>' for c in row) + "</tr>")
    if len(cells) > max_rows:
        width = len(cells[0]) if cells else 1
        out.append(f'<tr><td style="{_TD}" colspan="{width}">… {len(cells) - max_rows} more rows</td></tr>')
    out.append("</table>")
    return "".join(out)


def _descriptor_rows(descs: Iterable[Descriptor]) -> list[list[str]]:
    return [[d.media_type.rsplit(".", 1)[-1] if "." in d.media_type else d.media_type, d.digest.short,
             human_size(d.size), str(d.platform) if d.platform else ""] for d in descs]


def _some(items: list[str], limit: int = MAX_LIST) -> str:
    """``a, b, c … +12 more``: long lists stay one readable cell."""
    if not items:
        return "—"
    more = f" … +{len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _bytes(n: int) -> str:
    return f"{human_size(n)} ({n} B)"


def _repository_rows(repo: Repository) -> list[list[Any]]:
    """One row per manifest: what it is, its platforms, its size, the tags on it."""
    from .oci.manifest import Index

    rows = []
    listed = {d.digest: (s.digest, d.platform) for s in repo.manifests.values() if isinstance(s.parsed, Index)
              for d in s.parsed.manifests}
    for digest in sorted(repo.manifests, key=lambda d: (not repo.tags_of(d), d in listed, d)):
        stored = repo.manifests[digest]
        if isinstance(stored.parsed, Index):
            kind = "index"
            platforms = ", ".join(str(d.platform) for d in stored.parsed.manifests if d.platform) or "—"
            size = ""
        else:
            kind = "manifest"
            platforms = str(listed[digest][1] or "") if digest in listed else ""
            size = human_size(sum(d.size for d in stored.references()))
        tags = repo.tags_of(digest)
        if tags:
            named = _some(tags)
        elif digest in listed:
            named = f"(listed by index {listed[digest][0].short})"
        else:
            named = "(untagged)"
        rows.append([digest.short, kind, platforms, size, named])
    return rows


def to_html(obj: Any) -> str:
    """HTML for a registry, repository, host, image, manifest, index, descriptor, log or report."""
    from .oci.descriptor import Descriptor
    from .events import EventLog
    from .client.host import Host, Output
    from .oci.image import Image, ImageIndex
    from .oci.manifest import Index, Manifest
    from .registry import GCReport, Registry, Repository, StorageReport

    if isinstance(obj, Registry):
        blobs = obj.blobs
        rows = []
        for name, repo in obj.repositories.items():
            size = sum(blobs[d].size for d in repo.blobs if d in blobs)
            rows.append([name, repo.visibility, _some(list(repo.tags)), len(repo.manifests), len(repo.blobs),
                         human_size(size)])
        report = obj.storage()
        caption = (f"Registry {obj.name} ({obj.title}, access: {obj.access.mode}) — {plural(report.repositories, 'repository')}, "
                   f"{plural(report.blobs, 'blob')}, {human_size(report.physical_bytes)} stored, "
                   f"dedup {report.dedup_ratio:.2f}x")
        return table(rows, ["repository", "visibility", "tags", "manifests", "blobs", "blob bytes"], caption)
    if isinstance(obj, Repository):
        listed = {d.digest for s in obj.manifests.values() if isinstance(s.parsed, Index) for d in s.parsed.manifests}
        untagged = len([d for d in obj.untagged() if d not in listed])
        return table(_repository_rows(obj), ["manifest", "kind", "platforms", "size", "tags"],
                     f"Repository {obj.name} ({obj.visibility}): {plural(len(obj.tags), 'tag')}, "
                     f"{plural(len(obj.manifests), 'manifest')} ({untagged} untagged), {plural(len(obj.blobs), 'blob')}")
    if isinstance(obj, Host):
        rows = [[r["REPOSITORY"], r["TAG"], r["IMAGE ID"], r["SIZE"]] for r in obj.images()]
        return table(rows, ["repository", "tag", "image id", "size"],
                     f"Host {obj.name} ({obj.platform}): {plural(len(obj.layers), 'blob')}, "
                     f"{human_size(obj.disk_usage())} on disk")
    if isinstance(obj, Image):
        rows = [["config", obj.config_blob.digest.short, human_size(obj.config_blob.size), ""]]
        rows += [[f"layer {i}", l.digest.short, human_size(l.size), "placeholder" if l.is_placeholder else ""]
                 for i, l in enumerate(obj.layers)]
        return table(rows, ["part", "digest", "size", ""],
                     f"Image {obj.digest.short} ({obj.platform}), {human_size(obj.size)}")
    if isinstance(obj, ImageIndex):
        rows = [[str(d.platform or ""), d.digest.short, human_size(d.size)] for d in obj.index.manifests]
        return table(rows, ["platform", "manifest", "manifest size"], f"Image index {obj.digest.short}")
    if isinstance(obj, Manifest):
        return table(_descriptor_rows(obj.references()), ["type", "digest", "size", ""],
                     f"Manifest {obj.digest.short} ({obj.media_type})")
    if isinstance(obj, Index):
        return table(_descriptor_rows(obj.manifests), ["type", "digest", "size", "platform"],
                     f"Index {obj.digest.short} ({obj.media_type})")
    if isinstance(obj, Descriptor):
        return table([[obj.media_type, str(obj.digest), obj.size, str(obj.platform or "")]],
                     ["mediaType", "digest", "size", "platform"], "Descriptor")
    if isinstance(obj, EventLog):
        rows = [[e.seq, e.kind, e.describe()] for e in obj]
        if len(rows) > MAX_ROWS:
            rows = rows[-MAX_ROWS:]
        return table(rows, ["#", "event", "what happened"], f"Event log: {plural(len(obj), 'event')} (latest shown)")
    if isinstance(obj, StorageReport):
        rows = [["repositories", obj.repositories], ["manifests", obj.manifests], ["blobs", obj.blobs],
                ["physical (each blob once)", _bytes(obj.physical_bytes)],
                ["logical (every image whole)", _bytes(obj.logical_bytes)],
                ["saved by deduplication", _bytes(obj.saved_bytes)], ["dedup ratio", f"{obj.dedup_ratio:.2f}x"],
                ["placeholder bytes", _bytes(obj.placeholder_bytes)],
                ["unreferenced (gc would free)", _bytes(obj.unreferenced_bytes)]]
        return table(rows, ["", "value"], "Storage")
    if isinstance(obj, GCReport):
        rows = [["marked (kept)", obj.marked], ["swept blobs", _some([d.short for d in obj.swept])],
                ["bytes freed", _bytes(obj.bytes_freed)],
                ["untagged manifests deleted", _some([f"{r}@{d.short}" for r, d in obj.deleted_manifests])],
                ["dry run", obj.dry_run]]
        return table(rows, ["", ""], "Garbage collection" + (" (dry run: nothing removed)" if obj.dry_run else ""))
    if isinstance(obj, Output):
        return f'<pre style="font-size:12px;margin:2px 0">{escape(str(obj))}</pre>'
    return f"<pre>{escape(repr(obj))}</pre>"
