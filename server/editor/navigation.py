"""Navigation and structure of a Dockerfile (engine side: no LSP imports).

Works on a parsed :class:`~dockwise.syntax.model.Dockerfile` in model coordinates
(0-based line, code-point column). The LSP layer (:mod:`dockwise.lsp.navigation`)
only converts positions.

Symbols
-------
Two kinds of symbol have definitions, references, highlights and rename:

* **stages**: defined by ``FROM img AS name``; referenced by ``FROM name``
  (exact, lower-case match, as BuildKit's ``addState`` does), ``COPY --from=name``
  and ``RUN --mount=…,from=name`` (case-insensitive, as ``findStateByName``);
  ``--from=0`` / ``from=0`` refer to a stage by index (they are references, but
  rename leaves them alone). ``ONBUILD COPY --from=x`` names a stage of the
  *downstream* Dockerfile, so it is not a reference to this file's stages.
* **variables** (ARG/ENV), following BuildKit's scoping: global ARGs (before the
  first FROM) are visible in FROM lines (base and ``--platform``) and in later
  global ARG defaults; inside a stage a global is visible only after a
  redeclaring ``ARG V``; ARG/ENV of a stage are visible to later instructions of
  the stage and of stages built ``FROM`` it; an ENV wins over an ARG of the same
  name. References are looked for where BuildKit expands (ENV/LABEL/ARG,
  ADD/COPY and their ``--chown``/``--chmod``/``--checksum``, WORKDIR, USER,
  VOLUME, STOPSIGNAL, EXPOSE, ``RUN --mount`` values, unquoted ADD/COPY heredoc
  bodies) **and where a shell expands them at build time**: decision: the text
  of a shell-form ``RUN`` and its heredoc scripts count as references, since
  ARG and ENV values are in the RUN environment and ``$V`` there reads them
  (quoted heredocs fed to a command as stdin, ``'…'`` and ``\\$`` do not
  expand, so they are skipped; so is RUN text of Windows-shell stages, where
  ``%V%``/``$env:V`` are used). Shell-form ``CMD``/``ENTRYPOINT``/
  ``HEALTHCHECK CMD`` run in the container, where only ENV values exist: their
  ``$V`` resolve to ENV definitions only. Exec (JSON) forms, SHELL, MAINTAINER
  and ONBUILD triggers (expanded downstream) are not scanned. A shell-local
  ``V=…`` in a RUN is not a definition: ``$V`` after it still counts as a
  reference to the ARG/ENV.

  The symbol of a variable is a group of definitions renamed together: same
  name in one stage, in stages related by ``FROM <stage>``, a stage ``ARG V``
  with the global ``ARG V`` it imports (one build-arg sets both). Unresolved
  references (``$HOME``, predefined ARGs) form a group per name and stage
  family: they highlight together but cannot be renamed.

Public API: :func:`symbol_at`, :func:`definition_at`, :func:`references`,
:func:`highlights`, :func:`prepare_rename`, :func:`rename_edits`,
:func:`document_symbols`, :func:`stage_symbols`, :func:`folding_ranges`,
:func:`semantic_tokens` (with :data:`TOKEN_TYPES` / :data:`TOKEN_MODIFIERS`),
:func:`document_links`, :func:`registry_url`. None of them raises on a
broken model; rename refuses with :class:`RenameError`.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from dockwise import lazyre
from dockwise.syntax.model import Dockerfile, Flag, Instruction, Pos, Span, Stage, VarDef

PREDEFINED_ARGS = frozenset(
    "BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT BUILDOSVERSION TARGETPLATFORM TARGETOS TARGETARCH "
    "TARGETVARIANT TARGETOSVERSION TARGETSTAGE HTTP_PROXY http_proxy HTTPS_PROXY https_proxy FTP_PROXY "
    "ftp_proxy NO_PROXY no_proxy ALL_PROXY all_proxy".split()
)
RESERVED_STAGE_NAMES = frozenset(("scratch", "context"))
_VAR_NAME = lazyre.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_STAGE_NAME = lazyre.compile(r"[a-z][a-z0-9_.-]*\Z")
_EXPANDED = frozenset(("ENV", "LABEL", "ARG", "ADD", "COPY", "WORKDIR", "USER", "VOLUME", "STOPSIGNAL", "EXPOSE"))
_RUNTIME = frozenset(("CMD", "ENTRYPOINT", "HEALTHCHECK"))
_EXPANDED_FLAGS = {"ADD": ("chown", "chmod", "checksum"), "COPY": ("chown", "chmod"), "RUN": ("mount",),
                   "FROM": ("platform",)}
_INF = 1 << 60


STRICT = False  # tests set this: internal errors raise instead of degrading to partial results


def _strict() -> None:
    if STRICT:
        raise


class RenameError(Exception):
    """The rename cannot be done; the message says why (shown to the user)."""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One place a symbol's name appears."""

    span: Span
    key: tuple  # identity of the symbol: ("stage", i) | ("var", group) | ("free", name, scope)
    name: str  # stage name (lower case) or variable name
    role: str  # "definition" | "reference" | "index" (stage referenced by number)
    stage: int  # stage of the instruction it is in (-1: global scope / FROM line)
    target: object = None  # resolved VarDef (variables) or stage index (stages); None: unresolved

    @property
    def kind(self) -> str:
        return "stage" if self.key[0] == "stage" else "variable"


