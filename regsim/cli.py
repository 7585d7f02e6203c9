"""The ``regsim`` command.

``regsim serve`` runs a registry model behind the real OCI distribution API and prints every
model event as it happens, so you can push with ``docker`` or ``skopeo`` in another terminal
and watch what the registry does::

    regsim serve                                   # open registry on 127.0.0.1:5000
    regsim serve --access namespaces --user alice:secret --port 5001
    regsim serve --load ./layout=demo/app          # start with the images of an OCI layout

``docker`` talks plain HTTP to 127.0.0.0/8 without any configuration; ``skopeo`` needs
``--dest-tls-verify=false`` / ``--src-tls-verify=false``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, Sequence

from .registry.access import MODES
from .errors import InvalidArgument, NameInvalid, RegistryError
from .oci.reference import validate_repository

if TYPE_CHECKING:
    from .registry import Registry
    from .registry.filesystem.lock import StoreLock
# cli imports the server only inside functions (tests/test_imports.py): its objects are typed Any here

__all__ = ["main"]

# ``--help`` is read in a terminal: plain text here (the module docstring above is for the docs).
SERVE_DESCRIPTION = """\
Run a registry model behind the real OCI distribution API and print every model
event as it happens, so you can push with docker or skopeo in another terminal
and watch what the registry does.

Without --data, everything is kept in memory only and is lost when the server
stops."""

SERVE_EPILOG = """\
examples:
  regsim serve                                  an open registry on 127.0.0.1:5000
  regsim serve --access namespaces --user alice:secret --port 5001
  regsim serve --load ./layout=demo/app         start with the images of an OCI layout
  regsim serve --classroom students.csv         a workshop: a user and namespace each, a shared team/
  regsim serve --data ./store                   keep everything in ./store (docker/registry/v2/...)
  regsim serve --rate-limit 100/6h              count pulls as Docker Hub does (429 past the limit)
  regsim serve --mirror-of http://127.0.0.1:5001 --port 5002
                                                a pull-through cache of another registry
  regsim gc --data ./store --dry-run            what garbage collection would delete
  regsim check --data ./store                   is the store consistent?

