"""Completion for Dockerfiles (engine side: no LSP types).

:func:`complete` answers from the document model of the current version and
from the cursor's line; nothing here blocks or touches the network. It offers:

* instruction keywords at the start of an instruction (snippet variants such
  as ``FROM image:tag AS name`` when the client takes snippets; before the
  first FROM only ``ARG`` and ``FROM``; after ``ONBUILD`` the allowed triggers);
* builder flags valid for the instruction (BuildKit's table, from
  :mod:`dockwise.editor.instruction_docs`; flags already given are not offered
  again, except the repeatable ``--mount``/``--exclude``/``--device``) and
  their values: ``--from=`` earlier stages, ``--mount=`` keys per mount type
  and ``type=``/``sharing=``/``from=`` values, ``--network=``, ``--security=``,
  ``--platform=`` …;
* ``$``/``${`` variables in scope at that line, following BuildKit: global
  ARGs (and the predefined platform ARGs) only in FROM lines; in a stage the
  ARG/ENV of the stage and of the stages it is built from, defined on an
  earlier line; the proxy ARGs in RUN;
* parser directives (``# syntax=``, ``# escape=``, ``# check=``) and their
  values in the directive lines at the top;
* image names and tags after FROM from the offline image table
  (:func:`dockwise.images.catalog.size_table`) plus the tags a live image source
  (``server.live_images``, :class:`dockwise.images.registry.LiveImages`) has already
  cached (only cached data is read), and earlier stage names;
* a few argument values: ``HEALTHCHECK CMD|NONE``, ``AS`` after the FROM
  image, predefined ARG names after ``ARG``, ``EXPOSE`` protocols,
  ``STOPSIGNAL`` signals, ``SHELL`` forms.

Each :class:`Item` replaces the text from ``start`` up to the cursor (or, for
a keyword being edited, to the keyword's end; always on the cursor's line), so
a typed prefix such as ``2.1-`` is never doubled.
:func:`context_at` (shared with :mod:`dockwise.editor.signature`) works out where the
cursor is from the physical lines, so half-typed input works.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from dockwise import lazyre
from dockwise.editor import instruction_docs as docs
from dockwise.syntax.model import Dockerfile, Instruction, Pos, Stage
from dockwise.syntax.parser import KEYWORDS, _continues, _is_comment

# -- cursor context ---------------------------------------------------------------------


@dataclass(slots=True)
class Context:
    """Where the cursor is.

    ``kind``: ``keyword`` (start of an instruction), ``args`` (after the
    keyword), ``directive`` (a comment line in the directive block),
    ``heredoc`` (a heredoc body), ``none``.
    For ``args``: ``keyword`` is the effective keyword (the ONBUILD trigger's),
    ``words`` the complete words before the cursor's word (after the keyword)
    with the column of their start, ``word`` the text of the cursor's word up
    to the cursor and ``word_start`` where it starts (on the cursor's line).
    """

    kind: str
    pos: Pos
    ins: Instruction | None = None
    keyword: str = ""
    onbuild: bool = False
    words: list[str] = field(default_factory=list)
    word: str = ""
    word_start: Pos | None = None
    line_prefix: str = ""
    word_end: Pos | None = None  # set when the whole word (past the cursor) is replaced

    @property
    def flags_phase(self) -> bool:
        """True while only flags have been written after the keyword."""
        return all(w.startswith("--") and w != "--" for w in self.words)

    @property
    def positional(self) -> list[str]:
        """The complete non-flag words before the cursor's word."""
        out: list[str] = []
        flags = True
        for w in self.words:
            if flags and w.startswith("--") and w != "--":
                continue
            flags = False
            out.append(w)
        return out


_BLANKS = " \t"


def _instruction_covering(df: Dockerfile, line: int) -> Instruction | None:
    starts = [i.span.start.line for i in df.instructions]
    k = bisect.bisect_right(starts, line) - 1
    while k >= 0:
        ins = df.instructions[k]
        if ins.span.start.line <= line <= ins.span.end.line:
            return ins
        if ins.span.end.line < line:
            return None
        k -= 1
    return None


def _in_heredoc(ins: Instruction, line: int) -> bool:
    for h in ins.effective.heredocs:
        first = h.body_span.start.line if h.body_span is not None else None
        last = h.terminator_span.start.line if h.terminator_span is not None else ins.span.end.line
        if first is None:
            first = last
        if first <= line <= last:
            return True
    return False


def _directive_zone(df: Dockerfile, line: int) -> bool:
    """Every line before ``line`` is a parser directive (so ``line`` may be one)."""
    dl = {d.span.start.line for d in df.directives}
    return all(i in dl for i in range(line))


def _logical_prefix(df: Dockerfile, start_line: int, pos: Pos) -> str:
    """The instruction's logical text from its first line up to the cursor
    (continuations joined as BuildKit does; comment and blank lines dropped)."""
    esc = df.escape
    parts: list[str] = []
    for ln in range(start_line, pos.line + 1):
        text = df.lines[ln] if ln < len(df.lines) else ""
        if ln == pos.line:
            parts.append(text[: pos.col])
            break
        if ln > start_line and (_is_comment(text) or not text.strip()):
            continue
        piece, _cont = _continues(text, esc)
        parts.append(piece)
    out = "".join(parts)
    if out.startswith("\ufeff"):
        out = out[1:]
    return out.lstrip()


def context_at(df: Dockerfile, pos: Pos) -> Context:
    """The completion/signature context at ``pos`` (never raises on odd input)."""
    line_text = df.lines[pos.line] if 0 <= pos.line < len(df.lines) else ""
    col = max(0, min(pos.col, len(line_text)))
    pos = Pos(pos.line, col)
    prefix = line_text[:col]
    stripped = prefix.lstrip(" \t\ufeff")
    ins = _instruction_covering(df, pos.line) if pos.line < len(df.lines) else None
    if ins is not None and _in_heredoc(ins, pos.line):
        return Context("heredoc", pos, ins, line_prefix=prefix, **_word_of(prefix, pos))
    if stripped.startswith("#"):
        if (ins is None or ins.span.start.line > pos.line) and _directive_zone(df, pos.line):
            return Context("directive", pos, line_prefix=prefix)
        return Context("none", pos, ins, line_prefix=prefix)
    if ins is None or (ins.start_line == pos.line and ins.keyword_span.start.col >= col):
        # a blank line, or before/at the start of an instruction's keyword
        if not stripped or not any(c in _BLANKS for c in stripped):
            start = Pos(pos.line, col - len(stripped))
            return Context("keyword", pos, ins, word=stripped, word_start=start, line_prefix=prefix)
        return Context("none", pos, ins, line_prefix=prefix)
    if ins.start_line == pos.line and ins.keyword_span.start.line == ins.keyword_span.end.line \
            and col <= ins.keyword_span.end.col:
        start = ins.keyword_span.start
        return Context("keyword", pos, ins, word=line_text[start.col:col], word_start=start, line_prefix=prefix,
                       word_end=ins.keyword_span.end)
    logical = _logical_prefix(df, ins.start_line, pos)
    toks = logical.split()
    ends_blank = not logical or logical[-1] in " \t"
    done = toks if ends_blank else toks[:-1]
    if not done:  # still typing the keyword (continued keyword, odd layouts)
        return Context("none", pos, ins, line_prefix=prefix)
    keyword = done[0].upper()
    words = done[1:]
    onbuild = False
    if keyword == "ONBUILD":
        onbuild = True
        if not words:
            w = _word_of(prefix, pos)
            return Context("keyword", pos, ins, onbuild=True, line_prefix=prefix, **w)
        keyword, words = words[0].upper(), words[1:]
    return Context("args", pos, ins, keyword, onbuild, words, line_prefix=prefix, **_word_of(prefix, pos))


def _word_of(prefix: str, pos: Pos) -> dict[str, Any]:
    i = len(prefix)
    while i > 0 and prefix[i - 1] not in _BLANKS:
        i -= 1
    return {"word": prefix[i:], "word_start": Pos(pos.line, i)}


# -- items ------------------------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """One completion: replaces ``start``..cursor with ``insert``."""

    label: str
    kind: str  # keyword | flag | value | variable | stage | image | tag | directive | snippet
    insert: str
    start: Pos
    end: Pos | None = None  # None: the cursor
    snippet: bool = False  # ``insert`` is snippet syntax
    detail: str | None = None
    doc: str | None = None  # Markdown
    filter: str | None = None
    sort: str | None = None
    deprecated: bool = False


# instruction keyword → (label, snippet) variants; the first one is the main item
_SNIPPETS: dict[str, list[tuple[str, str]]] = {
    "FROM": [("FROM", "FROM ${1:image}:${2:tag}"), ("FROM image:tag AS name", "FROM ${1:image}:${2:tag} AS ${3:name}")],
    "RUN": [
        ("RUN", "RUN ${1:command}"),
        ("RUN --mount=type=cache", "RUN --mount=type=cache,target=${1:/root/.cache} ${2:command}"),
        ("RUN <<EOF", "RUN <<EOF\n${1:command}\nEOF"),
    ],
    "CMD": [("CMD", 'CMD ["${1:executable}", "${2:param}"]')],
    "LABEL": [("LABEL", "LABEL ${1:key}=${2:value}")],
    "EXPOSE": [("EXPOSE", "EXPOSE ${1:port}")],
    "ENV": [("ENV", "ENV ${1:key}=${2:value}")],
    "ADD": [("ADD", "ADD ${1:source} ${2:dest}")],
    "COPY": [("COPY", "COPY ${1:source} ${2:dest}"), ("COPY --from=stage", "COPY --from=${1:stage} ${2:source} ${3:dest}")],
    "ENTRYPOINT": [("ENTRYPOINT", 'ENTRYPOINT ["${1:executable}", "${2:param}"]')],
    "VOLUME": [("VOLUME", 'VOLUME ["${1:/data}"]')],
    "USER": [("USER", "USER ${1:user}")],
    "WORKDIR": [("WORKDIR", "WORKDIR ${1:/path}")],
    "ARG": [("ARG", "ARG ${1:name}"), ("ARG name=default", "ARG ${1:name}=${2:default}")],
    "ONBUILD": [("ONBUILD", "ONBUILD ${1:INSTRUCTION}")],
    "STOPSIGNAL": [("STOPSIGNAL", "STOPSIGNAL ${1:SIGTERM}")],
    "HEALTHCHECK": [
        ("HEALTHCHECK", "HEALTHCHECK CMD ${1:command}"),
        ("HEALTHCHECK --interval … CMD",
         "HEALTHCHECK --interval=${1:30s} --timeout=${2:30s} --start-period=${3:5s} --retries=${4:3} CMD ${5:command}"),
        ("HEALTHCHECK NONE", "HEALTHCHECK NONE"),
    ],
    "SHELL": [("SHELL", 'SHELL ["${1:/bin/sh}", "${2:-c}"]')],
    "MAINTAINER": [("MAINTAINER", "MAINTAINER ${1:name}")],
}
# most used first
_ORDER = ["FROM", "RUN", "COPY", "ARG", "ENV", "WORKDIR", "CMD", "ENTRYPOINT", "EXPOSE", "USER", "LABEL",
          "ADD", "HEALTHCHECK", "VOLUME", "SHELL", "STOPSIGNAL", "ONBUILD", "MAINTAINER"]
assert set(_ORDER) == KEYWORDS == set(_SNIPPETS)


def instruction_doc(keyword: str) -> str | None:
    d = docs.INSTRUCTIONS.get(keyword)
    if d is None:
        return None
    syntax = "\n".join(d["syntax"])
    return f"{d['summary']}\n\n```dockerfile\n{syntax}\n```\n\n[Dockerfile reference: {keyword}]({d['url']})"


def flag_doc(keyword: str, flag: str) -> tuple[str | None, str | None]:
    d = docs.FLAGS.get(keyword, {}).get(flag)
    if d is None:
        return None, None
    return d["syntax"], f"{d['doc']}\n\n[Dockerfile reference]({d['url']})"


def _keyword_items(ctx: Context, df: Dockerfile, snippets: bool) -> list[Item]:
    start = ctx.word_start or ctx.pos
    end = ctx.word_end if ctx.word_end is not None and ctx.word_end > ctx.pos else None
    line = df.lines[ctx.pos.line] if ctx.pos.line < len(df.lines) else ""
    # text already after the keyword (editing an existing one): insert the bare word
    followed = bool(line[(end or ctx.pos).col:].strip())
    first_from = df.instructions[df.stages[0].from_instruction].start_line if df.stages else None
    if ctx.onbuild:
        allowed = [k for k in _ORDER if k not in ("ONBUILD", "FROM", "MAINTAINER")]
    elif first_from is not None and first_from < ctx.pos.line:
        allowed = list(_ORDER)
    else:
        allowed = ["FROM", "ARG"]  # only ARG may come before the first FROM
    out: list[Item] = []
    for rank, kw in enumerate(allowed):
        doc = instruction_doc(kw)
        variants = _SNIPPETS[kw] if snippets and not followed else [(kw, None)]
        for k, (label, snip) in enumerate(variants):
            if snip is None:
                insert = kw if followed else kw + " "
            else:
                insert = snip
            out.append(Item(label, "keyword" if k == 0 else "snippet", insert, start, end, snippet=snip is not None,
                            detail=docs.INSTRUCTIONS[kw]["syntax"][0], doc=doc, filter=kw,
                            sort=f"{rank:02d}{k}", deprecated=kw == "MAINTAINER"))
    return out


# -- directives -------------------------------------------------------------------------

_DIRECTIVE_VALUES = {
    "syntax": [("docker/dockerfile:1", "the latest stable 1.x frontend"),
               ("docker/dockerfile:1-labs", "1.x with experimental (labs) features")],
    "escape": [("`", "backtick (Windows paths)"), ("\\", "backslash (the default)")],
    "check": [("skip=", "skip build checks by name"), ("error=true", "fail the build on a check violation"),
              ("skip=all", "skip every build check"), ("experimental=all", "enable experimental checks")],
}


def _directive_items(ctx: Context, df: Dockerfile, snippets: bool) -> list[Item]:
    prefix = ctx.line_prefix
    line = ctx.pos.line
    m = re.match(r"^\s*#\s*([A-Za-z]*)$", prefix)
    if m:
        have = {d.key for d in df.directives if d.span.start.line != line}
        start = Pos(line, m.start(1))
        out = []
        for i, key in enumerate(("syntax", "escape", "check")):
            if key in have:
                continue
            out.append(Item(f"{key}=", "directive", f"{key}=", start, detail="parser directive",
                            doc=f"{docs.DIRECTIVES[key]['doc']}\n\n[Dockerfile reference]({docs.DIRECTIVES[key]['url']})",
                            sort=f"{i}"))
        return out
    m = re.match(r"^\s*#\s*([A-Za-z]+)\s*=\s*(.*)$", prefix)
    if not m:
        return []
    key, value = m.group(1).lower(), m.group(2)
    if key == "check":
        sm = re.match(r"^(.*\bskip=)([^,]*,)*([^,]*)$", value)
        if sm:
            from dockwise.lint.pragmas import BUILDKIT_CHECKS

            cur = sm.group(3)
            start = Pos(line, len(prefix) - len(cur))
            listed = set(value[len(sm.group(1)):].split(","))
            return [Item(n, "value", n, start, detail="BuildKit build check") for n in sorted(BUILDKIT_CHECKS)
                    if n not in listed]
    if key not in _DIRECTIVE_VALUES or " " in value:
        return []
    start = Pos(line, len(prefix) - len(value))
    return [Item(v, "value", v, start, detail=d, sort=f"{i}") for i, (v, d) in enumerate(_DIRECTIVE_VALUES[key])]


# -- flags ------------------------------------------------------------------------------

_REPEATABLE = frozenset(("mount", "exclude", "device"))
_BOOL_FLAGS = frozenset(("link", "parents", "keep-git-dir", "unpack"))
_FLAG_VALUES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("RUN", "network"): [("default", "the default network"), ("none", "no network access"),
                         ("host", "the host's network (needs the network.host entitlement)")],
    ("RUN", "security"): [("sandbox", "the default sandbox"),
                          ("insecure", "no sandbox (needs the security.insecure entitlement)")],
    ("FROM", "platform"): [("$BUILDPLATFORM", "the platform of the build machine (cross-compiling stages)"),
                           ("$TARGETPLATFORM", "the platform being built"), ("linux/amd64", ""),
                           ("linux/arm64", ""), ("linux/arm/v7", ""), ("windows/amd64", "")],
    ("ADD", "checksum"): [("sha256:", "the SHA-256 digest of the remote source")],
    ("COPY", "chmod"): [("0755", "rwxr-xr-x"), ("0644", "rw-r--r--"), ("0555", "r-xr-xr-x")],
    ("ADD", "chmod"): [("0755", "rwxr-xr-x"), ("0644", "rw-r--r--"), ("0555", "r-xr-xr-x")],
    ("HEALTHCHECK", "interval"): [("30s", "the default"), ("10s", ""), ("1m", "")],
    ("HEALTHCHECK", "timeout"): [("30s", "the default"), ("5s", ""), ("10s", "")],
    ("HEALTHCHECK", "start-period"): [("0s", "the default"), ("5s", ""), ("30s", "")],
    ("HEALTHCHECK", "start-interval"): [("5s", "the default"), ("1s", "")],
    ("HEALTHCHECK", "retries"): [("3", "the default"), ("5", "")],
}
_MOUNT_SNIPPETS = [
    ("--mount=type=cache", "--mount=type=cache,target=${1:/root/.cache}", "a cache directory kept between builds"),
    ("--mount=type=secret", "--mount=type=secret,id=${1:id}", "a secret (in /run/secrets/ID)"),
    ("--mount=type=bind", "--mount=type=bind,from=${1:stage},source=${2:/},target=${3:/mnt}",
     "files from a stage, image or the context"),
    ("--mount=type=ssh", "--mount=type=ssh", "the SSH agent socket"),
]

# RUN --mount keys per type (BuildKit's dockerfile2llb / instructions/commands_runmount.go)
MOUNT_TYPES = {
    "bind": "files from the build context, a stage or an image (read-only by default)",
    "cache": "a persistent cache directory shared between builds",
    "tmpfs": "an empty tmpfs",
    "secret": "a secret file (or environment variable with env=)",
    "ssh": "the SSH agent socket",
}
MOUNT_KEYS: dict[str, list[str]] = {
    "bind": ["target", "source", "from", "readwrite", "rw"],
    "cache": ["target", "id", "sharing", "from", "source", "readonly", "ro", "mode", "uid", "gid"],
    "tmpfs": ["target", "size"],
    "secret": ["id", "target", "env", "required", "mode", "uid", "gid"],
    "ssh": ["id", "target", "required", "mode", "uid", "gid"],
}
_MOUNT_BARE = frozenset(("readwrite", "rw", "readonly", "ro", "required"))
_MOUNT_KEY_DOCS = {
    "type": "mount type: bind (default), cache, tmpfs, secret, ssh",
    "target": "where to mount it (also dst, destination)",
    "source": "path inside `from` (default its root)",
    "from": "stage, image or named context to mount from",
    "id": "cache id / secret id / SSH agent id",
    "sharing": "cache sharing: shared (default), private, locked",
    "readonly": "mount read-only", "ro": "mount read-only", "readwrite": "mount writable (changes are discarded)",
    "rw": "mount writable (changes are discarded)", "mode": "file mode (octal)", "uid": "owner user id",
    "gid": "owner group id", "size": "tmpfs size limit (e.g. 64m)", "required": "fail when not available",
    "env": "expose the secret as this environment variable",
}
_MOUNT_ALIASES = {"dst": "target", "destination": "target", "src": "source", "ro": "readonly", "rw": "readwrite"}


def valid_flags(keyword: str, df: Dockerfile | None = None) -> list[str]:
    """Flag names (no dashes) BuildKit accepts for ``keyword``."""
    names = list(docs.FLAGS.get(keyword, {}))
    if "device" in names and not (df is not None and "labs" in (df.directive("syntax") or "")):
        names.remove("device")  # labs frontend only
    return names


def _earlier_stages(df: Dockerfile, ins: Instruction | None) -> list[Stage]:
    if ins is None:
        return list(df.stages)
    return [s for s in df.stages if s.from_instruction < ins.index and s.index != ins.stage]


def _stage_items(df: Dockerfile, ins: Instruction | None, start: Pos, indices: bool = True) -> list[Item]:
    out = []
    for s in _earlier_stages(df, ins):
        base = s.base_name or "?"
        line = df.instructions[s.from_instruction].start_line + 1
        if s.name:
            out.append(Item(s.name, "stage", s.name, start, detail=f"stage {s.index} (FROM {base}), line {line}",
                            sort=f"0{s.index:04d}"))
        if indices:
            out.append(Item(str(s.index), "stage", str(s.index), start,
                            detail=f"stage {s.index}{' ' + s.name if s.name else ''} (FROM {base}), line {line}",
                            sort=f"1{s.index:04d}"))
    return out


def _flag_items(ctx: Context, df: Dockerfile, snippets: bool) -> list[Item]:
    kw = ctx.keyword
    start = ctx.word_start or ctx.pos
    given = {w[2:].partition("=")[0] for w in ctx.words if w.startswith("--")}
    out = []
    for i, name in enumerate(valid_flags(kw, df)):
        if name in given and name not in _REPEATABLE:
            continue
        syntax, doc = flag_doc(kw, name)
        text = f"--{name}" if name in _BOOL_FLAGS else f"--{name}="
        out.append(Item(text, "flag", text, start, detail=syntax, doc=doc, sort=f"0{i:02d}"))
        if name == "mount" and snippets and kw == "RUN":
            for j, (label, snip, what) in enumerate(_MOUNT_SNIPPETS):
                out.append(Item(label, "snippet", snip, start, snippet=True, detail=what, doc=doc,
                                filter=label, sort=f"0{i:02d}{j}"))
    return out


def _flag_value_items(ctx: Context, df: Dockerfile) -> list[Item] | None:
    """Values for ``--name=…`` in the cursor's word; None when it is not one."""
    m = re.match(r"^--([A-Za-z-]+)=(.*)$", ctx.word)
    if not m:
        return None
    name, value = m.group(1), m.group(2)
    vstart = Pos(ctx.pos.line, ctx.pos.col - len(value))
    kw = ctx.keyword
    if name == "from" and kw in ("COPY", "ADD"):
        return _stage_items(df, ctx.ins, vstart)
    if name == "mount" and kw == "RUN":
        return _mount_items(df, ctx, value)
    vals = _FLAG_VALUES.get((kw, name))
    if vals:
        return [Item(v, "value", v, vstart, detail=d or None, sort=f"{i:02d}") for i, (v, d) in enumerate(vals)]
    return []


def _mount_items(df: Dockerfile, ctx: Context, value: str) -> list[Item]:
    fields = value.split(",")
    cur = fields[-1]
    others = fields[:-1]
    mtype = "bind"
    have = set()
    for f in others:
        k, eq, v = f.partition("=")
        k = k.strip().lower()
        have.add(_MOUNT_ALIASES.get(k, k))
        if k == "type" and eq:
            mtype = v.strip().lower()
    key, eq, val = cur.partition("=")
    if eq:
        start = Pos(ctx.pos.line, ctx.pos.col - len(val))
        k = key.strip().lower()
        if k == "type":
            return [Item(t, "value", t, start, detail=d, sort=f"{i}") for i, (t, d) in enumerate(MOUNT_TYPES.items())]
        if k == "sharing":
            return [Item(v, "value", v, start, sort=f"{i}") for i, v in enumerate(("shared", "private", "locked"))]
        if k == "from":
            return _stage_items(df, ctx.ins, start)
        if k in ("readonly", "ro", "readwrite", "rw", "required"):
            return [Item(v, "value", v, start) for v in ("true", "false")]
        return []
    start = Pos(ctx.pos.line, ctx.pos.col - len(cur))
    out = []
    if "type" not in have:
        out.append(Item("type=", "property", "type=", start, detail=_MOUNT_KEY_DOCS["type"], sort="00"))
    for i, k in enumerate(MOUNT_KEYS.get(mtype, MOUNT_KEYS["bind"])):
        if _MOUNT_ALIASES.get(k, k) in have:
            continue
        text = k if k in _MOUNT_BARE else k + "="
        out.append(Item(text, "property", text, start, detail=_MOUNT_KEY_DOCS.get(k), sort=f"{i + 1:02d}"))
    return out


# -- variables --------------------------------------------------------------------------

_VAR_REF = lazyre.compile(r"(?<![\\`$])\$(\{?)([A-Za-z_][A-Za-z0-9_]*)?$")


def variables_in_scope(df: Dockerfile, ins: Instruction | None, keyword: str | None = None) -> dict[str, tuple[str, str | None, int | None]]:
    """name → (kind, value, defining instruction index) visible in ``ins``.

    BuildKit's scoping: a FROM line (and anything before the first FROM) sees
    the global ARGs declared above it plus the predefined platform ARGs; an
    instruction in a stage sees the ARG/ENV of its stage defined on earlier
    instructions and all of those of the stages it is built from (an ENV wins
    over an ARG of the same name). Global ARGs are visible in a stage only
    once redeclared there (``ARG NAME``). RUN also sees the proxy ARGs.
    """
    out: dict[str, tuple[str, str | None, int | None]] = {}
    kw = keyword or (ins.effective.keyword if ins is not None else "")
    if ins is None or ins.stage < 0 or kw == "FROM" or ins.keyword == "FROM":
        before = ins.index if ins is not None else 1 << 60
        for name in docs.PREDEFINED_ARGS:
            out[name] = ("ARG", None, None)
        for v in df.global_args:
            if v.instruction < before:
                out[v.name] = ("ARG", v.value, v.instruction)
        return out
    stage = df.stages[ins.stage]
    chain = df.stage_chain(stage)
    for st in reversed(chain):  # ancestors first, nearer definitions override
        for v in st.vars:
            if st is stage and v.instruction >= ins.index:
                continue
            prev = out.get(v.name)
            if prev is not None and prev[0] == "ENV" and v.kind == "ARG":
                continue
            out[v.name] = (v.kind, v.value, v.instruction)
    if kw == "RUN":
        for name in sorted(docs.PROXY_ARGS):
            out.setdefault(name, ("ARG", None, None))
    return out


def _variable_items(ctx: Context, df: Dockerfile) -> list[Item] | None:
    m = _VAR_REF.search(ctx.word)
    if not m:
        return None
    brace = bool(m.group(1))
    typed = m.group(2) or ""
    start = Pos(ctx.pos.line, ctx.pos.col - len(typed))
    line = df.lines[ctx.pos.line] if ctx.pos.line < len(df.lines) else ""
    closes = bool(re.match(r"^[A-Za-z0-9_]*\}", line[ctx.pos.col:]))
    kw = ctx.keyword if ctx.kind == "args" else (ctx.ins.effective.keyword if ctx.ins else "")
    out = []
    for name, (kind, value, where) in sorted(variables_in_scope(df, ctx.ins, kw).items()):
        if where is None:
            detail = "predefined ARG"
            doc = docs.PREDEFINED_ARGS.get(name) or "proxy setting passed with --build-arg (not cached)"
        else:
            line_no = df.instructions[where].start_line + 1
            detail = f"{kind}, line {line_no}"
            doc = f"`{name}={value}`" if value is not None else f"`{name}` (no default value)"
        insert = name + ("}" if brace and not closes else "")
        out.append(Item(name, "variable", insert, start, detail=detail, doc=doc,
                        sort=("1" if where is None else "0") + name))
    return out


# -- images -----------------------------------------------------------------------------


def _live_repos(live: Any) -> list[str]:
    fn = getattr(live, "cached_repositories", None)
    if not callable(fn):
        return []
    try:
        got: Any = fn()
        return [str(r) for r in got]
    except Exception:
        return []


def _live_tags(live: Any, repo: str) -> list[str]:
    """Tags the live source has cached for ``repo`` (``cached_tags(repo)``, or
    the ``tags(repo)`` of its size source, which lists cached tags only)."""
    fns = [getattr(live, "cached_tags", None)]
    src = getattr(live, "as_size_source", None)
    if callable(src):
        try:
            fns.append(getattr(src(), "tags", None))
        except Exception:
            pass
    fns.append(getattr(live, "tags", None))
    for fn in fns:
        if callable(fn):
            try:
                got: Any = fn(repo)
                return [str(t) for t in (got or ())]
            except Exception:
                return []
    return []


def _image_items(ctx: Context, df: Dockerfile, live: Any, platform: str | None) -> list[Item]:
    from dockwise.images import catalog as images

    word = ctx.word
    if "@" in word or "$" in word:
        return []
    table = images.size_table().get("images", {})
    colon = word.rfind(":")
    if colon > word.rfind("/"):
        from dockwise.syntax.model import Span
        from dockwise.syntax.parser import parse_image_ref

        repo_text = word[:colon]
        ref = parse_image_ref(repo_text, repo_text, Span(ctx.pos, ctx.pos))
        repo = images.repository(ref)
        tags = list(table.get(repo, {}))
        for t in _live_tags(live, repo):
            if t not in tags:
                tags.append(t)
        start = Pos(ctx.pos.line, ctx.pos.col - (len(word) - colon - 1))
        out = []
        for i, tag in enumerate(tags):
            detail, doc = _tag_info(images, ref, repo, tag, table.get(repo, {}).get(tag), platform)
            out.append(Item(tag, "tag", tag, start, detail=detail, doc=doc, sort=f"{i:04d}"))
        return out
    start = ctx.word_start or ctx.pos
    out = _stage_items(df, ctx.ins, start, indices=False)
    seen = {i.label for i in out}
    repos = list(table) + [r for r in _live_repos(live) if r not in table]
    for i, repo in enumerate(repos):
        if repo in seen:
            continue
        seen.add(repo)
        n = len(table.get(repo, {}))
        out.append(Item(repo, "image", repo, start, detail=f"official image ({n} tags known)" if n else "image",
                        sort=f"1{i:04d}"))
    out.append(Item("scratch", "image", "scratch", start, detail="the empty image", sort="2"))
    return out


def _tag_info(images, ref, repo: str, tag: str, entry: dict | None, platform: str | None):
    try:
        from dataclasses import replace

        info = images.lookup(replace(ref, tag=tag), platform or images.DEFAULT_PLATFORM)
    except Exception:
        info = None
    parts = []
    if info is not None:
        mb = info.size / 1e6
        parts.append(f"{mb:.0f} MB compressed ({info.platform})" if mb >= 1 else f"{info.size / 1e3:.0f} kB compressed ({info.platform})")
    doc = None
    if entry:
        bits = []
        if entry.get("alias_of"):
            bits.append(f"same image as `{repo}:{entry['alias_of']}`")
        if entry.get("resolved_version"):
            bits.append(f"version {entry['resolved_version']}")
        if entry.get("os_base"):
            bits.append(f"based on {entry['os_base']}")
        if entry.get("as_of"):
            bits.append(f"as of {entry['as_of']}")
        doc = "; ".join(bits) or None
    return (" · ".join(parts) or None), doc


# -- argument values ---------------------------------------------------------------------

_SIGNALS = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGKILL", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH"]
_SHELLS = [('["/bin/bash", "-o", "pipefail", "-c"]', "bash, failing on errors inside pipes"),
           ('["/bin/sh", "-c"]', "the Linux default"), ('["cmd", "/S", "/C"]', "the Windows default"),
           ('["powershell", "-Command"]', "PowerShell")]