@dataclass(frozen=True, slots=True)
class Symbol:
    """The symbol under a position: what hover and rename need to know."""

    kind: str  # "stage" | "variable"
    name: str
    key: tuple
    span: Span  # the occurrence under the position
    role: str  # role of that occurrence
    stage: Stage | None  # the stage (stage symbols)
    var: VarDef | None  # the definition this occurrence resolves to (variables)
    definitions: tuple[Span, ...]  # every definition of the symbol


# -- index (built once per model) ----------------------------------------------------


class _UF:
    def __init__(self) -> None:
        self.p: dict = {}

    def find(self, x):
        p = self.p
        p.setdefault(x, x)
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.p[max(ra, rb)] = min(ra, rb)


def _def_id(v: VarDef) -> tuple:
    return (v.instruction, v.span.start.line, v.span.start.col)


def _lines_mapper(first_line: int, text: str) -> Callable[[int, int], Span]:
    """(start, end) offsets in ``text`` (physical lines joined by ``\\n``,
    starting at column 0 of ``first_line``) → Span."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(off: int) -> Pos:
        i = bisect.bisect_right(starts, off) - 1
        return Pos(first_line + i, off - starts[i])

    return lambda s, e: Span(pos(s), pos(e))


def _flag_value_mapper(df: Dockerfile, f: Flag) -> Callable[[int, int], Span] | None:
    """Offsets in ``f.value`` → physical span, when the value sits on one line
    (quotes BuildKit removed from the flag word are skipped)."""
    vs = f.value_span
    if f.value is None or vs is None or vs.start.line != vs.end.line or not 0 <= vs.start.line < len(df.lines):
        return None
    line = vs.start.line
    raw = df.lines[line][vs.start.col:vs.end.col]
    cols: list[int] = []
    out: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c in "\"'":
            i += 1
            continue
        if c == df.escape and i + 1 < len(raw):
            i += 1
            c = raw[i]
        cols.append(vs.start.col + i)
        out.append(c)
        i += 1
    if "".join(out) != f.value:
        return None
    cols.append(cols[-1] + 1 if cols else vs.start.col)

    def span(s: int, e: int) -> Span:
        end = cols[e - 1] + 1 if e > s else cols[s]
        return Span(Pos(line, cols[s]), Pos(line, end))

    return span


def _is_index(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _mount_fields(value: str) -> Iterable[tuple[str, str, int]]:
    """(key lower-cased, value, offset of value) for each CSV field of a --mount."""
    off = 0
    for part in value.split(","):
        key, eq, val = part.partition("=")
        if eq:
            yield key.strip().lower(), val, off + len(key) + 1
        off += len(part) + 1


class _Index:
    def __init__(self, df: Dockerfile) -> None:
        self.df = df
        self.occs: list[Occurrence] = []
        self.trigger_vars: list[Span] = []  # $V in ONBUILD triggers (tokens only)
        self.image_refs: list[tuple[Span, str]] = []  # COPY --from=<image> (links)
        st_uf = _UF()
        for s in df.stages:
            st_uf.find(s.index)
            if s.parent is not None:
                st_uf.union(s.index, s.parent)
        self.family = {s.index: st_uf.find(s.index) for s in df.stages}
        self.family[-1] = -1
        self._inh: dict[tuple, tuple] = {}
        self.stage_named = {s.name: s for s in df.stages if s.name is not None}  # the last of each name
        self.globals_by_name: dict[str, tuple[list[int], list[VarDef]]] = {}  # in instruction order
        self.globals_at: dict[int, list[VarDef]] = {}
        for v in df.global_args:
            at, defs = self.globals_by_name.setdefault(v.name, ([], []))
            at.append(v.instruction)
            defs.append(v)
            self.globals_at.setdefault(v.instruction, []).append(v)
        self._group_vars()
        for ins in df.instructions:
            try:
                self._scan(ins)
            except Exception:  # a malformed instruction must not cost the whole index
                _strict()
                continue
        self.occs.sort(key=lambda o: (o.span.start, o.span.end))
        self.by_line: dict[int, list[Occurrence]] = {}
        self.by_key: dict[tuple, list[Occurrence]] = {}
        for o in self.occs:
            for ln in range(o.span.start.line, o.span.end.line + 1):
                self.by_line.setdefault(ln, []).append(o)
            self.by_key.setdefault(o.key, []).append(o)

    # variables: definitions and their groups

    def _group_vars(self) -> None:
        df = self.df
        uf = _UF()
        self.defs: dict[tuple, VarDef] = {}
        glob: dict[str, tuple] = {}
        for v in df.global_args:
            d = _def_id(v)
            self.defs[d] = v
            uf.find(d)
            if v.name in glob:
                uf.union(glob[v.name], d)
            glob.setdefault(v.name, d)
        for s in df.stages:
            # a definition joins the group of the same name earlier in the stage or in a stage it
            # is built FROM: all of those are one group already, so any one of them will do
            first: dict[str, tuple] = {}
            parent = s.parent if s.parent is not None and s.parent < s.index else None
            for v in s.vars:
                d = _def_id(v)
                self.defs[d] = v
                uf.find(d)
                if v.kind == "ARG" and v.name in glob:
                    uf.union(glob[v.name], d)
                if v.name in first:
                    uf.union(first[v.name], d)
                else:
                    first[v.name] = d
                    up = df.visible_at_end(parent, v.name) if parent is not None else None
                    if up is not None:
                        uf.union(_def_id(up), d)
        self.var_key = {d: ("var", uf.find(d)) for d in self.defs}

    def _resolve(self, scope: int, before: int, name: str, runtime: bool) -> VarDef | None:
        df = self.df
        if scope < 0:
            at, defs = self.globals_by_name.get(name, ((), ()))
            k = bisect.bisect_left(at, before)
            return defs[k - 1] if k else None
        env, arg = df.stages[scope].defs().last(name, before)
        if env is not None:
            return env
        parent = df.stages[scope].parent
        a_env, a_arg = self._inherited(parent, name) if parent is not None else (None, None)
        if a_env is not None or runtime:
            return a_env
        return arg or a_arg

    def _inherited(self, stage: int, name: str) -> tuple[VarDef | None, VarDef | None]:
        """(nearest ENV, nearest ARG) named ``name`` in ``stage`` or the stages it is built FROM."""
        key = (stage, name)
        got = self._inh.get(key)
        if got is None:
            df = self.df
            got = self._inh[key] = (df.visible_at_end(stage, name, "ENV"), df.visible_at_end(stage, name, "ARG"))
        return got

    def _var_ref(self, span: Span, name: str, scope: int, before: int, runtime: bool = False) -> None:
        if not _VAR_NAME.match(name):
            return
        v = self._resolve(scope, before, name, runtime)
        if v is not None:
            key = self.var_key[_def_id(v)]
        else:
            key = ("free", name, self.family.get(scope, scope))
        self.occs.append(Occurrence(span, key, name, "reference", scope, v))

    def _scan_vars(self, text: str, mapper, scope: int, before: int, esc: str, runtime: bool = False) -> None:
        from dockwise.syntax.expand import variables_in

        if "$" not in text:
            return
        for name, s, _e in variables_in(text, esc):
            ns = s + (2 if text.startswith("${", s) else 1)
            self._var_ref(mapper(ns, ns + len(name)), name, scope, before, runtime)

    # stages

    def _stage_by_ref(self, value: str) -> Stage | None:
        if _is_index(value):
            i = int(value)
            return self.df.stages[i] if i < len(self.df.stages) else None
        return self.stage_named.get(value.lower())  # BuildKit: the last stage of that name wins

    def _stage_ref(self, span: Span, value: str, scope: int) -> bool:
        s = self._stage_by_ref(value)
        if s is None:
            return False
        role = "index" if _is_index(value) else "reference"
        self.occs.append(Occurrence(span, ("stage", s.index), s.name or f"stage {s.index}", role, scope, s.index))
        return True

    # per instruction

    def _scan(self, ins: Instruction) -> None:
        df = self.df
        kw = ins.keyword
        esc = df.escape
        if kw == "ONBUILD":
            if ins.trigger is not None and "$" in ins.trigger.text:
                from dockwise.syntax.expand import variables_in

                t = ins.trigger
                for name, s, _e in variables_in(t.text, esc):
                    if _VAR_NAME.match(name):
                        ns = s + (2 if t.text.startswith("${", s) else 1)
                        self.trigger_vars.append(t.text_map.span(ns, ns + len(name)))
            return
        scope = ins.stage
        stage = df.stages[scope] if 0 <= scope < len(df.stages) else None
        windows = stage is not None and stage.windows
        if kw == "FROM" and stage is not None:
            if stage.name_span is not None and stage.name:
                self.occs.append(Occurrence(stage.name_span, ("stage", stage.index), stage.name, "definition",
                                            stage.index, stage.index))
            b = stage.base
            if b is not None and stage.parent is not None and "$" not in b.raw:
                parent = df.stages[stage.parent]
                self.occs.append(Occurrence(b.span, ("stage", parent.index), parent.name or "", "reference",
                                            -1, parent.index))
            if ins.args:
                a = ins.args[0]
                self._scan_vars(a.value, lambda s, e, a=a: _sub_span(a.span, s, e), -1, ins.index, esc)
            scope_for_flags = -1
        else:
            scope_for_flags = scope
        # ARG/ENV definitions
        if kw in ("ARG", "ENV"):
            for v in (self.globals_at.get(ins.index, ()) if scope < 0 else stage.defs().at(ins.index) if stage else ()):
                if v.instruction == ins.index:
                    d = _def_id(v)
                    self.occs.append(Occurrence(v.span, self.var_key[d], v.name, "definition", scope, v))
        # flags
        for f in ins.flags:
            if f.value is None:
                continue
            if kw == "COPY" and f.name == "from":
                mapper = _flag_value_mapper(df, f)
                sp = mapper(0, len(f.value)) if mapper else f.value_span
                if sp is not None and not self._stage_ref(sp, f.value, scope) and "$" not in f.value:
                    self.image_refs.append((sp, f.value))
                continue
            if f.name not in _EXPANDED_FLAGS.get(kw, ()):
                continue
            mapper = _flag_value_mapper(df, f)
            if mapper is None:
                continue
            if f.name == "mount":
                for key, val, off in _mount_fields(f.value):
                    if key == "from" and val:
                        self._stage_ref(mapper(off, off + len(val)), val, scope)
            self._scan_vars(f.value, mapper, scope_for_flags, ins.index, esc)
        # the text
        if kw == "FROM":
            return
        if kw in _EXPANDED or (kw in ("RUN", *_RUNTIME) and not ins.json and not windows):
            text, shell = ins.text, kw in ("RUN", *_RUNTIME)
            if kw == "HEALTHCHECK":
                if not text[:3].upper() == "CMD" or text[3:].lstrip().startswith("["):
                    text = ""
            if text:
                self._scan_vars(text, ins.text_map.span, scope, ins.index, "\\" if shell else esc,
                                runtime=kw in _RUNTIME)
        # heredoc bodies
        if ins.heredocs and kw in ("RUN", "COPY", "ADD") and not windows:
            script = kw == "RUN" and len(ins.heredocs) == 1 and ins.text.strip() == ins.heredocs[0].raw_opener
            for h in ins.heredocs:
                if h.body_span is None or (h.quoted and not script):
                    continue
                body = h.body if kw == "RUN" else h.body.replace("'", " ")  # COPY: quotes are plain text
                self._scan_vars(body, _lines_mapper(h.body_span.start.line, body), scope, ins.index, "\\")


def _sub_span(span: Span, s: int, e: int) -> Span:
    """Offsets inside a single-line span's text."""
    return Span(Pos(span.start.line, span.start.col + s), Pos(span.start.line, span.start.col + e))