docker talks plain HTTP to 127.0.0.0/8 without any configuration; skopeo needs
--dest-tls-verify=false to push and --src-tls-verify=false to pull."""


def _user(value: str) -> tuple[str, str]:
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD, got {value!r}")
    return user, password


def _load(value: str) -> tuple[str, str | None]:
    """``PATH`` or ``PATH=REPOSITORY``: what follows the last ``=`` must be a repository name."""
    path, sep, repository = value.rpartition("=")
    if not sep:
        return value, None
    if not path:
        raise argparse.ArgumentTypeError(f"expected PATH[=REPOSITORY], got {value!r}: no PATH before '='")
    try:
        return path, validate_repository(repository)
    except NameInvalid as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: the repository after '=' is not valid: {exc}") from None


# one line each: what ``regsim --help`` shows under "commands" (a test checks every subcommand is here)
COMMAND_EXAMPLES = {
    "serve": "regsim serve --port 5001                  a registry docker can push to",
    "gc": "regsim gc --data ./store --dry-run        what garbage collection would delete",
    "check": "regsim check --data ./store               is the store consistent?",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("regsim")
    except PackageNotFoundError:  # a source checkout on sys.path, not installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regsim", description="Teach and simulate container registries.",
        epilog="examples:\n" + "\n".join(f"  {line}" for line in COMMAND_EXAMPLES.values())
        + "\n\n'regsim COMMAND --help' tells more about each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"regsim {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve a registry model over the OCI distribution API",
                                description=SERVE_DESCRIPTION, epilog=SERVE_EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    network = serve.add_argument_group("network and output")
    network.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    network.add_argument("--port", type=_port, default=5000, help="port (default: 5000; 0 picks a free one)")
    network.add_argument("--name", help="the registry's name in the model (default: localhost:<port>)")
    network.add_argument("--quiet", action="store_true", help="do not print model events")
    storage = serve.add_argument_group("storage")
    storage.add_argument("--data", metavar="DIR",
                         help="keep blobs, manifests, tags and uploads in DIR, in the reference registry's "
                              "layout (docker-registry can serve it too); without it, memory only")
    storage.add_argument("--load", type=_load, action="append", default=[], metavar="PATH[=REPOSITORY]",
                         help="push the images of an OCI layout or docker save tarball first, into "
                              "REPOSITORY if given (repeatable; a PATH with '=' in it needs =REPOSITORY)")
    storage.add_argument("--no-auto-mount", action="store_true",
                         help="answer a mount without 'from' with an upload session instead of searching")
    storage.add_argument("--admin", action="append", default=[], metavar="NAME",
                         help="a user who may run garbage collection over HTTP (POST /admin/gc; on a "
                              "server without auth, anyone on this machine may). It runs while clients push: "
                              "blobs uploaded or mounted within --gc-grace are not swept")
    storage.add_argument("--gc-grace", type=_non_negative_float, default=10.0, metavar="MINUTES",
                         help="POST /admin/gc keeps blobs uploaded or mounted this recently, so a push in "
                              "flight keeps its blobs until its manifest arrives (default: 10; 0: none)")
    access = serve.add_argument_group("access")
    access.add_argument("--access", choices=MODES, default="open",
                        help="open (registry:2), htpasswd (registry:2 with logins) or namespaces (Docker Hub)")
    access.add_argument("--user", type=_user, action="append", default=[], metavar="NAME:PASSWORD",
                        help="add an account (repeatable)")
    access.add_argument("--auth", choices=("none", "basic", "bearer"),
                        help="HTTP authentication (default: from --access)")
    classroom = serve.add_argument_group("classroom")
    classroom.add_argument("--classroom", metavar="CSV",
                           help="a workshop registry: a user and namespace per line of CSV (columns name,password), "
                                "all may push to the team namespace (implies --access namespaces)")
    classroom.add_argument("--team", default="team", help="the shared namespace of --classroom (default: team)")
    classroom.add_argument("--instructor", type=_user, metavar="NAME:PASSWORD",
                           help="with --classroom: the instructor's login, for the web dashboard at /-/dashboard "
                                "(and pushing anywhere); default: 'instructor' with a password printed at start")
    access.add_argument("--rate-limit", type=_rate_limit, metavar="N/PERIOD",
                         help="Docker Hub's pull accounting: N manifest GETs per PERIOD (100/6h, 10/m, 5/30s) per "
                              "user or anonymous address; a HEAD is free; then 429 TOOMANYREQUESTS")
    storage.add_argument("--sparse", action="store_true",
                         help="accept manifests that name blobs never pushed (the conformance suite's sparse images)")
    mirror = serve.add_argument_group("pull-through cache (--mirror-of)")
    mirror.add_argument("--mirror-of", metavar="URL",
                        help="serve as a pull-through cache of the registry at URL (docker.io: Docker Hub): "
                             "pulls fetch what is not stored yet, pushes are refused; GET /mirror/stats counts")
    mirror.add_argument("--mirror-ttl", type=_non_negative_float, default=60.0, metavar="SECONDS",
                        help="trust a tag this long before asking the upstream again (default: 60; 0: every pull)")
    mirror.add_argument("--mirror-revalidate", choices=("head", "get"), default="head",
                        help="ask about a stale tag with a HEAD (free on Docker Hub; default) or a GET (one pull)")
    mirror.add_argument("--mirror-user", type=_user, metavar="NAME:PASSWORD",
                        help="log in to the upstream (its pulls then count for that user)")
    mirror.add_argument("--no-library", action="store_true",
                        help="do not map one-component names to library/<name> (Docker Hub's official images)")
    limits = serve.add_argument_group("limits (a long-running server's memory stays bounded)")
    limits.add_argument("--event-log", type=_positive, default=10_000, metavar="N",
                        help="keep the newest N model events (default: 10000)")
    limits.add_argument("--max-body", type=_positive, default=4 << 30, metavar="BYTES",
                        help="largest request body, a blob or one chunk (default: 4 GiB)")
    limits.add_argument("--upload-purge-age", type=_positive_float, default=168.0, metavar="HOURS",
                        help="purge upload sessions older than this (default: 168, as distribution)")
    limits.add_argument("--max-uploads-per-client", type=_positive, default=100, metavar="N",
                        help="open upload sessions one client may hold (default: 100)")
    gc = commands.add_parser("gc", help="garbage-collect a registry store, like registry garbage-collect",
                             description="Mark every blob a manifest references, then delete the rest "
                                         "(refused while regsim serve serves the store: use its POST /admin/gc then). "
                                         "Safe to interrupt: run it again to finish.",
                             epilog=f"example:\n  {COMMAND_EXAMPLES['gc']}",
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    gc.add_argument("--data", metavar="DIR", required=True, help="the store (as given to serve --data)")
    gc.add_argument("--dry-run", action="store_true", help="only print what would be deleted")
    gc.add_argument("--delete-untagged", "-m", action="store_true",
                    help="also delete manifests no tag points at")
    fsck = commands.add_parser("check", help="check a registry store for consistency (like fsck)",
                               description="Verify every link, blob digest, manifest and tag of a store.",
                               epilog=f"example:\n  {COMMAND_EXAMPLES['check']}",
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    fsck.add_argument("--data", metavar="DIR", required=True, help="the store (as given to serve --data)")
    fsck.add_argument("--fast", action="store_true", help="do not re-hash every blob")
    fsck.add_argument("--repair", action="store_true",
                      help="first remove the links that name nothing (layer and revision links to what is not "
                           "stored, tags that point at no manifest); refused while a server serves the store")
    return parser


def _gc(args: argparse.Namespace) -> int:
    from .registry.filesystem import garbage_collect

    report = garbage_collect(args.data, dry_run=args.dry_run, delete_untagged=args.delete_untagged,
                             problems=lambda found: print(
                                 f"regsim gc: {args.data} is damaged ({len(found)} found on opening; "
                                 f"regsim check --data {args.data} lists them): every blob a manifest "
                                 "revision names is kept", file=sys.stderr))
    for digest in report.swept:
        print(f"{'would delete' if args.dry_run else 'deleted'} blob {digest}")
    for repository, digest in report.deleted_manifests:
        print(f"{'would delete' if args.dry_run else 'deleted'} manifest {repository}@{digest}")
    print(f"regsim gc: {report}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .registry.filesystem import check
    from .registry.filesystem.check import repair

    if args.repair:
        for line in repair(args.data):
            print(line)
    report = check(args.data, verify_digests=not args.fast)
    print(report)
    return 0 if report.ok else 1


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {value!r}")
    return int(value)


def _reachable_urls(host: str, port: int) -> list[str]:
    """URLs others can use for a server bound to ``host``: for all interfaces (``0.0.0.0``,
    ``::``, ``""``), this machine's loopback and its addresses; otherwise the host itself."""
    import socket

    if host not in ("0.0.0.0", "::", ""):
        shown = f"[{host}]" if ":" in host else host
        return [f"http://{shown}:{port}"]
    addresses = ["127.0.0.1"]
    try:
        addresses += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    try:  # the address of the route out (a UDP connect sends nothing)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            addresses.append(probe.getsockname()[0])
    except OSError:
        pass
    seen = [a for i, a in enumerate(addresses) if a not in addresses[:i] and a != "0.0.0.0"]
    return [f"http://{a}:{port}" for a in seen]


