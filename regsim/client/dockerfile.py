"""Dockerfiles read as Docker reads them (the Dockerfile reference, BuildKit's frontend).

Grammar::

    dockerfile   := directive* ( comment | blank | instruction )*
    directive    := "#" name "=" value            (only at the very top: syntax, escape, check)
    instruction  := KEYWORD [ "--" flag [ "=" value ] ]* arguments [ heredoc* ]
    arguments    := the rest of the line; a line ending in the escape character ("\\", or "`"
                    after "# escape=`") continues on the next one. Comment lines and blank lines
                    inside a continuation are dropped, as Docker drops them.
    heredoc      := "<<" [ "-" ] [ quote ] WORD [ quote ], then lines up to a line "WORD"
                    (RUN, COPY and ADD; "<<-" strips leading tabs; a quoted WORD is not expanded)

Stages: ``ARG``\\ s before the first ``FROM`` are global (usable in ``FROM`` lines, and in a stage
after ``ARG NAME`` re-declares them); each ``FROM image [AS name]`` opens a stage.

Environment replacement (``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
``${VAR:+alt}``, ``${VAR+alt}``, ``${VAR:?message}``, ``${VAR#glob}``, ``${VAR%glob}`` and their
``##``/``%%`` forms) applies where the reference says: ``ADD COPY ENV EXPOSE FROM LABEL
STOPSIGNAL USER VOLUME WORKDIR ARG``, in words that also lose their quotes and escapes. ``RUN``,
``CMD`` and ``ENTRYPOINT`` are left to the shell.

>>> df = parse_dockerfile('''
... ARG BASE=alpine:3.17
... FROM ${BASE} AS build
... RUN echo hi \\\\
... # a comment inside a continuation
...     && echo there
... FROM scratch
... COPY --from=build /out /
... ''')
>>> [s.name for s in df.stages], str(df.stages[0].instructions[0])
(['build', None], 'RUN echo hi && echo there')
>>> expand("${A:-x}-${B:+y}-$C", {"B": "1", "C": "c"})
'x-y-c'
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from ..errors import BuildError

__all__ = ["Instruction", "Heredoc", "Stage", "Dockerfile", "parse_dockerfile", "expand", "words",
           "parse_exec_form", "parse_pairs", "INSTRUCTIONS", "EXPANDED"]

INSTRUCTIONS = ("FROM", "RUN", "COPY", "ADD", "ENV", "WORKDIR", "USER", "EXPOSE", "LABEL", "CMD",
                "ENTRYPOINT", "ARG", "HEALTHCHECK", "VOLUME", "SHELL", "STOPSIGNAL", "ONBUILD", "MAINTAINER")
LAYER_INSTRUCTIONS = ("RUN", "COPY", "ADD")
#: instructions whose arguments get environment replacement (the Dockerfile reference's list)
EXPANDED = ("ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "ARG")
#: the flags each instruction takes
FLAGS = {
    "FROM": ("platform",),
    "RUN": ("mount", "network", "security"),
    "COPY": ("from", "chown", "chmod", "link", "parents", "exclude"),
    "ADD": ("chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"),
    "HEALTHCHECK": ("interval", "timeout", "start-period", "start-interval", "retries"),
}
_DIRECTIVE = re.compile(r"^\s*#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$")
_HEREDOC = re.compile(r"(?<!<)<<(?!<)(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")  # not bash's <<<


@dataclass(frozen=True)
class Heredoc:
    """A here-document: its name, its text, and whether ``$VAR`` in it is expanded."""

    name: str
    body: str
    expand: bool = True


@dataclass(frozen=True)
class Instruction:
    """One instruction: ``keyword`` (upper case), its ``--flags``, its arguments and line number."""

    keyword: str
    args: str
    line: int
    flags: tuple[tuple[str, str], ...] = ()
    heredocs: tuple[Heredoc, ...] = ()
    #: the text after the keyword as written (flags included), continuations joined
    text: str = field(default="", repr=False)

    @property
    def makes_layer(self) -> bool:
        """Whether the instruction adds a filesystem layer (``RUN``, ``COPY`` and ``ADD`` do; the others
        only change the image config).
        """
        return self.keyword in LAYER_INSTRUCTIONS

    def flag(self, name: str, default: str | None = None) -> str | None:
        """The value of ``--name`` (the last one given), or ``default``."""
        found = [v for k, v in self.flags if k == name]
        return found[-1] if found else default

    def flag_values(self, name: str) -> list[str]:
        """Every value of ``--name``, in the order given (``RUN --mount`` may be repeated).

        >>> df = parse_dockerfile("FROM alpine\\nRUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/b make\\n")
        >>> run = df.stages[0].instructions[0]
        >>> run.flag_values("mount"), run.makes_layer
        (['type=cache,target=/a', 'type=tmpfs,target=/b'], True)
        """
        return [v for k, v in self.flags if k == name]

    def __str__(self) -> str:
        return f"{self.keyword} {self.text or self.args}"


@dataclass(frozen=True)
class Stage:
    """``FROM base [AS name]`` and the instructions after it."""

    base: str
    name: str | None
    index: int
    line: int
    platform: str | None = None
    instructions: tuple[Instruction, ...] = ()
    source: Instruction | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Dockerfile:
    """A parsed Dockerfile: parser directives, global ``ARG``\\ s and stages."""

    stages: tuple[Stage, ...]
    global_args: tuple[Instruction, ...] = ()
    escape: str = "\\"
    directives: Mapping[str, str] = field(default_factory=dict)

    def stage(self, name_or_index: str | int) -> Stage:
        """The stage named ``name_or_index`` (its ``AS`` name, or its number from 0), as ``--target`` and
        ``COPY --from`` find it.

        Raises :class:`~regsim.errors.BuildError` if there is no such stage.

        >>> df = parse_dockerfile("FROM alpine AS base\\nFROM base\\n")
        >>> df.stage("base").base, df.stage(1).base
        ('alpine', 'base')
        """
        for stage in self.stages:
            if stage.name == name_or_index or str(stage.index) == str(name_or_index):
                return stage
        raise BuildError(f"target stage {name_or_index!r} could not be found "
                         f"(stages: {', '.join(s.name or str(s.index) for s in self.stages)})",
                         detail=str(name_or_index))

    def steps(self, last: Stage | None = None) -> int:
        """How many instructions a build up to ``last`` (default: the final stage) runs."""
        last = last or self.stages[-1]
        return len(self.global_args) + sum(1 + len(s.instructions) for s in self.stages[: last.index + 1])


# -- lines ------------------------------------------------------------------------------------------


def _directives(lines: list[str]) -> tuple[dict[str, str], int]:
    found: dict[str, str] = {}
    for i, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if not match or match.group(1).lower() not in ("syntax", "escape", "check"):
            return found, i
        key = match.group(1).lower()
        if key in found:
            raise BuildError(f"Dockerfile line {i + 1}: only one {key} parser directive can be used", detail=key)
        found[key] = match.group(2)
    return found, len(lines)


def _is_skipped(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _logical_line(lines: list[str], i: int, escape: str) -> tuple[int, str, int] | None:
    """The next instruction from line index ``i``: ``(line number, joined text, index after it)``.

    Continuations are joined; comment and blank lines before it and inside it are dropped.
    """
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    while i < len(lines) and _is_skipped(lines[i]):
        i += 1
    if i == len(lines):
        return None
    number, parts = i + 1, []
    while True:
        line = lines[i]
        i += 1
        match = continuation.search(line)
        if not match:
            parts.append(line.strip())
            break
        parts.append(line[: match.start()].strip())
        while i < len(lines) and _is_skipped(lines[i]):  # Docker drops these inside a continuation
            i += 1
        if i == len(lines):
            break
    return number, " ".join(p for p in parts if p), i


def _heredocs(keyword: str, text: str, lines: list[str], i: int, number: int) -> tuple[tuple[Heredoc, ...], int]:
    if keyword not in LAYER_INSTRUCTIONS:
        return (), i
    docs = []
    for match in _HEREDOC.finditer(text):
        strip_tabs, quote, name = match.group(1) == "-", match.group(2), match.group(3)
        body = []
        while True:
            if i >= len(lines):
                raise BuildError(f"Dockerfile line {number}: here-document {name!r} is not closed "
                                 f"(no line {name!r} before the end)", detail=name)
            line = lines[i]
            i += 1
            if strip_tabs:
                line = line.lstrip("\t")
            if line == name:
                break
            body.append(line)
        docs.append(Heredoc(name, "".join(f"{b}\n" for b in body), expand=not quote))
    return tuple(docs), i


def _split_flags(keyword: str, text: str, number: int) -> tuple[tuple[tuple[str, str], ...], str]:
    flags: list[tuple[str, str]] = []
    rest = text
    while keyword in FLAGS and rest.startswith("--"):
        word, _, after = rest.partition(" ")
        name, eq, value = word[2:].partition("=")
        allowed = FLAGS.get(keyword, ())
        if name not in allowed:
            raise BuildError(f"Dockerfile line {number}: unknown flag: --{name} for {keyword}"
                             + (f" (it takes: {', '.join('--' + f for f in allowed)})" if allowed else ""),
                             detail=f"--{name}")
        flags.append((name, value if eq else "true"))
        rest = after.lstrip()
    return tuple(flags), rest


def _instruction(text: str, number: int, lines: list[str], i: int) -> tuple[Instruction, int]:
    keyword, _, rest = text.partition(" ")
    keyword = keyword.upper()
    if keyword not in INSTRUCTIONS:
        raise BuildError(f"Dockerfile line {number}: unknown instruction {keyword!r} "
                         f"(supported: {', '.join(INSTRUCTIONS)})", detail=keyword)
    rest = rest.strip()
    if not rest:
        raise BuildError(f"Dockerfile line {number}: {keyword} needs arguments", detail=keyword)
    flags, args = _split_flags(keyword, rest, number)
    docs, i = _heredocs(keyword, args, lines, i, number)
    if keyword == "ONBUILD":
        inner = args.split(None, 1)[0].upper()
        if inner in ("ONBUILD", "FROM", "MAINTAINER"):
            raise BuildError(f"Dockerfile line {number}: ONBUILD cannot trigger {inner}", detail=inner)
        _instruction(args, number, [], 0)  # the trigger must itself be a valid instruction
    return Instruction(keyword, args, number, flags, docs, rest), i


def parse_dockerfile(text: str) -> Dockerfile:
    """Parse a Dockerfile into global ARGs and stages (see the module docstring for the rules)."""
    if not isinstance(text, str):
        raise BuildError(f"a Dockerfile must be text, got {type(text).__name__}")
    lines = text.splitlines()
    directives, start = _directives(lines)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        raise BuildError(f"invalid escape token {escape!r}: it must be \\ or `", detail=escape)
    global_args: list[Instruction] = []
    stages: list[dict[str, Any]] = []
    names: set[str] = set()
    i = start
    while (found := _logical_line(lines, i, escape)) is not None:
        number, joined, i = found
        ins, i = _instruction(joined, number, lines, i)  # a here-document's body moves i on
        if ins.keyword == "FROM":
            words_ = ins.args.split()
            base, name = words_[0], None
            if len(words_) == 3 and words_[1].upper() == "AS":
                name = words_[2].lower()
                if not re.fullmatch(r"[a-z][a-z0-9._-]*", name):
                    raise BuildError(f"Dockerfile line {number}: invalid stage name {words_[2]!r}: it must "
                                     "start with a letter and hold only letters, digits, '.', '_' and '-'",
                                     detail=words_[2])
                if name in names:
                    raise BuildError(f"Dockerfile line {number}: duplicate stage name {name!r}", detail=name)
                names.add(name)
            elif len(words_) != 1:
                raise BuildError(f"Dockerfile line {number}: FROM takes an image and an optional "
                                 f"'AS name', got {ins.args!r}", detail=ins.args)
            stages.append({"base": base, "name": name, "index": len(stages), "line": number,
                           "platform": ins.flag("platform"), "instructions": [], "source": ins})
        elif not stages:
            if ins.keyword != "ARG":
                raise BuildError(f"Dockerfile line {number}: {ins.keyword} comes before the first FROM "
                                 "(only ARG may)", detail=ins.keyword)
            global_args.append(ins)
        else:
            stages[-1]["instructions"].append(ins)
    if not stages:
        raise BuildError("a Dockerfile must have a FROM (only ARG may come before it)")
    return Dockerfile(tuple(Stage(**{**s, "instructions": tuple(s["instructions"])}) for s in stages),
                      tuple(global_args), escape, directives)


# -- words and environment replacement --------------------------------------------------------------


def _name_end(text: str, i: int) -> int:
    j = i
    while j < len(text) and (text[j].isalnum() or text[j] == "_"):
        j += 1
    return j


def _closing_brace(text: str, i: int) -> int:
    depth = 1
    while i < len(text):
        if text.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise BuildError(f"missing '}}' in {text!r}", detail=text)


def _trim(value: str, op: str, pattern: str) -> str:
    cuts = range(len(value) + 1)
    if op in ("#", "##"):
        order = sorted(cuts, reverse=(op == "##"))
        for n in order:
            if fnmatch.fnmatchcase(value[:n], pattern):
                return value[n:]
    else:
        order = sorted(cuts, reverse=(op == "%"))
        for n in order:
            if fnmatch.fnmatchcase(value[n:], pattern):
                return value[:n]
    return value


def _variable(text: str, i: int, env: Mapping[str, str], escape: str) -> tuple[str, int]:
    """Expand the ``$...`` at ``text[i]``; return the value and the index after it."""
    if text.startswith("${", i):
        end = _closing_brace(text, i + 2)
        inner = text[i + 2 : end]
        j = _name_end(inner, 0)
        name, rest = inner[:j], inner[j:]
        if not name:
            raise BuildError(f"bad substitution: ${{{inner}}}", detail=inner)
        value = env.get(name)
        for op in (":-", ":+", ":?", "##", "%%", "-", "+", "?", "#", "%"):
            if rest.startswith(op):
                word = expand(rest[len(op):], env, escape)
                if op == ":-":
                    return (value if value else word), end + 1
                if op == "-":
                    return (value if value is not None else word), end + 1
                if op == ":+":
                    return (word if value else ""), end + 1
                if op == "+":
                    return (word if value is not None else ""), end + 1
                if op in (":?", "?"):
                    if value is None or (op == ":?" and not value):
                        raise BuildError(f"{name}: {word or 'is not set'}", detail=name)
                    return value, end + 1
                return _trim(value or "", op, word), end + 1
        if rest:
            raise BuildError(f"unsupported modifier ({rest[0]}) in substitution ${{{inner}}}", detail=inner)
        return value or "", end + 1
    j = _name_end(text, i + 1)
    if j == i + 1:
        return "$", i + 1
    return env.get(text[i + 1 : j], ""), j


def _process(text: str, env: Mapping[str, str] | None, escape: str, split: bool) -> list[str]:
    out: list[str] = []
    word: list[str] = []
    started = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() and split:
            if started:
                out.append("".join(word))
                word, started = [], False
            i += 1
            continue
        started = True
        if ch == escape and i + 1 < n:
            word.append(text[i + 1])
            i += 2
        elif ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise BuildError(f"unexpected end of statement while looking for matching single-quote: {text}",
                                 detail=text)
            word.append(text[i + 1 : end])
            i = end + 1
        elif ch == '"':
            i += 1
            while True:
                if i >= n:
                    raise BuildError(f"unexpected end of statement while looking for matching double-quote: {text}",
                                     detail=text)
                c = text[i]
                if c == '"':
                    i += 1
                    break
                if c == escape and i + 1 < n and text[i + 1] in ('"', "$", escape):
                    word.append(text[i + 1])
                    i += 2
                elif c == "$" and env is not None:
                    value, i = _variable(text, i, env, escape)
                    word.append(value)
                else:
                    word.append(c)
                    i += 1
        elif ch == "$" and env is not None:
            value, i = _variable(text, i, env, escape)
            word.append(value)
        else:
            word.append(ch)
            i += 1
    if started:
        out.append("".join(word))
    return out


def expand(text: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """``text`` with quotes and escapes removed and ``$VAR`` replaced (one word, spaces kept)."""
    return _one(text, env, escape)


def words(text: str, env: Mapping[str, str] | None = None, *, escape: str = "\\") -> list[str]:
    """Split on unquoted whitespace, removing quotes and escapes (and replacing ``$VAR`` if ``env``)."""
    return _process(text, env, escape, split=True)


def json_array(args: str) -> list[str] | None:
    """``["a", "b"]`` as a list of strings; None when it is not one (then it is the shell form)."""
    if not args.lstrip().startswith("["):
        return None
    try:
        value = json.loads(args)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def parse_exec_form(args: str, shell: tuple[str, ...] = ("/bin/sh", "-c")) -> tuple[str, ...]:
    """``["a", "b"]`` -> ``("a", "b")``; the shell form ``a b`` -> ``(*shell, "a b")``.

    As in Docker, text that is not a valid JSON array of strings is the shell form.
    """
    value = json_array(args)
    if value is not None:
        return tuple(value)
    return (*shell, args)


def _unquoted(text: str, escape: str) -> Iterator[tuple[int, str]]:
    """``(index, character)`` of each character of ``text`` outside quotes, escapes and ``${...}``."""
    quote, i, n = "", 0, len(text)
    while i < n:
        ch = text[i]
        if ch == escape and i + 1 < n and quote != "'":
            i += 2
            continue
        if quote != "'" and text.startswith("${", i):  # ${X:-a b}: one substitution, whatever it holds
            i = _closing_brace(text, i + 2) + 1
            continue
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        else:
            yield i, ch
        i += 1


def _raw_words(text: str, escape: str) -> list[tuple[int, str]]:
    """``(start, word)`` of the words of ``text``, split on unquoted whitespace, quotes kept."""
    out: list[tuple[int, str]] = []
    start = None
    spaces = {i for i, ch in _unquoted(text, escape) if ch.isspace()}
    for i in range(len(text) + 1):
        if i == len(text) or i in spaces:
            if start is not None:
                out.append((start, text[start:i]))
                start = None
        elif start is None:
            start = i
    return out


def parse_pairs(args: str, keyword: str, env: Mapping[str, str] | None = None, *,
                escape: str = "\\") -> list[tuple[str, str]]:
    """``k=v k2="v 2"`` (several pairs, quoted or escaped), or the legacy ``k v`` form of ENV and LABEL.

    A key may be quoted, as Docker allows (``LABEL "x y"="1"``): each word is cut at its first
    ``=`` outside quotes, and then its key and value lose their quotes and escapes.
    """
    words(args, None, escape=escape)  # an unclosed quote is told as such, before the words are cut
    raw = _raw_words(args, escape)
    cut = [next((i for i, ch in _unquoted(w, escape) if ch == "="), -1) for _, w in raw]
    if raw and cut[0] < 0:  # the legacy form: the first word is the key, the rest the value
        start, key = raw[0]
        value = args[start + len(key):].strip()
        if not value:
            raise BuildError(f"{keyword} needs key=value (or 'key value'): {args}", detail=args)
        return [(_one(key, env, escape), _one(value, env, escape))]
    pairs = []
    for (_, w), eq in zip(raw, cut):
        key = _one(w[:eq], env, escape) if eq > 0 else ""
        if eq < 0 or not key:
            raise BuildError(f"{keyword}: expected key=value, got {_one(w, env, escape)!r}", detail=w)
        pairs.append((key, _one(w[eq + 1:], env, escape)))
    return pairs


def _one(text: str, env: Mapping[str, str] | None, escape: str) -> str:
    result = _process(text, env, escape, split=False)
    return result[0] if result else ""