_CACHE: dict[int, tuple[Dockerfile, _Index]] = {}


def _index(df: Dockerfile) -> _Index:
    hit = _CACHE.get(id(df))
    if hit is not None and hit[0] is df:
        return hit[1]
    idx = _Index(df)
    if len(_CACHE) >= 16:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[id(df)] = (df, idx)
    return idx


# -- symbols, definitions, references ----------------------------------------------------


def _occurrence_at(df: Dockerfile, line: int, col: int) -> Occurrence | None:
    try:
        idx = _index(df)
    except Exception:
        _strict()
        return None
    occs = idx.by_line.get(line, ())
    if not occs:
        return None
    p = Pos(line, col)
    at_end = None
    for o in occs:
        if o.span.start <= p < o.span.end:
            return o
        if p == o.span.end and at_end is None:
            at_end = o  # cursor just after the name
    if at_end is None and 0 <= line < len(df.lines):  # on the "$" or "${" before a variable name
        text = df.lines[line]
        skip = 2 if text.startswith("${", col) else 1 if text.startswith("$", col) or (
            col > 0 and text.startswith("${", col - 1)) else 0
        for o in occs if skip else ():
            if o.span.start == Pos(line, col + skip) and o.kind == "variable":
                return o
    return at_end


def _symbol(df: Dockerfile, o: Occurrence) -> Symbol:
    idx = _index(df)
    defs = tuple(x.span for x in idx.by_key.get(o.key, ()) if x.role == "definition")
    if o.kind == "stage":
        st = df.stages[o.key[1]]
        return Symbol("stage", st.name or f"stage {st.index}", o.key, o.span, o.role, st, None, defs)
    return Symbol("variable", o.name, o.key, o.span, o.role, None, o.target if isinstance(o.target, VarDef) else None,
                  defs)