def _rate_limit(value: str) -> Any:  # a regsim.server.ratelimit.PullLimit
    from .errors import InvalidArgument
    from .server.ratelimit import PullLimit

    try:
        return PullLimit.parse(value)
    except InvalidArgument as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return int(value)


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def _non_negative_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number >= 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value!r}")
    return number


def _load_sources(registry: Registry, loads: list[tuple[str, str | None]]) -> list[str]:
    """Import every ``--load`` source; returns one line per source that could not be loaded."""
    from .io import LayoutError, import_images
    from .io.transfer import RepositoryNeeded

    problems = []
    for path, repository in loads:
        try:
            pushed = import_images(registry, path, repository)
        except RepositoryNeeded as exc:
            text = str(exc).removesuffix("pass repository=").rstrip(": ")
            problems.append(f"regsim: cannot load {path}: {text}: load it as --load {path}=REPOSITORY")
            continue
        except (LayoutError, RegistryError, OSError, ValueError) as exc:
            text = exc.message if isinstance(exc, RegistryError) else str(exc)
            problems.append(f"regsim: cannot load {path}: {' '.join(text.split())}")
            continue
        for reference, digest in pushed.items():
            print(f"loaded {reference} ({digest.short})")
    return problems


def _serve(args: argparse.Namespace) -> int:
    from .events import EventLog
    from .registry.access import AccessPolicy
    from .registry import Registry
    from .server import RegistryApp, RegistryServer
    from .server.runner import bind

    mirror = None
    if args.mirror_of:
        from .server.mirror import Mirror

        if args.access != "open" or args.classroom or args.load:
            print("regsim: --mirror-of serves an open cache: it takes no --access, --classroom or --load",
                  file=sys.stderr)
            return 1
        user, password = args.mirror_user or (None, None)
        mirror = Mirror(args.mirror_of, ttl=args.mirror_ttl, revalidate=args.mirror_revalidate,
                        library=not args.no_library, username=user, password=password)
    sock = bind(args.host, args.port)  # bind first: the name defaults to the real port
    port = sock.getsockname()[1]
    name = args.name or f"localhost:{port}"
    policy = AccessPolicy("namespaces" if args.classroom else args.access, secret=name)
    for user, password in args.user:
        policy.add_user(user, password)
    if args.instructor and not args.classroom:
        sock.close()
        print("regsim: --instructor goes with --classroom", file=sys.stderr)
        return 1
    if args.classroom:
        import secrets

        from .server.classroom import Participant, read_participants, setup_access

        instructor = Participant(*args.instructor) if args.instructor else \
            Participant("instructor", secrets.token_urlsafe(9))
        try:
            people = read_participants(args.classroom)
            if instructor.name in [p.name for p in people]:
                raise InvalidArgument(f"the instructor {instructor.name!r} is also a participant: "
                                      "pass --instructor NAME:PASSWORD with another name")
            setup_access(policy, people, team=args.team, instructor=instructor)
        except (OSError, ValueError) as exc:
            sock.close()
            print(f"regsim: --classroom: {exc}", file=sys.stderr)
            return 1
        print(f"regsim: classroom of {len(people)}: each pushes to <name>/..., everyone to {args.team}/...")
    # --load seeds the storage before access control starts (as an operator copying files in
    # would), so loaded repositories are public whatever the access mode.
    seed_policy, events = AccessPolicy("open", secret=name), EventLog(maxlen=args.event_log)
    lock = None
    sparse = args.sparse or mirror is not None  # a mirror stores a manifest before its layers
    if args.data:
        from .registry.filesystem import hold

        os.makedirs(args.data, exist_ok=True)
        lock = hold(args.data, "serve")  # held while serving: offline gc refuses, naming this PID
        registry = Registry.open(args.data, name, access=seed_policy, events=events, sparse=sparse)
        for problem in registry.load_problems:
            print(f"regsim: {args.data}: {problem}", file=sys.stderr)
    else:
        registry = Registry(name, access=seed_policy, events=events, sparse=sparse)
    problems = _load_sources(registry, args.load)
    if problems:
        sock.close()
        print("\n".join(problems), file=sys.stderr)
        return 1
    registry.reset_access(policy)
    app: Any = RegistryApp(  # a RegistryApp, or the ClassroomApp that wraps it below
                      registry, auth=args.auth, auto_mount=not args.no_auto_mount, max_body_size=args.max_body,
                      upload_purge_age=args.upload_purge_age * 3600, max_uploads_per_client=args.max_uploads_per_client,
                      admin_users=set(args.admin), gc_grace=args.gc_grace * 60, rate_limit=args.rate_limit,
                      mirror=mirror)
    room = None
    if args.classroom:  # every line names the participant; refusals are printed too
        from .server.classroom import ClassroomApp

        app = room = ClassroomApp(app, people, team=args.team, instructor=instructor)
        if not args.quiet:
            room.journal.listeners.append(lambda line: print(line, flush=True))
    elif not args.quiet:
        registry.events.subscribe(lambda event: print(f"#{event.seq:<5} {event.describe()}", flush=True))
        if mirror is not None:
            mirror.subscribe(lambda event: print(f"       {event.describe()}", flush=True))
    server = RegistryServer(app, sock).start()
    urls = _reachable_urls(args.host, port)
    if args.host in ("0.0.0.0", "::", ""):
        print(f"regsim: serving {name} ({policy.mode}, auth {server.app.auth.scheme}) on all interfaces, port "
              f"{port}: {', '.join(urls)}")
    else:
        print(f"regsim: serving {name} ({policy.mode}, auth {server.app.auth.scheme}) at {server.url}")
    if args.rate_limit is not None:
        print(f"  rate limit: {args.rate_limit.pulls} pulls (manifest GETs) per {args.rate_limit.text.split('/')[1]} "
              "per user or address, as Docker Hub counts them")
    address = urls[-1].removeprefix("http://")  # for all interfaces: the one others reach
    if mirror is not None:
        print(f"  mirror of {mirror.url} (tags trusted {mirror.ttl:g} s, revalidated with {mirror.revalidate.upper()}); "
              f"counters: {server.url}/mirror/stats")
    print(f"  storage: {args.data} (the reference registry's layout)" if args.data else
          "  storage: in memory only (lost when the server stops; --data DIR keeps it)")
    if mirror is not None:
        print(f"  dockerd: --registry-mirror {server.url}    pull: docker pull {address}/library/busybox:latest")
        print("Press Ctrl-C to stop.", flush=True)
        return _wait(server, registry, room, lock)
    # the example pushes to a namespace the users may push to: in a classroom, the shared team one
    example = f"{address}/{args.team if args.classroom else 'demo'}/app:1.0"
    print(f"  push: skopeo copy --dest-tls-verify=false oci:<layout>:<tag> docker://{example}")
    print(f"        docker push {example}")
    if room is not None:
        print(f"  dashboard: {urls[-1]}/-/dashboard (log in as {instructor.name}"
              + ("" if args.instructor else f", password {instructor.password}") + ")")
    print("Press Ctrl-C to stop.", flush=True)
    return _wait(server, registry, room, lock)


def _wait(server: Any, registry: "Registry", room: Any, lock: "StoreLock | None") -> int:
    """Serve until Ctrl-C or SIGTERM, then stop, release the store's lock and print the totals."""
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    while not stopped.wait(0.5):
        if not server.running:
            print("regsim: the server stopped unexpectedly", file=sys.stderr)
            return 1
    server.stop()
    if lock is not None:
        lock.release()
    print(f"regsim: stopped. {registry.storage()}", flush=True)
    if room is not None:
        print(f"per participant:\n{room.activity().summary()}", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("gc", "check"):
        try:
            return _gc(args) if args.command == "gc" else _check(args)
        except (OSError, ValueError, RegistryError) as exc:
            print(f"regsim {args.command}: {exc}", file=sys.stderr)
            return 1
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        print("regsim serve needs the server extra: pip install 'regsim[server]'", file=sys.stderr)
        return 2
    try:
        return _serve(args)
    except (OSError, ValueError, RegistryError) as exc:
        print(f"regsim: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