def _argument_items(ctx: Context, df: Dockerfile, live: Any, platform: str | None) -> list[Item]:
    kw = ctx.keyword
    pos_words = ctx.positional
    start = ctx.word_start or ctx.pos
    word = ctx.word
    if kw == "FROM":
        if not pos_words:
            return _image_items(ctx, df, live, platform)
        if len(pos_words) == 1:
            return [Item("AS", "keyword", "AS ", start, detail="names the stage: AS name", filter="AS")]
        return []
    if kw == "HEALTHCHECK" and not pos_words:
        return [Item("CMD", "keyword", "CMD ", start, detail="HEALTHCHECK [OPTIONS] CMD command", filter="CMD"),
                Item("NONE", "keyword", "NONE", start, detail="disable the base image's health check")]
    if kw == "ARG" and "=" not in word:
        names = dict.fromkeys(docs.PREDEFINED_ARGS)
        names.update(dict.fromkeys(v.name for v in df.global_args))
        out = []
        for n in names:
            doc = docs.PREDEFINED_ARGS.get(n)
            detail = "predefined ARG" if doc else "global ARG (redeclare to use it in this stage)"
            out.append(Item(n, "variable", n, start, detail=detail, doc=doc,
                            sort=("0" if not doc else "1") + n))
        return out
    if kw == "EXPOSE":
        m = re.match(r"^(\d+(?:-\d+)?)/([a-z]*)$", word)
        if m:
            s = Pos(ctx.pos.line, ctx.pos.col - len(m.group(2)))
            return [Item(p, "value", p, s, sort=f"{i}") for i, p in enumerate(("tcp", "udp", "sctp"))]
        return []
    if kw == "STOPSIGNAL" and not pos_words:
        return [Item(s, "value", s, start, sort=f"{i}") for i, s in enumerate(_SIGNALS)]
    if kw == "SHELL" and not pos_words and not word:
        return [Item(s, "value", s, start, detail=d, sort=f"{i}") for i, (s, d) in enumerate(_SHELLS)]
    return []