def symbol_at(df: Dockerfile, line: int, col: int) -> Symbol | None:
    """The stage or variable whose name is at (line, col), or None."""
    o = _occurrence_at(df, line, col)
    return _symbol(df, o) if o is not None else None


def _stage_def_span(df: Dockerfile, st: Stage) -> Span:
    if st.name_span is not None:
        return st.name_span
    ins = df.instructions[st.from_instruction]
    return Span(ins.keyword_span.start, st.base.span.end) if st.base else ins.keyword_span


def definition_at(df: Dockerfile, line: int, col: int) -> list[Span]:
    """Where the symbol at (line, col) is defined: the stage's ``AS name`` (its
    FROM line when unnamed), or the ARG/ENV this variable reference resolves to."""
    o = _occurrence_at(df, line, col)
    if o is None:
        return []
    if o.kind == "stage":
        return [_stage_def_span(df, df.stages[o.key[1]])]
    if isinstance(o.target, VarDef):
        return [o.target.span]
    return []


def references(df: Dockerfile, symbol: Symbol | tuple, include_declaration: bool = True) -> list[Occurrence]:
    """Every occurrence of ``symbol`` (a :class:`Symbol` or its key), in document order."""
    key = symbol.key if isinstance(symbol, Symbol) else symbol
    try:
        occs = _index(df).by_key.get(key, [])
    except Exception:
        _strict()
        return []
    return [o for o in occs if include_declaration or o.role != "definition"]


def highlights(df: Dockerfile, line: int, col: int) -> list[Occurrence]:
    """The occurrences to highlight for the symbol at (line, col)."""
    o = _occurrence_at(df, line, col)
    return references(df, o.key) if o is not None else []


# -- rename ---------------------------------------------------------------------------------


def _text(df: Dockerfile, span: Span) -> str | None:
    if span.start.line != span.end.line or not 0 <= span.start.line < len(df.lines):
        return None
    return df.lines[span.start.line][span.start.col:span.end.col]


def prepare_rename(df: Dockerfile, line: int, col: int) -> tuple[Span, str] | None:
    """(span, placeholder) of the renameable name at (line, col); None when
    nothing is there; :class:`RenameError` when the symbol cannot be renamed."""
    o = _occurrence_at(df, line, col)
    if o is None:
        return None
    _check_renameable(df, o)
    return o.span, _text(df, o.span) or o.name


def _check_renameable(df: Dockerfile, o: Occurrence) -> None:
    if o.kind == "stage":
        st = df.stages[o.key[1]]
        if o.role == "index":
            raise RenameError(f"this refers to stage {st.index} by its number; rename the stage at its name")
        if not st.name:
            raise RenameError("this stage has no name")
        return
    if o.key[0] == "free":
        if o.name in PREDEFINED_ARGS:
            raise RenameError(f"{o.name} is a predefined build argument")
        raise RenameError(f"{o.name} is not defined by an ARG or ENV that is in scope here")
    if o.name in PREDEFINED_ARGS:
        raise RenameError(f"{o.name} is a predefined build argument; its name cannot change")