# -- entry point -------------------------------------------------------------------------


def complete(df: Dockerfile, pos: Pos, *, snippets: bool = False, live: Any = None,
             platform: str | None = None) -> list[Item]:
    """Completion items at ``pos``. ``snippets``: the client takes snippet
    syntax; ``live``: a live image source whose *cached* repositories/tags are
    added (``cached_repositories()``, ``cached_tags(repo)`` or ``tags(repo)``);
    ``platform``: for the sizes shown next to tags."""
    ctx = context_at(df, pos)
    if ctx.kind == "keyword":
        return _keyword_items(ctx, df, snippets)
    if ctx.kind == "directive":
        return _directive_items(ctx, df, snippets)
    if ctx.kind == "heredoc":
        return _variable_items(ctx, df) or []
    if ctx.kind != "args":
        return []
    got = _variable_items(ctx, df)
    if got is not None:
        return got
    if ctx.flags_phase and ctx.word.startswith("-"):
        got = _flag_value_items(ctx, df)
        if got is not None:
            return got
        return _flag_items(ctx, df, snippets)
    out = []
    if ctx.flags_phase and not ctx.word and ctx.keyword in docs.FLAGS:
        out += _flag_items(ctx, df, snippets)
    if not ctx.word.startswith("-"):
        out += _argument_items(ctx, df, live, platform)
    return out