def rename_edits(df: Dockerfile, line: int, col: int, new_name: str) -> list[tuple[Span, str]]:
    """Edits renaming the symbol at (line, col) to ``new_name`` everywhere it
    occurs. Raises :class:`RenameError` when there is nothing renameable there,
    the new name is invalid, or it would clash with a name already in use."""
    o = _occurrence_at(df, line, col)
    if o is None:
        raise RenameError("no stage or variable name here")
    _check_renameable(df, o)
    idx = _index(df)
    occs = idx.by_key.get(o.key, [])
    if o.kind == "stage":
        if not _STAGE_NAME.match(new_name):
            raise RenameError(
                f"invalid stage name {new_name!r}: use lower case letters, digits, '_', '.', '-', starting "
                "with a letter (FROM matches stage names case-sensitively)")
        if new_name in RESERVED_STAGE_NAMES:
            raise RenameError(f"{new_name!r} is a reserved stage name")
        if new_name != o.name:
            for s in df.stages:
                if s.name == new_name:
                    raise RenameError(f"a stage named {new_name!r} already exists")
            for ins in df.instructions:  # an image or context of that name would become this stage
                eff = ins.effective
                used = [ins.args[0].value] if ins.keyword == "FROM" and ins.args else []
                used += eff.flag_values("from") + [v for f in eff.flags if f.name == "mount" and f.value
                                                   for k, v, _ in _mount_fields(f.value) if k == "from"]
                if any(u.lower() == new_name for u in used):
                    raise RenameError(f"{new_name!r} is already used as an image or build context name")
        targets = [x for x in occs if x.role in ("definition", "reference")]
        expect = lambda x, t: t is not None and t.lower() == x.name  # noqa: E731
    else:
        if not _VAR_NAME.match(new_name):
            raise RenameError(f"invalid variable name {new_name!r}: use letters, digits and '_', not starting "
                              "with a digit")
        if new_name in PREDEFINED_ARGS:
            raise RenameError(f"{new_name!r} is a predefined build argument")
        if new_name != o.name:
            scopes = {idx.family.get(x.stage, x.stage) for x in occs}
            for x in idx.occs:
                if x.kind == "variable" and x.name == new_name and idx.family.get(x.stage, x.stage) in scopes:
                    raise RenameError(f"{new_name!r} is already used in the same scope")
            if -1 in scopes and any(v.name == new_name for v in df.global_args):
                raise RenameError(f"a global ARG {new_name!r} already exists")
        targets = list(occs)
        expect = lambda x, t: t == x.name  # noqa: E731
    edits = []
    for x in targets:
        if not expect(x, _text(df, x.span)):
            raise RenameError(f"cannot rename: {o.name!r} is written in a form dockwise cannot edit safely "
                              f"on line {x.span.start.line + 1}")
        edits.append((x.span, new_name))
    return edits


# -- document symbols -----------------------------------------------------------------------------


@dataclass(slots=True)
class DocSymbol:
    name: str
    detail: str
    kind: str  # an LSP SymbolKind member name: "Module", "Variable", …
    span: Span
    selection: Span
    children: list["DocSymbol"] = field(default_factory=list)
    deprecated: bool = False
    container: str | None = None  # for flat lists


# LSP SymbolKind names, chosen so an outline reads well in every editor: a
# stage is a Module, ARG a Variable (its value comes from the build), ENV a
# Constant (fixed in the image), LABEL a Property (its keys too), and every
# other instruction a Field of its stage.
_KINDS = {"FROM": "Module", "ARG": "Variable", "ENV": "Constant", "LABEL": "Property"}
_INSTRUCTION_KIND = "Field"


def _short(text: str, n: int = 60) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _ins_symbol(ins: Instruction, container: str | None) -> DocSymbol:
    kw = ins.keyword if ins.known else ins.raw_keyword
    sym = DocSymbol(kw, _short(ins.text), _KINDS.get(ins.keyword, _INSTRUCTION_KIND), ins.span, ins.keyword_span,
                    deprecated=ins.keyword == "MAINTAINER", container=container)
    if ins.keyword in ("ARG", "ENV", "LABEL"):
        kind = _KINDS[ins.keyword]
        for p in ins.pairs:
            if ins.span.start <= p.key_span.start and p.span.end <= ins.span.end:
                sym.children.append(DocSymbol(p.key, _short(p.value or ""), kind, p.span, p.key_span,
                                              container=kw))
    return sym


def _stage_label(st: Stage) -> str:
    return st.name or f"stage {st.index}"


def document_symbols(df: Dockerfile) -> list[DocSymbol]:
    """Stages (with their instructions as children); instructions before the
    first FROM at the top level."""
    out: list[DocSymbol] = []
    try:
        for ins in df.instructions:
            if ins.stage < 0:
                out.append(_ins_symbol(ins, None))
        for st in df.stages:
            fi = df.instructions[st.from_instruction]
            span = st.span or fi.span
            sel = st.name_span or (st.base.span if st.base else fi.keyword_span)
            label = _stage_label(st)
            sym = DocSymbol(label, st.base_name, "Module", span, sel)
            sym.children = [_ins_symbol(df.instructions[i], label) for i in st.instructions if i != st.from_instruction]
            out.append(sym)
    except Exception:
        _strict()
    return out


def stage_symbols(df: Dockerfile, query: str = "") -> list[DocSymbol]:
    """The stages whose label matches ``query`` (case-insensitive subsequence),
    as :func:`document_symbols` gives them, without their children."""
    q = query.lower()
    out = []
    try:
        for st in df.stages:
            label = _stage_label(st)
            it = iter(label.lower())
            if not all(c in it for c in q):
                continue
            fi = df.instructions[st.from_instruction]
            span = st.span or fi.span
            sel = st.name_span or (st.base.span if st.base else fi.keyword_span)
            out.append(DocSymbol(label, st.base_name, "Module", span, sel))
    except Exception:
        _strict()
    return out


# -- folding ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fold:
    start_line: int
    end_line: int
    kind: str | None = None  # "comment" | None


def folding_ranges(df: Dockerfile) -> list[Fold]:
    """Stages, multi-line instructions, heredoc bodies and runs of comment
    lines (whole lines; at most one range per start line, the largest)."""
    folds: list[Fold] = []
    try:
        body_lines: set[int] = set()
        for st in df.stages:
            if st.span is not None and st.span.end.line > st.span.start.line:
                folds.append(Fold(st.span.start.line, st.span.end.line))
        for ins in df.instructions:
            if ins.end_line > ins.start_line:
                folds.append(Fold(ins.start_line, ins.end_line))
            for h in ins.heredocs:
                if h.body_span is None:
                    continue
                end = h.terminator_span.end.line if h.terminator_span else h.body_span.end.line
                body_lines.update(range(h.body_span.start.line, end + 1))
                start = h.body_span.start.line - 1
                if start != ins.start_line and end > start:
                    folds.append(Fold(start, end))
        comment_lines = sorted({c.span.start.line for c in df.comments} | {d.span.start.line for d in df.directives})
        run: list[int] = []
        for ln in comment_lines + [None]:
            if ln is not None and ln not in body_lines and run and ln == run[-1] + 1:
                run.append(ln)
                continue
            if len(run) > 1:
                folds.append(Fold(run[0], run[-1], "comment"))
            run = [ln] if ln is not None and ln not in body_lines else []
    except Exception:
        _strict()
    best: dict[int, Fold] = {}
    for f in folds:
        if f.start_line not in best or f.end_line > best[f.start_line].end_line:
            best[f.start_line] = f
    return [best[k] for k in sorted(best)]


# -- semantic tokens --------------------------------------------------------------------------------

TOKEN_TYPES = ("keyword", "parameter", "property", "class", "type", "variable", "string", "comment", "macro",
               "operator", "number")
TOKEN_MODIFIERS = ("declaration", "definition", "readonly", "deprecated", "defaultLibrary")


@dataclass(frozen=True, slots=True)
class Token:
    line: int
    col: int
    end: int  # exclusive, same line
    type: str
    modifiers: tuple[str, ...] = ()


class _Painter:
    """Tokens may overlap while collected; later, higher-priority paint wins."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.rows: dict[int, list] = {}

    def paint(self, span: Span | None, typ: str, mods: tuple[str, ...] = ()) -> None:
        if span is None:
            return
        val = (typ, mods)
        for ln in range(span.start.line, min(span.end.line, len(self.lines) - 1) + 1):
            text = self.lines[ln]
            a = span.start.col if ln == span.start.line else 0
            b = span.end.col if ln == span.end.line else len(text)
            a, b = max(0, a), min(b, len(text))
            if a >= b:
                continue
            row = self.rows.get(ln)
            if row is None:
                row = self.rows[ln] = [None] * len(text)
            row[a:b] = [val] * (b - a)

    def tokens(self) -> list[Token]:
        out = []
        for ln in sorted(self.rows):
            row = self.rows[ln]
            i, n = 0, len(row)
            while i < n:
                v = row[i]
                j = i + 1
                while j < n and row[j] == v:
                    j += 1
                if v is not None and not self.lines[ln][i:j].isspace():
                    out.append(Token(ln, i, j, v[0], v[1]))
                i = j
        return out


def _paint_instruction(p: _Painter, ins: Instruction) -> None:
    if ins.known:
        p.paint(ins.keyword_span, "keyword", ("deprecated",) if ins.keyword == "MAINTAINER" else ())
    for f in ins.flags:
        p.paint(f.name_span, "parameter")
        p.paint(f.value_span, "property")
    kw = ins.keyword
    if kw == "FROM" and ins.args:
        p.paint(ins.args[0].span, "type", ("defaultLibrary",) if ins.args[0].value == "scratch" else ())
        if len(ins.args) >= 2:
            p.paint(ins.args[1].span, "keyword")
    elif kw in ("ARG", "ENV", "LABEL"):
        for kv in ins.pairs:
            if kw == "LABEL":
                p.paint(kv.key_span, "property", ("declaration",))
            p.paint(kv.value_span, "string")
    elif kw == "HEALTHCHECK" and ins.args:
        p.paint(ins.args[0].span, "keyword")
    elif kw == "EXPOSE":
        for a in ins.args:
            m = re.match(r"\d+(?:-\d+)?", a.value)
            if m and a.span.start.line == a.span.end.line:
                p.paint(_sub_span(a.span, 0, m.end()), "number")
    if ins.json:
        for a in ins.args[1:] if kw == "HEALTHCHECK" else ins.args:
            p.paint(a.span, "string")
    for h in ins.heredocs:
        p.paint(h.opener_span, "operator")
        p.paint(h.terminator_span, "operator")
        if kw in ("COPY", "ADD") and h.body_span is not None:
            p.paint(h.body_span, "string")
    if ins.trigger is not None:
        _paint_instruction(p, ins.trigger)


def semantic_tokens(df: Dockerfile) -> list[Token]:
    """Non-overlapping single-line tokens in document order (model columns)."""
    p = _Painter(df.lines)
    try:
        for c in df.comments:
            p.paint(c.span, "comment")
        for d in df.directives:
            p.paint(d.span, "macro")
            p.paint(d.value_span, "string")
        for ins in df.instructions:
            try:
                _paint_instruction(p, ins)
            except Exception:
                _strict()
                continue
        idx = _index(df)
        for sp in idx.trigger_vars:
            p.paint(sp, "variable")
        for o in idx.occs:
            decl = ("declaration",) if o.role == "definition" else ()
            if o.kind == "stage":
                p.paint(o.span, "class", decl)
            else:
                lib = ("defaultLibrary",) if o.key[0] == "free" and o.name in PREDEFINED_ARGS else ()
                p.paint(o.span, "variable", decl + lib)
    except Exception:
        _strict()
    return p.tokens()


# -- document links ---------------------------------------------------------------------------------

_HUB_REGISTRIES = frozenset(("docker.io", "index.docker.io", "registry-1.docker.io"))
_PATH_OK = lazyre.compile(r"[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*\Z")


def registry_url(registry: str | None, path: str) -> str | None:
    """The web page of a repository: Docker Hub (``_/name`` for official images,
    ``r/ns/name`` otherwise) and quay.io; None for other (private) registries."""
    if not _PATH_OK.match(path or ""):
        return None
    parts = path.split("/")
    if registry is None or registry.lower() in _HUB_REGISTRIES:
        if len(parts) == 1:
            parts = ["library", *parts]
        if len(parts) != 2:
            return None
        if parts[0] == "library":
            return f"https://hub.docker.com/_/{parts[1]}"
        return f"https://hub.docker.com/r/{parts[0]}/{parts[1]}"
    if registry.lower() == "quay.io" and len(parts) == 2:
        return f"https://quay.io/repository/{path}"
    return None


def _repo_part(raw: str) -> str:
    """``registry/path`` of an image reference, without tag and digest."""
    ref = raw.split("@", 1)[0]
    colon, slash = ref.rfind(":"), ref.rfind("/")
    return ref[:colon] if colon > slash else ref


def document_links(df: Dockerfile) -> list[tuple[Span, str]]:
    """(span of the image name, URL of its registry page) for FROM images and
    ``COPY --from=<image>``; nothing for stages, ``scratch``, variables or
    registries without a known web page."""
    from dockwise.syntax.parser import parse_image_ref

    out: list[tuple[Span, str]] = []
    try:
        cands: list[tuple[Span, str]] = []
        for st in df.stages:
            b = st.base
            if b is not None and st.parent is None and "$" not in b.raw and b.raw != "scratch":
                cands.append((b.span, b.raw))
        cands += _index(df).image_refs
        for span, raw in cands:
            if span.start.line != span.end.line:
                continue
            ref = parse_image_ref(raw, raw, span)
            url = registry_url(ref.registry, ref.path)
            if url:
                out.append((_sub_span(span, 0, len(_repo_part(raw))), url))
    except Exception:
        _strict()
    return out
